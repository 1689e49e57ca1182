//! The network's pages: its home (what it is, the members on a map and a list, filtered by
//! method and département, and the latest resources) and the map's source here; joining and
//! leaving in `join`; the resources in `resources`; the requests for support in `requests`; the
//! moderators' queues in `moderation`; the open data in `data`.

mod data;
mod join;
mod moderation;
pub use moderation::workplace;
mod requests;
mod resources;

pub use data::datasets;

use crate::model::*;
use crate::policy::{self, Action, Resource};
use crate::store;
use askama::Template;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use kernel::i18n::Lang;
use kernel::review;
use kernel::territories::TerritoryKind;
use kernel::web::pager::Pager;
use kernel::web::routes::Routes;
use kernel::web::{PageCtx, render};
use kernel::{AppState, Error};

/// Members per page of the list.
const PER_PAGE: i64 = 30;

/// Resources on the home page.
const HOME_RESOURCES: i64 = 3;

/// The network's routes.
pub fn routes() -> Routes {
    Routes::new()
        .route("/commun", get(home))
        .route("/commun/members.json", get(members_map))
        .route("/commun/join", get(join::form).post(join::ask))
        .route("/commun/members/{id}/leave", post(join::leave))
        .route(
            "/commun/moderation",
            get(review::queue::<moderation::Members>),
        )
        .route(
            "/commun/moderation/members/{id}",
            post(review::decide_item::<moderation::Members>),
        )
        .route("/commun/resources", get(resources::list))
        .route(
            "/commun/resources/new",
            get(resources::form)
                .post(resources::propose)
                .layer(kernel::uploads::attached_form_limit()),
        )
        .route("/commun/resources/{id}", get(resources::show))
        .route(
            "/commun/resources/{id}/edit",
            get(resources::edit_form)
                .post(resources::edit)
                .layer(kernel::uploads::attached_form_limit()),
        )
        .route(
            "/commun/resources/{id}/attachments/{file}",
            get(resources::attachment),
        )
        .route(
            "/commun/moderation/resources/revisions/{id}",
            post(review::decide_revision::<moderation::Resources>),
        )
        .route(
            "/commun/moderation/resources/revisions/{id}/attachments/{file}",
            get(resources::revision_attachment),
        )
        .route(
            "/commun/moderation/resources",
            get(review::queue::<moderation::Resources>),
        )
        .route(
            "/commun/moderation/resources/{id}",
            post(review::decide_item::<moderation::Resources>),
        )
        .route("/commun/requests", get(requests::list))
        .route(
            "/commun/requests/new",
            get(requests::form).post(requests::create),
        )
        .route("/commun/requests/{id}", get(requests::show))
        .route("/commun/requests/{id}/answers", post(requests::answer))
        .route(
            "/commun/requests/{id}/answers/{answer}/choose",
            post(requests::choose),
        )
        .route("/commun/requests/{id}/close", post(requests::close))
        .route(
            "/data/network/members.csv",
            get(|s| data::members(s, kernel::opendata::Shape::Csv)),
        )
        .route(
            "/data/network/members.geojson",
            get(|s| data::members(s, kernel::opendata::Shape::GeoJson)),
        )
        .route(
            "/data/network/members.json",
            get(|s| data::members(s, kernel::opendata::Shape::Json)),
        )
        .route(
            "/data/network/members.schema.json",
            get(data::members_schema),
        )
        .route(
            "/data/network/resources.csv",
            get(|s| data::resources(s, kernel::opendata::Shape::Csv)),
        )
        .route(
            "/data/network/resources.json",
            get(|s| data::resources(s, kernel::opendata::Shape::Json)),
        )
        .route(
            "/data/network/resources.schema.json",
            get(data::resources_schema),
        )
        .route(
            "/data/network/requests.csv",
            get(|s| data::requests(s, kernel::opendata::Shape::Csv)),
        )
        .route(
            "/data/network/requests.json",
            get(|s| data::requests(s, kernel::opendata::Shape::Json)),
        )
        .route(
            "/data/network/requests.schema.json",
            get(data::requests_schema),
        )
}

