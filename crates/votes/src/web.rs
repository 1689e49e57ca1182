//! Vote pages: the ballot with its confirmation step and receipt, results, published trackers
//! and ballots, and the administrators' pages.

use crate::ballot::{self, Ballot, Identity};
use crate::count::{self, Outcome, QuestionResult, Results};
use crate::model::*;
use crate::store;
use askama::Template;
use axum::Router;
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
use kernel::web::{ClientIp, Form, PageCtx, SignedIn, redirect_with_flash, render, render_invalid};
use kernel::{AppState, Error, FieldError, FieldErrors};
use participation::Process;
use participation::web::{can_manage, process_or_404};
use serde::Deserialize;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

const BASE: &str = "/s/{space}/processes/{process}/votes";

/// The vote routes.
pub fn routes() -> Router<AppState> {
    let r = |tail: &str| format!("{BASE}{tail}");
    Router::new()
        .route(&r("/new"), get(new_form).post(create))
        .route(&r("/{vote}"), get(show))
        .route(&r("/{vote}/review"), post(review))
        .route(&r("/{vote}/cast"), post(cast))
        .route(&r("/{vote}/trackers"), get(trackers))
        .route(&r("/{vote}/admin"), get(admin))
        .route(&r("/{vote}/admin/questions"), post(add_question))
        .route(&r("/{vote}/admin/projects"), post(add_project))
        .route(&r("/{vote}/admin/census"), post(set_census))
        .route(&r("/{vote}/admin/codes"), post(codes))
        .route(&r("/{vote}/admin/open"), post(open))
        .route(&r("/{vote}/admin/close"), post(close))
        .route("/data/votes/{vote}/results.json", get(results_json))
        .route("/data/votes/{vote}/ballots.csv", get(ballots_csv))
        .route("/data/votes/{vote}/trackers.csv", get(trackers_csv))
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

async fn locate(state: &AppState, space: &str, process: &str, id: &str) -> Result<Located, Error> {
    let process = process_or_404(state, space, process).await?;
    let vote = store::get(state.db(), id)
        .await?
        .filter(|v| v.process_id == process.id)
        .ok_or(Error::NotFound)?;
    Ok(Located { process, vote })
}

async fn managed(
    state: &AppState,
    (space, process, id): &(String, String, String),
    user: &User,
) -> Result<Located, Error> {
    let l = locate(state, space, process, id).await?;
    if !can_manage(Some(user), &l.process.space_id) {
        return Err(Error::Forbidden);
    }
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
        Phase::Closed => tr.t("vote.closed_results").to_string(),
    }
}

/// The votes shown on a process's page.
pub async fn process_section(state: AppState, of: SectionOf) -> Result<Option<Section>, Error> {
    let votes = store::of_process(state.db(), &of.id).await?;
    let process = participation::store::get(state.db(), &of.id)
        .await?
        .ok_or(Error::NotFound)?;
    let manage = can_manage(of.user.as_ref(), &process.space_id);
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
                note: phase_note(v, of.lang),
            })
            .collect(),
        add: manage.then(|| ("vote.new", format!("{}/votes/new", process.url()))),
    }))
}

// ----- Creation and administration -----

#[derive(Template)]
#[template(path = "votes/new.html")]
struct NewPage {
    page: PageCtx,
    process: Process,
    fields: VotationFields,
    errors: FieldErrors,
}

async fn managed_process(
    state: &AppState,
    space: &str,
    process: &str,
    user: &User,
) -> Result<Process, Error> {
    let p = process_or_404(state, space, process).await?;
    if !can_manage(Some(user), &p.space_id) {
        return Err(Error::Forbidden);
    }
    Ok(p)
}

async fn new_form(
    State(state): State<AppState>,
    page: PageCtx,
    SignedIn(user): SignedIn,
    Path((space, process)): Path<(String, String)>,
) -> Result<Response, Error> {
    let process = managed_process(&state, &space, &process, &user).await?;
    let now = now_ms();
    let fields = VotationFields {
        kind: "votation".into(),
        eligibility: "accounts".into(),
        opens_at: kernel::clock::form_value(now + 86_400_000),
        closes_at: kernel::clock::form_value(now + 15 * 86_400_000),
        ..Default::default()
    };
    render(&NewPage {
        page,
        process,
        fields,
        errors: FieldErrors::new(),
    })
}

async fn create(
    State(state): State<AppState>,
    page: PageCtx,
    SignedIn(user): SignedIn,
    Path((space, process)): Path<(String, String)>,
    Form(fields): Form<VotationFields>,
) -> Result<Response, Error> {
    let process = managed_process(&state, &space, &process, &user).await?;
    match fields.parse(now_ms()) {
        Ok(input) => {
            let id = store::create(state.db(), &process.id, &input, &user.id).await?;
            Ok(Redirect::to(&format!("{}/admin", vote_url(&process, &id))).into_response())
        }
        Err(errors) => render_invalid(&NewPage {
            page,
            process,
            fields,
            errors,
        }),
    }
}

