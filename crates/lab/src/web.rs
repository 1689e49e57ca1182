//! Challenge pages: a space's administrators publish a challenge; owners of directory actors
//! answer before the deadline; evaluators grade each answer on each criterion; the space sees
//! the weighted ranking, shortlists, selects and publishes the outcome (winners public, the
//! others told by mail); actors whose offers match the challenge's themes are suggested and can
//! be told of it.

use crate::model::{
    AnswerInput, ChallengeInput, Criterion, Fields, GRADE_MAX, PRICES, weighted_score,
};
use crate::policy::{self, Resource};
use crate::store::{self, Answer, Challenge, Grades};
use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::{get, post};
use directory::terms::Taxonomy;
use kernel::accounts::User;
use kernel::i18n::Lang;
use kernel::spaces::Space;
use kernel::spaces::web::space_or_404;
use kernel::web::routes::Routes;
use kernel::web::{
    AttachedForm, Form, PageCtx, SignedIn, redirect_with_flash, render, render_invalid,
};
use kernel::{AppState, Error, FieldError, FieldErrors, Section, SectionItem, SectionOf};
use serde::Deserialize;
use std::collections::HashMap;
use std::sync::Arc;

/// The challenges' routes.
pub fn routes() -> Routes {
    Routes::new()
        .route(
            "/s/{space}/challenges/new",
            get(new_form)
                .post(create)
                .layer(kernel::uploads::attached_form_limit()),
        )
        .route("/s/{space}/challenges/{slug}", get(show))
        .route(
            "/s/{space}/challenges/{slug}/attachments/{file}",
            get(challenge_attachment),
        )
        .route(
            "/s/{space}/challenges/{slug}/answers/{id}/attachments/{file}",
            get(answer_attachment),
        )
        .route(
            "/s/{space}/challenges/{slug}/answer",
            get(answer_form)
                .post(answer)
                .layer(kernel::uploads::attached_form_limit()),
        )
        .route("/s/{space}/challenges/{slug}/answers", get(answers))
        .route(
            "/s/{space}/challenges/{slug}/answers/{id}",
            get(answer_page),
        )
        .route(
            "/s/{space}/challenges/{slug}/answers/{id}/grade",
            post(grade),
        )
        .route(
            "/s/{space}/challenges/{slug}/answers/{id}/state",
            post(answer_state),
        )
        .route("/s/{space}/challenges/{slug}/decide", post(decide))
        .route("/s/{space}/challenges/{slug}/notify", post(notify))
}

/// The challenges of a space, on its page.
pub async fn space_section(state: AppState, of: SectionOf) -> Result<Option<Section>, Error> {
    let challenges = store::of_space(state.db(), &of.id).await?;
    let space = kernel::spaces::store::get_by_id(state.db(), &of.id)
        .await?
        .ok_or(Error::NotFound)?;
    let manage = policy::can(
        of.user.as_ref(),
        policy::Action::Run,
        &Resource::Space(&of.id),
    );
    if challenges.is_empty() && !manage {
        return Ok(None);
    }
    let now = kernel::ids::now_ms();
    let items = challenges
        .into_iter()
        .map(|c| SectionItem {
            url: c.url(),
            note: state_note(&c, now, of.lang),
            title: c.data.title,
        })
        .collect();
    Ok(Some(Section {
        heading: "challenge.list",
        items,
        add: manage.then(|| ("challenge.new", format!("/s/{}/challenges/new", space.slug))),
    }))
}

/// Where a challenge stands, in words.
fn state_note(c: &Challenge, now: i64, lang: Lang) -> String {
    if c.state == "decided" {
        kernel::i18n::tr(lang, "challenge.state_decided").to_string()
    } else if c.open_at(now) {
        kernel::i18n::trf(
            lang,
            "challenge.state_open",
            &[("date", &kernel::clock::display(c.data.deadline, lang))],
        )
    } else {
        kernel::i18n::tr(lang, "challenge.state_closed").to_string()
    }
}

#[derive(Template)]
#[template(path = "lab/new.html")]
struct NewPage {
    page: PageCtx,
    space: Space,
    fields: Vec<(String, String)>,
    errors: FieldErrors,
    themes: Vec<(String, String)>,
    prices: &'static [&'static str],
}

