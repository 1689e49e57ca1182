//! The second factor's pages: the code asked after the password (or the provider), and the
//! account page where a person sets up an authenticator app, sees their recovery codes once,
//! and turns it off.

use super::*;

/// The cookie of a sign-in waiting for its second factor.
pub(super) const PENDING_COOKIE: &str = "second_factor";

/// The cookie of a browser trusted for 30 days.
pub(super) const TRUSTED_COOKIE: &str = "trusted_browser";

/// Codes typed after a password: 30 per 5 minutes per client address (each waiting sign-in
/// takes five at most).
const CODES: crate::web::ratelimit::Limit = crate::web::ratelimit::Limit {
    action: "second_factor",
    max: 30,
    window: std::time::Duration::from_secs(300),
};

/// The time now, in seconds, as authenticator apps count it.
fn unix_secs() -> u64 {
    u64::try_from(crate::ids::now_ms() / 1000).unwrap_or_default()
}

#[derive(Template)]
#[template(path = "accounts/code.html")]
struct CodePage {
    page: PageCtx,
    errors: FieldErrors,
}

pub(super) async fn code_form(page: PageCtx, headers: HeaderMap) -> Result<Response, Error> {
    if crate::web::cookie(&headers, PENDING_COOKIE).is_none() {
        return Ok(axum::response::Redirect::to("/login").into_response());
    }
    render(&CodePage {
        page,
        errors: FieldErrors::new(),
    })
}

#[derive(Deserialize)]
pub(super) struct CodeForm {
    #[serde(default)]
    code: String,
    /// `yes` to trust this browser for 30 days.
    trust: Option<String>,
}

pub(super) async fn code(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    page: PageCtx,
    headers: HeaderMap,
    Form(form): Form<CodeForm>,
) -> Result<Response, Error> {
    state.limiter().check(CODES, ip).await?;
    let token = crate::web::cookie(&headers, PENDING_COOKIE).unwrap_or_default();
    let outcome = second_factor::check(state.db(), token, &form.code, unix_secs()).await?;
    let pending = match outcome {
        second_factor::Outcome::Accepted(pending) => pending,
        second_factor::Outcome::Wrong => {
            let errors = FieldError::new("code", "second_factor.wrong_code").into();
            return render_invalid(&CodePage { page, errors });
        }
        second_factor::Outcome::Gone => {
            return message(
                page,
                StatusCode::GONE,
                "second_factor.gone",
                "/login",
                "nav.login",
            );
        }
    };
    let at = (pending.next.as_str(), pending.flash.as_str());
    let logout = pending.provider_logout.as_deref();
    let mut res = open_session(&state, &pending.user_id, at, logout).await?;
    let secure = state.config().secure_cookies;
    let cookies = res.headers_mut();
    cookies.append(
        header::SET_COOKIE,
        set_cookie(PENDING_COOKIE, "", 0, secure),
    );
    if form.trust.as_deref() == Some("yes") {
        let trusted = second_factor::trust(state.db(), &pending.user_id).await?;
        let days = second_factor::TRUSTED_MS / 1000;
        cookies.append(
            header::SET_COOKIE,
            set_cookie(TRUSTED_COOKIE, &trusted, days, secure),
        );
    }
    Ok(res)
}

#[derive(Template)]
#[template(path = "accounts/security.html")]
struct SecurityPage {
    page: PageCtx,
    errors: FieldErrors,
    /// Whether the second factor is on.
    on: bool,
    /// The setup under way, if any.
    setup: Option<second_factor::Setup>,
    /// The recovery codes just made, shown once.
    codes: Vec<String>,
    /// How many recovery codes are left.
    left: i64,
}

/// The names an authenticator app shows for the account: the platform's host (without its
/// port) and the person's address or name (the link's format allows no colon in either).
fn app_label(state: &AppState, user: &crate::accounts::User) -> (String, String) {
    let host = state
        .config()
        .base_url
        .split("://")
        .nth(1)
        .and_then(|h| h.split([':', '/']).next())
        .filter(|h| !h.is_empty())
        .unwrap_or("Territoires")
        .to_string();
    let who = if user.email.is_empty() {
        &user.display_name
    } else {
        &user.email
    };
    (host, who.replace(':', " "))
}

async fn security_page(
    state: &AppState,
    page: PageCtx,
    user: &crate::accounts::User,
    errors: FieldErrors,
    codes: Vec<String>,
) -> Result<SecurityPage, Error> {
    let (issuer, label) = app_label(state, user);
    Ok(SecurityPage {
        on: second_factor::enabled(state.db(), &user.id).await?,
        setup: second_factor::setup_of(state.db(), &user.id, &issuer, &label).await?,
        left: second_factor::recovery_codes_left(state.db(), &user.id).await?,
        page,
        errors,
        codes,
    })
}

pub(super) async fn page(
    State(state): State<AppState>,
    page: PageCtx,
    SignedIn(user): SignedIn,
) -> Result<Response, Error> {
    render(&security_page(&state, page, &user, FieldErrors::new(), Vec::new()).await?)
}

pub(super) async fn start(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
) -> Result<Response, Error> {
    let (issuer, label) = app_label(&state, &user);
    second_factor::start_setup(state.db(), &user.id, &issuer, &label).await?;
    Ok(axum::response::Redirect::to("/account/security").into_response())
}

#[derive(Deserialize)]
pub(super) struct ConfirmForm {
    #[serde(default)]
    code: String,
}

pub(super) async fn confirm(
    State(state): State<AppState>,
    page: PageCtx,
    SignedIn(user): SignedIn,
    Form(form): Form<ConfirmForm>,
) -> Result<Response, Error> {
    match second_factor::confirm_setup(state.db(), &user.id, &form.code, unix_secs()).await {
        Ok(codes) => render(&security_page(&state, page, &user, FieldErrors::new(), codes).await?),
        Err(Error::Invalid(errors)) => {
            render_invalid(&security_page(&state, page, &user, errors, Vec::new()).await?)
        }
        Err(e) => Err(e),
    }
}

pub(super) async fn turn_off(
    State(state): State<AppState>,
    page: PageCtx,
    SignedIn(user): SignedIn,
    Form(form): Form<ConfirmForm>,
) -> Result<Response, Error> {
    // A code of the app (or a recovery code) is asked: a session alone does not turn it off.
    if !second_factor::verify(state.db(), &user.id, &form.code, unix_secs()).await? {
        let errors = FieldError::new("off_code", "second_factor.wrong_code").into();
        return render_invalid(&security_page(&state, page, &user, errors, Vec::new()).await?);
    }
    second_factor::turn_off(state.db(), &user.id, Some(&user.id)).await?;
    Ok(redirect_with_flash(
        "/account/security",
        "flash.second_factor_off",
    ))
}
