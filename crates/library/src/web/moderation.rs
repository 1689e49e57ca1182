//! The moderators' queue of the library: submitted experiences, authors' revisions as a
//! field-by-field diff with their files, the decisions and the mails that tell the authors.

use super::*;

/// A revision in the queue, with its experience and the fields it changes.
struct Change {
    revision: Revision,
    experience: Experience,
    diff: Vec<FieldChange>,
}

impl Change {
    /// The attachments of the proposed version, each with whether the published one lacks it.
    fn files(&self) -> Vec<(&kernel::uploads::Attachment, bool)> {
        let published = &self.experience.data.attachments;
        kernel::uploads::marked_new(&self.revision.data.attachments, published)
    }
}

#[derive(Template)]
#[template(path = "library/moderation.html")]
pub(super) struct QueuePage {
    page: PageCtx,
    experiences: Vec<Experience>,
    changes: Vec<Change>,
    decisions: Decisions,
}

/// The library's moderation: its queue and decisions are the kernel's
/// ([`kernel::review::queue`], [`kernel::review::decide_item`], [`kernel::review::decide_revision`]).
pub(super) struct Experiences;

impl Moderation for Experiences {
    type Queue = QueuePage;
    const QUEUE: &'static str = "/library/moderation";
    const DECIDED: &'static str = "flash.library_decided";

    fn check(user: &User) -> Result<(), Error> {
        policy::check(user, policy::Action::Moderate, &Resource::Component)
    }

    async fn queue(
        state: &AppState,
        page: PageCtx,
        decisions: Decisions,
    ) -> Result<QueuePage, Error> {
        let mut changes = Vec::new();
        for revision in store::pending_revisions(state.db()).await? {
            if let Some(experience) = store::get(state.db(), &revision.item).await? {
                let diff = experience.data.diff(&revision.data);
                changes.push(Change {
                    revision,
                    experience,
                    diff,
                });
            }
        }
        Ok(QueuePage {
            experiences: store::pending(state.db()).await?,
            changes,
            page,
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
        let experience = store::get(state.db(), id).await?.ok_or(Error::NotFound)?;
        let mails = author_told(state, &experience, Decided::Item, publish, reason).await?;
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
        let experience = store::get(state.db(), &rev.item)
            .await?
            .ok_or(Error::NotFound)?;
        let mails = author_told(state, &experience, Decided::Revision, approve, reason).await?;
        match store::decide_revision(state.db(), &rev, approve, reason, by, &mails).await {
            Err(e @ StoreError::Stale) => Err(review::stale_revision(e.code())),
            r => Ok(r?),
        }
    }
}

/// The mail that tells an experience's author of a decision.
async fn author_told(
    state: &AppState,
    experience: &Experience,
    decided: Decided,
    approved: bool,
    reason: &str,
) -> Result<Vec<kernel::mail::Letter>, Error> {
    let to: Vec<String> = store::author_email(state.db(), experience)
        .await?
        .into_iter()
        .collect();
    let key = store::REVIEW.mail(decided, approved);
    Ok(state.letters_about(
        &to,
        key,
        (&experience.data.title, &experience.url()),
        reason,
    ))
}

/// The library's queue on the workplace of its moderators.
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
    let queue = ("workplace.library.queue", "/library/moderation");
    let work =
        kernel::workplace::review_queue(&state, of.lang, queue, &[crate::store::REVIEW]).await?;
    Ok(vec![work])
}
