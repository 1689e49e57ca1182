//! Actors of the directory: the taxonomy they are described with, and the form they are
//! proposed and edited through, parsed at once into a valid actor or every field's error.

use crate::model::{Phone, Position, Rna, ShortDescription, Siret, Website};
use crate::opening_hours::OpeningHours;
use kernel::{FieldError, FieldErrors, text};

/// The vocabularies of the directory, each a list of (code, text key). Seeded here; names are
/// in the component's texts (`taxonomy.{vocabulary}.{code}`), French and English.
pub mod taxonomy {
    /// Kinds of actor.
    pub const KINDS: &[&str] = &[
        "company",
        "accelerator",
        "cluster",
        "innovation_hub",
        "incubator",
        "territorial_brand",
        "living_lab",
        "fablab",
        "ess_nursery",
        "coworking",
        "third_place",
        "civic_tech",
        "participation_consultancy",
        "association",
        "public_body",
        "research_lab",
    ];
    /// Smart-city domains.
    pub const THEMES: &[&str] = &[
        "mobility",
        "energy",
        "water",
        "waste",
        "environment",
        "buildings",
        "lighting",
        "safety",
        "health",
        "education",
        "culture_tourism",
        "participation",
        "data_iot",
        "digital_inclusion",
        "e_administration",
    ];
    /// What an actor offers.
    pub const ACTIVITIES: &[&str] = &[
        "events",
        "experimentation",
        "coaching",
        "funding",
        "networking",
        "training",
        "equipment",
    ];
    /// Whom an actor serves.
    pub const PUBLICS: &[&str] = &[
        "startups",
        "smes",
        "large_groups",
        "citizens",
        "students",
        "public_bodies",
    ];

    /// The vocabulary of a facet name.
    pub fn of(vocabulary: &str) -> &'static [&'static str] {
        match vocabulary {
            "kind" => KINDS,
            "theme" => THEMES,
            "activity" => ACTIVITIES,
            "public" => PUBLICS,
            _ => &[],
        }
    }
}

/// A valid actor, ready to be stored (new, or as a revision of an existing one).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ActorInput {
    /// Name, 2 to 140 characters.
    pub name: String,
    /// A code of [`taxonomy::KINDS`].
    pub kind: String,
    /// SIRET (14 digits) or empty.
    pub siret: String,
    /// RNA number or empty.
    pub rna: String,
    /// At most 280 characters.
    pub short_description: String,
    /// Markdown subset, at most 10,000 characters.
    pub description: String,
    /// Web address or empty.
    pub website: String,
    /// Public address or empty.
    pub email: String,
    /// `+33…` or empty.
    pub phone: String,
    /// Street address.
    pub address: String,
    /// Postcode, 5 digits, or empty.
    pub postcode: String,
    /// INSEE code of the commune.
    pub commune: String,
    /// Latitude, WGS84.
    pub lat: f64,
    /// Longitude, WGS84.
    pub lon: f64,
    /// Codes of [`taxonomy::THEMES`].
    pub themes: Vec<String>,
    /// Codes of [`taxonomy::ACTIVITIES`].
    pub activities: Vec<String>,
    /// Codes of [`taxonomy::PUBLICS`].
    pub publics: Vec<String>,
    /// OpenStreetMap `opening_hours`, or empty.
    pub opening_hours: String,
    /// Where the information comes from.
    pub source: String,
    /// Social network pages and other public links, at most [`MAX_SOCIAL`].
    #[serde(default)]
    pub social: Vec<String>,
}

/// Most social links an actor lists.
pub const MAX_SOCIAL: usize = 6;

/// Parses social links: web addresses separated by spaces or new lines, at most
/// [`MAX_SOCIAL`], duplicates dropped.
pub fn parse_social(raw: &str) -> Result<Vec<String>, FieldError> {
    let mut out: Vec<String> = Vec::new();
    for word in raw.split_whitespace() {
        let url = Website::parse(word)
            .map_err(|_| FieldError::new("social", "actor.social_format"))?
            .as_str()
            .to_string();
        if !out.contains(&url) {
            out.push(url);
        }
    }
    if out.len() > MAX_SOCIAL {
        return Err(FieldError::new("social", "actor.social_too_many"));
    }
    Ok(out)
}

