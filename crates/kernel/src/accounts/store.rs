//! Accounts: SQL. One text per query for both engines.

use super::model::{DisplayName, Email, Grant, Role, User};
use crate::db::Db;
use crate::error::{Error, FieldError, is_unique_violation};
use crate::i18n::Lang;
use crate::ids::{hash_secret, new_id, new_token, now_ms};
use sqlx::Row;
use sqlx::any::AnyRow;

/// How long a session lasts without being used.
pub const SESSION_IDLE_DAYS: i64 = 14;
/// How long a session lasts at most, however often it is used.
pub const SESSION_MAX_DAYS: i64 = 90;
const DAY_MS: i64 = 86_400_000;
const HOUR_MS: i64 = 3_600_000;

/// What a one-time link sent by mail is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// Confirming the email address (valid 48 hours).
    Confirm,
    /// Choosing a new password (valid one hour; a newer link, or the use of one, ends the
    /// others).
    Reset,
}

impl Purpose {
    fn as_str(self) -> &'static str {
        match self {
            Purpose::Confirm => "confirm",
            Purpose::Reset => "reset",
        }
    }
    fn ttl_ms(self) -> i64 {
        match self {
            Purpose::Confirm => 2 * DAY_MS,
            Purpose::Reset => HOUR_MS,
        }
    }
}

