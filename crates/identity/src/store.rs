//! The sign-ins under way at a provider, and the identities waiting for their account's owner
//! to confirm the link.

use kernel::db::{Db, Write};
use kernel::ids::{hash_secret, new_token, now_ms};
use sqlx::Row;

/// How long a sign-in may take at the provider (ms).
const SIGN_IN_TTL_MS: i64 = 10 * 60 * 1000;

/// How long a link mailed to an account's owner stays valid (ms).
const LINK_TTL_MS: i64 = 48 * 3600 * 1000;

/// A sign-in under way, as its start recorded it.
#[derive(Debug, Clone)]
pub struct SignIn {
    /// The provider's short name.
    pub provider: String,
    /// The nonce the ID token must carry.
    pub nonce: String,
    /// The PKCE verifier.
    pub pkce_verifier: String,
    /// The page to go to afterwards, empty when none was asked.
    pub next: String,
    /// The signed-in account that links the identity, if the sign-in is such a link.
    pub link_user: Option<String>,
}

/// Records a sign-in started with `state` (only its hash is kept); the sign-ins left
/// unfinished are forgotten on the way.
pub async fn start(db: &Db, state: &str, s: &SignIn) -> Result<(), sqlx::Error> {
    let now = now_ms();
    let mut w = db.write().await?;
    sqlx::query("DELETE FROM oidc_sign_ins WHERE expires_at < $1")
        .bind(now)
        .execute(&mut *w)
        .await?;
    sqlx::query(
        "INSERT INTO oidc_sign_ins (state_hash, provider, nonce, pkce_verifier, next, link_user, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(hash_secret(state))
    .bind(&s.provider)
    .bind(&s.nonce)
    .bind(&s.pkce_verifier)
    .bind(&s.next)
    .bind(s.link_user.as_deref())
    .bind(now + SIGN_IN_TTL_MS)
    .execute(&mut *w)
    .await?;
    w.commit().await
}

/// Takes the sign-in started with `state`, once: `None` when unknown, used or expired.
pub async fn take(db: &Db, state: &str) -> Result<Option<SignIn>, sqlx::Error> {
    let row = sqlx::query(
        "DELETE FROM oidc_sign_ins WHERE state_hash = $1 \
         RETURNING provider, nonce, pkce_verifier, next, link_user, expires_at",
    )
    .bind(hash_secret(state))
    .fetch_optional(db.pool())
    .await?;
    let Some(r) = row else { return Ok(None) };
    if r.try_get::<i64, _>("expires_at")? < now_ms() {
        return Ok(None);
    }
    Ok(Some(SignIn {
        provider: r.try_get("provider")?,
        nonce: r.try_get("nonce")?,
        pkce_verifier: r.try_get("pkce_verifier")?,
        next: r.try_get("next")?,
        link_user: r.try_get("link_user")?,
    }))
}

/// An identity waiting for its account's owner.
#[derive(Debug, Clone)]
pub struct PendingLink {
    /// The account.
    pub user_id: String,
    /// The provider's short name.
    pub provider: String,
    /// The person's identifier there.
    pub subject: String,
    /// The claims it came with.
    pub claims: serde_json::Value,
}

/// Keeps an identity for the account `user_id` until its owner follows the link, queuing in the
/// same write the mail that `letter` makes of the link's token.
pub async fn propose_link(
    db: &Db,
    link: &PendingLink,
    letter: impl FnOnce(&str) -> kernel::mail::Letter,
) -> Result<(), sqlx::Error> {
    let token = new_token();
    let now = now_ms();
    let mut w = db.write().await?;
    sqlx::query("DELETE FROM identity_links WHERE expires_at < $1")
        .bind(now)
        .execute(&mut *w)
        .await?;
    sqlx::query(
        "INSERT INTO identity_links (token_hash, user_id, provider, subject, claims, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(hash_secret(&token))
    .bind(&link.user_id)
    .bind(&link.provider)
    .bind(&link.subject)
    .bind(link.claims.to_string())
    .bind(now + LINK_TTL_MS)
    .execute(&mut *w)
    .await?;
    w.audit(
        None,
        "account.identity_link_mailed",
        "user",
        &link.user_id,
        &link.provider,
    )
    .await?;
    w.mail(&letter(&token)).await?;
    w.commit().await
}

/// Takes the identity waiting behind a link's token, once, in the write `w` that links it:
/// `None` when unknown, used or expired.
pub async fn take_link(w: &mut Write, token: &str) -> Result<Option<PendingLink>, sqlx::Error> {
    let row = sqlx::query(
        "DELETE FROM identity_links WHERE token_hash = $1 \
         RETURNING user_id, provider, subject, claims, expires_at",
    )
    .bind(hash_secret(token))
    .fetch_optional(&mut **w)
    .await?;
    let Some(r) = row else { return Ok(None) };
    if r.try_get::<i64, _>("expires_at")? < now_ms() {
        return Ok(None);
    }
    Ok(Some(PendingLink {
        user_id: r.try_get("user_id")?,
        provider: r.try_get("provider")?,
        subject: r.try_get("subject")?,
        claims: serde_json::from_str(&r.try_get::<String, _>("claims")?).unwrap_or_default(),
    }))
}
