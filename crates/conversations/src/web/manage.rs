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
    #[serde(default)]
    members_only: Option<String>,
    /// The member hosting a new network conversation.
    #[serde(default)]
    member: String,
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
            ("members_only", &self.members_only),
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
            members_only: on(c.members_only()),
            member: String::new(),
        }
    }
    fn checked(&self, name: &str) -> bool {
        let value = match name {
            "strict_moderation" => &self.strict_moderation,
            "statements_allowed" => &self.statements_allowed,
            "members_only" => &self.members_only,
            _ => &self.anonymous_allowed,
        };
        value.is_some()
    }
}

#[derive(Template)]
#[template(path = "conversations/form.html")]
pub(super) struct FormPage {
    page: PageCtx,
    /// The breadcrumb: (text, address).
    crumbs: Vec<(String, String)>,
    /// Where a new conversation's form is sent.
    new_url: String,
    /// Whether it is held in the network (its settings include `members_only`).
    network: bool,
    /// The members a new network conversation may be hosted by: (id, name); empty otherwise.
    members: Vec<(String, String)>,
    /// The conversation edited, or none for a new one.
    editing: Option<Conversation>,
    fields: ConversationFields,
    errors: FieldErrors,
}

impl FormPage {
    fn action(&self) -> String {
        match &self.editing {
            Some(c) => format!("{}/edit", c.url),
            None => self.new_url.clone(),
        }
    }
}

/// Where a new conversation goes, when `user` may start one there: a process they manage, or
/// the network, hosted by one of the accepted members they own (listed).
async fn managed_place(
    state: &AppState,
    params: &HashMap<String, String>,
    user: &kernel::accounts::User,
) -> Result<(Place, Vec<network::model::Member>), Error> {
    let place = Place::of(state, params, Some(user)).await?;
    let members = match &place {
        Place::Process(p) => {
            policy::check(Some(user), Action::Manage, &Resource::Process(p))?;
            Vec::new()
        }
        Place::Network => {
            let members = network::store::owned_accepted(state.db(), &user.id).await?;
            let resource = Resource::Network {
                member: !members.is_empty(),
            };
            policy::check(Some(user), Action::Manage, &resource)?;
            members
        }
    };
    Ok((place, members))
}

impl FormPage {
    fn new(
        page: PageCtx,
        (place, members): (Place, Vec<network::model::Member>),
        fields: ConversationFields,
        errors: FieldErrors,
    ) -> FormPage {
        FormPage {
            crumbs: place.crumbs(page.tr),
            new_url: place.new_url(),
            network: matches!(place, Place::Network),
            members: members.into_iter().map(|m| (m.id, m.actor_name)).collect(),
            page,
            editing: None,
            fields,
            errors,
        }
    }
    fn editing(page: PageCtx, l: Located, fields: ConversationFields, errors: FieldErrors) -> Self {
        FormPage {
            crumbs: l.crumbs(page.tr),
            new_url: l.place.new_url(),
            network: matches!(l.place, Place::Network),
            members: Vec::new(),
            page,
            editing: Some(l.conversation),
            fields,
            errors,
        }
    }
}

pub(super) async fn new_form(
    State(state): State<AppState>,
    page: PageCtx,
    SignedIn(user): SignedIn,
    Path(params): Params,
) -> Result<Response, Error> {
    let place = managed_place(&state, &params, &user).await?;
    let fields = ConversationFields {
        statements_allowed: Some("on".into()),
        ..Default::default()
    };
    render(&FormPage::new(page, place, fields, FieldErrors::new()))
}

