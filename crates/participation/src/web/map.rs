//! Contributions on maps: each a marker of its category's colour, filled until its official
//! answer closes it (implemented or rejected), whose popup says its title, category and answer
//! and shows its first photo. A participatory map's live map follows the list's filters; the
//! process page's map shows the contributions of every component of the process.

use super::{component_or_404, contribution_url, visible_process};
use crate::model::{AnswerState, Category, Process};
use crate::store;
use crate::store::contributions::Filter;
use crate::store::map::MapCardRow;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use kernel::geo::{Legend, MapCard};
use kernel::i18n::Tr;
use kernel::{AppState, Error};
use serde::Deserialize;
use std::collections::HashMap;

/// The status key of a contribution without an official answer.
const NO_ANSWER: &str = "none";

/// The legend of a map of contributions: these categories, in their own colours, and the
/// official answers (implemented and rejected ones are closed).
pub(super) fn legend(tr: &Tr, categories: &[Category]) -> Legend {
    let legend = categories
        .iter()
        .fold(Legend::default(), |l, c| {
            l.category(&c.id, &c.name, &c.colour)
        })
        .status(NO_ANSWER, tr.t("contribution.no_answer"), false);
    AnswerState::ALL.iter().fold(legend, |l, a| {
        let closed = matches!(a, AnswerState::Implemented | AnswerState::Rejected);
        l.status(a.as_str(), tr.t(a.key()), closed)
    })
}

/// A contribution's card on a map of its process.
pub(super) fn card(process: &Process, r: MapCardRow) -> MapCard {
    MapCard {
        url: contribution_url(process, &r.id),
        title: r.title,
        category: r.category_id.unwrap_or_default(),
        status: r.answer.map_or(NO_ANSWER, AnswerState::as_str).to_string(),
        photo: r.photo.map(|p| format!("/uploads/{p}")),
        id: r.id,
        lat: r.lat,
        lon: r.lon,
    }
}

/// The cards of these contributions of a component, in the order of `ids`.
pub(super) async fn cards_in_order(
    state: &AppState,
    process: &Process,
    component_id: &str,
    ids: &[String],
) -> Result<Vec<MapCard>, Error> {
    let mut by_id: HashMap<String, MapCard> = store::map::map_cards(state.db(), component_id, ids)
        .await?
        .into_iter()
        .map(|r| (r.id.clone(), card(process, r)))
        .collect();
    Ok(ids.iter().filter_map(|id| by_id.remove(id)).collect())
}

/// What the process page's map shows: the legend of every component's categories and the
/// newest located contributions of the process.
pub(super) async fn process_map(
    state: &AppState,
    tr: &Tr,
    process: &Process,
    components: &[crate::model::ProcessComponent],
) -> Result<(Legend, Vec<MapCard>), Error> {
    let mut categories = Vec::new();
    for c in components {
        categories.extend(store::categories(state.db(), &c.id).await?);
    }
    let cards = store::map::process_cards(state.db(), &process.id, PROCESS_MAP_MOST)
        .await?
        .into_iter()
        .map(|r| card(process, r))
        .collect();
    Ok((legend(tr, &categories), cards))
}

/// The most contributions the process page's map shows (the newest).
const PROCESS_MAP_MOST: i64 = 500;

/// An answer filter as the list reads it: empty for all, `none` for those without an answer.
pub(super) fn answer_filter(raw: &str) -> Result<Option<Option<AnswerState>>, Error> {
    match raw {
        "" => Ok(None),
        NO_ANSWER => Ok(Some(None)),
        a => Ok(Some(Some(
            AnswerState::parse(a).ok_or(Error::BadRequest("query.invalid"))?,
        ))),
    }
}

/// The filters of the list a live map follows.
#[derive(Deserialize, Default)]
pub(super) struct MapFilter {
    #[serde(default)]
    category: String,
    #[serde(default)]
    answer: String,
}

/// What a viewport shows of a participatory map: cards, and clusters where contributions are
/// close at this zoom. Without filters, from the component's layer of the geo index; with the
/// list's filters (category, answer), the contributions they keep in and around the viewport,
/// clustered alone.
pub(super) async fn map(
    State(state): State<AppState>,
    Path((space, process, component)): Path<(String, String, String)>,
    q: Result<Query<kernel::geo::ViewportQuery>, axum::extract::rejection::QueryRejection>,
    f: Result<Query<MapFilter>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, Error> {
    let (Ok(Query(q)), Ok(Query(f))) = (q, f) else {
        return Err(Error::BadRequest("query.invalid"));
    };
    // A draft's contributions are on no map: its layer is asked for by no one.
    let process = visible_process(&state, &space, &process, None).await?;
    let component = component_or_404(&state, &process, &component).await?;
    let view = q.viewport()?;
    let items = if f.category.is_empty() && f.answer.is_empty() {
        state
            .geo()
            .query(&store::contributions::layer_of(&component.id), &view)
    } else {
        let filter = Filter {
            category: (!f.category.is_empty()).then(|| f.category.clone()),
            answer: answer_filter(&f.answer)?,
            by_supports: false,
        };
        let points =
            store::map::filtered_positions(state.db(), &component.id, &filter, q.widened()).await?;
        kernel::geo::cluster(points, &view)
    };
    let ids = kernel::geo::point_ids(&items);
    let cards = store::map::map_cards(state.db(), &component.id, &ids)
        .await?
        .into_iter()
        .map(|r| (r.id.clone(), card(&process, r)))
        .collect();
    Ok(axum::Json(kernel::geo::answer_with_cards(items, cards)).into_response())
}