#[derive(Template)]
#[template(path = "votes/admin.html")]
struct AdminPage {
    page: PageCtx,
    process: Process,
    vote: Votation,
    url: String,
    phase: Phase,
    census: i64,
    codes: i64,
    question: QuestionFields,
    question_errors: FieldErrors,
    project: ProjectFields,
    project_errors: FieldErrors,
    census_errors: FieldErrors,
    census_line: usize,
}

impl AdminPage {
    fn method_key(&self, m: &Method) -> &'static str {
        method_key(m)
    }
    fn eligibility_key(&self) -> &'static str {
        eligibility_key(self.vote.eligibility)
    }
}

fn method_key(m: &Method) -> &'static str {
    match m {
        Method::Single => "vote.method.single",
        Method::Approval { .. } => "vote.method.approval",
        Method::Judgment { .. } => "vote.method.judgment",
        Method::Basket => "vote.method.basket",
    }
}

async fn admin_page(state: &AppState, page: PageCtx, l: Located) -> Result<AdminPage, Error> {
    let (census, codes) = store::eligible_counts(state.db(), &l.vote).await?;
    Ok(AdminPage {
        page,
        url: l.url(),
        phase: l.vote.phase(now_ms()),
        process: l.process,
        vote: l.vote,
        census,
        codes,
        question: QuestionFields {
            method: "judgment".into(),
            ..Default::default()
        },
        question_errors: FieldErrors::new(),
        project: ProjectFields::default(),
        project_errors: FieldErrors::new(),
        census_errors: FieldErrors::new(),
        census_line: 0,
    })
}

type VotePath = (String, String, String);

async fn admin(
    State(state): State<AppState>,
    page: PageCtx,
    SignedIn(user): SignedIn,
    Path(path): Path<VotePath>,
) -> Result<Response, Error> {
    let l = managed(&state, &path, &user).await?;
    render(&admin_page(&state, page, l).await?)
}

async fn add_question(
    State(state): State<AppState>,
    page: PageCtx,
    SignedIn(user): SignedIn,
    Path(path): Path<VotePath>,
    Form(fields): Form<QuestionFields>,
) -> Result<Response, Error> {
    let l = managed(&state, &path, &user).await?;
    let result = match fields.parse() {
        Ok(input) => store::add_question(state.db(), &l.vote, &input, &user.id).await,
        Err(e) => Err(Error::Invalid(e)),
    };
    match result {
        Ok(()) => Ok(redirect_with_flash(
            &format!("{}/admin", l.url()),
            "flash.saved",
        )),
        Err(Error::Invalid(errors)) => {
            let mut p = admin_page(&state, page, l).await?;
            p.question = fields;
            p.question_errors = errors;
            render_invalid(&p)
        }
        Err(e) => Err(e),
    }
}

async fn add_project(
    State(state): State<AppState>,
    page: PageCtx,
    SignedIn(user): SignedIn,
    Path(path): Path<VotePath>,
    Form(fields): Form<ProjectFields>,
) -> Result<Response, Error> {
    let l = managed(&state, &path, &user).await?;
    let total = l.vote.budget.map_or(0, |b| b.total);
    let result = match fields.parse(total) {
        Ok(input) => store::add_project(state.db(), &l.vote, &input, &user.id).await,
        Err(e) => Err(Error::Invalid(e)),
    };
    match result {
        Ok(()) => Ok(redirect_with_flash(
            &format!("{}/admin", l.url()),
            "flash.saved",
        )),
        Err(Error::Invalid(errors)) => {
            let mut p = admin_page(&state, page, l).await?;
            p.project = fields;
            p.project_errors = errors;
            render_invalid(&p)
        }
        Err(e) => Err(e),
    }
}

/// Reads a census list: one resident per line, `identifier;birth date` (or with a comma or a
/// tab), the date as `YYYY-MM-DD` or `DD/MM/YYYY`; a first line that is not a resident is a
/// header. Returns the salted hashes, or the first bad line (from 1) with the reason.
pub fn parse_census(salt: &str, text: &str) -> Result<Vec<String>, (usize, &'static str)> {
    let mut hashes = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim().trim_start_matches('\u{feff}');
        if line.is_empty() {
            continue;
        }
        let mut parts = line.splitn(2, [';', ',', '\t']);
        let identifier = parts.next().unwrap_or("").trim().trim_matches('"');
        let date = parts.next().unwrap_or("").trim().trim_matches('"');
        let parsed = kernel::clock::parse_date(date, "census").ok().or_else(|| {
            let mut d = date.split('/');
            let (day, month, year) = (d.next()?, d.next()?, d.next()?);
            kernel::clock::parse_date(&format!("{year}-{month:0>2}-{day:0>2}"), "census").ok()
        });
        match parsed {
            Some(birth) if !ballot::normalize_identifier(identifier).is_empty() => {
                hashes.push(ballot::census_hash(salt, identifier, &birth));
            }
            None if i == 0 => continue,
            Some(_) => return Err((i + 1, "vote.census_identifier")),
            None => return Err((i + 1, "vote.census_date")),
        }
    }
    if hashes.is_empty() {
        return Err((0, "vote.census_empty"));
    }
    Ok(hashes)
}

