//! The identities an account holds at OpenID Connect providers (FranceConnect, ProConnect…):
//! one row per provider and subject, an account holding several, and a password or none.

use super::model::{DisplayName, Email};
use crate::db::Db;
use crate::db::Write;
use crate::error::Error;
use crate::i18n::Lang;
use crate::ids::{new_id, now_ms};
use sqlx::Row;

/// An identity of an account at a provider.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Identity {
    /// The provider's short name.
    pub provider: String,
    /// The person's identifier at the provider.
    pub subject: String,
    /// The claims the provider gave at the last sign-in (JSON object).
    pub claims: serde_json::Value,
    /// When it was linked (ms).
    pub created_at: i64,
    /// When it was last used to sign in (ms).
    pub used_at: i64,
}

/// The account an identity belongs to, if any (a deleted account's identities are gone).
pub async fn account_of(db: &Db, provider: &str, subject: &str) -> Result<Option<String>, Error> {
    Ok(sqlx::query_scalar(
        "SELECT i.user_id FROM user_identities i JOIN users u ON u.id = i.user_id \
         WHERE i.provider = $1 AND i.subject = $2 AND u.deleted_at IS NULL",
    )
    .bind(provider)
    .bind(subject)
    .fetch_optional(db.pool())
    .await?)
}

/// Links an identity to an account in the write `w`, or notes its new claims and use when it
/// is already the account's. An identity of another account is refused (`identity.taken`).
pub async fn link(
    w: &mut Write,
    user_id: &str,
    (provider, subject): (&str, &str),
    claims: &serde_json::Value,
) -> Result<(), Error> {
    let now = now_ms();
    let owner: Option<String> = sqlx::query_scalar(
        "SELECT user_id FROM user_identities WHERE provider = $1 AND subject = $2",
    )
    .bind(provider)
    .bind(subject)
    .fetch_optional(&mut **w)
    .await?;
    match owner {
        Some(owner) if owner != user_id => return Err(Error::Conflict("identity.taken")),
        Some(_) => {
            sqlx::query(
                "UPDATE user_identities SET claims = $1, used_at = $2 \
                 WHERE provider = $3 AND subject = $4",
            )
            .bind(claims.to_string())
            .bind(now)
            .bind(provider)
            .bind(subject)
            .execute(&mut **w)
            .await?;
        }
        None => {
            sqlx::query(
                "INSERT INTO user_identities (provider, subject, user_id, claims, created_at, used_at) \
                 VALUES ($1, $2, $3, $4, $5, $5)",
            )
            .bind(provider)
            .bind(subject)
            .bind(user_id)
            .bind(claims.to_string())
            .bind(now)
            .execute(&mut **w)
            .await?;
            w.audit(
                Some(user_id),
                "account.link_identity",
                "user",
                user_id,
                provider,
            )
            .await?;
        }
    }
    Ok(())
}

/// Creates an account for a person a provider vouches for, holding that identity and no
/// password, in the write `w`: confirmed at once with the address the provider verified, or
/// without an address. Returns its id.
pub async fn create_account(
    w: &mut Write,
    (provider, subject): (&str, &str),
    name: &DisplayName,
    email: Option<&Email>,
    lang: Lang,
    claims: &serde_json::Value,
) -> Result<String, Error> {
    let id = new_id();
    let now = now_ms();
    sqlx::query(
        "INSERT INTO users (id, email, password_hash, display_name, lang, confirmed_at, created_at) \
         VALUES ($1, $2, NULL, $3, $4, $5, $5)",
    )
    .bind(&id)
    .bind(email.map(|e| e.as_str().to_lowercase()))
    .bind(name.as_str())
    .bind(lang.code())
    .bind(now)
    .execute(&mut **w)
    .await?;
    w.audit(
        Some(&id),
        "account.create_with_identity",
        "user",
        &id,
        provider,
    )
    .await?;
    link(w, &id, (provider, subject), claims).await?;
    Ok(id)
}

/// The identities of an account, by provider.
pub async fn of_account(db: &Db, user_id: &str) -> Result<Vec<Identity>, Error> {
    let rows = sqlx::query(
        "SELECT provider, subject, claims, created_at, used_at FROM user_identities \
         WHERE user_id = $1 ORDER BY provider, created_at",
    )
    .bind(user_id)
    .fetch_all(db.pool())
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Identity {
                provider: r.try_get("provider")?,
                subject: r.try_get("subject")?,
                claims: serde_json::from_str(&r.try_get::<String, _>("claims")?)
                    .unwrap_or_default(),
                created_at: r.try_get("created_at")?,
                used_at: r.try_get("used_at")?,
            })
        })
        .collect::<Result<_, sqlx::Error>>()
        .map_err(Error::from)
}

/// Removes an identity of an account, unless it is the account's only way in (no password
/// and no other identity: `identity.last`). Returns whether one was removed.
pub async fn unlink(db: &Db, user_id: &str, provider: &str, subject: &str) -> Result<bool, Error> {
    let mut w = db.write().await?;
    let row = sqlx::query(
        "SELECT (SELECT COUNT(*) FROM user_identities WHERE user_id = $1) AS n, \
         (SELECT password_hash FROM users WHERE id = $1) AS hash",
    )
    .bind(user_id)
    .fetch_one(&mut *w)
    .await?;
    let others: i64 = row.try_get("n")?;
    let hash: Option<String> = row.try_get("hash")?;
    if others <= 1 && hash.is_none_or(|h| h.is_empty()) {
        return Err(Error::Conflict("identity.last"));
    }
    let n = sqlx::query(
        "DELETE FROM user_identities WHERE user_id = $1 AND provider = $2 AND subject = $3",
    )
    .bind(user_id)
    .bind(provider)
    .bind(subject)
    .execute(&mut *w)
    .await?
    .rows_affected();
    if n > 0 {
        w.audit(
            Some(user_id),
            "account.unlink_identity",
            "user",
            user_id,
            provider,
        )
        .await?;
    }
    w.commit().await?;
    Ok(n > 0)
}
