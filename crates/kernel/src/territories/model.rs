//! The French administrative referential: régions, départements, EPCI and communes.

use crate::error::FieldError;

/// The level of a territory.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TerritoryKind {
    /// Région.
    Region,
    /// Département.
    Departement,
    /// Établissement public de coopération intercommunale (intercommunalité).
    Epci,
    /// Commune.
    Commune,
}

impl TerritoryKind {
    /// Every kind, from the largest.
    pub const ALL: [TerritoryKind; 4] = [
        TerritoryKind::Region,
        TerritoryKind::Departement,
        TerritoryKind::Epci,
        TerritoryKind::Commune,
    ];

    /// The stored and URL name.
    pub fn as_str(self) -> &'static str {
        match self {
            TerritoryKind::Region => "region",
            TerritoryKind::Departement => "departement",
            TerritoryKind::Epci => "epci",
            TerritoryKind::Commune => "commune",
        }
    }

    /// Parses a stored or URL name.
    pub fn parse(s: &str) -> Result<Self, FieldError> {
        match s {
            "region" => Ok(TerritoryKind::Region),
            "departement" => Ok(TerritoryKind::Departement),
            "epci" => Ok(TerritoryKind::Epci),
            "commune" => Ok(TerritoryKind::Commune),
            _ => Err(FieldError::new("territory", "territory.kind")),
        }
    }

    /// The translation key of the kind's name.
    pub fn label_key(self) -> &'static str {
        match self {
            TerritoryKind::Region => "territory.kind.region",
            TerritoryKind::Departement => "territory.kind.departement",
            TerritoryKind::Epci => "territory.kind.epci",
            TerritoryKind::Commune => "territory.kind.commune",
        }
    }
}

/// A territory of the referential.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Territory {
    /// Level.
    pub kind: TerritoryKind,
    /// INSEE code (SIREN for EPCI).
    pub code: String,
    /// Official name.
    pub name: String,
    /// Municipal population, when known.
    pub population: Option<i64>,
    /// Postcodes (communes).
    pub postcodes: Vec<String>,
    /// Code of the région it belongs to.
    pub region: Option<String>,
    /// Code of the département it belongs to.
    pub departement: Option<String>,
    /// SIREN of the EPCI a commune belongs to.
    pub epci: Option<String>,
}

impl Territory {
    /// The territory's page.
    pub fn url(&self) -> String {
        format!("/territories/{}/{}", self.kind.as_str(), self.code)
    }
}

/// A reference to a territory, parsed from `kind/code` or from its parts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TerritoryRef {
    /// Level.
    pub kind: TerritoryKind,
    /// Code.
    pub code: String,
}

impl TerritoryRef {
    /// Parses `commune/22113`, `region/53`…
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let err = || FieldError::new("territory", "territory.format");
        let (kind, code) = raw.trim().split_once('/').ok_or_else(err)?;
        let kind = TerritoryKind::parse(kind).map_err(|_| err())?;
        let code = code.trim().to_ascii_uppercase();
        let ok =
            !code.is_empty() && code.len() <= 9 && code.bytes().all(|b| b.is_ascii_alphanumeric());
        if !ok {
            return Err(err());
        }
        Ok(TerritoryRef { kind, code })
    }

    /// `kind/code`.
    pub fn as_string(&self) -> String {
        format!("{}/{}", self.kind.as_str(), self.code)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_parse_kind_and_code() {
        let r = TerritoryRef::parse("commune/2a004").unwrap();
        assert_eq!(r.kind, TerritoryKind::Commune);
        assert_eq!(r.code, "2A004");
        assert!(TerritoryRef::parse("ville/22113").is_err());
        assert!(TerritoryRef::parse("commune/").is_err());
        assert!(TerritoryRef::parse("22113").is_err());
        assert!(TerritoryRef::parse("commune/22 113").is_err());
    }
}
