//! The columns of an actor, defined once. Each entry of [`COLUMNS`] gives a column's name (the
//! same in the `actors` table, the form, the CSV import, the API and the revisions' JSON; the
//! CSV header alone may differ), the kind of value it holds (which says how the table, the form,
//! the CSV and the JSON write it), its Table Schema entry when it is published, its API
//! documentation, and how to read its value on an actor.
//!
//! Derived from it: the store's `SELECT`, `INSERT` and `UPDATE` and its row reader
//! (`store`), the form's fields and lists, `ActorFields::of`, the diff of a revision and the
//! revisions' JSON (`actor`), the CSV import's columns (`import`), the CSV header, the CSV page
//! the database writes, the JSON and GeoJSON items and the Table Schema (`web::opendata`), and
//! the API's bodies and OpenAPI schemas (`api`).
//!
//! Adding a field to actors means: one entry here, the field (and its parse) in
//! [`ActorInput`], and the migration adding its column to `actors`.

use crate::actor::ActorInput;
use crate::model::Parsed;
use crate::store::Actor;

/// What a column holds, which says how each place writes it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Kind {
    /// Free text (a name, a description, an address, a public e-mail address): in the CSV,
    /// quoted when it must be and guarded against spreadsheet formulas.
    Text,
    /// A checked code without commas, quotes nor line breaks (a SIRET, an E.164 phone number, a
    /// postcode, an INSEE code, an id): written as it is kept.
    Code,
    /// A code of this vocabulary of the taxonomy: written as it is kept; the Table Schema lists
    /// the vocabulary's codes.
    Term(&'static str),
    /// A web address: quoted in the CSV when it must be (it may hold a comma).
    Link,
    /// WGS84 degrees, at most this far from 0 (as the API documents it; the parse checks it):
    /// a number in the table, the API and the revisions; rounded to four decimals in the open
    /// data.
    Coordinate(u8),
    /// Codes of this vocabulary: the form repeats the field for each; the table joins them with
    /// `,`, the CSV with `;`; a list in JSON.
    Terms(&'static str),
    /// Web addresses: one form field, one per line, as the table keeps them; separated by
    /// spaces in the CSV (free text there); a list in JSON.
    Links,
    /// A moment in ms: a date in the open data, an RFC 3339 time in the API.
    Date,
    /// A file name in the uploads, or empty: its path in the open data (or empty), its path or
    /// `null` in the API.
    Upload,
}

impl Kind {
    /// How a list is joined in the table's text and in the CSV, for the kinds that are lists.
    pub fn separators(self) -> Option<(&'static str, &'static str)> {
        match self {
            Kind::Terms(_) => Some((",", ";")),
            Kind::Links => Some(("\n", " ")),
            _ => None,
        }
    }

    /// Whether the form repeats the field, one value each (the other kinds are one field).
    pub fn repeats_in_form(self) -> bool {
        matches!(self, Kind::Terms(_))
    }
}

/// The value of a column on an actor.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell<'a> {
    /// A text (empty when an optional field is not given).
    Text(&'a str),
    /// A number.
    Number(f64),
    /// The items of a list.
    List(Vec<&'a str>),
    /// A moment (ms).
    Date(i64),
    /// A file name in the uploads, or empty.
    Upload(&'a str),
}

impl<'a> Cell<'a> {
    /// The text of an optional parsed field, empty when there is none.
    pub fn optional<T: Parsed>(value: Option<&'a T>) -> Self {
        Cell::Text(value.map_or("", T::as_str))
    }

    /// The items of a list of texts.
    pub fn list<T: AsRef<str>>(items: &'a [T]) -> Self {
        Cell::List(items.iter().map(AsRef::as_ref).collect())
    }
}

/// Where a column's value comes from.
#[derive(Clone, Copy)]
pub enum Value {
    /// A field of [`ActorInput`]: parsed from the form, the CSV import or the API, kept in the
    /// table and in the revisions.
    Input(for<'a> fn(&'a ActorInput) -> Cell<'a>),
    /// Not a field of the input: the id, the place (from the referential), the logo and the
    /// dates of an actor. The store reads and writes these with its own small list (`RECORD`
    /// in `store::row`, with the columns that are not published: slug, state, trust,
    /// revision); here they only take their place in the open data and the API.
    Record(for<'a> fn(&'a Actor) -> Cell<'a>),
}

/// A published column: its CSV header and its Table Schema description (French, as the data
/// set is).
#[derive(Debug, Clone, Copy)]
pub struct OpenData {
    /// Its name in the CSV header, the JSON items and the Table Schema.
    pub header: &'static str,
    /// Its Table Schema description.
    pub about: &'static str,
}

/// What the API says of a column (English, as the OpenAPI document is).
#[derive(Debug, Clone, Copy)]
pub struct Api {
    /// Whether a request body must give it (input columns; the others are only answered).
    pub required: bool,
    /// Its description in the answers, or empty.
    pub about: &'static str,
    /// Its description in request bodies, or empty.
    pub ask: &'static str,
    /// An example of it in request bodies (JSON), or empty.
    pub example: &'static str,
}

/// A column of an actor.
#[derive(Clone, Copy)]
pub struct Column {
    /// Its name in the table, the form, the API and the revisions' JSON.
    pub name: &'static str,
    /// What it holds.
    pub kind: Kind,
    /// Where its value comes from.
    pub value: Value,
    /// In the open data (CSV, JSON, GeoJSON, Table Schema), or not.
    pub open_data: Option<OpenData>,
    /// In the API (every column is answered).
    pub api: Api,
}

impl Column {
    const fn new(name: &'static str, kind: Kind, value: Value) -> Column {
        Column {
            name,
            kind,
            value,
            open_data: None,
            api: Api {
                required: false,
                about: "",
                ask: "",
                example: "",
            },
        }
    }

    const fn input(
        name: &'static str,
        kind: Kind,
        value: for<'a> fn(&'a ActorInput) -> Cell<'a>,
    ) -> Column {
        Column::new(name, kind, Value::Input(value))
    }

    const fn record(
        name: &'static str,
        kind: Kind,
        value: for<'a> fn(&'a Actor) -> Cell<'a>,
    ) -> Column {
        Column::new(name, kind, Value::Record(value))
    }

    /// Published under its own name.
    const fn open(self, about: &'static str) -> Column {
        self.open_as(self.name, about)
    }

    /// Published under another name.
    const fn open_as(self, header: &'static str, about: &'static str) -> Column {
        Column {
            open_data: Some(OpenData { header, about }),
            ..self
        }
    }

    const fn required(mut self) -> Column {
        self.api.required = true;
        self
    }

    const fn about(mut self, about: &'static str) -> Column {
        self.api.about = about;
        self
    }

    const fn ask(mut self, ask: &'static str) -> Column {
        self.api.ask = ask;
        self
    }

    const fn example(mut self, example: &'static str) -> Column {
        self.api.example = example;
        self
    }

    /// Whether it is a field of the input.
    pub fn is_input(&self) -> bool {
        matches!(self.value, Value::Input(_))
    }

    /// Its value on an actor's input, when it is a field of the input.
    pub fn of_input<'a>(&self, a: &'a ActorInput) -> Option<Cell<'a>> {
        match self.value {
            Value::Input(f) => Some(f(a)),
            Value::Record(_) => None,
        }
    }

    /// Its value on an actor.
    pub fn of<'a>(&self, a: &'a Actor) -> Cell<'a> {
        match self.value {
            Value::Input(f) => f(&a.data),
            Value::Record(f) => f(a),
        }
    }

    /// Its value as the table keeps it: lists joined (see [`Kind::separators`]).
    pub fn stored(&self, a: &ActorInput) -> Option<Stored> {
        Some(match self.of_input(a)? {
            Cell::Number(n) => Stored::Real(n),
            Cell::List(items) => {
                let (table, _) = self.kind.separators().unwrap_or((",", ","));
                Stored::Text(items.join(table))
            }
            Cell::Text(t) | Cell::Upload(t) => Stored::Text(t.to_string()),
            Cell::Date(ms) => Stored::Integer(ms),
        })
    }
}

