//! The work of a member of staff, on their workplace: per space they manage, the processes
//! being prepared (drafts until published); per space they moderate, the contributions waiting
//! for publication and the flagged contributions and comments.

use kernel::accounts::{Action, can};
use kernel::i18n::Tr;
use kernel::workplace::{Waiting, Work, WorkOf, spaces_where};
use kernel::{AppState, Error};

/// The reader's processes in preparation and moderation queues.
pub async fn workplace(state: AppState, of: WorkOf) -> Result<Vec<Work>, Error> {
    let mut out = preparation(&state, &of).await?;
    out.extend(moderation(&state, &of).await?);
    Ok(out)
}

/// One entry per space the reader manages that has any process: how many are drafts, leading
/// to the space's page, where its administrators find every process, drafts marked.
async fn preparation(state: &AppState, of: &WorkOf) -> Result<Vec<Work>, Error> {
    let tr = Tr(of.lang);
    let manages = |id: &str| can(Some(&of.user), Action::ManageSpace(id));
    let mut out = Vec::new();
    for space in spaces_where(state, &of.user, manages).await? {
        let preparing = crate::store::preparing(state.db(), &space.id).await?;
        if preparing.processes == 0 {
            continue;
        }
        out.push(Work {
            space_id: Some(space.id.clone()),
            title: tr.t("workplace.participation.drafts").to_string(),
            url: format!("/s/{}", space.slug),
            notes: Vec::new(),
            waiting: Some(Waiting {
                count: preparing.drafts,
                words: tr.count("workplace.participation.draft_count", preparing.drafts),
                urgent: None,
                oldest: preparing.oldest,
            }),
        });
    }
    Ok(out)
}

/// The reader's moderation queues, one per space they moderate.
async fn moderation(state: &AppState, of: &WorkOf) -> Result<Vec<Work>, Error> {
    let tr = Tr(of.lang);
    let moderates = |id: &str| can(Some(&of.user), Action::ModerateSpace(id));
    let mut out = Vec::new();
    for space in spaces_where(state, &of.user, moderates).await? {
        let (count, oldest) = crate::store::moderation::waiting(state.db(), &space.id).await?;
        out.push(Work {
            space_id: Some(space.id.clone()),
            title: tr.t("workplace.participation.queue").to_string(),
            url: format!("/s/{}/moderation", space.slug),
            notes: Vec::new(),
            waiting: Some(Waiting {
                count,
                words: tr.count("workplace.participation.waiting", count),
                urgent: None,
                oldest,
            }),
        });
    }
    Ok(out)
}
