//! Processes: domain types.

use kernel::geo::Position;
use kernel::spaces::Slug;
use kernel::{FieldError, FieldErrors, clock, text};
use time::Date;

/// A participatory process of a space.
#[derive(Debug, Clone)]
pub struct Process {
    /// Opaque id.
    pub id: String,
    /// The space it belongs to.
    pub space_id: String,
    /// The space's address.
    pub space_slug: String,
    /// The space's name.
    pub space_name: String,
    /// Its address inside the space.
    pub slug: String,
    /// Title.
    pub title: String,
    /// One-paragraph summary.
    pub summary: String,
    /// Description, paragraphs separated by blank lines.
    pub description: String,
    /// Creation time (ms).
    pub created_at: i64,
    /// Its image (an upload name), or empty.
    pub image: String,
    /// Themes.
    pub themes: Vec<String>,
    /// The area contributions must be located in, when one is set.
    pub perimeter: Option<Perimeter>,
}

impl Process {
    /// The process's page.
    pub fn url(&self) -> String {
        format!("/s/{}/processes/{}", self.space_slug, self.slug)
    }
    /// The paragraphs of the description.
    pub fn paragraphs(&self) -> Vec<&str> {
        text::split_paragraphs(&self.description)
    }
    /// The perimeter as map points (`data-polygon` of `map.js`), or empty.
    pub fn perimeter_json(&self) -> String {
        self.perimeter
            .as_ref()
            .map(Perimeter::to_json)
            .unwrap_or_default()
    }
}

/// A valid process submission.
#[derive(Debug, Clone)]
pub struct ProcessInput {
    /// Address inside the space.
    pub slug: Slug,
    /// Title, 3 to 140 characters.
    pub title: String,
    /// Summary, at most 400 characters.
    pub summary: String,
    /// Description, at most 10,000 characters.
    pub description: String,
    /// Themes, at most 10 of at most 40 characters.
    pub themes: Vec<String>,
    /// The perimeter, if any.
    pub perimeter: Option<Perimeter>,
}

/// The raw fields of a process form.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct ProcessFields {
    /// Address.
    #[serde(default)]
    pub slug: String,
    /// Title.
    #[serde(default)]
    pub title: String,
    /// Summary.
    #[serde(default)]
    pub summary: String,
    /// Description.
    #[serde(default)]
    pub description: String,
    /// Themes, comma-separated.
    #[serde(default)]
    pub themes: String,
    /// The perimeter: one `lat, lon` per line.
    #[serde(default)]
    pub perimeter: String,
}

impl ProcessFields {
    /// Parses every field, collecting all errors.
    pub fn parse(&self) -> Result<ProcessInput, FieldErrors> {
        let mut errors = FieldErrors::new();
        let slug = errors.take(Slug::parse(&self.slug));
        let title = errors.take(text::line(&self.title, "title", 3, 140));
        let summary = errors.take(text::paragraphs(&self.summary, "summary", 400));
        let description = errors.take(text::paragraphs(&self.description, "description", 10_000));
        let themes = errors.take(parse_themes(&self.themes));
        let perimeter = errors.take(Perimeter::parse(&self.perimeter));
        match (slug, title, summary, description, themes, perimeter) {
            (
                Some(slug),
                Some(title),
                Some(summary),
                Some(description),
                Some(themes),
                Some(perimeter),
            ) => Ok(ProcessInput {
                slug,
                title,
                summary,
                description,
                themes,
                perimeter,
            }),
            _ => Err(errors),
        }
    }
}

/// Themes typed comma-separated: at most 10, each 2 to 40 characters, without repeats.
pub fn parse_themes(raw: &str) -> Result<Vec<String>, FieldError> {
    let mut out: Vec<String> = Vec::new();
    for t in raw.split(',').map(str::trim).filter(|t| !t.is_empty()) {
        let t = text::line(t, "themes", 2, 40)?;
        if !out.iter().any(|o| o.to_lowercase() == t.to_lowercase()) {
            out.push(t);
        }
    }
    if out.len() > 10 {
        return Err(FieldError::new("themes", "process.too_many_themes"));
    }
    Ok(out)
}

