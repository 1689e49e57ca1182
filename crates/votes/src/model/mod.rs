//! Votations and participatory budgets: domain types and the parsing of what administrators
//! type.

use kernel::text;
use kernel::{FieldError, FieldErrors};

/// What is put to the vote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A votation: one or more questions.
    Votation,
    /// A participatory budget: projects with costs, one basket per voter.
    Budget,
}

impl Kind {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Votation => "votation",
            Kind::Budget => "budget",
        }
    }
    /// The kind of a stored name.
    pub fn parse(s: &str) -> Option<Kind> {
        match s {
            "votation" => Some(Kind::Votation),
            "budget" => Some(Kind::Budget),
            _ => None,
        }
    }
}

/// Who may vote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Eligibility {
    /// Anyone with a confirmed account, once.
    Accounts,
    /// Residents on the census list, proving it with their identifier and birth date.
    Census,
    /// Holders of a one-time invitation code, without an account.
    Codes,
}

impl Eligibility {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Eligibility::Accounts => "accounts",
            Eligibility::Census => "census",
            Eligibility::Codes => "codes",
        }
    }
    /// The eligibility of a stored name.
    pub fn parse(s: &str) -> Option<Eligibility> {
        match s {
            "accounts" => Some(Eligibility::Accounts),
            "census" => Some(Eligibility::Census),
            "codes" => Some(Eligibility::Codes),
            _ => None,
        }
    }
}

/// How a question is answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Method {
    /// Exactly one option.
    Single,
    /// Between `min` and `max` options (approval).
    Approval {
        /// Fewest options.
        min: usize,
        /// Most options.
        max: usize,
    },
    /// A grade for every option (majority judgment); the grades, best first.
    Judgment {
        /// The scale, best first.
        grades: Vec<String>,
    },
    /// A basket of projects (the one question of a participatory budget).
    Basket,
}

impl Method {
    /// The stored name.
    pub fn as_str(&self) -> &'static str {
        match self {
            Method::Single => "single",
            Method::Approval { .. } => "approval",
            Method::Judgment { .. } => "judgment",
            Method::Basket => "basket",
        }
    }
}

/// The seven mentions of the French majority-judgment scale, best first.
pub const FRENCH_MENTIONS: [&str; 7] = [
    "Excellent",
    "Très bien",
    "Bien",
    "Assez bien",
    "Passable",
    "Insuffisant",
    "À rejeter",
];

/// How many projects a basket may hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BasketLimit {
    /// Any number whose total cost fits the budget.
    Fits,
    /// At most this many projects.
    AtMost(usize),
}

/// The rule that turns baskets into funded projects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    /// Most approvals first, skipping what no longer fits.
    Greedy,
    /// The Method of Equal Shares, completed by raising the voters' budget, then greedily.
    EqualShares,
}

/// The settings of a participatory budget.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BudgetSettings {
    /// The total budget, in euros.
    pub total: i64,
    /// What a basket may hold.
    pub limit: BasketLimit,
    /// The allocation rule.
    pub rule: Rule,
    /// Satisfaction for the equal shares: by cost (true) or one per project (false).
    pub by_cost: bool,
}

/// An option of a question, or a project of a budget.
#[derive(Debug, Clone)]
pub struct VoteOption {
    /// Opaque id.
    pub id: String,
    /// Title.
    pub title: String,
    /// Description.
    pub description: String,
    /// Cost in euros (projects only; 0 otherwise).
    pub cost: i64,
    /// Area of the territory (projects only; may be empty).
    pub area: String,
    /// Its picture (an upload's name).
    pub image: Option<String>,
    /// Where it is (projects only).
    pub position: Option<kernel::geo::Position>,
}

impl VoteOption {
    /// A link to its place on OpenStreetMap.
    pub fn map_url(&self) -> Option<String> {
        self.position.map(|p| {
            format!(
                "https://www.openstreetmap.org/?mlat={:.6}&mlon={:.6}#map=17/{:.6}/{:.6}",
                p.lat, p.lon, p.lat, p.lon
            )
        })
    }
}

/// The details of an option or project, edited one by one: description, picture, place.
#[derive(Debug, Clone, Default)]
pub struct OptionDetailsFields {
    /// Description.
    pub description: String,
    /// Latitude (projects), may be empty.
    pub lat: String,
    /// Longitude (projects), may be empty.
    pub lon: String,
}

