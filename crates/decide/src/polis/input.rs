//! Reading a conversation exported from Polis, from the contents of its files (no IO here).
//!
//! Two shapes:
//! - `votes.json` and `comments.json`, arrays of records as the Polis API returns them. Ids are
//!   `pid`/`tid` or `participant_id`/`statement_id`; moderation is `mod` or `moderated`; the time
//!   `modified` is a number or a string of milliseconds; `is_meta` may be absent (false).
//! - `votes.csv` (`timestamp,datetime,comment-id,voter-id,vote`) and `comments.csv`
//!   (`timestamp,datetime,comment-id,author-id,agrees,disagrees,moderated,comment-body`), the
//!   report export of Polis. Columns are found by name, so their order and any others do not
//!   matter. Only the older export (of the math service) and this crate's own export
//!   (`export.rs`) have an `is-meta` column: without it, meta statements count as ordinary ones.
//!   The older export's timestamps are in milliseconds, the server's in seconds; only the order
//!   counts, ties being replayed by participant then statement. This crate's export adds
//!   `timestamp-ms`, the exact time, which is read instead of `timestamp` when present.
//!
//! Votes are +1 agree, −1 disagree, 0 pass in both shapes, and no sign is changed on reading.
//! Polis stores agree as −1 in its database; its exports turn the sign over (the math
//! service's `get-corrected-conversation-votes`, `vote: -row.vote` in the server's
//! `routes/export.ts`), and the API records read here come the same way, as their agree counts
//! show. One exception: early versions of the server's CSV export (from September 2024, as in
//! compdemocracy/polis 08e03eb1) wrote the stored sign, so their `votes.csv` has agree and
//! disagree swapped.

use super::export::{StatementRecord, unguard};
use super::{Statement, Vote};
use serde_json::{Map, Value};

/// Where a problem is in an input file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Place {
    /// The file as a whole.
    File,
    /// A record of a JSON array, by index from 0.
    Record(usize),
    /// A line of a CSV file, from 1 (where the record starts).
    Line(usize),
}

/// A problem in an input file: which file, where, and what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputError {
    /// The file's usual name (`votes.json`, `comments.csv`…).
    pub file: &'static str,
    /// Where in it.
    pub place: Place,
    /// What is wrong.
    pub reason: String,
}

impl std::fmt::Display for InputError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.place {
            Place::File => write!(f, "{}: {}", self.file, self.reason),
            Place::Record(i) => write!(f, "{} record {i}: {}", self.file, self.reason),
            Place::Line(n) => write!(f, "{} line {n}: {}", self.file, self.reason),
        }
    }
}

impl std::error::Error for InputError {}

const VOTES_JSON: &str = "votes.json";
const COMMENTS_JSON: &str = "comments.json";
const VOTES_CSV: &str = "votes.csv";
const COMMENTS_CSV: &str = "comments.csv";

/// The votes of a `votes.json`.
pub fn votes_from_json(text: &str) -> Result<Vec<Vote>, InputError> {
    json_records(VOTES_JSON, text, |record| {
        Ok(Vote {
            pid: id(record, &["pid", "participant_id"])?,
            tid: id(record, &["tid", "statement_id"])?,
            value: ternary(record, &["vote"])?,
            time: integer_field(record, &["modified"])?,
        })
    })
}

/// The statements of a `comments.json`.
pub fn statements_from_json(text: &str) -> Result<Vec<Statement>, InputError> {
    json_records(COMMENTS_JSON, text, |record| {
        let is_meta = match field(record, &["is_meta"]) {
            None => false,
            Some(Value::Bool(b)) => *b,
            Some(other) => return Err(format!("is_meta is {other}, not true or false")),
        };
        Ok(Statement {
            tid: id(record, &["tid", "statement_id"])?,
            moderation: ternary(record, &["mod", "moderated"])?,
            is_meta,
        })
    })
}

/// The votes of a `votes.csv`.
pub fn votes_from_csv(text: &str) -> Result<Vec<Vote>, InputError> {
    let table = Table::new(
        VOTES_CSV,
        text,
        &["voter-id", "comment-id", "vote", "timestamp"],
        &["timestamp-ms"],
    )?;
    table.rows(|f| {
        Ok(Vote {
            pid: small(f[0], "voter-id")?,
            tid: small(f[1], "comment-id")?,
            value: vote_value(f[2], "vote")?,
            time: time(f[3], f[4])?,
        })
    })
}