async fn set_census(
    State(state): State<AppState>,
    page: PageCtx,
    SignedIn(user): SignedIn,
    Path(path): Path<VotePath>,
    mut multipart: Multipart,
) -> Result<Response, Error> {
    let l = managed(&state, &path, &user).await?;
    let mut text = String::new();
    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(|_| Error::BadRequest("form.malformed"))?
    {
        if matches!(field.name(), Some("census_file") | Some("census")) {
            let bytes = field.bytes().await.map_err(|_| Error::PayloadTooLarge)?;
            let part = String::from_utf8(bytes.to_vec())
                .map_err(|_| Error::from(FieldError::new("census_file", "vote.census_encoding")))?;
            text.push_str(&part);
            text.push('\n');
        }
    }
    let hashes = match parse_census(&l.vote.salt, &text) {
        Ok(hashes) => hashes,
        Err((line, code)) => {
            let mut p = admin_page(&state, page, l).await?;
            p.census_errors = FieldError::new("census_file", code).into();
            p.census_line = line;
            return render_invalid(&p);
        }
    };
    store::set_census(state.db(), &l.vote, &hashes, &user.id).await?;
    Ok(redirect_with_flash(
        &format!("{}/admin", l.url()),
        "flash.saved",
    ))
}

#[derive(Deserialize)]
struct CodesForm {
    #[serde(default)]
    count: String,
    #[serde(default)]
    format: String,
}

#[derive(Template)]
#[template(path = "votes/codes.html")]
struct CodesPage {
    page: PageCtx,
    vote: Votation,
    url: String,
    codes: Vec<String>,
}

/// Most codes generated at once.
const MAX_CODES: i64 = 100_000;

async fn codes(
    State(state): State<AppState>,
    page: PageCtx,
    SignedIn(user): SignedIn,
    Path(path): Path<VotePath>,
    Form(form): Form<CodesForm>,
) -> Result<Response, Error> {
    let l = managed(&state, &path, &user).await?;
    if l.vote.eligibility != Eligibility::Codes {
        return Err(Error::Conflict("vote.not_codes"));
    }
    let count = match form.count.trim().parse::<i64>() {
        Ok(n) if (1..=MAX_CODES).contains(&n) => n as usize,
        _ => {
            let mut p = admin_page(&state, page, l).await?;
            p.census_errors = FieldError::new("count", "vote.codes_count").into();
            return render_invalid(&p);
        }
    };
    let codes: Vec<String> = (0..count).map(|_| kernel::ids::new_id()).collect();
    let hashes: Vec<String> = codes.iter().map(|c| kernel::ids::hash_secret(c)).collect();
    store::add_codes(state.db(), &l.vote, &hashes, &user.id).await?;
    let grouped: Vec<String> = codes.iter().map(|c| ballot::grouped(c)).collect();
    if form.format == "csv" {
        let mut csv = String::from("code\n");
        for c in &grouped {
            csv.push_str(c);
            csv.push('\n');
        }
        return Ok((
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
                (
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"codes-{}.csv\"", l.vote.id),
                ),
                (header::CACHE_CONTROL, "no-store".to_string()),
            ],
            csv,
        )
            .into_response());
    }
    let url = format!(
        "{}{}",
        state.config().base_url.trim_end_matches('/'),
        l.url()
    );
    let mut res = render(&CodesPage {
        page,
        vote: l.vote,
        url,
        codes: grouped,
    })?;
    res.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-store"),
    );
    Ok(res)
}

async fn open(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
    Path(path): Path<VotePath>,
) -> Result<Response, Error> {
    let l = managed(&state, &path, &user).await?;
    store::open(state.db(), &l.vote, &user.id).await?;
    Ok(redirect_with_flash(&l.url(), "flash.vote_opened"))
}

async fn close(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
    Path(path): Path<VotePath>,
) -> Result<Response, Error> {
    let l = managed(&state, &path, &user).await?;
    store::close(state.db(), &l.vote, &user.id).await?;
    store::seal(state.db(), &l.vote).await?;
    Ok(redirect_with_flash(&l.url(), "flash.vote_closed"))
}

// ----- Voting -----

