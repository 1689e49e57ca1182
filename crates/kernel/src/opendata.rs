//! What every open data set of the platform shares: the three shapes (CSV, GeoJSON, JSON),
//! streaming a page of rows at a time so that a million rows never sit in memory, positions
//! rounded to about ten metres, and Atom feeds.

use crate::Error;
use crate::changes::BoxFuture;
use axum::body::Body;
use axum::http::header;
use axum::response::{IntoResponse, Response};

/// Rows per page of a stream.
pub const PAGE: i64 = 2000;

/// The shape of a data set file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// CSV with a header line, described by a Table Schema.
    Csv,
    /// A GeoJSON feature collection.
    GeoJson,
    /// A JSON array.
    Json,
}

impl Shape {
    /// Splits a file name into its stem and shape: `lannion.csv` → (`lannion`, CSV).
    pub fn of_file(file: &str) -> Option<(&str, Shape)> {
        if let Some(s) = file.strip_suffix(".csv") {
            Some((s, Shape::Csv))
        } else if let Some(s) = file.strip_suffix(".geojson") {
            Some((s, Shape::GeoJson))
        } else if let Some(s) = file.strip_suffix(".json") {
            Some((s, Shape::Json))
        } else {
            None
        }
    }

    /// The content type.
    pub fn content_type(self) -> &'static str {
        match self {
            Shape::Csv => "text/csv; charset=utf-8",
            Shape::GeoJson => "application/geo+json",
            Shape::Json => "application/json",
        }
    }

    fn head_tail(self, csv_header: &str) -> (String, String) {
        match self {
            Shape::Csv => (csv_header.to_string(), String::new()),
            Shape::GeoJson => (
                r#"{"type":"FeatureCollection","features":["#.to_string(),
                "]}".to_string(),
            ),
            Shape::Json => ("[".to_string(), "]".to_string()),
        }
    }

    /// A JSON item of the set (with its comma unless `first`): the properties as they are for
    /// JSON, with `lat` and `long` added; a point feature for GeoJSON. Not for CSV.
    pub fn json_item(
        self,
        mut props: serde_json::Value,
        position: Option<(f64, f64)>,
        first: bool,
    ) -> String {
        let item = if self == Shape::GeoJson {
            let geometry = match position {
                Some((lat, lon)) => {
                    serde_json::json!({"type": "Point", "coordinates": [round(lon), round(lat)]})
                }
                None => serde_json::Value::Null,
            };
            serde_json::json!({"type": "Feature", "geometry": geometry, "properties": props})
        } else {
            if let Some((lat, lon)) = position {
                props["lat"] = round(lat).into();
                props["long"] = round(lon).into();
            }
            props
        };
        format!("{}{item}", if first { "" } else { "," })
    }
}

/// Published positions are rounded to four decimals (about ten metres).
pub fn round(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}

/// A CSV field of a typed column (a number, a date, a code, an E.164 phone number, a parsed
/// address), quoted when it must be. Free text goes through [`csv_text`].
pub fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// What starts a formula in a spreadsheet: a cell of free text starting with one of these is
/// read as text only once an apostrophe precedes it (as OWASP advises against CSV injection).
const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// What every Table Schema says of its free-text columns.
pub const TEXT_NOTE: &str = "Free text: a value starting with =, +, -, @, a tab or a carriage \
     return is written with an apostrophe before it, so that no spreadsheet reads it as a formula.";

/// A CSV field of free text (a name, a title, a description, an address, a note): quoted when it
/// must be, and with an apostrophe before a value a spreadsheet would take for a formula.
pub fn csv_text(s: &str) -> String {
    if s.starts_with(FORMULA_STARTS) {
        csv_field(&format!("'{s}"))
    } else {
        csv_field(s)
    }
}

/// The Table Schema entry of a free-text column: its description followed by [`TEXT_NOTE`].
pub fn schema_text(name: &str, description: &str) -> serde_json::Value {
    schema_field(name, "string", &format!("{description} {TEXT_NOTE}"))
}

/// Pieces of SQL that write CSV in the database itself, so that a page of a large export is
/// one text made by the engine rather than thousands of rows decoded one by one: the same
/// quoting as [`csv_field`], dates as [`crate::ids::iso_date`], coordinates as [`round`].
pub mod sql {
    use crate::db::Engine;

    /// A free-text column as a CSV field, as [`super::csv_text`] writes it: an apostrophe
    /// before a value that starts like a formula, quoted when it holds a comma, a quote or a
    /// line break.
    pub fn text(engine: Engine, column: &str) -> String {
        // The column is read as it is stored, so that its first character is tested once per
        // cell (testing a rewritten value in each quoting test cost 40 % of an export), and a
        // cell that needs neither quotes nor an apostrophe is given back without a copy.
        // SQLite's GLOB looks at the first character alone, where SUBSTR would copy it.
        let formula = match engine {
            Engine::Sqlite => format!("{column} GLOB '[=+@\t\r-]*'"),
            Engine::Postgres => format!("LEFT({column}, 1) IN ('=', '+', '-', '@', '\t', '\r')"),
        };
        field(engine, column, Some(&formula))
    }

