//! The network: its members, the methods they practise, and the parsing of a request to join.

use kernel::i18n::Lang;
use kernel::web::FormPairs;
use kernel::{FieldError, FieldErrors, text};

pub mod requests;
pub mod resources;
pub use requests::{AnswerInput, RequestState, SupportRequestInput};
pub use resources::{ResourceFilter, ResourceInput};

/// The kinds of directory actor that may join: the actors of democratic engineering
/// (participation consultancies, civic tech, associations, public bodies, research labs).
pub const PARTICIPATION_KINDS: &[&str] = &[
    "participation_consultancy",
    "civic_tech",
    "association",
    "public_body",
    "research_lab",
];

/// Most départements a member says it serves.
pub const DEPARTEMENTS_MAX: usize = 101;

/// Most characters of a member's references.
pub const REFERENCES_MAX: usize = 2000;

/// A method of the managed vocabulary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Method {
    /// Its code (`budget-participatif`).
    pub code: String,
    /// Its name in French.
    pub label_fr: String,
    /// Its name in English.
    pub label_en: String,
}

impl Method {
    /// Its name in a language.
    pub fn label(&self, lang: Lang) -> &str {
        match lang {
            Lang::Fr => &self.label_fr,
            Lang::En => &self.label_en,
        }
    }
}

/// Where a member stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MemberState {
    /// Asked, waiting for a moderator.
    Pending,
    /// Accepted: a member, shown.
    Accepted,
    /// Refused by a moderator; it may ask again.
    Refused,
    /// Left the network; it may ask again.
    Left,
}

impl MemberState {
    /// The stored name (the names of `kernel::review`'s states, and `left`).
    pub fn as_str(self) -> &'static str {
        match self {
            MemberState::Pending => "pending",
            MemberState::Accepted => "published",
            MemberState::Refused => "rejected",
            MemberState::Left => "left",
        }
    }
    /// The state of a stored name (anything unknown waits).
    pub fn parse(s: &str) -> MemberState {
        match s {
            "published" => MemberState::Accepted,
            "rejected" => MemberState::Refused,
            "left" => MemberState::Left,
            _ => MemberState::Pending,
        }
    }
    /// Whether the actor may ask (again).
    pub fn may_ask(self) -> bool {
        matches!(self, MemberState::Refused | MemberState::Left)
    }
}

/// A member of the network (or a request to become one), with what it shows of its actor.
#[derive(Debug, Clone, PartialEq)]
pub struct Member {
    /// Opaque id.
    pub id: String,
    /// Its directory actor.
    pub actor_id: String,
    /// That actor's name.
    pub actor_name: String,
    /// That actor's page in the directory.
    pub actor_url: String,
    /// That actor's position.
    pub lat: f64,
    /// Longitude.
    pub lon: f64,
    /// Where it stands.
    pub state: MemberState,
    /// The codes of the methods it practises.
    pub methods: Vec<String>,
    /// The codes of the départements it serves.
    pub departements: Vec<String>,
    /// Its references, paragraphs separated by blank lines (may be empty).
    pub references: String,
    /// When its owner accepted the member charter (ms).
    pub charter_accepted_at: i64,
    /// When it asked (ms).
    pub created_at: i64,
    /// Its last change: when it was accepted, for a member (ms).
    pub updated_at: i64,
}

/// A request to join, checked: an actor, the charter accepted, at least one method of the
/// vocabulary, at least one département of the referential, references.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JoinInput {
    actor_id: String,
    methods: Vec<String>,
    departements: Vec<String>,
    references: String,
}

