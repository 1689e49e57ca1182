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

    /// Whether it is `area` or lies within it, by the referential's links (a commune in its
    /// EPCI, département and région; an EPCI or a département in its région).
    pub fn within(&self, area: &Territory) -> bool {
        if self.kind == area.kind {
            return self.code == area.code;
        }
        let of = match area.kind {
            TerritoryKind::Region => &self.region,
            TerritoryKind::Departement => &self.departement,
            TerritoryKind::Epci => &self.epci,
            TerritoryKind::Commune => return false,
        };
        of.as_deref() == Some(area.code.as_str())
    }

    /// Whether one of the two lies within the other.
    pub fn overlaps(&self, other: &Territory) -> bool {
        self.within(other) || other.within(self)
    }
}

/// Population bands of territories, smallest first (names: `territory.band.{code}`).
pub const POPULATION_BANDS: &[&str] = &["lt_2k", "2k_10k", "10k_50k", "50k_200k", "gt_200k"];

/// The population band of a number of inhabitants.
pub fn population_band(population: i64) -> &'static str {
    match population {
        p if p < 2_000 => "lt_2k",
        p if p < 10_000 => "2k_10k",
        p if p < 50_000 => "10k_50k",
        p if p < 200_000 => "50k_200k",
        _ => "gt_200k",
    }
}

/// The box (south, west, north, east, in degrees) of the part of France a département lies in:
/// metropolitan France with Corsica, or the overseas département or collectivity itself. A
/// position outside it is far from any commune of the département.
pub fn zone_bounds(departement: &str) -> Option<(f64, f64, f64, f64)> {
    Some(match departement {
        "971" => (15.8, -61.9, 16.6, -60.9),
        "972" => (14.3, -61.3, 14.95, -60.75),
        "973" => (2.0, -54.7, 5.9, -51.5),
        "974" => (-21.45, 55.15, -20.8, 55.9),
        "975" => (46.7, -56.5, 47.2, -56.1),
        "976" => (-13.05, 44.95, -12.55, 45.35),
        "977" | "978" => (17.85, -63.2, 18.15, -62.75),
        "986" => (-14.4, -178.3, -13.1, -176.1),
        "987" => (-28.0, -155.0, -7.0, -134.0),
        "988" => (-23.0, 163.0, -19.0, 169.0),
        d if d.len() == 2 || d == "2A" || d == "2B" => (41.2, -5.3, 51.2, 9.7),
        _ => return None,
    })
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

    fn place(kind: TerritoryKind, code: &str, links: [Option<&str>; 3]) -> Territory {
        let [region, departement, epci] = links.map(|c| c.map(String::from));
        Territory {
            kind,
            code: code.into(),
            name: code.into(),
            population: None,
            postcodes: Vec::new(),
            region,
            departement,
            epci,
        }
    }

    #[test]
    fn a_commune_lies_in_its_epci_departement_and_region_only() {
        use TerritoryKind::*;
        let lannion = place(
            Commune,
            "22113",
            [Some("53"), Some("22"), Some("200065928")],
        );
        let brittany = place(Region, "53", [None, None, None]);
        let occitanie = place(Region, "76", [None, None, None]);
        let cotes = place(Departement, "22", [Some("53"), None, None]);
        let lta = place(Epci, "200065928", [Some("53"), Some("22"), None]);
        let rennes = place(Commune, "35238", [Some("53"), Some("35"), None]);
        for area in [&brittany, &cotes, &lta, &lannion] {
            assert!(lannion.within(area), "{}", area.code);
            assert!(lannion.overlaps(area) && area.overlaps(&lannion));
        }
        assert!(!lannion.within(&occitanie));
        assert!(!lannion.overlaps(&rennes));
        assert!(!brittany.within(&lannion));
        assert!(cotes.within(&brittany) && !cotes.within(&occitanie));
        assert!(!rennes.within(&cotes) && !rennes.overlaps(&lta));
    }

    #[test]
    fn populations_fall_in_bands() {
        assert_eq!(population_band(0), "lt_2k");
        assert_eq!(population_band(1_999), "lt_2k");
        assert_eq!(population_band(2_000), "2k_10k");
        assert_eq!(population_band(19_920), "10k_50k");
        assert_eq!(population_band(199_999), "50k_200k");
        assert_eq!(population_band(504_078), "gt_200k");
        assert_eq!(POPULATION_BANDS.len(), 5);
    }

    #[test]
    fn a_departement_lies_in_metropolitan_france_or_overseas() {
        let inside = |d: &str, lat: f64, lon: f64| {
            let (s, w, n, e) = zone_bounds(d).unwrap();
            (s..=n).contains(&lat) && (w..=e).contains(&lon)
        };
        assert!(inside("22", 48.7326, -3.4566), "Lannion");
        assert!(inside("2A", 41.9192, 8.7386), "Ajaccio");
        assert!(
            inside("974", -20.8789, 55.4481),
            "Saint-Denis de La Réunion"
        );
        assert!(
            !inside("22", -3.4566, 48.7326),
            "latitude and longitude swapped"
        );
        assert!(
            !inside("971", 48.7326, -3.4566),
            "Guadeloupe is not in Brittany"
        );
        assert!(zone_bounds("999").is_none());
    }

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
