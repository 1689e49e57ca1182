//! The reports on a map: each report a marker of its category's colour, filled while it is
//! open and hollow once closed, whose popup says what was reported, its category, its status
//! and shows its first photo; the map follows the list's filters.

use super::space_or_404;
use crate::model::{Category, Status};
use crate::store;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use kernel::geo::{Legend, MapCard};
use kernel::i18n::Tr;
use kernel::{AppState, Error};
use serde::Deserialize;
use std::collections::HashMap;

/// Every status, in the order of the legend, with whether it is closed.
const STATUSES: [(Status, bool); 5] = [
    (Status::New, false),
    (Status::Acknowledged, false),
    (Status::InProgress, false),
    (Status::Resolved, true),
    (Status::Rejected, true),
];

/// The legend of a space's report maps: its categories (each a colour of the palette, in the
/// order of the form) and the statuses.
pub(super) fn legend(tr: &Tr, categories: &[Category]) -> Legend {
    let legend = categories
        .iter()
        .fold(Legend::default(), |l, c| l.category(&c.code, &c.name, ""));
    STATUSES.iter().fold(legend, |l, (s, closed)| {
        l.status(s.as_str(), tr.t(super::citizen::status_key(*s)), *closed)
    })
}

/// A report's title on a map: the start of what the reporter wrote.
fn title(description: &str) -> String {
    let line = description.lines().next().unwrap_or("").trim();
    let mut out: String = line.chars().take(80).collect();
    if line.chars().count() > 80 {
        out.push('…');
    }
    out
}

/// The cards of these reports of a space, by id.
pub(super) async fn cards(
    state: &AppState,
    space_id: &str,
    space_slug: &str,
    ids: &[String],
) -> Result<HashMap<String, MapCard>, Error> {
    Ok(store::map_cards(state.db(), space_id, ids)
        .await?
        .into_iter()
        .map(|r| {
            let card = MapCard {
                url: crate::model::report_url(space_slug, &r.id),
                title: title(&r.description),
                category: r.category,
                status: r.status.as_str().to_string(),
                photo: r.photo.map(|p| format!("/uploads/{p}")),
                id: r.id.clone(),
                lat: r.lat,
                lon: r.lon,
            };
            (r.id, card)
        })
        .collect())
}

/// The filters of the list a map follows.
#[derive(Deserialize, Default)]
pub(super) struct MapFilter {
    #[serde(default)]
    category: String,
    #[serde(default)]
    status: String,
}

/// What a map viewport shows of a space's reports: cards, and clusters where they are close at
/// this zoom. Without filters, from the geo index; with the list's filters (category, status),
/// the reports they keep in and around the viewport, clustered alone.
pub(super) async fn map(
    State(state): State<AppState>,
    Path(space): Path<String>,
    q: Result<Query<kernel::geo::ViewportQuery>, axum::extract::rejection::QueryRejection>,
    f: Result<Query<MapFilter>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, Error> {
    let space = space_or_404(&state, &space).await?;
    let (Ok(Query(q)), Ok(Query(f))) = (q, f) else {
        return Err(Error::BadRequest("query.invalid"));
    };
    let view = q.viewport()?;
    let items = if f.category.is_empty() && f.status.is_empty() {
        state.geo().query(super::MAP_LAYER, &view)
    } else {
        let categories = store::categories(state.db(), &space.id).await?;
        let ids = super::category_ids(&categories, &f.category);
        let status = super::status_filter(&f.status)?;
        let points =
            store::filtered_positions(state.db(), &space.id, &ids, status, q.widened()).await?;
        kernel::geo::cluster(points, &view)
    };
    let ids = kernel::geo::point_ids(&items);
    let cards = cards(&state, &space.id, &space.slug, &ids).await?;
    Ok(axum::Json(kernel::geo::answer_with_cards(items, cards)).into_response())
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_long_first_line_is_cut_with_an_ellipsis() {
        assert_eq!(super::title("Trou\ndans la chaussée"), "Trou");
        let long = "é".repeat(90);
        assert_eq!(super::title(&long).chars().count(), 81);
        assert!(super::title(&long).ends_with('…'));
    }
}