/// Valid details of an option.
#[derive(Debug, Clone)]
pub struct OptionDetails {
    /// Description.
    pub description: String,
    /// Place, when both coordinates were given.
    pub position: Option<kernel::geo::Position>,
}

impl OptionDetailsFields {
    /// Parses the details; a place needs both coordinates.
    pub fn parse(&self) -> Result<OptionDetails, FieldErrors> {
        let mut errors = FieldErrors::new();
        let description = errors.take(text::paragraphs(&self.description, "description", 4_000));
        let position = match (self.lat.trim().is_empty(), self.lon.trim().is_empty()) {
            (true, true) => None,
            _ => errors.take(kernel::geo::Position::parse(&self.lat, &self.lon)),
        };
        match description {
            Some(description) if errors.is_empty() => Ok(OptionDetails {
                description,
                position,
            }),
            _ => Err(errors),
        }
    }
}

/// A question with its options, in order.
#[derive(Debug, Clone)]
pub struct Question {
    /// Opaque id.
    pub id: String,
    /// The question.
    pub title: String,
    /// How it is answered.
    pub method: Method,
    /// Its options.
    pub options: Vec<VoteOption>,
}

/// Where a vote stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Not open yet: the administrators may still change it.
    Upcoming,
    /// Ballots are accepted.
    Open,
    /// Closed: the results, trackers and ballots are public.
    Closed,
}

/// A votation or a participatory budget, with its questions.
#[derive(Debug, Clone)]
pub struct Votation {
    /// Opaque id.
    pub id: String,
    /// The process it belongs to.
    pub process_id: String,
    /// Votation or budget.
    pub kind: Kind,
    /// Title.
    pub title: String,
    /// Description.
    pub description: String,
    /// Opening (UTC ms).
    pub opens_at: i64,
    /// Closing as planned (UTC ms).
    pub closes_at: i64,
    /// Closing when the administrators closed it early.
    pub closed_at: Option<i64>,
    /// Who may vote.
    pub eligibility: Eligibility,
    /// Minimum age on the closing day (census only).
    pub min_age: Option<i32>,
    /// Salt of the census hashes.
    pub salt: String,
    /// Whether its closed ballot box was sealed (see `store::seal`).
    pub sealed: bool,
    /// The budget's settings (budgets only).
    pub budget: Option<BudgetSettings>,
    /// The questions, in order (a budget has one, of method [`Method::Basket`]).
    pub questions: Vec<Question>,
    /// A draft (seen by those who prepare it only) or published.
    pub publication: kernel::publication::Publication,
}

impl Votation {
    /// When ballots stop being accepted.
    pub fn closing(&self) -> i64 {
        self.closed_at
            .map_or(self.closes_at, |c| c.min(self.closes_at))
    }
    /// The phase at `now`.
    pub fn phase(&self, now: i64) -> Phase {
        if now >= self.closing() {
            Phase::Closed
        } else if now >= self.opens_at {
            Phase::Open
        } else {
            Phase::Upcoming
        }
    }
    /// Whether it can be voted on: it has questions and every question has options.
    pub fn is_complete(&self) -> bool {
        !self.questions.is_empty()
            && self.questions.iter().all(|q| match q.method {
                Method::Basket => !q.options.is_empty(),
                _ => q.options.len() >= 2,
            })
    }
}

/// A valid votation or budget submission.
#[derive(Debug, Clone)]
pub struct VotationInput {
    /// Votation or budget.
    pub kind: Kind,
    /// Title.
    pub title: String,
    /// Description.
    pub description: String,
    /// Opening.
    pub opens_at: i64,
    /// Closing.
    pub closes_at: i64,
    /// Who may vote.
    pub eligibility: Eligibility,
    /// Minimum age (census only).
    pub min_age: Option<i32>,
    /// Budget settings.
    pub budget: Option<BudgetSettings>,
}

