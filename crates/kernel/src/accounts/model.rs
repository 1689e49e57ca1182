//! Accounts: the domain types, each built only by parsing.

use crate::error::FieldError;
use crate::i18n::Lang;

/// A syntactically valid email address, trimmed, with its domain in lower case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    /// Parses an address typed by a person.
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let raw = raw.trim();
        let err = || FieldError::new("email", "email.format");
        if raw.is_empty() {
            return Err(FieldError::new("email", "email.required"));
        }
        if raw.len() > 254 || raw.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(err());
        }
        let (local, domain) = raw.rsplit_once('@').ok_or_else(err)?;
        let domain_ok = domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !domain.contains("..")
            && domain
                .chars()
                .all(|c| c.is_alphanumeric() || c == '-' || c == '.');
        if local.is_empty() || local.len() > 64 || local.contains('@') || !domain_ok {
            return Err(err());
        }
        Ok(Email(format!("{local}@{}", domain.to_lowercase())))
    }

    /// The address.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A password strong enough to be accepted: at least 10 characters, not only one kind of
/// character under 16, and not one of the most common passwords.
pub struct Password(pub(super) String);

const COMMON: &[&str] = &[
    "motdepasse",
    "motdepasse1",
    "password123",
    "azertyuiop",
    "qwertyuiop",
    "1234567890",
    "0123456789",
    "1234567891",
    "azerty1234",
    "soleil1234",
    "administrateur",
    "territoires",
];

impl Password {
    /// Parses a new password.
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let n = raw.chars().count();
        if n < 10 {
            return Err(FieldError::new("password", "password.too_short"));
        }
        if n > 256 {
            return Err(FieldError::new("password", "password.too_long"));
        }
        let classes = [
            raw.chars().any(|c| c.is_lowercase()),
            raw.chars().any(|c| c.is_uppercase()),
            raw.chars().any(|c| c.is_numeric()),
            raw.chars().any(|c| !c.is_alphanumeric()),
        ]
        .iter()
        .filter(|b| **b)
        .count();
        let lower = raw.to_lowercase();
        if (classes < 2 && n < 16) || COMMON.contains(&lower.as_str()) {
            return Err(FieldError::new("password", "password.weak"));
        }
        Ok(Password(raw.to_string()))
    }

    /// The password in clear, to hash it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

/// A name shown to others: 1 to 80 characters, no control characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DisplayName(String);

impl DisplayName {
    /// Parses a display name.
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let s = raw.trim();
        if s.is_empty() {
            return Err(FieldError::new("display_name", "display_name.required"));
        }
        if s.chars().count() > 80 || s.chars().any(|c| c.is_control()) {
            return Err(FieldError::new("display_name", "display_name.format"));
        }
        Ok(DisplayName(s.to_string()))
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A role beyond citizen. Instance administrators hold it for the whole instance; the others for
/// one space.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Runs the instance: spaces, users, outbox.
    Admin,
    /// Runs one space.
    SpaceAdmin,
    /// Moderates the content of one space.
    Moderator,
    /// Handles reports in one space's service teams.
    Agent,
}

impl Role {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::SpaceAdmin => "space_admin",
            Role::Moderator => "moderator",
            Role::Agent => "agent",
        }
    }

    /// Parses a stored or submitted name.
    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "admin" => Some(Role::Admin),
            "space_admin" => Some(Role::SpaceAdmin),
            "moderator" => Some(Role::Moderator),
            "agent" => Some(Role::Agent),
            _ => None,
        }
    }

    /// The roles granted per space.
    pub const SPACE_ROLES: [Role; 3] = [Role::SpaceAdmin, Role::Moderator, Role::Agent];

    /// Parses the name of a role granted per space.
    pub fn parse_space_role(s: &str) -> Option<Role> {
        Role::parse(s).filter(|r| Role::SPACE_ROLES.contains(r))
    }
}

/// A role held by a user, for a space or for the instance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    /// The role.
    pub role: Role,
    /// The space, for space roles.
    pub space_id: Option<String>,
}

/// A signed-in user, as every request sees them.
#[derive(Debug, Clone)]
pub struct User {
    /// Public id.
    pub id: String,
    /// Contact address, never shown to others.
    pub email: String,
    /// Name shown to others.
    pub display_name: String,
    /// Preferred language.
    pub lang: Lang,
    /// Whether the email address was confirmed.
    pub confirmed: bool,
    /// Roles beyond citizen.
    pub grants: Vec<Grant>,
}

impl User {
    /// Whether the user administers the instance.
    pub fn is_admin(&self) -> bool {
        self.grants.iter().any(|g| g.role == Role::Admin)
    }

    /// Whether the user holds `role` in `space_id`.
    pub fn has_space_role(&self, role: Role, space_id: &str) -> bool {
        self.grants
            .iter()
            .any(|g| g.role == role && g.space_id.as_deref() == Some(space_id))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_trimmed_with_a_lowercase_domain() {
        assert_eq!(
            Email::parse("  Anne@Lannion.FR ").unwrap().as_str(),
            "Anne@lannion.fr"
        );
    }

    #[test]
    fn malformed_emails_are_refused() {
        for bad in [
            "",
            "anne",
            "anne@",
            "@lannion.fr",
            "anne@lannion",
            "an ne@x.fr",
            "a@b..fr",
            "a@.fr",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad} accepted");
        }
    }

    #[test]
    fn weak_passwords_are_refused() {
        assert_eq!(
            Password::parse("court").err().unwrap().code,
            "password.too_short"
        );
        assert_eq!(
            Password::parse("azertyuiop").err().unwrap().code,
            "password.weak"
        );
        assert_eq!(
            Password::parse("abcdefghij").err().unwrap().code,
            "password.weak"
        );
        assert!(Password::parse("Lannion-2026").is_ok());
        assert!(Password::parse("une phrase de passe assez longue").is_ok());
    }

    #[test]
    fn display_names_are_bounded() {
        assert!(DisplayName::parse("   ").is_err());
        assert!(DisplayName::parse(&"x".repeat(81)).is_err());
        assert_eq!(DisplayName::parse(" Anne ").unwrap().as_str(), "Anne");
    }
}