impl NewPage {
    fn get(&self, name: &str) -> &str {
        Fields(&self.fields).get(name)
    }
    fn kept(&self) -> Vec<kernel::uploads::Attachment> {
        kernel::web::kept_attachments(&self.fields)
    }
    fn has(&self, name: &str, code: &str) -> bool {
        self.fields.iter().any(|(k, v)| k == name && v == code)
    }
}

async fn new_page(
    state: &AppState,
    page: PageCtx,
    space: Space,
    fields: Vec<(String, String)>,
    errors: FieldErrors,
) -> Result<NewPage, Error> {
    let tax = directory::terms::current(state).await?;
    let themes = tax
        .active("theme")
        .into_iter()
        .map(|t| (t.code.clone(), t.name(page.tr.0).to_string()))
        .collect();
    Ok(NewPage {
        page,
        space,
        fields,
        errors,
        themes,
        prices: PRICES,
    })
}

async fn new_form(
    State(state): State<AppState>,
    page: PageCtx,
    SignedIn(user): SignedIn,
    Path(space): Path<String>,
) -> Result<Response, Error> {
    let space = space_or_404(&state, &space).await?;
    policy::check(&user, policy::Action::Run, &Resource::Space(&space.id))?;
    let fields = vec![(
        "criteria".to_string(),
        kernel::i18n::tr(page.tr.0, "challenge.criteria_example").to_string(),
    )];
    render(&new_page(&state, page, space, fields, FieldErrors::new()).await?)
}

/// The account id of each evaluator's address (none for an address without a confirmed
/// account).
async fn evaluators(state: &AppState, lines: &[String]) -> Result<Vec<Option<String>>, Error> {
    let mut out = Vec::new();
    for line in lines.iter().take(20) {
        let id = match kernel::accounts::Email::parse(line) {
            Ok(e) => kernel::accounts::store::user_by_email(state.db(), &e)
                .await?
                .filter(|u| u.confirmed)
                .map(|u| u.id),
            Err(_) => None,
        };
        out.push(id);
    }
    Ok(out)
}

async fn create(
    State(state): State<AppState>,
    page: PageCtx,
    SignedIn(user): SignedIn,
    Path(space): Path<String>,
    multipart: axum::extract::Multipart,
) -> Result<Response, Error> {
    let space = space_or_404(&state, &space).await?;
    policy::check(&user, policy::Action::Run, &Resource::Space(&space.id))?;
    let mut form = AttachedForm::read(&state, &page, multipart).await?;
    let fields = Fields(&form.fields);
    let tax = directory::terms::current(&state).await?;
    let ids = evaluators(&state, &fields.lines("evaluators")).await?;
    let area = kernel::spaces::web::known_territory(&state, fields.get("area")).await?;
    let parsed = fields.challenge(|t| tax.knows("theme", t), &ids, area, kernel::ids::now_ms());
    match form.accept(&state, parsed).await? {
        Ok(input) => {
            let input = ChallengeInput {
                attachments: form.attachments,
                ..input
            };
            let c = store::create(state.db(), &space.id, &input, &user.id).await?;
            Ok(redirect_with_flash(&c.url(), "flash.challenge_published"))
        }
        Err(errors) => render_invalid(&new_page(&state, page, space, form.fields, errors).await?),
    }
}

#[derive(Template)]
#[template(path = "lab/challenge.html")]
struct ChallengePage {
    page: PageCtx,
    challenge: Challenge,
    open: bool,
    /// Whether the reader may see the answers (administrators and evaluators).
    insider: bool,
    /// Whether the reader owns a published actor that may answer.
    can_answer: bool,
    winners: Vec<Answer>,
    /// The answers of the reader's actors.
    mine: Vec<Answer>,
    tax: Arc<Taxonomy>,
    /// The area's page and name, when the challenge has one.
    area: Option<(String, String)>,
}

impl ChallengePage {
    fn theme(&self, code: &str) -> String {
        self.tax.name(self.page.tr.0, "theme", code)
    }
    fn html(&self, text: &str) -> String {
        kernel::markdown::to_html(text)
    }
    fn deadline(&self) -> String {
        kernel::clock::display(self.challenge.data.deadline, self.page.tr.0)
    }
}

