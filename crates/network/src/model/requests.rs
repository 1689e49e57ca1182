//! Requests for support: a commune's space administrator describes a need (methods, a
//! département, wished dates, a budget band), parsed from a form into a valid request or every
//! field's error; the members that could answer it are suggested, ranked by a pure function;
//! members' owners answer privately, parsed here too.

use super::{Member, MemberState, Method};
use kernel::web::FormPairs;
use kernel::{FieldError, FieldErrors, clock, text};

/// The budget bands a request gives (names in the texts, `network.budget_band.{code}`):
/// under 5,000 €, 5,000 to 20,000 €, 20,000 to 50,000 €, over 50,000 €.
pub const BUDGET_BANDS: &[&str] = &["under_5k", "5k_20k", "20k_50k", "over_50k"];

/// Most characters of a request's need.
pub const NEED_MAX: usize = 4000;

/// Most characters of an answer.
pub const ANSWER_MAX: usize = 4000;

/// Most characters of an answer's day rate or estimate.
pub const ESTIMATE_MAX: usize = 200;

/// Where a request for support stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequestState {
    /// Waiting for answers, or for the requester's choice.
    Open,
    /// The requester picked a member's answer.
    Answered,
    /// Closed by the requester.
    Closed,
}

impl RequestState {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            RequestState::Open => "open",
            RequestState::Answered => "answered",
            RequestState::Closed => "closed",
        }
    }
    /// The state of a stored name (anything unknown is closed: nothing more happens to it).
    pub fn parse(s: &str) -> RequestState {
        match s {
            "open" => RequestState::Open,
            "answered" => RequestState::Answered,
            _ => RequestState::Closed,
        }
    }
}

/// A valid request for support (the `SupportRequest` of the glossary, before it is stored):
/// the space it comes from, what is needed, where, when and for how much.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SupportRequestInput {
    /// The space it comes from, one the requester administers (the caller checks that).
    pub space_id: String,
    /// 5 to 160 characters.
    pub title: String,
    /// The need, 1 to 4,000 characters, paragraphs.
    pub need: String,
    /// Codes of the network's methods, in the vocabulary's order, at least one.
    pub methods: Vec<String>,
    /// A département's code of the referential.
    pub departement: String,
    /// The wished start, `YYYY-MM-DD`.
    pub starts_on: String,
    /// The wished end, `YYYY-MM-DD`, not before the start.
    pub ends_on: String,
    /// A code of [`BUDGET_BANDS`].
    pub budget_band: String,
}

