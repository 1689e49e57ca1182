//! Evaluating the responses: the weighted ranking, the suggested actors, grades, shortlisting,
//! the decision and the mails that tell the actors.

use super::*;

/// A response in the ranking: its weighted score over 100 and how many evaluators graded it.
struct Ranked {
    response: store::Response,
    score: Option<f64>,
    graded: usize,
}

#[derive(Template)]
#[template(path = "lab/answers.html")]
struct ResponsesPage {
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

impl ResponsesPage {
    fn score(&self, r: &Ranked) -> String {
        match r.score {
            Some(s) if self.page.tr.0 == Lang::Fr => format!("{s:.1}").replace('.', ","),
            Some(s) => format!("{s:.1}"),
            None => "—".into(),
        }
    }
}

async fn responses_page(
    state: &AppState,
    page: PageCtx,
    challenge: Challenge,
    errors: FieldErrors,
) -> Result<ResponsesPage, Error> {
    let mut ranked = Vec::new();
    for response in store::responses(state.db(), &challenge.id).await? {
        let grades = store::grades_of(state.db(), &response.id).await?;
        let values: Vec<Vec<i64>> = grades
            .iter()
            .map(|g| g.grades.iter().map(|(v, _)| *v).collect())
            .collect();
        ranked.push(Ranked {
            score: weighted_score(&challenge.data.criteria, &values),
            graded: grades.len(),
            response,
        });
    }
    ranked.sort_by(|a, b| {
        b.score
            .unwrap_or(-1.0)
            .total_cmp(&a.score.unwrap_or(-1.0))
            .then(a.response.updated_at.cmp(&b.response.updated_at))
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
    Ok(ResponsesPage {
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
        return Ok(directory::offers::on_themes(state.db(), &c.data.themes, most as i64).await?);
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

pub(super) async fn responses(
    State(state): State<AppState>,
    page: PageCtx,
    SignedIn(user): SignedIn,
    Path((space, slug)): Path<(String, String)>,
) -> Result<Response, Error> {
    let challenge = challenge_of(&state, &space, &slug).await?;
    policy::check(
        &user,
        policy::Action::ReadResponses,
        &Resource::Challenge(&challenge),
    )?;
    render(&responses_page(&state, page, challenge, FieldErrors::new()).await?)
}

#[derive(Template)]
#[template(path = "lab/answer.html")]
struct ResponsePage {
    page: PageCtx,
    challenge: Challenge,
    response: store::Response,
    offer: Option<directory::offers::Offer>,
    grades: Vec<Grades>,
    /// The reader's own grades, to fill the form.
    mine: Option<Grades>,
    evaluate: bool,
    manage: bool,
    errors: FieldErrors,
    grade_max: i64,
}

impl ResponsePage {
    fn html(&self, text: &str) -> String {
        kernel::markdown::to_html(text)
    }
    fn url(&self) -> String {
        format!("{}/answers/{}", self.challenge.url(), self.response.id)
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

/// The response at this address, for its authors, the evaluators and the space's administrators.
async fn readable_response(
    state: &AppState,
    user: &User,
    space: &str,
    slug: &str,
    id: &str,
) -> Result<(Challenge, store::Response), Error> {
    let challenge = challenge_of(state, space, slug).await?;
    let response = store::get_response(state.db(), id)
        .await?
        .filter(|r| r.challenge_id == challenge.id)
        .ok_or(Error::NotFound)?;
    let owned = directory::store::owns(state.db(), &response.data.actor_id, &user.id).await?;
    let resource = Resource::Response {
        challenge: &challenge,
        owned,
    };
    if !policy::can(Some(user), policy::Action::ReadResponse, &resource) {
        // Whether a response exists is not told to others.
        return Err(Error::NotFound);
    }
    Ok((challenge, response))
}

async fn response_view(
    state: &AppState,
    page: PageCtx,
    challenge: Challenge,
    response: store::Response,
    errors: FieldErrors,
) -> Result<ResponsePage, Error> {
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
    // Grades are the evaluators' and the space's; a response's authors see their response only.
    let grades = if evaluate || manage {
        store::grades_of(state.db(), &response.id).await?
    } else {
        Vec::new()
    };
    let mine = user
        .as_ref()
        .and_then(|u| grades.iter().find(|g| g.evaluator_id == u.id).cloned());
    let offer = if response.data.offer_id.is_empty() {
        None
    } else {
        directory::offers::get(state.db(), &response.data.offer_id).await?
    };
    Ok(ResponsePage {
        page,
        challenge,
        response,
        offer,
        grades,
        mine,
        evaluate,
        manage,
        errors,
        grade_max: GRADE_MAX,
    })
}

pub(super) async fn challenge_attachment(
    State(state): State<AppState>,
    Path((space, slug, file)): Path<(String, String, String)>,
) -> Result<Response, Error> {
    let challenge = challenge_of(&state, &space, &slug).await?;
    kernel::web::attachment(state.uploads(), &challenge.data.attachments, &file, true).await
}

pub(super) async fn response_attachment(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
    Path((space, slug, id, file)): Path<(String, String, String, String)>,
) -> Result<Response, Error> {
    let (_, response) = readable_response(&state, &user, &space, &slug, &id).await?;
    kernel::web::attachment(state.uploads(), &response.data.attachments, &file, false).await
}

pub(super) async fn response_page(
    State(state): State<AppState>,
    page: PageCtx,
    SignedIn(user): SignedIn,
    Path((space, slug, id)): Path<(String, String, String)>,
) -> Result<Response, Error> {
    let (challenge, response) = readable_response(&state, &user, &space, &slug, &id).await?;
    render(&response_view(&state, page, challenge, response, FieldErrors::new()).await?)
}

pub(super) async fn grade(
    State(state): State<AppState>,
    page: PageCtx,
    SignedIn(user): SignedIn,
    Path((space, slug, id)): Path<(String, String, String)>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, Error> {
    let (challenge, response) = readable_response(&state, &user, &space, &slug, &id).await?;
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
            store::grade(state.db(), &response.id, &user.id, &grades).await?;
            Ok(redirect_with_flash(
                &format!("{}/answers", challenge.url()),
                "flash.grades_saved",
            ))
        }
        Err(errors) => {
            render_invalid(&response_view(&state, page, challenge, response, errors).await?)
        }
    }
}

#[derive(Deserialize)]
pub(super) struct StateForm {
    state: String,
}

pub(super) async fn response_state(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
    Path((space, slug, id)): Path<(String, String, String)>,
    Form(f): Form<StateForm>,
) -> Result<Response, Error> {
    let (challenge, response) = readable_response(&state, &user, &space, &slug, &id).await?;
    policy::check(&user, policy::Action::Run, &Resource::Challenge(&challenge))?;
    if challenge.state == "decided" {
        return Err(Error::Conflict("challenge.decided"));
    }
    if !["submitted", "shortlisted", "selected"].contains(&f.state.as_str()) {
        return Err(Error::BadRequest("form.malformed"));
    }
    store::set_response_state(state.db(), &response.id, &f.state, &user.id).await?;
    Ok(redirect_with_flash(
        &format!("{}/answers", challenge.url()),
        "flash.saved",
    ))
}

#[derive(Deserialize)]
pub(super) struct DecideForm {
    #[serde(default)]
    outcome: String,
}

pub(super) async fn decide(
    State(state): State<AppState>,
    page: PageCtx,
    SignedIn(user): SignedIn,
    Path((space, slug)): Path<(String, String)>,
    Form(f): Form<DecideForm>,
) -> Result<Response, Error> {
    let challenge = challenge_of(&state, &space, &slug).await?;
    policy::check(&user, policy::Action::Run, &Resource::Challenge(&challenge))?;
    let all = store::responses(state.db(), &challenge.id).await?;
    let mut errors = FieldErrors::new();
    let outcome = errors.take(kernel::text::paragraphs(&f.outcome, "outcome", 5_000));
    if !all.iter().any(|r| r.state == "selected") {
        errors.push(FieldError::new("outcome", "challenge.no_winner"));
    }
    let Some(outcome) = outcome.filter(|_| errors.is_empty()) else {
        let mut p = responses_page(&state, page, challenge, errors).await?;
        p.outcome = f.outcome;
        return render_invalid(&p);
    };
    let mut mails = Vec::new();
    for r in &all {
        let key = if r.state == "selected" {
            "mail.answer_selected"
        } else {
            "mail.answer_not_selected"
        };
        let to = store::owner_emails(state.db(), &r.data.actor_id).await?;
        mails.extend(state.letters_about(&to, key, (&challenge.data.title, &challenge.url()), ""));
    }
    store::decide(state.db(), &challenge, &outcome, &user.id, &mails).await?;
    Ok(redirect_with_flash(
        &challenge.url(),
        "flash.challenge_decided",
    ))
}

pub(super) async fn notify(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
    Path((space, slug)): Path<(String, String)>,
) -> Result<Response, Error> {
    let challenge = challenge_of(&state, &space, &slug).await?;
    policy::check(&user, policy::Action::Run, &Resource::Challenge(&challenge))?;
    if !challenge.open_at(kernel::ids::now_ms()) {
        return Err(Error::Conflict("solution.closed"));
    }
    let mut told: Vec<String> = Vec::new();
    for o in matching_offers(&state, &challenge, 200).await? {
        for to in store::owner_emails(state.db(), &o.actor_id).await? {
            if !told.contains(&to) {
                told.push(to);
            }
        }
    }
    let url = challenge.url();
    let what = (challenge.data.title.as_str(), url.as_str());
    let mails = state.letters_about(&told, "mail.challenge_suggested", what, "");
    let mut w = state.db().write().await?;
    w.mails(&mails).await?;
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