async fn challenge_of(state: &AppState, space: &str, slug: &str) -> Result<Challenge, Error> {
    store::by_slug(state.db(), space, slug)
        .await?
        .ok_or(Error::NotFound)
}

/// The published actors the reader owns.
async fn own_actors(state: &AppState, user: &User) -> Result<Vec<directory::store::Actor>, Error> {
    Ok(directory::owners::owned_by(state.db(), &user.id)
        .await?
        .into_iter()
        .filter(|a| a.state == directory::store::State::Published)
        .collect())
}

async fn show(
    State(state): State<AppState>,
    page: PageCtx,
    Path((space, slug)): Path<(String, String)>,
) -> Result<Response, Error> {
    let challenge = challenge_of(&state, &space, &slug).await?;
    let user = page.user.as_ref();
    let insider = policy::can(
        user,
        policy::Action::ReadAnswers,
        &Resource::Challenge(&challenge),
    );
    let owned: Vec<String> = match user {
        Some(u) => own_actors(&state, u)
            .await?
            .into_iter()
            .map(|a| a.id)
            .collect(),
        None => Vec::new(),
    };
    let can_answer = !owned.is_empty();
    let mine = store::answers_of(state.db(), &challenge.id, &owned).await?;
    let winners = if challenge.state == "decided" {
        store::answers(state.db(), &challenge.id)
            .await?
            .into_iter()
            .filter(|a| a.state == "selected")
            .collect()
    } else {
        Vec::new()
    };
    let area = kernel::territories::store::named(state.db(), &challenge.data.area)
        .await?
        .map(|t| (t.url(), t.name));
    render(&ChallengePage {
        area,
        open: challenge.open_at(kernel::ids::now_ms()),
        tax: directory::terms::current(&state).await?,
        page,
        challenge,
        insider,
        can_answer,
        winners,
        mine,
    })
}

#[derive(Template)]
#[template(path = "lab/answer_form.html")]
struct AnswerFormPage {
    page: PageCtx,
    challenge: Challenge,
    actors: Vec<directory::store::Actor>,
    offers: Vec<directory::offers::Offer>,
    fields: Vec<(String, String)>,
    errors: FieldErrors,
    prices: &'static [&'static str],
}

impl AnswerFormPage {
    fn get(&self, name: &str) -> &str {
        Fields(&self.fields).get(name)
    }
    fn kept(&self) -> Vec<kernel::uploads::Attachment> {
        kernel::web::kept_attachments(&self.fields)
    }
}

async fn answer_form_page(
    state: &AppState,
    page: PageCtx,
    user: &User,
    challenge: Challenge,
    fields: Vec<(String, String)>,
    errors: FieldErrors,
) -> Result<AnswerFormPage, Error> {
    let actors = own_actors(state, user).await?;
    let mut offers = Vec::new();
    for a in &actors {
        offers.extend(directory::offers::of_actor(state.db(), &a.id).await?);
    }
    Ok(AnswerFormPage {
        page,
        challenge,
        actors,
        offers,
        fields,
        errors,
        prices: PRICES,
    })
}

/// The challenge at this address, still taking answers from a reader who owns an actor.
async fn answerable(
    state: &AppState,
    user: &User,
    space: &str,
    slug: &str,
) -> Result<Challenge, Error> {
    let challenge = challenge_of(state, space, slug).await?;
    if !challenge.open_at(kernel::ids::now_ms()) {
        return Err(Error::Conflict("solution.closed"));
    }
    if own_actors(state, user).await?.is_empty() {
        return Err(Error::Conflict("solution.no_actor"));
    }
    Ok(challenge)
}