/// The raw fields of the votation form.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct VotationFields {
    /// `votation` or `budget`.
    #[serde(default)]
    pub kind: String,
    /// Title.
    #[serde(default)]
    pub title: String,
    /// Description.
    #[serde(default)]
    pub description: String,
    /// Opening, `YYYY-MM-DDTHH:MM` Paris time.
    #[serde(default)]
    pub opens_at: String,
    /// Closing.
    #[serde(default)]
    pub closes_at: String,
    /// `accounts`, `census` or `codes`.
    #[serde(default)]
    pub eligibility: String,
    /// Minimum age, may be empty.
    #[serde(default)]
    pub min_age: String,
    /// Total budget in euros.
    #[serde(default)]
    pub budget: String,
    /// `fits` or `at_most`.
    #[serde(default)]
    pub basket: String,
    /// Most projects per basket.
    #[serde(default)]
    pub max_projects: String,
    /// `greedy` or `equal_shares`.
    #[serde(default)]
    pub rule: String,
    /// `cost` or `cardinality`.
    #[serde(default)]
    pub satisfaction: String,
}

fn whole_number(raw: &str, field: &'static str, min: i64, max: i64) -> Result<i64, FieldError> {
    let digits: String = raw
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '\u{202f}')
        .collect();
    match digits.parse::<i64>() {
        Ok(n) if (min..=max).contains(&n) => Ok(n),
        Ok(_) => Err(FieldError::new(field, "number.range")),
        Err(_) if digits.is_empty() => Err(FieldError::new(field, "text.required")),
        Err(_) => Err(FieldError::new(field, "number.format")),
    }
}

impl VotationFields {
    /// The fields of a vote, to change it.
    pub fn of(v: &Votation) -> Self {
        let b = v.budget;
        VotationFields {
            kind: v.kind.as_str().into(),
            title: v.title.clone(),
            description: v.description.clone(),
            opens_at: kernel::clock::form_value(v.opens_at),
            closes_at: kernel::clock::form_value(v.closes_at),
            eligibility: v.eligibility.as_str().into(),
            min_age: v.min_age.map(|a| a.to_string()).unwrap_or_default(),
            budget: b.map(|b| b.total.to_string()).unwrap_or_default(),
            basket: match b.map(|b| b.limit) {
                Some(BasketLimit::AtMost(_)) => "at_most".into(),
                _ => "fits".into(),
            },
            max_projects: match b.map(|b| b.limit) {
                Some(BasketLimit::AtMost(k)) => k.to_string(),
                _ => String::new(),
            },
            rule: match b.map(|b| b.rule) {
                Some(Rule::Greedy) => "greedy".into(),
                _ => "equal_shares".into(),
            },
            satisfaction: if b.is_some_and(|b| !b.by_cost) {
                "cardinality".into()
            } else {
                "cost".into()
            },
        }
    }

    /// Parses a change of a vote that has not opened: as [`parse`](Self::parse), and it must
    /// not open in the past either (opening is the "open now" button's, once the vote is
    /// complete).
    pub fn parse_change(&self, now: i64) -> Result<VotationInput, FieldErrors> {
        let opens_past =
            kernel::clock::parse_local(&self.opens_at, "opens_at").is_ok_and(|o| o <= now);
        match (self.parse(now), opens_past) {
            (Ok(input), false) => Ok(input),
            (result, _) => {
                let mut errors = result.err().unwrap_or_default();
                if opens_past {
                    errors.push(FieldError::new("opens_at", "vote.opens_in_past"));
                }
                Err(errors)
            }
        }
    }