    /// A typed text column (a code, an e-mail address checked at entry, a phone number) as a
    /// CSV field, quoted when it holds a comma, a quote or a line break.
    pub fn typed(engine: Engine, column: &str) -> String {
        field(engine, column, None)
    }

    /// A column as a CSV field, quoted when it must be, and with an apostrophe before its value
    /// when `formula` (a condition) holds.
    fn field(engine: Engine, column: &str, formula: Option<&str>) -> String {
        let has = |c: &str| match engine {
            Engine::Sqlite => format!("INSTR({column}, '{c}') > 0"),
            Engine::Postgres => format!("STRPOS({column}, '{c}') > 0"),
        };
        let quote = format!(
            "{} OR {} OR {} OR {}",
            has(","),
            has("\""),
            has("\n"),
            has("\r")
        );
        let quoted = format!("REPLACE({column}, '\"', '\"\"') || '\"'");
        match formula {
            None => format!("CASE WHEN {quote} THEN '\"' || {quoted} ELSE {column} END"),
            Some(formula) => format!(
                "CASE WHEN {quote} THEN '\"' || (CASE WHEN {formula} THEN '''' ELSE '' END) || {quoted} \
                 WHEN {formula} THEN '''' || {column} ELSE {column} END"
            ),
        }
    }

    /// A date `YYYY-MM-DD` (UTC) of a column of milliseconds.
    pub fn date(engine: Engine, column: &str) -> String {
        match engine {
            Engine::Sqlite => format!("DATE({column} / 1000, 'unixepoch')"),
            Engine::Postgres => {
                format!("TO_CHAR(TO_TIMESTAMP({column} / 1000) AT TIME ZONE 'UTC', 'YYYY-MM-DD')")
            }
        }
    }

    /// A coordinate rounded to four decimals, as text.
    pub fn coordinate(engine: Engine, column: &str) -> String {
        match engine {
            Engine::Sqlite => format!("CAST(ROUND({column}, 4) AS TEXT)"),
            Engine::Postgres => format!(
                "CAST(CAST(ROUND(CAST({column} AS NUMERIC), 4) AS DOUBLE PRECISION) AS TEXT)"
            ),
        }
    }

    /// The values of `line` over the rows, joined in the order of `order`, as one text.
    pub fn joined(engine: Engine, line: &str, order: &str) -> String {
        match engine {
            Engine::Sqlite => format!("GROUP_CONCAT({line}, '' ORDER BY {order})"),
            Engine::Postgres => format!("STRING_AGG({line}, '' ORDER BY {order})"),
        }
    }
}

/// A page of an export written by the database: its text, and the cursor after it.
#[derive(Debug, Clone)]
pub struct TextPage {
    /// The rows, each ending with a line break.
    pub text: String,
    /// The id of the page's last row.
    pub last: String,
}

impl TextPage {
    /// The page's text (a [`stream`] row function).
    pub fn row(_: Shape, page: &TextPage, _: bool) -> String {
        page.text.clone()
    }

    /// The cursor after the page (a [`stream`] cursor function).
    pub fn cursor(page: &TextPage) -> (i64, String) {
        (0, page.last.clone())
    }
}

/// The records of a CSV text (RFC 4180: fields in double quotes may hold commas, quotes doubled
/// and line breaks), each with the line it starts on (from 1). A byte-order mark is skipped;
/// blank lines are left out.
pub fn csv_records(text: &str) -> Vec<(usize, Vec<String>)> {
    let text = text.trim_start_matches('\u{feff}');
    let mut out = Vec::new();
    let (mut record, mut field) = (Vec::new(), String::new());
    let (mut quoted, mut line, mut start) = (false, 1, 1);
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => {
                if c == '\n' {
                    line += 1;
                }
                field.push(c);
            }
            (false, '"') if field.is_empty() => quoted = true,
            (false, ',') => record.push(std::mem::take(&mut field)),
            (false, '\r') => {}
            (false, '\n') => {
                record.push(std::mem::take(&mut field));
                if record.iter().any(|f| !f.is_empty()) {
                    out.push((start, std::mem::take(&mut record)));
                }
                record.clear();
                line += 1;
                start = line;
            }
            (false, c) => field.push(c),
        }
    }
    record.push(field);
    if record.iter().any(|f| !f.is_empty()) {
        out.push((start, record));
    }
    out
}

/// How a stream fetches its next page after a cursor `(time, id)`.
pub type FetchPage<T> =
    Box<dyn Fn(Option<(i64, String)>) -> BoxFuture<Result<Vec<T>, Error>> + Send + Sync>;

