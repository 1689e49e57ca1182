//! `territoires import actors FILE.csv`: the columns of the open data export (a header line
//! names them; any order; `themes`, `activities` and `publics` separated by `;`). A row with
//! the id of an actor updates it, any other row adds a published actor (with that id when one
//! is given). A bad row is reported with its line and reason and skipped; the others go in.

use crate::actor::ActorFields;
use crate::columns;
use crate::error::StoreError;
use crate::store;
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

/// One data row of the file: its fields under the names of the form.
#[derive(Debug)]
pub struct Row {
    /// The line it starts on, from 1.
    pub line: usize,
    /// The actor's fields.
    pub fields: ActorFields,
    /// The id it gives, trimmed, not yet checked.
    pub id: Option<String>,
}

/// Reads the data rows of a CSV text by the names of its header line, which must name `name`.
pub fn rows(text: &str) -> Result<Vec<Row>, StoreError> {
    let records = kernel::opendata::csv_records(text);
    let Some(((_, header), records)) = records.split_first() else {
        return Err(StoreError::ImportEmpty);
    };
    let header: Vec<String> = header.iter().map(|h| h.trim().to_string()).collect();
    let column = |name: &str| header.iter().position(|h| h == name);
    if column("name").is_none() {
        return Err(StoreError::ImportHeader);
    }
    let id_column = column("id");
    let mut rows = Vec::new();
    for (line, record) in records {
        let mut pairs: Vec<(String, String)> = Vec::new();
        for (i, name) in header.iter().enumerate() {
            let Some(c) = field_of(name) else { continue };
            let value = record.get(i).cloned().unwrap_or_default();
            match c.kind.separators() {
                Some((_, csv)) if c.kind.repeats_in_form() => pairs.extend(
                    value
                        .split(csv)
                        .map(str::trim)
                        .filter(|v| !v.is_empty())
                        .map(|v| (c.name.to_string(), v.to_string())),
                ),
                _ => pairs.push((c.name.to_string(), value)),
            }
        }
        let id = id_column
            .and_then(|i| record.get(i))
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty());
        rows.push(Row {
            line: *line,
            fields: ActorFields::from_pairs(&pairs),
            id,
        });
    }
    Ok(rows)
}

/// The field of the form a column of the file fills: named as the field, or as the export's
/// header names it (`long` for `lon`).
fn field_of(header: &str) -> Option<&'static columns::Column> {
    columns::field(header)
        .or_else(|| columns::inputs().find(|c| c.open_data.is_some_and(|o| o.header == header)))
}

