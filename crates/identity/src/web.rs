//! Sign-in through the instance's OpenID Connect providers, linking an identity to an account,
//! and the page where a person sees and removes the identities of their account.

use crate::providers::{Identity, Providers, Refusal};
use crate::store::{self, PendingLink, SignIn};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use kernel::accounts::identities;
use kernel::accounts::web::sign_in_at_provider;
use kernel::accounts::{DisplayName, Email, User};
use kernel::web::ratelimit::Limit;
use kernel::web::routes::Routes;
use kernel::web::{
    ClientIp, Form, PageCtx, SignedIn, redirect_with_flash, render, safe_next, set_cookie,
};
use kernel::{AppState, Error};
use serde::Deserialize;
use std::time::Duration;

/// The cookie that ties a sign-in's `state` to the browser that started it.
const STATE_COOKIE: &str = "oidc_state";

/// Sign-ins started or finished through providers: 20 per 5 minutes per client address.
const SIGN_INS: Limit = Limit {
    action: "oidc",
    max: 20,
    window: Duration::from_secs(300),
};

/// Identities linked by following a mailed link: 20 per hour per client address.
const LINKS: Limit = Limit {
    action: "identity_link",
    max: 20,
    window: Duration::from_secs(3600),
};

/// The component's routes.
pub fn routes() -> Routes {
    Routes::new()
        .route("/auth/{name}", get(start))
        .route("/auth/{name}/callback", get(callback))
        .route("/auth/link/{token}", get(link_form).post(link))
        .route("/account/identities", get(identities_page))
        .route("/account/identities/remove", post(remove))
}

/// The providers of this node, as its configuration names them.
fn providers(state: &AppState) -> std::sync::Arc<Providers> {
    state.extension(|s| Providers::new(&s.config().oidc))
}

/// Where a provider sends the person back.
fn callback_url(state: &AppState, name: &str) -> String {
    format!("{}/auth/{name}/callback", state.config().base_url)
}

#[derive(Template)]
#[template(path = "identity/refused.html")]
struct RefusedPage {
    page: PageCtx,
    /// The text key of the title.
    title: &'static str,
    /// The text key of the explanation.
    text: &'static str,
    /// The provider's button text, to try again; empty when trying again would not help.
    again: String,
    /// The provider's short name.
    provider: String,
    /// Whether a password sign-in is open, to offer it instead.
    password: bool,
}

/// The page that says why a sign-in did not go through, with the status it answers.
fn refused(
    state: &AppState,
    page: PageCtx,
    status: StatusCode,
    (title, text): (&'static str, &'static str),
    provider: &str,
) -> Result<Response, Error> {
    let again = state
        .config()
        .oidc_provider(provider)
        .map(|p| p.label(page.tr.0))
        .unwrap_or_default();
    let html = RefusedPage {
        password: state.config().password_sign_in,
        again,
        provider: provider.to_string(),
        page,
        title,
        text,
    }
    .render()?;
    Ok((status, axum::response::Html(html)).into_response())
}

#[derive(Deserialize)]
struct StartQuery {
    next: Option<String>,
    /// `1` when a signed-in person links the identity to their account.
    link: Option<String>,
}

async fn start(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    page: PageCtx,
    Path(name): Path<String>,
    Query(q): Query<StartQuery>,
) -> Result<Response, Error> {
    state.limiter().check(SIGN_INS, ip).await?;
    if providers(&state).get(&name).is_none() {
        return Err(Error::NotFound);
    }
    let link_user = match (q.link.as_deref(), &page.user) {
        (Some("1"), Some(user)) => Some(user.id.clone()),
        (Some("1"), None) => {
            return Ok(Redirect::to("/login?next=/account/identities").into_response());
        }
        _ => None,
    };
    let started = match providers(&state)
        .start(&name, &callback_url(&state, &name))
        .await
    {
        Ok(started) => started,
        Err(e) => return refusal(&state, page, &name, e).await,
    };
    let next = q
        .next
        .as_deref()
        .filter(|n| !n.is_empty())
        .map(|n| safe_next(Some(n)))
        .unwrap_or_default();
    let sign_in = SignIn {
        provider: name,
        nonce: started.nonce,
        pkce_verifier: started.pkce_verifier,
        next,
        link_user,
    };
    store::start(state.db(), &started.state, &sign_in).await?;
    let mut res = Redirect::to(&started.url).into_response();
    res.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(
            STATE_COOKIE,
            &started.state,
            600,
            state.config().secure_cookies,
        ),
    );
    Ok(res)
}

/// The page and audit line of a sign-in refused, or of a provider out of reach.
async fn refusal(
    state: &AppState,
    page: PageCtx,
    provider: &str,
    refusal: Refusal,
) -> Result<Response, Error> {
    match refusal {
        Refusal::Unreachable(detail) => {
            tracing::warn!(
                provider,
                detail,
                "an OpenID Connect provider could not be used"
            );
            let texts = ("auth.unreachable.title", "auth.unreachable.text");
            refused(state, page, StatusCode::BAD_GATEWAY, texts, provider)
        }
        Refusal::Refused(code, detail) => {
            tracing::warn!(
                provider,
                code,
                detail,
                "a sign-in through a provider was refused"
            );
            let mut w = state.db().write().await?;
            let what = format!("{code}: {detail}");
            w.audit(None, "account.sign_in_refused", "provider", provider, &what)
                .await?;
            w.commit().await?;
            let texts = ("auth.refused.title", "auth.refused.text");
            refused(state, page, StatusCode::BAD_REQUEST, texts, provider)
        }
    }
}

