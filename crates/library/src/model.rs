//! Experience reports (retours d'expérience): what a territory did, how, what made it work and
//! what to watch for, parsed from a form into a valid experience or every field's error.

use kernel::uploads::Attachment;
use kernel::web::FormPairs;
use kernel::{FieldError, FieldErrors, text};

/// The tools a territory used, a managed list (names in the texts, `tool.{code}`).
pub const TOOLS: &[&str] = &[
    "participatory_mapping",
    "citizen_vote",
    "reporting_app",
    "participatory_budget",
    "consultation",
    "citizens_assembly",
    "idea_box",
    "public_meeting",
    "workshop",
    "survey",
    "citizen_panel",
    "open_data",
];

/// Budget bands, in euros.
pub const BUDGETS: &[&str] = &["lt_10k", "10k_50k", "50k_200k", "gt_200k"];

/// Most items of an ordered list (success factors, points of vigilance, tips).
pub const MAX_ITEMS: usize = 12;

/// A valid experience report.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ExperienceInput {
    /// 5 to 160 characters.
    pub title: String,
    /// The territory, `kind/code` of the referential.
    pub territory: String,
    /// Themes of the directory's taxonomy, at least one.
    pub themes: Vec<String>,
    /// Codes of [`TOOLS`], at least one.
    pub tools: Vec<String>,
    /// Markdown subset.
    pub context: String,
    /// Markdown subset.
    pub approach: String,
    /// Key success factors, in order.
    pub success_factors: Vec<String>,
    /// Points of vigilance, in order.
    pub vigilance: Vec<String>,
    /// Tips, in order.
    pub tips: Vec<String>,
    /// A code of [`BUDGETS`], or empty.
    pub budget: String,
    /// Months, 1 to 120, or 0 when not said.
    pub duration_months: i64,
    /// Markdown subset.
    pub results: String,
    /// A contact person's name, shown only with their consent.
    pub contact_name: String,
    /// Their address, shown only with their consent.
    pub contact_email: String,
    /// Whether the contact agreed to be shown.
    pub contact_consent: bool,
    /// Ids of directory actors involved (the first is the contact when no person is given).
    pub actors: Vec<String>,
    /// Paths of processes on the platform (`/s/{space}/processes/{slug}`).
    pub processes: Vec<String>,
    /// Attached documents and images.
    #[serde(default)]
    pub attachments: Vec<Attachment>,
}

/// The raw fields of an experience form.
pub struct ExperienceFields<'a>(pub &'a [(String, String)]);

/// What the referential and the directory say of what a form names: the `kind/code` of a typed
/// territory, whether a theme exists, the id of a typed actor (its address or id), and whether a
/// process path exists.
pub struct Resolved {
    /// The territory as `kind/code`, when the referential holds it.
    pub territory: Option<String>,
    /// The actors' ids, one per typed line; none for an unknown one.
    pub actors: Vec<Option<String>>,
    /// The path of the process each typed line names (`/s/{space}/processes/{slug}`, whatever
    /// address was typed); none for a line that names none.
    pub processes: Vec<Option<String>>,
}

impl<'a> FormPairs<'a> for ExperienceFields<'a> {
    fn pairs(&self) -> &'a [(String, String)] {
        self.0
    }
}

impl<'a> ExperienceFields<'a> {
    /// The typed lines of the actors and processes fields (what [`Resolved`] answers).
    pub fn typed_actors(&self) -> Vec<String> {
        self.lines("actors")
    }

    /// The typed process paths.
    pub fn typed_processes(&self) -> Vec<String> {
        self.lines("processes")
    }

