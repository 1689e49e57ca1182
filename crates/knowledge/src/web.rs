//! Library pages: the library (facets, text search, sort by date or relevance), a report's
//! page (printable, with similar experiences), the form anyone confirmed submits a report
//! with, its author's edit (a revision for a moderator once published), and the moderators'
//! queue.

use crate::model::{BUDGETS, ExperienceFields, ExperienceInput, Resolved, TOOLS};
use crate::policy::{self, Resource};
use crate::store::{self, Card, Experience, Revision, State as ReportState};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::routing::{get, post};
use directory::terms::Taxonomy;
use kernel::accounts::User;
use kernel::i18n::Lang;
use kernel::review::{Decided, DecisionForm, Decisions, FieldChange};
use kernel::territories::{POPULATION_BANDS, TerritoryKind};
use kernel::web::pager::Pager;
use kernel::web::routes::Routes;
use kernel::web::{
    AttachedForm, Form, PageCtx, SignedIn, redirect_with_flash, render, render_invalid,
};
use kernel::{AppState, Error, FieldError, FieldErrors};
use std::sync::Arc;

/// The library's routes.
pub fn routes() -> Routes {
    Routes::new()
        .route("/library", get(list))
        .route(
            "/library/propose",
            get(propose_form)
                .post(propose)
                .layer(kernel::uploads::attached_form_limit()),
        )
        .route("/library/moderation", get(queue))
        .route("/library/moderation/experiences/{id}", post(decide))
        .route("/library/moderation/revisions/{id}", post(decide_revision))
        .route("/library/{slug}", get(show))
        .route(
            "/library/{slug}/edit",
            get(edit_form)
                .post(edit)
                .layer(kernel::uploads::attached_form_limit()),
        )
        .route("/library/{slug}/attachments/{file}", get(attachment))
        .route(
            "/library/moderation/revisions/{id}/attachments/{file}",
            get(revision_attachment),
        )
}

/// The facets of the library, in the order of the page.
const FACETS: &[&str] = &["theme", "tool", "kind", "band", "region"];

/// Reports per page.
const PER_PAGE: usize = 20;

/// The name of a facet value in a language.
fn value_name(
    tax: &Taxonomy,
    lang: Lang,
    facet: &str,
    code: &str,
    regions: &[(String, String)],
) -> String {
    match facet {
        "theme" => tax.name(lang, "theme", code),
        "tool" => kernel::i18n::tr(lang, &format!("tool.{code}")).to_string(),
        "kind" => kernel::i18n::tr(lang, &format!("territory.kind.{code}")).to_string(),
        "band" => kernel::i18n::tr(lang, &format!("territory.band.{code}")).to_string(),
        _ => regions
            .iter()
            .find(|(c, _)| c == code)
            .map(|(_, n)| n.clone())
            .unwrap_or_else(|| code.to_string()),
    }
}

/// The values of one facet of a card.
fn values<'a>(card: &'a Card, facet: &str) -> Vec<&'a str> {
    match facet {
        "theme" => card.themes.iter().map(String::as_str).collect(),
        "tool" => card.tools.iter().map(String::as_str).collect(),
        "kind" => vec![card.kind.as_str()],
        "band" => vec![card.band.as_str()],
        _ => vec![card.region.as_str()],
    }
}