/// The raw fields of an actor form (checkbox lists repeat their name).
#[derive(Debug, Clone, Default)]
pub struct ActorFields {
    /// Every field by name; lists hold every value given.
    pub values: Vec<(String, String)>,
}

/// The single-valued fields of the form, in order (the CSV import uses the same names).
pub const FIELDS: &[&str] = &[
    "name",
    "kind",
    "siret",
    "rna",
    "short_description",
    "description",
    "website",
    "email",
    "phone",
    "address",
    "postcode",
    "commune",
    "lat",
    "lon",
    "opening_hours",
    "source",
    "social",
];

/// The list fields of the form, and their vocabulary.
pub const LISTS: &[(&str, &str)] = &[
    ("themes", "theme"),
    ("activities", "activity"),
    ("publics", "public"),
];

impl ActorFields {
    /// The form's fields from posted pairs.
    pub fn from_pairs(pairs: &[(String, String)]) -> Self {
        ActorFields {
            values: pairs
                .iter()
                .filter(|(k, _)| FIELDS.contains(&k.as_str()) || LISTS.iter().any(|(l, _)| l == k))
                .cloned()
                .collect(),
        }
    }

    /// The form of an actor as it stands.
    pub fn of(a: &ActorInput) -> Self {
        let mut values: Vec<(String, String)> = [
            ("name", a.name.clone()),
            ("kind", a.kind.clone()),
            ("siret", a.siret.clone()),
            ("rna", a.rna.clone()),
            ("short_description", a.short_description.clone()),
            ("description", a.description.clone()),
            ("website", a.website.clone()),
            ("email", a.email.clone()),
            ("phone", a.phone.clone()),
            ("address", a.address.clone()),
            ("postcode", a.postcode.clone()),
            ("commune", a.commune.clone()),
            ("lat", a.lat.to_string()),
            ("lon", a.lon.to_string()),
            ("opening_hours", a.opening_hours.clone()),
            ("source", a.source.clone()),
            ("social", a.social.join("\n")),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
        for (list, items) in [
            ("themes", &a.themes),
            ("activities", &a.activities),
            ("publics", &a.publics),
        ] {
            values.extend(items.iter().map(|v| (list.to_string(), v.clone())));
        }
        ActorFields { values }
    }

    /// The value of a single field, or empty.
    pub fn get(&self, name: &str) -> &str {
        self.values
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .unwrap_or("")
    }

    /// Whether a list holds a code.
    pub fn has(&self, list: &str, code: &str) -> bool {
        self.values.iter().any(|(k, v)| k == list && v == code)
    }

    fn list(&self, name: &str) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for (_, v) in self.values.iter().filter(|(k, _)| k == name) {
            for code in v.split(',').map(str::trim).filter(|c| !c.is_empty()) {
                if !out.iter().any(|o| o == code) {
                    out.push(code.to_string());
                }
            }
        }
        out
    }