    /// Parses every field, collecting all errors. `now` is when it is submitted: a vote cannot
    /// close in the past.
    pub fn parse(&self, now: i64) -> Result<VotationInput, FieldErrors> {
        let mut errors = FieldErrors::new();
        let kind = Kind::parse(&self.kind);
        if kind.is_none() {
            errors.push(FieldError::new("kind", "vote.kind"));
        }
        let title = errors.take(text::line(&self.title, "title", 3, 140));
        let description = errors.take(text::paragraphs(&self.description, "description", 10_000));
        let opens_at = errors.take(kernel::clock::parse_local(&self.opens_at, "opens_at"));
        let closes_at = errors.take(kernel::clock::parse_local(&self.closes_at, "closes_at"));
        if let (Some(o), Some(c)) = (opens_at, closes_at) {
            if c <= o {
                errors.push(FieldError::new("closes_at", "vote.closes_before_opening"));
            } else if c <= now {
                errors.push(FieldError::new("closes_at", "vote.closes_in_past"));
            }
        }
        let eligibility = Eligibility::parse(&self.eligibility);
        if eligibility.is_none() {
            errors.push(FieldError::new("eligibility", "vote.eligibility"));
        }
        let min_age = if self.min_age.trim().is_empty() {
            None
        } else {
            let age = errors.take(whole_number(&self.min_age, "min_age", 1, 120).map(|n| n as i32));
            // Only the census knows birth dates.
            if age.is_some() && eligibility != Some(Eligibility::Census) {
                errors.push(FieldError::new("min_age", "vote.age_needs_census"));
            }
            age
        };
        let budget = if kind == Some(Kind::Budget) {
            let total = errors.take(whole_number(&self.budget, "budget", 1, 1_000_000_000_000));
            let limit = match self.basket.as_str() {
                "at_most" => errors
                    .take(whole_number(&self.max_projects, "max_projects", 1, 1000))
                    .map(|k| BasketLimit::AtMost(k as usize)),
                "fits" | "" => Some(BasketLimit::Fits),
                _ => {
                    errors.push(FieldError::new("basket", "vote.basket"));
                    None
                }
            };
            let rule = match self.rule.as_str() {
                "greedy" => Some(Rule::Greedy),
                "equal_shares" | "" => Some(Rule::EqualShares),
                _ => {
                    errors.push(FieldError::new("rule", "vote.rule"));
                    None
                }
            };
            let by_cost = match self.satisfaction.as_str() {
                "cost" | "" => Some(true),
                "cardinality" => Some(false),
                _ => {
                    errors.push(FieldError::new("satisfaction", "vote.satisfaction"));
                    None
                }
            };
            match (total, limit, rule, by_cost) {
                (Some(total), Some(limit), Some(rule), Some(by_cost)) => Some(BudgetSettings {
                    total,
                    limit,
                    rule,
                    by_cost,
                }),
                _ => None,
            }
        } else {
            None
        };
        match (kind, title, description, opens_at, closes_at, eligibility) {
            (
                Some(kind),
                Some(title),
                Some(description),
                Some(opens_at),
                Some(closes_at),
                Some(eligibility),
            ) if errors.is_empty() => Ok(VotationInput {
                kind,
                title,
                description,
                opens_at,
                closes_at,
                eligibility,
                min_age,
                budget,
            }),
            _ => Err(errors),
        }
    }
}

/// A valid question submission.
#[derive(Debug, Clone)]
pub struct QuestionInput {
    /// The question.
    pub title: String,
    /// How it is answered.
    pub method: Method,
    /// Its options' titles.
    pub options: Vec<String>,
}

/// The raw fields of the question form.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct QuestionFields {
    /// The question.
    #[serde(default)]
    pub title: String,
    /// `single`, `approval` or `judgment`.
    #[serde(default)]
    pub method: String,
    /// Options, one per line.
    #[serde(default)]
    pub options: String,
    /// Fewest choices (approval).
    #[serde(default)]
    pub min_choices: String,
    /// Most choices (approval).
    #[serde(default)]
    pub max_choices: String,
    /// Grades, best first, one per line (judgment); empty for the French mentions.
    #[serde(default)]
    pub grades: String,
}

fn lines(raw: &str) -> Vec<&str> {
    raw.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect()
}

/// Most options of a question.
pub const MAX_OPTIONS: usize = 50;

impl QuestionFields {
    /// The fields of a question, to change it.
    pub fn of(q: &Question) -> Self {
        let (min, max, grades) = match &q.method {
            Method::Approval { min, max } => (min.to_string(), max.to_string(), String::new()),
            Method::Judgment { grades } => (String::new(), String::new(), grades.join("\n")),
            Method::Single | Method::Basket => (String::new(), String::new(), String::new()),
        };
        QuestionFields {
            title: q.title.clone(),
            method: q.method.as_str().into(),
            options: q
                .options
                .iter()
                .map(|o| o.title.as_str())
                .collect::<Vec<_>>()
                .join("\n"),
            min_choices: min,
            max_choices: max,
            grades,
        }
    }

