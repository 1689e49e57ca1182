//! Open311 GeoReport v2, the documents and forms of the specification
//! (<http://wiki.open311.org/GeoReport_v2>): service lists and definitions, service requests,
//! tokens, discovery and errors in JSON and XML, and the reading of a submitted request. Pure:
//! the web layer feeds it and sends what it returns.

use std::collections::BTreeMap;
use std::fmt::Write;

/// The two formats of the specification, chosen by the extension of the path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// `.json`
    Json,
    /// `.xml`
    Xml,
}

impl Format {
    /// The format of a path's last segment (`services.json`), with the segment's stem.
    pub fn split(segment: &str) -> Option<(&str, Format)> {
        if let Some(stem) = segment.strip_suffix(".json") {
            Some((stem, Format::Json))
        } else {
            segment.strip_suffix(".xml").map(|stem| (stem, Format::Xml))
        }
    }
    /// The `Content-Type` of a document.
    pub fn content_type(self) -> &'static str {
        match self {
            Format::Json => "application/json; charset=utf-8",
            Format::Xml => "text/xml; charset=utf-8",
        }
    }
}

/// A value of a document: the specification's documents are flat records and lists of them.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// Text (escaped in XML).
    Text(String),
    /// A number.
    Number(f64),
    /// An integer.
    Int(i64),
    /// A boolean.
    Bool(bool),
    /// Nothing: `null` in JSON, an empty element in XML.
    Null,
    /// A list of elements named as given (XML) or an array (JSON).
    List(&'static str, Vec<Value>),
    /// A record of named fields, in order.
    Record(Vec<(&'static str, Value)>),
}

impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Value::Text(s.to_string())
    }
}
impl From<String> for Value {
    fn from(s: String) -> Self {
        Value::Text(s)
    }
}
impl From<Option<String>> for Value {
    fn from(s: Option<String>) -> Self {
        s.map_or(Value::Null, Value::Text)
    }
}

fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // Characters XML 1.0 cannot carry at all.
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => {}
            c => out.push(c),
        }
    }
    out
}

fn number(n: f64) -> String {
    if n.is_finite() {
        format!("{n}")
    } else {
        "null".into()
    }
}

fn to_json(v: &Value) -> serde_json::Value {
    match v {
        Value::Text(s) => serde_json::Value::String(s.clone()),
        Value::Number(n) => {
            serde_json::Number::from_f64(*n).map_or(serde_json::Value::Null, Into::into)
        }
        Value::Int(n) => (*n).into(),
        Value::Bool(b) => (*b).into(),
        Value::Null => serde_json::Value::Null,
        Value::List(_, items) => items.iter().map(to_json).collect(),
        Value::Record(fields) => fields
            .iter()
            .map(|(k, v)| (k.to_string(), to_json(v)))
            .collect::<serde_json::Map<_, _>>()
            .into(),
    }
}

fn write_xml(out: &mut String, name: &str, v: &Value) {
    match v {
        Value::Null => {
            let _ = write!(out, "<{name}/>");
        }
        Value::Text(s) => {
            let _ = write!(out, "<{name}>{}</{name}>", xml_escape(s));
        }
        Value::Number(n) => {
            let _ = write!(out, "<{name}>{}</{name}>", number(*n));
        }
        Value::Int(n) => {
            let _ = write!(out, "<{name}>{n}</{name}>");
        }
        Value::Bool(b) => {
            let _ = write!(out, "<{name}>{b}</{name}>");
        }
        Value::List(item, items) => {
            let _ = write!(out, "<{name}>");
            for i in items {
                write_xml(out, item, i);
            }
            let _ = write!(out, "</{name}>");
        }
        Value::Record(fields) => {
            let _ = write!(out, "<{name}>");
            for (k, v) in fields {
                write_xml(out, k, v);
            }
            let _ = write!(out, "</{name}>");
        }
    }
}

/// A document in a format: JSON as is, XML under its root element with the XML declaration.
pub fn render(format: Format, root: &'static str, v: &Value) -> String {
    match format {
        Format::Json => to_json(v).to_string(),
        Format::Xml => {
            let mut out = String::from(r#"<?xml version="1.0" encoding="utf-8"?>"#);
            write_xml(&mut out, root, v);
            out
        }
    }
}

/// One error of an error document: the HTTP code and a description naming the field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// HTTP status code.
    pub code: u16,
    /// What is wrong, naming the field.
    pub description: String,
}

impl Problem {
    /// A 400 about a field.
    pub fn bad(description: impl Into<String>) -> Problem {
        Problem {
            code: 400,
            description: description.into(),
        }
    }
}

/// An error document: `[{"code": 400, "description": "…"}]` or `<errors><error>…`.
pub fn errors(format: Format, problems: &[Problem]) -> String {
    let list = Value::List(
        "error",
        problems
            .iter()
            .map(|p| {
                Value::Record(vec![
                    ("code", Value::Int(i64::from(p.code))),
                    ("description", p.description.as_str().into()),
                ])
            })
            .collect(),
    );
    render(format, "errors", &list)
}