impl JoinInput {
    /// Reads the form: `actor` (the id of one of the actors offered), `charter` (ticked),
    /// `methods` (repeated, codes of `methods`), `territories` (département codes or names,
    /// separated by commas, semicolons or lines, checked against `departements`, the
    /// referential's (code, name) pairs), `references` (at most 2,000 characters).
    pub fn parse<'a>(
        form: &impl FormPairs<'a>,
        methods: &[Method],
        departements: &[(String, String)],
    ) -> Result<JoinInput, FieldErrors> {
        let mut errors = FieldErrors::new();
        let actor_id = form.get("actor").trim().to_string();
        if actor_id.is_empty() {
            errors.push(FieldError::new("actor", "network.actor_required"));
        }
        if !matches!(form.get("charter"), "on" | "true" | "1" | "yes") {
            errors.push(FieldError::new("charter", "network.charter_required"));
        }
        let chosen = form.list("methods");
        if chosen.is_empty() {
            errors.push(FieldError::new("methods", "network.method_required"));
        } else if chosen.iter().any(|c| !methods.iter().any(|m| &m.code == c)) {
            errors.push(FieldError::new("methods", "network.method_unknown"));
        }
        // In the order of the vocabulary, whatever the form's.
        let chosen: Vec<String> = methods
            .iter()
            .filter(|m| chosen.contains(&m.code))
            .map(|m| m.code.clone())
            .collect();
        let served = errors.take(parse_departements(form.get("territories"), departements));
        let references = errors.take(text::paragraphs(
            form.get("references"),
            "references",
            REFERENCES_MAX,
        ));
        match (served, references) {
            (Some(departements), Some(references)) if errors.is_empty() => Ok(JoinInput {
                actor_id,
                methods: chosen,
                departements,
                references,
            }),
            _ => Err(errors),
        }
    }
    /// The actor asking.
    pub fn actor_id(&self) -> &str {
        &self.actor_id
    }
    /// The codes of its methods, in the vocabulary's order.
    pub fn methods(&self) -> &[String] {
        &self.methods
    }
    /// The codes of the départements it serves, sorted.
    pub fn departements(&self) -> &[String] {
        &self.departements
    }
    /// Its references.
    pub fn references(&self) -> &str {
        &self.references
    }
}

/// A name compared as people type it: lower case, without accents, hyphens, apostrophes nor
/// doubled spaces (`Côtes-d'Armor` and `cotes d armor` are one).
pub fn fold(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for c in name.trim().chars().flat_map(char::to_lowercase) {
        let c = match c {
            'à' | 'â' | 'ä' | 'á' => 'a',
            'ç' => 'c',
            'é' | 'è' | 'ê' | 'ë' => 'e',
            'î' | 'ï' | 'í' => 'i',
            'ô' | 'ö' | 'ó' => 'o',
            'ù' | 'û' | 'ü' | 'ú' => 'u',
            'ÿ' => 'y',
            'œ' => {
                out.push('o');
                'e'
            }
            '-' | '\'' | '’' | '_' => ' ',
            c => c,
        };
        if c == ' ' && (out.is_empty() || out.ends_with(' ')) {
            continue;
        }
        out.push(c);
    }
    out.trim_end().to_string()
}

/// The départements of a typed list: each item a code (`22`, `2A`, `971`) or a name
/// (`Côtes-d'Armor`), matched against the referential's (code, name) pairs. Sorted, each once.
pub fn parse_departements(
    raw: &str,
    referential: &[(String, String)],
) -> Result<Vec<String>, FieldError> {
    let mut out: Vec<String> = Vec::new();
    for item in raw
        .split([',', ';', '\n'])
        .map(str::trim)
        .filter(|i| !i.is_empty())
    {
        let folded = fold(item);
        let found = referential.iter().find(|(code, name)| {
            code.eq_ignore_ascii_case(item)
                // "01" typed "1".
                || (item.len() == 1 && code.len() == 2 && code.starts_with('0') && code.ends_with(item))
                || fold(name) == folded
        });
        match found {
            Some((code, _)) if !out.contains(code) => out.push(code.clone()),
            Some(_) => {}
            None => {
                return Err(FieldError::new(
                    "territories",
                    "network.departement_unknown",
                ));
            }
        }
    }
    if out.is_empty() {
        return Err(FieldError::new(
            "territories",
            "network.departement_required",
        ));
    }
    if out.len() > DEPARTEMENTS_MAX {
        return Err(FieldError::new(
            "territories",
            "network.departement_too_many",
        ));
    }
    out.sort();
    Ok(out)
}

/// What a list of members is narrowed to: a method, a département.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    /// A method's code.
    pub method: Option<String>,
    /// A département's code.
    pub departement: Option<String>,
}

impl Filter {
    /// The filter of an address's `method` and `departement`, each kept only when it names
    /// a known one (an unknown value narrows nothing).
    pub fn parse(
        method: &str,
        departement: &str,
        methods: &[Method],
        departements: &[(String, String)],
    ) -> Filter {
        let method = method.trim();
        let departement = departement.trim();
        Filter {
            method: methods
                .iter()
                .find(|m| m.code == method)
                .map(|m| m.code.clone()),
            departement: departements
                .iter()
                .find(|(c, _)| c == departement)
                .map(|(c, _)| c.clone()),
        }
    }
    /// The query string of the filter, `method=…&departement=…&` or empty, to which a page
    /// number or a viewport is added.
    pub fn query(&self) -> String {
        query(&[("method", &self.method), ("departement", &self.departement)])
    }
    /// Whether it narrows anything.
    pub fn is_empty(&self) -> bool {
        self.method.is_none() && self.departement.is_none()
    }
}

