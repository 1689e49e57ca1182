//! One's account: the profile, the API tokens, the data download and the deletion.

use super::*;

#[derive(Template)]
#[template(path = "accounts/account.html")]
struct AccountPage {
    page: PageCtx,
    user: crate::accounts::User,
    errors: FieldErrors,
    display_name: String,
    lang: &'static str,
    new_token: Option<String>,
    tokens: Vec<store::ApiTokenInfo>,
    /// What the person did with each component (their contributions, their reports…).
    activity: Vec<crate::app::Section>,
}

impl AccountPage {
    async fn new(
        state: &AppState,
        page: PageCtx,
        user: crate::accounts::User,
    ) -> Result<Self, Error> {
        let activity = state
            .account_sections(crate::app::SectionOf {
                id: user.id.clone(),
                user: Some(user.clone()),
                lang: page.tr.0,
            })
            .await?;
        Ok(AccountPage {
            activity,
            page,
            display_name: user.display_name.clone(),
            lang: user.lang.code(),
            tokens: store::api_tokens(state.db(), &user.id).await?,
            user,
            errors: FieldErrors::new(),
            new_token: None,
        })
    }

    fn date(&self, ms: &i64) -> crate::i18n::TimeTag {
        self.page.tr.date_tag(ms)
    }
}

pub(super) async fn account(
    State(state): State<AppState>,
    page: PageCtx,
    SignedIn(user): SignedIn,
) -> Result<Response, Error> {
    render(&AccountPage::new(&state, page, user).await?)
}

#[derive(Deserialize)]
pub(super) struct ProfileForm {
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    lang: String,
}

pub(super) async fn update_account(
    State(state): State<AppState>,
    page: PageCtx,
    SignedIn(user): SignedIn,
    Form(form): Form<ProfileForm>,
) -> Result<Response, Error> {
    let lang = Lang::parse(&form.lang).unwrap_or(user.lang);
    match DisplayName::parse(&form.display_name) {
        Ok(name) => {
            store::update_profile(state.db(), &user.id, &name, lang).await?;
            let mut res = redirect_with_flash("/account", "flash.saved");
            res.headers_mut().append(
                header::SET_COOKIE,
                set_cookie(
                    crate::web::LANG_COOKIE,
                    lang.code(),
                    86_400 * 365,
                    state.config().secure_cookies,
                ),
            );
            Ok(res)
        }
        Err(e) => {
            let mut p = AccountPage::new(&state, page, user).await?;
            p.errors = e.into();
            p.display_name = form.display_name;
            render_invalid(&p)
        }
    }
}

#[derive(Deserialize)]
pub(super) struct TokenForm {
    #[serde(default)]
    token_name: String,
}

pub(super) async fn create_token(
    State(state): State<AppState>,
    page: PageCtx,
    SignedIn(user): SignedIn,
    Form(form): Form<TokenForm>,
) -> Result<Response, Error> {
    let name = form.token_name.trim();
    let mut p = AccountPage::new(&state, page, user).await?;
    if name.is_empty() || name.chars().count() > 80 || name.chars().any(char::is_control) {
        p.errors = FieldError::new("token_name", "token_name.format").into();
        return render_invalid(&p);
    }
    p.new_token = Some(store::create_api_token(state.db(), &p.user.id, name).await?);
    p.tokens = store::api_tokens(state.db(), &p.user.id).await?;
    render(&p)
}

#[derive(Deserialize)]
pub(super) struct RevokeForm {
    #[serde(default)]
    id: String,
}

pub(super) async fn revoke_token(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
    Form(form): Form<RevokeForm>,
) -> Result<Response, Error> {
    if !store::revoke_api_token(state.db(), &user.id, &form.id).await? {
        return Err(Error::NotFound);
    }
    Ok(redirect_with_flash("/account", "flash.token_revoked"))
}

pub(super) async fn download_data(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
) -> Result<Response, Error> {
    let data = store::export_data(state.db(), &user.id).await?;
    let body = serde_json::to_string_pretty(&data).map_err(Error::internal)?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/json; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"territoires-mes-donnees.json\"",
            ),
        ],
        body,
    )
        .into_response())
}

#[derive(Template)]
#[template(path = "accounts/delete.html")]
struct DeletePage {
    page: PageCtx,
    errors: FieldErrors,
    /// Whether the account has a password, which the form then asks for.
    password: bool,
}

pub(super) async fn delete_form(
    State(state): State<AppState>,
    page: PageCtx,
    SignedIn(user): SignedIn,
) -> Result<Response, Error> {
    render(&DeletePage {
        password: store::password_hash_of(state.db(), &user.id)
            .await?
            .is_some(),
        page,
        errors: FieldErrors::new(),
    })
}

pub(super) async fn delete(
    State(state): State<AppState>,
    page: PageCtx,
    SignedIn(user): SignedIn,
    Form(form): Form<PasswordForm>,
) -> Result<Response, Error> {
    // An account that signs in only through providers has no password to give: its session
    // (and the form's CSRF token) stand for it.
    let hash = store::password_hash_of(state.db(), &user.id).await?;
    let password = hash.is_some();
    let ok = match hash {
        Some(hash) => verify_password_async(&form.password, Some(&hash)).await?,
        None => true,
    };
    if !ok {
        let p = DeletePage {
            page,
            errors: FieldError::new("password", "password.wrong").into(),
            password,
        };
        return render_invalid(&p);
    }
    if user.is_admin() && store::admin_count(state.db()).await? <= 1 {
        let p = DeletePage {
            page,
            errors: FieldError::new("password", "account.last_admin").into(),
            password,
        };
        return render_invalid(&p);
    }
    store::delete_account(state.db(), &user.id).await?;
    let mut res = redirect_with_flash("/", "flash.account_deleted");
    res.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(SESSION_COOKIE, "", 0, state.config().secure_cookies),
    );
    Ok(res)
}