pub(super) async fn create(
    State(state): State<AppState>,
    page: PageCtx,
    SignedIn(user): SignedIn,
    Path(params): Params,
    Form(fields): Form<ConversationFields>,
) -> Result<Response, Error> {
    let (place, members) = managed_place(&state, &params, &user).await?;
    // The host: the member chosen, or the only one when none is named.
    let chosen = fields.member.trim();
    let host = members
        .iter()
        .find(|m| m.id == chosen || (chosen.is_empty() && members.len() == 1))
        .map(|m| m.id.clone());
    let parsed = match (fields.parse(), &place, &host) {
        (Err(errors), _, _) => Err(errors),
        (Ok(_), Place::Network, None) => Err(FieldErrors::from(kernel::FieldError::new(
            "member",
            "conversation.member_unknown",
        ))),
        (Ok(input), _, _) => Ok(input),
    };
    match parsed {
        Ok(input) => {
            let home = match (&place, &host) {
                (Place::Process(p), _) => store::NewHome::Process(&p.id),
                (Place::Network, host) => {
                    store::NewHome::Network(host.as_deref().unwrap_or_default())
                }
            };
            let id = store::create(state.db(), home, &input, &user.id).await?;
            let url = match &place {
                Place::Process(p) => store::conversation_url(&p.space_slug, &p.slug, &id),
                Place::Network => store::network_conversation_url(&id),
            };
            Ok(redirect_with_flash(&url, "flash.conversation_created"))
        }
        Err(errors) => render_invalid(&FormPage::new(page, (place, members), fields, errors)),
    }
}

pub(super) async fn edit_form(
    State(state): State<AppState>,
    page: PageCtx,
    SignedIn(user): SignedIn,
    Path(params): Params,
) -> Result<Response, Error> {
    let l = allowed(&state, &params, &user, Action::Manage).await?;
    let fields = ConversationFields::of(&l.conversation);
    render(&FormPage::editing(page, l, fields, FieldErrors::new()))
}

pub(super) async fn update(
    State(state): State<AppState>,
    page: PageCtx,
    SignedIn(user): SignedIn,
    Path(params): Params,
    Form(fields): Form<ConversationFields>,
) -> Result<Response, Error> {
    let l = allowed(&state, &params, &user, Action::Manage).await?;
    match fields.parse() {
        Ok(input) => {
            store::update(state.db(), &l.conversation.id, &input, &user.id).await?;
            Ok(redirect_with_flash(&l.conversation.url, "flash.saved"))
        }
        Err(errors) => render_invalid(&FormPage::editing(page, l, fields, errors)),
    }
}

pub(super) async fn close(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
    Path(params): Params,
) -> Result<Response, Error> {
    let l = allowed(&state, &params, &user, Action::Manage).await?;
    store::set_closed(state.db(), &l.conversation.id, true, &user.id).await?;
    Ok(redirect_with_flash(
        &l.conversation.url,
        "flash.conversation_closed",
    ))
}

pub(super) async fn reopen(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
    Path(params): Params,
) -> Result<Response, Error> {
    let l = allowed(&state, &params, &user, Action::Manage).await?;
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
    /// The breadcrumb: (text, address).
    crumbs: Vec<(String, String)>,
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
    Path(params): Params,
) -> Result<Response, Error> {
    let l = allowed(&state, &params, &user, Action::Moderate).await?;
    let all = store::statements(state.db(), &l.conversation.id).await?;
    let (pending, mut decided): (Vec<Statement>, Vec<Statement>) = all
        .into_iter()
        .partition(|s| s.moderation == Moderation::Pending && !s.is_meta);
    decided.reverse();
    render(&QueuePage {
        crumbs: l.crumbs(page.tr),
        page,
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
    Path(params): Params,
    Form(form): Form<ModerationForm>,
) -> Result<Response, Error> {
    let l = allowed(&state, &params, &user, Action::Moderate).await?;
    let statement = params.get("statement").ok_or(Error::NotFound)?;
    let (moderation, is_meta) = match form.decision.as_str() {
        "accept" => (Moderation::Accepted, false),
        "reject" => (Moderation::Rejected, false),
        "meta" => (Moderation::Accepted, true),
        _ => return Err(Error::BadRequest("conversation.decision")),
    };
    store::moderate(
        state.db(),
        &l.conversation.id,
        statement,
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
