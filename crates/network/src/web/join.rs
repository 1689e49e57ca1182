//! Joining and leaving: an owner of directory actors of the participation kinds chooses one,
//! accepts the member charter, says which methods it practises and which départements it
//! serves; their members and requests are listed with a way to leave.

use super::*;
use crate::error::StoreError;
use axum::extract::Path;
use directory::store::Actor;
use kernel::FieldErrors;
use kernel::web::{Form, SignedIn, redirect_with_flash, render_invalid};

/// Why an actor the reader owns cannot ask: a text key.
struct NotEligible {
    name: String,
    url: String,
    why: &'static str,
}

/// The reader's actors, as the join page sorts them.
struct Owned {
    /// Those that may ask now.
    candidates: Vec<Actor>,
    /// Their memberships: accepted or waiting.
    memberships: Vec<Member>,
    /// Those that may not ask, and why.
    others: Vec<NotEligible>,
}

async fn owned(state: &AppState, user_id: &str) -> Result<Owned, Error> {
    let mut out = Owned {
        candidates: Vec::new(),
        memberships: Vec::new(),
        others: Vec::new(),
    };
    for actor in directory::owners::owned_by(state.db(), user_id).await? {
        let membership = store::of_actor(state.db(), &actor.id).await?;
        let why = if actor.state != directory::store::State::Published {
            Some("network.why.unpublished")
        } else if !PARTICIPATION_KINDS.contains(&actor.data.kind()) {
            Some("network.why.kind")
        } else {
            None
        };
        match (membership, why) {
            (Some(m), _) if !m.state.may_ask() => out.memberships.push(m),
            (_, Some(why)) => out.others.push(NotEligible {
                name: actor.data.name().to_string(),
                url: actor.url(),
                why,
            }),
            (_, None) => out.candidates.push(actor),
        }
    }
    Ok(out)
}

#[derive(Template)]
#[template(path = "network/join.html")]
pub(super) struct JoinPage {
    page: PageCtx,
    owned: Owned,
    names: Names,
    /// The form as typed.
    fields: Vec<(String, String)>,
    errors: FieldErrors,
}

impl JoinPage {
    fn get(&self, name: &str) -> &str {
        self.fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .unwrap_or("")
    }
    fn has(&self, name: &str, value: &str) -> bool {
        self.fields.iter().any(|(k, v)| k == name && v == value)
    }
    fn is_chosen(&self, actor: &Actor) -> bool {
        self.get("actor") == actor.id || self.owned.candidates.len() == 1
    }
    fn label(&self, m: &Method) -> String {
        m.label(self.page.tr.0).to_string()
    }
    fn state_key(&self, m: &Member) -> &'static str {
        match m.state {
            MemberState::Accepted => "network.state.accepted",
            _ => "network.state.pending",
        }
    }
    fn since(&self, m: &Member) -> kernel::i18n::TimeTag {
        day(m.updated_at, self.page.tr.0)
    }
    fn asked(&self, m: &Member) -> kernel::i18n::TimeTag {
        day(m.created_at, self.page.tr.0)
    }
    fn charter_on(&self, m: &Member) -> kernel::i18n::TimeTag {
        day(m.charter_accepted_at, self.page.tr.0)
    }
    fn methods_of(&self, m: &Member) -> String {
        self.names.methods_of(m, self.page.tr.0)
    }
    fn departements_of(&self, m: &Member) -> String {
        self.names.departements_of(m)
    }
    /// The hint's ids an input is described by, with its error's when it has one.
    fn described(&self, name: &str) -> String {
        if self.errors.on(name).is_some() {
            format!("{name}-error {name}-hint")
        } else {
            format!("{name}-hint")
        }
    }
}

pub(super) async fn form(
    State(state): State<AppState>,
    page: PageCtx,
    SignedIn(user): SignedIn,
) -> Result<Response, Error> {
    render(&JoinPage {
        owned: owned(&state, &user.id).await?,
        names: Names::load(&state).await?,
        page,
        fields: Vec::new(),
        errors: FieldErrors::new(),
    })
}

pub(super) async fn ask(
    State(state): State<AppState>,
    page: PageCtx,
    SignedIn(user): SignedIn,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, Error> {
    let owned = owned(&state, &user.id).await?;
    policy::check(
        &user,
        Action::Join,
        &Resource::Candidates(owned.candidates.len()),
    )?;
    let names = Names::load(&state).await?;
    let parsed = JoinInput::parse(&fields.as_slice(), &names.methods, &names.departements);
    let actor = parsed
        .as_ref()
        .map(|j| j.actor_id().to_string())
        .unwrap_or_else(|_| {
            fields
                .iter()
                .find(|(k, _)| k == "actor")
                .map(|(_, v)| v.trim().to_string())
                .unwrap_or_default()
        });
    let mut errors = FieldErrors::new();
    if !actor.is_empty() && !owned.candidates.iter().any(|a| a.id == actor) {
        // Someone else's actor is refused; one of the reader's that may not ask (a member
        // already, not of a participation kind) is a field error.
        let mine = directory::store::owns(state.db(), &actor, &user.id).await?;
        policy::check(&user, Action::Join, &Resource::Actor { owned: mine })?;
        errors.push(kernel::FieldError::new(
            "actor",
            "network.actor_not_eligible",
        ));
    }
    let asked = match parsed {
        Ok(input) if errors.is_empty() => store::request(state.db(), &input, &user.id).await,
        Ok(_) => Err(StoreError::Invalid(errors)),
        Err(mut more) => {
            more.0.extend(errors.0);
            Err(StoreError::Invalid(more))
        }
    };
    let errors = match asked {
        Ok(_) => return Ok(redirect_with_flash("/commun/join", "flash.network_asked")),
        Err(StoreError::AlreadyAsked) => {
            FieldErrors::from(kernel::FieldError::new("actor", "network.already_asked"))
        }
        Err(StoreError::Invalid(errors)) => errors,
        Err(e) => return Err(e.into()),
    };
    render_invalid(&JoinPage {
        page,
        owned,
        names,
        fields,
        errors,
    })
}

pub(super) async fn leave(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
    Path(id): Path<String>,
) -> Result<Response, Error> {
    let member = store::get(state.db(), &id).await?.ok_or(Error::NotFound)?;
    let owned = directory::store::owns(state.db(), &member.actor_id, &user.id).await?;
    policy::check(&user, Action::Leave, &Resource::Actor { owned })?;
    store::leave(state.db(), &member.id, &user.id).await?;
    Ok(redirect_with_flash("/commun/join", "flash.network_left"))
}