/// Whether an id given in a file may name an actor: letters, digits and dashes, 64 at most.
fn is_valid_id(id: &str) -> bool {
    id.len() <= 64 && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

/// Imports the rows of a CSV text; `progress` is told (rows done, rows in all) as it goes.
pub async fn import(
    db: &Db,
    text: &str,
    progress: &dyn Fn(usize, usize),
) -> Result<Summary, StoreError> {
    let rows = rows(text)?;
    let mut summary = Summary::default();
    let tax = crate::terms::Taxonomy::load(db).await?;
    for (done, row) in rows.iter().enumerate() {
        match store::parse_actor(db, &tax, &row.fields).await? {
            Ok(input) => {
                let id = row.id.as_deref();
                if id.is_some_and(|id| !is_valid_id(id)) {
                    summary.refused.push((
                        row.line,
                        "id: lettres, chiffres et tirets, 64 au plus".into(),
                    ));
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
                summary.refused.push((row.line, reason));
            }
        }
        progress(done + 1, rows.len());
    }
    Ok(summary)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::terms::Taxonomy;
    use proptest::prelude::*;

    /// Every row parses as the form would, against the seeded terms and one known commune.
    fn parse_every_row(rows: &[Row]) -> Result<(), TestCaseError> {
        let tax = Taxonomy::seeded();
        for row in rows {
            let parsed = row
                .fields
                .parse(&tax, |c| (c == "22113").then(|| "22".to_string()));
            if let Ok(actor) = parsed {
                prop_assert!(!actor.themes().is_empty());
                prop_assert_eq!(actor.commune(), "22113");
            }
        }
        Ok(())
    }

    /// The columns a file may have, `name` aside: the form's fields and lists (the position's
    /// longitude written `long`, as the export does), `id`, and one the import does not know.
    fn columns() -> Vec<&'static str> {
        columns::form_fields()
            .filter(|c| c.name != "name")
            .map(|c| if c.name == "lon" { "long" } else { c.name })
            .chain(["id", "unknown"])
            .collect()
    }

    /// A header naming `name` and some other columns, in any order.
    fn header() -> impl Strategy<Value = Vec<&'static str>> {
        let columns = columns();
        let n = columns.len();
        prop::sample::subsequence(columns, 0..=n)
            .prop_map(|mut c| {
                c.push("name");
                c
            })
            .prop_shuffle()
    }

    fn value() -> impl Strategy<Value = String> {
        prop_oneof![
            ".{0,12}",
            prop::sample::select(vec![
                "",
                "Atelier du Port",
                "company",
                "association",
                "22113",
                "48.73",
                "-3.46",
                "Mo-Fr 09:00-18:00",
                "https://lannion.fr",
                "contact@lannion.fr",
                "02 96 46 64 22",
                "culture;sport",
                " ; ;",
                "12345678901234",
                "W223000001",
                "a,b",
                "\"cité\"",
                "deux\r\nlignes",
            ])
            .prop_map(str::to_string),
            prop::sample::select(Taxonomy::seeded().codes("theme")),
        ]
    }

    fn quoted(v: &str) -> String {
        format!("\"{}\"", v.replace('"', "\"\""))
    }

    /// Tokens of CSV files: separators, quotes, line breaks, column names.
    fn csv_like() -> impl Strategy<Value = String> {
        let token = prop::sample::select(vec![
            ",",
            "\"",
            "\"\"",
            "\n",
            "\r\n",
            "\r",
            "\u{feff}",
            "name",
            "id",
            "themes",
            "long",
            "culture;sport",
            ";",
            "x",
            "é",
            "\u{0}",
            " ",
        ]);
        prop::collection::vec(token, 0..60).prop_map(|t| t.concat())
    }

    proptest! {

        #[test]
        fn any_bytes_are_read_without_panic(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
            if let Ok(rows) = rows(&String::from_utf8_lossy(&bytes)) {
                parse_every_row(&rows)?;
            }
        }

        #[test]
        fn csv_like_text_is_read_without_panic(text in csv_like()) {
            if let Ok(rows) = rows(&text) {
                prop_assert!(rows.windows(2).all(|w| w[0].line < w[1].line));
                parse_every_row(&rows)?;
            }
        }

        #[test]
        fn every_quoted_value_reaches_its_field(
            (header, records) in header().prop_flat_map(|h| {
                let width = h.len();
                (Just(h), prop::collection::vec(prop::collection::vec(value(), width), 0..6))
            }),
            crlf in any::<bool>(),
        ) {
            let end = if crlf { "\r\n" } else { "\n" };
            let mut text = format!("\u{feff}{}{end}", header.join(","));
            for record in &records {
                let fields: Vec<String> = record.iter().map(|v| quoted(v)).collect();
                text.push_str(&fields.join(","));
                text.push_str(end);
            }
            let rows = rows(&text).map_err(|e| TestCaseError::fail(format!("{e:?}")))?;
            let written: Vec<&Vec<String>> =
                records.iter().filter(|r| r.iter().any(|v| !v.is_empty())).collect();
            prop_assert_eq!(rows.len(), written.len());
            for (row, record) in rows.iter().zip(written) {
                for (column, value) in header.iter().zip(record) {
                    match *column {
                        "id" => prop_assert_eq!(
                            row.id.as_deref(),
                            Some(value.trim()).filter(|v| !v.is_empty())
                        ),
                        "themes" | "activities" | "publics" => {
                            let given: Vec<&str> =
                                value.split(';').map(str::trim).filter(|v| !v.is_empty()).collect();
                            let kept: Vec<&str> = row
                                .fields
                                .values
                                .iter()
                                .filter(|(k, _)| k == column)
                                .map(|(_, v)| v.as_str())
                                .collect();
                            prop_assert_eq!(kept, given);
                        }
                        "long" => prop_assert_eq!(row.fields.get("lon"), value),
                        "unknown" => {}
                        field => prop_assert_eq!(row.fields.get(field), value),
                    }
                }
            }
            parse_every_row(&rows)?;
        }
    }
}