async fn answer_form(
    State(state): State<AppState>,
    page: PageCtx,
    SignedIn(user): SignedIn,
    Path((space, slug)): Path<(String, String)>,
) -> Result<Response, Error> {
    let challenge = answerable(&state, &user, &space, &slug).await?;
    // An answer already sent is shown to be changed, not typed again.
    let owned: Vec<String> = own_actors(&state, &user)
        .await?
        .into_iter()
        .map(|a| a.id)
        .collect();
    let fields = match store::answers_of(state.db(), &challenge.id, &owned)
        .await?
        .first()
    {
        Some(a) => vec![
            ("actor".to_string(), a.data.actor_id.clone()),
            ("summary".to_string(), a.data.summary.clone()),
            ("description".to_string(), a.data.description.clone()),
            ("offer".to_string(), a.data.offer_id.clone()),
            ("references".to_string(), a.data.references.join("\n")),
            ("price".to_string(), a.data.price.clone()),
        ]
        .into_iter()
        .chain(
            a.data
                .attachments
                .iter()
                .map(|f| ("kept_attachment".to_string(), f.kept_value())),
        )
        .collect(),
        None => Vec::new(),
    };
    render(&answer_form_page(&state, page, &user, challenge, fields, FieldErrors::new()).await?)
}

async fn answer(
    State(state): State<AppState>,
    page: PageCtx,
    SignedIn(user): SignedIn,
    Path((space, slug)): Path<(String, String)>,
    multipart: axum::extract::Multipart,
) -> Result<Response, Error> {
    let challenge = answerable(&state, &user, &space, &slug).await?;
    let mut form = AttachedForm::read(&state, &page, multipart).await?;
    let fields = Fields(&form.fields);
    let actors = own_actors(&state, &user).await?;
    let actor_id = fields.get("actor").trim().to_string();
    let offers = if actors.iter().any(|a| a.id == actor_id) {
        directory::offers::of_actor(state.db(), &actor_id).await?
    } else {
        Vec::new()
    };
    let mut resolved = Vec::new();
    for line in fields.lines("references").iter().take(50) {
        resolved.push(kernel::spaces::web::known_territory(&state, line).await?);
    }
    let parsed = fields.answer(
        |id| actors.iter().any(|a| a.id == id),
        |id| offers.iter().any(|o| o.id == id),
        &resolved,
    );
    let parsed = form.accept(&state, parsed).await?;
    let pairs = form.fields.clone();
    match parsed.map(|input| AnswerInput {
        attachments: form.attachments,
        ..input
    }) {
        Ok(input) => match store::answer(state.db(), &challenge, &input, &user.id).await {
            Ok(_) => Ok(redirect_with_flash(&challenge.url(), "flash.answer_sent")),
            Err(Error::Conflict("solution.closed")) => {
                let errors = FieldError::new("form", "solution.closed").into();
                render_invalid(
                    &answer_form_page(&state, page, &user, challenge, pairs, errors).await?,
                )
            }
            Err(e) => Err(e),
        },
        Err(errors) => {
            render_invalid(&answer_form_page(&state, page, &user, challenge, pairs, errors).await?)
        }
    }
}

/// An answer in the ranking: its weighted score over 100 and how many evaluators graded it.
struct Ranked {
    answer: Answer,
    score: Option<f64>,
    graded: usize,
}

#[derive(Template)]
#[template(path = "lab/answers.html")]
struct AnswersPage {
    page: PageCtx,
    challenge: Challenge,
    ranked: Vec<Ranked>,
    manage: bool,
    /// Actors whose offers match the challenge's themes: (actor name, address, offer title).
    suggestions: Vec<(String, String, String)>,
    errors: FieldErrors,
    /// The outcome's text as typed (kept when it is refused).
    outcome: String,
}

impl AnswersPage {
    fn score(&self, r: &Ranked) -> String {
        match r.score {
            Some(s) if self.page.tr.0 == Lang::Fr => format!("{s:.1}").replace('.', ","),
            Some(s) => format!("{s:.1}"),
            None => "—".into(),
        }
    }
}

