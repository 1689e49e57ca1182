//! Contributions: a component's page (the list first for an idea box, the map first for a
//! participatory map), the form, the contribution's page with its photos, supports, official
//! answer and comments, and the actions on it.

use super::processes::{FollowForm, set_follow, visible_process};
use super::{
    Refused, component_or_404, contribution_url, followers_but, form_key, notices, participant,
};
use crate::error::StoreError;
use crate::model::{
    AnswerFields, AnswerState, Category, Comment, ComponentKind, Contribution, ContributionFields,
    ContributionInput, MOST_PHOTOS, Phase, Process, ProcessComponent, State,
};
use crate::policy::{self, Resource};
use crate::store::{self, contributions::Filter};
use askama::Template;
use axum::extract::{Multipart, Path, Query, State as AxState};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use kernel::accounts::{Action, User, can};
use kernel::web::pager::Pager;
use kernel::web::routes::Routes;
use kernel::web::{
    Form, MultipartForm, PageCtx, SignedIn, redirect_with_flash, render, render_invalid,
};
use kernel::{AppState, Error, FieldErrors};
use serde::Deserialize;

mod submission;
use submission::*;

pub(super) fn routes() -> Routes {
    let c = "/s/{space}/processes/{process}/contributions/{id}";
    Routes::new()
        .route("/s/{space}/processes/{process}/c/{component}", get(list))
        .route(
            "/s/{space}/processes/{process}/c/{component}/map.json",
            get(super::map::map),
        )
        .route(
            "/s/{space}/processes/{process}/c/{component}/new",
            get(new_form).post(submit),
        )
        .route("/s/{space}/contributions/{id}", get(short_link))
        .route(c, get(show))
        .route(&format!("{c}/support"), post(support))
        .route(&format!("{c}/withdraw"), post(withdraw))
        .route(&format!("{c}/answer"), post(answer))
        .route(&format!("{c}/follow"), post(follow))
}

/// Contributions per page of a list.
const PER_PAGE: i64 = 20;
/// Top-level comments per page of a thread.
const THREADS_PER_PAGE: i64 = 30;

/// The result of an action: back to `to` with its message, or with the reason it was refused.
pub(super) fn back(to: &str, done: Result<&'static str, Refused>) -> Result<Response, Error> {
    let flash = match done {
        Ok(flash) => flash,
        Err(Refused::Unconfirmed) => "flash.participation_unconfirmed",
        Err(Refused::Banned) => "flash.participation_banned",
        Err(Refused::SupportsClosed) => "flash.supports_closed",
        Err(Refused::ContributionsClosed) => "flash.contributions_closed",
        Err(Refused::FlagReason) => "flash.flag_reason",
        Err(Refused::Store(StoreError::SupportLimit)) => "flash.support_limit",
        Err(Refused::Store(StoreError::SupportAlready)) => "flash.support_already",
        Err(Refused::Store(StoreError::SupportNone)) => "flash.support_none",
        Err(Refused::Store(StoreError::FlagAlready)) => "flash.flag_already",
        Err(Refused::Store(e)) => return Err(e.into()),
        Err(Refused::Error(e)) => return Err(e),
    };
    Ok(redirect_with_flash(to, flash))
}

#[derive(Deserialize, Default)]
struct ListQuery {
    #[serde(default)]
    category: String,
    #[serde(default)]
    answer: String,
    #[serde(default)]
    sort: String,
    page: Option<i64>,
}

#[derive(Template)]
#[template(path = "contributions/list.html")]
struct ListPage {
    page: PageCtx,
    process: Process,
    component: ProcessComponent,
    categories: Vec<Category>,
    contributions: Vec<Contribution>,
    pager: Pager,
    q: ListQuery,
    open: bool,
    tiles: String,
    /// The space's area, where the map opens when nothing else frames it.
    area: String,
    answers: [AnswerState; 4],
    /// What the markers' colours and fills mean.
    legend: kernel::geo::Legend,
    /// The cards of the page's located contributions.
    cards: Vec<kernel::geo::MapCard>,
}

impl ListPage {
    fn url(&self, c: &Contribution) -> String {
        contribution_url(&self.process, &c.id)
    }
    fn category(&self, c: &Contribution) -> Option<&Category> {
        category_of(&self.categories, c)
    }
    fn is_map(&self) -> bool {
        self.component.kind == ComponentKind::Map
    }
    fn base(&self) -> String {
        super::component_url(&self.process, &self.component.id)
    }
    fn points(&self) -> String {
        kernel::geo::cards_attribute(&self.cards)
    }
    /// The live map's address: the list's filters.
    fn map_source(&self) -> String {
        format!(
            "{}/map.json?category={}&answer={}",
            self.base(),
            kernel::web::percent_encode(&self.q.category),
            kernel::web::percent_encode(&self.q.answer)
        )
    }
}