    /// Parses every field, collecting all errors. `departement_of` gives the département of a
    /// commune of the referential by its INSEE code (none for an unknown code); the position
    /// must lie in the part of France of that département.
    pub fn parse(
        &self,
        tax: &crate::terms::Taxonomy,
        departement_of: impl Fn(&str) -> Option<String>,
    ) -> Result<ActorInput, FieldErrors> {
        let mut errors = FieldErrors::new();
        let optional = |raw: &str| !raw.trim().is_empty();
        let name = errors.take(text::line(self.get("name"), "name", 2, 140));
        let kind = self.get("kind").trim().to_string();
        if !tax.knows("kind", &kind) {
            errors.push(FieldError::new("kind", "actor.kind"));
        }
        let siret = if optional(self.get("siret")) {
            errors.take(Siret::parse(self.get("siret")).map(|s| s.as_str().to_string()))
        } else {
            Some(String::new())
        };
        let rna = if optional(self.get("rna")) {
            errors.take(Rna::parse(self.get("rna")).map(|s| s.as_str().to_string()))
        } else {
            Some(String::new())
        };
        let short = errors.take(
            ShortDescription::parse(self.get("short_description")).map(|s| s.as_str().to_string()),
        );
        let description = errors.take(text::paragraphs(
            self.get("description"),
            "description",
            10_000,
        ));
        let website = if optional(self.get("website")) {
            errors.take(Website::parse(self.get("website")).map(|s| s.as_str().to_string()))
        } else {
            Some(String::new())
        };
        let email = if optional(self.get("email")) {
            errors.take(
                kernel::accounts::Email::parse(self.get("email")).map(|e| e.as_str().to_string()),
            )
        } else {
            Some(String::new())
        };
        let phone = if optional(self.get("phone")) {
            errors.take(Phone::parse(self.get("phone")).map(|p| p.as_str().to_string()))
        } else {
            Some(String::new())
        };
        let address = errors.take(text::line(self.get("address"), "address", 0, 200));
        let postcode = self.get("postcode").trim().to_string();
        if !postcode.is_empty()
            && (postcode.len() != 5 || !postcode.bytes().all(|b| b.is_ascii_digit()))
        {
            errors.push(FieldError::new("postcode", "actor.postcode"));
        }
        let commune = self.get("commune").trim().to_uppercase();
        let departement = departement_of(&commune);
        if departement.is_none() {
            errors.push(FieldError::new("commune", "actor.commune"));
        }
        let position = errors.take(Position::parse(self.get("lat"), self.get("lon")));
        if let (Some(p), Some(d)) = (&position, &departement)
            && let Some((s, w, n, e)) = kernel::territories::zone_bounds(d)
            && !((s..=n).contains(&p.lat) && (w..=e).contains(&p.lon))
        {
            errors.push(FieldError::new("position", "actor.far_from_commune"));
        }
        let mut lists = Vec::new();
        for (list, vocabulary) in LISTS {
            let codes = self.list(list);
            if codes.iter().any(|c| !tax.knows(vocabulary, c)) {
                errors.push(FieldError::new(list, "actor.unknown_term"));
            }
            lists.push(codes);
        }
        if lists[0].is_empty() {
            errors.push(FieldError::new("themes", "actor.themes_required"));
        }
        let opening_hours = if optional(self.get("opening_hours")) {
            errors.take(
                OpeningHours::parse(self.get("opening_hours")).map(|o| o.as_str().to_string()),
            )
        } else {
            Some(String::new())
        };
        let source = errors.take(text::line(self.get("source"), "source", 0, 200));
        let social = errors.take(parse_social(self.get("social")));
        match (
            name,
            siret,
            rna,
            short,
            description,
            website,
            email,
            phone,
            address,
            position,
            opening_hours,
            source,
            social,
        ) {
            (
                Some(name),
                Some(siret),
                Some(rna),
                Some(short_description),
                Some(description),
                Some(website),
                Some(email),
                Some(phone),
                Some(address),
                Some(position),
                Some(opening_hours),
                Some(source),
                Some(social),
            ) if errors.is_empty() => {
                let mut lists = lists.into_iter();
                Ok(ActorInput {
                    name,
                    kind,
                    siret,
                    rna,
                    short_description,
                    description,
                    website,
                    email,
                    phone,
                    address,
                    postcode,
                    commune,
                    lat: position.lat,
                    lon: position.lon,
                    themes: lists.next().unwrap_or_default(),
                    activities: lists.next().unwrap_or_default(),
                    publics: lists.next().unwrap_or_default(),
                    opening_hours,
                    source,
                    social,
                })
            }
            _ => Err(errors),
        }
    }
}

