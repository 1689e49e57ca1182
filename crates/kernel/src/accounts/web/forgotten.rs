//! A forgotten password: the mail with a link valid an hour, and the new password.

use super::*;

#[derive(Template)]
#[template(path = "accounts/forgot.html")]
struct ForgotPage {
    page: PageCtx,
    errors: FieldErrors,
    email: String,
}

pub(super) async fn forgot_form(
    State(state): State<AppState>,
    page: PageCtx,
) -> Result<Response, Error> {
    password_open(&state)?;
    render(&ForgotPage {
        page,
        errors: FieldErrors::new(),
        email: String::new(),
    })
}

#[derive(Deserialize)]
pub(super) struct EmailForm {
    #[serde(default)]
    email: String,
}

pub(super) async fn forgot(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    ctx: RequestCtx,
    Form(form): Form<EmailForm>,
) -> Result<Response, Error> {
    password_open(&state)?;
    state.limiter().check(resets(state.config()), ip).await?;
    let email = match Email::parse(&form.email) {
        Ok(e) => e,
        Err(e) => {
            let page = ForgotPage {
                page: ctx.into(),
                errors: e.into(),
                email: form.email,
            };
            return render_invalid(&page);
        }
    };
    if let Some(user) = store::user_by_email(state.db(), &email).await?
        && anonymous_mail_allowed(&state, &user.email).await?
    {
        store::create_link_token(state.db(), &user.id, Purpose::Reset, |token| {
            let link = format!("/password/reset/{token}");
            letter(&state, user.lang, &user.email, "reset", &link)
        })
        .await?;
    }
    message(ctx.into(), StatusCode::OK, "forgot.sent", "", "")
}

#[derive(Template)]
#[template(path = "accounts/reset.html")]
struct ResetPage {
    page: PageCtx,
    errors: FieldErrors,
    token: String,
}

pub(super) async fn reset_form(
    State(state): State<AppState>,
    page: PageCtx,
    Path(token): Path<String>,
) -> Result<Response, Error> {
    if store::peek_link_token(state.db(), &token, Purpose::Reset)
        .await?
        .is_none()
    {
        return message(
            page,
            StatusCode::GONE,
            "link.invalid",
            "/password/forgot",
            "login.forgot",
        );
    }
    render(&ResetPage {
        page,
        errors: FieldErrors::new(),
        token,
    })
}

#[derive(Deserialize)]
pub(super) struct PasswordForm {
    #[serde(default)]
    pub(super) password: String,
}

pub(super) async fn reset(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    ctx: RequestCtx,
    Path(token): Path<String>,
    Form(form): Form<PasswordForm>,
) -> Result<Response, Error> {
    state.limiter().check(RESET_SUBMIT, ip).await?;
    if store::peek_link_token(state.db(), &token, Purpose::Reset)
        .await?
        .is_none()
    {
        return message(
            ctx.into(),
            StatusCode::GONE,
            "link.invalid",
            "/password/forgot",
            "login.forgot",
        );
    }
    let password = match Password::parse(&form.password) {
        Ok(p) => p,
        Err(e) => {
            let page = ResetPage {
                page: ctx.into(),
                errors: e.into(),
                token,
            };
            return render_invalid(&page);
        }
    };
    let hash = hash_password_async(&password).await?;
    match store::reset_password(state.db(), &token, &hash).await {
        Ok(_) => Ok(redirect_with_flash("/login", "flash.password_changed")),
        Err(Error::Gone(_)) => message(
            ctx.into(),
            StatusCode::GONE,
            "link.invalid",
            "/password/forgot",
            "login.forgot",
        ),
        Err(e) => Err(e),
    }
}
