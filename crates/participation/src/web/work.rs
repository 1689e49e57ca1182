//! The moderation queues of a member of staff, on their workplace: per space they moderate,
//! the contributions waiting for publication and the flagged contributions and comments.

use kernel::accounts::{Action, can};
use kernel::i18n::Tr;
use kernel::workplace::{Waiting, Work, WorkOf, spaces_where};
use kernel::{AppState, Error};

/// The reader's moderation queues, one per space they moderate.
pub async fn workplace(state: AppState, of: WorkOf) -> Result<Vec<Work>, Error> {
    let tr = Tr(of.lang);
    let moderates = |id: &str| can(Some(&of.user), Action::ModerateSpace(id));
    let mut out = Vec::new();
    for space in spaces_where(&state, &of.user, moderates).await? {
        let (count, oldest) = crate::store::moderation::waiting(state.db(), &space.id).await?;
        out.push(Work {
            space_id: Some(space.id.clone()),
            title: tr.t("workplace.participation.queue").to_string(),
            url: format!("/s/{}/moderation", space.slug),
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