impl ActorInput {
    /// The fields that differ from `other`, by form name.
    pub fn diff(&self, other: &ActorInput) -> Vec<kernel::review::FieldChange> {
        let pairs = |a: &ActorInput| -> Vec<(String, String)> {
            let f = ActorFields::of(a);
            let mut out: Vec<(String, String)> = FIELDS
                .iter()
                .map(|n| (n.to_string(), f.get(n).to_string()))
                .collect();
            for (list, _) in LISTS {
                out.extend(f.list(list).into_iter().map(|v| (list.to_string(), v)));
            }
            out
        };
        kernel::review::diff(&pairs(self), &pairs(other), |_, v| v.to_string())
    }

    /// The name folded for comparisons: lower case, no accents, letters and digits only.
    pub fn normalised_name(&self) -> String {
        normalise(&self.name)
    }
}

/// A name folded for duplicate detection.
pub fn normalise(name: &str) -> String {
    kernel::search::fold(name)
        .chars()
        .filter(|c| c.is_alphanumeric())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fablab() -> ActorFields {
        let pairs: Vec<(String, String)> = [
            ("name", "Fablab du Trégor"),
            ("kind", "fablab"),
            ("siret", "732 829 320 00074"),
            (
                "short_description",
                "Un atelier de fabrication numérique ouvert à tous.",
            ),
            ("phone", "02 96 00 00 00"),
            ("commune", "22113"),
            ("lat", "48.7326"),
            ("lon", "-3.4566"),
            ("themes", "education"),
            ("themes", "data_iot"),
            ("activities", "training"),
            ("opening_hours", "Mo-Fr 09:00-18:00"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        ActorFields::from_pairs(&pairs)
    }

    #[test]
    fn a_fablab_is_parsed_and_every_bad_field_is_named() {
        let lannion = |c: &str| (c == "22113").then(|| "22".to_string());
        let tax = crate::terms::Taxonomy::seeded();
        let a = fablab().parse(&tax, lannion).unwrap();
        assert_eq!(a.siret, "73282932000074");
        assert_eq!(a.phone, "+33296000000");
        assert_eq!(a.themes, ["education", "data_iot"]);
        let mut bad = fablab();
        for (k, v) in bad.values.iter_mut() {
            match k.as_str() {
                "siret" => *v = "73282932000075".into(),
                "short_description" => *v = "x".repeat(281),
                "opening_hours" => *v = "lundi matin".into(),
                "themes" => *v = "teleportation".into(),
                "lat" => *v = "148".into(),
                "commune" => *v = "99999".into(),
                _ => {}
            }
        }
        let e = bad.parse(&tax, lannion).unwrap_err();
        for (field, code) in [
            ("siret", "siret.checksum"),
            ("short_description", "short_description.too_long"),
            ("themes", "actor.unknown_term"),
            ("position", "position.range"),
            ("commune", "actor.commune"),
        ] {
            assert_eq!(e.on(field), Some(code), "{field}");
        }
        assert!(e.on("opening_hours").is_some());
        // Latitude and longitude swapped: far from Lannion.
        let mut swapped = fablab();
        for (k, v) in swapped.values.iter_mut() {
            match k.as_str() {
                "lat" => *v = "-3.4566".into(),
                "lon" => *v = "48.7326".into(),
                _ => {}
            }
        }
        let e = swapped.parse(&tax, lannion).unwrap_err();
        assert_eq!(e.on("position"), Some("actor.far_from_commune"));
    }

    #[test]
    fn a_revision_lists_the_fields_it_changes() {
        let tax = crate::terms::Taxonomy::seeded();
        let a = fablab().parse(&tax, |_| Some("22".into())).unwrap();
        let mut b = a.clone();
        b.short_description = "Un atelier ouvert le samedi.".into();
        b.themes.push("participation".into());
        let d = a.diff(&b);
        assert_eq!(d.len(), 2);
        assert_eq!(d[0].field, "short_description");
        assert_eq!(
            (
                d[1].field.as_str(),
                d[1].before.as_str(),
                d[1].after.as_str()
            ),
            (
                "themes",
                "education, data_iot",
                "education, data_iot, participation"
            )
        );
        assert_eq!(normalise("Fab'Lab du Trégor"), "fablabdutregor");
    }
}
