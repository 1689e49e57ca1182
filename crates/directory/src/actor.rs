//! Actors of the directory: the taxonomy they are described with, and the form they are
//! proposed and edited through, parsed at once into a valid actor or every field's error.

use crate::columns::{self, Cell};
use crate::model::{ActorName, Parsed, Phone, Position, Rna, ShortDescription, Siret, Website};
use crate::opening_hours::OpeningHours;
use kernel::accounts::Email;
use kernel::{FieldError, FieldErrors, text};

mod stored;

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

/// A valid actor, ready to be stored (new, or as a revision of an existing one). Built only by
/// parsing: a form, a CSV row or an API body ([`ActorFields::parse`]), or what was stored (the
/// table's row, a revision's JSON: [`ActorFields::read_stored`]), so that every field holds a
/// parsed value. Optional fields are `None` when not given (kept as an empty text). Its columns
/// (how each field is stored, published and documented) are in [`crate::columns`].
#[derive(Debug, Clone, PartialEq)]
pub struct ActorInput {
    name: ActorName,
    kind: String,
    siret: Option<Siret>,
    rna: Option<Rna>,
    short_description: ShortDescription,
    description: String,
    website: Option<Website>,
    email: Option<Email>,
    phone: Option<Phone>,
    address: String,
    postcode: String,
    commune: String,
    position: Position,
    themes: Vec<String>,
    activities: Vec<String>,
    publics: Vec<String>,
    opening_hours: Option<OpeningHours>,
    source: String,
    social: Vec<Website>,
}

impl ActorInput {
    /// Its name, 2 to 140 characters.
    pub fn name(&self) -> &str {
        self.name.as_str()
    }
    /// A code of the vocabulary `kind` (known when it was parsed from a form).
    pub fn kind(&self) -> &str {
        &self.kind
    }
    /// Its SIRET, if given.
    pub fn siret(&self) -> Option<&Siret> {
        self.siret.as_ref()
    }
    /// Its RNA number, if given.
    pub fn rna(&self) -> Option<&Rna> {
        self.rna.as_ref()
    }
    /// At most 280 characters.
    pub fn short_description(&self) -> &ShortDescription {
        &self.short_description
    }
    /// Markdown subset, at most 10,000 characters, possibly empty.
    pub fn description(&self) -> &str {
        &self.description
    }
    /// Its web site, if given.
    pub fn website(&self) -> Option<&Website> {
        self.website.as_ref()
    }
    /// Its public address, if given.
    pub fn email(&self) -> Option<&Email> {
        self.email.as_ref()
    }
    /// Its phone number, if given.
    pub fn phone(&self) -> Option<&Phone> {
        self.phone.as_ref()
    }
    /// Street address, possibly empty.
    pub fn address(&self) -> &str {
        &self.address
    }
    /// Postcode, 5 digits, or empty.
    pub fn postcode(&self) -> &str {
        &self.postcode
    }
    /// INSEE code of the commune (in the referential when it was parsed from a form).
    pub fn commune(&self) -> &str {
        &self.commune
    }
    /// Its position, WGS84.
    pub fn position(&self) -> Position {
        self.position
    }
    /// Codes of the vocabulary `theme`, at least one.
    pub fn themes(&self) -> &[String] {
        &self.themes
    }
    /// Codes of the vocabulary `activity`.
    pub fn activities(&self) -> &[String] {
        &self.activities
    }
    /// Codes of the vocabulary `public`.
    pub fn publics(&self) -> &[String] {
        &self.publics
    }
    /// OpenStreetMap `opening_hours`, if given.
    pub fn opening_hours(&self) -> Option<&OpeningHours> {
        self.opening_hours.as_ref()
    }
    /// Where the information comes from, possibly empty.
    pub fn source(&self) -> &str {
        &self.source
    }
    /// Social network pages and other public links, at most [`MAX_SOCIAL`].
    pub fn social(&self) -> &[Website] {
        &self.social
    }
}

/// Most social links an actor lists.
pub const MAX_SOCIAL: usize = 6;

/// Parses social links: web addresses separated by spaces or new lines, at most
/// [`MAX_SOCIAL`], duplicates dropped.
pub fn parse_social(raw: &str) -> Result<Vec<Website>, FieldError> {
    let mut out: Vec<Website> = Vec::new();
    for word in raw.split_whitespace() {
        let url = Website::parse_to_keep(word)
            .map_err(|_| FieldError::new("social", "actor.social_format"))?;
        if !out.contains(&url) {
            out.push(url);
        }
    }
    if out.len() > MAX_SOCIAL {
        return Err(FieldError::new("social", "actor.social_too_many"));
    }
    Ok(out)
}

