//! An actor's input as a revision keeps it (`actor_revisions.data`): a JSON object with a
//! member per field of the input, named and written as the columns say (text, number, or a
//! list of texts; an optional field not given is an empty text). Read back through the same
//! parsers as the form, so that a revision whose value no longer parses is an error (which the
//! review workflow treats as an unreadable revision).

use super::{ActorFields, ActorInput};
use crate::columns::{self, Cell};
use serde::de::Error as _;
use serde::ser::SerializeMap;
use serde_json::Value;

impl serde::Serialize for ActorInput {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(columns::inputs().count()))?;
        for c in columns::inputs() {
            match c.of_input(self) {
                Some(Cell::Text(t) | Cell::Upload(t)) => map.serialize_entry(c.name, t)?,
                Some(Cell::Number(n)) => map.serialize_entry(c.name, &n)?,
                Some(Cell::List(items)) => map.serialize_entry(c.name, &items)?,
                Some(Cell::Date(ms)) => map.serialize_entry(c.name, &ms)?,
                None => {}
            }
        }
        map.end()
    }
}

/// Revisions written before a field existed read it as empty; members the input does not
/// know are left out.
impl<'de> serde::Deserialize<'de> for ActorInput {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let map = serde_json::Map::<String, Value>::deserialize(d)?;
        let mut values = Vec::new();
        for c in columns::inputs() {
            let name = || c.name.to_string();
            match map.get(c.name) {
                None => {}
                Some(Value::String(s)) => values.push((name(), s.clone())),
                Some(Value::Number(n)) => values.push((name(), n.to_string())),
                Some(Value::Array(items)) => {
                    let mut texts = Vec::with_capacity(items.len());
                    for item in items {
                        let text = item.as_str().ok_or_else(|| {
                            D::Error::custom(format!("{}: a list of texts", c.name))
                        })?;
                        texts.push(text);
                    }
                    if c.kind.repeats_in_form() {
                        values.extend(texts.into_iter().map(|t| (name(), t.to_string())));
                    } else {
                        values.push((name(), texts.join("\n")));
                    }
                }
                Some(other) => {
                    return Err(D::Error::custom(format!("{}: unexpected {other}", c.name)));
                }
            }
        }
        ActorFields { values }.read_stored().map_err(|errors| {
            D::Error::custom(format!("a stored actor no longer parses: {errors:?}"))
        })
    }
}
