//! The agents' desk: the queue of a space's reports in the categories the reader handles,
//! filtered by category, status and age; a report's handling page with its internal notes; a
//! status change with a public and an internal note, for one report or many at once. Reporters
//! and followers are mailed on every change.

use super::citizen::status_key;
use super::space_or_404;
use crate::model::{Category, Report, Status};
use crate::policy::{Desk, check_handles, open_desk};
use crate::store::{self, DeskFilter, Event};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::routing::{get, post};
use kernel::spaces::Space;
use kernel::web::pager::Pager;
use kernel::web::routes::Routes;
use kernel::web::{Form, PageCtx, SignedIn, redirect_with_flash, render};
use kernel::{AppState, Error};
use serde::Deserialize;

pub(super) fn routes() -> Routes {
    Routes::new()
        .route("/s/{space}/reports/desk", get(queue))
        .route("/s/{space}/reports/desk/status", post(set_status))
        .route("/s/{space}/reports/{id}/handle", get(handle))
        .route("/s/{space}/reports/{id}/assign", post(assign))
        .route("/s/{space}/reports/{id}/urgency", post(set_urgency))
}

async fn desk(
    state: &AppState,
    page: &PageCtx,
    slug: &str,
) -> Result<(Space, Desk, Vec<Category>), Error> {
    let space = space_or_404(state, slug).await?;
    let desk = match &page.user {
        Some(user) => open_desk(state, user, &space.id).await?,
        None => return Err(Error::Unauthorized),
    };
    let categories = store::categories(state.db(), &space.id)
        .await?
        .into_iter()
        .filter(|c| desk.covers(&c.team_id))
        .collect();
    Ok((space, desk, categories))
}

/// A report of the space `slug` that the reader handles: the space, the report and the team
/// its category is routed to; 404 for another space's, 403 for another team's.
async fn handled(
    state: &AppState,
    page: &PageCtx,
    slug: &str,
    id: &str,
) -> Result<(Space, Report, String), Error> {
    let (space, desk, _) = desk(state, page, slug).await?;
    let (report, team) = store::report_in_space(state.db(), &space.id, id)
        .await?
        .ok_or(Error::NotFound)?;
    check_handles(&desk, &team)?;
    Ok((space, report, team))
}

#[derive(Deserialize)]
struct QueueQuery {
    page: Option<i64>,
    #[serde(default)]
    category: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    age: String,
    #[serde(default)]
    mine: String,
    #[serde(default)]
    west: String,
    #[serde(default)]
    south: String,
    #[serde(default)]
    east: String,
    #[serde(default)]
    north: String,
}

impl QueueQuery {
    /// The area asked for: all four sides, or none.
    fn area(&self) -> Result<Option<(f64, f64, f64, f64)>, Error> {
        let sides = [&self.west, &self.south, &self.east, &self.north];
        if sides.iter().all(|s| s.trim().is_empty()) {
            return Ok(None);
        }
        let v: Vec<f64> = sides
            .iter()
            .map(|s| s.trim().parse::<f64>().ok().filter(|x| x.is_finite()))
            .collect::<Option<_>>()
            .ok_or(Error::BadRequest("query.invalid"))?;
        if v[0] > v[2] || v[1] > v[3] {
            return Err(Error::BadRequest("query.invalid"));
        }
        Ok(Some((v[0], v[1], v[2], v[3])))
    }
}

#[derive(Template)]
#[template(path = "reports/desk.html")]
struct QueuePage {
    page: PageCtx,
    space: Space,
    categories: Vec<Category>,
    reports: Vec<Report>,
    pager: Pager,
    category: String,
    status: String,
    age: String,
    mine: bool,
    area: [String; 4],
    tiles: String,
    /// Where the map opens when no area is chosen and no report frames it.
    map_area: String,
}

impl QueuePage {
    /// How long ago a report arrived, in words.
    fn age(&self, at: &i64) -> String {
        kernel::workplace::since(self.page.tr, *at, kernel::ids::now_ms())
    }
    /// Where a report is: its address, else the space's territory.
    fn place<'a>(&'a self, r: &'a Report) -> &'a str {
        match r.address.trim() {
            "" => &self.space.territory_name,
            address => address,
        }
    }
    fn points(&self) -> String {
        super::map_points(
            &self.reports,
            &format!("/s/{}/reports", self.space.slug),
            "/handle",
        )
    }
    fn status_key(&self, s: &Status) -> &'static str {
        status_key(*s)
    }
    fn when(&self, ms: &i64) -> String {
        kernel::clock::display(*ms, self.page.tr.0)
    }
}

/// The statuses an agent may set, in order.
const STATUSES: [Status; 5] = [
    Status::New,
    Status::Acknowledged,
    Status::InProgress,
    Status::Resolved,
    Status::Rejected,
];

