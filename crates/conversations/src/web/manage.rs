//! The moderators' pages: creating and editing a conversation, closing and reopening it, and the
//! moderation queue (accept, reject, mark as meta).

use super::*;

/// The fields of the conversation form, as typed.
#[derive(Deserialize, Default)]
pub(super) struct ConversationFields {
    #[serde(default)]
    question: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    strict_moderation: Option<String>,
    #[serde(default)]
    statements_allowed: Option<String>,
    #[serde(default)]
    anonymous_allowed: Option<String>,
}

impl ConversationFields {
    fn pairs(&self) -> Vec<(String, String)> {
        let mut pairs = vec![
            ("question".to_string(), self.question.clone()),
            ("description".to_string(), self.description.clone()),
        ];
        for (name, value) in [
            ("strict_moderation", &self.strict_moderation),
            ("statements_allowed", &self.statements_allowed),
            ("anonymous_allowed", &self.anonymous_allowed),
        ] {
            if let Some(v) = value {
                pairs.push((name.to_string(), v.clone()));
            }
        }
        pairs
    }
    fn parse(&self) -> Result<ConversationInput, FieldErrors> {
        ConversationInput::parse(&self.pairs().as_slice())
    }
    fn of(c: &Conversation) -> ConversationFields {
        let on = |b: bool| b.then(|| "on".to_string());
        ConversationFields {
            question: c.question.clone(),
            description: c.description.clone(),
            strict_moderation: on(c.strict_moderation),
            statements_allowed: on(c.statements_allowed),
            anonymous_allowed: on(c.anonymous_allowed),
        }
    }
    fn checked(&self, name: &str) -> bool {
        let value = match name {
            "strict_moderation" => &self.strict_moderation,
            "statements_allowed" => &self.statements_allowed,
            _ => &self.anonymous_allowed,
        };
        value.is_some()
    }
}

#[derive(Template)]
#[template(path = "conversations/form.html")]
pub(super) struct FormPage {
    page: PageCtx,
    process: Process,
    /// The conversation edited, or none for a new one.
    editing: Option<Conversation>,
    fields: ConversationFields,
    errors: FieldErrors,
}

impl FormPage {
    fn action(&self) -> String {
        match &self.editing {
            Some(c) => format!("{}/edit", c.url),
            None => format!("{}/conversations/new", self.process.url()),
        }
    }
}

async fn managed_process(
    state: &AppState,
    space: &str,
    process: &str,
    user: &kernel::accounts::User,
) -> Result<Process, Error> {
    let p = participation::store::by_address(state.db(), space, process).await?;
    policy::check(Some(user), Action::Manage, &Resource::Process(&p))?;
    Ok(p)
}

pub(super) async fn new_form(
    State(state): State<AppState>,
    page: PageCtx,
    SignedIn(user): SignedIn,
    Path((space, process)): Path<(String, String)>,
) -> Result<Response, Error> {
    let process = managed_process(&state, &space, &process, &user).await?;
    render(&FormPage {
        page,
        process,
        editing: None,
        fields: ConversationFields {
            statements_allowed: Some("on".into()),
            ..Default::default()
        },
        errors: FieldErrors::new(),
    })
}

pub(super) async fn create(
    State(state): State<AppState>,
    page: PageCtx,
    SignedIn(user): SignedIn,
    Path((space, process)): Path<(String, String)>,
    Form(fields): Form<ConversationFields>,
) -> Result<Response, Error> {
    let process = managed_process(&state, &space, &process, &user).await?;
    match fields.parse() {
        Ok(input) => {
            let id = store::create(state.db(), &process.id, &input, &user.id).await?;
            let url = store::conversation_url(&process.space_slug, &process.slug, &id);
            Ok(redirect_with_flash(&url, "flash.conversation_created"))
        }
        Err(errors) => render_invalid(&FormPage {
            page,
            process,
            editing: None,
            fields,
            errors,
        }),
    }
}

