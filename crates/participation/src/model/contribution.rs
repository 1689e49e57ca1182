//! Contributions, the answers they get and the comments under them.

use super::*;

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
    /// The address of that place, when the map's geocoder named it (else empty).
    pub address: String,
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
    /// The address of that place, or empty.
    pub address: String,
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
    /// The address the map's search or a tap found (filled by the map script).
    pub address: String,
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
                address: if position.is_some() {
                    kernel::geocoder::one_line(&self.address)
                } else {
                    String::new()
                },
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