/// The départements of the referential: (code, name), by code.
async fn departements(state: &AppState) -> Result<Vec<(String, String)>, Error> {
    kernel::territories::store::names(state.db(), TerritoryKind::Departement).await
}

/// The day of an instant in the reader's words (`7 décembre 2026`, Paris time), in a `<time>`
/// element.
fn day(ms: i64, lang: Lang) -> kernel::i18n::TimeTag {
    kernel::i18n::Tr(lang).date_tag(ms)
}

/// What the pages show of the vocabulary and the referential: names by code.
struct Names {
    methods: Vec<Method>,
    departements: Vec<(String, String)>,
}

impl Names {
    async fn load(state: &AppState) -> Result<Names, Error> {
        Ok(Names {
            methods: store::methods(state.db()).await?,
            departements: departements(state).await?,
        })
    }
    fn method(&self, code: &str, lang: Lang) -> String {
        self.methods
            .iter()
            .find(|m| m.code == code)
            .map_or_else(|| code.to_string(), |m| m.label(lang).to_string())
    }
    fn departement(&self, code: &str) -> String {
        self.departements
            .iter()
            .find(|(c, _)| c == code)
            .map_or_else(|| code.to_string(), |(_, n)| format!("{n} ({code})"))
    }
    fn methods_of(&self, m: &Member, lang: Lang) -> String {
        self.method_names(&m.methods, lang)
    }
    /// The names of some methods' codes, separated by commas.
    fn method_names(&self, codes: &[String], lang: Lang) -> String {
        codes
            .iter()
            .map(|c| self.method(c, lang))
            .collect::<Vec<_>>()
            .join(", ")
    }
    fn departements_of(&self, m: &Member) -> String {
        m.departements
            .iter()
            .map(|c| self.departement(c))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// The filter of an address's query pairs, and the page asked.
fn read_filter(pairs: &[(String, String)], names: &Names) -> (Filter, Option<i64>) {
    use kernel::web::FormPairs;
    let form = pairs;
    let filter = Filter::parse(
        FormPairs::get(&form, "method"),
        FormPairs::get(&form, "departement"),
        &names.methods,
        &names.departements,
    );
    (filter, FormPairs::get(&form, "page").trim().parse().ok())
}

/// The source of the map of a filter's members.
fn map_source(filter: &Filter) -> String {
    let q = filter.query();
    if q.is_empty() {
        "/commun/members.json".into()
    } else {
        format!("/commun/members.json?{}", q.trim_end_matches('&'))
    }
}

#[derive(Template)]
#[template(path = "network/home.html")]
struct HomePage {
    page: PageCtx,
    names: Names,
    filter: Filter,
    members: Vec<Member>,
    /// The instance's area, where the map opens when no member frames it.
    area: String,
    /// Every member of the filter: `[lat, lon, name, url]`, framing the map.
    points: String,
    pager: Pager,
    tiles: String,
    moderate: bool,
    /// The latest published resources.
    resources: Vec<store::resources::Resource>,
    /// What the other components show here (the network's conversations).
    sections: Vec<kernel::app::Section>,
}

impl HomePage {
    fn lang(&self) -> Lang {
        self.page.tr.0
    }
    fn methods_of(&self, m: &Member) -> String {
        self.names.methods_of(m, self.lang())
    }
    fn departements_of(&self, m: &Member) -> String {
        self.names.departements_of(m)
    }
    fn since(&self, m: &Member) -> kernel::i18n::TimeTag {
        day(m.updated_at, self.lang())
    }
    fn map_source(&self) -> String {
        map_source(&self.filter)
    }
    fn label(&self, m: &Method) -> String {
        m.label(self.lang()).to_string()
    }
    fn is_method(&self, code: &str) -> bool {
        self.filter.method.as_deref() == Some(code)
    }
    fn is_departement(&self, code: &str) -> bool {
        self.filter.departement.as_deref() == Some(code)
    }
}

async fn home(
    State(state): State<AppState>,
    page: PageCtx,
    Query(pairs): Query<Vec<(String, String)>>,
) -> Result<Response, Error> {
    let names = Names::load(&state).await?;
    let (filter, n) = read_filter(&pairs, &names);
    let mut pager = Pager::new(n, PER_PAGE, format!("/commun?{}", filter.query()));
    pager.total = store::count_listed(state.db(), &filter).await?;
    let members = store::listed(state.db(), &filter, pager.offset(), PER_PAGE).await?;
    let points = serde_json::Value::from(
        store::all_listed(state.db(), &filter)
            .await?
            .iter()
            .map(|m| serde_json::json!([m.lat, m.lon, m.actor_name, m.actor_url]))
            .collect::<Vec<_>>(),
    )
    .to_string();
    let moderate = policy::can(page.user.as_ref(), Action::Moderate, &Resource::Network);
    let resources =
        store::resources::listed(state.db(), &ResourceFilter::default(), 0, HOME_RESOURCES).await?;
    let sections = state
        .network_sections(kernel::app::SectionOf {
            id: String::new(),
            user: page.user.clone(),
            lang: page.tr.0,
        })
        .await?;
    render(&HomePage {
        area: kernel::spaces::instance_map_area(state.db()).await?,
        resources,
        sections,
        tiles: state.config().tile_url.clone(),
        page,
        names,
        filter,
        members,
        points,
        pager,
        moderate,
    })
}

/// The members of a filter for the map: with a viewport (`west`, `south`, `east`, `north`,
/// `zoom`), what `map.js` reads, clustered; without, a GeoJSON feature collection.
async fn members_map(
    State(state): State<AppState>,
    view: Result<Query<kernel::geo::ViewportQuery>, axum::extract::rejection::QueryRejection>,
    pairs: Result<Query<Vec<(String, String)>>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, Error> {
    let Query(pairs) = pairs.unwrap_or(Query(Vec::new()));
    let names = Names::load(&state).await?;
    let (filter, _) = read_filter(&pairs, &names);
    let members = store::all_listed(state.db(), &filter).await?;
    if let Ok(Query(view)) = view {
        use kernel::geo::{GeoIndex, GeoPoint, MemoryGeo};
        let geo = MemoryGeo::new();
        geo.load(
            "members",
            members
                .iter()
                .map(|m| GeoPoint {
                    id: m.id.clone(),
                    lat: m.lat,
                    lon: m.lon,
                })
                .collect(),
        );
        let url = |id: &str| {
            members
                .iter()
                .find(|m| m.id == id)
                .map(|m| m.actor_url.clone())
        };
        let mut answer = view.answer(&geo, "members", url)?;
        // A point's popup names its member.
        if let Some(items) = answer["items"].as_array_mut() {
            for item in items {
                let name = item["id"]
                    .as_str()
                    .and_then(|id| members.iter().find(|m| m.id == id))
                    .map(|m| m.actor_name.clone());
                if let Some(name) = name {
                    item["title"] = name.into();
                }
            }
        }
        return Ok(axum::Json(answer).into_response());
    }
    let features: Vec<serde_json::Value> = members
        .iter()
        .map(|m| {
            serde_json::json!({
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [
                    kernel::opendata::round(m.lon), kernel::opendata::round(m.lat)
                ]},
                "properties": {
                    "id": m.id,
                    "name": m.actor_name,
                    "url": m.actor_url,
                    "methods": m.methods,
                    "departements": m.departements,
                },
            })
        })
        .collect();
    Ok((
        [(
            axum::http::header::CONTENT_TYPE,
            kernel::opendata::Shape::GeoJson.content_type(),
        )],
        serde_json::json!({"type": "FeatureCollection", "features": features}).to_string(),
    )
        .into_response())
}