async fn answers_page(
    state: &AppState,
    page: PageCtx,
    challenge: Challenge,
    errors: FieldErrors,
) -> Result<AnswersPage, Error> {
    let mut ranked = Vec::new();
    for answer in store::answers(state.db(), &challenge.id).await? {
        let grades = store::grades_of(state.db(), &answer.id).await?;
        let values: Vec<Vec<i64>> = grades
            .iter()
            .map(|g| g.grades.iter().map(|(v, _)| *v).collect())
            .collect();
        ranked.push(Ranked {
            score: weighted_score(&challenge.data.criteria, &values),
            graded: grades.len(),
            answer,
        });
    }
    ranked.sort_by(|a, b| {
        b.score
            .unwrap_or(-1.0)
            .total_cmp(&a.score.unwrap_or(-1.0))
            .then(a.answer.updated_at.cmp(&b.answer.updated_at))
    });
    let manage = policy::can(
        page.user.as_ref(),
        policy::Action::Run,
        &Resource::Challenge(&challenge),
    );
    let suggestions = if manage {
        suggestions(state, &challenge).await?
    } else {
        Vec::new()
    };
    Ok(AnswersPage {
        page,
        challenge,
        ranked,
        manage,
        suggestions,
        errors,
        outcome: String::new(),
    })
}

/// The shown offers on one of the challenge's themes and, when it has an area, of actors
/// located there or deployed there (or across a territory that holds it), at most `most`.
async fn matching_offers(
    state: &AppState,
    c: &Challenge,
    most: usize,
) -> Result<Vec<directory::offers::Offer>, Error> {
    let Some(area) = kernel::territories::store::named(state.db(), &c.data.area).await? else {
        return directory::offers::on_themes(state.db(), &c.data.themes, most as i64).await;
    };
    // Actors located in the area come first; the others' deployments are compared with it.
    let candidates =
        directory::offers::on_themes_in(state.db(), &c.data.themes, &area, 2000).await?;
    let mut known: HashMap<String, Option<kernel::territories::Territory>> = HashMap::new();
    let mut out = Vec::new();
    for (o, located) in candidates {
        let mut inside = located;
        for place in &o.data.references {
            if inside {
                break;
            }
            if !known.contains_key(place) {
                let t = kernel::territories::store::named(state.db(), place).await?;
                known.insert(place.clone(), t);
            }
            inside = known[place].as_ref().is_some_and(|t| t.overlaps(&area));
        }
        if inside {
            out.push(o);
            if out.len() >= most {
                break;
            }
        }
    }
    Ok(out)
}

/// The actors suggested to the space: (actor name, address, offer title).
async fn suggestions(
    state: &AppState,
    c: &Challenge,
) -> Result<Vec<(String, String, String)>, Error> {
    Ok(matching_offers(state, c, 50)
        .await?
        .into_iter()
        .map(|o| (o.actor_name, o.actor_url, o.data.title))
        .collect())
}

async fn answers(
    State(state): State<AppState>,
    page: PageCtx,
    SignedIn(user): SignedIn,
    Path((space, slug)): Path<(String, String)>,
) -> Result<Response, Error> {
    let challenge = challenge_of(&state, &space, &slug).await?;
    policy::check(
        &user,
        policy::Action::ReadAnswers,
        &Resource::Challenge(&challenge),
    )?;
    render(&answers_page(&state, page, challenge, FieldErrors::new()).await?)
}

#[derive(Template)]
#[template(path = "lab/answer.html")]
struct AnswerPage {
    page: PageCtx,
    challenge: Challenge,
    answer: Answer,
    offer: Option<directory::offers::Offer>,
    grades: Vec<Grades>,
    /// The reader's own grades, to fill the form.
    mine: Option<Grades>,
    evaluate: bool,
    manage: bool,
    errors: FieldErrors,
    grade_max: i64,
}

impl AnswerPage {
    fn html(&self, text: &str) -> String {
        kernel::markdown::to_html(text)
    }
    fn url(&self) -> String {
        format!("{}/answers/{}", self.challenge.url(), self.answer.id)
    }
    fn criterion(&self, i: &usize) -> &Criterion {
        &self.challenge.data.criteria[*i]
    }
    fn criterion_name(&self, i: &usize) -> &str {
        self.challenge
            .data
            .criteria
            .get(*i)
            .map(|c| c.name.as_str())
            .unwrap_or("")
    }
    fn my_grade(&self, i: &usize) -> String {
        self.mine
            .as_ref()
            .and_then(|g| g.grades.get(*i))
            .map(|(v, _)| v.to_string())
            .unwrap_or_default()
    }
    fn my_comment(&self, i: &usize) -> String {
        self.mine
            .as_ref()
            .and_then(|g| g.grades.get(*i))
            .map(|(_, c)| c.clone())
            .unwrap_or_default()
    }
    fn indexes(&self) -> Vec<usize> {
        (0..self.challenge.data.criteria.len()).collect()
    }
}