async fn queue(
    State(state): State<AppState>,
    page: PageCtx,
    SignedIn(_): SignedIn,
    Path(slug): Path<String>,
    Query(q): Query<QueueQuery>,
) -> Result<Response, Error> {
    let (space, _, categories) = desk(&state, &page, &slug).await?;
    let area = q.area()?;
    let mine = q.mine == "1";
    let ids = super::category_ids(&categories, &q.category);
    let filter = DeskFilter {
        status: super::status_filter(&q.status)?,
        older_than_days: match q.age.as_str() {
            "" => None,
            a => Some(
                a.parse::<i64>()
                    .ok()
                    .filter(|d| (0..=3650).contains(d))
                    .ok_or(Error::BadRequest("query.invalid"))?,
            ),
        },
        newest_first: false,
        assigned_to: mine
            .then(|| page.user.as_ref().map(|u| u.id.clone()))
            .flatten(),
        area,
        ..Default::default()
    };
    let base = format!(
        "/s/{}/reports/desk?category={}&status={}&age={}&mine={}&west={}&south={}&east={}&north={}&",
        space.slug,
        kernel::web::percent_encode(&q.category),
        kernel::web::percent_encode(&q.status),
        kernel::web::percent_encode(&q.age),
        if mine { "1" } else { "" },
        kernel::web::percent_encode(&q.west),
        kernel::web::percent_encode(&q.south),
        kernel::web::percent_encode(&q.east),
        kernel::web::percent_encode(&q.north),
    );
    let (reports, pager) =
        super::queue_page(&state, &space.id, &ids, &filter, q.page, base).await?;
    render(&QueuePage {
        map_area: match store::area(state.db(), &space.id).await? {
            Some(a) => a.as_attribute(),
            None => kernel::spaces::map_area(state.db(), &space.id).await?,
        },
        tiles: state.config().tile_url.clone(),
        page,
        space,
        categories,
        reports,
        pager,
        category: q.category,
        status: q.status,
        age: q.age,
        mine,
        area: [q.west, q.south, q.east, q.north],
    })
}

#[derive(Template)]
#[template(path = "reports/handle.html")]
struct HandlePage {
    page: PageCtx,
    space: Space,
    report: Report,
    history: Vec<Event>,
    photos: Vec<String>,
    members: Vec<(String, String)>,
    answers: Vec<(String, String)>,
    tiles: String,
}

impl HandlePage {
    /// The report's point, the one marker of the page's map.
    fn point(&self) -> String {
        serde_json::json!([[self.report.lat, self.report.lon, self.report.service_name]])
            .to_string()
    }
    /// Where: the address, else the space's commune and the position in words.
    fn place(&self) -> String {
        super::place(&self.space, &self.report, self.page.tr.0)
    }
    fn status_key(&self, s: &Status) -> &'static str {
        status_key(*s)
    }
    fn when(&self, ms: &i64) -> String {
        kernel::clock::display(*ms, self.page.tr.0)
    }
    /// The statuses to choose from: value, text key, whether it is the current one.
    fn status_options(&self) -> Vec<(&'static str, &'static str, bool)> {
        STATUSES
            .iter()
            .map(|s| (s.as_str(), status_key(*s), *s == self.report.status))
            .collect()
    }
}

async fn handle(
    State(state): State<AppState>,
    page: PageCtx,
    SignedIn(_): SignedIn,
    Path((slug, id)): Path<(String, String)>,
) -> Result<Response, Error> {
    let (space, report, team) = handled(&state, &page, &slug, &id).await?;
    let history = store::history(state.db(), &id, true).await?;
    let photos = store::photos(state.db(), &id).await?;
    let members = store::team_members(state.db(), &team).await?;
    let answers = store::answers(state.db(), &space.id, &report).await?;
    render(&HandlePage {
        tiles: state.config().tile_url.clone(),
        answers,
        page,
        space,
        report,
        history,
        photos,
        members,
    })
}

/// The status form, read from its pairs: the ticked rows repeat the `report` field.
#[derive(Default)]
struct StatusForm {
    report: Vec<String>,
    status: String,
    public_note: String,
    internal_note: String,
    back: String,
    duplicate_of: String,
}

