//! Open-innovation challenges (appels à solutions): the need a space publishes with its
//! weighted evaluation criteria and evaluators, the responses members of directory actors send,
//! and the evaluators' grades, each parsed from a form into a valid value or every field's
//! error.

use kernel::uploads::Attachment;
use kernel::web::FormPairs;
use kernel::{FieldError, FieldErrors, text};

/// Price bands of a response, in euros (the budget bands of the library).
pub const PRICES: &[&str] = library::model::BUDGETS;

/// Highest grade of a criterion; grades go from 0.
pub const GRADE_MAX: i64 = 10;

/// Most criteria of a challenge.
pub const MAX_CRITERIA: usize = 10;

/// One evaluation criterion and its weight (percent).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Criterion {
    /// What is judged.
    pub name: String,
    /// Its weight; the weights of a challenge sum to 100.
    pub weight: i64,
}

/// A valid challenge.
#[derive(Debug, Clone, PartialEq)]
pub struct ChallengeInput {
    /// 5 to 160 characters.
    pub title: String,
    /// The need, Markdown subset.
    pub need: String,
    /// Context, Markdown subset.
    pub context: String,
    /// Themes of the directory's taxonomy, at least one.
    pub themes: Vec<String>,
    /// The results expected, Markdown subset.
    pub expected: String,
    /// A budget band of [`PRICES`], or empty.
    pub budget: String,
    /// Responses are taken until then (ms).
    pub deadline: i64,
    /// The criteria, their weights summing to 100.
    pub criteria: Vec<Criterion>,
    /// The evaluators' account ids.
    pub evaluators: Vec<String>,
    /// Where the solutions are wanted, `kind/code` of the referential, or empty: the actors
    /// suggested are those there (or with offers deployed there).
    pub area: String,
    /// Attached documents and images.
    pub attachments: Vec<Attachment>,
}

/// The raw fields of a form.
pub struct Fields<'a>(pub &'a [(String, String)]);

impl<'a> FormPairs<'a> for Fields<'a> {
    fn pairs(&self) -> &'a [(String, String)] {
        self.0
    }
}

impl<'a> Fields<'a> {}

/// Parses criteria typed one per line as `name ; weight`.
pub fn parse_criteria(raw: &str) -> Result<Vec<Criterion>, FieldError> {
    let mut out = Vec::new();
    for line in raw.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let (name, weight) = line
            .rsplit_once(';')
            .ok_or_else(|| FieldError::new("criteria", "challenge.criterion_format"))?;
        let name = name.trim();
        let weight: i64 = weight
            .trim()
            .trim_end_matches('%')
            .trim()
            .parse()
            .map_err(|_| FieldError::new("criteria", "challenge.criterion_format"))?;
        if name.chars().count() < 2 || name.chars().count() > 120 || !(1..=100).contains(&weight) {
            return Err(FieldError::new("criteria", "challenge.criterion_format"));
        }
        out.push(Criterion {
            name: name.to_string(),
            weight,
        });
    }
    if out.is_empty() || out.len() > MAX_CRITERIA {
        return Err(FieldError::new("criteria", "challenge.criteria_count"));
    }
    if out.iter().map(|c| c.weight).sum::<i64>() != 100 {
        return Err(FieldError::new("criteria", "challenge.weights"));
    }
    Ok(out)
}

