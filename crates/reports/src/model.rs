//! Reports: domain types.

use crate::open311::Attribute;

/// Where a report stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Just received.
    New,
    /// Seen by the team.
    Acknowledged,
    /// Being handled.
    InProgress,
    /// Done.
    Resolved,
    /// Not taken (not the town's responsibility, a duplicate…).
    Rejected,
}

impl Status {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::New => "new",
            Status::Acknowledged => "acknowledged",
            Status::InProgress => "in_progress",
            Status::Resolved => "resolved",
            Status::Rejected => "rejected",
        }
    }
    /// The status of a stored name.
    pub fn parse(s: &str) -> Option<Status> {
        Some(match s {
            "new" => Status::New,
            "acknowledged" => Status::Acknowledged,
            "in_progress" => Status::InProgress,
            "resolved" => Status::Resolved,
            "rejected" => Status::Rejected,
            _ => return None,
        })
    }
    /// Open311's two states.
    pub fn open311(self) -> &'static str {
        match self {
            Status::Resolved | Status::Rejected => "closed",
            _ => "open",
        }
    }
    /// The stored names of an Open311 state.
    pub fn of_open311(s: &str) -> Option<&'static [&'static str]> {
        match s {
            "open" => Some(&["new", "acknowledged", "in_progress"]),
            "closed" => Some(&["resolved", "rejected"]),
            _ => None,
        }
    }
}

/// A service team of a space, to which categories are routed.
#[derive(Debug, Clone)]
pub struct Team {
    /// Opaque id.
    pub id: String,
    /// Name.
    pub name: String,
    /// The team's mail address.
    pub email: String,
}

/// A service category (an Open311 service) of a space.
#[derive(Debug, Clone)]
pub struct Category {
    /// Opaque id.
    pub id: String,
    /// The space.
    pub space_id: String,
    /// The service code, unique in the space.
    pub code: String,
    /// Name.
    pub name: String,
    /// Group (Voirie, Propreté…).
    pub group: String,
    /// Keywords, comma-separated.
    pub keywords: String,
    /// Description.
    pub description: String,
    /// The team it is routed to.
    pub team_id: String,
    /// Extra questions.
    pub attributes: Vec<Attribute>,
}

impl Category {
    /// Whether these answers to its questions make a report urgent (an answer its question
    /// marks as urgent: « danger immédiat : oui »).
    pub fn urgent(&self, answers: &std::collections::BTreeMap<String, Vec<String>>) -> bool {
        self.attributes.iter().any(|a| {
            answers
                .get(&a.code)
                .is_some_and(|given| given.iter().any(|v| a.urgent.contains(v)))
        })
    }
}

/// The page of the report `id` of the space at `space` (its slug).
pub fn report_url(space: &str, id: &str) -> String {
    format!("/s/{space}/reports/{id}")
}

/// The agents' page of the report `id` of the space at `space`.
pub fn handle_url(space: &str, id: &str) -> String {
    format!("{}/handle", report_url(space, id))
}

/// A report as published: no contact details.
#[derive(Debug, Clone)]
pub struct Report {
    /// Opaque id, the Open311 `service_request_id`.
    pub id: String,
    /// Its category's code and name.
    pub service_code: String,
    /// Its category's name.
    pub service_name: String,
    /// Where it stands.
    pub status: Status,
    /// The last public note.
    pub status_notes: String,
    /// The team handling it.
    pub agency: String,
    /// What the reporter wrote.
    pub description: String,
    /// Where.
    pub lat: f64,
    /// Where.
    pub lon: f64,
    /// The address, when given.
    pub address: String,
    /// Received (UTC ms).
    pub created_at: i64,
    /// Last change (UTC ms).
    pub updated_at: i64,
    /// The report it duplicates, when rejected as a duplicate.
    pub duplicate_of: Option<String>,
    /// The name of the agent it is assigned to.
    pub assignee: Option<String>,
    /// Urgent: an answer to its category's questions said so; it comes first at the desk while
    /// it is open.
    pub urgent: bool,
}

