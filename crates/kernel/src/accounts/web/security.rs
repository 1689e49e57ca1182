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
    /// The app being set up, for an account that must have a second factor and has none.
    setup: Option<second_factor::Setup>,
}

#[derive(Template)]
#[template(path = "accounts/recovery_codes.html")]
struct RecoveryCodesPage {
    page: PageCtx,
    codes: Vec<String>,
    /// Where the sign-in goes on.
    next: String,
}

/// The code page of the sign-in waiting under `token` (with `errors`, the code refused): the
/// app's setup for an account that has none yet (its secret made once, kept while the sign-in
/// waits); the start again page when it no longer waits.
async fn code_page(
    state: &AppState,
    page: PageCtx,
    token: &str,
    errors: FieldErrors,
) -> Result<Response, Error> {
    let Some(user_id) = second_factor::pending_user(state.db(), token).await? else {
        return gone(page);
    };
    let mut setup = None;
    if !second_factor::enabled(state.db(), &user_id).await? {
        let Some(user) = crate::accounts::store::user_by_id(state.db(), &user_id).await? else {
            return gone(page);
        };
        let (issuer, label) = app_label(state, &user);
        setup = match second_factor::setup_of(state.db(), &user_id, &issuer, &label).await? {
            Some(s) => Some(s),
            None => Some(second_factor::start_setup(state.db(), &user_id, &issuer, &label).await?),
        };
    }
    let wrong = !errors.is_empty();
    let p = CodePage {
        page,
        errors,
        setup,
    };
    if wrong {
        render_invalid(&p)
    } else {
        render(&p)
    }
}

pub(super) async fn code_form(
    State(state): State<AppState>,
    page: PageCtx,
    headers: HeaderMap,
) -> Result<Response, Error> {
    match crate::web::cookie(&headers, PENDING_COOKIE) {
        Some(token) => code_page(&state, page, token, FieldErrors::new()).await,
        None => Ok(axum::response::Redirect::to("/login").into_response()),
    }
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
    let (pending, codes) = match outcome {
        second_factor::Outcome::Accepted(pending, codes) => (pending, codes),
        second_factor::Outcome::Wrong => {
            let errors = FieldError::new("code", "second_factor.wrong_code").into();
            return code_page(&state, page, token, errors).await;
        }
        second_factor::Outcome::Gone => return gone(page),
    };
    let logout = pending.provider_logout.as_deref();
    let mut res = if codes.is_empty() {
        let at = (pending.next.as_str(), pending.flash.as_str());
        open_session(&state, &pending.user_id, at, logout).await?
    } else {
        // Set up while signing in: the recovery codes are shown once, then the sign-in goes on.
        let p = RecoveryCodesPage {
            page,
            codes,
            next: pending.next.clone(),
        };
        let shown = axum::response::Html(p.render()?).into_response();
        with_session(&state, &pending.user_id, logout, shown).await?
    };
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

/// The page of a sign-in that no longer waits: start again.
fn gone(page: PageCtx) -> Result<Response, Error> {
    message(
        page,
        StatusCode::GONE,
        "second_factor.gone",
        "/login",
        "nav.login",
    )
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

#[derive(Deserialize)]
pub(super) struct OffForm {
    #[serde(default)]
    off_code: String,
}

pub(super) async fn turn_off(
    State(state): State<AppState>,
    page: PageCtx,
    SignedIn(user): SignedIn,
    Form(form): Form<OffForm>,
) -> Result<Response, Error> {
    // Not while the role asks for it; and a code of the app (or a recovery code) is asked: a
    // session alone does not turn it off.
    let refused = if second_factor::required(state.db(), &user.id).await? {
        Some("second_factor.required")
    } else if !second_factor::verify(state.db(), &user.id, &form.off_code, unix_secs()).await? {
        Some("second_factor.wrong_code")
    } else {
        None
    };
    if let Some(code) = refused {
        let errors = FieldError::new("off_code", code).into();
        return render_invalid(&security_page(&state, page, &user, errors, Vec::new()).await?);
    }
    second_factor::turn_off(state.db(), &user.id, Some(&user.id)).await?;
    Ok(redirect_with_flash(
        "/account/security",
        "flash.second_factor_off",
    ))
}
