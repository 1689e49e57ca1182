//! Report pages and APIs: the citizens' reporting form and report pages (`citizen`), the agents'
//! desk (`desk`), and Open311 GeoReport v2 (`open311`).

mod citizen;
mod data;

pub use citizen::{account_section, space_section};
pub use data::datasets;
mod desk;
mod map;
mod open311;
mod setup;
mod work;
pub use work::workplace;

use kernel::Error;
pub(crate) use kernel::spaces::web::space_or_404;
use kernel::web::routes::Routes;

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

/// The ids of the categories a filter asks for: the one with this code, or all when empty.
/// Where a report is, in words: its address, else its space's commune (when the space is one)
/// and its position.
fn place(
    space: &kernel::spaces::Space,
    report: &crate::model::Report,
    lang: kernel::i18n::Lang,
) -> String {
    let commune = (space.territory.kind == kernel::territories::TerritoryKind::Commune)
        .then_some(space.territory_name.as_str());
    kernel::geo::place_label(&report.address, commune, report.lat, report.lon, lang)
}

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

/// One page (of 50) of the reports of these categories of a space that `filter` keeps, with
/// its pager; `base` is the list's address with its filters.
async fn queue_page(
    state: &kernel::AppState,
    space_id: &str,
    category_ids: &[String],
    filter: &crate::store::DeskFilter,
    page: Option<i64>,
    base: String,
) -> Result<(Vec<crate::model::Report>, kernel::web::pager::Pager), Error> {
    let mut pager = kernel::web::pager::Pager::new(page, 50, base);
    let (reports, total) = crate::store::queue(
        state.db(),
        space_id,
        category_ids,
        filter,
        pager.offset(),
        pager.per_page,
    )
    .await?;
    pager.total = total;
    Ok((reports, pager))
}