async fn set_status(
    State(state): State<AppState>,
    page: PageCtx,
    SignedIn(user): SignedIn,
    Path(slug): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, Error> {
    // Repeated `report` fields (the ticked rows) are read from the pairs.
    let mut form = StatusForm::default();
    for (k, v) in pairs {
        match k.as_str() {
            "report" => form.report.push(v),
            "status" => form.status = v,
            "public_note" => form.public_note = v,
            "internal_note" => form.internal_note = v,
            "back" => form.back = v,
            "duplicate_of" => {
                form.duplicate_of = v.trim().rsplit('/').next().unwrap_or("").to_string()
            }
            _ => {}
        }
    }
    let (space, desk, _) = desk(&state, &page, &slug).await?;
    let status = Status::parse(&form.status).ok_or(Error::BadRequest("report.status"))?;
    if form.report.is_empty() || form.report.len() > 200 {
        return Err(Error::BadRequest("report.selection"));
    }
    let public_note = kernel::text::paragraphs(&form.public_note, "public_note", 2000)
        .map_err(|_| Error::BadRequest("report.note"))?;
    let internal_note = kernel::text::paragraphs(&form.internal_note, "internal_note", 2000)
        .map_err(|_| Error::BadRequest("report.note"))?;
    // Every ticked report must be one the reader handles: checked before anything changes.
    let mut chosen = Vec::new();
    for id in &form.report {
        let (report, team) = store::report_in_space(state.db(), &space.id, id)
            .await?
            .ok_or(Error::NotFound)?;
        check_handles(&desk, &team)?;
        chosen.push(report);
    }
    // A duplicate names the report it repeats: another published report of the space.
    let duplicate_of = match form.duplicate_of.as_str() {
        "" => None,
        _ if status != Status::Rejected => return Err(Error::BadRequest("report.duplicate")),
        original => {
            store::report_in_space(state.db(), &space.id, original)
                .await?
                .ok_or(Error::BadRequest("report.duplicate"))?;
            if chosen.iter().any(|r| r.id == original) {
                return Err(Error::BadRequest("report.duplicate"));
            }
            Some(original.to_string())
        }
    };
    let base = state.config().base_url.trim_end_matches('/').to_string();
    // Every ticked report changes, or none.
    let ids: Vec<String> = chosen.iter().map(|r| r.id.clone()).collect();
    // Those who follow a report are told in the write that changes it.
    let mut mails = Vec::new();
    for report in &chosen {
        let what = format!(
            "{} — {}",
            report.service_name,
            kernel::i18n::tr(page.tr.0, status_key(status))
        );
        let link = format!(
            "{base}{}",
            crate::model::report_url(&space.slug, &report.id)
        );
        for to in store::recipients(state.db(), &report.id).await? {
            mails.push(super::citizen::change_letter(
                &to,
                &link,
                &what,
                &public_note,
            ));
        }
    }
    store::set_statuses(
        state.db(),
        &ids,
        status,
        (&public_note, &internal_note),
        Some(&user.id),
        duplicate_of.as_deref(),
        &mails,
    )
    .await?;
    let back = kernel::web::safe_next(
        Some(&form.back)
            .filter(|b| !b.is_empty())
            .map(String::as_str),
    );
    let back = if back == "/" {
        format!("/s/{}/reports/desk", space.slug)
    } else {
        back
    };
    Ok(redirect_with_flash(&back, "flash.report_status"))
}

#[derive(Deserialize)]
struct AssignForm {
    #[serde(default)]
    agent: String,
}

async fn assign(
    State(state): State<AppState>,
    page: PageCtx,
    SignedIn(user): SignedIn,
    Path((slug, id)): Path<(String, String)>,
    Form(form): Form<AssignForm>,
) -> Result<Response, Error> {
    let (space, _, team) = handled(&state, &page, &slug, &id).await?;
    // Only a member of the team the category is routed to.
    let members = store::team_members(state.db(), &team).await?;
    let agent = match form.agent.as_str() {
        "" => None,
        a => Some(
            members
                .iter()
                .find(|(m, _)| m == a)
                .map(|(m, n)| (m.as_str(), n.as_str()))
                .ok_or(Error::BadRequest("report.agent"))?,
        ),
    };
    store::assign(state.db(), &id, agent, &user.id).await?;
    Ok(redirect_with_flash(
        &crate::model::handle_url(&space.slug, &id),
        "flash.report_assigned",
    ))
}

#[derive(Deserialize)]
struct UrgencyForm {
    #[serde(default)]
    urgent: String,
}

/// An agent marks a report urgent, or no longer urgent: the desk lists the urgent first.
async fn set_urgency(
    State(state): State<AppState>,
    page: PageCtx,
    SignedIn(user): SignedIn,
    Path((slug, id)): Path<(String, String)>,
    Form(form): Form<UrgencyForm>,
) -> Result<Response, Error> {
    let (space, _, _) = handled(&state, &page, &slug, &id).await?;
    let urgent = match form.urgent.as_str() {
        "1" => true,
        "0" => false,
        _ => return Err(Error::BadRequest("report.urgency")),
    };
    let note = page.tr.t(if urgent {
        "desk.marked_urgent"
    } else {
        "desk.marked_normal"
    });
    store::set_urgent(state.db(), &id, urgent, note, &user.id).await?;
    Ok(redirect_with_flash(
        &crate::model::handle_url(&space.slug, &id),
        "flash.report_urgency",
    ))
}