/// The area of a process: a polygon of 3 to 500 points (WGS84), its ring closed implicitly.
#[derive(Debug, Clone, PartialEq)]
pub struct Perimeter(pub Vec<Position>);

impl Perimeter {
    /// Parses one `lat, lon` (or `lat lon`) per line; empty means no perimeter.
    pub fn parse(raw: &str) -> Result<Option<Perimeter>, FieldError> {
        let mut points = Vec::new();
        for line in raw.lines().map(str::trim).filter(|l| !l.is_empty()) {
            let parts: Vec<&str> = line
                .split([';', ' ', '\t', ','])
                .filter(|p| !p.is_empty())
                .collect();
            let [lat, lon] = parts[..] else {
                return Err(FieldError::new("perimeter", "process.perimeter_format"));
            };
            let p = Position::parse(lat, lon)
                .map_err(|_| FieldError::new("perimeter", "process.perimeter_format"))?;
            points.push(p);
        }
        match points.len() {
            0 => Ok(None),
            3..=500 => Ok(Some(Perimeter(points))),
            _ => Err(FieldError::new("perimeter", "process.perimeter_points")),
        }
    }

    /// The perimeter as typed back into its form.
    pub fn to_text(&self) -> String {
        self.0
            .iter()
            .map(|p| format!("{:.6}, {:.6}", p.lat, p.lon))
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// As stored and as given to the map: `[[lat, lon], …]`.
    pub fn to_json(&self) -> String {
        serde_json::Value::from(
            self.0
                .iter()
                .map(|p| serde_json::json!([p.lat, p.lon]))
                .collect::<Vec<_>>(),
        )
        .to_string()
    }

    /// Reads what [`to_json`](Self::to_json) wrote; anything else is no perimeter.
    pub fn from_json(raw: &str) -> Option<Perimeter> {
        let v: Vec<[f64; 2]> = serde_json::from_str(raw).ok()?;
        (v.len() >= 3).then(|| {
            Perimeter(
                v.into_iter()
                    .map(|[lat, lon]| Position { lat, lon })
                    .collect(),
            )
        })
    }

    /// Whether a position is inside (even-odd rule on the plane of degrees, fine at the size
    /// of a territory).
    pub fn contains(&self, p: Position) -> bool {
        let pts = &self.0;
        let mut inside = false;
        let mut j = pts.len() - 1;
        for i in 0..pts.len() {
            let (a, b) = (pts[i], pts[j]);
            if (a.lat > p.lat) != (b.lat > p.lat)
                && p.lon < (b.lon - a.lon) * (p.lat - a.lat) / (b.lat - a.lat) + a.lon
            {
                inside = !inside;
            }
            j = i;
        }
        inside
    }

    /// The centre of its bounding box, to start a map from.
    pub fn centre(&self) -> Position {
        let (mut s, mut w, mut n, mut e) = (90.0f64, 180.0f64, -90.0f64, -180.0f64);
        for p in &self.0 {
            s = s.min(p.lat);
            n = n.max(p.lat);
            w = w.min(p.lon);
            e = e.max(p.lon);
        }
        Position {
            lat: (s + n) / 2.0,
            lon: (w + e) / 2.0,
        }
    }
}

/// A phase of a process: a name and inclusive dates (Paris calendar).
#[derive(Debug, Clone)]
pub struct Phase {
    /// Opaque id.
    pub id: String,
    /// Its process.
    pub process_id: String,
    /// Name ("Dépôt des idées").
    pub name: String,
    /// First day.
    pub starts_on: Date,
    /// Last day.
    pub ends_on: Date,
}

impl Phase {
    /// Whether `day` falls within the phase.
    pub fn covers(&self, day: Date) -> bool {
        self.starts_on <= day && day <= self.ends_on
    }
    /// The dates as shown: `2027-03-01 → 2027-04-15`.
    pub fn dates(&self) -> String {
        format!("{} → {}", self.starts_on, self.ends_on)
    }
}

/// The phase current on `day`: the first covering it.
pub fn current_phase(phases: &[Phase], day: Date) -> Option<&Phase> {
    phases.iter().find(|p| p.covers(day))
}

/// A valid phase submission.
#[derive(Debug, Clone)]
pub struct PhaseInput {
    /// Name, 2 to 80 characters.
    pub name: String,
    /// First day.
    pub starts_on: Date,
    /// Last day, not before the first.
    pub ends_on: Date,
}

/// The raw fields of a phase form.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct PhaseFields {
    /// Name.
    #[serde(default)]
    pub name: String,
    /// First day, `YYYY-MM-DD`.
    #[serde(default)]
    pub starts_on: String,
    /// Last day, `YYYY-MM-DD`.
    #[serde(default)]
    pub ends_on: String,
}