    /// Parses every field, collecting all errors.
    pub fn parse(&self) -> Result<QuestionInput, FieldErrors> {
        let mut errors = FieldErrors::new();
        let title = errors.take(text::line(&self.title, "title", 3, 300));
        let mut options = Vec::new();
        for l in lines(&self.options) {
            match text::line(l, "options", 1, 200) {
                Ok(o) if options.contains(&o) => {
                    errors.push(FieldError::new("options", "vote.option_twice"));
                }
                Ok(o) => options.push(o),
                Err(e) => errors.push(e),
            }
        }
        if !(2..=MAX_OPTIONS).contains(&options.len()) {
            errors.push(FieldError::new("options", "vote.options_count"));
        }
        let method = match self.method.as_str() {
            "single" => Some(Method::Single),
            "approval" => {
                let n = options.len().max(1) as i64;
                let min = if self.min_choices.trim().is_empty() {
                    Some(1)
                } else {
                    errors.take(whole_number(&self.min_choices, "min_choices", 0, n))
                };
                let max = if self.max_choices.trim().is_empty() {
                    Some(n)
                } else {
                    errors.take(whole_number(&self.max_choices, "max_choices", 1, n))
                };
                match (min, max) {
                    (Some(min), Some(max)) if min <= max => Some(Method::Approval {
                        min: min as usize,
                        max: max as usize,
                    }),
                    (Some(_), Some(_)) => {
                        errors.push(FieldError::new("max_choices", "vote.max_below_min"));
                        None
                    }
                    _ => None,
                }
            }
            "judgment" => {
                let given = lines(&self.grades);
                let grades: Vec<String> = if given.is_empty() {
                    FRENCH_MENTIONS.iter().map(|g| g.to_string()).collect()
                } else {
                    given.iter().map(|g| g.to_string()).collect()
                };
                let distinct: std::collections::HashSet<_> = grades.iter().collect();
                if !(2..=10).contains(&grades.len())
                    || distinct.len() != grades.len()
                    || grades.iter().any(|g| g.chars().count() > 40)
                {
                    errors.push(FieldError::new("grades", "vote.grades"));
                    None
                } else {
                    Some(Method::Judgment { grades })
                }
            }
            _ => {
                errors.push(FieldError::new("method", "vote.method"));
                None
            }
        };
        match (title, method) {
            (Some(title), Some(method)) if errors.is_empty() => Ok(QuestionInput {
                title,
                method,
                options,
            }),
            _ => Err(errors),
        }
    }
}

/// A valid project submission.
#[derive(Debug, Clone)]
pub struct ProjectInput {
    /// Title.
    pub title: String,
    /// Description.
    pub description: String,
    /// Cost in euros.
    pub cost: i64,
    /// Area of the territory.
    pub area: String,
}

/// The raw fields of the project form.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct ProjectFields {
    /// Title.
    #[serde(default)]
    pub title: String,
    /// Description.
    #[serde(default)]
    pub description: String,
    /// Cost in euros.
    #[serde(default)]
    pub cost: String,
    /// Area.
    #[serde(default)]
    pub area: String,
}

impl ProjectFields {
    /// The fields of a project, to change it.
    pub fn of(o: &VoteOption) -> Self {
        ProjectFields {
            title: o.title.clone(),
            description: o.description.clone(),
            cost: o.cost.to_string(),
            area: o.area.clone(),
        }
    }

    /// Parses every field against the budget's total.
    pub fn parse(&self, total: i64) -> Result<ProjectInput, FieldErrors> {
        let mut errors = FieldErrors::new();
        let title = errors.take(text::line(&self.title, "title", 3, 200));
        let description = errors.take(text::paragraphs(&self.description, "description", 4_000));
        let cost = errors.take(whole_number(&self.cost, "cost", 1, total).map_err(|e| {
            if e.code == "number.range" {
                FieldError::new("cost", "vote.cost_over_budget")
            } else {
                e
            }
        }));
        let area = if self.area.trim().is_empty() {
            Some(String::new())
        } else {
            errors.take(text::line(&self.area, "area", 1, 120))
        };
        match (title, description, cost, area) {
            (Some(title), Some(description), Some(cost), Some(area)) if errors.is_empty() => {
                Ok(ProjectInput {
                    title,
                    description,
                    cost,
                    area,
                })
            }
            _ => Err(errors),
        }
    }
}

#[cfg(test)]
mod tests;