/// The answer at this address, for its authors, the evaluators and the space's administrators.
async fn readable_answer(
    state: &AppState,
    user: &User,
    space: &str,
    slug: &str,
    id: &str,
) -> Result<(Challenge, Answer), Error> {
    let challenge = challenge_of(state, space, slug).await?;
    let answer = store::get_answer(state.db(), id)
        .await?
        .filter(|a| a.challenge_id == challenge.id)
        .ok_or(Error::NotFound)?;
    let owned = directory::store::owns(state.db(), &answer.data.actor_id, &user.id).await?;
    let resource = Resource::Answer {
        challenge: &challenge,
        owned,
    };
    if !policy::can(Some(user), policy::Action::ReadAnswer, &resource) {
        // Whether an answer exists is not told to others.
        return Err(Error::NotFound);
    }
    Ok((challenge, answer))
}

async fn answer_view(
    state: &AppState,
    page: PageCtx,
    challenge: Challenge,
    answer: Answer,
    errors: FieldErrors,
) -> Result<AnswerPage, Error> {
    let user = page.user.clone();
    let evaluate = policy::can(
        user.as_ref(),
        policy::Action::Grade,
        &Resource::Challenge(&challenge),
    );
    let manage = policy::can(
        user.as_ref(),
        policy::Action::Run,
        &Resource::Challenge(&challenge),
    );
    // Grades are the evaluators' and the space's; an answer's authors see their answer only.
    let grades = if evaluate || manage {
        store::grades_of(state.db(), &answer.id).await?
    } else {
        Vec::new()
    };
    let mine = user
        .as_ref()
        .and_then(|u| grades.iter().find(|g| g.evaluator_id == u.id).cloned());
    let offer = if answer.data.offer_id.is_empty() {
        None
    } else {
        directory::offers::get(state.db(), &answer.data.offer_id).await?
    };
    Ok(AnswerPage {
        page,
        challenge,
        answer,
        offer,
        grades,
        mine,
        evaluate,
        manage,
        errors,
        grade_max: GRADE_MAX,
    })
}

async fn challenge_attachment(
    State(state): State<AppState>,
    Path((space, slug, file)): Path<(String, String, String)>,
) -> Result<Response, Error> {
    let challenge = challenge_of(&state, &space, &slug).await?;
    kernel::web::attachment(state.uploads(), &challenge.data.attachments, &file, true).await
}

async fn answer_attachment(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
    Path((space, slug, id, file)): Path<(String, String, String, String)>,
) -> Result<Response, Error> {
    let (_, answer) = readable_answer(&state, &user, &space, &slug, &id).await?;
    kernel::web::attachment(state.uploads(), &answer.data.attachments, &file, false).await
}

async fn answer_page(
    State(state): State<AppState>,
    page: PageCtx,
    SignedIn(user): SignedIn,
    Path((space, slug, id)): Path<(String, String, String)>,
) -> Result<Response, Error> {
    let (challenge, answer) = readable_answer(&state, &user, &space, &slug, &id).await?;
    render(&answer_view(&state, page, challenge, answer, FieldErrors::new()).await?)
}