impl PhaseFields {
    /// Parses every field, collecting all errors.
    pub fn parse(&self) -> Result<PhaseInput, FieldErrors> {
        let mut errors = FieldErrors::new();
        let name = errors.take(text::line(&self.name, "name", 2, 80));
        let starts_on = errors.take(clock::parse_date(&self.starts_on, "starts_on"));
        let ends_on = errors.take(clock::parse_date(&self.ends_on, "ends_on"));
        if let (Some(a), Some(b)) = (starts_on, ends_on)
            && b < a
        {
            errors.push(FieldError::new("ends_on", "phase.ends_before"));
        }
        match (name, starts_on, ends_on) {
            (Some(name), Some(starts_on), Some(ends_on)) if errors.is_empty() => Ok(PhaseInput {
                name,
                starts_on,
                ends_on,
            }),
            _ => Err(errors),
        }
    }
}

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
    /// A short symbol shown beside the name (an emoji or a letter).
    pub icon: String,
}

/// A valid category submission.
#[derive(Debug, Clone)]
pub struct CategoryInput {
    /// Name, 2 to 60 characters.
    pub name: String,
    /// `#rrggbb`.
    pub colour: String,
    /// At most 4 characters.
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
        let icon = errors.take(text::line(&self.icon, "icon", 0, 4));
        match (name, icon) {
            (Some(name), Some(icon)) if errors.is_empty() => {
                Ok(CategoryInput { name, colour, icon })
            }
            _ => Err(errors),
        }
    }
}

/// Where a contribution stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    /// Waiting for a moderator (moderation before publication).
    Pending,
    /// Public.
    Published,
    /// Hidden automatically by flags, waiting for a moderator.
    Held,
    /// Hidden by a moderator, with a reason.
    Hidden,
    /// Withdrawn by its author.
    Withdrawn,
}

impl State {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            State::Pending => "pending",
            State::Published => "published",
            State::Held => "held",
            State::Hidden => "hidden",
            State::Withdrawn => "withdrawn",
        }
    }
    /// Reads a stored name.
    pub fn parse(s: &str) -> Self {
        match s {
            "pending" => State::Pending,
            "held" => State::Held,
            "hidden" => State::Hidden,
            "withdrawn" => State::Withdrawn,
            _ => State::Published,
        }
    }
    /// The text key of the state.
    pub fn key(self) -> &'static str {
        match self {
            State::Pending => "contribution.state.pending",
            State::Published => "contribution.state.published",
            State::Held => "contribution.state.held",
            State::Hidden => "contribution.state.hidden",
            State::Withdrawn => "contribution.state.withdrawn",
        }
    }
}

/// The space's official answer to a contribution.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AnswerState {
    /// Under study.
    Studying,
    /// Accepted.
    Accepted,
    /// Rejected.
    Rejected,
    /// Implemented.
    Implemented,
}