/// The raw fields of an actor form (checkbox lists repeat their name), named as the columns
/// ([`crate::columns::form_fields`]).
#[derive(Debug, Clone, Default)]
pub struct ActorFields {
    /// Every field by name; lists hold every value given.
    pub values: Vec<(String, String)>,
}

/// What a form's parse checks against the platform, besides each field's own syntax.
struct Referential<'a> {
    /// The terms: the kind and the lists' codes must be known.
    tax: &'a crate::terms::Taxonomy,
    /// The département of a commune of the referential by its INSEE code.
    departement_of: &'a dyn Fn(&str) -> Option<String>,
}

impl ActorFields {
    /// The form's fields from posted pairs (pairs of other names are left out).
    pub fn from_pairs(pairs: &[(String, String)]) -> Self {
        ActorFields {
            values: pairs
                .iter()
                .filter(|(k, _)| columns::field(k).is_some())
                .cloned()
                .collect(),
        }
    }

    /// The form of an actor as it stands: its single fields, then one pair per item of its
    /// lists, in the order of [`columns::form_fields`].
    pub fn of(a: &ActorInput) -> Self {
        let mut values = Vec::new();
        for c in columns::form_fields() {
            let name = || c.name.to_string();
            match c.of_input(a) {
                Some(Cell::Text(t)) => values.push((name(), t.to_string())),
                Some(Cell::Number(n)) => values.push((name(), n.to_string())),
                Some(Cell::List(items)) if c.kind.repeats_in_form() => {
                    values.extend(items.into_iter().map(|v| (name(), v.to_string())));
                }
                // Web addresses: one per line.
                Some(Cell::List(items)) => values.push((name(), items.join("\n"))),
                Some(Cell::Date(_) | Cell::Upload(_)) | None => {}
            }
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
        self.parse_with(Some(Referential {
            tax,
            departement_of: &departement_of,
        }))
    }

    /// Reads back what was stored (a row of the table, a revision's JSON): every field's syntax
    /// is checked again, not the terms (a retired term stays on the actors that have it) nor
    /// the commune (the referential may change). A value that no longer parses is an error.
    pub fn read_stored(&self) -> Result<ActorInput, FieldErrors> {
        self.parse_with(None)
    }

    fn parse_with(&self, referential: Option<Referential>) -> Result<ActorInput, FieldErrors> {
        let mut errors = FieldErrors::new();
        let name = errors.take(ActorName::parse_to_keep(self.get("name")));
        let kind = self.get("kind").trim().to_string();
        if let Some(r) = &referential
            && !r.tax.knows("kind", &kind)
        {
            errors.push(FieldError::new("kind", "actor.kind"));
        }
        let siret = errors.take(Siret::parse_optional(self.get("siret")));
        let rna = errors.take(Rna::parse_optional(self.get("rna")));
        let short = errors.take(ShortDescription::parse_to_keep(
            self.get("short_description"),
        ));
        let description = errors.take(text::paragraphs(
            self.get("description"),
            "description",
            10_000,
        ));
        let website = errors.take(Website::parse_optional(self.get("website")));
        let email = errors.take(Email::parse_optional(self.get("email")));
        let phone = errors.take(Phone::parse_optional(self.get("phone")));
        let address = errors.take(text::line(self.get("address"), "address", 0, 200));
        let postcode = self.get("postcode").trim().to_string();
        if !postcode.is_empty()
            && (postcode.len() != 5 || !postcode.bytes().all(|b| b.is_ascii_digit()))
        {
            errors.push(FieldError::new("postcode", "actor.postcode"));
        }
        let commune = self.get("commune").trim().to_uppercase();
        let departement = referential.as_ref().and_then(|r| {
            let d = (r.departement_of)(&commune);
            if d.is_none() {
                errors.push(FieldError::new("commune", "actor.commune"));
            }
            d
        });
        let position = errors.take(Position::parse(self.get("lat"), self.get("lon")));
        if let (Some(p), Some(d)) = (&position, &departement)
            && let Some((s, w, n, e)) = kernel::territories::zone_bounds(d)
            && !((s..=n).contains(&p.lat) && (w..=e).contains(&p.lon))
        {
            errors.push(FieldError::new("position", "actor.far_from_commune"));
        }
        let mut lists = Vec::new();
        for (list, vocabulary) in columns::lists() {
            let codes = self.list(list);
            if let Some(r) = &referential
                && codes.iter().any(|c| !r.tax.knows(vocabulary, c))
            {
                errors.push(FieldError::new(list, "actor.unknown_term"));
            }
            lists.push(codes);
        }
        if lists.first().is_none_or(Vec::is_empty) {
            errors.push(FieldError::new("themes", "actor.themes_required"));
        }
        let opening_hours = errors.take(OpeningHours::parse_optional(self.get("opening_hours")));
        let source = errors.take(text::line(self.get("source"), "source", 0, 200));
        let social = errors.take(parse_social(self.get("social")));
        let (
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
        ) = (
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
        )
        else {
            return Err(errors);
        };
        if !errors.is_empty() {
            return Err(errors);
        }
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
            position,
            themes: lists.next().unwrap_or_default(),
            activities: lists.next().unwrap_or_default(),
            publics: lists.next().unwrap_or_default(),
            opening_hours,
            source,
            social,
        })
    }
}