pub(super) async fn edit_form(
    State(state): State<AppState>,
    page: PageCtx,
    SignedIn(user): SignedIn,
    Path(path): Path<ConversationPath>,
) -> Result<Response, Error> {
    let l = allowed(&state, &path, &user, Action::Manage).await?;
    render(&FormPage {
        page,
        fields: ConversationFields::of(&l.conversation),
        process: l.process,
        editing: Some(l.conversation),
        errors: FieldErrors::new(),
    })
}

pub(super) async fn update(
    State(state): State<AppState>,
    page: PageCtx,
    SignedIn(user): SignedIn,
    Path(path): Path<ConversationPath>,
    Form(fields): Form<ConversationFields>,
) -> Result<Response, Error> {
    let l = allowed(&state, &path, &user, Action::Manage).await?;
    match fields.parse() {
        Ok(input) => {
            store::update(state.db(), &l.conversation.id, &input, &user.id).await?;
            Ok(redirect_with_flash(&l.conversation.url, "flash.saved"))
        }
        Err(errors) => render_invalid(&FormPage {
            page,
            process: l.process,
            editing: Some(l.conversation),
            fields,
            errors,
        }),
    }
}

pub(super) async fn close(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
    Path(path): Path<ConversationPath>,
) -> Result<Response, Error> {
    let l = allowed(&state, &path, &user, Action::Manage).await?;
    store::set_closed(state.db(), &l.conversation.id, true, &user.id).await?;
    Ok(redirect_with_flash(
        &l.conversation.url,
        "flash.conversation_closed",
    ))
}

pub(super) async fn reopen(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
    Path(path): Path<ConversationPath>,
) -> Result<Response, Error> {
    let l = allowed(&state, &path, &user, Action::Manage).await?;
    store::set_closed(state.db(), &l.conversation.id, false, &user.id).await?;
    Ok(redirect_with_flash(
        &l.conversation.url,
        "flash.conversation_reopened",
    ))
}

#[derive(Template)]
#[template(path = "conversations/moderation.html")]
pub(super) struct QueuePage {
    page: PageCtx,
    process: Process,
    c: Conversation,
    /// Statements waiting, oldest first.
    pending: Vec<Statement>,
    /// Statements decided, newest first.
    decided: Vec<Statement>,
}

impl QueuePage {
    fn moderation_key(&self, s: &Statement) -> &'static str {
        match (s.moderation, s.is_meta) {
            (_, true) => "conversation.moderation.meta",
            (Moderation::Accepted, _) => "conversation.moderation.accepted",
            (Moderation::Rejected, _) => "conversation.moderation.rejected",
            (Moderation::Pending, _) => "conversation.moderation.pending",
        }
    }
}

pub(super) async fn queue(
    State(state): State<AppState>,
    page: PageCtx,
    SignedIn(user): SignedIn,
    Path(path): Path<ConversationPath>,
) -> Result<Response, Error> {
    let l = allowed(&state, &path, &user, Action::Moderate).await?;
    let all = store::statements(state.db(), &l.conversation.id).await?;
    let (pending, mut decided): (Vec<Statement>, Vec<Statement>) = all
        .into_iter()
        .partition(|s| s.moderation == Moderation::Pending && !s.is_meta);
    decided.reverse();
    render(&QueuePage {
        page,
        process: l.process,
        c: l.conversation,
        pending,
        decided,
    })
}

#[derive(Deserialize)]
pub(super) struct ModerationForm {
    #[serde(default)]
    decision: String,
}

pub(super) async fn moderate(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
    Path((space, process, id, statement)): Path<(String, String, String, String)>,
    Form(form): Form<ModerationForm>,
) -> Result<Response, Error> {
    let l = allowed(&state, &(space, process, id), &user, Action::Moderate).await?;
    let (moderation, is_meta) = match form.decision.as_str() {
        "accept" => (Moderation::Accepted, false),
        "reject" => (Moderation::Rejected, false),
        "meta" => (Moderation::Accepted, true),
        _ => return Err(Error::BadRequest("conversation.decision")),
    };
    store::moderate(
        state.db(),
        &l.conversation.id,
        &statement,
        moderation,
        is_meta,
        &user.id,
    )
    .await?;
    Ok(redirect_with_flash(
        &format!("{}/moderation", l.conversation.url),
        "flash.statement_moderated",
    ))
}