impl SupportRequestInput {
    /// Reads the form: `space` (the id of one of the spaces offered), `title`, `need`,
    /// `methods` (repeated, codes of `methods`), `departement` (a code or a name, checked
    /// against `departements`, the referential's (code, name) pairs), `starts_on` and
    /// `ends_on` (HTML `date` values), `budget_band` (a code of [`BUDGET_BANDS`]).
    pub fn parse<'a>(
        form: &impl FormPairs<'a>,
        methods: &[Method],
        departements: &[(String, String)],
    ) -> Result<SupportRequestInput, FieldErrors> {
        let mut errors = FieldErrors::new();
        let space_id = form.get("space").trim().to_string();
        if space_id.is_empty() {
            errors.push(FieldError::new("space", "network.request_space_required"));
        }
        let title = errors.take(text::line(form.get("title"), "title", 5, 160));
        let need = errors.take(
            text::paragraphs(form.get("need"), "need", NEED_MAX).and_then(|s| {
                if s.is_empty() {
                    Err(FieldError::new("need", "text.required"))
                } else {
                    Ok(s)
                }
            }),
        );
        let chosen = form.list("methods");
        if chosen.is_empty() {
            errors.push(FieldError::new("methods", "network.method_required"));
        } else if chosen.iter().any(|c| !methods.iter().any(|m| &m.code == c)) {
            errors.push(FieldError::new("methods", "network.method_unknown"));
        }
        let chosen: Vec<String> = methods
            .iter()
            .filter(|m| chosen.contains(&m.code))
            .map(|m| m.code.clone())
            .collect();
        let departement = errors.take(one_departement(form.get("departement"), departements));
        let starts_on = errors.take(clock::parse_date(form.get("starts_on"), "starts_on"));
        let ends_on = errors.take(clock::parse_date(form.get("ends_on"), "ends_on"));
        if let (Some(a), Some(b)) = (starts_on, ends_on)
            && b < a
        {
            errors.push(FieldError::new("ends_on", "network.request_ends_before"));
        }
        let budget_band = form.get("budget_band").trim().to_string();
        if budget_band.is_empty() {
            errors.push(FieldError::new(
                "budget_band",
                "network.budget_band_required",
            ));
        } else if !BUDGET_BANDS.contains(&budget_band.as_str()) {
            errors.push(FieldError::new(
                "budget_band",
                "network.budget_band_unknown",
            ));
        }
        match (title, need, departement, starts_on, ends_on) {
            (Some(title), Some(need), Some(departement), Some(starts_on), Some(ends_on))
                if errors.is_empty() =>
            {
                Ok(SupportRequestInput {
                    space_id,
                    title,
                    need,
                    methods: chosen,
                    departement,
                    starts_on: starts_on.to_string(),
                    ends_on: ends_on.to_string(),
                    budget_band,
                })
            }
            _ => Err(errors),
        }
    }
}

/// The one département of a field: a code or a name of the referential.
fn one_departement(raw: &str, referential: &[(String, String)]) -> Result<String, FieldError> {
    if raw.contains([',', ';', '\n']) {
        return Err(FieldError::new("departement", "network.departement_one"));
    }
    match super::parse_departements(raw, referential) {
        Ok(mut codes) if codes.len() == 1 => Ok(codes.remove(0)),
        Ok(_) => Err(FieldError::new("departement", "network.departement_one")),
        // The members' parser names its own field.
        Err(e) => Err(FieldError::new("departement", e.code)),
    }
}

/// A member's answer to a request, checked: a text, and optionally a day rate or an estimate,
/// as text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnswerInput {
    /// The member answering (one the answerer owns; the caller checks that).
    pub member_id: String,
    /// 1 to 4,000 characters, paragraphs.
    pub text: String,
    /// A day rate or an estimate, at most 200 characters, may be empty.
    pub estimate: String,
}

impl AnswerInput {
    /// Reads the form: `member`, `text`, `estimate`.
    pub fn parse<'a>(form: &impl FormPairs<'a>) -> Result<AnswerInput, FieldErrors> {
        let mut errors = FieldErrors::new();
        let member_id = form.get("member").trim().to_string();
        if member_id.is_empty() {
            errors.push(FieldError::new("member", "network.answer_member_required"));
        }
        let text = errors.take(
            text::paragraphs(form.get("text"), "text", ANSWER_MAX).and_then(|s| {
                if s.is_empty() {
                    Err(FieldError::new("text", "text.required"))
                } else {
                    Ok(s)
                }
            }),
        );
        let estimate = form.get("estimate").trim();
        if estimate.chars().count() > ESTIMATE_MAX {
            errors.push(FieldError::new("estimate", "text.too_long"));
        }
        match text {
            Some(text) if errors.is_empty() => Ok(AnswerInput {
                member_id,
                text,
                estimate: estimate.to_string(),
            }),
            _ => Err(errors),
        }
    }
}

/// A member suggested for a request: how many of the wanted methods it practises and whether
/// it serves the request's département.
#[derive(Debug, Clone, PartialEq)]
pub struct Suggestion<'m> {
    /// The member.
    pub member: &'m Member,
    /// How many of the wanted methods it practises (at least one).
    pub methods_in_common: usize,
    /// Whether it serves the request's département.
    pub serves_departement: bool,
}