/// The statements of a `comments.csv`.
pub fn statements_from_csv(text: &str) -> Result<Vec<Statement>, InputError> {
    let table = Table::new(
        COMMENTS_CSV,
        text,
        &["comment-id", "moderated"],
        &["is-meta"],
    )?;
    table.rows(|f| {
        Ok(Statement {
            tid: small(f[0], "comment-id")?,
            moderation: vote_value(f[1], "moderated")?,
            is_meta: meta(f[2])?,
        })
    })
}

/// The statements of a `comments.csv` with their author, time and text: `timestamp-ms` if
/// present, else `timestamp` in the unit of the file (seconds from Polis' server); the text
/// without the apostrophe that the export (`export.rs`) puts before a text starting like a
/// formula (so a text from Polis that starts with an apostrophe then `=`, `+`, `-`, `@`, a tab
/// or a carriage return loses that apostrophe).
pub fn statement_records_from_csv(text: &str) -> Result<Vec<StatementRecord>, InputError> {
    let table = Table::new(
        COMMENTS_CSV,
        text,
        &[
            "comment-id",
            "moderated",
            "author-id",
            "timestamp",
            "comment-body",
        ],
        &["is-meta", "timestamp-ms"],
    )?;
    table.rows(|f| {
        Ok(StatementRecord {
            statement: Statement {
                tid: small(f[0], "comment-id")?,
                moderation: vote_value(f[1], "moderated")?,
                is_meta: meta(f[5])?,
            },
            author: small(f[2], "author-id")?,
            time: time(f[3], f[6])?,
            text: unguard(f[4]).to_string(),
        })
    })
}

/// An `is-meta` field; empty (or no column) is false.
fn meta(text: &str) -> Result<bool, String> {
    match text.trim() {
        "" | "false" | "0" | "f" => Ok(false),
        "true" | "1" | "t" => Ok(true),
        other => Err(format!("is-meta is {other:?}, not true or false")),
    }
}

/// The time of a record: `timestamp-ms` when given, else `timestamp`.
fn time(timestamp: &str, ms: &str) -> Result<i64, String> {
    if ms.trim().is_empty() {
        integer_text(timestamp).ok_or_else(|| not_integer("timestamp", timestamp))
    } else {
        integer_text(ms).ok_or_else(|| not_integer("timestamp-ms", ms))
    }
}

/// Each object of a JSON array through `read`, its errors placed at the record.
fn json_records<T>(
    file: &'static str,
    text: &str,
    read: impl Fn(&Map<String, Value>) -> Result<T, String>,
) -> Result<Vec<T>, InputError> {
    let fail = |place, reason: String| InputError {
        file,
        place,
        reason,
    };
    let value: Value =
        serde_json::from_str(text).map_err(|e| fail(Place::File, format!("not JSON: {e}")))?;
    let Value::Array(records) = value else {
        return Err(fail(Place::File, "not an array of records".into()));
    };
    records
        .iter()
        .enumerate()
        .map(|(i, record)| {
            let Value::Object(record) = record else {
                return Err(fail(Place::Record(i), format!("not an object: {record}")));
            };
            read(record).map_err(|reason| fail(Place::Record(i), reason))
        })
        .collect()
}

/// The first of `names` present and not null.
fn field<'a>(record: &'a Map<String, Value>, names: &[&str]) -> Option<&'a Value> {
    names
        .iter()
        .find_map(|n| record.get(*n).filter(|v| !v.is_null()))
}

fn missing(names: &[&str]) -> String {
    format!("no {}", names.join(" or "))
}

/// A whole number, written as a number (possibly with a zero fraction) or a string.
fn integer(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => n.as_i64().or_else(|| n.as_f64().and_then(whole)),
        Value::String(s) => integer_text(s),
        _ => None,
    }
}

fn integer_text(s: &str) -> Option<i64> {
    let s = s.trim();
    s.parse::<i64>()
        .ok()
        .or_else(|| s.parse::<f64>().ok().and_then(whole))
}

fn whole(x: f64) -> Option<i64> {
    (x.is_finite() && x.fract() == 0.0 && x.abs() < 9.0e18).then_some(x as i64)
}