/// One row of a result table, ready to show.
pub struct ResultRow {
    /// Option or project title.
    pub title: String,
    /// Rank (1 = first).
    pub rank: usize,
    /// The main figure: votes, baskets, or the median grade's name.
    pub value: String,
    /// For budgets: cost, and the explanation key.
    pub cost: i64,
    /// Explanation key (budgets), empty otherwise.
    pub why: &'static str,
    /// Whether it is funded / first.
    pub winner: bool,
    /// Judgments per grade, best grade first (majority judgment).
    pub profile: Vec<u64>,
}

/// A question's result, ready to show.
pub struct ResultView {
    /// The question.
    pub title: String,
    /// The chart.
    pub svg: String,
    /// The rows, in result order.
    pub rows: Vec<ResultRow>,
    /// Grade names, best first (majority judgment).
    pub grades: Vec<String>,
    /// Whether this is a budget.
    pub budget: bool,
    /// Whether this is a majority judgment.
    pub judgment: bool,
    /// What the funded projects cost (budgets).
    pub spent: i64,
}

fn views(v: &Votation, r: &Results, tr: Tr) -> Vec<ResultView> {
    v.questions
        .iter()
        .zip(&r.questions)
        .map(|(q, res)| match res {
            QuestionResult::Counts { counts, order } => {
                let best = order.first().map(|o| counts[*o]).unwrap_or(0);
                let rows: Vec<ResultRow> = order
                    .iter()
                    .map(|o| ResultRow {
                        title: q.options[*o].title.clone(),
                        rank: 1 + counts.iter().filter(|c| **c > counts[*o]).count(),
                        value: tr.num(counts[*o] as i64),
                        cost: 0,
                        why: "",
                        winner: counts[*o] == best && best > 0,
                        profile: Vec::new(),
                    })
                    .collect();
                let svg = crate::svg::bars(
                    &q.title,
                    &order
                        .iter()
                        .map(|o| (q.options[*o].title.clone(), counts[*o], counts[*o] == best))
                        .collect::<Vec<_>>(),
                );
                ResultView {
                    title: q.title.clone(),
                    svg,
                    rows,
                    grades: Vec::new(),
                    budget: false,
                    judgment: false,
                    spent: 0,
                }
            }
            QuestionResult::Judgment {
                tallies,
                ranks,
                medians,
                order,
            } => {
                let grades = match &q.method {
                    Method::Judgment { grades } => grades.clone(),
                    _ => Vec::new(),
                };
                let n = grades.len();
                let rows = order
                    .iter()
                    .map(|o| ResultRow {
                        title: q.options[*o].title.clone(),
                        rank: ranks[*o],
                        value: grades
                            .get(n.saturating_sub(1 + medians[*o]))
                            .cloned()
                            .unwrap_or_default(),
                        cost: 0,
                        why: "",
                        winner: ranks[*o] == 1,
                        profile: tallies[*o].iter().rev().copied().collect(),
                    })
                    .collect();
                let svg = crate::svg::merit_profiles(
                    &q.title,
                    &order
                        .iter()
                        .map(|o| (q.options[*o].title.clone(), tallies[*o].clone()))
                        .collect::<Vec<_>>(),
                    &grades,
                );
                ResultView {
                    title: q.title.clone(),
                    svg,
                    rows,
                    grades,
                    budget: false,
                    judgment: true,
                    spent: 0,
                }
            }
            QuestionResult::Budget {
                approvals,
                outcomes,
                spent,
                order,
            } => {
                let rows = order
                    .iter()
                    .enumerate()
                    .map(|(i, o)| ResultRow {
                        title: q.options[*o].title.clone(),
                        rank: i + 1,
                        value: tr.num(approvals[*o] as i64),
                        cost: q.options[*o].cost,
                        why: outcomes[*o].key(),
                        winner: outcomes[*o].funded(),
                        profile: Vec::new(),
                    })
                    .collect();
                let svg = crate::svg::bars(
                    &q.title,
                    &order
                        .iter()
                        .map(|o| {
                            (
                                q.options[*o].title.clone(),
                                approvals[*o],
                                outcomes[*o].funded(),
                            )
                        })
                        .collect::<Vec<_>>(),
                );
                ResultView {
                    title: q.title.clone(),
                    svg,
                    rows,
                    grades: Vec::new(),
                    budget: true,
                    judgment: false,
                    spent: *spent,
                }
            }
        })
        .collect()
}

/// Results of closed votes, counted once per node: nothing changes a closed ballot box.
#[derive(Default)]
struct Counted(Mutex<HashMap<String, Arc<Results>>>);

