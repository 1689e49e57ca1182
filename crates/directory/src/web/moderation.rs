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
pub(super) struct QueuePage {
    page: PageCtx,
    proposals: Vec<Proposal>,
    changes: Vec<Change>,
    decisions: Decisions,
}

/// The directory's moderation: its queue and decisions are the kernel's
/// ([`kernel::review::queue`], [`kernel::review::decide_item`], [`kernel::review::decide_revision`]).
pub(super) struct Actors;

impl Moderation for Actors {
    type Queue = QueuePage;
    const QUEUE: &'static str = "/directory/moderation";
    const DECIDED: &'static str = "flash.directory_decided";

    fn check(user: &User) -> Result<(), Error> {
        policy::check(user, policy::Action::Moderate, &Resource::Component)
    }

    async fn queue(
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

    async fn decide_item(
        state: &AppState,
        id: &str,
        publish: bool,
        reason: &str,
        by: &str,
    ) -> Result<(), Error> {
        let actor = store::get(state.db(), id).await?.ok_or(Error::NotFound)?;
        let key = store::REVIEW.mail(Decided::Item, publish);
        let mails = owners_told(state, &actor, key, reason).await?;
        Ok(store::decide(state.db(), id, publish, reason, by, &mails).await?)
    }

    async fn decide_revision(
        state: &AppState,
        id: &str,
        approve: bool,
        reason: &str,
        by: &str,
    ) -> Result<(), Error> {
        let rev = store::pending_revision(state.db(), id).await?;
        let actor = store::get(state.db(), &rev.item)
            .await?
            .ok_or(Error::NotFound)?;
        let key = store::REVIEW.mail(Decided::Revision, approve);
        let mails = owners_told(state, &actor, key, reason).await?;
        match store::decide_revision(state.db(), &rev, approve, reason, by, &mails).await {
            Err(e @ StoreError::Stale) => Err(review::stale_revision(e.code())),
            r => Ok(r?),
        }
    }
}

/// The mails that tell an actor's owners of a decision.
pub(crate) async fn owners_told(
    state: &AppState,
    actor: &Actor,
    key: &str,
    reason: &str,
) -> Result<Vec<kernel::mail::Letter>, Error> {
    let to = store::owner_emails(state.db(), &actor.id).await?;
    Ok(state.letters_about(&to, key, (actor.data.name(), &actor.url()), reason))
}

/// The directory's queue on the workplace of its moderators.
pub async fn workplace(
    state: AppState,
    of: kernel::workplace::WorkOf,
) -> Result<Vec<kernel::workplace::Work>, Error> {
    if !policy::can(
        Some(&of.user),
        policy::Action::Moderate,
        &Resource::Component,
    ) {
        return Ok(Vec::new());
    }
    let queue = ("workplace.directory.queue", "/directory/moderation");
    let work =
        kernel::workplace::review_queue(&state, of.lang, queue, &[crate::store::REVIEW]).await?;
    Ok(vec![work])
}