/// A value as the table keeps it, to be bound in a query.
#[derive(Debug, Clone, PartialEq)]
pub enum Stored {
    /// A text column.
    Text(String),
    /// A real column.
    Real(f64),
    /// An integer column.
    Integer(i64),
}

/// Every column of an actor, in the order of the CSV (and of the API's answers, and of the
/// revisions' JSON for the fields of the input). The single fields of the form come in this
/// order, then its lists (see [`form_fields`]).
pub const COLUMNS: &[Column] = &[
    Column::record("id", Kind::Code, |a| Cell::Text(&a.id))
        .open("Identifiant stable de l'acteur")
        .about("Stable id."),
    Column::input("name", Kind::Text, |a| Cell::Text(a.name()))
        .open("Nom")
        .required(),
    Column::input("kind", Kind::Term("kind"), |a| Cell::Text(a.kind()))
        .open("Type d'acteur")
        .required()
        .about("A kind of the directory's taxonomy, such as `fablab`.")
        .ask("A kind of the directory's taxonomy.")
        .example("\"fablab\""),
    Column::input("siret", Kind::Code, |a| Cell::optional(a.siret())).open("SIRET (14 chiffres)"),
    Column::input("rna", Kind::Code, |a| Cell::optional(a.rna())).open("Numéro RNA (associations)"),
    Column::input("short_description", Kind::Text, |a| {
        Cell::Text(a.short_description().as_str())
    })
    .open("Description courte (280 caractères au plus)")
    .required()
    .ask("One sentence, 280 characters at most."),
    Column::input("description", Kind::Text, |a| Cell::Text(a.description()))
        .about("Markdown subset."),
    Column::input("website", Kind::Link, |a| Cell::optional(a.website())).open("Site web"),
    Column::input("email", Kind::Text, |a| Cell::optional(a.email()))
        .open("Adresse électronique publique")
        .ask("A public address."),
    Column::input("phone", Kind::Code, |a| Cell::optional(a.phone()))
        .open("Téléphone (format international)")
        .about("International format, `+33…`."),
    Column::input("address", Kind::Text, |a| Cell::Text(a.address())).open("Adresse"),
    Column::input("postcode", Kind::Code, |a| Cell::Text(a.postcode())).open("Code postal"),
    Column::input("commune", Kind::Code, |a| Cell::Text(a.commune()))
        .open("Code INSEE de la commune")
        .required()
        .about("INSEE code of the commune.")
        .ask("INSEE code of the commune, such as `22113`.")
        .example("\"22113\""),
    Column::record("departement", Kind::Code, |a| Cell::Text(&a.departement))
        .open("Code du département"),
    Column::record("region", Kind::Code, |a| Cell::Text(&a.region)).open("Code de la région"),
    Column::input("lat", Kind::Coordinate(90), |a| {
        Cell::Number(a.position().lat)
    })
    .open("Latitude WGS84 (4 décimales)")
    .required()
    .example("48.7326"),
    Column::input("lon", Kind::Coordinate(180), |a| {
        Cell::Number(a.position().lon)
    })
    .open_as("long", "Longitude WGS84 (4 décimales)")
    .required()
    .example("-3.4566"),
    Column::input("themes", Kind::Terms("theme"), |a| Cell::list(a.themes()))
        .open("Thèmes, séparés par des points-virgules")
        .required()
        .ask("At least one theme of the taxonomy.")
        .example("[\"education\"]"),
    Column::input("activities", Kind::Terms("activity"), |a| {
        Cell::list(a.activities())
    })
    .open("Activités proposées, séparées par des points-virgules"),
    Column::input("publics", Kind::Terms("public"), |a| {
        Cell::list(a.publics())
    })
    .open("Publics, séparés par des points-virgules"),
    Column::input("opening_hours", Kind::Text, |a| {
        Cell::optional(a.opening_hours())
    })
    .open("Horaires (syntaxe opening_hours d'OpenStreetMap)")
    .about("OpenStreetMap `opening_hours` syntax."),
    Column::input("source", Kind::Text, |a| Cell::Text(a.source())).open("Source de l'information"),
    Column::input("social", Kind::Links, |a| {
        Cell::List(a.social().iter().map(Parsed::as_str).collect())
    })
    .open("Liens vers les réseaux sociaux et autres pages publiques, séparés par des espaces")
    .about("Social network pages and other public links.")
    .ask("Web addresses, six at most."),
    Column::record("logo", Kind::Upload, |a| Cell::Upload(&a.logo))
        .open("Chemin du logo sur la plateforme, à la suite de son adresse, ou vide")
        .about("Address of its logo, if any."),
    Column::record("created_at", Kind::Date, |a| Cell::Date(a.created_at))
        .open("Date d'inscription")
        .about("RFC 3339."),
    Column::record("updated_at", Kind::Date, |a| Cell::Date(a.updated_at))
        .open("Date de dernière mise à jour"),
    Column::record("verified_at", Kind::Date, |a| Cell::Date(a.verified_at))
        .open("Date de dernière vérification par l'acteur"),
];