/// The results of a closed vote.
pub async fn results(state: &AppState, v: &Votation) -> Result<Arc<Results>, Error> {
    let counted = state.extension(|_| Counted::default());
    if let Ok(cache) = counted.0.lock()
        && let Some(r) = cache.get(&v.id)
    {
        return Ok(r.clone());
    }
    store::seal(state.db(), v).await?;
    let texts = store::ballots(state.db(), v).await?;
    let vote = v.clone();
    let results = tokio::task::spawn_blocking(move || {
        let ballots: Vec<Ballot> = texts
            .iter()
            .filter_map(|t| Ballot::decode(&vote, t))
            .collect();
        count::count(&vote, &ballots)
    })
    .await
    .map_err(Error::internal)?;
    let results = Arc::new(results);
    if let Ok(mut cache) = counted.0.lock() {
        cache.insert(v.id.clone(), results.clone());
    }
    Ok(results)
}

#[derive(Template)]
#[template(path = "votes/show.html")]
struct ShowPage {
    page: PageCtx,
    process: Process,
    vote: Votation,
    url: String,
    phase: Phase,
    phase_note: String,
    manage: bool,
    /// Whether the reader may fill the ballot now (signed in when accounts vote).
    can_fill: bool,
    already_voted: bool,
    pairs: Vec<(String, String)>,
    errors: FieldErrors,
    results: Vec<ResultView>,
    counted: u64,
    roll: i64,
    eligible: i64,
}

impl ShowPage {
    fn field(&self, qi: &usize) -> &'static str {
        ballot::field(*qi)
    }
    fn chosen(&self, qi: &usize, option: &str) -> bool {
        let name = ballot::field(*qi);
        self.pairs.iter().any(|(k, v)| k == name && v == option)
    }
    fn graded(&self, qi: &usize, option: &str, pos: &usize) -> bool {
        let name = format!("{}-{option}", ballot::field(*qi));
        self.pairs
            .iter()
            .any(|(k, v)| *k == name && v.parse::<usize>().ok() == Some(*pos))
    }
    fn value(&self, name: &str) -> String {
        self.pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    }
    fn method_key(&self, m: &Method) -> &'static str {
        method_key(m)
    }
    fn eligibility_key(&self) -> &'static str {
        eligibility_key(self.vote.eligibility)
    }
    fn participation(&self) -> String {
        if self.eligible > 0 {
            let rate = format!(
                "{:.1}\u{a0}%",
                100.0 * self.roll as f64 / self.eligible as f64
            );
            match self.page.tr.0 {
                Lang::Fr => rate.replace('.', ","),
                Lang::En => rate,
            }
        } else {
            String::new()
        }
    }
    fn basket_limit(&self) -> String {
        match self.vote.budget.map(|b| b.limit) {
            Some(BasketLimit::AtMost(k)) => self.page.tr.n("vote.basket_at_most", k),
            _ => String::new(),
        }
    }
    fn sum_limit(&self) -> i64 {
        match self.vote.budget {
            Some(BudgetSettings {
                total,
                limit: BasketLimit::Fits,
                ..
            }) => total,
            _ => 0,
        }
    }
    fn euros(&self, n: impl std::borrow::Borrow<i64>) -> String {
        format!("{} €", self.page.tr.num(*n.borrow()))
    }
    fn total(&self) -> i64 {
        self.vote.budget.map_or(0, |b| b.total)
    }
}

fn eligibility_key(e: Eligibility) -> &'static str {
    match e {
        Eligibility::Accounts => "vote.eligibility.accounts",
        Eligibility::Census => "vote.eligibility.census",
        Eligibility::Codes => "vote.eligibility.codes",
    }
}

async fn show_page(
    state: &AppState,
    page: PageCtx,
    l: Located,
    pairs: Vec<(String, String)>,
    errors: FieldErrors,
) -> Result<ShowPage, Error> {
    let phase = l.vote.phase(now_ms());
    let manage = can_manage(page.user.as_ref(), &l.process.space_id);
    let already_voted = match (&page.user, l.vote.eligibility) {
        (Some(u), Eligibility::Accounts) => {
            store::has_voted(state.db(), &l.vote, &account_key(u)).await?
        }
        _ => false,
    };
    let can_fill = phase == Phase::Open
        && !already_voted
        && (l.vote.eligibility != Eligibility::Accounts
            || page.user.as_ref().is_some_and(|u| u.confirmed));
    let (mut shown, mut counted, mut roll, mut eligible) = (Vec::new(), 0, 0, 0);
    if phase == Phase::Closed {
        let r = results(state, &l.vote).await?;
        shown = views(&l.vote, &r, page.tr);
        counted = r.ballots;
        roll = store::roll_count(state.db(), &l.vote).await?;
        let (census, codes) = store::eligible_counts(state.db(), &l.vote).await?;
        eligible = match l.vote.eligibility {
            Eligibility::Census => census,
            Eligibility::Codes => codes,
            Eligibility::Accounts => 0,
        };
    }
    Ok(ShowPage {
        phase_note: phase_note(&l.vote, page.tr.0),
        url: l.url(),
        page,
        process: l.process,
        vote: l.vote,
        phase,
        manage,
        can_fill,
        already_voted,
        pairs,
        errors,
        results: shown,
        counted,
        roll,
        eligible,
    })
}

