//! Report pages and APIs: the citizens' reporting form and report pages (`citizen`), the agents'
//! desk (`desk`), and Open311 GeoReport v2 (`open311`).

mod citizen;
mod data;

pub use citizen::space_section;
pub use data::datasets;
mod desk;
mod open311;
mod setup;

use kernel::accounts::{Action, Role, User, can};
use kernel::spaces::Space;
use kernel::web::routes::Routes;
use kernel::{AppState, Error};

/// The map layer of the published reports.
pub const MAP_LAYER: &str = "reports";

/// Every route of the component.
pub fn routes() -> Routes {
    Routes::new()
        .merge(open311::routes())
        .merge(citizen::routes())
        .merge(desk::routes())
        .merge(data::routes())
        .merge(setup::routes())
}

/// The space at this address, or 404.
async fn space_or_404(state: &AppState, slug: &str) -> Result<Space, Error> {
    kernel::spaces::store::get_by_slug(state.db(), slug)
        .await?
        .ok_or(Error::NotFound)
}

/// The ids of the categories a filter asks for: the one with this code, or all when empty.
fn category_ids(categories: &[crate::model::Category], code: &str) -> Vec<String> {
    categories
        .iter()
        .filter(|c| code.is_empty() || c.code == code)
        .map(|c| c.id.clone())
        .collect()
}

/// A status filter of a query: empty for all, else a known status (400 otherwise).
fn status_filter(raw: &str) -> Result<Option<&'static str>, Error> {
    match raw {
        "" => Ok(None),
        s => Ok(Some(
            crate::model::Status::parse(s)
                .ok_or(Error::BadRequest("query.invalid"))?
                .as_str(),
        )),
    }
}

/// The reports as map points (`data-points` of `map.js`), each linking to `{path}/{id}{tail}`.
fn map_points(reports: &[crate::model::Report], path: &str, tail: &str) -> String {
    serde_json::Value::from(
        reports
            .iter()
            .map(|r| {
                serde_json::json!([
                    r.lat,
                    r.lon,
                    r.service_name,
                    format!("{path}/{}{tail}", r.id)
                ])
            })
            .collect::<Vec<_>>(),
    )
    .to_string()
}

/// What a reader may handle at a space's desk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Desk {
    /// Every category (the space's administrators).
    All,
    /// The categories routed to these teams (an agent of the space and member of them).
    Teams(Vec<String>),
}

impl Desk {
    /// Whether a category routed to `team_id` is handled here.
    pub fn covers(&self, team_id: &str) -> bool {
        match self {
            Desk::All => true,
            Desk::Teams(teams) => teams.iter().any(|t| t == team_id),
        }
    }
}

/// The one decision of the component: what `user` may handle in a space, if anything. Space
/// administrators handle every category; agents of the space the categories of their teams.
pub async fn desk_access(
    state: &AppState,
    user: Option<&User>,
    space_id: &str,
) -> Result<Option<Desk>, Error> {
    let Some(user) = user else { return Ok(None) };
    if can(Some(user), Action::ManageSpace(space_id)) {
        return Ok(Some(Desk::All));
    }
    if user.has_space_role(Role::Agent, space_id) {
        let teams = crate::store::teams_of(state.db(), space_id, &user.id).await?;
        return Ok(Some(Desk::Teams(teams)));
    }
    Ok(None)
}
