//! The citizens' side: the reporting form (map first, the category's questions, photos, a
//! confirmation link for reporters without an account, similar reports nearby offered first),
//! the report page with its history, following and "me too", and the list of a space's reports.

use super::space_or_404;
use crate::model::{Category, Report, Status};
use crate::open311::{Attribute, Datatype, Submission};
use crate::policy::desk_access;
use crate::store::{self, CitizenReport, Event};
use askama::Template;
use axum::extract::{Multipart, Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use kernel::app::{Section, SectionItem, SectionOf};
use kernel::i18n::Lang;
use kernel::mail::Letter;
use kernel::spaces::Space;
use kernel::web::pager::Pager;
use kernel::web::ratelimit::{anonymous_reports, mail_allowed};
use kernel::web::routes::Routes;
use kernel::web::{
    ClientIp, MultipartForm, PageCtx, SignedIn, redirect_with_flash, render, render_invalid,
};
use kernel::{AppState, Error, FieldError, FieldErrors};
use serde::Deserialize;
use std::collections::BTreeMap;

pub(super) fn routes() -> Routes {
    Routes::new()
        .route("/s/{space}/reports", get(list))
        .route("/s/{space}/reports/new", get(new_form).post(submit))
        .route("/s/{space}/reports/sent", get(sent))
        .route("/s/{space}/reports/confirm/{token}", get(confirm))
        .route("/s/{space}/reports/map.json", get(super::map::map))
        .route("/s/{space}/reports/{id}", get(show))
        .route("/s/{space}/reports/{id}/follow", post(follow))
}

/// Reports of the same category closer than this are offered before a new one is filed.
const NEARBY_M: f64 = 50.0;
/// Most photos per report.
const MOST_PHOTOS: usize = 3;

/// The reports of a space, on its page: a link to the list and to the form.
pub async fn space_section(state: AppState, of: SectionOf) -> Result<Option<Section>, Error> {
    let takes_reports = !store::categories(state.db(), &of.id).await?.is_empty();
    let desk = desk_access(&state, of.user.as_ref(), &of.id).await?;
    // A space without categories shows nothing, but to its administrators, who set it up.
    if !takes_reports && desk != Some(crate::policy::Desk::All) {
        return Ok(None);
    }
    let space = kernel::spaces::store::get_by_id(state.db(), &of.id)
        .await?
        .ok_or(Error::NotFound)?;
    let tr = kernel::i18n::Tr(of.lang);
    let link = |key: &str, path: &str, note: &str| SectionItem {
        title: tr.t(key).to_string(),
        url: format!("/s/{}/reports{path}", space.slug),
        note: note.to_string(),
        ..Default::default()
    };
    let mut items = Vec::new();
    if takes_reports {
        items.push(link("report.list", "", tr.t("report.list_note")));
    }
    if desk.is_some() {
        items.push(link("desk.title", "/desk", ""));
    }
    if desk == Some(crate::policy::Desk::All) {
        items.push(link("report_setup.title", "/setup", ""));
    }
    Ok(Some(Section {
        heading: "report.section",
        items,
        add: takes_reports.then(|| ("report.new", format!("/s/{}/reports/new", space.slug))),
    }))
}

/// The reports a person filed or follows, on their account page.
pub async fn account_section(state: AppState, of: SectionOf) -> Result<Option<Section>, Error> {
    let tr = kernel::i18n::Tr(of.lang);
    let items = store::of_person(state.db(), &of.id, 20)
        .await?
        .into_iter()
        .map(|r| {
            let status = Status::parse(&r.status).map_or("", |s| tr.t(status_key(s)));
            let how = if r.filed {
                tr.f(
                    "report.mine_filed",
                    &[("date", tr.date(r.created_at).as_str())],
                )
            } else {
                tr.t("report.mine_followed").to_string()
            };
            SectionItem {
                title: if r.address.is_empty() {
                    r.category
                } else {
                    format!("{} — {}", r.category, r.address)
                },
                url: format!("/s/{}/reports/{}", r.space_slug, r.id),
                note: format!("{status} · {how}"),
                ..Default::default()
            }
        })
        .collect();
    Ok(Some(Section {
        heading: "report.mine",
        items,
        add: None,
    }))
}

/// The status's text key.
pub fn status_key(s: Status) -> &'static str {
    match s {
        Status::New => "report.status.new",
        Status::Acknowledged => "report.status.acknowledged",
        Status::InProgress => "report.status.in_progress",
        Status::Resolved => "report.status.resolved",
        Status::Rejected => "report.status.rejected",
    }
}