fn integer_field(record: &Map<String, Value>, names: &[&str]) -> Result<i64, String> {
    let v = field(record, names).ok_or_else(|| missing(names))?;
    integer(v).ok_or_else(|| format!("{} is {v}, not a whole number", names[0]))
}

/// A pid or tid.
fn id(record: &Map<String, Value>, names: &[&str]) -> Result<u32, String> {
    let v = field(record, names).ok_or_else(|| missing(names))?;
    integer(v)
        .and_then(|i| u32::try_from(i).ok())
        .ok_or_else(|| format!("{} is {v}, not an id (a whole number from 0)", names[0]))
}

/// −1, 0 or 1.
fn ternary(record: &Map<String, Value>, names: &[&str]) -> Result<i8, String> {
    let v = field(record, names).ok_or_else(|| missing(names))?;
    match integer(v) {
        Some(x @ -1..=1) => Ok(x as i8),
        _ => Err(format!("{} is {v}, not -1, 0 or 1", names[0])),
    }
}

fn not_integer(name: &str, text: &str) -> String {
    format!("{name} is {text:?}, not a whole number")
}

fn small(text: &str, name: &str) -> Result<u32, String> {
    integer_text(text)
        .and_then(|i| u32::try_from(i).ok())
        .ok_or_else(|| format!("{name} is {text:?}, not an id (a whole number from 0)"))
}

fn vote_value(text: &str, name: &str) -> Result<i8, String> {
    match integer_text(text) {
        Some(x @ -1..=1) => Ok(x as i8),
        _ => Err(format!("{name} is {text:?}, not -1, 0 or 1")),
    }
}

/// A CSV file with a header: the columns wanted, by name.
struct Table {
    file: &'static str,
    /// The column of each wanted name (required ones first, then optional ones if present).
    columns: Vec<Option<usize>>,
    /// The records after the header.
    records: Vec<Record>,
}

impl Table {
    fn new(
        file: &'static str,
        text: &str,
        required: &[&str],
        optional: &[&str],
    ) -> Result<Table, InputError> {
        let mut records = csv_records(text).map_err(|(line, reason)| InputError {
            file,
            place: Place::Line(line),
            reason,
        })?;
        if records.is_empty() {
            return Err(InputError {
                file,
                place: Place::File,
                reason: "empty: no header".into(),
            });
        }
        let (line, header) = records.remove(0);
        let find = |name: &str| header.iter().position(|h| h.trim() == name);
        let mut columns = Vec::new();
        for name in required {
            columns.push(Some(find(name).ok_or_else(|| InputError {
                file,
                place: Place::Line(line),
                reason: format!("no column {name:?} in the header"),
            })?));
        }
        columns.extend(optional.iter().map(|name| find(name)));
        Ok(Table {
            file,
            columns,
            records,
        })
    }

    /// Each record through `read`, given the text of each wanted column in order (empty for an
    /// absent optional one).
    fn rows<T>(&self, read: impl Fn(&[&str]) -> Result<T, String>) -> Result<Vec<T>, InputError> {
        let needed = self.columns.iter().flatten().max().map_or(0, |m| m + 1);
        self.records
            .iter()
            .filter(|(_, fields)| !(fields.len() == 1 && fields[0].trim().is_empty()))
            .map(|(line, fields)| {
                let fail = |reason| InputError {
                    file: self.file,
                    place: Place::Line(*line),
                    reason,
                };
                if fields.len() < needed {
                    let n = fields.len();
                    let plural = if n == 1 { "" } else { "s" };
                    return Err(fail(format!(
                        "{n} field{plural}, the header asks for at least {needed}"
                    )));
                }
                let values: Vec<&str> = self
                    .columns
                    .iter()
                    .map(|c| c.map_or("", |c| fields[c].as_str()))
                    .collect();
                read(&values).map_err(fail)
            })
            .collect()
    }
}

/// A CSV record: the line it starts on and its fields.
type Record = (usize, Vec<String>);

