//! Account pages: registration, confirmation, login, logout, password reset, profile, API
//! tokens, data download and account deletion; and the first-run page.

use super::store::{self, Purpose};
use super::{DisplayName, Email, Password, hash_password_async, verify_password_async};
use crate::app::AppState;
use crate::error::{Error, FieldError, FieldErrors};
use crate::i18n::{Lang, trf};
use crate::web::ratelimit::{LOGIN, RESET_SUBMIT, mail_allowed, registrations, resets};
use crate::web::routes::Routes;
use crate::web::{
    ClientIp, Form, PageCtx, RequestCtx, SESSION_COOKIE, SignedIn, percent_encode,
    redirect_with_flash, render, render_invalid, safe_next, set_cookie,
};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;

mod forgotten;
use forgotten::*;
mod profile;
use profile::*;
mod security;
use super::second_factor;

/// The account routes.
pub fn routes() -> Routes {
    Routes::new()
        .route("/register", get(register_form).post(register))
        .route("/confirm/{token}", get(confirm))
        .route("/login", get(login_form).post(login))
        .route("/logout", post(logout))
        .route("/password/forgot", get(forgot_form).post(forgot))
        .route("/password/reset/{token}", get(reset_form).post(reset))
        .route("/account", get(account).post(update_account))
        .route("/account/tokens", post(create_token))
        .route("/account/tokens/revoke", post(revoke_token))
        .route("/account/data", get(download_data))
        .route("/account/delete", get(delete_form).post(delete))
        .route("/setup", get(setup_form).post(setup))
        .route("/login/code", get(security::code_form).post(security::code))
        .route("/account/security", get(security::page))
        .route("/account/security/totp", post(security::start))
        .route("/account/security/totp/confirm", post(security::confirm))
        .route("/account/security/totp/off", post(security::turn_off))
}

#[derive(Template)]
#[template(path = "message.html")]
struct Message {
    page: PageCtx,
    title: &'static str,
    text: &'static str,
    link: String,
    link_label: &'static str,
}

/// A page with a title, a sentence and an optional link.
pub fn message(
    page: PageCtx,
    status: StatusCode,
    key: &'static str,
    link: &str,
    link_label: &'static str,
) -> Result<Response, Error> {
    let title = match key {
        "register.check_mail" => "message.register.title",
        "forgot.sent" => "message.forgot.title",
        "confirm.done" => "message.confirm.title",
        "link.invalid" => "message.link.title",
        "second_factor.gone" => "message.second_factor.title",
        _ => "message.default.title",
    };
    let text = match key {
        "register.check_mail" => "message.register.text",
        "forgot.sent" => "message.forgot.text",
        "confirm.done" => "message.confirm.text",
        "link.invalid" => "message.link.text",
        "second_factor.gone" => "message.second_factor.text",
        _ => "message.default.text",
    };
    let html = Message {
        page,
        title,
        text,
        link: link.to_string(),
        link_label,
    }
    .render()?;
    Ok((status, axum::response::Html(html)).into_response())
}

/// An account mail, `key`, leading to `link` on the platform. It is queued with the link it
/// carries, or on its own when it carries none: the answer waits for the queue only, never for
/// the mail server, so that it takes no longer when the address is known (registration queues a
/// mail either way).
fn letter(state: &AppState, lang: Lang, to: &str, key: &str, link: &str) -> crate::mail::Letter {
    let base = &state.config().base_url;
    let subject = crate::i18n::tr(lang, &format!("mail.{key}.subject"));
    let body = trf(
        lang,
        &format!("mail.{key}.body"),
        &[("link", &format!("{base}{link}"))],
    );
    crate::mail::Letter::new(to, subject, &body)
}

#[derive(Template)]
#[template(path = "accounts/register.html")]
struct RegisterPage {
    page: PageCtx,
    errors: FieldErrors,
    display_name: String,
    email: String,
    /// Whether the terms of use were accepted on the form sent back.
    terms: bool,
    /// The page the person was going to, empty when none.
    next: String,
}

#[derive(Deserialize, Default)]
struct RegisterForm {
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    /// The terms of use and the privacy notice accepted (a checked box sends `yes`).
    terms: Option<String>,
    next: Option<String>,
}

