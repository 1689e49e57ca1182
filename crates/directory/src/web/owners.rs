//! The owners' settings on an actor's page: inviting co-owners by address and answering an
//! invitation, removing an owner, the logo; and the moderators' trust.

use super::{actor_page, owned, owners_told, visible};
use crate::owners;
use crate::policy::{self, Resource};
use axum::extract::{Multipart, Path, State};
use axum::response::Response;
use axum::routing::post;
use kernel::accounts::Email;
use kernel::i18n::Lang;
use kernel::web::routes::Routes;
use kernel::web::{Form, PageCtx, SignedIn, redirect_with_flash, render_invalid};
use kernel::{AppState, Error, FieldError, FieldErrors};
use serde::Deserialize;

/// The owners' routes.
pub fn routes() -> Routes {
    Routes::new()
        .route("/directory/actors/{slug}/owners", post(invite))
        .route("/directory/actors/{slug}/owners/remove", post(remove))
        .route(
            "/directory/actors/{slug}/invitations/withdraw",
            post(withdraw),
        )
        .route("/directory/actors/{slug}/invitation", post(answer))
        .route("/directory/actors/{slug}/trust", post(trust))
        .route("/directory/actors/{slug}/logo", post(logo))
}

/// The actor's page again, with a form's error (422).
async fn refused(
    state: &AppState,
    page: PageCtx,
    slug: &str,
    errors: FieldErrors,
    typed: String,
) -> Result<Response, Error> {
    render_invalid(&actor_page(state, page, slug, errors, typed).await?)
}

#[derive(Deserialize)]
struct InviteForm {
    email: String,
}

async fn invite(
    State(state): State<AppState>,
    page: PageCtx,
    SignedIn(user): SignedIn,
    Path(slug): Path<String>,
    Form(f): Form<InviteForm>,
) -> Result<Response, Error> {
    let actor = owned(&state, &user, &slug).await?;
    let email = match Email::parse(&f.email) {
        Ok(e) => e,
        Err(e) => return refused(&state, page, &slug, e.into(), f.email).await,
    };
    let invited = email.as_str().to_lowercase();
    let link = format!(
        "{}{}",
        state.config().base_url.trim_end_matches('/'),
        actor.url()
    );
    let mail = kernel::mail::Letter::texts(
        email.as_str(),
        Lang::Fr,
        "mail.owner_invitation",
        &[
            ("what", actor.data.name()),
            ("who", &user.display_name),
            ("link", &link),
        ],
        "",
    );
    if !owners::invite(state.db(), &actor.id, &invited, &user.id, &mail).await? {
        let e = FieldError::new("email", "owner.already");
        return refused(&state, page, &slug, e.into(), f.email).await;
    }
    Ok(redirect_with_flash(&actor.url(), "flash.owner_invited"))
}

#[derive(Deserialize)]
struct UserForm {
    user: String,
}

async fn remove(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
    Path(slug): Path<String>,
    Form(f): Form<UserForm>,
) -> Result<Response, Error> {
    let actor = owned(&state, &user, &slug).await?;
    owners::remove(state.db(), &actor.id, &f.user, &user.id).await?;
    // Who leaves goes back to the page as a reader.
    Ok(redirect_with_flash(&actor.url(), "flash.owner_removed"))
}

#[derive(Deserialize)]
struct EmailForm {
    email: String,
}

async fn withdraw(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
    Path(slug): Path<String>,
    Form(f): Form<EmailForm>,
) -> Result<Response, Error> {
    let actor = owned(&state, &user, &slug).await?;
    owners::withdraw(state.db(), &actor.id, &f.email.to_lowercase(), &user.id).await?;
    Ok(redirect_with_flash(
        &actor.url(),
        "flash.invitation_withdrawn",
    ))
}

#[derive(Deserialize)]
struct AnswerForm {
    answer: String,
}

async fn answer(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
    Path(slug): Path<String>,
    Form(f): Form<AnswerForm>,
) -> Result<Response, Error> {
    if !user.confirmed {
        return Err(Error::Conflict("directory.unconfirmed"));
    }
    let accept = match f.answer.as_str() {
        "accept" => true,
        "decline" => false,
        _ => return Err(Error::BadRequest("form.malformed")),
    };
    let (actor, _) = visible(&state, Some(&user), &slug)
        .await
        .or(Err(Error::NotFound))?;
    owners::answer(
        state.db(),
        &actor.id,
        &user.email.to_lowercase(),
        &user.id,
        accept,
    )
    .await?;
    let flash = if accept {
        "flash.owner_joined"
    } else {
        "flash.invitation_declined"
    };
    Ok(redirect_with_flash(&actor.url(), flash))
}

#[derive(Deserialize)]
struct TrustForm {
    trusted: String,
}

async fn trust(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
    Path(slug): Path<String>,
    Form(f): Form<TrustForm>,
) -> Result<Response, Error> {
    policy::check(&user, policy::Action::Moderate, &Resource::Component)?;
    let (actor, _) = visible(&state, Some(&user), &slug).await?;
    let trusted = match f.trusted.as_str() {
        "1" => true,
        "0" => false,
        _ => return Err(Error::BadRequest("form.malformed")),
    };
    let mails = if trusted {
        owners_told(&state, &actor, "mail.actor_trusted", "").await?
    } else {
        Vec::new()
    };
    owners::set_trusted(state.db(), &actor, trusted, &user.id, &mails).await?;
    Ok(redirect_with_flash(&actor.url(), "flash.saved"))
}

/// A logo is stored at most this many pixels on its longer side.
const LOGO_SIDE: u32 = 400;

async fn logo(
    State(state): State<AppState>,
    page: PageCtx,
    SignedIn(user): SignedIn,
    Path(slug): Path<String>,
    multipart: Multipart,
) -> Result<Response, Error> {
    let actor = owned(&state, &user, &slug).await?;
    let form = kernel::web::MultipartForm::read(multipart, &["logo"]).await?;
    let name = if form.text("remove") == "1" {
        String::new()
    } else {
        let Some(bytes) = form.file("logo") else {
            let e = FieldError::new("logo", "logo.required");
            return refused(&state, page, &slug, e.into(), String::new()).await;
        };
        match state.uploads().put_image("logo", bytes, LOGO_SIDE).await {
            Ok(name) => name,
            Err(Error::Invalid(errors)) => {
                return refused(&state, page, &slug, errors, String::new()).await;
            }
            Err(e) => return Err(e),
        }
    };
    owners::set_logo(state.db(), &actor, &name, &user.id).await?;
    Ok(redirect_with_flash(&actor.url(), "flash.saved"))
}
