//! The directory on a map: each actor a marker of its kind's colour whose popup says its name
//! and kind and shows its logo; the map follows the directory's filters.

use super::{logo_path, map_source, read_filters, text_matches};
use crate::store::{self, Actor, State as ActorState};
use crate::terms::Taxonomy;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use kernel::geo::{Legend, MapCard};
use kernel::i18n::Tr;
use kernel::{AppState, Error};

/// The legend of the directory's maps: the kinds of actors, each a colour of the palette.
pub(super) fn legend(tr: &Tr, tax: &Taxonomy) -> Legend {
    tax.active("kind").iter().fold(Legend::default(), |l, t| {
        l.category(&t.code, t.name(tr.0), "")
    })
}

/// An actor's card: its name, kind and logo.
pub(super) fn card(a: &Actor) -> MapCard {
    let p = a.data.position();
    let logo = logo_path(a);
    MapCard {
        id: a.id.clone(),
        lat: p.lat,
        lon: p.lon,
        title: a.data.name().to_string(),
        url: a.url(),
        category: a.data.kind().to_string(),
        status: String::new(),
        photo: (!logo.is_empty()).then_some(logo),
    }
}

/// What a viewport shows of the directory: actors' cards, and clusters where actors are close
/// at this zoom; with the directory's filters (facets, `q`), of the actors they keep.
pub(super) async fn map(
    State(state): State<AppState>,
    q: Result<Query<kernel::geo::ViewportQuery>, axum::extract::rejection::QueryRejection>,
    pairs: Result<Query<Vec<(String, String)>>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, Error> {
    let pairs = pairs.unwrap_or(Query(Vec::new()));
    let (Ok(Query(q)), Query(pairs)) = (q, pairs) else {
        return Err(Error::BadRequest("query.invalid"));
    };
    let view = q.viewport()?;
    let filters = read_filters(&*crate::terms::current(&state).await?, &pairs)?;
    let items = if filters.chosen.is_empty() && filters.q.is_empty() {
        state.geo().query(store::MAP_LAYER, &view)
    } else {
        // A filtered directory: its actors' positions, clustered for this viewport (the layer
        // of these filters is kept until actors change).
        let facets = crate::facets::current(&state).await?;
        let key = map_source(&filters.q, &filters.chosen);
        let layer = match facets.cached_layer(&key) {
            Some(layer) => layer,
            None => {
                let only = text_matches(&state, &filters.q);
                facets.layer(&key, &filters.chosen, only.as_ref())
            }
        };
        kernel::geo::GeoIndex::query(&*layer, crate::facets::FILTERED, &view)
    };
    let ids = kernel::geo::point_ids(&items);
    let cards = store::by_ids(state.db(), &ids)
        .await?
        .iter()
        .filter(|a| a.state == ActorState::Published)
        .map(|a| (a.id.clone(), card(a)))
        .collect();
    Ok(axum::Json(kernel::geo::answer_with_cards(items, cards)).into_response())
}