/// The query string of a list's chosen filters, each `name=value&`, in order; those not chosen
/// left out.
fn query(chosen: &[(&str, &Option<String>)]) -> String {
    chosen
        .iter()
        .filter_map(|(name, value)| {
            let value = value.as_deref()?;
            Some(format!("{name}={}&", kernel::web::percent_encode(value)))
        })
        .collect()
}

/// The vocabulary and referential the model's tests parse against.
#[cfg(test)]
pub(crate) mod fixtures {
    use super::Method;

    /// Methods whose labels are their codes.
    pub fn methods(codes: &[&str]) -> Vec<Method> {
        codes
            .iter()
            .map(|c| Method {
                code: c.to_string(),
                label_fr: c.to_string(),
                label_en: c.to_string(),
            })
            .collect()
    }

    /// Départements: (code, name).
    pub fn departements(known: &[(&str, &str)]) -> Vec<(String, String)> {
        known
            .iter()
            .map(|(c, n)| (c.to_string(), n.to_string()))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn methods() -> Vec<Method> {
        fixtures::methods(&["budget-participatif", "conversation", "debat-public"])
    }

    fn departements() -> Vec<(String, String)> {
        fixtures::departements(&[
            ("01", "Ain"),
            ("22", "Côtes-d'Armor"),
            ("2A", "Corse-du-Sud"),
            ("82", "Tarn-et-Garonne"),
        ])
    }

    fn form(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn parse(pairs: &[(&str, &str)]) -> Result<JoinInput, FieldErrors> {
        JoinInput::parse(&form(pairs).as_slice(), &methods(), &departements())
    }

    #[test]
    fn a_good_request_keeps_the_vocabulary_order_and_sorted_departements() {
        let j = parse(&[
            ("actor", "a1"),
            ("charter", "on"),
            ("methods", "debat-public"),
            ("methods", "budget-participatif"),
            ("territories", "tarn et garonne; 22\n2a, Côtes-d’Armor, 1"),
            ("references", "Budget participatif de Lannion, 2024."),
        ])
        .unwrap();
        assert_eq!(j.actor_id(), "a1");
        assert_eq!(j.methods(), ["budget-participatif", "debat-public"]);
        assert_eq!(j.departements(), ["01", "22", "2A", "82"]);
        assert_eq!(j.references(), "Budget participatif de Lannion, 2024.");
    }

    #[test]
    fn a_bad_request_names_every_field() {
        let e = parse(&[
            ("methods", "tirage-au-sort"),
            ("territories", "22, Atlantide"),
        ])
        .unwrap_err();
        assert_eq!(e.on("actor"), Some("network.actor_required"));
        assert_eq!(e.on("charter"), Some("network.charter_required"));
        assert_eq!(e.on("methods"), Some("network.method_unknown"));
        assert_eq!(e.on("territories"), Some("network.departement_unknown"));
        let e = parse(&[("actor", "a1"), ("charter", "on")]).unwrap_err();
        assert_eq!(e.on("methods"), Some("network.method_required"));
        assert_eq!(e.on("territories"), Some("network.departement_required"));
        assert_eq!(e.on("actor"), None);
        let long = "x".repeat(REFERENCES_MAX + 1);
        let e = parse(&[
            ("actor", "a1"),
            ("charter", "on"),
            ("methods", "conversation"),
            ("territories", "82"),
            ("references", &long),
        ])
        .unwrap_err();
        assert_eq!(e.on("references"), Some("text.too_long"));
    }

    #[test]
    fn names_fold_as_people_type_them() {
        assert_eq!(fold("  Côtes-d'Armor "), "cotes d armor");
        assert_eq!(fold("CÔTES D’ARMOR"), "cotes d armor");
    }

    #[test]
    fn a_filter_keeps_known_values_only() {
        let f = Filter::parse("conversation", "99", &methods(), &departements());
        assert_eq!(f.method.as_deref(), Some("conversation"));
        assert_eq!(f.departement, None);
        assert_eq!(f.query(), "method=conversation&");
        assert!(Filter::default().is_empty());
        assert_eq!(
            MemberState::parse(MemberState::Left.as_str()),
            MemberState::Left
        );
        assert!(MemberState::Refused.may_ask() && !MemberState::Pending.may_ask());
    }
}
