//! The challenges of a member of staff, on their workplace: one entry per challenge not decided
//! yet whose responses they read (those of the spaces they manage, those they evaluate), with
//! the responses received, leading to the page of the responses.

use crate::policy::{self, Action, Resource};
use crate::store::{self, Received, Whose};
use kernel::i18n::{Lang, Tr};
use kernel::workplace::{Waiting, Work, WorkOf, spaces_where};
use kernel::{AppState, Error};

/// The reader's challenges with their responses.
pub async fn workplace(state: AppState, of: WorkOf) -> Result<Vec<Work>, Error> {
    let user = Some(&of.user);
    let runs = |id: &str| policy::can(user, Action::Run, &Resource::Space(id));
    let mut found: Vec<Received> = Vec::new();
    for space in spaces_where(&state, &of.user, runs).await? {
        found.extend(store::received(state.db(), Whose::OfSpace(&space.id)).await?);
    }
    for r in store::received(state.db(), Whose::GradedBy(&of.user.id)).await? {
        if !found.iter().any(|f| f.challenge.id == r.challenge.id) {
            found.push(r);
        }
    }
    Ok(found
        .into_iter()
        .filter(|r| {
            policy::can(
                user,
                Action::ReadResponses,
                &Resource::Challenge(&r.challenge),
            )
        })
        .map(|r| entry(of.lang, r))
        .collect())
}

fn entry(lang: Lang, r: Received) -> Work {
    let tr = Tr(lang);
    Work {
        space_id: Some(r.challenge.space_id.clone()),
        title: tr.f(
            "workplace.lab.answers",
            &[("title", &r.challenge.data.title)],
        ),
        url: format!("{}/answers", r.challenge.url()),
        notes: Vec::new(),
        waiting: Some(Waiting {
            count: r.responses,
            words: tr.count("workplace.lab.received", r.responses),
            urgent: None,
            oldest: r.oldest,
        }),
    }
}