impl ActorInput {
    /// The fields that differ from `other`, by form name, in the form's order.
    pub fn diff(&self, other: &ActorInput) -> Vec<kernel::review::FieldChange> {
        kernel::review::diff(
            &ActorFields::of(self).values,
            &ActorFields::of(other).values,
            |_, v| v.to_string(),
        )
    }

    /// The name folded for comparisons: lower case, no accents, letters and digits only.
    pub fn normalised_name(&self) -> String {
        normalise(self.name())
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
        assert_eq!(a.siret().map(Siret::as_str), Some("73282932000074"));
        assert_eq!(a.phone().map(Phone::as_str), Some("+33296000000"));
        assert_eq!(a.themes(), ["education", "data_iot"]);
        assert_eq!(a.rna(), None);
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
        let mut changed = ActorFields::of(&a);
        for (k, v) in changed.values.iter_mut() {
            if k == "short_description" {
                *v = "Un atelier ouvert le samedi.".into();
            }
        }
        changed
            .values
            .push(("themes".into(), "participation".into()));
        let b = changed.parse(&tax, |_| Some("22".into())).unwrap();
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

    #[test]
    fn an_actor_reads_back_from_its_form_and_its_json() {
        let tax = crate::terms::Taxonomy::seeded();
        let a = fablab().parse(&tax, |_| Some("22".into())).unwrap();
        assert_eq!(ActorFields::of(&a).read_stored(), Ok(a.clone()));
        let json = serde_json::to_string(&a).unwrap();
        assert_eq!(serde_json::from_str::<ActorInput>(&json).unwrap(), a);
        // A stored value that no longer parses is an error, not a silent empty field.
        let bad = json.replace("73282932000074", "73282932000075");
        assert!(serde_json::from_str::<ActorInput>(&bad).is_err());
        // Terms are not checked again: a retired one stays on the actors that have it.
        let retired = json.replace("data_iot", "retired_code");
        let read: ActorInput = serde_json::from_str(&retired).unwrap();
        assert_eq!(read.themes(), ["education", "retired_code"]);
    }

    #[test]
    fn a_revision_stored_before_the_columns_still_reads() {
        // As the revisions were written when `ActorInput` was a struct of texts.
        let stored = concat!(
            r#"{"name":"Fablab du Trégor","kind":"fablab","siret":"73282932000074","rna":"","#,
            r#""short_description":"Un atelier.","description":"","#,
            r#""website":"https://lannion.bzh/","email":"","phone":"+33296000000","#,
            r#""address":"","postcode":"22300","commune":"22113","lat":48.7326,"lon":-3.4566,"#,
            r#""themes":["education","data_iot"],"activities":[],"publics":[],"#,
            r#""opening_hours":"Mo-Fr 09:00-18:00","source":""}"#
        );
        let a: ActorInput = serde_json::from_str(stored).unwrap();
        assert_eq!(
            a.website().map(Website::as_str),
            Some("https://lannion.bzh/")
        );
        assert_eq!(a.email(), None);
        assert!(a.social().is_empty(), "written before the social links");
        let mut again = serde_json::to_string(&a).unwrap();
        assert_eq!(again.split_off(again.len() - 13), r#","social":[]}"#);
        assert_eq!(format!("{again}}}"), stored);
    }
}