// ----- The form -----

/// The raw fields of the reporting form.
#[derive(Debug, Clone, Default)]
struct ReportFields {
    category: String,
    lat: String,
    lon: String,
    /// The address the map's search or a tap found for the point (filled by the map script).
    address: String,
    description: String,
    email: String,
    hide_name: bool,
    new_anyway: bool,
    attributes: BTreeMap<String, Vec<String>>,
    /// Photos kept from an earlier step (stored), and new ones (checked, not stored).
    photos: kernel::uploads::Photos,
}

#[derive(Template)]
#[template(path = "reports/new.html")]
struct NewPage {
    page: PageCtx,
    space: Space,
    categories: Vec<Category>,
    category: Option<Category>,
    fields: ReportFields,
    errors: FieldErrors,
    similar: Vec<Report>,
    tiles: String,
    /// The area the map opens on: the area the space takes reports in, else the space's.
    area: String,
}

impl NewPage {
    fn answer(&self, code: &str) -> String {
        self.fields
            .attributes
            .get(code)
            .and_then(|v| v.first())
            .cloned()
            .unwrap_or_default()
    }
    fn chosen(&self, code: &str, key: &str) -> bool {
        self.fields
            .attributes
            .get(code)
            .is_some_and(|v| v.iter().any(|x| x == key))
    }
    fn kind(&self, a: &Attribute) -> &'static str {
        match Datatype::parse(&a.datatype) {
            Some(Datatype::SingleValueList) => "single",
            Some(Datatype::MultiValueList) => "multi",
            Some(Datatype::Text) => "text",
            Some(Datatype::Number) => "number",
            Some(Datatype::Datetime) => "datetime",
            _ => "string",
        }
    }
    fn groups(&self) -> Vec<(String, Vec<&Category>)> {
        let mut out: Vec<(String, Vec<&Category>)> = Vec::new();
        for c in &self.categories {
            match out.iter_mut().find(|(g, _)| *g == c.group) {
                Some((_, list)) => list.push(c),
                None => out.push((c.group.clone(), vec![c])),
            }
        }
        out
    }
    fn status_key(&self, s: &Status) -> &'static str {
        status_key(*s)
    }
    fn map_center(&self) -> String {
        match (
            self.fields.lat.parse::<f64>(),
            self.fields.lon.parse::<f64>(),
        ) {
            (Ok(lat), Ok(lon)) => format!("{lat},{lon}"),
            _ => String::new(),
        }
    }
}

#[derive(Deserialize)]
struct NewQuery {
    category: Option<String>,
}

async fn new_page(
    state: &AppState,
    page: PageCtx,
    space: Space,
    fields: ReportFields,
) -> Result<NewPage, Error> {
    let categories = store::categories(state.db(), &space.id).await?;
    if categories.is_empty() {
        return Err(Error::NotFound);
    }
    let category = categories
        .iter()
        .find(|c| c.code == fields.category)
        .cloned();
    let area = match store::area(state.db(), &space.id).await? {
        Some(a) => a.as_attribute(),
        None => kernel::spaces::map_area(state.db(), &space.id).await?,
    };
    Ok(NewPage {
        area,
        page,
        space,
        categories,
        category,
        fields,
        errors: FieldErrors::new(),
        similar: Vec::new(),
        tiles: state.config().tile_url.clone(),
    })
}

