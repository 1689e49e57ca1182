//! Ballots: read from a form, checked against the vote, and kept as a short text that names no
//! one.

use crate::model::{BasketLimit, Method, Votation};
use kernel::{FieldError, FieldErrors};

/// Most questions of a votation: each has a fixed form field name (`q1`…`q20`), which field
/// errors point to.
pub const MAX_QUESTIONS: usize = 20;

const FIELDS: [&str; MAX_QUESTIONS] = [
    "q1", "q2", "q3", "q4", "q5", "q6", "q7", "q8", "q9", "q10", "q11", "q12", "q13", "q14", "q15",
    "q16", "q17", "q18", "q19", "q20",
];

/// The form field of the question at `index`.
pub fn field(index: usize) -> &'static str {
    FIELDS.get(index).copied().unwrap_or("ballot")
}

/// A ballot's mark on one question: the options chosen, or the grade given to each (not an
/// `Answer`, which is a space's official answer to a contribution).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mark {
    /// The chosen options, by index, increasing.
    Choices(Vec<usize>),
    /// The grade of every option, by option index; 0 is the worst grade.
    Grades(Vec<usize>),
}

/// A ballot: one mark per question, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ballot(pub Vec<Mark>);

impl Ballot {
    /// Reads a ballot from form pairs: `q1=<option id>` (repeated for several choices), and for
    /// a majority judgment `q1-<option id>=<grade position, 0 = best>`. Every problem of every
    /// question is reported.
    pub fn parse(v: &Votation, pairs: &[(String, String)]) -> Result<Ballot, FieldErrors> {
        let mut errors = FieldErrors::new();
        let mut marks = Vec::with_capacity(v.questions.len());
        for (qi, q) in v.questions.iter().enumerate() {
            let name = field(qi);
            match &q.method {
                Method::Judgment { grades } => {
                    let mut given = vec![None; q.options.len()];
                    for (k, value) in pairs {
                        let Some(oid) = k.strip_prefix(name).and_then(|r| r.strip_prefix('-'))
                        else {
                            continue;
                        };
                        let Some(oi) = q.options.iter().position(|o| o.id == oid) else {
                            errors.push(FieldError::new(name, "vote.unknown_option"));
                            continue;
                        };
                        match value.trim().parse::<usize>() {
                            Ok(pos) if pos < grades.len() => {
                                given[oi] = Some(grades.len() - 1 - pos)
                            }
                            _ => errors.push(FieldError::new(name, "vote.grade_off_scale")),
                        }
                    }
                    if given.iter().any(Option::is_none) {
                        errors.push(FieldError::new(name, "vote.grade_missing"));
                    } else {
                        marks.push(Mark::Grades(given.into_iter().flatten().collect()));
                    }
                }
                method => {
                    let mut chosen = Vec::new();
                    for (_, value) in pairs.iter().filter(|(k, _)| k == name) {
                        match q.options.iter().position(|o| o.id == *value) {
                            Some(oi) if !chosen.contains(&oi) => chosen.push(oi),
                            Some(_) => {}
                            None => errors.push(FieldError::new(name, "vote.unknown_option")),
                        }
                    }
                    chosen.sort_unstable();
                    let problem = match method {
                        Method::Single if chosen.len() != 1 => Some("vote.choose_one"),
                        Method::Approval { min, .. } if chosen.len() < *min => Some("vote.too_few"),
                        Method::Approval { max, .. } if chosen.len() > *max => {
                            Some("vote.too_many")
                        }
                        Method::Basket => basket_problem(v, &chosen, &q.options),
                        _ => None,
                    };
                    match problem {
                        Some(code) => errors.push(FieldError::new(name, code)),
                        None => marks.push(Mark::Choices(chosen)),
                    }
                }
            }
        }
        if errors.is_empty() {
            Ok(Ballot(marks))
        } else {
            Err(errors)
        }
    }

    /// The ballot as stored and published: marks separated by `;`, option indexes (or grades
    /// in option order) by `,`.
    pub fn encode(&self) -> String {
        self.0
            .iter()
            .map(|a| {
                let (Mark::Choices(xs) | Mark::Grades(xs)) = a;
                xs.iter()
                    .map(usize::to_string)
                    .collect::<Vec<_>>()
                    .join(",")
            })
            .collect::<Vec<_>>()
            .join(";")
    }