impl RegisterForm {
    /// Parses every field, collecting all errors; `with_terms`: whether the terms of use must
    /// be accepted (by a person registering, not by the instance's first administrator, who
    /// writes them).
    fn parse(&self, with_terms: bool) -> Result<(DisplayName, Email, Password), FieldErrors> {
        let mut errors = FieldErrors::new();
        let name = errors.take(DisplayName::parse(&self.display_name));
        let email = errors.take(Email::parse(&self.email));
        let password = errors.take(Password::parse(&self.password));
        if with_terms && self.terms.as_deref() != Some("yes") {
            errors.push(FieldError::new("terms", "register.terms_required"));
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        match (name, email, password) {
            (Some(n), Some(e), Some(p)) => Ok((n, e, p)),
            _ => Err(errors),
        }
    }
}

impl RegisterPage {
    /// The page the person was going to, for an address's query.
    fn next_query(&self) -> String {
        percent_encode(&self.next)
    }
}

impl LoginPage {
    /// The page the person was going to, for an address's query.
    fn next_query(&self) -> String {
        percent_encode(&self.next)
    }
}

/// Refused (404) when the instance turned password sign-in off: its forms are not served.
fn password_open(state: &AppState) -> Result<(), Error> {
    if state.config().password_sign_in {
        Ok(())
    } else {
        Err(Error::NotFound)
    }
}

/// The sign-in buttons of the instance's providers in `lang`: (address, text), each address
/// carrying the page asked for.
fn provider_buttons(state: &AppState, lang: Lang, next: &str) -> Vec<(String, String)> {
    state
        .config()
        .oidc
        .iter()
        .map(|p| {
            let href = if next.is_empty() {
                format!("/auth/{}", p.name)
            } else {
                format!("/auth/{}?next={}", p.name, percent_encode(next))
            };
            (href, p.label(lang))
        })
        .collect()
}

async fn register_form(
    State(state): State<AppState>,
    page: PageCtx,
    Query(q): Query<NextQuery>,
) -> Result<Response, Error> {
    if !state.config().password_sign_in {
        return Ok(axum::response::Redirect::to("/login").into_response());
    }
    render(&RegisterPage {
        page,
        errors: FieldErrors::new(),
        display_name: String::new(),
        email: String::new(),
        terms: false,
        next: asked_next(q.next.as_deref()).unwrap_or_default(),
    })
}

async fn register(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    ctx: RequestCtx,
    Form(form): Form<RegisterForm>,
) -> Result<Response, Error> {
    password_open(&state)?;
    state
        .limiter()
        .check(registrations(state.config()), ip)
        .await?;
    let lang = ctx.lang;
    let next = asked_next(form.next.as_deref());
    let (name, email, password) = match form.parse(true) {
        Ok(parsed) => parsed,
        Err(errors) => {
            let page = RegisterPage {
                page: ctx.into(),
                errors,
                terms: form.terms.as_deref() == Some("yes"),
                display_name: form.display_name,
                email: form.email,
                next: next.unwrap_or_default(),
            };
            return render_invalid(&page);
        }
    };
    let hash = hash_password_async(&password).await?;
    match store::create_user(state.db(), &email, &hash, &name, lang).await {
        Ok(user_id) => {
            if anonymous_mail_allowed(&state, email.as_str()).await? {
                // The confirmation leads on to the page the person was going to.
                let link = |token: &str| match &next {
                    Some(next) => format!("/confirm/{token}?next={}", percent_encode(next)),
                    None => format!("/confirm/{token}"),
                };
                store::create_link_token(state.db(), &user_id, Purpose::Confirm, |token| {
                    letter(&state, lang, email.as_str(), "confirm", &link(token))
                })
                .await?;
            }
        }
        // The same answer whether the address is known or not; the owner is told by mail.
        Err(Error::Invalid(e)) if e.on("email") == Some("email.taken") => {
            if anonymous_mail_allowed(&state, email.as_str()).await? {
                let already = letter(&state, lang, email.as_str(), "already", "/password/forgot");
                state.mailer().queue(&already).await?;
            }
        }
        Err(e) => return Err(e),
    }
    message(
        ctx_page(lang),
        StatusCode::OK,
        "register.check_mail",
        "",
        "",
    )
}

fn ctx_page(lang: Lang) -> PageCtx {
    PageCtx {
        tr: crate::i18n::Tr(lang),
        user: None,
        csrf: String::new(),
        flash: None,
        path: "/".into(),
        keeper: Default::default(),
        geocoding: false,
    }
}

async fn confirm(
    State(state): State<AppState>,
    page: PageCtx,
    Path(token): Path<String>,
    Query(q): Query<NextQuery>,
) -> Result<Response, Error> {
    let login = match asked_next(q.next.as_deref()) {
        Some(next) => format!("/login?next={}", percent_encode(&next)),
        None => "/login".into(),
    };
    match store::confirm_email(state.db(), &token).await {
        Ok(_) => message(page, StatusCode::OK, "confirm.done", &login, "nav.login"),
        Err(Error::Gone(_)) => message(page, StatusCode::GONE, "link.invalid", "/", "error.home"),
        Err(e) => Err(e),
    }
}

#[derive(Template)]
#[template(path = "accounts/login.html")]
struct LoginPage {
    page: PageCtx,
    errors: FieldErrors,
    email: String,
    /// The page asked for, empty when none was (the reader then lands where their roles say).
    next: String,
    /// The providers' sign-in buttons: (address, text).
    providers: Vec<(String, String)>,
    /// Whether the password form is offered.
    password: bool,
}

/// The page a sign-in asked for, checked; `None` when none was asked.
fn asked_next(next: Option<&str>) -> Option<String> {
    next.filter(|n| !n.is_empty()).map(|n| safe_next(Some(n)))
}

#[derive(Deserialize)]
struct NextQuery {
    next: Option<String>,
}

async fn login_form(
    State(state): State<AppState>,
    page: PageCtx,
    Query(q): Query<NextQuery>,
) -> Result<Response, Error> {
    let next = asked_next(q.next.as_deref()).unwrap_or_default();
    render(&LoginPage {
        providers: provider_buttons(&state, page.tr.0, &next),
        password: state.config().password_sign_in,
        page,
        errors: FieldErrors::new(),
        email: String::new(),
        next,
    })
}

#[derive(Deserialize)]
struct LoginForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    next: Option<String>,
}

