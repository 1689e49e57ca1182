//! Responding to a challenge, for the members of a directory actor, before the deadline.

use super::*;

#[derive(Template)]
#[template(path = "lab/answer_form.html")]
struct ResponseFormPage {
    page: PageCtx,
    challenge: Challenge,
    actors: Vec<directory::store::Actor>,
    offers: Vec<directory::offers::Offer>,
    fields: Vec<(String, String)>,
    errors: FieldErrors,
    prices: &'static [&'static str],
}

impl ResponseFormPage {
    fn get(&self, name: &str) -> &str {
        Fields(&self.fields).get(name)
    }
    fn kept(&self) -> Vec<kernel::uploads::Attachment> {
        kernel::web::kept_attachments(&self.fields, &[])
    }
}

async fn response_form_page(
    state: &AppState,
    page: PageCtx,
    user: &User,
    challenge: Challenge,
    fields: Vec<(String, String)>,
    errors: FieldErrors,
) -> Result<ResponseFormPage, Error> {
    let actors = own_actors(state, user).await?;
    let mut offers = Vec::new();
    for a in &actors {
        offers.extend(directory::offers::of_actor(state.db(), &a.id).await?);
    }
    Ok(ResponseFormPage {
        page,
        challenge,
        actors,
        offers,
        fields,
        errors,
        prices: PRICES,
    })
}

/// The challenge at this address, still taking responses from a reader who owns an actor.
async fn open_to_responses(
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

pub(super) async fn response_form(
    State(state): State<AppState>,
    page: PageCtx,
    SignedIn(user): SignedIn,
    Path((space, slug)): Path<(String, String)>,
) -> Result<Response, Error> {
    let challenge = open_to_responses(&state, &user, &space, &slug).await?;
    // A response already sent is shown to be changed, not typed again.
    let owned: Vec<String> = own_actors(&state, &user)
        .await?
        .into_iter()
        .map(|a| a.id)
        .collect();
    let fields = match store::responses_of(state.db(), &challenge.id, &owned)
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
    render(&response_form_page(&state, page, &user, challenge, fields, FieldErrors::new()).await?)
}

pub(super) async fn respond(
    State(state): State<AppState>,
    page: PageCtx,
    SignedIn(user): SignedIn,
    Path((space, slug)): Path<(String, String)>,
    multipart: axum::extract::Multipart,
) -> Result<Response, Error> {
    let challenge = open_to_responses(&state, &user, &space, &slug).await?;
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
    let parsed = fields.response(
        |id| actors.iter().any(|a| a.id == id),
        |id| offers.iter().any(|o| o.id == id),
        &resolved,
    );
    let parsed = form.accept(&state, parsed).await?;
    let pairs = form.fields.clone();
    match parsed.map(|input| ResponseInput {
        attachments: form.attachments,
        ..input
    }) {
        Ok(input) => match store::respond(state.db(), &challenge, &input, &user.id).await {
            Ok(_) => Ok(redirect_with_flash(&challenge.url(), "flash.answer_sent")),
            Err(e @ StoreError::Closed) => {
                let errors = FieldError::new("form", e.code()).into();
                render_invalid(
                    &response_form_page(&state, page, &user, challenge, pairs, errors).await?,
                )
            }
            Err(e) => Err(e.into()),
        },
        Err(errors) => render_invalid(
            &response_form_page(&state, page, &user, challenge, pairs, errors).await?,
        ),
    }
}