    /// A stored ballot, read back against its vote; `None` when it does not fit (which the
    /// platform never stores).
    pub fn decode(v: &Votation, text: &str) -> Option<Ballot> {
        let parts: Vec<&str> = text.split(';').collect();
        if parts.len() != v.questions.len() {
            return None;
        }
        let mut marks = Vec::with_capacity(parts.len());
        for (q, part) in v.questions.iter().zip(parts) {
            let xs: Vec<usize> = if part.is_empty() {
                Vec::new()
            } else {
                part.split(',')
                    .map(|x| x.parse().ok())
                    .collect::<Option<_>>()?
            };
            marks.push(match &q.method {
                Method::Judgment { grades } => {
                    if xs.len() != q.options.len() || xs.iter().any(|g| *g >= grades.len()) {
                        return None;
                    }
                    Mark::Grades(xs)
                }
                _ => {
                    if xs.iter().any(|o| *o >= q.options.len()) {
                        return None;
                    }
                    Mark::Choices(xs)
                }
            });
        }
        Some(Ballot(marks))
    }
}

fn basket_problem(
    v: &Votation,
    chosen: &[usize],
    projects: &[crate::model::VoteOption],
) -> Option<&'static str> {
    let settings = v.budget?;
    if chosen.is_empty() {
        return Some("vote.empty_basket");
    }
    match settings.limit {
        BasketLimit::Fits => {
            let total: i64 = chosen.iter().map(|i| projects[*i].cost).sum();
            (total > settings.total).then_some("vote.over_budget")
        }
        BasketLimit::AtMost(k) => (chosen.len() > k).then_some("vote.too_many_projects"),
    }
}

/// How a voter proves they may vote, besides their account.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct Identity {
    /// The census identifier (census eligibility).
    #[serde(default)]
    pub identifier: String,
    /// The birth date `YYYY-MM-DD` (census eligibility).
    #[serde(default)]
    pub birth_date: String,
    /// The invitation code (codes eligibility).
    #[serde(default)]
    pub code: String,
}

impl Identity {
    /// Reads the identity fields from form pairs.
    pub fn from_pairs(pairs: &[(String, String)]) -> Identity {
        let get = |name: &str| {
            pairs
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
                .unwrap_or_default()
        };
        Identity {
            identifier: get("identifier"),
            birth_date: get("birth_date"),
            code: get("code"),
        }
    }
}

/// A census identifier as compared: letters and digits only, upper case, so that
/// "ab 12-34" and "AB1234" are the same person.
pub fn normalize_identifier(raw: &str) -> String {
    raw.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_uppercase)
        .collect()
}

