//! The moderation queues of conversations, on a member of staff's workplace: one per
//! conversation with statements waiting, in the spaces the reader moderates, and the network's
//! for its moderators (the instance's administrators).

use crate::policy::{self, Action, Resource, Standing};
use crate::store::{self, Awaiting, Held};
use kernel::accounts::User;
use kernel::i18n::Tr;
use kernel::workplace::{Waiting, Work, WorkOf, spaces_where};
use kernel::{AppState, Error};

/// The reader's conversations with statements waiting for them.
pub async fn workplace(state: AppState, of: WorkOf) -> Result<Vec<Work>, Error> {
    let user = &of.user;
    let moderates =
        |id: &str| kernel::policy::can(Some(user), kernel::policy::Action::ModerateSpace(id));
    let mut out = Vec::new();
    for space in spaces_where(&state, user, moderates).await? {
        for a in store::awaiting_moderation(state.db(), Held::InSpace(&space.id)).await? {
            // A draft process, and what it holds, exists for its space's administrators only.
            let seen = !a.in_draft
                || kernel::policy::can(Some(user), kernel::policy::Action::ManageSpace(&space.id));
            if seen && may_moderate(user, &a) {
                out.push(queue(of.lang, Some(space.id.clone()), a));
            }
        }
    }
    if kernel::policy::can(Some(user), kernel::policy::Action::AdministerInstance) {
        for a in store::awaiting_moderation(state.db(), Held::InNetwork).await? {
            if may_moderate(user, &a) {
                out.push(queue(of.lang, None, a));
            }
        }
    }
    Ok(out)
}

fn may_moderate(user: &User, a: &Awaiting) -> bool {
    let resource = Resource::Conversation(&a.conversation, Standing::default());
    policy::can(Some(user), Action::Moderate, &resource)
}

/// The queue of one conversation: its question, its moderation page, what waits there.
fn queue(lang: kernel::i18n::Lang, space_id: Option<String>, a: Awaiting) -> Work {
    let tr = Tr(lang);
    Work {
        space_id,
        title: tr.f(
            "workplace.conversations.queue",
            &[("question", &a.conversation.question)],
        ),
        url: format!("{}/moderation", a.conversation.url),
        notes: Vec::new(),
        waiting: Some(Waiting {
            count: a.statements,
            words: tr.count("conversation.pending_link", a.statements),
            urgent: None,
            oldest: a.oldest,
        }),
    }
}