async fn show(
    State(state): State<AppState>,
    page: PageCtx,
    Path((space, process, id)): Path<VotePath>,
) -> Result<Response, Error> {
    let l = locate(&state, &space, &process, &id).await?;
    render(&show_page(&state, page, l, Vec::new(), FieldErrors::new()).await?)
}

fn account_key(u: &User) -> String {
    format!("account:{}", u.id)
}

/// Who is voting, as the roll knows them; the identity is checked against the vote's
/// eligibility. Nothing is written.
async fn voter_key(
    state: &AppState,
    v: &Votation,
    user: Option<&User>,
    id: &Identity,
    ip: std::net::IpAddr,
) -> Result<String, Error> {
    match v.eligibility {
        Eligibility::Accounts => match user {
            Some(u) if u.confirmed => Ok(account_key(u)),
            Some(_) => Err(Error::Conflict("vote.unconfirmed")),
            None => Err(Error::Unauthorized),
        },
        Eligibility::Census => {
            let mut errors = FieldErrors::new();
            if ballot::normalize_identifier(&id.identifier).is_empty() {
                errors.push(FieldError::new("identifier", "text.required"));
            }
            let birth = errors.take(kernel::clock::parse_date(&id.birth_date, "birth_date"));
            let Some(birth) = birth.filter(|_| errors.is_empty()) else {
                return Err(errors.into());
            };
            state.limiter().check(CENSUS_ATTEMPTS, ip)?;
            let hash = ballot::census_hash(&v.salt, &id.identifier, &birth);
            if !store::census_has(state.db(), v, &hash).await? {
                return Err(FieldError::new("identifier", "vote.not_on_census").into());
            }
            if let Some(min) = v.min_age
                && kernel::clock::age_on(birth, kernel::clock::local_date(v.closing())) < min
            {
                return Err(FieldError::new("birth_date", "vote.too_young").into());
            }
            Ok(format!("census:{hash}"))
        }
        Eligibility::Codes => {
            let code = ballot::normalize_code(&id.code);
            if code.is_empty() {
                return Err(FieldError::new("code", "text.required").into());
            }
            let hash = kernel::ids::hash_secret(&code);
            if !store::code_exists(state.db(), v, &hash).await? {
                return Err(FieldError::new("code", "vote.unknown_code").into());
            }
            Ok(format!("code:{hash}"))
        }
    }
}

/// Checks a ballot and its voter for a vote open now; nothing is written.
async fn check_ballot(
    state: &AppState,
    v: &Votation,
    user: Option<&User>,
    pairs: &[(String, String)],
    ip: std::net::IpAddr,
) -> Result<(String, Ballot), Error> {
    match v.phase(now_ms()) {
        Phase::Upcoming => return Err(Error::Conflict("vote.not_open")),
        Phase::Closed => return Err(Error::Conflict("vote.closed")),
        Phase::Open => {}
    }
    let ballot = Ballot::parse(v, pairs);
    let key = voter_key(state, v, user, &Identity::from_pairs(pairs), ip).await;
    match (key, ballot) {
        (Ok(key), Ok(ballot)) => Ok((key, ballot)),
        (Err(Error::Invalid(mut a)), Err(b)) => {
            a.0.extend(b.0);
            Err(Error::Invalid(a))
        }
        (Err(e), _) => Err(e),
        (Ok(_), Err(b)) => Err(Error::Invalid(b)),
    }
}

/// The choices of a ballot in words, for the confirmation page.
pub struct Choice {
    /// The question.
    pub question: String,
    /// The answers.
    pub answers: Vec<String>,
}

fn describe(v: &Votation, b: &Ballot) -> Vec<Choice> {
    v.questions
        .iter()
        .zip(&b.0)
        .map(|(q, a)| Choice {
            question: q.title.clone(),
            answers: match (a, &q.method) {
                (ballot::Answer::Grades(g), Method::Judgment { grades }) => q
                    .options
                    .iter()
                    .zip(g)
                    .map(|(o, grade)| {
                        format!(
                            "{} : {}",
                            o.title,
                            grades
                                .get(grades.len() - 1 - grade)
                                .cloned()
                                .unwrap_or_default()
                        )
                    })
                    .collect(),
                (ballot::Answer::Choices(c), _) => {
                    c.iter().map(|i| q.options[*i].title.clone()).collect()
                }
                _ => Vec::new(),
            },
        })
        .collect()
}

#[derive(Template)]
#[template(path = "votes/review.html")]
struct ReviewPage {
    page: PageCtx,
    vote: Votation,
    url: String,
    choices: Vec<Choice>,
    pairs: Vec<(String, String)>,
}