async fn grade(
    State(state): State<AppState>,
    page: PageCtx,
    SignedIn(user): SignedIn,
    Path((space, slug, id)): Path<(String, String, String)>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, Error> {
    let (challenge, answer) = readable_answer(&state, &user, &space, &slug, &id).await?;
    policy::check(
        &user,
        policy::Action::Grade,
        &Resource::Challenge(&challenge),
    )?;
    if challenge.state == "decided" {
        return Err(Error::Conflict("challenge.decided"));
    }
    match Fields(&pairs).grades(challenge.data.criteria.len()) {
        Ok(grades) => {
            store::grade(state.db(), &answer.id, &user.id, &grades).await?;
            Ok(redirect_with_flash(
                &format!("{}/answers", challenge.url()),
                "flash.grades_saved",
            ))
        }
        Err(errors) => render_invalid(&answer_view(&state, page, challenge, answer, errors).await?),
    }
}

#[derive(Deserialize)]
struct StateForm {
    state: String,
}

async fn answer_state(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
    Path((space, slug, id)): Path<(String, String, String)>,
    Form(f): Form<StateForm>,
) -> Result<Response, Error> {
    let (challenge, answer) = readable_answer(&state, &user, &space, &slug, &id).await?;
    policy::check(&user, policy::Action::Run, &Resource::Challenge(&challenge))?;
    if challenge.state == "decided" {
        return Err(Error::Conflict("challenge.decided"));
    }
    if !["submitted", "shortlisted", "selected"].contains(&f.state.as_str()) {
        return Err(Error::BadRequest("form.malformed"));
    }
    store::set_answer_state(state.db(), &answer.id, &f.state, &user.id).await?;
    Ok(redirect_with_flash(
        &format!("{}/answers", challenge.url()),
        "flash.saved",
    ))
}

#[derive(Deserialize)]
struct DecideForm {
    #[serde(default)]
    outcome: String,
}

async fn decide(
    State(state): State<AppState>,
    page: PageCtx,
    SignedIn(user): SignedIn,
    Path((space, slug)): Path<(String, String)>,
    Form(f): Form<DecideForm>,
) -> Result<Response, Error> {
    let challenge = challenge_of(&state, &space, &slug).await?;
    policy::check(&user, policy::Action::Run, &Resource::Challenge(&challenge))?;
    let all = store::answers(state.db(), &challenge.id).await?;
    let mut errors = FieldErrors::new();
    let outcome = errors.take(kernel::text::paragraphs(&f.outcome, "outcome", 5_000));
    if !all.iter().any(|a| a.state == "selected") {
        errors.push(FieldError::new("outcome", "challenge.no_winner"));
    }
    let Some(outcome) = outcome.filter(|_| errors.is_empty()) else {
        let mut p = answers_page(&state, page, challenge, errors).await?;
        p.outcome = f.outcome;
        return render_invalid(&p);
    };
    store::decide(state.db(), &challenge, &outcome, &user.id).await?;
    let link = format!(
        "{}{}",
        state.config().base_url.trim_end_matches('/'),
        challenge.url()
    );
    for a in &all {
        let key = if a.state == "selected" {
            "mail.answer_selected"
        } else {
            "mail.answer_not_selected"
        };
        for to in store::owner_emails(state.db(), &a.data.actor_id).await? {
            state.mailer().send_texts(
                &to,
                Lang::Fr,
                key,
                &[("what", &challenge.data.title), ("link", &link)],
                "",
            );
        }
    }
    Ok(redirect_with_flash(
        &challenge.url(),
        "flash.challenge_decided",
    ))
}

async fn notify(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
    Path((space, slug)): Path<(String, String)>,
) -> Result<Response, Error> {
    let challenge = challenge_of(&state, &space, &slug).await?;
    policy::check(&user, policy::Action::Run, &Resource::Challenge(&challenge))?;
    if !challenge.open_at(kernel::ids::now_ms()) {
        return Err(Error::Conflict("solution.closed"));
    }
    let link = format!(
        "{}{}",
        state.config().base_url.trim_end_matches('/'),
        challenge.url()
    );
    let mut told: Vec<String> = Vec::new();
    for o in matching_offers(&state, &challenge, 200).await? {
        for to in store::owner_emails(state.db(), &o.actor_id).await? {
            if told.contains(&to) {
                continue;
            }
            state.mailer().send_texts(
                &to,
                Lang::Fr,
                "mail.challenge_suggested",
                &[("what", &challenge.data.title), ("link", &link)],
                "",
            );
            told.push(to);
        }
    }
    let mut w = state.db().write().await?;
    w.audit(
        Some(&user.id),
        "challenge.notify",
        "challenge",
        &challenge.id,
        &told.len().to_string(),
    )
    .await?;
    w.commit().await?;
    Ok(redirect_with_flash(
        &format!("{}/answers", challenge.url()),
        "flash.actors_told",
    ))
}
