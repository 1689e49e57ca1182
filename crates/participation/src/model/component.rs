//! The components of a process (idea box, map, vote…), their settings and categories.

use super::*;

/// What a component of a process is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ComponentKind {
    /// An idea box: the list first.
    Ideas,
    /// A participatory map: the map first, every contribution located.
    Map,
}

impl ComponentKind {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            ComponentKind::Ideas => "ideas",
            ComponentKind::Map => "map",
        }
    }
    /// Reads a stored or typed name.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "ideas" => Some(ComponentKind::Ideas),
            "map" => Some(ComponentKind::Map),
            _ => None,
        }
    }
    /// The text key of its name.
    pub fn key(self) -> &'static str {
        match self {
            ComponentKind::Ideas => "component.kind.ideas",
            ComponentKind::Map => "component.kind.map",
        }
    }
}

/// How a component runs: what is open, limits, moderation.
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    /// Whether new contributions are taken (within its phases).
    pub contributions_open: bool,
    /// Whether supports may be given or withdrawn.
    pub supports_open: bool,
    /// Most supports one person gives in the component; 0 for no limit.
    pub supports_limit: i64,
    /// Whether authors may be shown as anonymous.
    pub anonymous_allowed: bool,
    /// Whether contributions wait for a moderator before they are published.
    pub moderated_before: bool,
    /// Flags from this many people hide a contribution or comment until a moderator decides.
    pub flag_threshold: i64,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            contributions_open: true,
            supports_open: true,
            supports_limit: 0,
            anonymous_allowed: true,
            moderated_before: false,
            flag_threshold: 3,
        }
    }
}

/// A component of a process: an idea box or a participatory map.
#[derive(Debug, Clone)]
pub struct ProcessComponent {
    /// Opaque id.
    pub id: String,
    /// Its process.
    pub process_id: String,
    /// What it is.
    pub kind: ComponentKind,
    /// Its title ("Vos idées pour le centre-ville").
    pub title: String,
    /// The phases it is active in; empty for every day.
    pub phases: Vec<String>,
    /// How it runs.
    pub settings: Settings,
}

impl ProcessComponent {
    /// Whether it is active on a day, given the process's phases.
    pub fn active(&self, phases: &[Phase], day: Date) -> bool {
        self.phases.is_empty()
            || current_phase(phases, day).is_some_and(|p| self.phases.contains(&p.id))
    }
    /// Whether contributions are taken on a day.
    pub fn takes_contributions(&self, phases: &[Phase], day: Date) -> bool {
        self.settings.contributions_open && self.active(phases, day)
    }
    /// Whether it is active in the phase with this id.
    pub fn in_phase(&self, id: &str) -> bool {
        self.phases.iter().any(|p| p == id)
    }
}

/// A valid component submission.
#[derive(Debug, Clone)]
pub struct ComponentInput {
    /// What it is.
    pub kind: ComponentKind,
    /// Title, 3 to 140 characters.
    pub title: String,
    /// Phases it is active in.
    pub phases: Vec<String>,
    /// How it runs.
    pub settings: Settings,
}

/// The raw fields of a component form (checkboxes are present when ticked).
#[derive(Debug, Clone, Default)]
pub struct ComponentFields {
    /// `ideas` or `map`.
    pub kind: String,
    /// Title.
    pub title: String,
    /// Phase ids ticked.
    pub phases: Vec<String>,
    /// Contributions open.
    pub contributions_open: bool,
    /// Supports open.
    pub supports_open: bool,
    /// Limit of supports per person, empty for none.
    pub supports_limit: String,
    /// Anonymous display allowed.
    pub anonymous_allowed: bool,
    /// Moderation before publication.
    pub moderated_before: bool,
    /// Flag threshold.
    pub flag_threshold: String,
}

impl ComponentFields {
    /// The fields of a component, to edit it.
    pub fn of(c: &ProcessComponent) -> Self {
        ComponentFields {
            kind: c.kind.as_str().into(),
            title: c.title.clone(),
            phases: c.phases.clone(),
            contributions_open: c.settings.contributions_open,
            supports_open: c.settings.supports_open,
            supports_limit: match c.settings.supports_limit {
                0 => String::new(),
                n => n.to_string(),
            },
            anonymous_allowed: c.settings.anonymous_allowed,
            moderated_before: c.settings.moderated_before,
            flag_threshold: c.settings.flag_threshold.to_string(),
        }
    }

    /// The fields of a new component.
    pub fn fresh() -> Self {
        let d = Settings::default();
        ComponentFields {
            kind: "ideas".into(),
            contributions_open: d.contributions_open,
            supports_open: d.supports_open,
            anonymous_allowed: d.anonymous_allowed,
            flag_threshold: d.flag_threshold.to_string(),
            ..Default::default()
        }
    }