impl AnswerState {
    /// Every answer, in the order of the form.
    pub const ALL: [AnswerState; 4] = [
        AnswerState::Studying,
        AnswerState::Accepted,
        AnswerState::Rejected,
        AnswerState::Implemented,
    ];
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            AnswerState::Studying => "studying",
            AnswerState::Accepted => "accepted",
            AnswerState::Rejected => "rejected",
            AnswerState::Implemented => "implemented",
        }
    }
    /// Reads a stored or typed name.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.as_str() == s)
    }
    /// The text key.
    pub fn key(self) -> &'static str {
        match self {
            AnswerState::Studying => "answer.state.studying",
            AnswerState::Accepted => "answer.state.accepted",
            AnswerState::Rejected => "answer.state.rejected",
            AnswerState::Implemented => "answer.state.implemented",
        }
    }
}

/// An official answer.
#[derive(Debug, Clone, PartialEq)]
pub struct Answer {
    /// Its state.
    pub state: AnswerState,
    /// The text, Markdown subset.
    pub text: String,
    /// Progress of the work, 0 to 100.
    pub progress: i64,
    /// When it was given (ms).
    pub at: i64,
}

/// The raw fields of an answer form.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct AnswerFields {
    /// State.
    #[serde(default)]
    pub state: String,
    /// Text.
    #[serde(default)]
    pub text: String,
    /// Progress percentage.
    #[serde(default)]
    pub progress: String,
}

impl AnswerFields {
    /// Parses every field, collecting all errors; `at` is left at 0.
    pub fn parse(&self) -> Result<Answer, FieldErrors> {
        let mut errors = FieldErrors::new();
        let state = AnswerState::parse(self.state.trim());
        if state.is_none() {
            errors.push(FieldError::new("state", "answer.state"));
        }
        let text = errors.take(text::paragraphs(&self.text, "text", 5_000));
        let progress = match self.progress.trim() {
            "" => Some(0),
            p => p.parse::<i64>().ok().filter(|n| (0..=100).contains(n)),
        };
        if progress.is_none() {
            errors.push(FieldError::new("progress", "answer.progress"));
        }
        match (state, text, progress) {
            (Some(state), Some(text), Some(progress)) => Ok(Answer {
                state,
                text,
                progress,
                at: 0,
            }),
            _ => Err(errors),
        }
    }
}

/// A contribution: an idea or proposal, located on a participatory map.
#[derive(Debug, Clone)]
pub struct Contribution {
    /// Opaque id.
    pub id: String,
    /// Its component.
    pub component_id: String,
    /// Its process.
    pub process_id: String,
    /// Its space.
    pub space_id: String,
    /// Its category, if any.
    pub category_id: Option<String>,
    /// Title.
    pub title: String,
    /// Body, Markdown subset.
    pub body: String,
    /// Where, when located.
    pub position: Option<Position>,
    /// Its author's account.
    pub author_id: String,
    /// The author's name as shown: empty when anonymous.
    pub author_name: String,
    /// Where it stands.
    pub state: State,
    /// A moderator's reason, when hidden.
    pub moderation_note: String,
    /// Supports.
    pub supports: i64,
    /// Published comments.
    pub comments: i64,
    /// The official answer, when given.
    pub answer: Option<Answer>,
    /// Creation time (ms).
    pub created_at: i64,
}

impl Contribution {
    /// The body as HTML.
    pub fn body_html(&self) -> String {
        kernel::markdown::to_html(&self.body)
    }
    /// The first words of the body, without marks.
    pub fn excerpt(&self) -> String {
        let plain = kernel::markdown::to_plain(&self.body);
        let mut s: String = plain.chars().take(200).collect();
        if plain.chars().count() > 200 {
            s.push('…');
        }
        s
    }
}

/// Most photos per contribution.
pub const MOST_PHOTOS: usize = 3;

/// A valid contribution.
#[derive(Debug, Clone)]
pub struct ContributionInput {
    /// Title, 5 to 140 characters.
    pub title: String,
    /// Body, at most 5,000 characters.
    pub body: String,
    /// Category id, when the component has categories.
    pub category_id: Option<String>,
    /// Where, when located.
    pub position: Option<Position>,
    /// Shown without the author's name.
    pub anonymous: bool,
    /// Photos (upload names).
    pub photos: Vec<String>,
    /// The key of the form it came from: a form sent twice makes one contribution.
    pub form_key: String,
}