/// The fields of the input, in order.
pub fn inputs() -> impl Iterator<Item = &'static Column> {
    COLUMNS.iter().filter(|c| c.is_input())
}

/// The fields of the form, in its order: the single fields, then the lists (whose fields
/// repeat).
pub fn form_fields() -> impl Iterator<Item = &'static Column> {
    let single = inputs().filter(|c| !c.kind.repeats_in_form());
    single.chain(inputs().filter(|c| c.kind.repeats_in_form()))
}

/// The field of the form with this name.
pub fn field(name: &str) -> Option<&'static Column> {
    inputs().find(|c| c.name == name)
}

/// The lists of the form (fields that repeat), with their vocabulary.
pub fn lists() -> impl Iterator<Item = (&'static str, &'static str)> {
    inputs().filter_map(|c| match c.kind {
        Kind::Terms(vocabulary) => Some((c.name, vocabulary)),
        _ => None,
    })
}

/// The published columns, in the CSV's order, with their header and description.
pub fn published() -> impl Iterator<Item = (&'static Column, OpenData)> {
    COLUMNS.iter().filter_map(|c| c.open_data.map(|o| (c, o)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_lists_have_separators() {
        for (i, c) in COLUMNS.iter().enumerate() {
            assert!(
                COLUMNS[i + 1..].iter().all(|o| o.name != c.name),
                "{}",
                c.name
            );
            let list = matches!(c.kind, Kind::Terms(_) | Kind::Links);
            assert_eq!(list, c.kind.separators().is_some(), "{}", c.name);
            assert!(!c.api.required || c.is_input(), "{}", c.name);
        }
        let headers: Vec<&str> = published().map(|(_, o)| o.header).collect();
        let mut unique = headers.clone();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(unique.len(), headers.len());
    }
}