/// The records of a CSV text (RFC 4180: `,` between fields, `"` around a field that holds `,`,
/// `"` (doubled) or a line break), each with the line it starts on. A quote inside an unquoted
/// field is an ordinary character, as older exports wrote statement texts unquoted.
fn csv_records(text: &str) -> Result<Vec<Record>, (usize, String)> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut records = Vec::new();
    let mut fields = Vec::new();
    let mut field = String::new();
    let (mut line, mut start_line) = (1usize, 1usize);
    let mut quoted = false;
    // Whether the current field has had any character yet (a quote opens only at its start).
    let mut started = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if quoted {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    field.push('"');
                    chars.next();
                }
                '"' => quoted = false,
                '\n' => {
                    line += 1;
                    field.push(c);
                }
                _ => field.push(c),
            }
            continue;
        }
        match c {
            '"' if !started => {
                quoted = true;
                started = true;
            }
            ',' => {
                fields.push(std::mem::take(&mut field));
                started = false;
            }
            '\r' if chars.peek() == Some(&'\n') => {}
            '\n' => {
                fields.push(std::mem::take(&mut field));
                records.push((start_line, std::mem::take(&mut fields)));
                started = false;
                line += 1;
                start_line = line;
            }
            _ => {
                field.push(c);
                started = true;
            }
        }
    }
    if quoted {
        return Err((start_line, "a quoted field is not closed".into()));
    }
    if started || !fields.is_empty() {
        fields.push(field);
        records.push((start_line, fields));
    }
    Ok(records)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_quotes_and_line_breaks() {
        let text = "a,b\r\n1,\"x, \"\"y\"\"\nz\"\n2,say \"hi\"\n";
        let r = csv_records(text).unwrap();
        assert_eq!(r.len(), 3);
        assert_eq!(r[1], (2, vec!["1".to_string(), "x, \"y\"\nz".to_string()]));
        assert_eq!(r[2], (4, vec!["2".to_string(), "say \"hi\"".to_string()]));
        assert_eq!(csv_records("a\n\"open").unwrap_err().0, 2);
    }

    #[test]
    fn both_spellings_of_the_json_keys() {
        let votes = votes_from_json(
            r#"[{"pid": 1, "tid": 2, "vote": -1, "modified": "1714782753431"},
                {"participant_id": 3, "statement_id": 4, "vote": 1, "modified": 1594984322740.0}]"#,
        )
        .unwrap();
        assert_eq!(
            votes,
            vec![
                Vote {
                    pid: 1,
                    tid: 2,
                    value: -1,
                    time: 1714782753431
                },
                Vote {
                    pid: 3,
                    tid: 4,
                    value: 1,
                    time: 1594984322740
                }
            ]
        );
        let statements = statements_from_json(
            r#"[{"tid": 0, "mod": -1, "is_meta": false}, {"statement_id": 1, "moderated": 1, "is_meta": true}]"#,
        )
        .unwrap();
        assert!(statements[0].is_moderated_out() && statements[1].is_moderated_out());
    }

    #[test]
    fn bad_records_are_named() {
        let e = votes_from_json(r#"[{"pid": 1, "tid": 2, "vote": 1, "modified": 5}, {"pid": 1, "tid": 3, "vote": 2, "modified": 6}]"#)
            .unwrap_err();
        assert_eq!(
            e.to_string(),
            "votes.json record 1: vote is 2, not -1, 0 or 1"
        );
        let e = votes_from_json(r#"[{"pid": 1, "vote": 1, "modified": 5}]"#).unwrap_err();
        assert_eq!(e.to_string(), "votes.json record 0: no tid or statement_id");
        let e = votes_from_json("[{").unwrap_err();
        assert!(e.to_string().starts_with("votes.json: not JSON"));
        let e = statements_from_json(r#"[{"tid": 0}]"#).unwrap_err();
        assert_eq!(e.to_string(), "comments.json record 0: no mod or moderated");
        let csv = "timestamp,datetime,comment-id,voter-id,vote\n1,x,0,0,1\n2,x,1,0,-2\n";
        let e = votes_from_csv(csv).unwrap_err();
        assert_eq!(
            e.to_string(),
            "votes.csv line 3: vote is \"-2\", not -1, 0 or 1"
        );
        let e = votes_from_csv("timestamp,comment-id,vote\n").unwrap_err();
        assert_eq!(
            e.to_string(),
            "votes.csv line 1: no column \"voter-id\" in the header"
        );
        let e = statements_from_csv("comment-id,moderated\n3\n").unwrap_err();
        assert_eq!(
            e.to_string(),
            "comments.csv line 2: 1 field, the header asks for at least 2"
        );
    }
}