/// A facet: its name and its values (code, name, count), most frequent first.
type Facet = (&'static str, Vec<(String, String, usize)>);

#[derive(Template)]
#[template(path = "knowledge/library.html")]
struct LibraryPage {
    page: PageCtx,
    q: String,
    sort: String,
    chosen: Vec<(String, String)>,
    reports: Vec<Experience>,
    facets: Vec<Facet>,
    pager: Pager,
    moderate: bool,
    tax: Arc<Taxonomy>,
}

impl LibraryPage {
    fn is_chosen(&self, facet: &str, code: &str) -> bool {
        self.chosen.iter().any(|(f, c)| f == facet && c == code)
    }
    fn theme(&self, code: &str) -> String {
        self.tax.name(self.page.tr.0, "theme", code)
    }
    fn toggle(&self, facet: &str, code: &str) -> String {
        let mut pairs: Vec<(String, String)> = self
            .chosen
            .iter()
            .filter(|(f, c)| !(f == facet && c == code))
            .cloned()
            .collect();
        if !self.is_chosen(facet, code) {
            pairs.push((facet.to_string(), code.to_string()));
        }
        if !self.q.is_empty() {
            pairs.push(("q".into(), self.q.clone()));
        }
        let query = pairs
            .iter()
            .map(|(k, v)| format!("{k}={}", kernel::web::percent_encode(v)))
            .collect::<Vec<_>>()
            .join("&");
        format!("/library?{query}")
    }
}

async fn list(
    State(state): State<AppState>,
    page: PageCtx,
    Query(pairs): Query<Vec<(String, String)>>,
) -> Result<Response, Error> {
    let tax = directory::terms::current(&state).await?;
    let (mut q, mut sort, mut chosen, mut page_no) =
        (String::new(), String::new(), Vec::new(), None);
    for (k, v) in &pairs {
        match k.as_str() {
            "q" => q = v.trim().chars().take(200).collect(),
            "sort" if v == "date" || v == "relevance" => sort = v.clone(),
            "page" => page_no = Some(v.parse().map_err(|_| Error::BadRequest("query.invalid"))?),
            f if FACETS.contains(&f) && !v.is_empty() => {
                let ok = match f {
                    "theme" => tax.knows("theme", v),
                    "tool" => TOOLS.contains(&v.as_str()),
                    "kind" => TerritoryKind::parse(v).is_ok(),
                    "band" => POPULATION_BANDS.contains(&v.as_str()),
                    _ => v.len() <= 3 && v.bytes().all(|b| b.is_ascii_alphanumeric()),
                };
                if !ok {
                    return Err(Error::BadRequest("query.invalid"));
                }
                chosen.push((f.to_string(), v.clone()));
            }
            _ => {}
        }
    }
    let mut cards = store::cards(state.db()).await?;
    // A text search keeps its hits, best first when sorted by relevance.
    if !q.is_empty() {
        let hits = state.search().search(&kernel::search::SearchQuery {
            text: q.clone(),
            kinds: vec!["experience"],
            offset: 0,
            limit: 10_000,
            region: None,
        });
        let rank: Vec<String> = hits.hits.into_iter().map(|h| h.doc.id).collect();
        cards.retain(|c| rank.contains(&c.id));
        if sort != "date" {
            cards.sort_by_key(|c| rank.iter().position(|r| *r == c.id));
        }
    }
    if sort.is_empty() {
        sort = if q.is_empty() { "date" } else { "relevance" }.into();
    }
    let matches: Vec<&Card> = cards
        .iter()
        .filter(|c| {
            chosen
                .iter()
                .all(|(f, code)| values(c, f).contains(&code.as_str()))
        })
        .collect();
    let mut base = String::from("/library?");
    if !q.is_empty() {
        base.push_str(&format!("q={}&", kernel::web::percent_encode(&q)));
    }
    base.push_str(&format!("sort={sort}&"));
    for (f, c) in &chosen {
        base.push_str(&format!("{f}={}&", kernel::web::percent_encode(c)));
    }
    let mut pager = Pager::new(page_no, PER_PAGE as i64, base);
    pager.total = matches.len() as i64;
    let ids: Vec<String> = matches
        .iter()
        .skip(pager.offset().max(0) as usize)
        .take(PER_PAGE)
        .map(|c| c.id.clone())
        .collect();
    let reports = store::by_ids(state.db(), &ids).await?;
    let mut regions = Vec::new();
    for c in &matches {
        if !c.region.is_empty()
            && !regions
                .iter()
                .any(|(r, _): &(String, String)| *r == c.region)
            && let Some(t) =
                kernel::territories::store::get(state.db(), TerritoryKind::Region, &c.region)
                    .await?
        {
            regions.push((c.region.clone(), t.name));
        }
    }
    let lang = page.tr.0;
    let facets = FACETS
        .iter()
        .map(|f| {
            let mut counts: Vec<(String, usize)> = Vec::new();
            for c in &matches {
                for v in values(c, f) {
                    if v.is_empty() {
                        continue;
                    }
                    match counts.iter_mut().find(|(x, _)| x == v) {
                        Some((_, n)) => *n += 1,
                        None => counts.push((v.to_string(), 1)),
                    }
                }
            }
            let mut named: Vec<(String, String, usize)> = counts
                .into_iter()
                .map(|(code, n)| {
                    let name = value_name(&tax, lang, f, &code, &regions);
                    (code, name, n)
                })
                .collect();
            named.sort_by(|a, b| b.2.cmp(&a.2).then(a.1.cmp(&b.1)));
            (*f, named)
        })
        .collect();
    render(&LibraryPage {
        moderate: policy::can(
            page.user.as_ref(),
            policy::Action::Moderate,
            &Resource::Library,
        ),
        page,
        q,
        sort,
        chosen,
        reports,
        facets,
        pager,
        tax,
    })
}

#[derive(Template)]
#[template(path = "knowledge/report.html")]
struct ReportPage {
    page: PageCtx,
    report: Experience,
    mine: bool,
    moderate: bool,
    actors: Vec<directory::store::Actor>,
    processes: Vec<(String, String)>,
    similar: Vec<Experience>,
    tax: Arc<Taxonomy>,
}

impl ReportPage {
    fn theme(&self, code: &str) -> String {
        self.tax.name(self.page.tr.0, "theme", code)
    }
    fn html(&self, text: &str) -> String {
        kernel::markdown::to_html(text)
    }
    fn date(&self, ms: &i64) -> String {
        kernel::ids::iso_date(*ms)
    }
    fn territory_url(&self) -> String {
        format!("/territories/{}", self.report.data.territory)
    }
}

/// The report at this address: published ones for everyone, the others for their author and
/// the moderators. Returns it and whether the reader wrote it.
async fn visible(
    state: &AppState,
    user: Option<&User>,
    slug: &str,
) -> Result<(Experience, bool), Error> {
    let report = store::by_slug(state.db(), slug)
        .await?
        .ok_or(Error::NotFound)?;
    let mine = user.is_some_and(|u| u.id == report.author);
    let resource = Resource::Report {
        published: report.state == ReportState::Published,
        mine,
    };
    if !policy::can(user, policy::Action::Read, &resource) {
        return Err(Error::NotFound);
    }
    Ok((report, mine))
}

/// The published reports most like this one: the same tools count twice, the same themes once,
/// the same population band once.
fn similar_ids(report: &Experience, cards: &[Card]) -> Vec<String> {
    let mut scored: Vec<(usize, &Card)> = cards
        .iter()
        .filter(|c| c.id != report.id)
        .map(|c| {
            let tools = c
                .tools
                .iter()
                .filter(|t| report.data.tools.contains(t))
                .count();
            let themes = c
                .themes
                .iter()
                .filter(|t| report.data.themes.contains(t))
                .count();
            let band = usize::from(c.band == report.band);
            (tools * 2 + themes + band, c)
        })
        .filter(|(score, _)| *score > 1)
        .collect();
    scored.sort_by(|a, b| b.0.cmp(&a.0).then(b.1.updated_at.cmp(&a.1.updated_at)));
    scored
        .into_iter()
        .take(3)
        .map(|(_, c)| c.id.clone())
        .collect()
}

async fn show(
    State(state): State<AppState>,
    page: PageCtx,
    Path(slug): Path<String>,
) -> Result<Response, Error> {
    let (report, mine) = visible(&state, page.user.as_ref(), &slug).await?;
    let actors: Vec<directory::store::Actor> =
        directory::store::by_ids(state.db(), &report.data.actors)
            .await?
            .into_iter()
            .filter(|a| a.state == directory::store::State::Published)
            .collect();
    let mut processes = Vec::new();
    for path in &report.data.processes {
        // The path shown is the one the process has now, never the stored text itself.
        if let Some(found) = process_of(&state, path).await? {
            processes.push(found);
        }
    }
    let cards = store::cards(state.db()).await?;
    let similar = store::by_ids(state.db(), &similar_ids(&report, &cards)).await?;
    render(&ReportPage {
        tax: directory::terms::current(&state).await?,
        moderate: policy::can(
            page.user.as_ref(),
            policy::Action::Moderate,
            &Resource::Library,
        ),
        page,
        report,
        mine,
        actors,
        processes,
        similar,
    })
}

/// The title of the process at a path of the platform (`/s/{space}/processes/{slug}`, or a
/// full address ending so).
/// The process a typed line names: its path on this site and its title.
async fn process_of(state: &AppState, typed: &str) -> Result<Option<(String, String)>, Error> {
    // Only an http(s) address or a path of this site is read; its path alone is kept.
    let Ok(link) = kernel::text::Link::parse(typed, "processes", "experience.process") else {
        return Ok(None);
    };
    let path = link.path();
    let parts: Vec<&str> = path.trim_matches('/').split('/').collect();
    let ["s", space, "processes", slug] = parts.as_slice() else {
        return Ok(None);
    };
    Ok(participation::store::get_by_slug(state.db(), space, slug)
        .await?
        .map(|p| (format!("/s/{}/processes/{}", p.space_slug, p.slug), p.title)))
}

/// The id of the published directory actor a line names: its address, its slug or its id.
async fn actor_of(state: &AppState, typed: &str) -> Result<Option<String>, Error> {
    let key = typed
        .trim()
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or("");
    let db = state.db();
    let found = match directory::store::by_slug(db, key).await? {
        Some(a) => Some(a),
        None => directory::store::get(db, key).await?,
    };
    Ok(found
        .filter(|a| a.state == directory::store::State::Published)
        .map(|a| a.id))
}

/// Reads a posted report form and its attachments: its fields (to show it again) and the report
/// or every field's error.
async fn read_form(
    state: &AppState,
    page: &PageCtx,
    multipart: axum::extract::Multipart,
) -> Result<(Vec<(String, String)>, Result<ExperienceInput, FieldErrors>), Error> {
    let mut form = AttachedForm::read(state, page, multipart).await?;
    let parsed = parse(state, &form.fields).await?;
    let parsed = form
        .accept(state, parsed)
        .await?
        .map(|input| ExperienceInput {
            attachments: form.attachments.clone(),
            ..input
        });
    Ok((form.fields, parsed))
}

async fn attachment(
    State(state): State<AppState>,
    page: PageCtx,
    Path((slug, file)): Path<(String, String)>,
) -> Result<Response, Error> {
    let (report, _) = visible(&state, page.user.as_ref(), &slug).await?;
    kernel::web::attachment(
        state.uploads(),
        &report.data.attachments,
        &file,
        report.state == ReportState::Published,
    )
    .await
}

/// A file of a revision waiting for a moderator: the moderators open it before deciding.
async fn revision_attachment(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
    Path((id, file)): Path<(String, String)>,
) -> Result<Response, Error> {
    if !policy::can(Some(&user), policy::Action::Moderate, &Resource::Library) {
        return Err(Error::NotFound);
    }
    let revision = match store::pending_revision(state.db(), &id).await {
        Err(Error::Conflict(_)) => return Err(Error::NotFound),
        r => r?,
    };
    kernel::web::attachment(state.uploads(), &revision.data.attachments, &file, false).await
}

/// Parses a posted report against the referential, the directory and the processes.
async fn parse(
    state: &AppState,
    pairs: &[(String, String)],
) -> Result<Result<ExperienceInput, FieldErrors>, Error> {
    let fields = ExperienceFields(pairs);
    let territory = kernel::spaces::web::known_territory(state, fields.get("territory")).await?;
    let mut actors = Vec::new();
    for line in fields.typed_actors().iter().take(20) {
        actors.push(actor_of(state, line).await?);
    }
    let mut processes = Vec::new();
    for line in fields.typed_processes().iter().take(20) {
        processes.push(process_of(state, line).await?.map(|(path, _)| path));
    }
    let tax = directory::terms::current(state).await?;
    Ok(fields.parse(
        |t| tax.knows("theme", t),
        &Resolved {
            territory,
            actors,
            processes,
        },
    ))
}

#[derive(Template)]
#[template(path = "knowledge/form.html")]
struct FormPage {
    page: PageCtx,
    report: Option<Experience>,
    fields: Vec<(String, String)>,
    base: i64,
    errors: FieldErrors,
    themes: Vec<(String, String)>,
    tools: &'static [&'static str],
    budgets: &'static [&'static str],
}

