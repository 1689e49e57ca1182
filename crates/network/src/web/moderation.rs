//! The network moderators' queue: the requests to join, with what each says, accepted or
//! refused with a reason; the owners are told by mail.

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
    fn asked(&self, m: &Member) -> String {
        day(m.created_at, self.page.tr.0)
    }
    fn charter_on(&self, m: &Member) -> String {
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
        store::decide(state.db(), id, accept, reason, by).await?;
        let to = directory::store::owner_emails(state.db(), &member.actor_id).await?;
        let key = store::REVIEW.mail(Decided::Item, accept);
        state.mail_about(&to, key, (&member.actor_name, "/commun"), reason);
        Ok(())
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