async fn new_form(
    State(state): State<AppState>,
    page: PageCtx,
    Path(space): Path<String>,
    Query(q): Query<NewQuery>,
) -> Result<Response, Error> {
    let space = space_or_404(&state, &space).await?;
    let fields = ReportFields {
        category: q.category.unwrap_or_default(),
        ..Default::default()
    };
    render(&new_page(&state, page, space, fields).await?)
}

/// Reads the multipart form; photos are decoded and re-encoded, not stored (an earlier step's
/// photos are kept through the references the page signed).
async fn read_form(
    state: &AppState,
    keeper: &kernel::uploads::Keeper,
    multipart: Multipart,
) -> Result<ReportFields, Error> {
    let form = MultipartForm::read(multipart, &["photo"]).await?;
    let mut f = ReportFields::default();
    for (name, text) in &form.texts {
        match name.as_str() {
            "category" => f.category = text.trim().to_string(),
            "lat" => f.lat = text.trim().to_string(),
            "lon" => f.lon = text.trim().to_string(),
            "address" => f.address = kernel::geocoder::one_line(text),
            "description" => f.description = text.clone(),
            "email" => f.email = text.trim().to_string(),
            "hide_name" => f.hide_name = true,
            "new_anyway" => f.new_anyway = true,
            other => {
                if let Some(code) = crate::open311::attribute_code(other) {
                    f.attributes
                        .entry(code.to_string())
                        .or_default()
                        .push(text.trim().to_string());
                }
            }
        }
    }
    f.photos = state
        .uploads()
        .photos_of(&form, keeper, MOST_PHOTOS, "report.too_many_photos")
        .await?;
    Ok(f)
}

/// Checks a form against its category; every problem is a field error.
fn check(
    f: &ReportFields,
    category: &Category,
    signed_in: bool,
    area: Option<crate::model::Area>,
) -> Result<(f64, f64, String), FieldErrors> {
    let mut errors = FieldErrors::new();
    let position = errors.take(kernel::geo::Position::parse(&f.lat, &f.lon));
    if let (Some(p), Some(area)) = (position, area)
        && !area.contains(p.lat, p.lon)
    {
        errors.push(FieldError::new("position", "report.outside"));
    }
    let description = f.description.trim().replace("\r\n", "\n");
    if description.chars().count() > crate::open311::MAX_DESCRIPTION {
        errors.push(FieldError::new("description", "report.description_long"));
    } else if crate::open311::looks_like_html(&description) {
        errors.push(FieldError::new("description", "report.description_html"));
    } else if description
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t')
    {
        errors.push(FieldError::new("description", "text.control"));
    }
    let submission = Submission {
        attributes: f.attributes.clone(),
        ..Default::default()
    };
    if !submission.check_attributes(&category.attributes).is_empty() {
        errors.push(FieldError::new("attributes", "report.attributes"));
    }
    if !signed_in {
        errors.take(kernel::accounts::Email::parse(&f.email));
    }
    match position {
        Some(p) if errors.is_empty() => Ok((p.lat, p.lon, description)),
        _ => Err(errors),
    }
}

#[derive(Template)]
#[template(path = "reports/sent.html")]
struct SentPage {
    page: PageCtx,
    space: Space,
    id: String,
    published: bool,
}