impl Suggestion<'_> {
    /// Whether it matches the request: a method in common and the département served. Its
    /// owners are told of the request.
    pub fn matches(&self) -> bool {
        self.methods_in_common > 0 && self.serves_departement
    }
}

/// The accepted members that practise at least one of the wanted `methods`, ranked by the
/// number of methods in common, then those serving `departement` first, then by their actor's
/// name (and id, so that the order is stable).
pub fn suggest<'m>(
    members: &'m [Member],
    methods: &[String],
    departement: &str,
) -> Vec<Suggestion<'m>> {
    let mut out: Vec<Suggestion<'m>> = members
        .iter()
        .filter(|m| m.state == MemberState::Accepted)
        .map(|m| Suggestion {
            member: m,
            methods_in_common: m.methods.iter().filter(|c| methods.contains(c)).count(),
            serves_departement: m.departements.iter().any(|d| d == departement),
        })
        .filter(|s| s.methods_in_common > 0)
        .collect();
    out.sort_by(|a, b| {
        b.methods_in_common
            .cmp(&a.methods_in_common)
            .then(b.serves_departement.cmp(&a.serves_departement))
            .then_with(|| a.member.actor_name.cmp(&b.member.actor_name))
            .then_with(|| a.member.id.cmp(&b.member.id))
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn methods() -> Vec<Method> {
        crate::model::fixtures::methods(&[
            "assemblee-citoyenne",
            "budget-participatif",
            "conversation",
        ])
    }

    fn departements() -> Vec<(String, String)> {
        crate::model::fixtures::departements(&[
            ("22", "Côtes-d'Armor"),
            ("29", "Finistère"),
            ("2A", "Corse-du-Sud"),
        ])
    }

    fn parse(pairs: &[(&str, &str)]) -> Result<SupportRequestInput, FieldErrors> {
        let form: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        SupportRequestInput::parse(&form.as_slice(), &methods(), &departements())
    }

    fn member(id: &str, name: &str, state: MemberState, m: &[&str], d: &[&str]) -> Member {
        Member {
            id: id.into(),
            actor_id: format!("a-{id}"),
            actor_name: name.into(),
            actor_url: String::new(),
            lat: 0.0,
            lon: 0.0,
            state,
            methods: m.iter().map(|s| s.to_string()).collect(),
            departements: d.iter().map(|s| s.to_string()).collect(),
            references: String::new(),
            charter_accepted_at: 0,
            created_at: 0,
            updated_at: 0,
        }
    }

    #[test]
    fn a_good_request_keeps_the_vocabulary_order_and_one_departement() {
        let r = parse(&[
            ("space", "s1"),
            (
                "title",
                "  Accompagner une assemblée citoyenne sur les mobilités ",
            ),
            ("need", "Tirage au sort, six séances, restitution."),
            ("methods", "conversation"),
            ("methods", "assemblee-citoyenne"),
            ("departement", "côtes d’armor"),
            ("starts_on", "2027-01-15"),
            ("ends_on", "2027-06-30"),
            ("budget_band", "20k_50k"),
        ])
        .unwrap();
        assert_eq!(r.space_id, "s1");
        assert_eq!(
            r.title,
            "Accompagner une assemblée citoyenne sur les mobilités"
        );
        assert_eq!(r.methods, ["assemblee-citoyenne", "conversation"]);
        assert_eq!(r.departement, "22");
        assert_eq!(
            (r.starts_on.as_str(), r.ends_on.as_str()),
            ("2027-01-15", "2027-06-30")
        );
        assert_eq!(r.budget_band, "20k_50k");
    }

    #[test]
    fn a_bad_request_names_every_field() {
        let e = parse(&[
            ("title", "Aide"),
            ("methods", "tirage-au-sort"),
            ("departement", "Atlantide"),
            ("starts_on", "15/01/2027"),
            ("budget_band", "1M"),
        ])
        .unwrap_err();
        assert_eq!(e.on("space"), Some("network.request_space_required"));
        assert_eq!(e.on("title"), Some("text.too_short"));
        assert_eq!(e.on("need"), Some("text.required"));
        assert_eq!(e.on("methods"), Some("network.method_unknown"));
        assert_eq!(e.on("departement"), Some("network.departement_unknown"));
        assert_eq!(e.on("starts_on"), Some("date.format"));
        assert_eq!(e.on("ends_on"), Some("date.format"));
        assert_eq!(e.on("budget_band"), Some("network.budget_band_unknown"));
        let e = parse(&[
            ("space", "s1"),
            ("departement", "22, 29"),
            ("starts_on", "2027-06-30"),
            ("ends_on", "2027-01-15"),
        ])
        .unwrap_err();
        assert_eq!(e.on("space"), None);
        assert_eq!(e.on("methods"), Some("network.method_required"));
        assert_eq!(e.on("departement"), Some("network.departement_one"));
        assert_eq!(e.on("ends_on"), Some("network.request_ends_before"));
        assert_eq!(e.on("budget_band"), Some("network.budget_band_required"));
        let e = parse(&[("departement", "")]).unwrap_err();
        assert_eq!(e.on("departement"), Some("network.departement_required"));
    }

    #[test]
    fn an_answer_needs_a_text_and_a_short_estimate() {
        let read = |pairs: &[(&str, &str)]| {
            let form: Vec<(String, String)> = pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect();
            AnswerInput::parse(&form.as_slice())
        };
        let a = read(&[
            ("member", "m1"),
            ("text", "Nous avons animé trois assemblées."),
            ("estimate", " 750 € HT par jour "),
        ])
        .unwrap();
        assert_eq!(a.estimate, "750 € HT par jour");
        let long = "x".repeat(ESTIMATE_MAX + 1);
        let e = read(&[("estimate", &long)]).unwrap_err();
        assert_eq!(e.on("member"), Some("network.answer_member_required"));
        assert_eq!(e.on("text"), Some("text.required"));
        assert_eq!(e.on("estimate"), Some("text.too_long"));
        assert_eq!(
            RequestState::parse(RequestState::Answered.as_str()),
            RequestState::Answered
        );
    }

    #[test]
    fn suggestions_rank_by_methods_in_common_then_by_the_departement_served() {
        let wanted = vec![
            "assemblee-citoyenne".to_string(),
            "conversation".to_string(),
        ];
        let members = vec![
            member(
                "1",
                "Alpha",
                MemberState::Accepted,
                &["assemblee-citoyenne"],
                &["29"],
            ),
            member(
                "2",
                "Bravo",
                MemberState::Accepted,
                &["assemblee-citoyenne"],
                &["22"],
            ),
            member(
                "3",
                "Charlie",
                MemberState::Accepted,
                &["assemblee-citoyenne", "conversation"],
                &["29"],
            ),
            member(
                "4",
                "Delta",
                MemberState::Accepted,
                &["budget-participatif"],
                &["22"],
            ),
            member(
                "5",
                "Echo",
                MemberState::Pending,
                &["assemblee-citoyenne", "conversation"],
                &["22"],
            ),
            member(
                "6",
                "Foxtrot",
                MemberState::Accepted,
                &["conversation", "assemblee-citoyenne", "budget-participatif"],
                &["22"],
            ),
        ];
        let s = suggest(&members, &wanted, "22");
        let names: Vec<&str> = s.iter().map(|s| s.member.actor_name.as_str()).collect();
        // Two methods in common first (the one serving 22 before the other), then one.
        assert_eq!(names, ["Foxtrot", "Charlie", "Bravo", "Alpha"]);
        assert_eq!(s[0].methods_in_common, 2);
        let matching: Vec<&str> = s
            .iter()
            .filter(|s| s.matches())
            .map(|s| s.member.id.as_str())
            .collect();
        assert_eq!(matching, ["6", "2"], "only members serving 22 are told");
        assert!(suggest(&members, &[], "22").is_empty());
    }
}
