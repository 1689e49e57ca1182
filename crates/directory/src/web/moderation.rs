//! The moderators' queue: proposed actors with their likely duplicates, owners' revisions as a
//! field-by-field diff, and the decisions with the mails that tell the owners.

use super::*;

/// A proposal in the queue, with its likely duplicates.
struct Proposal {
    actor: Actor,
    duplicates: Vec<Actor>,
}

/// A revision in the queue, with its diff against the actor as it stands.
struct Change {
    revision: Revision,
    actor: Actor,
    diff: Vec<FieldChange>,
    stale: bool,
}

#[derive(Template)]
#[template(path = "directory/moderation.html")]
struct QueuePage {
    page: PageCtx,
    proposals: Vec<Proposal>,
    changes: Vec<Change>,
    decisions: Decisions,
}

async fn queue_page(
    state: &AppState,
    page: PageCtx,
    decisions: Decisions,
) -> Result<QueuePage, Error> {
    let mut proposals = Vec::new();
    for actor in store::pending(state.db()).await? {
        let duplicates = store::duplicates(state.db(), &actor).await?;
        proposals.push(Proposal { actor, duplicates });
    }
    let mut changes = Vec::new();
    for revision in store::pending_revisions(state.db()).await? {
        let Some(actor) = store::get(state.db(), &revision.item).await? else {
            continue;
        };
        changes.push(Change {
            diff: actor.data.diff(&revision.data),
            stale: actor.revision != revision.base,
            revision,
            actor,
        });
    }
    Ok(QueuePage {
        page,
        proposals,
        changes,
        decisions,
    })
}

pub(crate) async fn queue(
    State(state): State<AppState>,
    page: PageCtx,
    SignedIn(user): SignedIn,
) -> Result<Response, Error> {
    policy::check(&user, policy::Action::Moderate, &Resource::Component)?;
    render(&queue_page(&state, page, Decisions::default()).await?)
}

/// The queue again, with why a decision on `failed` was refused.
async fn refused_decision(
    state: &AppState,
    page: PageCtx,
    errors: FieldErrors,
    failed: &str,
) -> Result<Response, Error> {
    render_invalid(&queue_page(state, page, Decisions::refused(errors, failed)).await?)
}

/// Tells an actor's owners of a decision.
pub(crate) async fn tell_owners(
    state: &AppState,
    actor: &Actor,
    key: &str,
    reason: &str,
) -> Result<(), Error> {
    let to = store::owner_emails(state.db(), &actor.id).await?;
    state.mail_about(&to, key, (&actor.data.name, &actor.url()), reason);
    Ok(())
}

pub(crate) async fn decide_actor(
    State(state): State<AppState>,
    page: PageCtx,
    SignedIn(user): SignedIn,
    Path(id): Path<String>,
    Form(f): Form<DecisionForm>,
) -> Result<Response, Error> {
    policy::check(&user, policy::Action::Moderate, &Resource::Component)?;
    let actor = store::get(state.db(), &id).await?.ok_or(Error::NotFound)?;
    let publish = match f.approves() {
        Ok(p) => p,
        Err(errors) => return refused_decision(&state, page, errors, &id).await,
    };
    store::decide(state.db(), &id, publish, f.reason(), &user.id).await?;
    let key = store::REVIEW.mail(Decided::Item, publish);
    tell_owners(&state, &actor, key, f.reason()).await?;
    Ok(redirect_with_flash(
        "/directory/moderation",
        "flash.directory_decided",
    ))
}

pub(crate) async fn decide_revision(
    State(state): State<AppState>,
    page: PageCtx,
    SignedIn(user): SignedIn,
    Path(id): Path<String>,
    Form(f): Form<DecisionForm>,
) -> Result<Response, Error> {
    policy::check(&user, policy::Action::Moderate, &Resource::Component)?;
    let approve = match f.approves() {
        Ok(a) => a,
        Err(errors) => return refused_decision(&state, page, errors, &id).await,
    };
    let rev = match store::decide_revision(state.db(), &id, approve, f.reason(), &user.id).await {
        Ok(rev) => rev,
        Err(Error::Conflict(code)) if code == store::REVIEW.stale => {
            let errors = kernel::FieldError::new("reason", code).into();
            return refused_decision(&state, page, errors, &id).await;
        }
        Err(e) => return Err(e),
    };
    if let Some(actor) = store::get(state.db(), &rev.item).await? {
        let key = store::REVIEW.mail(Decided::Revision, approve);
        tell_owners(&state, &actor, key, f.reason()).await?;
    }
    Ok(redirect_with_flash(
        "/directory/moderation",
        "flash.directory_decided",
    ))
}