async fn submit(
    State(state): State<AppState>,
    page: PageCtx,
    ClientIp(ip): ClientIp,
    Path(space): Path<String>,
    multipart: Multipart,
) -> Result<Response, Error> {
    let space = space_or_404(&state, &space).await?;
    // Without a confirmed account every try counts, before any photo is decoded.
    if !page.user.as_ref().is_some_and(|u| u.confirmed) {
        state
            .limiter()
            .check(anonymous_reports(state.config()), ip)
            .await?;
    }
    let keeper = page.keeper.clone();
    let fields = match read_form(&state, &keeper, multipart).await {
        Ok(f) => f,
        Err(Error::Invalid(errors)) => {
            let mut p = new_page(&state, page, space, ReportFields::default()).await?;
            p.errors = errors;
            return render_invalid(&p);
        }
        Err(e) => return Err(e),
    };
    let mut p = new_page(&state, page, space, fields).await?;
    let Some(category) = p.category.clone() else {
        p.errors = FieldError::new("category", "report.category").into();
        return render_invalid(&p);
    };
    let user = p.page.user.clone().filter(|u| u.confirmed);
    let area = store::area(state.db(), &p.space.id).await?;
    let (lat, lon, description) = match check(&p.fields, &category, user.is_some(), area) {
        Ok(x) => x,
        Err(mut errors) => {
            p.fields.photos.refuse(&mut errors);
            p.errors = errors;
            return render_invalid(&p);
        }
    };
    if !p.fields.new_anyway {
        let similar = store::nearby_open(state.db(), &category, lat, lon, NEARBY_M).await?;
        if !similar.is_empty() {
            // A step, not a refusal: the photos are stored and the next step keeps them.
            p.fields.photos.kept = p.fields.photos.store(state.uploads()).await?;
            p.fields.photos.fresh.clear();
            p.similar = similar;
            return render(&p);
        }
    }
    if user.is_none() && !mail_allowed(state.db(), state.config(), &p.fields.email).await? {
        p.fields.photos.fresh.clear();
        p.errors = FieldError::new("email", "mail.quota").into();
        return render_invalid(&p);
    }
    let photos = p.fields.photos.store(state.uploads()).await?;
    let (email, name) = match &user {
        Some(u) => (
            u.email.clone(),
            if p.fields.hide_name {
                String::new()
            } else {
                u.display_name.clone()
            },
        ),
        None => (p.fields.email.clone(), String::new()),
    };
    let base = state.config().base_url.trim_end_matches('/').to_string();
    let lang = p.page.tr.0;
    // The reporter gets the link that publishes the report; a published report (a confirmed
    // account's) goes to its team.
    let published = user.is_some();
    let team = match published {
        true => team_address(&state, &category).await?,
        false => None,
    };
    let mails = |id: &str, token: Option<&str>| match token {
        Some(token) => vec![letter(
            &email,
            lang,
            "mail.report_confirm",
            &format!("{base}/s/{}/reports/confirm/{token}", p.space.slug),
            &category.name,
            "",
        )],
        None => team
            .iter()
            .map(|to| team_letter(to, &category, &base, (&p.space.slug, id), &description))
            .collect(),
    };
    let (id, token) = store::create_from_citizen(
        state.db(),
        &category,
        &CitizenReport {
            lat,
            lon,
            address: &p.fields.address,
            description: &description,
            attributes: &p.fields.attributes,
            reporter_id: user.as_ref().map(|u| u.id.as_str()),
            email: &email,
            name: &name,
            photos: &photos,
        },
        published,
        mails,
    )
    .await?;
    // Sent on to a page of its own, so that reloading it sends nothing again.
    let to = match token {
        None => format!("/s/{}/reports/sent?report={id}", p.space.slug),
        Some(_) => format!("/s/{}/reports/sent", p.space.slug),
    };
    Ok(Redirect::to(&to).into_response())
}

#[derive(Deserialize)]
struct SentQuery {
    report: Option<String>,
}

/// The page after a report is sent: a published report's link (checked: a report of this space,
/// published), else what the mail sent to confirm it says.
async fn sent(
    State(state): State<AppState>,
    page: PageCtx,
    Path(space): Path<String>,
    Query(q): Query<SentQuery>,
) -> Result<Response, Error> {
    let space = space_or_404(&state, &space).await?;
    let published = match q.report.as_deref().filter(|id| !id.is_empty()) {
        Some(id) => store::report_in_space(state.db(), &space.id, id)
            .await?
            .map(|(r, _)| r.id),
        None => None,
    };
    render(&SentPage {
        published: published.is_some(),
        id: published.unwrap_or_default(),
        page,
        space,
    })
}

