//! Publishing a challenge and its page.

use super::*;

/// Where a challenge stands, in words.
pub(super) fn state_note(c: &Challenge, now: i64, lang: Lang) -> String {
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
        kernel::web::kept_attachments(&self.fields, &[])
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

pub(super) async fn new_form(
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

pub(super) async fn create(
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
    /// Whether the reader may see the responses (administrators and evaluators).
    insider: bool,
    /// Whether the reader owns a published actor that may respond.
    can_respond: bool,
    /// The selected responses, once the outcome is published.
    winners: Vec<store::Response>,
    /// The responses of the reader's actors.
    mine: Vec<store::Response>,
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

pub(super) async fn challenge_of(
    state: &AppState,
    space: &str,
    slug: &str,
) -> Result<Challenge, Error> {
    store::by_slug(state.db(), space, slug)
        .await?
        .ok_or(Error::NotFound)
}

/// The published actors the reader owns.
pub(super) async fn own_actors(
    state: &AppState,
    user: &User,
) -> Result<Vec<directory::store::Actor>, Error> {
    Ok(directory::owners::owned_by(state.db(), &user.id)
        .await?
        .into_iter()
        .filter(|a| a.state == directory::store::State::Published)
        .collect())
}

pub(super) async fn show(
    State(state): State<AppState>,
    page: PageCtx,
    Path((space, slug)): Path<(String, String)>,
) -> Result<Response, Error> {
    let challenge = challenge_of(&state, &space, &slug).await?;
    let user = page.user.as_ref();
    let insider = policy::can(
        user,
        policy::Action::ReadResponses,
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
    let can_respond = !owned.is_empty();
    let mine = store::responses_of(state.db(), &challenge.id, &owned).await?;
    let winners = if challenge.state == "decided" {
        store::responses(state.db(), &challenge.id)
            .await?
            .into_iter()
            .filter(|r| r.state == "selected")
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
        can_respond,
        winners,
        mine,
    })
}