/// The type of an attribute's answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Datatype {
    /// One line of text.
    String,
    /// A number.
    Number,
    /// A date-time (W3C format).
    Datetime,
    /// Text.
    Text,
    /// One key among the values.
    SingleValueList,
    /// Several keys among the values.
    MultiValueList,
}

impl Datatype {
    /// The specification's name.
    pub fn as_str(self) -> &'static str {
        match self {
            Datatype::String => "string",
            Datatype::Number => "number",
            Datatype::Datetime => "datetime",
            Datatype::Text => "text",
            Datatype::SingleValueList => "singlevaluelist",
            Datatype::MultiValueList => "multivaluelist",
        }
    }
    /// The datatype of a name.
    pub fn parse(s: &str) -> Option<Datatype> {
        Some(match s {
            "string" => Datatype::String,
            "number" => Datatype::Number,
            "datetime" => Datatype::Datetime,
            "text" => Datatype::Text,
            "singlevaluelist" => Datatype::SingleValueList,
            "multivaluelist" => Datatype::MultiValueList,
            _ => return None,
        })
    }
}

/// An extra question of a service (an Open311 attribute).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Attribute {
    /// Its code, the key of its answer (`attribute[CODE]`).
    pub code: String,
    /// `string`, `number`, `datetime`, `text`, `singlevaluelist` or `multivaluelist`.
    pub datatype: String,
    /// Whether an answer is needed.
    pub required: bool,
    /// The question.
    pub description: String,
    /// Its place among the questions, from 1.
    pub order: u32,
    /// The possible answers (lists): key and name.
    #[serde(default)]
    pub values: Vec<(String, String)>,
    /// The answers (keys of `values`) that make a report urgent: it goes to the top of the desk.
    /// Not part of Open311's service definition.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub urgent: Vec<String>,
}

impl Attribute {
    /// The attribute in a service definition.
    pub fn value(&self) -> Value {
        Value::Record(vec![
            ("variable", Value::Bool(true)),
            ("code", self.code.as_str().into()),
            ("datatype", self.datatype.as_str().into()),
            ("required", Value::Bool(self.required)),
            ("datatype_description", Value::Null),
            ("order", Value::Int(i64::from(self.order))),
            ("description", self.description.as_str().into()),
            (
                "values",
                Value::List(
                    "value",
                    self.values
                        .iter()
                        .map(|(k, n)| {
                            Value::Record(vec![
                                ("key", k.as_str().into()),
                                ("name", n.as_str().into()),
                            ])
                        })
                        .collect(),
                ),
            ),
        ])
    }
}

/// A service request as submitted (`POST requests`), read and checked against the service's
/// attributes. Contact fields are kept for the platform and never published.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Submission {
    /// `jurisdiction_id`.
    pub jurisdiction_id: Option<String>,
    /// `api_key`.
    pub api_key: String,
    /// `service_code`.
    pub service_code: String,
    /// `lat` and `long`.
    pub position: Option<(f64, f64)>,
    /// `address_string`.
    pub address: String,
    /// `email`.
    pub email: String,
    /// `first_name` and `last_name`.
    pub name: String,
    /// `phone`.
    pub phone: String,
    /// `description`.
    pub description: String,
    /// `device_id`.
    pub device_id: String,
    /// Answers to the attributes, by code.
    pub attributes: BTreeMap<String, Vec<String>>,
}

/// Longest description.
pub const MAX_DESCRIPTION: usize = 4000;