/// A mail of the component, in the reader's language with the other beside it, queued with the
/// change it tells of. The texts `{key}.subject` and `{key}.body` take `{link}` and `{what}`;
/// `note`, when given, follows the body.
fn letter(to: &str, lang: Lang, key: &str, link: &str, what: &str, note: &str) -> Letter {
    Letter::texts(to, lang, key, &[("link", link), ("what", what)], note)
}

/// The mail that tells a reporter or follower of a public change of a report, with its note.
pub(super) fn change_letter(to: &str, link: &str, what: &str, note: &str) -> Letter {
    letter(to, Lang::Fr, "mail.report_change", link, what, note)
}

/// The address of the team a category's reports go to, if it has one.
async fn team_address(state: &AppState, category: &Category) -> Result<Option<String>, Error> {
    let teams = store::teams(state.db(), &category.space_id).await?;
    Ok(teams
        .into_iter()
        .find(|t| t.id == category.team_id)
        .map(|t| t.email))
}

/// The mail that tells a category's team, at `to`, that the report `id` of the space arrived.
fn team_letter(
    to: &str,
    category: &Category,
    base: &str,
    (space, id): (&str, &str),
    description: &str,
) -> Letter {
    let what = format!(
        "{} — {}",
        category.name,
        description.chars().take(80).collect::<String>()
    );
    let link = format!("{base}{}", crate::model::handle_url(space, id));
    letter(to, Lang::Fr, "mail.report_team", &link, &what, "")
}

async fn confirm(
    State(state): State<AppState>,
    Path((space, token)): Path<(String, String)>,
) -> Result<Response, Error> {
    let space = space_or_404(&state, &space).await?;
    // The report's team is told in the write that publishes it.
    let mut mails = Vec::new();
    if let Some(report) = store::report_of_link(state.db(), &space.id, &token).await?
        && let Some(category) =
            store::category_by_code(state.db(), &space.id, &report.service_code).await?
        && let Some(to) = team_address(&state, &category).await?
    {
        let base = state.config().base_url.trim_end_matches('/');
        let at = (space.slug.as_str(), report.id.as_str());
        mails.push(team_letter(&to, &category, base, at, &report.description));
    }
    let id = store::confirm(state.db(), &token, &mails).await?;
    Ok(redirect_with_flash(
        &crate::model::report_url(&space.slug, &id),
        "flash.report_published",
    ))
}

// ----- A report -----

#[derive(Template)]
#[template(path = "reports/show.html")]
struct ShowPage {
    page: PageCtx,
    space: Space,
    report: Report,
    photos: Vec<String>,
    history: Vec<Event>,
    supporters: i64,
    follows: bool,
    handles: bool,
    tiles: String,
    duplicates: Vec<(String, String)>,
    answers: Vec<(String, String)>,
}

impl ShowPage {
    fn status_key(&self, s: &Status) -> &'static str {
        status_key(*s)
    }
    fn when(&self, ms: &i64) -> String {
        kernel::clock::display(*ms, self.page.tr.0)
    }
    /// Where: the address, else the space's commune and the position in words.
    fn place(&self) -> String {
        super::place(&self.space, &self.report, self.page.tr.0)
    }
    fn point(&self) -> String {
        serde_json::json!([[self.report.lat, self.report.lon, self.report.service_name]])
            .to_string()
    }
}

async fn show(
    State(state): State<AppState>,
    page: PageCtx,
    Path((space, id)): Path<(String, String)>,
) -> Result<Response, Error> {
    let space = space_or_404(&state, &space).await?;
    let (report, team) = store::report_in_space(state.db(), &space.id, &id)
        .await?
        .ok_or(Error::NotFound)?;
    let handles = desk_access(&state, page.user.as_ref(), &space.id)
        .await?
        .is_some_and(|d| d.covers(&team));
    let photos = store::photos(state.db(), &id).await?;
    let history = store::history(state.db(), &id, false).await?;
    let (supporters, follows) =
        store::support(state.db(), &id, page.user.as_ref().map(|u| u.id.as_str())).await?;
    let duplicates = store::duplicates(state.db(), &id).await?;
    let answers = store::answers(state.db(), &space.id, &report).await?;
    render(&ShowPage {
        duplicates,
        answers,
        tiles: state.config().tile_url.clone(),
        page,
        space,
        report,
        photos,
        history,
        supporters,
        follows,
        handles,
    })
}