/// The raw fields of a contribution form.
#[derive(Debug, Clone, Default)]
pub struct ContributionFields {
    /// Title.
    pub title: String,
    /// Body.
    pub body: String,
    /// Category id.
    pub category: String,
    /// Latitude as typed.
    pub lat: String,
    /// Longitude as typed.
    pub lon: String,
    /// Anonymous display asked.
    pub anonymous: bool,
    /// Photos kept from an earlier try.
    pub photos: Vec<String>,
    /// The form's key.
    pub form_key: String,
}

impl ContributionFields {
    /// Parses every field against the component and the process's perimeter.
    pub fn parse(
        &self,
        component: &ProcessComponent,
        categories: &[Category],
        perimeter: Option<&Perimeter>,
    ) -> Result<ContributionInput, FieldErrors> {
        let mut errors = FieldErrors::new();
        let title = errors.take(text::line(&self.title, "title", 5, 140));
        let body = errors.take(text::paragraphs(&self.body, "body", 5_000));
        if body.as_deref().is_some_and(str::is_empty) {
            errors.push(FieldError::new("body", "text.required"));
        }
        let category_id = match (categories.is_empty(), self.category.trim()) {
            (true, _) => None,
            (false, c) if categories.iter().any(|x| x.id == c) => Some(c.to_string()),
            (false, _) => {
                errors.push(FieldError::new("category", "contribution.category"));
                None
            }
        };
        let located = !self.lat.trim().is_empty() || !self.lon.trim().is_empty();
        let position = if component.kind == ComponentKind::Map || located {
            if !located {
                errors.push(FieldError::new(
                    "position",
                    "contribution.position_required",
                ));
                None
            } else {
                errors.take(Position::parse(&self.lat, &self.lon))
            }
        } else {
            None
        };
        if let (Some(p), Some(perimeter)) = (position, perimeter)
            && !perimeter.contains(p)
        {
            errors.push(FieldError::new("position", "contribution.outside"));
        }
        if self.anonymous && !component.settings.anonymous_allowed {
            errors.push(FieldError::new("anonymous", "contribution.anonymous"));
        }
        if self.form_key.len() != 32 || !self.form_key.bytes().all(|b| b.is_ascii_hexdigit()) {
            errors.push(FieldError::new("form", "contribution.form_key"));
        }
        match (title, body) {
            (Some(title), Some(body)) if errors.is_empty() => Ok(ContributionInput {
                title,
                body,
                category_id,
                position,
                anonymous: self.anonymous,
                photos: self.photos.clone(),
                form_key: self.form_key.clone(),
            }),
            _ => Err(errors),
        }
    }
}

/// Comments nest at most this deep (a comment on a contribution is at depth 1).
pub const MAX_DEPTH: i64 = 3;
/// An author may edit a comment for this long (ms).
pub const EDIT_WINDOW_MS: i64 = 15 * 60 * 1000;

/// A comment on a contribution.
#[derive(Debug, Clone)]
pub struct Comment {
    /// Opaque id.
    pub id: String,
    /// Its contribution.
    pub contribution_id: String,
    /// The comment it answers, if any.
    pub parent_id: Option<String>,
    /// 1 for a comment on the contribution, up to [`MAX_DEPTH`].
    pub depth: i64,
    /// Its author's account.
    pub author_id: String,
    /// Its author's name.
    pub author_name: String,
    /// Text, Markdown subset.
    pub body: String,
    /// Where it stands (published, held or hidden).
    pub state: State,
    /// Up votes.
    pub up: i64,
    /// Down votes.
    pub down: i64,
    /// When it was written (ms).
    pub created_at: i64,
    /// When it was last edited (ms).
    pub edited_at: Option<i64>,
}