impl Submission {
    /// Reads the form pairs of a `POST requests` (`attribute[CODE]=…`, `attribute[CODE][]=…` for
    /// several values). Field-level checks that need no service are made here.
    pub fn read(pairs: &[(String, String)]) -> Result<Submission, Vec<Problem>> {
        let mut s = Submission::default();
        let mut problems = Vec::new();
        let (mut lat, mut long) = (None, None);
        let (mut first, mut last) = (String::new(), String::new());
        for (k, v) in pairs {
            match k.as_str() {
                "jurisdiction_id" => {
                    s.jurisdiction_id = Some(v.trim().to_string()).filter(|j| !j.is_empty())
                }
                "api_key" => s.api_key = v.trim().to_string(),
                "service_code" => s.service_code = v.trim().to_string(),
                "lat" => lat = Some(v.trim().to_string()),
                "long" => long = Some(v.trim().to_string()),
                "address_string" => s.address = v.trim().to_string(),
                "email" => s.email = v.trim().to_string(),
                "first_name" => first = v.trim().to_string(),
                "last_name" => last = v.trim().to_string(),
                "phone" => s.phone = v.trim().to_string(),
                "description" => s.description = v.trim().replace("\r\n", "\n"),
                "device_id" => s.device_id = v.trim().to_string(),
                _ => {
                    if let Some(code) = attribute_code(k) {
                        s.attributes
                            .entry(code.to_string())
                            .or_default()
                            .push(v.trim().to_string());
                    }
                }
            }
        }
        s.name = format!("{first} {last}").trim().to_string();
        if s.service_code.is_empty() {
            problems.push(Problem::bad("service_code: required"));
        }
        match (lat.as_deref(), long.as_deref()) {
            (None, None) | (Some(""), Some("")) => {
                problems.push(Problem::bad("lat, long: a position is required"))
            }
            (lat, long) => {
                let parse = |x: Option<&str>| {
                    x.and_then(|x| x.parse::<f64>().ok())
                        .filter(|x| x.is_finite())
                };
                match (parse(lat), parse(long)) {
                    (Some(la), Some(lo))
                        if (-90.0..=90.0).contains(&la) && (-180.0..=180.0).contains(&lo) =>
                    {
                        s.position = Some((la, lo))
                    }
                    (Some(_), Some(_)) => problems.push(Problem::bad("lat, long: out of range")),
                    (None, _) => problems.push(Problem::bad("lat: not a number")),
                    (_, None) => problems.push(Problem::bad("long: not a number")),
                }
            }
        }
        if s.description.chars().count() > MAX_DESCRIPTION {
            problems.push(Problem::bad("description: longer than 4000 characters"));
        } else if looks_like_html(&s.description) {
            problems.push(Problem::bad("description: plain text only, no HTML"));
        }
        if !s.email.is_empty() && kernel::accounts::Email::parse(&s.email).is_err() {
            problems.push(Problem::bad("email: not a valid address"));
        }
        if problems.is_empty() {
            Ok(s)
        } else {
            Err(problems)
        }
    }

    /// Checks the answers against the service's attributes: the required ones are there, list
    /// answers are among the keys, numbers and date-times parse, unknown codes are refused.
    pub fn check_attributes(&self, attributes: &[Attribute]) -> Vec<Problem> {
        let mut problems = Vec::new();
        for code in self.attributes.keys() {
            if !attributes.iter().any(|a| &a.code == code) {
                problems.push(Problem::bad(format!(
                    "attribute[{code}]: unknown attribute"
                )));
            }
        }
        for a in attributes {
            let given: Vec<&String> = self
                .attributes
                .get(&a.code)
                .map(|v| v.iter().filter(|x| !x.is_empty()).collect())
                .unwrap_or_default();
            if given.is_empty() {
                if a.required {
                    problems.push(Problem::bad(format!("attribute[{}]: required", a.code)));
                }
                continue;
            }
            let key_ok = |x: &&String| a.values.iter().any(|(k, _)| k == *x);
            let ok = match Datatype::parse(&a.datatype) {
                Some(Datatype::SingleValueList) => given.len() == 1 && key_ok(&given[0]),
                Some(Datatype::MultiValueList) => given.iter().all(key_ok),
                Some(Datatype::Number) => {
                    given.len() == 1 && given[0].parse::<f64>().is_ok_and(f64::is_finite)
                }
                Some(Datatype::Datetime) => given.len() == 1 && parse_datetime(given[0]).is_some(),
                Some(Datatype::String) => given.len() == 1 && given[0].chars().count() <= 200,
                Some(Datatype::Text) => {
                    given.len() == 1 && given[0].chars().count() <= MAX_DESCRIPTION
                }
                None => false,
            };
            if !ok {
                problems.push(Problem::bad(format!(
                    "attribute[{}]: not a valid {}",
                    a.code, a.datatype
                )));
            }
        }
        problems
    }
}

/// The code of an answer's field name: `attribute[CODE]`, or `attribute[CODE][]` for one of
/// several values.
pub fn attribute_code(field: &str) -> Option<&str> {
    field
        .strip_prefix("attribute[")
        .and_then(|r| r.strip_suffix("][]").or_else(|| r.strip_suffix(']')))
}

/// Whether a text holds markup: plain text only is accepted.
pub fn looks_like_html(s: &str) -> bool {
    let lower = s.to_ascii_lowercase();
    let mut rest = lower.as_str();
    while let Some(i) = rest.find('<') {
        let after = &rest[i + 1..];
        if after.starts_with(|c: char| c.is_ascii_alphabetic() || c == '/' || c == '!') {
            return true;
        }
        rest = after;
    }
    lower.contains("&lt;") || lower.contains("&#")
}

/// A W3C date-time with a zone (`2026-11-26T10:00:00+01:00`, `…Z`), as UTC milliseconds.
pub fn parse_datetime(s: &str) -> Option<i64> {
    let t = time::OffsetDateTime::parse(s.trim(), &time::format_description::well_known::Rfc3339)
        .ok()?;
    Some((t.unix_timestamp_nanos() / 1_000_000) as i64)
}

/// UTC milliseconds as a W3C date-time with its zone, as the specification writes them.
pub fn datetime(ms: i64) -> String {
    kernel::ids::iso_datetime(ms)
}

#[cfg(test)]
mod tests;
