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
}
