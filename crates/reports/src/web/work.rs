//! The desks of a member of staff, on their workplace: per space where they handle reports,
//! the open reports of their categories, how many are urgent and how long the oldest waits.

use crate::policy::{Action, Desk, Resource, can, desk_access};
use kernel::i18n::Tr;
use kernel::workplace::{Waiting, Work, WorkOf, spaces_where};
use kernel::{AppState, Error};

/// The reader's desks, one per space where they handle reports.
pub async fn workplace(state: AppState, of: WorkOf) -> Result<Vec<Work>, Error> {
    let tr = Tr(of.lang);
    let user = Some(&of.user);
    let opens = |id: &str| can(user, Action::OpenDesk, &Resource::Desk { space_id: id });
    let mut out = Vec::new();
    for space in spaces_where(&state, &of.user, opens).await? {
        let Some(desk) = desk_access(&state, user, &space.id).await? else {
            continue;
        };
        let categories: Vec<String> = crate::store::categories(state.db(), &space.id)
            .await?
            .into_iter()
            .filter(|c| desk.covers(&c.team_id))
            .map(|c| c.id)
            .collect();
        // A space that takes no reports is no desk of its administrators; an agent's desk is
        // shown even before they join a team (it says so).
        if categories.is_empty() && desk == Desk::All {
            continue;
        }
        let (open, urgent, oldest) =
            crate::store::waiting(state.db(), &space.id, &categories).await?;
        out.push(Work {
            space_id: Some(space.id.clone()),
            title: tr.t("workplace.reports.desk").to_string(),
            url: format!("/s/{}/reports/desk", space.slug),
            notes: Vec::new(),
            waiting: Some(Waiting {
                count: open,
                words: tr.count("workplace.reports.open", open),
                urgent: (urgent > 0).then(|| tr.count("workplace.reports.urgent", urgent)),
                oldest,
            }),
        });
    }
    Ok(out)
}