impl FormPage {
    async fn new(
        state: &AppState,
        page: PageCtx,
        report: Option<Experience>,
        fields: Vec<(String, String)>,
    ) -> Result<Self, Error> {
        let tax = directory::terms::current(state).await?;
        let themes = tax
            .terms("theme")
            .iter()
            .filter(|t| !t.retired || fields.iter().any(|(k, v)| k == "themes" && *v == t.code))
            .map(|t| (t.code.clone(), t.name(page.tr.0).to_string()))
            .collect();
        Ok(FormPage {
            base: report.as_ref().map(|r| r.revision).unwrap_or(0),
            page,
            report,
            fields,
            errors: FieldErrors::new(),
            themes,
            tools: TOOLS,
            budgets: BUDGETS,
        })
    }
    fn get(&self, name: &str) -> &str {
        ExperienceFields(&self.fields).get(name)
    }
    fn has(&self, name: &str, code: &str) -> bool {
        self.fields.iter().any(|(k, v)| k == name && v == code)
    }
    fn kept(&self) -> Vec<kernel::uploads::Attachment> {
        let stored = self.report.as_ref().map(|r| r.data.attachments.as_slice());
        kernel::web::kept_attachments(&self.fields)
            .into_iter()
            .map(|a| {
                stored
                    .and_then(|s| s.iter().find(|x| x.file == a.file).cloned())
                    .unwrap_or(a)
            })
            .collect()
    }
    fn action(&self) -> String {
        match &self.report {
            Some(r) => format!("{}/edit", r.url()),
            None => "/library/propose".into(),
        }
    }
}