async fn insert_user(
    conn: &mut sqlx::AnyConnection,
    email: &Email,
    password_hash: &str,
    name: &DisplayName,
    lang: Lang,
    confirmed_at: Option<i64>,
) -> Result<String, Error> {
    let id = new_id();
    let res = sqlx::query(
        "INSERT INTO users (id, email, password_hash, display_name, lang, confirmed_at, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(&id)
    .bind(email.as_str().to_lowercase())
    .bind(password_hash)
    .bind(name.as_str())
    .bind(lang.code())
    .bind(confirmed_at)
    .bind(now_ms())
    .execute(conn)
    .await;
    match res {
        Ok(_) => Ok(id),
        Err(e) if is_unique_violation(&e, "users", "email") => {
            Err(FieldError::new("email", "email.taken").into())
        }
        Err(e) => Err(e.into()),
    }
}

/// Creates an unconfirmed account. A taken address is a field error.
pub async fn create_user(
    db: &Db,
    email: &Email,
    password_hash: &str,
    name: &DisplayName,
    lang: Lang,
) -> Result<String, Error> {
    let mut conn = db.pool().acquire().await?;
    insert_user(&mut conn, email, password_hash, name, lang, None).await
}

/// Creates the first administrator of a fresh instance, once: of two attempts at the same time,
/// the second finds the instance set up (`Error::NotFound`) and creates nothing.
pub async fn create_first_admin(
    db: &Db,
    email: &Email,
    password_hash: &str,
    name: &DisplayName,
) -> Result<String, Error> {
    let mut tx = db.begin().await?;
    let claimed =
        sqlx::query("INSERT INTO instance_setup (id, at) VALUES (1, $1) ON CONFLICT DO NOTHING")
            .bind(now_ms())
            .execute(&mut *tx)
            .await?
            .rows_affected();
    if claimed == 0 {
        return Err(Error::NotFound);
    }
    let id = insert_admin(&mut tx, email, password_hash, name).await?;
    tx.commit().await?;
    Ok(id)
}

/// Creates a confirmed account holding the instance administrator role, in one transaction.
pub async fn create_admin_user(
    db: &Db,
    email: &Email,
    password_hash: &str,
    name: &DisplayName,
) -> Result<String, Error> {
    let mut tx = db.begin().await?;
    let id = insert_admin(&mut tx, email, password_hash, name).await?;
    tx.commit().await?;
    Ok(id)
}

async fn insert_admin(
    conn: &mut sqlx::AnyConnection,
    email: &Email,
    password_hash: &str,
    name: &DisplayName,
) -> Result<String, Error> {
    let id = insert_user(conn, email, password_hash, name, Lang::Fr, Some(now_ms())).await?;
    sqlx::query(
        "INSERT INTO roles (user_id, role, space_id, granted_at) VALUES ($1, 'admin', '', $2)",
    )
    .bind(&id)
    .bind(now_ms())
    .execute(&mut *conn)
    .await?;
    crate::audit::log(conn, None, "role.grant", "user", &id, "admin").await?;
    Ok(id)
}

/// What a login checks of an account.
#[derive(Debug, Clone)]
pub struct Credentials {
    /// User id.
    pub user_id: String,
    /// Argon2id hash of the password; none for an account that signs in only through
    /// providers.
    pub password_hash: Option<String>,
    /// Whether the address was confirmed.
    pub confirmed: bool,
    /// Preferred language.
    pub lang: Lang,
}

/// The password hash of an account, if it has a password.
pub async fn password_hash_of(db: &Db, user_id: &str) -> Result<Option<String>, Error> {
    let hash: Option<Option<String>> =
        sqlx::query_scalar("SELECT password_hash FROM users WHERE id = $1")
            .bind(user_id)
            .fetch_optional(db.pool())
            .await?;
    Ok(hash.flatten().filter(|h| !h.is_empty()))
}

/// The credentials of the account with this address, if any.
pub async fn credentials(db: &Db, email: &Email) -> Result<Option<Credentials>, Error> {
    let row = sqlx::query(
        "SELECT id, password_hash, confirmed_at, lang FROM users WHERE email = $1 AND deleted_at IS NULL",
    )
    .bind(email.as_str().to_lowercase())
    .fetch_optional(db.pool())
    .await?;
    match row {
        Some(r) => Ok(Some(Credentials {
            user_id: r.try_get("id")?,
            password_hash: r.try_get("password_hash")?,
            confirmed: r.try_get::<Option<i64>, _>("confirmed_at")?.is_some(),
            lang: Lang::parse(&r.try_get::<String, _>("lang")?).unwrap_or_default(),
        })),
        None => Ok(None),
    }
}

fn user_from_row(r: &AnyRow) -> Result<User, sqlx::Error> {
    Ok(User {
        id: r.try_get("id")?,
        // An account opened through a provider that gave no verified address has none.
        email: r.try_get::<Option<String>, _>("email")?.unwrap_or_default(),
        display_name: r.try_get("display_name")?,
        lang: Lang::parse(&r.try_get::<String, _>("lang")?).unwrap_or_default(),
        confirmed: r.try_get::<Option<i64>, _>("confirmed_at")?.is_some(),
        grants: Vec::new(),
    })
}

async fn with_grants(db: &Db, mut user: User) -> Result<User, Error> {
    let query = sqlx::query("SELECT role, space_id FROM roles WHERE user_id = $1").bind(&user.id);
    let grants = db.fetch_all_with(query, grant_from_row).await?;
    user.grants = grants.into_iter().flatten().collect();
    Ok(user)
}

/// A grant, or `None` when the role is not one this version knows.
fn grant_from_row(r: &AnyRow) -> Result<Option<Grant>, sqlx::Error> {
    let space: String = r.try_get("space_id")?;
    let role = r.try_get::<String, _>("role")?;
    Ok(Role::parse(&role).map(|role| Grant {
        role,
        space_id: (!space.is_empty()).then_some(space),
    }))
}

/// The user with this id, with their roles.
pub async fn user_by_id(db: &Db, id: &str) -> Result<Option<User>, Error> {
    let row = sqlx::query(
        "SELECT id, email, display_name, lang, confirmed_at FROM users WHERE id = $1 AND deleted_at IS NULL",
    )
    .bind(id)
    .fetch_optional(db.pool())
    .await?;
    match row {
        Some(r) => Ok(Some(with_grants(db, user_from_row(&r)?).await?)),
        None => Ok(None),
    }
}

/// The user with this address, with their roles.
pub async fn user_by_email(db: &Db, email: &Email) -> Result<Option<User>, Error> {
    match credentials(db, email).await? {
        Some(c) => user_by_id(db, &c.user_id).await,
        None => Ok(None),
    }
}

/// Opens a session; returns the token for the cookie (only its hash is stored).
pub async fn create_session(db: &Db, user_id: &str) -> Result<String, Error> {
    create_session_at_provider(db, user_id, None).await
}

/// Opens a session, through a provider whose sign-out page is `provider_logout` when one is
/// given (signing out of the platform then leads there); returns the token for the cookie.
pub async fn create_session_at_provider(
    db: &Db,
    user_id: &str,
    provider_logout: Option<&str>,
) -> Result<String, Error> {
    let token = new_token();
    let now = now_ms();
    sqlx::query(
        "INSERT INTO sessions (token_hash, user_id, created_at, expires_at, provider_logout) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(hash_secret(&token))
    .bind(user_id)
    .bind(now)
    .bind(now + SESSION_IDLE_DAYS * DAY_MS)
    .bind(provider_logout)
    .execute(db.pool())
    .await?;
    Ok(token)
}

/// The user of a live session: used within [`SESSION_IDLE_DAYS`], opened less than
/// [`SESSION_MAX_DAYS`] ago. Using it pushes its idle end back (written at most once an hour).
pub async fn user_by_session(db: &Db, token: &str) -> Result<Option<User>, Error> {
    user_by_session_at(db, token, now_ms()).await
}

/// [`user_by_session`] as at `now` (ms).
pub async fn user_by_session_at(db: &Db, token: &str, now: i64) -> Result<Option<User>, Error> {
    let hash = hash_secret(token);
    let row = sqlx::query(
        "SELECT u.id, u.email, u.display_name, u.lang, u.confirmed_at, s.expires_at FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = $1 AND s.expires_at > $2 AND s.created_at > $3 AND u.deleted_at IS NULL",
    )
    .bind(&hash)
    .bind(now)
    .bind(now - SESSION_MAX_DAYS * DAY_MS)
    .fetch_optional(db.pool())
    .await?;
    let Some(r) = row else {
        return Ok(None);
    };
    let idle_end = now + SESSION_IDLE_DAYS * DAY_MS;
    if r.try_get::<i64, _>("expires_at")? < idle_end - HOUR_MS {
        sqlx::query("UPDATE sessions SET expires_at = $1 WHERE token_hash = $2")
            .bind(idle_end)
            .bind(&hash)
            .execute(db.pool())
            .await?;
    }
    Ok(Some(with_grants(db, user_from_row(&r)?).await?))
}

/// Removes what has expired: sessions past their idle or greatest age, link tokens past their
/// end or used. Returns how many rows went.
pub async fn purge_expired(db: &Db, now: i64) -> Result<u64, Error> {
    let mut conn = db.pool().acquire().await?;
    purge_expired_in(&mut conn, now).await
}

/// [`purge_expired`], on a connection (the daily clean-up's write).
pub async fn purge_expired_in(conn: &mut sqlx::AnyConnection, now: i64) -> Result<u64, Error> {
    let mut gone = sqlx::query("DELETE FROM sessions WHERE expires_at <= $1 OR created_at <= $2")
        .bind(now)
        .bind(now - SESSION_MAX_DAYS * DAY_MS)
        .execute(&mut *conn)
        .await?
        .rows_affected();
    gone += sqlx::query("DELETE FROM user_tokens WHERE expires_at <= $1 OR used_at IS NOT NULL")
        .bind(now)
        .execute(&mut *conn)
        .await?
        .rows_affected();
    for sql in [
        "DELETE FROM trusted_browsers WHERE expires_at <= $1",
        "DELETE FROM second_factor_pending WHERE expires_at <= $1",
    ] {
        gone += sqlx::query(sql)
            .bind(now)
            .execute(&mut *conn)
            .await?
            .rows_affected();
    }
    Ok(gone)
}

/// Ends a session; returns where to sign out at the provider it was opened through, if any.
pub async fn delete_session(db: &Db, token: &str) -> Result<Option<String>, Error> {
    let logout: Option<Option<String>> =
        sqlx::query_scalar("DELETE FROM sessions WHERE token_hash = $1 RETURNING provider_logout")
            .bind(hash_secret(token))
            .fetch_optional(db.pool())
            .await?;
    Ok(logout.flatten())
}

/// Makes a one-time link token for a user and queues, in the same write, the mail that
/// `letter` makes of it (so the link is kept or lost with its mail). A new reset link ends every
/// other one of the account, so that only the last link mailed works. Returns the token.
pub async fn create_link_token(
    db: &Db,
    user_id: &str,
    purpose: Purpose,
    letter: impl FnOnce(&str) -> crate::mail::Letter,
) -> Result<String, Error> {
    let token = new_token();
    let mut tx = db.write().await?;
    if purpose == Purpose::Reset {
        end_reset_links(&mut tx, user_id).await?;
    }
    sqlx::query(
        "INSERT INTO user_tokens (token_hash, user_id, purpose, expires_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(hash_secret(&token))
    .bind(user_id)
    .bind(purpose.as_str())
    .bind(now_ms() + purpose.ttl_ms())
    .execute(&mut *tx)
    .await?;
    tx.mail(&letter(&token)).await?;
    tx.commit().await?;
    Ok(token)
}

/// Ends every outstanding reset link of an account.
async fn end_reset_links(conn: &mut sqlx::AnyConnection, user_id: &str) -> Result<(), Error> {
    sqlx::query("DELETE FROM user_tokens WHERE user_id = $1 AND purpose = $2 AND used_at IS NULL")
        .bind(user_id)
        .bind(Purpose::Reset.as_str())
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// The user a link token belongs to, when it is live and unused; does not use it.
pub async fn peek_link_token(
    db: &Db,
    token: &str,
    purpose: Purpose,
) -> Result<Option<String>, Error> {
    let row = sqlx::query(
        "SELECT user_id FROM user_tokens WHERE token_hash = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > $3",
    )
    .bind(hash_secret(token))
    .bind(purpose.as_str())
    .bind(now_ms())
    .fetch_optional(db.pool())
    .await?;
    Ok(row.map(|r| r.try_get("user_id")).transpose()?)
}

/// Confirms an email address with a link token, once. An expired or used token changes nothing.
pub async fn confirm_email(db: &Db, token: &str) -> Result<String, Error> {
    let mut tx = db.begin().await?;
    let user_id = use_link_token(&mut tx, token, Purpose::Confirm).await?;
    sqlx::query("UPDATE users SET confirmed_at = $1 WHERE id = $2 AND confirmed_at IS NULL")
        .bind(now_ms())
        .bind(&user_id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(user_id)
}

/// Sets a new password with a reset token, once, and closes every session of the account.
pub async fn reset_password(db: &Db, token: &str, password_hash: &str) -> Result<String, Error> {
    let mut tx = db.begin().await?;
    let user_id = use_link_token(&mut tx, token, Purpose::Reset).await?;
    end_reset_links(&mut tx, &user_id).await?;
    sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
        .bind(password_hash)
        .bind(&user_id)
        .execute(&mut *tx)
        .await?;
    // Whoever held the old password loses every way in: sessions and API tokens.
    for sql in [
        "DELETE FROM sessions WHERE user_id = $1",
        "DELETE FROM api_tokens WHERE user_id = $1",
    ] {
        sqlx::query(sql).bind(&user_id).execute(&mut *tx).await?;
    }
    // Following the reset link proves the address too.
    sqlx::query("UPDATE users SET confirmed_at = $1 WHERE id = $2 AND confirmed_at IS NULL")
        .bind(now_ms())
        .bind(&user_id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(user_id)
}

async fn use_link_token(
    conn: &mut sqlx::AnyConnection,
    token: &str,
    purpose: Purpose,
) -> Result<String, Error> {
    let now = now_ms();
    let row = sqlx::query(
        "UPDATE user_tokens SET used_at = $1 WHERE token_hash = $2 AND purpose = $3 AND used_at IS NULL AND expires_at > $1 RETURNING user_id",
    )
    .bind(now)
    .bind(hash_secret(token))
    .bind(purpose.as_str())
    .fetch_optional(&mut *conn)
    .await?;
    match row {
        Some(r) => Ok(r.try_get("user_id")?),
        None => Err(Error::Gone("link.invalid")),
    }
}

/// Changes the display name and language.
pub async fn update_profile(
    db: &Db,
    user_id: &str,
    name: &DisplayName,
    lang: Lang,
) -> Result<(), Error> {
    sqlx::query("UPDATE users SET display_name = $1, lang = $2 WHERE id = $3")
        .bind(name.as_str())
        .bind(lang.code())
        .bind(user_id)
        .execute(db.pool())
        .await?;
    Ok(())
}

/// Deletes an account: the person's data goes, their public content stays under an anonymous
/// name. Logged in the audit log.
pub async fn delete_account(db: &Db, user_id: &str) -> Result<(), Error> {
    let mut tx = db.begin().await?;
    for sql in [
        "DELETE FROM sessions WHERE user_id = $1",
        "DELETE FROM user_tokens WHERE user_id = $1",
        "DELETE FROM api_tokens WHERE user_id = $1",
        "DELETE FROM roles WHERE user_id = $1",
        "DELETE FROM user_identities WHERE user_id = $1",
        "DELETE FROM user_totp WHERE user_id = $1",
        "DELETE FROM user_recovery_codes WHERE user_id = $1",
        "DELETE FROM trusted_browsers WHERE user_id = $1",
        "DELETE FROM second_factor_pending WHERE user_id = $1",
    ] {
        sqlx::query(sql).bind(user_id).execute(&mut *tx).await?;
    }
    sqlx::query(
        "UPDATE users SET email = NULL, password_hash = NULL, display_name = '', deleted_at = $1 WHERE id = $2",
    )
    .bind(now_ms())
    .bind(user_id)
    .execute(&mut *tx)
    .await?;
    crate::audit::log(
        &mut tx,
        Some(user_id),
        "account.delete",
        "user",
        user_id,
        "",
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Grants a role (idempotent); logged when it changed something.
pub async fn grant(
    db: &Db,
    user_id: &str,
    role: Role,
    space_id: Option<&str>,
    by: Option<&str>,
) -> Result<(), Error> {
    let query = sqlx::query(
        "INSERT INTO roles (user_id, role, space_id, granted_at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
    )
    .bind(user_id)
    .bind(role.as_str())
    .bind(space_id.unwrap_or(""))
    .bind(now_ms());
    change_role(db, query, "role.grant", user_id, role, space_id, by).await
}

/// Revokes a role; logged when it changed something.
pub async fn revoke(
    db: &Db,
    user_id: &str,
    role: Role,
    space_id: Option<&str>,
    by: Option<&str>,
) -> Result<(), Error> {
    let query = sqlx::query("DELETE FROM roles WHERE user_id = $1 AND role = $2 AND space_id = $3")
        .bind(user_id)
        .bind(role.as_str())
        .bind(space_id.unwrap_or(""));
    change_role(db, query, "role.revoke", user_id, role, space_id, by).await
}

async fn change_role(
    db: &Db,
    query: sqlx::query::Query<'_, sqlx::Any, sqlx::any::AnyArguments>,
    action: &str,
    user_id: &str,
    role: Role,
    space_id: Option<&str>,
    by: Option<&str>,
) -> Result<(), Error> {
    let mut tx = db.begin().await?;
    let changed = query.execute(&mut *tx).await?.rows_affected();
    if changed > 0 {
        let detail = format!("{} {}", role.as_str(), space_id.unwrap_or(""));
        crate::audit::log(&mut tx, by, action, "user", user_id, &detail).await?;
        tx.commit().await?;
    }
    Ok(())
}

/// How many instance administrators there are.
pub async fn admin_count(db: &Db) -> Result<i64, Error> {
    let row = sqlx::query("SELECT COUNT(*) AS n FROM roles WHERE role = 'admin'")
        .fetch_one(db.pool())
        .await?;
    Ok(row.try_get("n")?)
}

/// A person holding a role in a space, for the space's admin page.
#[derive(Debug, Clone)]
pub struct Member {
    /// User id.
    pub user_id: String,
    /// Shown name.
    pub display_name: String,
    /// Contact address (shown to administrators only).
    pub email: String,
    /// The role.
    pub role: Role,
}

/// The people holding roles in a space.
pub async fn space_members(db: &Db, space_id: &str) -> Result<Vec<Member>, Error> {
    let query = sqlx::query(
        "SELECT u.id, u.display_name, u.email, r.role FROM roles r JOIN users u ON u.id = r.user_id WHERE r.space_id = $1 ORDER BY r.role, u.display_name",
    )
    .bind(space_id);
    let members = db.fetch_all_with(query, member_from_row).await?;
    Ok(members.into_iter().flatten().collect())
}

/// A member, or `None` when the role is not one this version knows.
fn member_from_row(r: &AnyRow) -> Result<Option<Member>, sqlx::Error> {
    let user_id = r.try_get("id")?;
    let display_name = r.try_get("display_name")?;
    let email = r.try_get("email")?;
    let role = r.try_get::<String, _>("role")?;
    Ok(Role::parse(&role).map(|role| Member {
        user_id,
        display_name,
        email,
        role,
    }))
}

/// Creates a personal API token; returns it (only its hash is stored).
pub async fn create_api_token(db: &Db, user_id: &str, name: &str) -> Result<String, Error> {
    let token = format!("tt_{}", new_token());
    sqlx::query(
        "INSERT INTO api_tokens (token_hash, user_id, name, created_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(hash_secret(&token))
    .bind(user_id)
    .bind(name)
    .bind(now_ms())
    .execute(db.pool())
    .await?;
    Ok(token)
}

/// A personal API token, as listed to its owner (the token itself is never kept).
#[derive(Debug, Clone)]
pub struct ApiTokenInfo {
    /// The first characters of the token's hash, to name it.
    pub id: String,
    /// The name its owner gave it.
    pub name: String,
    /// When it was made (ms).
    pub created_at: i64,
}

/// The API tokens of a user, newest first.
pub async fn api_tokens(db: &Db, user_id: &str) -> Result<Vec<ApiTokenInfo>, Error> {
    let query = sqlx::query(
        "SELECT token_hash, name, created_at FROM api_tokens WHERE user_id = $1 ORDER BY created_at DESC",
    )
    .bind(user_id);
    Ok(db.fetch_all_with(query, api_token_from_row).await?)
}

fn api_token_from_row(r: &AnyRow) -> Result<ApiTokenInfo, sqlx::Error> {
    Ok(ApiTokenInfo {
        id: r.try_get::<String, _>("token_hash")?[..16].to_string(),
        name: r.try_get("name")?,
        created_at: r.try_get("created_at")?,
    })
}

/// Revokes one of the user's API tokens, named by the start of its hash.
pub async fn revoke_api_token(db: &Db, user_id: &str, id: &str) -> Result<bool, Error> {
    if id.len() != 16 || !id.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Ok(false);
    }
    let n = sqlx::query("DELETE FROM api_tokens WHERE user_id = $1 AND token_hash LIKE $2")
        .bind(user_id)
        .bind(format!("{id}%"))
        .execute(db.pool())
        .await?
        .rows_affected();
    Ok(n > 0)
}

/// The user of an API token.
pub async fn user_by_api_token(db: &Db, token: &str) -> Result<Option<User>, Error> {
    let row = sqlx::query("SELECT user_id FROM api_tokens WHERE token_hash = $1")
        .bind(hash_secret(token))
        .fetch_optional(db.pool())
        .await?;
    match row {
        Some(r) => user_by_id(db, &r.try_get::<String, _>("user_id")?).await,
        None => Ok(None),
    }
}

/// Everything the platform keeps about a person, for the data download.
pub async fn export_data(db: &Db, user_id: &str) -> Result<serde_json::Value, Error> {
    let row = sqlx::query(
        "SELECT id, email, display_name, lang, confirmed_at, created_at FROM users WHERE id = $1",
    )
    .bind(user_id)
    .fetch_one(db.pool())
    .await?;
    let roles = sqlx::query("SELECT role, space_id, granted_at FROM roles WHERE user_id = $1")
        .bind(user_id)
        .fetch_all(db.pool())
        .await?;
    let sessions = sqlx::query("SELECT created_at, expires_at FROM sessions WHERE user_id = $1")
        .bind(user_id)
        .fetch_all(db.pool())
        .await?;
    let tokens = sqlx::query("SELECT name, created_at FROM api_tokens WHERE user_id = $1")
        .bind(user_id)
        .fetch_all(db.pool())
        .await?;
    use crate::ids::iso_datetime;
    Ok(serde_json::json!({
        "account": {
            "id": row.try_get::<String, _>("id")?,
            "email": row.try_get::<Option<String>, _>("email")?,
            "display_name": row.try_get::<String, _>("display_name")?,
            "lang": row.try_get::<String, _>("lang")?,
            "confirmed_at": row.try_get::<Option<i64>, _>("confirmed_at")?.map(iso_datetime),
            "created_at": iso_datetime(row.try_get("created_at")?),
        },
        "roles": roles.iter().map(|r| Ok(serde_json::json!({
            "role": r.try_get::<String, _>("role")?,
            "space_id": r.try_get::<String, _>("space_id")?,
            "granted_at": iso_datetime(r.try_get("granted_at")?),
        }))).collect::<Result<Vec<_>, sqlx::Error>>()?,
        "sessions": sessions.iter().map(|r| Ok(serde_json::json!({
            "created_at": iso_datetime(r.try_get("created_at")?),
            "expires_at": iso_datetime(r.try_get("expires_at")?),
        }))).collect::<Result<Vec<_>, sqlx::Error>>()?,
        "api_tokens": tokens.iter().map(|r| Ok(serde_json::json!({
            "name": r.try_get::<String, _>("name")?,
            "created_at": iso_datetime(r.try_get("created_at")?),
        }))).collect::<Result<Vec<_>, sqlx::Error>>()?,
        "identities": super::identities::of_account(db, user_id).await?.iter().map(|i| serde_json::json!({
            "provider": i.provider,
            "subject": i.subject,
            "claims": i.claims,
            "linked_at": iso_datetime(i.created_at),
            "used_at": iso_datetime(i.used_at),
        })).collect::<Vec<_>>(),
    }))
}