/// An invitation code as compared: its 16 letters and digits, lower case, without the dashes
/// it is printed with.
pub fn normalize_code(raw: &str) -> String {
    raw.chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// What the census keeps of a resident: a salted hash of identifier and birth date.
pub fn census_hash(salt: &str, identifier: &str, birth_date: &time::Date) -> String {
    kernel::ids::sha256_hex(
        format!(
            "{salt}\u{1f}{}\u{1f}{birth_date}",
            normalize_identifier(identifier)
        )
        .as_bytes(),
    )
}

/// Groups a code or tracker by four for reading: `abcd-efgh-ijkm-npqr`.
pub fn grouped(s: &str) -> String {
    s.as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join("-")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::*;

    fn option(id: &str, cost: i64) -> VoteOption {
        VoteOption {
            id: id.into(),
            title: id.to_uppercase(),
            description: String::new(),
            cost,
            area: String::new(),
            image: None,
            position: None,
        }
    }

    fn votation(questions: Vec<Question>, budget: Option<BudgetSettings>) -> Votation {
        Votation {
            id: "v".into(),
            process_id: "p".into(),
            kind: if budget.is_some() {
                Kind::Budget
            } else {
                Kind::Votation
            },
            title: "T".into(),
            description: String::new(),
            opens_at: 0,
            closes_at: 10,
            closed_at: None,
            eligibility: Eligibility::Accounts,
            min_age: None,
            salt: "s".into(),
            sealed: false,
            publication: kernel::publication::Publication::Published(0),
            budget,
            questions,
        }
    }

    fn pairs(p: &[(&str, &str)]) -> Vec<(String, String)> {
        p.iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    }

    fn mixed() -> Votation {
        votation(
            vec![
                Question {
                    id: "q".into(),
                    title: "Single".into(),
                    method: Method::Single,
                    options: vec![option("a", 0), option("b", 0)],
                },
                Question {
                    id: "r".into(),
                    title: "Approval".into(),
                    method: Method::Approval { min: 1, max: 2 },
                    options: vec![option("c", 0), option("d", 0), option("e", 0)],
                },
                Question {
                    id: "s".into(),
                    title: "Judgment".into(),
                    method: Method::Judgment {
                        grades: vec!["Bien".into(), "Passable".into(), "À rejeter".into()],
                    },
                    options: vec![option("f", 0), option("g", 0)],
                },
            ],
            None,
        )
    }

    #[test]
    fn a_complete_ballot_round_trips_through_its_text() {
        let v = mixed();
        let b = Ballot::parse(
            &v,
            &pairs(&[
                ("q1", "b"),
                ("q2", "e"),
                ("q2", "c"),
                ("q3-f", "0"),
                ("q3-g", "2"),
            ]),
        )
        .unwrap();
        // Grades are kept worst first: "Bien" (position 0) is grade 2.
        assert_eq!(
            b,
            Ballot(vec![
                Mark::Choices(vec![1]),
                Mark::Choices(vec![0, 2]),
                Mark::Grades(vec![2, 0])
            ])
        );
        assert_eq!(b.encode(), "1;0,2;2,0");
        assert_eq!(Ballot::decode(&v, "1;0,2;2,0"), Some(b));
        assert_eq!(Ballot::decode(&v, "1;0,2;3,0"), None);
        assert_eq!(Ballot::decode(&v, "1;0,2"), None);
    }

    #[test]
    fn every_problem_of_a_ballot_is_reported() {
        let v = mixed();
        let e = Ballot::parse(
            &v,
            &pairs(&[("q1", "a"), ("q1", "b"), ("q2", "zz"), ("q3-f", "7")]),
        )
        .unwrap_err();
        assert_eq!(e.on("q1"), Some("vote.choose_one"));
        assert_eq!(e.on("q2"), Some("vote.unknown_option"));
        assert_eq!(e.on("q3"), Some("vote.grade_off_scale"));
        let e = Ballot::parse(
            &v,
            &pairs(&[
                ("q1", "a"),
                ("q2", "c"),
                ("q2", "d"),
                ("q2", "e"),
                ("q3-f", "1"),
            ]),
        )
        .unwrap_err();
        assert_eq!(e.on("q2"), Some("vote.too_many"));
        assert_eq!(e.on("q3"), Some("vote.grade_missing"));
    }

    #[test]
    fn a_basket_must_fit_the_budget_or_the_count() {
        let projects = vec![option("a", 300), option("b", 500), option("c", 400)];
        let q = Question {
            id: "q".into(),
            title: "Budget".into(),
            method: Method::Basket,
            options: projects,
        };
        let mut settings = BudgetSettings {
            total: 800,
            limit: BasketLimit::Fits,
            rule: Rule::Greedy,
            by_cost: true,
        };
        let v = votation(vec![q.clone()], Some(settings));
        assert!(Ballot::parse(&v, &pairs(&[("q1", "a"), ("q1", "b")])).is_ok());
        let e = Ballot::parse(&v, &pairs(&[("q1", "b"), ("q1", "c")])).unwrap_err();
        assert_eq!(e.on("q1"), Some("vote.over_budget"));
        assert_eq!(
            Ballot::parse(&v, &[]).unwrap_err().on("q1"),
            Some("vote.empty_basket")
        );
        settings.limit = BasketLimit::AtMost(1);
        let v = votation(vec![q], Some(settings));
        let e = Ballot::parse(&v, &pairs(&[("q1", "a"), ("q1", "c")])).unwrap_err();
        assert_eq!(e.on("q1"), Some("vote.too_many_projects"));
    }

    #[test]
    fn identities_compare_loosely_but_hash_exactly() {
        assert_eq!(normalize_identifier(" ab 12-34 "), "AB1234");
        assert_eq!(normalize_code("ABCD-efgh-ijkm-npqr"), "abcdefghijkmnpqr");
        let d = kernel::clock::parse_date("1990-05-04", "b").unwrap();
        assert_eq!(
            census_hash("s", "ab1234", &d),
            census_hash("s", "AB 12 34", &d)
        );
        assert_ne!(
            census_hash("s", "ab1234", &d),
            census_hash("t", "ab1234", &d)
        );
        assert_eq!(grouped("abcdefgh"), "abcd-efgh");
    }
}