/// A confirmed account may submit; others are sent back with a message.
fn unconfirmed(user: &User) -> Option<Response> {
    (!user.confirmed).then(|| redirect_with_flash("/library", "flash.library_unconfirmed"))
}

async fn propose_form(
    State(state): State<AppState>,
    page: PageCtx,
    SignedIn(user): SignedIn,
) -> Result<Response, Error> {
    if let Some(r) = unconfirmed(&user) {
        return Ok(r);
    }
    render(&FormPage::new(&state, page, None, Vec::new()).await?)
}

async fn propose(
    State(state): State<AppState>,
    page: PageCtx,
    SignedIn(user): SignedIn,
    multipart: axum::extract::Multipart,
) -> Result<Response, Error> {
    if let Some(r) = unconfirmed(&user) {
        return Ok(r);
    }
    let (pairs, parsed) = read_form(&state, &page, multipart).await?;
    match parsed {
        Ok(input) => {
            let report = store::submit(state.db(), &input, &user.id).await?;
            Ok(redirect_with_flash(
                &report.url(),
                "flash.experience_submitted",
            ))
        }
        Err(errors) => {
            let mut p = FormPage::new(&state, page, None, pairs).await?;
            p.errors = errors;
            render_invalid(&p)
        }
    }
}

/// The report at this address that the reader wrote (or moderates).
async fn editable(state: &AppState, user: &User, slug: &str) -> Result<Experience, Error> {
    let (report, mine) = visible(state, Some(user), slug).await?;
    let resource = Resource::Report {
        published: report.state == ReportState::Published,
        mine,
    };
    policy::check(user, policy::Action::Edit, &resource)?;
    if report.state == ReportState::Rejected {
        return Err(Error::Conflict("experience.rejected"));
    }
    Ok(report)
}