    /// Parses every field, collecting all errors.
    pub fn parse(
        &self,
        theme_known: impl Fn(&str) -> bool,
        resolved: &Resolved,
    ) -> Result<ExperienceInput, FieldErrors> {
        let mut errors = FieldErrors::new();
        let title = errors.take(text::line(self.get("title"), "title", 5, 160));
        let territory = resolved.territory.clone();
        if territory.is_none() {
            errors.push(FieldError::new("territory", "experience.territory"));
        }
        let themes = self.list("themes");
        if themes.is_empty() {
            errors.push(FieldError::new("themes", "experience.themes_required"));
        } else if themes.iter().any(|t| !theme_known(t)) {
            errors.push(FieldError::new("themes", "experience.unknown_term"));
        }
        let tools = self.list("tools");
        if tools.is_empty() {
            errors.push(FieldError::new("tools", "experience.tools_required"));
        } else if tools.iter().any(|t| !TOOLS.contains(&t.as_str())) {
            errors.push(FieldError::new("tools", "experience.unknown_term"));
        }
        let context = errors.take(text::paragraphs(self.get("context"), "context", 10_000));
        let approach = errors.take(text::paragraphs(self.get("approach"), "approach", 10_000));
        let results = errors.take(text::paragraphs(self.get("results"), "results", 10_000));
        let mut items = |field: &'static str| {
            let items = self.lines(field);
            if items.len() > MAX_ITEMS {
                errors.push(FieldError::new(field, "experience.too_many_items"));
            } else if items.iter().any(|i| i.chars().count() > 300) {
                errors.push(FieldError::new(field, "experience.item_too_long"));
            }
            items
        };
        let success_factors = items("success_factors");
        let vigilance = items("vigilance");
        let tips = items("tips");
        let budget = self.get("budget").trim().to_string();
        if !budget.is_empty() && !BUDGETS.contains(&budget.as_str()) {
            errors.push(FieldError::new("budget", "experience.budget"));
        }
        let duration = self.get("duration_months").trim();
        let duration_months = if duration.is_empty() {
            0
        } else {
            match duration.parse::<i64>() {
                Ok(m) if (1..=120).contains(&m) => m,
                _ => {
                    errors.push(FieldError::new("duration_months", "experience.duration"));
                    0
                }
            }
        };
        let contact_name =
            errors.take(text::line(self.get("contact_name"), "contact_name", 0, 120));
        let contact_email = if self.get("contact_email").trim().is_empty() {
            Some(String::new())
        } else {
            errors.take(
                kernel::accounts::Email::parse(self.get("contact_email"))
                    .map(|e| e.as_str().to_string())
                    .map_err(|_| FieldError::new("contact_email", "email.format")),
            )
        };
        let contact_consent = !self.get("contact_consent").is_empty();
        if contact_consent
            && contact_name.as_deref().unwrap_or("").is_empty()
            && contact_email.as_deref().unwrap_or("").is_empty()
        {
            errors.push(FieldError::new(
                "contact_name",
                "experience.contact_missing",
            ));
        }
        if resolved.actors.iter().any(Option::is_none) {
            errors.push(FieldError::new("actors", "experience.actor"));
        }
        let mut actors: Vec<String> = Vec::new();
        for id in resolved.actors.iter().flatten() {
            if !actors.contains(id) {
                actors.push(id.clone());
            }
        }
        if resolved.processes.iter().any(Option::is_none) {
            errors.push(FieldError::new("processes", "experience.process"));
        }
        let mut processes: Vec<String> = Vec::new();
        for path in resolved.processes.iter().flatten() {
            if !processes.contains(path) {
                processes.push(path.clone());
            }
        }
        match (
            title,
            territory,
            context,
            approach,
            results,
            contact_name,
            contact_email,
        ) {
            (
                Some(title),
                Some(territory),
                Some(context),
                Some(approach),
                Some(results),
                Some(contact_name),
                Some(contact_email),
            ) if errors.is_empty() => Ok(ExperienceInput {
                title,
                territory,
                themes,
                tools,
                context,
                approach,
                success_factors,
                vigilance,
                tips,
                budget,
                duration_months,
                results,
                contact_name,
                contact_email,
                contact_consent,
                actors,
                processes,
                attachments: Vec::new(),
            }),
            _ => Err(errors),
        }
    }
}