impl Comment {
    /// The text as HTML.
    pub fn body_html(&self) -> String {
        kernel::markdown::to_html(&self.body)
    }
    /// Whether its author may still edit it at `now`.
    pub fn editable_at(&self, now: i64) -> bool {
        now - self.created_at < EDIT_WINDOW_MS && self.state == State::Published
    }
}

/// A comment's text: 1 to 3,000 characters.
pub fn parse_comment(raw: &str) -> Result<String, FieldError> {
    let body = text::paragraphs(raw, "body", 3_000)?;
    if body.is_empty() {
        return Err(FieldError::new("body", "text.required"));
    }
    Ok(body)
}

/// A flag's reason.
pub fn parse_flag_reason(raw: &str) -> Result<String, FieldError> {
    text::line(raw, "reason", 3, 500)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_process_needs_an_address_and_a_title() {
        let f = ProcessFields {
            slug: "Budget 2027".into(),
            title: "B".into(),
            ..Default::default()
        };
        let e = f.parse().unwrap_err();
        assert_eq!(e.on("slug"), Some("slug.format"));
        assert_eq!(e.on("title"), Some("text.too_short"));
        let ok = ProcessFields {
            slug: "budget-2027".into(),
            title: "Budget participatif 2027".into(),
            ..Default::default()
        }
        .parse()
        .unwrap();
        assert_eq!(ok.slug.as_str(), "budget-2027");
    }

    fn map_component(settings: Settings) -> ProcessComponent {
        ProcessComponent {
            id: "m".into(),
            process_id: "p".into(),
            kind: ComponentKind::Map,
            title: "Carte".into(),
            phases: vec!["depot".into()],
            settings,
        }
    }

    #[test]
    fn a_perimeter_is_typed_point_by_point_and_contains_what_is_inside() {
        let p = Perimeter::parse("48.760, -3.500\n48.760; -3.420\n48.715 -3.420\n48.715,-3.500")
            .unwrap()
            .unwrap();
        assert!(p.contains(Position {
            lat: 48.73,
            lon: -3.46
        }));
        assert!(!p.contains(Position {
            lat: 48.80,
            lon: -3.46
        }));
        assert!(!p.contains(Position {
            lat: 48.73,
            lon: -3.40
        }));
        assert_eq!(Perimeter::from_json(&p.to_json()), Some(p.clone()));
        assert_eq!(Perimeter::parse("").unwrap(), None);
        assert_eq!(
            Perimeter::parse("48.7, -3.5\n48.8, -3.4").unwrap_err().code,
            "process.perimeter_points"
        );
        assert_eq!(
            Perimeter::parse("48.7, -3.5\nnord\n1, 2").unwrap_err().code,
            "process.perimeter_format"
        );
        // A concave outline: the notch is outside.
        let l = Perimeter::parse("0, 0\n0, 10\n10, 10\n10, 5\n5, 5\n5, 0")
            .unwrap()
            .unwrap();
        assert!(l.contains(Position { lat: 2.0, lon: 2.0 }));
        assert!(!l.contains(Position { lat: 7.0, lon: 2.0 }));
    }

    #[test]
    fn a_component_is_active_in_its_phases_only() {
        let day = |s: &str| clock::parse_date(s, "d").unwrap();
        let phases = vec![
            Phase {
                id: "depot".into(),
                process_id: "p".into(),
                name: "Dépôt".into(),
                starts_on: day("2027-03-01"),
                ends_on: day("2027-03-31"),
            },
            Phase {
                id: "etude".into(),
                process_id: "p".into(),
                name: "Étude".into(),
                starts_on: day("2027-04-01"),
                ends_on: day("2027-05-31"),
            },
        ];
        let c = map_component(Settings::default());
        assert!(c.takes_contributions(&phases, day("2027-03-31")));
        assert!(!c.takes_contributions(&phases, day("2027-04-01")));
        assert!(!c.takes_contributions(&phases, day("2026-12-01")));
        let closed = map_component(Settings {
            contributions_open: false,
            ..Settings::default()
        });
        assert!(!closed.takes_contributions(&phases, day("2027-03-10")));
        let always = ProcessComponent {
            phases: Vec::new(),
            ..map_component(Settings::default())
        };
        assert!(always.takes_contributions(&phases, day("2030-01-01")));
        let e = PhaseFields {
            name: "Dépôt".into(),
            starts_on: "2027-03-10".into(),
            ends_on: "2027-03-01".into(),
        }
        .parse()
        .unwrap_err();
        assert_eq!(e.on("ends_on"), Some("phase.ends_before"));
        let e = ComponentFields {
            kind: "forum".into(),
            title: "Débat".into(),
            phases: vec!["inconnue".into()],
            supports_limit: "0".into(),
            ..ComponentFields::fresh()
        }
        .parse(&phases)
        .unwrap_err();
        assert_eq!(e.on("kind"), Some("component.kind"));
        assert_eq!(e.on("phases"), Some("component.phase"));
        assert_eq!(e.on("supports_limit"), Some("component.number"));
    }

    #[test]
    fn a_contribution_on_a_map_is_located_inside_the_perimeter() {
        let c = map_component(Settings {
            anonymous_allowed: false,
            ..Settings::default()
        });
        let perimeter =
            Perimeter::parse("48.76, -3.50\n48.76, -3.42\n48.71, -3.42\n48.71, -3.50").unwrap();
        let categories = vec![Category {
            id: "idee".into(),
            component_id: "m".into(),
            name: "Idée".into(),
            colour: "#1f6feb".into(),
            icon: String::new(),
        }];
        let good = ContributionFields {
            title: "Des bancs le long du Léguer".into(),
            body: "Il n'y a aucun banc.".into(),
            category: "idee".into(),
            lat: "48,7325".into(),
            lon: "-3.4622".into(),
            form_key: "0123456789abcdef0123456789abcdef".into(),
            ..Default::default()
        };
        let ok = good.parse(&c, &categories, perimeter.as_ref()).unwrap();
        assert_eq!(
            ok.position,
            Some(Position {
                lat: 48.7325,
                lon: -3.4622
            })
        );
        let bad = ContributionFields {
            lat: "48.80".into(),
            category: "autre".into(),
            anonymous: true,
            form_key: "x".into(),
            ..good.clone()
        };
        let e = bad.parse(&c, &categories, perimeter.as_ref()).unwrap_err();
        assert_eq!(e.on("position"), Some("contribution.outside"));
        assert_eq!(e.on("category"), Some("contribution.category"));
        assert_eq!(e.on("anonymous"), Some("contribution.anonymous"));
        assert_eq!(e.on("form"), Some("contribution.form_key"));
        let unplaced = ContributionFields {
            lat: String::new(),
            lon: String::new(),
            ..good
        };
        let e = unplaced.parse(&c, &categories, None).unwrap_err();
        assert_eq!(e.on("position"), Some("contribution.position_required"));
        // An idea box takes unlocated contributions.
        let ideas = ProcessComponent {
            kind: ComponentKind::Ideas,
            ..map_component(Settings::default())
        };
        assert!(
            unplaced
                .parse(&ideas, &categories, None)
                .unwrap()
                .position
                .is_none()
        );
    }

    #[test]
    fn answers_have_a_state_and_a_progress_from_0_to_100() {
        let a = AnswerFields {
            state: "implemented".into(),
            text: "Fait.".into(),
            progress: "100".into(),
        }
        .parse()
        .unwrap();
        assert_eq!(a.state, AnswerState::Implemented);
        let e = AnswerFields {
            state: "peut-être".into(),
            progress: "140".into(),
            ..Default::default()
        }
        .parse()
        .unwrap_err();
        assert_eq!(e.on("state"), Some("answer.state"));
        assert_eq!(e.on("progress"), Some("answer.progress"));
        assert_eq!(
            parse_themes("mobilité, Mobilité, patrimoine")
                .unwrap()
                .len(),
            2
        );
        assert_eq!(parse_comment("  ").unwrap_err().code, "text.required");
    }
}