/// Opens a session and redirects, setting the session cookie; or, for an account with a second
/// factor in a browser it does not trust, asks for its code first (`/login/code`). `headers`
/// are the request's (its trusted-browser cookie).
pub async fn sign_in(
    state: &AppState,
    headers: &HeaderMap,
    user_id: &str,
    (to, flash): (&str, &str),
) -> Result<Response, Error> {
    sign_in_at_provider(state, headers, user_id, (to, flash), None).await
}

/// As [`sign_in`], for a person who came through a provider: signing out later leads to
/// `provider_logout` (the provider's own sign-out page), when given.
pub async fn sign_in_at_provider(
    state: &AppState,
    headers: &HeaderMap,
    user_id: &str,
    (to, flash): (&str, &str),
    provider_logout: Option<&str>,
) -> Result<Response, Error> {
    let on = second_factor::enabled(state.db(), user_id).await?;
    // An account that must have a second factor and has none sets one up before its session.
    if on || second_factor::required(state.db(), user_id).await? {
        let trusted = match crate::web::cookie(headers, security::TRUSTED_COOKIE) {
            Some(token) if on => second_factor::trusted(state.db(), user_id, token).await?,
            _ => false,
        };
        if !trusted {
            let pending = second_factor::Pending {
                user_id: user_id.to_string(),
                next: to.to_string(),
                flash: flash.to_string(),
                provider_logout: provider_logout.map(str::to_string),
            };
            let token = second_factor::wait(state.db(), &pending).await?;
            let mut res = axum::response::Redirect::to("/login/code").into_response();
            let secure = state.config().secure_cookies;
            res.headers_mut().append(
                header::SET_COOKIE,
                set_cookie(security::PENDING_COOKIE, &token, 300, secure),
            );
            return Ok(res);
        }
    }
    open_session(state, user_id, (to, flash), provider_logout).await
}

/// Opens a session and redirects with its cookie.
async fn open_session(
    state: &AppState,
    user_id: &str,
    (to, flash): (&str, &str),
    provider_logout: Option<&str>,
) -> Result<Response, Error> {
    let res = redirect_with_flash(to, flash);
    with_session(state, user_id, provider_logout, res).await
}

/// Opens a session and sets its cookie on the answer `res`.
async fn with_session(
    state: &AppState,
    user_id: &str,
    provider_logout: Option<&str>,
    mut res: Response,
) -> Result<Response, Error> {
    let token = store::create_session_at_provider(state.db(), user_id, provider_logout).await?;
    res.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(
            SESSION_COOKIE,
            &token,
            store::SESSION_MAX_DAYS * 86_400,
            state.config().secure_cookies,
        ),
    );
    Ok(res)
}