impl ExperienceInput {
    /// The form of an experience as it stands (actors by id).
    pub fn fields(&self) -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> = [
            ("title", self.title.clone()),
            ("territory", self.territory.clone()),
            ("context", self.context.clone()),
            ("approach", self.approach.clone()),
            ("success_factors", self.success_factors.join("\n")),
            ("vigilance", self.vigilance.join("\n")),
            ("tips", self.tips.join("\n")),
            ("budget", self.budget.clone()),
            (
                "duration_months",
                if self.duration_months > 0 {
                    self.duration_months.to_string()
                } else {
                    String::new()
                },
            ),
            ("results", self.results.clone()),
            ("contact_name", self.contact_name.clone()),
            ("contact_email", self.contact_email.clone()),
            ("actors", self.actors.join("\n")),
            ("processes", self.processes.join("\n")),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
        if self.contact_consent {
            out.push(("contact_consent".into(), "1".into()));
        }
        out.extend(
            self.themes
                .iter()
                .map(|t| ("themes".to_string(), t.clone())),
        );
        out.extend(self.tools.iter().map(|t| ("tools".to_string(), t.clone())));
        out.extend(
            self.attachments
                .iter()
                .map(|a| ("kept_attachment".to_string(), a.kept_value())),
        );
        out
    }

    /// The fields that differ from `other`: compared as stored (a file replaced by another of
    /// the same name is a change), attachments shown by their names.
    pub fn diff(&self, other: &ExperienceInput) -> Vec<kernel::review::FieldChange> {
        kernel::review::diff(&self.fields(), &other.fields(), |field, v| match field {
            "kept_attachment" => Attachment::from_kept(v).map_or_else(|| v.to_string(), |a| a.name),
            _ => v.to_string(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form() -> Vec<(String, String)> {
        [
            ("title", "Un budget participatif dans les écoles"),
            ("territory", "Lannion"),
            ("themes", "participation"),
            ("themes", "education"),
            ("tools", "participatory_budget"),
            ("context", "Les élèves voulaient être écoutés."),
            ("approach", "Chaque école a reçu 5 000 € à décider."),
            (
                "success_factors",
                "Des enseignants volontaires\nUn calendrier court",
            ),
            ("vigilance", "Les délais des marchés publics"),
            ("tips", "Montrer vite les réalisations"),
            ("budget", "10k_50k"),
            ("duration_months", "9"),
            ("results", "Douze projets réalisés."),
            ("contact_name", "Service jeunesse"),
            ("contact_consent", "1"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
    }

    fn resolved() -> Resolved {
        Resolved {
            territory: Some("commune/22113".into()),
            actors: vec![],
            processes: vec![],
        }
    }

    #[test]
    fn an_experience_is_parsed_with_its_ordered_lists_and_every_bad_field_is_named() {
        let f = form();
        let e = ExperienceFields(&f)
            .parse(|t| t != "fire", &resolved())
            .unwrap();
        assert_eq!(
            e.success_factors,
            ["Des enseignants volontaires", "Un calendrier court"]
        );
        assert_eq!(e.territory, "commune/22113");
        let mut bad = form();
        for (k, v) in bad.iter_mut() {
            match k.as_str() {
                "tools" => *v = "crystal_ball".into(),
                "budget" => *v = "huge".into(),
                "duration_months" => *v = "300".into(),
                "tips" => *v = "x\n".repeat(13),
                _ => {}
            }
        }
        let unknown = Resolved {
            territory: None,
            actors: vec![None],
            processes: vec![None],
        };
        let e = ExperienceFields(&bad)
            .parse(|_| true, &unknown)
            .unwrap_err();
        for (field, code) in [
            ("territory", "experience.territory"),
            ("tools", "experience.unknown_term"),
            ("budget", "experience.budget"),
            ("duration_months", "experience.duration"),
            ("tips", "experience.too_many_items"),
            ("actors", "experience.actor"),
            ("processes", "experience.process"),
        ] {
            assert_eq!(e.on(field), Some(code), "{field}");
        }
    }

    #[test]
    fn a_revision_lists_the_fields_it_changes() {
        let f = form();
        let a = ExperienceFields(&f).parse(|_| true, &resolved()).unwrap();
        let mut b = a.clone();
        b.tips.push("Associer les parents".into());
        let d = a.diff(&b);
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].field, "tips");
    }
}
