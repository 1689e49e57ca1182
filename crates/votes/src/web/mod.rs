//! Vote pages: the ballot with its confirmation step and receipt (`voting`), results, published
//! trackers and ballots (`results`), and the administrators' pages (`prepare`).

mod prepare;
mod results;
mod voting;
mod work;

pub use prepare::parse_census;
pub use results::{ResultView, count_task, datasets, public_vote, results, results_body};
pub use voting::cast_ballot;
pub use work::workplace;

use crate::ballot::{self, Ballot, Identity};
use crate::count::{Outcome, QuestionResult, Results};
use crate::error::StoreError;
use crate::model::*;
use crate::store;
use askama::Template;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use kernel::accounts::User;
use kernel::app::{Section, SectionItem, SectionOf};
use kernel::i18n::{Lang, Tr};
use kernel::ids::now_ms;
use kernel::web::pager::Pager;
use kernel::web::ratelimit::Limit;
use kernel::web::routes::Routes;
use kernel::web::{
    ClientIp, Form, MultipartForm, PageCtx, SignedIn, redirect_with_flash, render, render_invalid,
};
use kernel::{AppState, Error, FieldError, FieldErrors};
use participation::Process;
use serde::Deserialize;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

const BASE: &str = "/s/{space}/processes/{process}/votes";

/// The vote routes.
pub fn routes() -> Routes {
    let r = |tail: &str| format!("{BASE}{tail}");
    Routes::new()
        .route(&r("/new"), get(prepare::new_form).post(prepare::create))
        .route(&r("/{vote}"), get(voting::show))
        .route(&r("/{vote}/review"), post(voting::review))
        .route(&r("/{vote}/cast"), post(voting::cast))
        .route(&r("/{vote}/trackers"), get(results::trackers))
        .route(&r("/{vote}/admin"), get(prepare::admin))
        .route(&r("/{vote}/admin/questions"), post(prepare::add_question))
        .route(&r("/{vote}/admin/projects"), post(prepare::add_project))
        .route(&r("/{vote}/admin/census"), post(prepare::set_census))
        .route(&r("/{vote}/admin/codes"), post(prepare::codes))
        .route(
            &r("/{vote}/admin/options/{option}"),
            post(prepare::option_details),
        )
        .route(
            &r("/{vote}/admin/settings"),
            get(prepare::settings_form).post(prepare::settings),
        )
        .route(
            &r("/{vote}/admin/questions/{question}"),
            get(prepare::question_form).post(prepare::edit_question),
        )
        .route(
            &r("/{vote}/admin/questions/{question}/remove"),
            post(prepare::remove_question),
        )
        .route(
            &r("/{vote}/admin/projects/{option}"),
            get(prepare::project_form).post(prepare::edit_project),
        )
        .route(
            &r("/{vote}/admin/projects/{option}/remove"),
            post(prepare::remove_project),
        )
        .route(&r("/{vote}/admin/publish"), post(prepare::publish))
        .route(&r("/{vote}/admin/unpublish"), post(prepare::unpublish))
        .route(&r("/{vote}/admin/open"), post(prepare::open))
        .route(&r("/{vote}/admin/close"), post(prepare::close))
        .route(
            "/data/votes/{vote}/results.json",
            get(results::results_json),
        )
        .route("/data/votes/{vote}/ballots.csv", get(results::ballots_csv))
        .route(
            "/data/votes/{vote}/trackers.csv",
            get(results::trackers_csv),
        )
}

/// Proofs of identity tried against a census: 60 per 10 minutes from one address (a town hall
/// kiosk serves many residents; a guesser of birth dates needs far more).
const CENSUS_ATTEMPTS: Limit = Limit {
    action: "vote_census",
    max: 60,
    window: Duration::from_secs(600),
};

fn vote_url(p: &Process, id: &str) -> String {
    format!("{}/votes/{id}", p.url())
}

/// A vote with the process it belongs to.
struct Located {
    process: Process,
    vote: Votation,
}