/// Whether a mail that a request without a confirmed account causes may go to `to` (see
/// [`mail_allowed`]); the answer to the request is the same either way.
async fn anonymous_mail_allowed(state: &AppState, to: &str) -> Result<bool, Error> {
    let allowed = mail_allowed(state.db(), state.config(), to).await?;
    if !allowed {
        tracing::warn!("mail not sent: its address had its mails of the hour");
    }
    Ok(allowed)
}

async fn login(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    ctx: RequestCtx,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Result<Response, Error> {
    password_open(&state)?;
    state.limiter().check(LOGIN, ip).await?;
    let next = asked_next(form.next.as_deref());
    let creds = match Email::parse(&form.email) {
        Ok(email) => store::credentials(state.db(), &email).await?,
        Err(_) => None,
    };
    let hash = creds.as_ref().and_then(|c| c.password_hash.as_deref());
    let ok = verify_password_async(&form.password, hash).await?;
    let error = match creds {
        Some(c) if ok && c.confirmed => {
            // Without a page asked for, staff land on their workplace, others on the home page.
            let to = match next {
                Some(next) => next,
                None => store::user_by_id(state.db(), &c.user_id)
                    .await?
                    .map_or("/", |u| crate::workplace::landing(&u))
                    .to_string(),
            };
            return sign_in(&state, &headers, &c.user_id, (&to, "flash.logged_in")).await;
        }
        // The right password on an unconfirmed address: a new link, and no session until it
        // is followed (whoever registered an address that is not theirs gets nothing).
        Some(c) if ok => {
            if anonymous_mail_allowed(&state, form.email.trim()).await? {
                store::create_link_token(state.db(), &c.user_id, Purpose::Confirm, |token| {
                    let link = format!("/confirm/{token}");
                    letter(&state, c.lang, form.email.trim(), "confirm", &link)
                })
                .await?;
            }
            "login.unconfirmed"
        }
        _ => "login.invalid",
    };
    let next = next.unwrap_or_default();
    let page = LoginPage {
        providers: provider_buttons(&state, ctx.lang, &next),
        password: true,
        page: ctx.into(),
        errors: FieldError::new("email", error).into(),
        email: form.email,
        next,
    };
    render_invalid(&page)
}

async fn logout(
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
) -> Result<Response, Error> {
    let mut provider_logout = None;
    if let Some(token) =
        crate::web::secret_cookie(&headers, SESSION_COOKIE, state.config().secure_cookies)
    {
        provider_logout = store::delete_session(state.db(), token).await?;
    }
    // Who came through a provider signs out there too, and comes back to the home page.
    let mut res = match provider_logout {
        Some(url) => axum::response::Redirect::to(&url).into_response(),
        None => redirect_with_flash("/", "flash.logged_out"),
    };
    res.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(SESSION_COOKIE, "", 0, state.config().secure_cookies),
    );
    Ok(res)
}

#[derive(Template)]
#[template(path = "accounts/setup.html")]
struct SetupPage {
    page: PageCtx,
    errors: FieldErrors,
    display_name: String,
    email: String,
}

async fn setup_form(State(state): State<AppState>, page: PageCtx) -> Result<Response, Error> {
    if store::admin_count(state.db()).await? > 0 {
        return Err(Error::NotFound);
    }
    render(&SetupPage {
        page,
        errors: FieldErrors::new(),
        display_name: String::new(),
        email: String::new(),
    })
}

/// Creates a confirmed account holding the instance administrator role.
pub async fn create_admin(
    state_db: &crate::db::Db,
    email: &Email,
    name: &DisplayName,
    password: &Password,
) -> Result<String, Error> {
    let hash = hash_password_async(password).await?;
    store::create_first_admin(state_db, email, &hash, name).await
}

async fn setup(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Form(form): Form<RegisterForm>,
) -> Result<Response, Error> {
    if store::admin_count(state.db()).await? > 0 {
        return Err(Error::NotFound);
    }
    let (name, email, password) = match form.parse(false) {
        Ok(parsed) => parsed,
        Err(errors) => {
            let page = SetupPage {
                page: ctx.into(),
                errors,
                display_name: form.display_name,
                email: form.email,
            };
            return render_invalid(&page);
        }
    };
    match create_admin(state.db(), &email, &name, &password).await {
        // The first administrator starts where spaces are created (their workplace is empty).
        Ok(id) => open_session(&state, &id, ("/admin", "flash.setup_done"), None).await,
        Err(Error::Invalid(errors)) => {
            let page = SetupPage {
                page: ctx.into(),
                errors,
                display_name: form.display_name,
                email: form.email,
            };
            render_invalid(&page)
        }
        Err(e) => Err(e),
    }
}