/// The area a space takes reports in: a box of WGS84 degrees, set by its administrators.
pub use kernel::geo::Area;

/// Reads the questions of a category as an administrator types them, one per line:
/// `CODE | type | required | question | key=name; key=name`, where the type is one of
/// Open311's (`string`, `number`, `datetime`, `text`, `singlevaluelist`, `multivaluelist`),
/// `required` is `oui`/`yes` or `non`/`no`, and the values are for the lists; a key written
/// `!key` is an answer that makes the report urgent. Returns the questions, or the first bad
/// line (from 1).
pub fn parse_attributes(text: &str) -> Result<Vec<Attribute>, usize> {
    let mut out: Vec<Attribute> = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let parts: Vec<&str> = line.split('|').map(str::trim).collect();
        let bad = || i + 1;
        if parts.len() < 4 || parts.len() > 5 {
            return Err(bad());
        }
        let code = parts[0];
        if code.is_empty()
            || code.len() > 40
            || !code
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
            || out.iter().any(|a| a.code == code)
        {
            return Err(bad());
        }
        let datatype = crate::open311::Datatype::parse(parts[1]).ok_or_else(bad)?;
        let required = match parts[2].to_lowercase().as_str() {
            "oui" | "yes" => true,
            "non" | "no" => false,
            _ => return Err(bad()),
        };
        if parts[3].is_empty() || parts[3].chars().count() > 300 {
            return Err(bad());
        }
        let mut urgent = Vec::new();
        let values: Vec<(String, String)> = match parts.get(4) {
            Some(v) if !v.is_empty() => v
                .split(';')
                .map(|kv| {
                    let (k, n) = kv.split_once('=')?;
                    let (k, n) = (k.trim(), n.trim());
                    let k = match k.strip_prefix('!') {
                        Some(k) => {
                            urgent.push(k.trim().to_string());
                            k.trim()
                        }
                        None => k,
                    };
                    (!k.is_empty() && !n.is_empty()).then(|| (k.to_string(), n.to_string()))
                })
                .collect::<Option<_>>()
                .ok_or_else(bad)?,
            _ => Vec::new(),
        };
        let is_list = matches!(
            datatype,
            crate::open311::Datatype::SingleValueList | crate::open311::Datatype::MultiValueList
        );
        if is_list == values.is_empty() {
            return Err(bad());
        }
        out.push(Attribute {
            code: code.to_string(),
            datatype: datatype.as_str().to_string(),
            required,
            description: parts[3].to_string(),
            order: out.len() as u32 + 1,
            values,
            urgent,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn questions_are_typed_one_per_line_and_bad_lines_are_named() {
        let a = parse_attributes(
            "TAILLE | singlevaluelist | oui | Quelle taille ? | petit=Petit; grand=Grand\n\nNOTE | text | non | Autre chose ?",
        )
        .unwrap();
        assert_eq!(a.len(), 2);
        assert_eq!(a[0].values[1], ("grand".to_string(), "Grand".to_string()));
        assert_eq!(a[1].order, 2);
        assert_eq!(
            parse_attributes("A | string | oui | Q ?\nB | couleur | oui | Q ?"),
            Err(2)
        );
        assert_eq!(parse_attributes("A | singlevaluelist | oui | Q ?"), Err(1));
        // An answer marked `!` makes a report urgent.
        let danger = parse_attributes(
            "DANGER | singlevaluelist | non | Danger immédiat ? | !oui=Oui; non=Non",
        )
        .unwrap();
        assert_eq!(danger[0].values[0], ("oui".to_string(), "Oui".to_string()));
        assert_eq!(danger[0].urgent, vec!["oui".to_string()]);
        assert!(a[0].urgent.is_empty());
        assert_eq!(
            parse_attributes("A | singlevaluelist | oui | Q ? | !=Oui"),
            Err(1)
        );
        assert_eq!(parse_attributes("A | string | peut-être | Q ?"), Err(1));
        assert_eq!(
            parse_attributes("A | string | oui | Q ?\nA | text | non | R ?"),
            Err(2)
        );
    }
}
