//! The votes of a member of staff, on their workplace: per space they manage, each vote not
//! closed yet (a draft, published before its opening, or open), the next to open or close
//! first, with where it stands and, once open, the ballots cast so far.

use super::phase_note;
use crate::model::Phase;
use crate::policy::{Action, Resource, can};
use kernel::i18n::Tr;
use kernel::ids::now_ms;
use kernel::workplace::{Work, WorkOf, spaces_where};
use kernel::{AppState, Error};

/// Most votes shown per space: the others wait for these to close.
const PER_SPACE: i64 = 20;

/// The reader's votes not closed yet, per space where they prepare votes.
pub async fn workplace(state: AppState, of: WorkOf) -> Result<Vec<Work>, Error> {
    let tr = Tr(of.lang);
    let prepares = |id: &str| can(Some(&of.user), Action::Prepare, &Resource::Space(id));
    let now = now_ms();
    let mut out = Vec::new();
    for space in spaces_where(&state, &of.user, prepares).await? {
        for o in crate::store::ongoing(state.db(), &space.id, now, PER_SPACE).await? {
            let v = &o.vote;
            let mut notes = Vec::new();
            if v.publication.is_draft() {
                notes.push(tr.t("publication.draft").to_string());
            }
            notes.push(phase_note(v, of.lang));
            if v.phase(now) == Phase::Open {
                notes.push(tr.count("workplace.votes.ballots", o.ballots));
            }
            out.push(Work {
                space_id: Some(space.id.clone()),
                title: v.title.clone(),
                url: format!(
                    "/s/{}/processes/{}/votes/{}/admin",
                    o.space_slug, o.process_slug, v.id
                ),
                notes,
                waiting: None,
            });
        }
    }
    Ok(out)
}