fn category_of<'a>(categories: &'a [Category], c: &Contribution) -> Option<&'a Category> {
    c.category_id
        .as_ref()
        .and_then(|id| categories.iter().find(|x| &x.id == id))
}

/// The process and component at these addresses, with the process's phases.
async fn load(
    state: &AppState,
    space: &str,
    process: &str,
    component: &str,
    reader: Option<&User>,
) -> Result<(Process, ProcessComponent, Vec<Phase>), Error> {
    let process = visible_process(state, space, process, reader).await?;
    let component = component_or_404(state, &process, component).await?;
    let phases = store::phases(state.db(), &process.id).await?;
    Ok((process, component, phases))
}

fn today() -> time::Date {
    kernel::clock::local_date(kernel::ids::now_ms())
}

async fn list(
    AxState(state): AxState<AppState>,
    page: PageCtx,
    Path((space, process, component)): Path<(String, String, String)>,
    q: Result<Query<ListQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, Error> {
    let Ok(Query(q)) = q else {
        return Err(Error::BadRequest("query.invalid"));
    };
    let (process, component, phases) =
        load(&state, &space, &process, &component, page.user.as_ref()).await?;
    let categories = store::categories(state.db(), &component.id).await?;
    let answer = match q.answer.as_str() {
        "" => None,
        "none" => Some(None),
        a => Some(Some(
            AnswerState::parse(a).ok_or(Error::BadRequest("query.invalid"))?,
        )),
    };
    if !q.category.is_empty() && !categories.iter().any(|c| c.id == q.category) {
        return Err(Error::BadRequest("query.invalid"));
    }
    let filter = Filter {
        category: (!q.category.is_empty()).then(|| q.category.clone()),
        answer,
        by_supports: q.sort == "supports",
    };
    let base = format!(
        "{}?category={}&answer={}&sort={}&",
        super::component_url(&process, &component.id),
        kernel::web::percent_encode(&q.category),
        kernel::web::percent_encode(&q.answer),
        kernel::web::percent_encode(&q.sort)
    );
    let mut pager = Pager::new(q.page, PER_PAGE, base);
    let (contributions, total) =
        store::contributions::list(state.db(), &component.id, &filter, PER_PAGE, pager.offset())
            .await?;
    pager.total = total;
    let (legend, cards) = if component.kind == ComponentKind::Map {
        let ids: Vec<String> = contributions.iter().map(|c| c.id.clone()).collect();
        (
            super::map::legend(&page.tr, &categories),
            super::map::cards_in_order(&state, &process, &component.id, &ids).await?,
        )
    } else {
        (kernel::geo::Legend::default(), Vec::new())
    };
    render(&ListPage {
        legend,
        cards,
        area: kernel::spaces::map_area(state.db(), &process.space_id).await?,
        open: component.takes_contributions(&phases, today()),
        tiles: state.config().tile_url.clone(),
        answers: AnswerState::ALL,
        page,
        process,
        component,
        categories,
        contributions,
        pager,
        q,
    })
}

#[derive(Deserialize, Default)]
struct ShowQuery {
    /// The cursor of the next page of comments: `{time}_{id}`.
    #[serde(default)]
    after: String,
}

#[derive(Template)]
#[template(path = "contributions/show.html")]
pub(super) struct ShowPage {
    page: PageCtx,
    process: Process,
    component: ProcessComponent,
    contribution: Contribution,
    category: Option<Category>,
    photos: Vec<String>,
    supported: bool,
    supports_left: Option<i64>,
    following: Option<bool>,
    comments: Vec<Comment>,
    my_votes: Vec<(String, i64)>,
    next: Option<String>,
    manage: bool,
    moderate: bool,
    answer: AnswerFields,
    answers: [AnswerState; 4],
    comment_key: String,
    pub(super) errors: FieldErrors,
    tiles: String,
    now: i64,
}

impl ShowPage {
    fn url(&self) -> String {
        contribution_url(&self.process, &self.contribution.id)
    }
    fn my_vote(&self, c: &Comment) -> i64 {
        self.my_votes
            .iter()
            .find(|(id, _)| *id == c.id)
            .map(|(_, v)| *v)
            .unwrap_or(0)
    }
    fn mine(&self, c: &Comment) -> bool {
        self.page.user.as_ref().is_some_and(|u| u.id == c.author_id)
    }
    fn can_reply(&self, c: &Comment) -> bool {
        c.depth < crate::model::MAX_DEPTH && c.state == State::Published
    }
    fn is_author(&self) -> bool {
        self.page
            .user
            .as_ref()
            .is_some_and(|u| u.id == self.contribution.author_id)
    }
    /// Where: the address, else the position in words.
    fn place(&self) -> String {
        self.contribution
            .position
            .map(|p| {
                kernel::geo::place_label(
                    &self.contribution.address,
                    None,
                    p.lat,
                    p.lon,
                    self.page.tr.0,
                )
            })
            .unwrap_or_default()
    }
    fn points(&self) -> String {
        self.contribution
            .position
            .map(|p| serde_json::json!([[p.lat, p.lon, self.contribution.title]]).to_string())
            .unwrap_or_default()
    }
    fn shown(&self, c: &Comment) -> bool {
        c.state == State::Published || self.moderate
    }
    fn answer_html(&self) -> String {
        self.contribution
            .answer
            .as_ref()
            .map(|a| kernel::markdown::to_html(&a.text))
            .unwrap_or_default()
    }
    fn date(&self, ms: impl std::borrow::Borrow<i64>) -> kernel::i18n::TimeTag {
        self.page.tr.datetime_tag(ms)
    }
}

/// The contribution at this address: published ones for everyone, the others for their
/// author and the space's moderators.
async fn visible(
    state: &AppState,
    user: Option<&kernel::accounts::User>,
    process: &Process,
    id: &str,
) -> Result<Contribution, Error> {
    let c = store::contributions::get(state.db(), id)
        .await?
        .filter(|c| c.process_id == process.id)
        .ok_or(Error::NotFound)?;
    let allowed = c.state == State::Published
        || user.is_some_and(|u| u.id == c.author_id)
        || can(user, Action::ModerateSpace(&c.space_id));
    if !allowed {
        return Err(Error::NotFound);
    }
    Ok(c)
}

fn parse_cursor(raw: &str) -> Result<Option<(i64, String)>, Error> {
    if raw.is_empty() {
        return Ok(None);
    }
    let (t, id) = raw
        .split_once('_')
        .ok_or(Error::BadRequest("query.invalid"))?;
    let t = t.parse().map_err(|_| Error::BadRequest("query.invalid"))?;
    Ok(Some((t, id.to_string())))
}

/// The contribution's page, with a page of its comments.
pub(super) async fn show_page(
    state: &AppState,
    page: PageCtx,
    process: Process,
    id: &str,
    after: &str,
) -> Result<ShowPage, Error> {
    let contribution = visible(state, page.user.as_ref(), &process, id).await?;
    let component = component_or_404(state, &process, &contribution.component_id).await?;
    let categories = store::categories(state.db(), &component.id).await?;
    let (comments, next) = store::comments::page(
        state.db(),
        &contribution.id,
        parse_cursor(after)?,
        THREADS_PER_PAGE,
    )
    .await?;
    let (supported, supports_left, following, my_votes) = match &page.user {
        Some(u) => {
            let supported =
                store::contributions::supports(state.db(), &contribution.id, &u.id).await?;
            let left = match component.settings.supports_limit {
                0 => None,
                limit => Some(
                    limit
                        - store::contributions::supports_given(state.db(), &component.id, &u.id)
                            .await?,
                ),
            };
            let ids: Vec<String> = comments.iter().map(|c| c.id.clone()).collect();
            (
                supported,
                left,
                store::follows::following(state.db(), &contribution.id, &u.id).await?,
                store::comments::votes_of(state.db(), &u.id, &ids).await?,
            )
        }
        None => (false, None, None, Vec::new()),
    };
    Ok(ShowPage {
        manage: super::can_manage(page.user.as_ref(), &process.space_id),
        moderate: can(page.user.as_ref(), Action::ModerateSpace(&process.space_id)),
        category: category_of(&categories, &contribution).cloned(),
        photos: store::contributions::photos(state.db(), &contribution.id).await?,
        next: next.map(|(t, id)| format!("{t}_{id}")),
        answer: contribution
            .answer
            .as_ref()
            .map(|a| AnswerFields {
                state: a.state.as_str().into(),
                text: a.text.clone(),
                progress: a.progress.to_string(),
            })
            .unwrap_or_default(),
        answers: AnswerState::ALL,
        comment_key: form_key(),
        errors: FieldErrors::new(),
        tiles: state.config().tile_url.clone(),
        now: kernel::ids::now_ms(),
        page,
        process,
        component,
        contribution,
        supported,
        supports_left,
        following,
        comments,
        my_votes,
    })
}

async fn show(
    AxState(state): AxState<AppState>,
    page: PageCtx,
    Path((space, process, id)): Path<(String, String, String)>,
    q: Result<Query<ShowQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, Error> {
    let Ok(Query(q)) = q else {
        return Err(Error::BadRequest("query.invalid"));
    };
    let process = visible_process(&state, &space, &process, page.user.as_ref()).await?;
    render(&show_page(&state, page, process, &id, &q.after).await?)
}

async fn short_link(
    AxState(state): AxState<AppState>,
    Path((space, id)): Path<(String, String)>,
) -> Result<Response, Error> {
    let c = store::contributions::get(state.db(), &id)
        .await?
        .ok_or(Error::NotFound)?;
    let process = store::get(state.db(), &c.process_id)
        .await?
        .filter(|p| p.space_slug == space)
        .ok_or(Error::NotFound)?;
    Ok(Redirect::to(&contribution_url(&process, &c.id)).into_response())
}

/// A signed-in reader's action on a published contribution: the process, the contribution
/// and its component.
async fn target(
    state: &AppState,
    space: &str,
    process: &str,
    id: &str,
    reader: &User,
) -> Result<(Process, Contribution, ProcessComponent), Error> {
    let process = visible_process(state, space, process, Some(reader)).await?;
    let c = store::contributions::get(state.db(), id)
        .await?
        .filter(|c| c.process_id == process.id)
        .ok_or(Error::NotFound)?;
    let component = component_or_404(state, &process, &c.component_id).await?;
    Ok((process, c, component))
}

#[derive(Deserialize)]
struct SupportForm {
    #[serde(default)]
    undo: String,
}

async fn support(
    AxState(state): AxState<AppState>,
    SignedIn(user): SignedIn,
    Path((space, process, id)): Path<(String, String, String)>,
    Form(f): Form<SupportForm>,
) -> Result<Response, Error> {
    let (process, c, component) = target(&state, &space, &process, &id, &user).await?;
    let to = contribution_url(&process, &c.id);
    let done = async {
        participant(&state, &user, &process.space_id).await?;
        if !component.settings.supports_open || c.state != State::Published {
            return Err(Refused::SupportsClosed);
        }
        if f.undo.is_empty() {
            store::contributions::support(
                state.db(),
                &c,
                &user.id,
                component.settings.supports_limit,
            )
            .await?;
            Ok("flash.supported")
        } else {
            store::contributions::unsupport(state.db(), &c, &user.id).await?;
            Ok("flash.unsupported")
        }
    }
    .await;
    back(&to, done)
}

async fn withdraw(
    AxState(state): AxState<AppState>,
    SignedIn(user): SignedIn,
    Path((space, process, id)): Path<(String, String, String)>,
) -> Result<Response, Error> {
    let (process, c, _) = target(&state, &space, &process, &id, &user).await?;
    policy::check(&user, policy::Action::Withdraw, &Resource::Contribution(&c))?;
    store::contributions::set_state(state.db(), &c.id, State::Withdrawn, "", &user.id).await?;
    Ok(redirect_with_flash(
        &super::component_url(&process, &c.component_id),
        "flash.withdrawn",
    ))
}

async fn answer(
    AxState(state): AxState<AppState>,
    page: PageCtx,
    SignedIn(user): SignedIn,
    Path((space, process, id)): Path<(String, String, String)>,
    Form(fields): Form<AnswerFields>,
) -> Result<Response, Error> {
    let (process, c, _) = target(&state, &space, &process, &id, &user).await?;
    policy::check(&user, policy::Action::Manage, &Resource::Contribution(&c))?;
    match fields.parse() {
        Ok(a) => {
            let url = contribution_url(&process, &c.id);
            let what = format!(
                "{} — {}",
                c.title,
                kernel::i18n::tr(kernel::i18n::Lang::Fr, a.state.key())
            );
            let followers = followers_but(&state, &[&c.id], &user.id).await?;
            let told = notices(&state, &followers, "mail.answer", (&what, &url));
            store::contributions::answer(state.db(), &c.id, &a, &user.id, &told).await?;
            Ok(redirect_with_flash(&url, "flash.answered"))
        }
        Err(errors) => {
            let mut p = show_page(&state, page, process, &id, "").await?;
            p.answer = fields;
            p.errors = errors;
            render_invalid(&p)
        }
    }
}

async fn follow(
    AxState(state): AxState<AppState>,
    SignedIn(user): SignedIn,
    Path((space, process, id)): Path<(String, String, String)>,
    Form(f): Form<FollowForm>,
) -> Result<Response, Error> {
    // Only what the reader may see can be followed.
    let process = visible_process(&state, &space, &process, Some(&user)).await?;
    let c = visible(&state, Some(&user), &process, &id).await?;
    let flash = set_follow(&state, &c.id, &user, &f.how).await?;
    Ok(redirect_with_flash(
        &contribution_url(&process, &c.id),
        flash,
    ))
}
