//! The network moderators' queues: the requests to join, with what each says, accepted or
//! refused with a reason (the owners are told by mail); the proposed resources, published or
//! rejected with a reason (their authors are told by mail).

use super::*;
use kernel::accounts::User;
use kernel::review::{Decided, Decisions, Moderation};

#[derive(Template)]
#[template(path = "network/moderation.html")]
pub(crate) struct QueuePage {
    page: PageCtx,
    names: Names,
    pending: Vec<Member>,
    decisions: Decisions,
}

impl QueuePage {
    fn methods_of(&self, m: &Member) -> String {
        self.names.methods_of(m, self.page.tr.0)
    }
    fn departements_of(&self, m: &Member) -> String {
        self.names.departements_of(m)
    }
    fn asked(&self, m: &Member) -> kernel::i18n::TimeTag {
        day(m.created_at, self.page.tr.0)
    }
    fn charter_on(&self, m: &Member) -> kernel::i18n::TimeTag {
        day(m.charter_accepted_at, self.page.tr.0)
    }
    fn action(&self, m: &Member) -> String {
        format!("/commun/moderation/members/{}", m.id)
    }
}

/// The network's moderation: its queue and decisions are the kernel's
/// ([`kernel::review::queue`], [`kernel::review::decide_item`]).
pub(crate) struct Members;

impl Moderation for Members {
    type Queue = QueuePage;
    const QUEUE: &'static str = "/commun/moderation";
    const DECIDED: &'static str = "flash.network_decided";

    fn check(user: &User) -> Result<(), Error> {
        policy::check(user, Action::Moderate, &Resource::Network)
    }

    async fn queue(
        state: &AppState,
        page: PageCtx,
        decisions: Decisions,
    ) -> Result<QueuePage, Error> {
        Ok(QueuePage {
            names: Names::load(state).await?,
            pending: store::pending(state.db()).await?,
            page,
            decisions,
        })
    }

    async fn decide_item(
        state: &AppState,
        id: &str,
        accept: bool,
        reason: &str,
        by: &str,
    ) -> Result<(), Error> {
        let member = store::get(state.db(), id).await?.ok_or(Error::NotFound)?;
        let to = directory::store::owner_emails(state.db(), &member.actor_id).await?;
        let key = store::REVIEW.mail(Decided::Item, accept);
        let mails = state.letters_about(&to, key, (&member.actor_name, "/commun"), reason);
        Ok(store::decide(state.db(), id, accept, reason, by, &mails).await?)
    }

    /// Members do not revise their entry yet: there is no revision to decide.
    async fn decide_revision(
        _state: &AppState,
        _id: &str,
        _approve: bool,
        _reason: &str,
        _by: &str,
    ) -> Result<(), Error> {
        Err(Error::NotFound)
    }
}

/// A revision of a resource in the queue, with the resource and the fields it changes.
pub(crate) struct Change {
    revision: store::resources::Revision,
    resource: store::resources::Resource,
    diff: Vec<kernel::review::FieldChange>,
}

impl Change {
    /// The attachments of the proposed version, each with whether the published one lacks it.
    fn files(&self) -> Vec<(&kernel::uploads::Attachment, bool)> {
        let published = &self.resource.data.attachments;
        kernel::uploads::marked_new(&self.revision.data.attachments, published)
    }
}

#[derive(Template)]
#[template(path = "network/resource_moderation.html")]
pub(crate) struct ResourceQueuePage {
    page: PageCtx,
    names: Names,
    pending: Vec<store::resources::Resource>,
    changes: Vec<Change>,
    decisions: Decisions,
}

impl ResourceQueuePage {
    fn methods_of(&self, r: &store::resources::Resource) -> String {
        self.names.method_names(&r.data.methods, self.page.tr.0)
    }
    fn licence_of(&self, r: &store::resources::Resource) -> String {
        r.data.licence_name(self.page.tr.0)
    }
    fn asked(&self, r: &store::resources::Resource) -> kernel::i18n::TimeTag {
        day(r.created_at, self.page.tr.0)
    }
    fn action(&self, r: &store::resources::Resource) -> String {
        format!("/commun/moderation/resources/{}", r.id)
    }
    fn revision_action(&self, c: &Change) -> String {
        format!("/commun/moderation/resources/revisions/{}", c.revision.id)
    }
}

/// The moderation of resources and their revisions: its queue and decisions are the kernel's.
pub(crate) struct Resources;

impl Moderation for Resources {
    type Queue = ResourceQueuePage;
    const QUEUE: &'static str = "/commun/moderation/resources";
    const DECIDED: &'static str = "flash.network_resource_decided";

    fn check(user: &User) -> Result<(), Error> {
        policy::check(user, Action::Moderate, &Resource::Network)
    }

    async fn queue(
        state: &AppState,
        page: PageCtx,
        decisions: Decisions,
    ) -> Result<ResourceQueuePage, Error> {
        let mut changes = Vec::new();
        for revision in store::resources::pending_revisions(state.db()).await? {
            if let Some(resource) = store::resources::get(state.db(), &revision.item).await? {
                let diff = resource.data.diff(&revision.data);
                changes.push(Change {
                    revision,
                    resource,
                    diff,
                });
            }
        }
        Ok(ResourceQueuePage {
            names: Names::load(state).await?,
            pending: store::resources::pending(state.db()).await?,
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
        let resource = store::resources::get(state.db(), id)
            .await?
            .ok_or(Error::NotFound)?;
        let mails = author_told(state, &resource, Decided::Item, publish, reason).await?;
        Ok(store::resources::decide(state.db(), id, publish, reason, by, &mails).await?)
    }

    async fn decide_revision(
        state: &AppState,
        id: &str,
        approve: bool,
        reason: &str,
        by: &str,
    ) -> Result<(), Error> {
        let rev = store::resources::pending_revision(state.db(), id).await?;
        let resource = store::resources::get(state.db(), &rev.item)
            .await?
            .ok_or(Error::NotFound)?;
        let mails = author_told(state, &resource, Decided::Revision, approve, reason).await?;
        match store::resources::decide_revision(state.db(), &rev, approve, reason, by, &mails).await
        {
            Err(e @ crate::error::StoreError::Stale) => {
                Err(kernel::review::stale_revision(e.code()))
            }
            r => Ok(r?),
        }
    }
}

/// The mail that tells a resource's author of a decision.
async fn author_told(
    state: &AppState,
    resource: &store::resources::Resource,
    decided: Decided,
    approved: bool,
    reason: &str,
) -> Result<Vec<kernel::mail::Letter>, Error> {
    let to: Vec<String> = store::resources::author_email(state.db(), resource)
        .await?
        .into_iter()
        .collect();
    let key = store::resources::REVIEW.mail(decided, approved);
    Ok(state.letters_about(&to, key, (&resource.data.title, &resource.url()), reason))
}

/// The network's two queues (the requests to join, the proposed resources) on the workplace of
/// its moderators.
pub async fn workplace(
    state: AppState,
    of: kernel::workplace::WorkOf,
) -> Result<Vec<kernel::workplace::Work>, Error> {
    if !policy::can(Some(&of.user), Action::Moderate, &Resource::Network) {
        return Ok(Vec::new());
    }
    let members = ("workplace.network.members", "/commun/moderation");
    let resources = (
        "workplace.network.resources",
        "/commun/moderation/resources",
    );
    Ok(vec![
        kernel::workplace::review_queue(&state, of.lang, members, &[crate::store::REVIEW]).await?,
        kernel::workplace::review_queue(
            &state,
            of.lang,
            resources,
            &[crate::store::resources::REVIEW],
        )
        .await?,
    ])
}