async fn edit_form(
    State(state): State<AppState>,
    page: PageCtx,
    SignedIn(user): SignedIn,
    Path(slug): Path<String>,
) -> Result<Response, Error> {
    let report = editable(&state, &user, &slug).await?;
    let fields = report.data.fields();
    render(&FormPage::new(&state, page, Some(report), fields).await?)
}

async fn edit(
    State(state): State<AppState>,
    page: PageCtx,
    SignedIn(user): SignedIn,
    Path(slug): Path<String>,
    multipart: axum::extract::Multipart,
) -> Result<Response, Error> {
    let report = editable(&state, &user, &slug).await?;
    let (pairs, parsed) = read_form(&state, &page, multipart).await?;
    let base: i64 = pairs
        .iter()
        .find(|(k, _)| k == "base")
        .and_then(|(_, v)| v.parse().ok())
        .ok_or(Error::BadRequest("form.malformed"))?;
    let url = report.url();
    let refused = |errors: FieldErrors, report: Experience, pairs: Vec<(String, String)>| {
        let state = state.clone();
        async move {
            let mut p = FormPage::new(&state, page, Some(report), pairs).await?;
            p.base = base;
            p.errors = errors;
            render_invalid(&p)
        }
    };
    let input = match parsed {
        Ok(input) => input,
        Err(errors) => return refused(errors, report, pairs).await,
    };
    match store::edit(state.db(), &report, base, &input, &user.id).await {
        Ok(true) => Ok(redirect_with_flash(&url, "flash.saved")),
        Ok(false) => Ok(redirect_with_flash(
            &url,
            "flash.experience_revision_pending",
        )),
        Err(Error::Conflict("experience.stale")) => {
            refused(
                FieldError::new("form", "experience.stale").into(),
                report,
                pairs,
            )
            .await
        }
        Err(e) => Err(e),
    }
}