#[derive(Deserialize)]
struct CallbackQuery {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
}

async fn callback(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    page: PageCtx,
    headers: HeaderMap,
    Path(name): Path<String>,
    Query(q): Query<CallbackQuery>,
) -> Result<Response, Error> {
    state.limiter().check(SIGN_INS, ip).await?;
    if providers(&state).get(&name).is_none() {
        return Err(Error::NotFound);
    }
    // The sign-in must be this browser's own: its `state` is the one its cookie holds.
    let cookie = kernel::web::cookie(&headers, STATE_COOKIE).unwrap_or_default();
    let given = q.state.clone().unwrap_or_default();
    let sign_in = if given.is_empty() || given != cookie {
        None
    } else {
        store::take(state.db(), &given).await?
    };
    let Some(sign_in) = sign_in.filter(|s| s.provider == name) else {
        let e = Refusal::Refused("auth.state", "state missing, foreign or expired".into());
        return Ok(forget_state(refusal(&state, page, &name, e).await?, &state));
    };
    if let Some(error) = q.error.as_deref() {
        // The person declined, or the provider could not sign them in.
        tracing::info!(
            provider = name,
            error,
            "a provider sign-in did not go through"
        );
        let texts = ("auth.cancelled.title", "auth.cancelled.text");
        let res = refused(&state, page, StatusCode::OK, texts, &name)?;
        return Ok(forget_state(res, &state));
    }
    let code = q.code.unwrap_or_default();
    let home = format!("{}/", state.config().base_url);
    let found = providers(&state)
        .finish(
            &name,
            (&code, &callback_url(&state, &name), &home),
            (&sign_in.nonce, &sign_in.pkce_verifier),
        )
        .await;
    let identity = match found {
        Ok(identity) => identity,
        Err(e) => return Ok(forget_state(refusal(&state, page, &name, e).await?, &state)),
    };
    let res = signed_in(&state, (page, &headers), identity, sign_in).await?;
    Ok(forget_state(res, &state))
}

/// Clears the sign-in's cookie on the answer.
fn forget_state(mut res: Response, state: &AppState) -> Response {
    res.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(STATE_COOKIE, "", 0, state.config().secure_cookies),
    );
    res
}

/// What a checked identity leads to: the signed-in person's link; the sign-in of the account
/// holding it; a mail to the account its address names, to confirm the link; or a new account.
async fn signed_in(
    state: &AppState,
    (page, headers): (PageCtx, &HeaderMap),
    identity: Identity,
    sign_in: SignIn,
) -> Result<Response, Error> {
    let claims = serde_json::Value::Object(identity.claims.clone());
    let ids = (identity.provider.as_str(), identity.subject.as_str());
    let next = if sign_in.next.is_empty() {
        "/".to_string()
    } else {
        sign_in.next.clone()
    };
    let logout = identity.logout_url.as_deref();
    if let Some(user_id) = sign_in.link_user {
        let w = state.db().write().await?;
        if !linked(w, &user_id, ids, &claims).await? {
            return taken(state, page, &identity.provider);
        }
        return Ok(redirect_with_flash(
            "/account/identities",
            "flash.identity_linked",
        ));
    }
    if let Some(user_id) = identities::account_of(state.db(), ids.0, ids.1).await? {
        let mut w = state.db().write().await?;
        identities::link(&mut w, &user_id, ids, &claims).await?;
        w.commit().await?;
        return sign_in_at_provider(state, headers, &user_id, (&next, "flash.logged_in"), logout)
            .await;
    }
    let email = identity.email.as_deref().and_then(|e| Email::parse(e).ok());
    if let Some(email) = &email
        && let Some(owner) = kernel::accounts::store::user_by_email(state.db(), email).await?
    {
        // Never linked silently: the account's owner confirms by the link mailed to them.
        let pending = PendingLink {
            user_id: owner.id.clone(),
            provider: identity.provider.clone(),
            subject: identity.subject.clone(),
            claims,
        };
        let label = provider_title(state, &identity.provider);
        store::propose_link(state.db(), &pending, |token| {
            let link = format!("{}/auth/link/{token}", state.config().base_url);
            kernel::mail::Letter::texts(
                owner.email.as_str(),
                owner.lang,
                "mail.identity_link",
                &[("provider", &label), ("link", &link)],
                "",
            )
        })
        .await?;
        let texts = ("auth.check_mail.title", "auth.check_mail.text");
        return refused(state, page, StatusCode::OK, texts, "");
    }
    // A new account: confirmed with the address the provider verified, else without one.
    let name = DisplayName::parse(&identity.name)
        .or_else(|_| DisplayName::parse(kernel::i18n::tr(page.tr.0, "auth.default_name")))?;
    let verified = email.filter(|_| identity.email_verified);
    let mut w = state.db().write().await?;
    let user_id =
        identities::create_account(&mut w, ids, &name, verified.as_ref(), page.tr.0, &claims)
            .await?;
    w.commit().await?;
    sign_in_at_provider(
        state,
        headers,
        &user_id,
        (&next, "flash.account_created"),
        logout,
    )
    .await
}