impl Fields<'_> {
    /// Parses a challenge: `theme_known` checks a theme, `evaluators` gives the account id of
    /// each typed address (none for an address without a confirmed account), `area` the
    /// `kind/code` of the typed area when the referential holds it, `now` is the time the
    /// deadline must follow.
    pub fn challenge(
        &self,
        theme_known: impl Fn(&str) -> bool,
        evaluators: &[Option<String>],
        area: Option<String>,
        now: i64,
    ) -> Result<ChallengeInput, FieldErrors> {
        let mut errors = FieldErrors::new();
        let area = match area {
            Some(a) => a,
            None if self.get("area").trim().is_empty() => String::new(),
            None => {
                errors.push(FieldError::new("area", "challenge.area"));
                String::new()
            }
        };
        let title = errors.take(text::line(self.get("title"), "title", 5, 160));
        let need = errors.take(text::paragraphs(self.get("need"), "need", 10_000));
        if need.as_deref().is_some_and(str::is_empty) {
            errors.push(FieldError::new("need", "challenge.need_required"));
        }
        let context = errors.take(text::paragraphs(self.get("context"), "context", 10_000));
        let expected = errors.take(text::paragraphs(self.get("expected"), "expected", 10_000));
        let themes = self.list("themes");
        if themes.is_empty() {
            errors.push(FieldError::new("themes", "challenge.themes_required"));
        } else if themes.iter().any(|t| !theme_known(t)) {
            errors.push(FieldError::new("themes", "challenge.unknown_term"));
        }
        let budget = self.get("budget").trim().to_string();
        if !budget.is_empty() && !PRICES.contains(&budget.as_str()) {
            errors.push(FieldError::new("budget", "challenge.budget"));
        }
        let deadline = errors.take(kernel::clock::parse_local(self.get("deadline"), "deadline"));
        if deadline.is_some_and(|d| d <= now) {
            errors.push(FieldError::new("deadline", "challenge.deadline_past"));
        }
        let criteria = errors.take(parse_criteria(self.get("criteria")));
        if evaluators.is_empty() {
            errors.push(FieldError::new(
                "evaluators",
                "challenge.evaluators_required",
            ));
        } else if evaluators.iter().any(Option::is_none) {
            errors.push(FieldError::new("evaluators", "challenge.evaluator_unknown"));
        }
        let mut ids: Vec<String> = Vec::new();
        for id in evaluators.iter().flatten() {
            if !ids.contains(id) {
                ids.push(id.clone());
            }
        }
        match (title, need, context, expected, deadline, criteria) {
            (
                Some(title),
                Some(need),
                Some(context),
                Some(expected),
                Some(deadline),
                Some(criteria),
            ) if errors.is_empty() => Ok(ChallengeInput {
                title,
                need,
                context,
                themes,
                expected,
                budget,
                deadline,
                criteria,
                evaluators: ids,
                area,
                attachments: Vec::new(),
            }),
            _ => Err(errors),
        }
    }
}

/// A valid response.
#[derive(Debug, Clone, PartialEq)]
pub struct ResponseInput {
    /// The directory actor responding (its id).
    pub actor_id: String,
    /// One paragraph, 10 to 500 characters.
    pub summary: String,
    /// Markdown subset.
    pub description: String,
    /// One of the actor's offers (its id), or empty.
    pub offer_id: String,
    /// Territories where the solution is deployed, `kind/code`.
    pub references: Vec<String>,
    /// A price band of [`PRICES`], or empty.
    pub price: String,
    /// Attached documents and images.
    pub attachments: Vec<Attachment>,
}

impl Fields<'_> {
    /// Parses a response: `actor_ok` says whether the reader may respond for an actor,
    /// `offer_ok` whether an offer is one of that actor's, `resolved` gives the `kind/code` of
    /// each typed reference (none for an unknown one).
    pub fn response(
        &self,
        actor_ok: impl Fn(&str) -> bool,
        offer_ok: impl Fn(&str) -> bool,
        resolved: &[Option<String>],
    ) -> Result<ResponseInput, FieldErrors> {
        let mut errors = FieldErrors::new();
        let actor_id = self.get("actor").trim().to_string();
        if !actor_ok(&actor_id) {
            errors.push(FieldError::new("actor", "solution.actor"));
        }
        let summary = errors.take(text::line(self.get("summary"), "summary", 10, 500));
        let description = errors.take(text::paragraphs(
            self.get("description"),
            "description",
            20_000,
        ));
        let offer_id = self.get("offer").trim().to_string();
        if !offer_id.is_empty() && !offer_ok(&offer_id) {
            errors.push(FieldError::new("offer", "solution.offer"));
        }
        if resolved.iter().any(Option::is_none) {
            errors.push(FieldError::new("references", "solution.reference"));
        }
        let mut references: Vec<String> = Vec::new();
        for r in resolved.iter().flatten() {
            if !references.contains(r) {
                references.push(r.clone());
            }
        }
        let price = self.get("price").trim().to_string();
        if !price.is_empty() && !PRICES.contains(&price.as_str()) {
            errors.push(FieldError::new("price", "solution.price"));
        }
        match (summary, description) {
            (Some(summary), Some(description)) if errors.is_empty() => Ok(ResponseInput {
                actor_id,
                summary,
                description,
                offer_id,
                references,
                price,
                attachments: Vec::new(),
            }),
            _ => Err(errors),
        }
    }

    /// Parses an evaluator's grades, one per criterion (`grade_{i}` from 0 to [`GRADE_MAX`],
    /// `comment_{i}` optional).
    pub fn grades(&self, criteria: usize) -> Result<Vec<(i64, String)>, FieldErrors> {
        let mut errors = FieldErrors::new();
        let mut out = Vec::new();
        for i in 0..criteria {
            let raw = self.get(&format!("grade_{i}")).trim();
            match raw.parse::<i64>() {
                Ok(g) if (0..=GRADE_MAX).contains(&g) => {
                    let comment = self.get(&format!("comment_{i}")).trim();
                    if comment.chars().count() > 2_000 {
                        errors.push(FieldError::new("grades", "grade.comment_too_long"));
                    }
                    out.push((g, comment.to_string()));
                }
                _ => errors.push(FieldError::new("grades", "grade.scale")),
            }
        }
        if errors.is_empty() {
            Ok(out)
        } else {
            Err(errors)
        }
    }
}