/// Streams a data set: its header, its rows page by page (each page fetched after the
/// cursor of the last row of the one before), and its end. `row` writes one row (with its
/// comma when it is not the first JSON item).
pub fn stream<T: Send + 'static>(
    shape: Shape,
    csv_header: &'static str,
    fetch: FetchPage<T>,
    row: fn(Shape, &T, bool) -> String,
    cursor: fn(&T) -> (i64, String),
) -> Response {
    let (head, tail) = shape.head_tail(csv_header);
    let fetch = std::sync::Arc::new(fetch);
    // The next page is read while the current one is sent: the database and the network
    // work side by side, and at most two pages are held.
    type Pending<T> = tokio::task::JoinHandle<Result<Vec<T>, Error>>;
    let spawn = {
        let fetch = fetch.clone();
        move |after: Option<(i64, String)>| -> Pending<T> {
            let fetch = fetch.clone();
            tokio::spawn(async move { fetch(after).await })
        }
    };
    let first = spawn(None);
    let stream = futures_util::stream::unfold(
        (Some(head), Some(first), false, Some(tail)),
        move |(head, next, started, tail)| {
            let spawn = spawn.clone();
            async move {
                if let Some(h) = head {
                    return Some((Ok::<_, std::io::Error>(h), (None, next, started, tail)));
                }
                let tail = tail?;
                let page = match next?.await {
                    Ok(Ok(p)) => p,
                    Ok(Err(e)) => {
                        return Some((
                            Err(std::io::Error::other(format!("{e:?}"))),
                            (None, None, started, None),
                        ));
                    }
                    Err(e) => {
                        return Some((
                            Err(std::io::Error::other(e.to_string())),
                            (None, None, started, None),
                        ));
                    }
                };
                if page.is_empty() {
                    return Some((Ok(tail), (None, None, started, None)));
                }
                let following = spawn(page.last().map(cursor));
                let mut out = String::new();
                for (i, r) in page.iter().enumerate() {
                    out.push_str(&row(shape, r, !started && i == 0));
                }
                Some((Ok(out), (None, Some(following), true, Some(tail))))
            }
        },
    );
    (
        [
            (header::CONTENT_TYPE, shape.content_type()),
            (header::ACCESS_CONTROL_ALLOW_ORIGIN, "*"),
        ],
        Body::from_stream(stream),
    )
        .into_response()
}

/// A Table Schema field.
pub fn schema_field(name: &str, kind: &str, description: &str) -> serde_json::Value {
    serde_json::json!({"name": name, "type": kind, "description": description})
}

/// The licence of every data set, as a Table Schema / Data Package entry.
pub fn schema_licence() -> serde_json::Value {
    serde_json::json!([{"name": "etalab-2.0", "title": "Licence Ouverte 2.0", "path": crate::catalog::LICENCE}])
}

/// One entry of an Atom feed.
pub struct AtomEntry {
    /// Title.
    pub title: String,
    /// Absolute address.
    pub url: String,
    /// Last change (ms).
    pub updated: i64,
    /// First publication (ms).
    pub published: i64,
    /// Summary, plain text.
    pub summary: String,
}

fn xml(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// An Atom feed at `self_url`.
pub fn atom(title: &str, self_url: &str, entries: &[AtomEntry]) -> Response {
    let updated = entries.iter().map(|e| e.updated).max().unwrap_or(0);
    let mut out = format!(
        r#"<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>{}</title><id>{}</id><link rel="self" href="{}"/><updated>{}</updated>"#,
        xml(title),
        xml(self_url),
        xml(self_url),
        crate::ids::iso_datetime(updated)
    );
    for e in entries {
        out.push_str(&format!(
            r#"<entry><title>{}</title><id>{}</id><link href="{}"/><updated>{}</updated><published>{}</published><summary>{}</summary></entry>"#,
            xml(&e.title),
            xml(&e.url),
            xml(&e.url),
            crate::ids::iso_datetime(e.updated),
            crate::ids::iso_datetime(e.published),
            xml(&e.summary)
        ));
    }
    out.push_str("</feed>");
    (
        [(header::CONTENT_TYPE, "application/atom+xml; charset=utf-8")],
        out,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_name_their_shape_and_fields_are_quoted_when_needed() {
        assert_eq!(Shape::of_file("a.b.geojson"), Some(("a.b", Shape::GeoJson)));
        assert_eq!(
            Shape::of_file("x.schema.json"),
            Some(("x.schema", Shape::Json))
        );
        assert_eq!(Shape::of_file("x.xml"), None);
        assert_eq!(csv_field("a,b \"c\""), "\"a,b \"\"c\"\"\"");
        assert_eq!(round(1.234_567), 1.2346);
        let records = csv_records("\u{feff}a,b\r\n\n\"x, \"\"y\"\"\",\"deux\nlignes\"\nz,\n");
        assert_eq!(records.len(), 3);
        assert_eq!(records[0], (1, vec!["a".to_string(), "b".to_string()]));
        assert_eq!(
            records[1],
            (3, vec!["x, \"y\"".to_string(), "deux\nlignes".to_string()])
        );
        assert_eq!(records[2], (5, vec!["z".to_string(), String::new()]));
        let item =
            Shape::GeoJson.json_item(serde_json::json!({"id": "a"}), Some((44.0, 1.3)), false);
        assert!(item.starts_with(",{"), "{item}");
        assert!(item.contains("[1.3,44.0]"), "{item}");
    }
}