/// Links an identity to an account and commits the write `w`; false (nothing committed) when
/// another account holds it.
async fn linked(
    mut w: kernel::db::Write,
    user_id: &str,
    ids: (&str, &str),
    claims: &serde_json::Value,
) -> Result<bool, Error> {
    match identities::link(&mut w, user_id, ids, claims).await {
        Ok(()) => {
            w.commit().await?;
            Ok(true)
        }
        Err(Error::Conflict(code)) => {
            tracing::info!(code, "an identity of another account was not linked");
            Ok(false)
        }
        Err(e) => Err(e),
    }
}

/// The page of an identity another account holds.
fn taken(state: &AppState, page: PageCtx, provider: &str) -> Result<Response, Error> {
    let texts = ("auth.taken.title", "auth.taken.text");
    refused(state, page, StatusCode::CONFLICT, texts, provider)
}

/// A provider's name as people know it, or its short name when it is no longer configured.
fn provider_title(state: &AppState, name: &str) -> String {
    state
        .config()
        .oidc_provider(name)
        .map_or_else(|| name.to_string(), |p| p.title().to_string())
}

#[derive(Template)]
#[template(path = "identity/link.html")]
struct LinkPage {
    page: PageCtx,
    token: String,
}

async fn link_form(page: PageCtx, Path(token): Path<String>) -> Result<Response, Error> {
    render(&LinkPage { page, token })
}

async fn link(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    page: PageCtx,
    headers: HeaderMap,
    Path(token): Path<String>,
) -> Result<Response, Error> {
    state.limiter().check(LINKS, ip).await?;
    let mut w = state.db().write().await?;
    let Some(pending) = store::take_link(&mut w, &token).await? else {
        drop(w);
        let texts = ("message.link.title", "message.link.text");
        return refused(&state, page, StatusCode::GONE, texts, "");
    };
    let ids = (pending.provider.as_str(), pending.subject.as_str());
    if !linked(w, &pending.user_id, ids, &pending.claims).await? {
        return taken(&state, page, &pending.provider);
    }
    // Following the mailed link proves the account's owner: they are signed in.
    kernel::accounts::web::sign_in(
        &state,
        &headers,
        &pending.user_id,
        ("/account/identities", "flash.identity_linked"),
    )
    .await
}

/// An identity as the account page lists it.
struct Listed {
    provider: String,
    label: String,
    subject: String,
    since: String,
}

#[derive(Template)]
#[template(path = "identity/identities.html")]
struct IdentitiesPage {
    page: PageCtx,
    listed: Vec<Listed>,
    /// The providers the account may still link: (name, button text).
    linkable: Vec<(String, String)>,
    /// Why a removal was refused, as a text key; empty when none was.
    error: &'static str,
}

async fn identities_page(
    State(state): State<AppState>,
    page: PageCtx,
    SignedIn(user): SignedIn,
) -> Result<Response, Error> {
    render(&identities_of(&state, page, &user, "").await?)
}

async fn identities_of(
    state: &AppState,
    page: PageCtx,
    user: &User,
    error: &'static str,
) -> Result<IdentitiesPage, Error> {
    let lang = page.tr.0;
    let held = identities::of_account(state.db(), &user.id).await?;
    let listed = held
        .iter()
        .map(|i| Listed {
            label: provider_title(state, &i.provider),
            provider: i.provider.clone(),
            subject: i.subject.clone(),
            since: page.tr.datetime(i.created_at),
        })
        .collect();
    let linkable = state
        .config()
        .oidc
        .iter()
        .filter(|p| !held.iter().any(|i| i.provider == p.name))
        .map(|p| (p.name.clone(), p.label(lang)))
        .collect();
    Ok(IdentitiesPage {
        page,
        listed,
        linkable,
        error,
    })
}

#[derive(Deserialize)]
struct RemoveForm {
    provider: String,
    subject: String,
}

async fn remove(
    State(state): State<AppState>,
    page: PageCtx,
    SignedIn(user): SignedIn,
    Form(f): Form<RemoveForm>,
) -> Result<Response, Error> {
    match identities::unlink(state.db(), &user.id, &f.provider, &f.subject).await {
        Ok(true) => Ok(redirect_with_flash(
            "/account/identities",
            "flash.identity_removed",
        )),
        Ok(false) => Err(Error::NotFound),
        Err(Error::Conflict("identity.last")) => {
            let p = identities_of(&state, page, &user, "identities.last").await?;
            let html = p.render()?;
            Ok((StatusCode::CONFLICT, axum::response::Html(html)).into_response())
        }
        Err(e) => Err(e),
    }
}