/// A revision in the queue, with its report and the fields it changes.
struct Change {
    revision: Revision,
    report: Experience,
    diff: Vec<FieldChange>,
}

impl Change {
    /// The attachments of the proposed version, each with whether the published one lacks it.
    fn files(&self) -> Vec<(&kernel::uploads::Attachment, bool)> {
        self.revision
            .data
            .attachments
            .iter()
            .map(|a| {
                let new = !self
                    .report
                    .data
                    .attachments
                    .iter()
                    .any(|b| b.file == a.file);
                (a, new)
            })
            .collect()
    }
}

#[derive(Template)]
#[template(path = "knowledge/moderation.html")]
struct QueuePage {
    page: PageCtx,
    reports: Vec<Experience>,
    changes: Vec<Change>,
    decisions: Decisions,
}

async fn queue_page(
    state: &AppState,
    page: PageCtx,
    decisions: Decisions,
) -> Result<QueuePage, Error> {
    let mut changes = Vec::new();
    for revision in store::pending_revisions(state.db()).await? {
        if let Some(report) = store::get(state.db(), &revision.item).await? {
            let diff = report.data.diff(&revision.data);
            changes.push(Change {
                revision,
                report,
                diff,
            });
        }
    }
    Ok(QueuePage {
        reports: store::pending(state.db()).await?,
        changes,
        page,
        decisions,
    })
}

async fn queue(
    State(state): State<AppState>,
    page: PageCtx,
    SignedIn(user): SignedIn,
) -> Result<Response, Error> {
    policy::check(&user, policy::Action::Moderate, &Resource::Library)?;
    render(&queue_page(&state, page, Decisions::default()).await?)
}

/// The queue again, with why a decision on `failed` was refused.
async fn refused_decision(
    state: &AppState,
    page: PageCtx,
    errors: FieldErrors,
    failed: &str,
) -> Result<Response, Error> {
    render_invalid(&queue_page(state, page, Decisions::refused(errors, failed)).await?)
}

/// Tells a report's author of a decision.
async fn tell_author(
    state: &AppState,
    report: &Experience,
    decided: Decided,
    approved: bool,
    reason: &str,
) -> Result<(), Error> {
    let to: Vec<String> = store::author_email(state.db(), report)
        .await?
        .into_iter()
        .collect();
    let key = store::REVIEW.mail(decided, approved);
    state.mail_about(&to, key, (&report.data.title, &report.url()), reason);
    Ok(())
}

async fn decide(
    State(state): State<AppState>,
    page: PageCtx,
    SignedIn(user): SignedIn,
    Path(id): Path<String>,
    Form(f): Form<DecisionForm>,
) -> Result<Response, Error> {
    policy::check(&user, policy::Action::Moderate, &Resource::Library)?;
    let report = store::get(state.db(), &id).await?.ok_or(Error::NotFound)?;
    let publish = match f.approves() {
        Ok(p) => p,
        Err(errors) => return refused_decision(&state, page, errors, &id).await,
    };
    store::decide(state.db(), &id, publish, f.reason(), &user.id).await?;
    tell_author(&state, &report, Decided::Item, publish, f.reason()).await?;
    Ok(redirect_with_flash(
        "/library/moderation",
        "flash.library_decided",
    ))
}

async fn decide_revision(
    State(state): State<AppState>,
    page: PageCtx,
    SignedIn(user): SignedIn,
    Path(id): Path<String>,
    Form(f): Form<DecisionForm>,
) -> Result<Response, Error> {
    policy::check(&user, policy::Action::Moderate, &Resource::Library)?;
    let approve = match f.approves() {
        Ok(p) => p,
        Err(errors) => return refused_decision(&state, page, errors, &id).await,
    };
    let report_id =
        match store::decide_revision(state.db(), &id, approve, f.reason(), &user.id).await {
            Ok(r) => r,
            Err(Error::Conflict(code)) if code == store::REVIEW.stale => {
                let errors = FieldError::new("reason", code).into();
                return refused_decision(&state, page, errors, &id).await;
            }
            Err(e) => return Err(e),
        };
    if let Some(report) = store::get(state.db(), &report_id).await? {
        tell_author(&state, &report, Decided::Revision, approve, f.reason()).await?;
    }
    Ok(redirect_with_flash(
        "/library/moderation",
        "flash.library_decided",
    ))
}