impl Located {
    fn url(&self) -> String {
        vote_url(&self.process, &self.vote.id)
    }
}

/// The vote at these addresses as `reader` sees it: a draft vote, or a vote of a draft process,
/// is a 404 to those who may not prepare it.
async fn locate(
    state: &AppState,
    space: &str,
    process: &str,
    id: &str,
    reader: Option<&User>,
) -> Result<Located, Error> {
    let process = participation::visible_process(state, space, process, reader).await?;
    let vote = store::get(state.db(), id)
        .await?
        .filter(|v| v.process_id == process.id)
        .ok_or(Error::NotFound)?;
    vote.publication
        .require_seen(may_prepare(reader, &process))?;
    Ok(Located { process, vote })
}

/// Whether `reader` may prepare the votes of `process` (and so see its drafts).
fn may_prepare(reader: Option<&User>, process: &Process) -> bool {
    crate::policy::can(
        reader,
        crate::policy::Action::Prepare,
        &crate::policy::Resource::Process(process),
    )
}

async fn managed(
    state: &AppState,
    (space, process, id): &(String, String, String),
    user: &User,
) -> Result<Located, Error> {
    let l = locate(state, space, process, id, Some(user)).await?;
    crate::policy::check(
        user,
        crate::policy::Action::Prepare,
        &crate::policy::Resource::Process(&l.process),
    )?;
    Ok(l)
}

fn phase_note(v: &Votation, lang: Lang) -> String {
    let tr = Tr(lang);
    match v.phase(now_ms()) {
        Phase::Upcoming => tr.f(
            "vote.opens_on",
            &[("date", &kernel::clock::display(v.opens_at, lang))],
        ),
        Phase::Open => tr.f(
            "vote.open_until",
            &[("date", &kernel::clock::display(v.closing(), lang))],
        ),
        Phase::Closed => tr.f(
            "vote.closed_results",
            &[("date", &kernel::clock::display(v.closing(), lang))],
        ),
    }
}

/// The votes shown on a process's page.
pub async fn process_section(state: AppState, of: SectionOf) -> Result<Option<Section>, Error> {
    let process = participation::store::get(state.db(), &of.id)
        .await?
        .ok_or(Error::NotFound)?;
    let manage = may_prepare(of.user.as_ref(), &process);
    let votes = store::of_process(state.db(), &of.id, manage).await?;
    let draft = kernel::i18n::tr(of.lang, "publication.draft");
    if votes.is_empty() && !manage {
        return Ok(None);
    }
    Ok(Some(Section {
        heading: "vote.section",
        items: votes
            .iter()
            .map(|v| SectionItem {
                title: v.title.clone(),
                url: vote_url(&process, &v.id),
                note: if v.publication.is_draft() {
                    format!("{draft} · {}", phase_note(v, of.lang))
                } else {
                    phase_note(v, of.lang)
                },
                ..Default::default()
            })
            .collect(),
        add: manage.then(|| ("vote.new", format!("{}/votes/new", process.url()))),
    }))
}

/// The path of a vote: space, process, vote.
pub(crate) type VotePath = (String, String, String);

pub(crate) fn method_key(m: &Method) -> &'static str {
    match m {
        Method::Single => "vote.method.single",
        Method::Approval { .. } => "vote.method.approval",
        Method::Judgment { .. } => "vote.method.judgment",
        Method::Basket => "vote.method.basket",
    }
}

pub(crate) fn eligibility_key(e: Eligibility) -> &'static str {
    match e {
        Eligibility::Accounts => "vote.eligibility.accounts",
        Eligibility::Census => "vote.eligibility.census",
        Eligibility::Codes => "vote.eligibility.codes",
    }
}

/// Refuses what is public only once a vote is closed.
pub(crate) fn closed(v: &Votation) -> Result<(), Error> {
    if v.phase(now_ms()) != Phase::Closed {
        return Err(Error::Conflict("vote.not_closed"));
    }
    Ok(())
}
