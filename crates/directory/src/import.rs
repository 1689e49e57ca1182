//! `territoires import actors FILE.csv`: the columns of the open data export (a header line
//! names them; any order; `themes`, `activities` and `publics` separated by `;`). A row with
//! the id of an actor updates it, any other row adds a published actor (with that id when one
//! is given). A bad row is reported with its line and reason and skipped; the others go in.

use crate::actor::{ActorFields, FIELDS, LISTS};
use crate::store;
use kernel::Error;
use kernel::db::Db;
use kernel::i18n::{Lang, tr};

/// What an import did.
#[derive(Debug, Default)]
pub struct Summary {
    /// Actors added.
    pub added: usize,
    /// Actors updated.
    pub updated: usize,
    /// Rows skipped: (line, reason).
    pub refused: Vec<(usize, String)>,
}

/// Imports the rows of a CSV text; `progress` is told (rows done, rows in all) as it goes.
pub async fn import(
    db: &Db,
    text: &str,
    progress: &dyn Fn(usize, usize),
) -> Result<Summary, Error> {
    let records = kernel::opendata::csv_records(text);
    let Some(((_, header), rows)) = records.split_first() else {
        return Err(Error::BadRequest("import.empty"));
    };
    let header: Vec<String> = header.iter().map(|h| h.trim().to_string()).collect();
    let column = |name: &str| header.iter().position(|h| h == name);
    if column("name").is_none() {
        return Err(Error::BadRequest("import.header"));
    }
    // The export writes `long`; the form says `lon`.
    let id_column = column("id");
    let mut summary = Summary::default();
    let tax = crate::terms::Taxonomy::load(db).await?;
    for (done, (line, row)) in rows.iter().enumerate() {
        let mut pairs: Vec<(String, String)> = Vec::new();
        for (i, name) in header.iter().enumerate() {
            let value = row.get(i).cloned().unwrap_or_default();
            let name = if name == "long" { "lon" } else { name.as_str() };
            if LISTS.iter().any(|(l, _)| *l == name) {
                pairs.extend(
                    value
                        .split(';')
                        .map(str::trim)
                        .filter(|v| !v.is_empty())
                        .map(|v| (name.to_string(), v.to_string())),
                );
            } else if FIELDS.contains(&name) {
                pairs.push((name.to_string(), value));
            }
        }
        let fields = ActorFields::from_pairs(&pairs);
        match store::parse_actor(db, &tax, &fields).await? {
            Ok(input) => {
                let id = id_column
                    .and_then(|i| row.get(i))
                    .map(|s| s.trim())
                    .filter(|s| !s.is_empty());
                if id.is_some_and(|id| {
                    id.len() > 64 || !id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
                }) {
                    summary
                        .refused
                        .push((*line, "id: lettres, chiffres et tirets, 64 au plus".into()));
                } else if store::import_one(db, id, &input).await? {
                    summary.added += 1;
                } else {
                    summary.updated += 1;
                }
            }
            Err(errors) => {
                let reason = errors
                    .0
                    .iter()
                    .map(|e| {
                        format!(
                            "{} : {}",
                            e.field,
                            tr(Lang::Fr, &format!("field.{}", e.code))
                        )
                    })
                    .collect::<Vec<_>>()
                    .join(" ; ");
                summary.refused.push((*line, reason));
            }
        }
        progress(done + 1, rows.len());
    }
    Ok(summary)
}