    /// Reads a posted form.
    pub fn from_pairs(pairs: &[(String, String)]) -> Self {
        let mut f = ComponentFields::default();
        for (k, v) in pairs {
            match k.as_str() {
                "kind" => f.kind = v.trim().into(),
                "title" => f.title = v.clone(),
                "phase" => f.phases.push(v.trim().into()),
                "contributions_open" => f.contributions_open = true,
                "supports_open" => f.supports_open = true,
                "supports_limit" => f.supports_limit = v.trim().into(),
                "anonymous_allowed" => f.anonymous_allowed = true,
                "moderated_before" => f.moderated_before = true,
                "flag_threshold" => f.flag_threshold = v.trim().into(),
                _ => {}
            }
        }
        f
    }

    /// Whether a phase is ticked.
    pub fn has_phase(&self, id: &str) -> bool {
        self.phases.iter().any(|p| p == id)
    }

    /// Parses every field against the process's phases, collecting all errors.
    pub fn parse(&self, phases: &[Phase]) -> Result<ComponentInput, FieldErrors> {
        let mut errors = FieldErrors::new();
        let kind = ComponentKind::parse(&self.kind);
        if kind.is_none() {
            errors.push(FieldError::new("kind", "component.kind"));
        }
        let title = errors.take(text::line(&self.title, "title", 3, 140));
        if self
            .phases
            .iter()
            .any(|p| !phases.iter().any(|x| &x.id == p))
        {
            errors.push(FieldError::new("phases", "component.phase"));
        }
        let number = |raw: &str, field: &'static str, empty: i64, max: i64| {
            if raw.is_empty() {
                return Ok(empty);
            }
            raw.parse::<i64>()
                .ok()
                .filter(|n| (1..=max).contains(n))
                .ok_or(FieldError::new(field, "component.number"))
        };
        let supports_limit = errors.take(number(&self.supports_limit, "supports_limit", 0, 1000));
        let flag_threshold = errors.take(number(&self.flag_threshold, "flag_threshold", 3, 100));
        match (kind, title, supports_limit, flag_threshold) {
            (Some(kind), Some(title), Some(supports_limit), Some(flag_threshold))
                if errors.is_empty() =>
            {
                Ok(ComponentInput {
                    kind,
                    title,
                    phases: self.phases.clone(),
                    settings: Settings {
                        contributions_open: self.contributions_open,
                        supports_open: self.supports_open,
                        supports_limit,
                        anonymous_allowed: self.anonymous_allowed,
                        moderated_before: self.moderated_before,
                        flag_threshold,
                    },
                })
            }
            _ => Err(errors),
        }
    }
}

/// A category of contributions of a component.
#[derive(Debug, Clone)]
pub struct Category {
    /// Opaque id.
    pub id: String,
    /// Its component.
    pub component_id: String,
    /// Name ("Patrimoine").
    pub name: String,
    /// Colour, `#rrggbb`.
    pub colour: String,
    /// The name of its icon (see [`kernel::icons`]), empty for none.
    pub icon: String,
}

/// A valid category submission.
#[derive(Debug, Clone)]
pub struct CategoryInput {
    /// Name, 2 to 60 characters.
    pub name: String,
    /// `#rrggbb`.
    pub colour: String,
    /// One of [`kernel::icons::names`], or empty.
    pub icon: String,
}

/// The raw fields of a category form.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct CategoryFields {
    /// Name.
    #[serde(default)]
    pub name: String,
    /// Colour.
    #[serde(default)]
    pub colour: String,
    /// Icon.
    #[serde(default)]
    pub icon: String,
}

impl CategoryFields {
    /// Parses every field, collecting all errors.
    pub fn parse(&self) -> Result<CategoryInput, FieldErrors> {
        let mut errors = FieldErrors::new();
        let name = errors.take(text::line(&self.name, "name", 2, 60));
        let colour = self.colour.trim().to_lowercase();
        let colour_ok = colour.len() == 7
            && colour.starts_with('#')
            && colour[1..].bytes().all(|b| b.is_ascii_hexdigit());
        if !colour_ok {
            errors.push(FieldError::new("colour", "category.colour"));
        }
        let icon = self.icon.trim().to_string();
        let icon = if icon.is_empty() || kernel::icons::known(&icon) {
            Some(icon)
        } else {
            errors.push(FieldError::new("icon", "category.icon"));
            None
        };
        match (name, icon) {
            (Some(name), Some(icon)) if errors.is_empty() => {
                Ok(CategoryInput { name, colour, icon })
            }
            _ => Err(errors),
        }
    }
}