#[derive(Deserialize)]
struct FollowForm {
    #[serde(default)]
    support: String,
}

async fn follow(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
    Path((space, id)): Path<(String, String)>,
    kernel::web::Form(form): kernel::web::Form<FollowForm>,
) -> Result<Response, Error> {
    let space = space_or_404(&state, &space).await?;
    store::report_in_space(state.db(), &space.id, &id)
        .await?
        .ok_or(Error::NotFound)?;
    if !user.confirmed {
        return Err(Error::Conflict("report.unconfirmed"));
    }
    store::follow(state.db(), &id, &user.id, form.support == "1").await?;
    Ok(redirect_with_flash(
        &crate::model::report_url(&space.slug, &id),
        "flash.report_followed",
    ))
}

// ----- The list -----

#[derive(Deserialize)]
struct ListQuery {
    page: Option<i64>,
    #[serde(default)]
    category: String,
    #[serde(default)]
    status: String,
}

#[derive(Template)]
#[template(path = "reports/list.html")]
struct ListPage {
    page: PageCtx,
    space: Space,
    categories: Vec<Category>,
    reports: Vec<Report>,
    pager: Pager,
    category: String,
    status: String,
    tiles: String,
    area: String,
    /// What the markers' colours and fills mean.
    legend: kernel::geo::Legend,
    /// The cards of the page's reports.
    cards: Vec<kernel::geo::MapCard>,
}

impl ListPage {
    fn status_key(&self, s: &Status) -> &'static str {
        status_key(*s)
    }
    fn when(&self, ms: &i64) -> kernel::i18n::TimeTag {
        self.page.tr.datetime_tag(ms)
    }
    fn points(&self) -> String {
        kernel::geo::cards_attribute(&self.cards)
    }
    /// The live map's address: the list's filters.
    fn map_source(&self) -> String {
        format!(
            "/s/{}/reports/map.json?category={}&status={}",
            self.space.slug,
            kernel::web::percent_encode(&self.category),
            kernel::web::percent_encode(&self.status)
        )
    }
}

async fn list(
    State(state): State<AppState>,
    page: PageCtx,
    Path(space): Path<String>,
    Query(q): Query<ListQuery>,
) -> Result<Response, Error> {
    let space = space_or_404(&state, &space).await?;
    let categories = store::categories(state.db(), &space.id).await?;
    let ids = super::category_ids(&categories, &q.category);
    let status = super::status_filter(&q.status)?;
    let base = format!(
        "/s/{}/reports?category={}&status={}&",
        space.slug,
        kernel::web::percent_encode(&q.category),
        kernel::web::percent_encode(&q.status)
    );
    let filter = store::DeskFilter {
        status,
        newest_first: true,
        ..Default::default()
    };
    let (reports, pager) =
        super::queue_page(&state, &space.id, &ids, &filter, q.page, base).await?;
    let area = kernel::spaces::map_area(state.db(), &space.id).await?;
    let ids: Vec<String> = reports.iter().map(|r| r.id.clone()).collect();
    let mut cards = super::map::cards(&state, &space.id, &space.slug, &ids).await?;
    let cards = ids.iter().filter_map(|id| cards.remove(id)).collect();
    render(&ListPage {
        legend: super::map::legend(&page.tr, &categories),
        cards,
        area,
        tiles: state.config().tile_url.clone(),
        page,
        space,
        categories,
        reports,
        pager,
        category: q.category,
        status: q.status,
    })
}
