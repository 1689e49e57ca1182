//! Directory: domain types of actors, each built only by parsing.

use kernel::FieldError;

/// A value of an actor built only by parsing, and kept as the text it parsed to: the form, the
/// `actors` table, the revisions' JSON, the open data and the API all hold that text, and what
/// is read back from the table or a revision goes through [`Parsed::parse`] again.
pub trait Parsed: Sized {
    /// Parses a text as typed (or as kept).
    fn parse(raw: &str) -> Result<Self, FieldError>;

    /// The text it is kept as.
    fn as_str(&self) -> &str;

    /// Parses a typed text, refusing one whose kept text would not parse again (a web address
    /// of 500 characters that percent-encoding makes longer, say): what is stored must read
    /// back.
    fn parse_to_keep(raw: &str) -> Result<Self, FieldError> {
        let value = Self::parse(raw)?;
        Self::parse(value.as_str())?;
        Ok(value)
    }

    /// Parses an optional field: none when it is blank.
    fn parse_optional(raw: &str) -> Result<Option<Self>, FieldError> {
        if raw.trim().is_empty() {
            Ok(None)
        } else {
            Self::parse_to_keep(raw).map(Some)
        }
    }
}

/// `Parsed` and `Display` (what the templates print) of a newtype of this module, through its
/// own `parse` and `as_str`.
macro_rules! parsed {
    ($($t:ty),*) => {$(
        impl Parsed for $t {
            fn parse(raw: &str) -> Result<Self, FieldError> {
                <$t>::parse(raw)
            }
            fn as_str(&self) -> &str {
                <$t>::as_str(self)
            }
        }

        impl std::fmt::Display for $t {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    )*};
}

parsed!(
    ActorName,
    Siret,
    Rna,
    Phone,
    Website,
    ShortDescription,
    crate::opening_hours::OpeningHours
);

/// The public e-mail address of an actor.
impl Parsed for kernel::accounts::Email {
    fn parse(raw: &str) -> Result<Self, FieldError> {
        kernel::accounts::Email::parse(raw)
    }
    fn as_str(&self) -> &str {
        kernel::accounts::Email::as_str(self)
    }
}

/// The name of an actor: one line of 2 to 140 characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActorName(String);

impl ActorName {
    /// Parses a name, trimmed.
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        kernel::text::line(raw, "name", 2, 140).map(ActorName)
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A SIRET number: 14 digits passing the Luhn check (La Poste's establishments, SIREN 356000000,
/// follow their own rule: the sum of the digits is a multiple of 5).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Siret(String);

fn luhn_ok(digits: &str) -> bool {
    let sum: u32 = digits
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let d = u32::from(b - b'0');
            if i % 2 == 1 {
                let x = d * 2;
                if x > 9 { x - 9 } else { x }
            } else {
                d
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

impl Siret {
    /// Parses a SIRET as typed, spaces allowed.
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let digits: String = raw.chars().filter(|c| !c.is_whitespace()).collect();
        if digits.len() != 14 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(FieldError::new("siret", "siret.format"));
        }
        let la_poste = digits.starts_with("356000000")
            && digits
                .bytes()
                .map(|b| u32::from(b - b'0'))
                .sum::<u32>()
                .is_multiple_of(5);
        if !luhn_ok(&digits) && !la_poste {
            return Err(FieldError::new("siret", "siret.checksum"));
        }
        Ok(Siret(digits))
    }

    /// The 14 digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The SIREN of the company: the first 9 digits.
    pub fn siren(&self) -> &str {
        &self.0[..9]
    }
}

/// An RNA number of an association: `W` and 9 characters (digits, or the old format's letters
/// and digits), as the Répertoire national des associations gives them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rna(String);

impl Rna {
    /// Parses an RNA number, case and spaces ignored.
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let s: String = raw
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect::<String>()
            .to_ascii_uppercase();
        let ok = s.len() == 10
            && s.starts_with('W')
            && s[1..].bytes().all(|b| b.is_ascii_alphanumeric());
        if !ok {
            return Err(FieldError::new("rna", "rna.format"));
        }
        Ok(Rna(s))
    }

    /// The number.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A French phone number, normalised to the international form `+33XXXXXXXXX`. Accepts
/// `01 23 45 67 89`, `01.23.45.67.89`, `+33 1 23 45 67 89`, `0033123456789`; overseas numbers
/// keep their `+262`, `+590`… when written so.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Phone(String);

impl Phone {
    /// Parses a phone number.
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let err = || FieldError::new("phone", "phone.format");
        let cleaned: String = raw
            .chars()
            .filter(|c| !matches!(c, ' ' | '.' | '-' | '(' | ')' | '\u{a0}'))
            .collect();
        let (country, national) = if let Some(rest) = cleaned.strip_prefix("+") {
            split_country(rest).ok_or_else(err)?
        } else if let Some(rest) = cleaned.strip_prefix("00") {
            split_country(rest).ok_or_else(err)?
        } else if cleaned.len() == 10 && cleaned.starts_with('0') {
            ("33", &cleaned[1..])
        } else {
            return Err(err());
        };
        let national = national.strip_prefix('0').unwrap_or(national);
        if national.len() != 9
            || !national.bytes().all(|b| b.is_ascii_digit())
            || national.starts_with('0')
        {
            return Err(err());
        }
        Ok(Phone(format!("+{country}{national}")))
    }

    /// `+33XXXXXXXXX`.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The national form for display: `01 23 45 67 89` for +33 numbers.
    pub fn display(&self) -> String {
        match self.0.strip_prefix("+33") {
            Some(n) => {
                let d = format!("0{n}");
                d.as_bytes()
                    .chunks(2)
                    .map(|c| String::from_utf8_lossy(c).into_owned())
                    .collect::<Vec<_>>()
                    .join(" ")
            }
            None => self.0.clone(),
        }
    }
}

/// The French country codes: metropolitan France and the overseas departments and collectivities.
const FRENCH_CODES: &[&str] = &[
    "33", "262", "269", "508", "590", "594", "596", "681", "687", "689",
];

fn split_country(rest: &str) -> Option<(&'static str, &str)> {
    FRENCH_CODES
        .iter()
        .find(|c| rest.starts_with(**c))
        .map(|c| (*c, &rest[c.len()..]))
}

/// A web address: `http` or `https`, a host with a dot, no spaces; `https://` is added when the
/// scheme is left out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Website(String);

impl Website {
    /// Parses a web address.
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        match kernel::text::Link::parse(raw, "website", "website.format")? {
            kernel::text::Link::Web(url) => Ok(Website(url)),
            kernel::text::Link::Local(_) => Err(FieldError::new("website", "website.format")),
        }
    }

    /// The address.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A short description: one line of at most 280 characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShortDescription(String);

impl ShortDescription {
    /// Parses a short description.
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let s = raw.trim();
        if s.is_empty() {
            return Err(FieldError::new(
                "short_description",
                "short_description.required",
            ));
        }
        if s.chars().count() > 280 {
            return Err(FieldError::new(
                "short_description",
                "short_description.too_long",
            ));
        }
        if s.chars().any(char::is_control) {
            return Err(FieldError::new("short_description", "text.control"));
        }
        Ok(ShortDescription(s.to_string()))
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

pub use kernel::geo::Position;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sirets_are_checked_by_luhn() {
        // The SIRET of the head office of a real company (public data).
        assert_eq!(
            Siret::parse("732 829 320 00074").unwrap().siren(),
            "732829320"
        );
        assert_eq!(
            Siret::parse("73282932000075").unwrap_err().code,
            "siret.checksum"
        );
        assert_eq!(
            Siret::parse("7328293200007").unwrap_err().code,
            "siret.format"
        );
        assert_eq!(
            Siret::parse("7328293200007A").unwrap_err().code,
            "siret.format"
        );
        // La Poste's establishments follow their own rule.
        assert!(Siret::parse("35600000049837").is_ok());
        assert!(
            Siret::parse("35600000000048").is_ok(),
            "a Luhn-valid La Poste number is valid too"
        );
    }

    #[test]
    fn rna_numbers_start_with_w() {
        assert_eq!(Rna::parse(" w751234567 ").unwrap().as_str(), "W751234567");
        assert!(Rna::parse("751234567").is_err());
        assert!(Rna::parse("W75123456").is_err());
    }

    #[test]
    fn phones_are_normalised_to_plus_33() {
        for raw in [
            "01 23 45 67 89",
            "01.23.45.67.89",
            "+33 1 23 45 67 89",
            "0033123456789",
            "+33 (0)1 23 45 67 89",
        ] {
            assert_eq!(Phone::parse(raw).unwrap().as_str(), "+33123456789", "{raw}");
        }
        assert_eq!(
            Phone::parse("+262 262 12 34 56").unwrap().as_str(),
            "+262262123456"
        );
        assert_eq!(
            Phone::parse("06 12 34 56 78").unwrap().display(),
            "06 12 34 56 78"
        );
        for bad in [
            "12345",
            "+44 20 7946 0958",
            "00 00 00 00 00",
            "01 23 45 67 8",
        ] {
            assert!(Phone::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn websites_get_a_scheme_and_need_a_host() {
        assert_eq!(
            Website::parse("lannion.bzh").unwrap().as_str(),
            "https://lannion.bzh/"
        );
        assert_eq!(
            Website::parse("https://x.fr/\"onmouseover")
                .unwrap()
                .as_str(),
            "https://x.fr/%22onmouseover",
            "kept in its canonical, encoded form"
        );
        assert_eq!(
            Website::parse("http://x.fr/a?b=1").unwrap().as_str(),
            "http://x.fr/a?b=1"
        );
        for bad in [
            "",
            "localhost",
            "https://",
            "javascript:alert(1)",
            "https://a b.fr",
            "/s/lannion",
        ] {
            assert!(Website::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn short_descriptions_hold_280_characters() {
        assert!(ShortDescription::parse(&"é".repeat(280)).is_ok());
        assert_eq!(
            ShortDescription::parse(&"é".repeat(281)).unwrap_err().code,
            "short_description.too_long"
        );
        assert!(ShortDescription::parse("  ").is_err());
    }
}