/// The weighted score of a response over 100: each evaluator's grades weighted by the criteria,
/// averaged over the evaluators who graded every criterion. None when nobody has.
pub fn weighted_score(criteria: &[Criterion], grades: &[Vec<i64>]) -> Option<f64> {
    let complete: Vec<&Vec<i64>> = grades
        .iter()
        .filter(|g| g.len() == criteria.len())
        .collect();
    if complete.is_empty() {
        return None;
    }
    let per: Vec<f64> = complete
        .iter()
        .map(|g| {
            criteria
                .iter()
                .zip(g.iter())
                .map(|(c, g)| c.weight as f64 * *g as f64 / GRADE_MAX as f64)
                .sum::<f64>()
        })
        .collect();
    Some(per.iter().sum::<f64>() / per.len() as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(v: &[(&str, &str)]) -> Vec<(String, String)> {
        v.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn criteria_weights_sum_to_100() {
        let c = parse_criteria("Pertinence ; 50\nCoût;30\nDélai ; 20 %").unwrap();
        assert_eq!(c.len(), 3);
        assert_eq!(c[2].weight, 20);
        assert_eq!(
            parse_criteria("Pertinence ; 50\nCoût ; 40")
                .unwrap_err()
                .code,
            "challenge.weights"
        );
        assert_eq!(
            parse_criteria("Pertinence").unwrap_err().code,
            "challenge.criterion_format"
        );
        assert_eq!(
            parse_criteria("").unwrap_err().code,
            "challenge.criteria_count"
        );
    }

    #[test]
    fn a_challenge_needs_a_future_deadline_and_known_evaluators() {
        let p = pairs(&[
            ("title", "Mieux éclairer nos rues"),
            ("need", "Réduire la consommation de l'éclairage public."),
            ("themes", "lighting"),
            ("deadline", "2020-01-01T12:00"),
            ("criteria", "Pertinence ; 60\nCoût ; 30"),
            ("area", "Atlantide"),
        ]);
        let e = Fields(&p)
            .challenge(|_| true, &[None], None, kernel::ids::now_ms())
            .unwrap_err();
        for (field, code) in [
            ("area", "challenge.area"),
            ("deadline", "challenge.deadline_past"),
            ("criteria", "challenge.weights"),
            ("evaluators", "challenge.evaluator_unknown"),
        ] {
            assert_eq!(e.on(field), Some(code), "{field}");
        }
    }

    #[test]
    fn grades_stay_on_the_scale_and_scores_are_weighted() {
        let p = pairs(&[("grade_0", "8"), ("grade_1", "11")]);
        assert_eq!(
            Fields(&p).grades(2).unwrap_err().on("grades"),
            Some("grade.scale")
        );
        let criteria = parse_criteria("Coût ; 75\nDélai ; 25").unwrap();
        // One evaluator: 10 and 0 → 75; another: 0 and 10 → 25; average 50.
        assert_eq!(
            weighted_score(&criteria, &[vec![10, 0], vec![0, 10]]),
            Some(50.0)
        );
        assert_eq!(
            weighted_score(&criteria, &[vec![10]]),
            None,
            "incomplete grades wait"
        );
    }
}