fn ballot_pairs(pairs: Vec<(String, String)>) -> Vec<(String, String)> {
    pairs
        .into_iter()
        .filter(|(k, _)| k != "_csrf" && k != "edit")
        .collect()
}

async fn review(
    State(state): State<AppState>,
    page: PageCtx,
    ClientIp(ip): ClientIp,
    Path((space, process, id)): Path<VotePath>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, Error> {
    let l = locate(&state, &space, &process, &id).await?;
    let pairs = ballot_pairs(pairs);
    match check_ballot(&state, &l.vote, page.user.as_ref(), &pairs, ip).await {
        Ok((_, ballot)) => {
            let choices = describe(&l.vote, &ballot);
            render(&ReviewPage {
                page,
                url: l.url(),
                vote: l.vote,
                choices,
                pairs,
            })
        }
        Err(Error::Invalid(errors)) => {
            render_invalid(&show_page(&state, page, l, pairs, errors).await?)
        }
        Err(e) => Err(e),
    }
}

#[derive(Template)]
#[template(path = "votes/receipt.html")]
struct ReceiptPage {
    page: PageCtx,
    vote: Votation,
    url: String,
    tracker: String,
}

/// Casts a ballot: checks it and the voter, then stores it. Returns the tracker.
pub async fn cast_ballot(
    state: &AppState,
    v: &Votation,
    user: Option<&User>,
    pairs: &[(String, String)],
    ip: std::net::IpAddr,
) -> Result<String, Error> {
    let (key, ballot) = check_ballot(state, v, user, pairs, ip).await?;
    let writer = state.extension(|s| crate::writer::BallotWriter::start(s.db().clone()));
    match writer.cast(&v.id, &key, &ballot.encode()).await {
        Err(Error::Conflict("vote.already_cast")) => Err(match v.eligibility {
            Eligibility::Codes => FieldError::new("code", "vote.code_used").into(),
            Eligibility::Census => FieldError::new("identifier", "vote.already_cast").into(),
            Eligibility::Accounts => Error::Conflict("vote.already_cast"),
        }),
        other => other,
    }
}

async fn cast(
    State(state): State<AppState>,
    page: PageCtx,
    ClientIp(ip): ClientIp,
    Path((space, process, id)): Path<VotePath>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, Error> {
    let l = locate(&state, &space, &process, &id).await?;
    let pairs = ballot_pairs(pairs);
    match cast_ballot(&state, &l.vote, page.user.as_ref(), &pairs, ip).await {
        Ok(tracker) => {
            let mut res = render(&ReceiptPage {
                page,
                url: l.url(),
                vote: l.vote,
                tracker: ballot::grouped(&tracker),
            })?;
            res.headers_mut().insert(
                header::CACHE_CONTROL,
                header::HeaderValue::from_static("no-store"),
            );
            Ok(res)
        }
        Err(Error::Invalid(errors)) => {
            render_invalid(&show_page(&state, page, l, pairs, errors).await?)
        }
        Err(e) => Err(e),
    }
}

// ----- Verification: trackers and published data -----

#[derive(Deserialize)]
struct TrackersQuery {
    page: Option<i64>,
    #[serde(default)]
    tracker: String,
}

#[derive(Template)]
#[template(path = "votes/trackers.html")]
struct TrackersPage {
    page: PageCtx,
    vote: Votation,
    url: String,
    trackers: Vec<String>,
    pager: Pager,
    asked: String,
    found: Option<bool>,
}

fn closed(v: &Votation) -> Result<(), Error> {
    if v.phase(now_ms()) != Phase::Closed {
        return Err(Error::Conflict("vote.not_closed"));
    }
    Ok(())
}

async fn trackers(
    State(state): State<AppState>,
    page: PageCtx,
    Path((space, process, id)): Path<VotePath>,
    Query(q): Query<TrackersQuery>,
) -> Result<Response, Error> {
    let l = locate(&state, &space, &process, &id).await?;
    closed(&l.vote)?;
    let url = l.url();
    let mut pager = Pager::new(q.page, 200, format!("{url}/trackers?"));
    let (list, total) =
        store::trackers(state.db(), &l.vote, pager.offset(), pager.per_page).await?;
    pager.total = total;
    let asked = ballot::normalize_code(&q.tracker);
    let found = if asked.is_empty() {
        None
    } else {
        Some(store::tracker_counted(state.db(), &l.vote, &asked).await?)
    };
    render(&TrackersPage {
        page,
        vote: l.vote,
        url,
        trackers: list.iter().map(|t| ballot::grouped(t)).collect(),
        pager,
        asked: q.tracker,
        found,
    })
}

/// A closed vote by id, sealed; `vote.not_closed` before.
pub async fn public_vote(state: &AppState, id: &str) -> Result<Votation, Error> {
    let v = store::get(state.db(), id).await?.ok_or(Error::NotFound)?;
    closed(&v)?;
    store::seal(state.db(), &v).await?;
    Ok(v)
}

fn csv_response(name: String, body: String) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("inline; filename=\"{name}\""),
            ),
        ],
        body,
    )
        .into_response()
}

async fn ballots_csv(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, Error> {
    let v = public_vote(&state, &id).await?;
    let mut out = String::new();
    let header: Vec<String> = (0..v.questions.len())
        .map(|i| ballot::field(i).to_string())
        .collect();
    out.push_str(&header.join(";"));
    out.push('\n');
    // The box is read in the order of its random keys: a random order, unrelated to the roll.
    for text in store::ballots(state.db(), &v).await? {
        out.push_str(&text);
        out.push('\n');
    }
    Ok(csv_response(format!("ballots-{id}.csv"), out))
}

async fn trackers_csv(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, Error> {
    let v = public_vote(&state, &id).await?;
    let (list, _) = store::trackers(state.db(), &v, 0, i64::MAX).await?;
    let mut out = String::from("tracker\n");
    for t in list {
        out.push_str(&ballot::grouped(&t));
        out.push('\n');
    }
    Ok(csv_response(format!("trackers-{id}.csv"), out))
}

async fn results_json(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, Error> {
    let v = public_vote(&state, &id).await?;
    Ok(axum::Json(results_body(&state, &v).await?).into_response())
}

/// The published results of a closed vote, as in `/data/votes/{id}/results.json`.
pub async fn results_body(state: &AppState, v: &Votation) -> Result<serde_json::Value, Error> {
    let r = results(state, v).await?;
    let roll = store::roll_count(state.db(), v).await?;
    let questions: Vec<serde_json::Value> = v
        .questions
        .iter()
        .zip(&r.questions)
        .map(|(q, res)| {
            let options: Vec<serde_json::Value> = q
                .options
                .iter()
                .enumerate()
                .map(|(i, o)| {
                    let mut j = serde_json::json!({"index": i, "id": o.id, "title": o.title});
                    match res {
                        QuestionResult::Counts { counts, .. } => j["votes"] = counts[i].into(),
                        QuestionResult::Judgment {
                            tallies,
                            ranks,
                            medians,
                            ..
                        } => {
                            j["tally_worst_first"] = tallies[i].clone().into();
                            j["rank"] = ranks[i].into();
                            j["median"] = medians[i].into();
                        }
                        QuestionResult::Budget {
                            approvals,
                            outcomes,
                            ..
                        } => {
                            j["cost"] = o.cost.into();
                            j["approvals"] = approvals[i].into();
                            j["funded"] = outcomes[i].funded().into();
                            j["outcome"] = outcome_name(outcomes[i]).into();
                        }
                    }
                    j
                })
                .collect();
            let mut j = serde_json::json!({
                "title": q.title,
                "method": q.method.as_str(),
                "options": options,
            });
            if let Method::Judgment { grades } = &q.method {
                j["grades_worst_first"] = grades.iter().rev().cloned().collect::<Vec<_>>().into();
            }
            j
        })
        .collect();
    let body = serde_json::json!({
        "id": v.id,
        "title": v.title,
        "kind": v.kind.as_str(),
        "opens_at": kernel::ids::iso_datetime(v.opens_at),
        "closed_at": kernel::ids::iso_datetime(v.closing()),
        "ballots": r.ballots,
        "roll": roll,
        "budget": v.budget.map(|b| serde_json::json!({
            "total": b.total,
            "rule": match b.rule { Rule::Greedy => "greedy", Rule::EqualShares => "equal_shares" },
            "satisfaction": if b.by_cost { "cost" } else { "cardinality" },
        })),
        "questions": questions,
    });
    Ok(body)
}

fn outcome_name(o: Outcome) -> &'static str {
    o.key().trim_start_matches("vote.outcome.")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_census_list_reads_both_date_formats_and_names_the_bad_line() {
        let ok = parse_census(
            "s",
            "identifiant;date\nAB12;1990-05-04\n\"CD 34\",04/05/1991\n",
        )
        .unwrap();
        assert_eq!(ok.len(), 2);
        let birth = kernel::clock::parse_date("1991-05-04", "b").unwrap();
        assert_eq!(ok[1], ballot::census_hash("s", "cd34", &birth));
        assert_eq!(
            parse_census("s", "AB12;1990-05-04\nCD34;hier\n"),
            Err((2, "vote.census_date"))
        );
        assert_eq!(
            parse_census("s", "AB12;1990-05-04\n;1990-05-04\n"),
            Err((2, "vote.census_identifier"))
        );
        assert_eq!(parse_census("s", "\n"), Err((0, "vote.census_empty")));
    }
}
