//! The second factor of a sign-in: a code of an authenticator app (TOTP, RFC 6238: six digits
//! every 30 seconds, one step of drift either way, each step taken once), ten single-use
//! recovery codes, and browsers trusted for 30 days. A sign-in whose password (or provider)
//! was checked waits, for five minutes and five tries, in `second_factor_pending`.

use crate::db::Db;
use crate::error::Error;
use crate::ids::{hash_secret, new_token, now_ms, random_bytes};
use sqlx::Row;
use totp_rs::{Algorithm, Secret, Totp};

/// How long a browser is trusted once asked (ms).
pub const TRUSTED_MS: i64 = 30 * 24 * 3600 * 1000;

/// How long a checked password waits for its second factor (ms).
const PENDING_MS: i64 = 5 * 60 * 1000;

/// How many codes a waiting sign-in may try.
const PENDING_TRIES: i64 = 5;

/// How many recovery codes an account gets.
pub const RECOVERY_CODES: usize = 10;

/// The authenticator of a secret (base32), for the account `label` of the platform `issuer`.
fn totp(secret: &str, issuer: &str, label: &str) -> Result<Totp, Error> {
    let bytes = Secret::try_from_base32(secret).map_err(Error::internal)?;
    totp_rs::Builder::new()
        .with_algorithm(Algorithm::SHA1)
        .with_digits(6)
        .with_skew(1)
        .with_step_duration(30)
        .with_secret(bytes.to_vec())
        .with_issuer(Some(issuer))
        .with_account_name(label)
        .build()
        .map_err(Error::internal)
}

/// The code an authenticator shows for `secret` at `unix_secs` (for tests and the demo).
pub fn code_at(secret: &str, unix_secs: u64) -> Result<String, Error> {
    Ok(totp(secret, "x", "x")?.generate(unix_secs).to_string())
}

/// Whether an account must sign in with a second factor: an instance administrator, or a member
/// of staff (administrator, moderator, agent) of a space that asks it of its staff.
pub async fn required(db: &Db, user_id: &str) -> Result<bool, Error> {
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM roles r LEFT JOIN space_second_factor s ON s.space_id = r.space_id \
         WHERE r.user_id = $1 AND (r.role = 'admin' OR s.space_id IS NOT NULL)",
    )
    .bind(user_id)
    .fetch_one(db.pool())
    .await?;
    Ok(n > 0)
}

/// Whether a space asks a second factor of its staff.
pub async fn space_requires(db: &Db, space_id: &str) -> Result<bool, Error> {
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM space_second_factor WHERE space_id = $1")
        .bind(space_id)
        .fetch_one(db.pool())
        .await?;
    Ok(n > 0)
}

/// Sets whether a space asks a second factor of its staff, logged.
pub async fn set_space_requires(
    db: &Db,
    space_id: &str,
    required: bool,
    by: &str,
) -> Result<(), Error> {
    let mut w = db.write().await?;
    if required {
        sqlx::query(
            "INSERT INTO space_second_factor (space_id, since) VALUES ($1, $2) \
             ON CONFLICT (space_id) DO NOTHING",
        )
        .bind(space_id)
        .bind(now_ms())
        .execute(&mut *w)
        .await?;
    } else {
        sqlx::query("DELETE FROM space_second_factor WHERE space_id = $1")
            .bind(space_id)
            .execute(&mut *w)
            .await?;
    }
    let detail = if required { "on" } else { "off" };
    w.audit(
        Some(by),
        "space.staff_second_factor",
        "space",
        space_id,
        detail,
    )
    .await?;
    w.commit().await?;
    Ok(())
}

/// Whether an account has a second factor on.
pub async fn enabled(db: &Db, user_id: &str) -> Result<bool, Error> {
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM user_totp WHERE user_id = $1 AND enabled_at IS NOT NULL",
    )
    .bind(user_id)
    .fetch_one(db.pool())
    .await?;
    Ok(n > 0)
}

/// A second factor being set up: its secret, the link that opens an authenticator app, and
/// that link's QR code (a PNG, base64).
pub struct Setup {
    /// The secret, base32, to type into an app.
    pub secret: String,
    /// The `otpauth://` link.
    pub url: String,
    /// The QR code of the link, a base64 PNG.
    pub qr_png: String,
}

/// Starts (or starts again) setting up a second factor: a new secret, not yet on.
pub async fn start_setup(
    db: &Db,
    user_id: &str,
    issuer: &str,
    label: &str,
) -> Result<Setup, Error> {
    let secret = Secret::from(random_bytes::<20>()).to_base32();
    sqlx::query(
        "INSERT INTO user_totp (user_id, secret, enabled_at, last_step) VALUES ($1, $2, NULL, 0) \
         ON CONFLICT (user_id) DO UPDATE SET secret = $2, enabled_at = NULL, last_step = 0 \
         WHERE user_totp.enabled_at IS NULL",
    )
    .bind(user_id)
    .bind(&secret)
    .execute(db.pool())
    .await?;
    setup_of(db, user_id, issuer, label)
        .await?
        .ok_or(Error::Conflict("second_factor.already_on"))
}

/// The setup under way of an account, if any.
pub async fn setup_of(
    db: &Db,
    user_id: &str,
    issuer: &str,
    label: &str,
) -> Result<Option<Setup>, Error> {
    let secret: Option<String> = sqlx::query_scalar(
        "SELECT secret FROM user_totp WHERE user_id = $1 AND enabled_at IS NULL",
    )
    .bind(user_id)
    .fetch_optional(db.pool())
    .await?;
    let Some(secret) = secret else {
        return Ok(None);
    };
    let t = totp(&secret, issuer, label)?;
    Ok(Some(Setup {
        url: t.to_url().map_err(Error::internal)?,
        qr_png: t.to_qr_base64().map_err(Error::internal)?,
        secret,
    }))
}

/// Takes a code at `unix_secs` for the account's secret, on or being set up: accepted once per
/// step, and only for a step after the last one accepted.
async fn take_code(
    conn: &mut sqlx::AnyConnection,
    user_id: &str,
    code: &str,
    unix_secs: u64,
) -> Result<bool, Error> {
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return Ok(false);
    }
    let secret: Option<String> =
        sqlx::query_scalar("SELECT secret FROM user_totp WHERE user_id = $1")
            .bind(user_id)
            .fetch_optional(&mut *conn)
            .await?;
    let Some(secret) = secret else {
        return Ok(false);
    };
    let Some(step) = totp(&secret, "x", "x")?.check(&code, unix_secs) else {
        return Ok(false);
    };
    // The step is recorded only if it is newer than the last: a code seen is never taken again.
    let taken =
        sqlx::query("UPDATE user_totp SET last_step = $1 WHERE user_id = $2 AND last_step < $1")
            .bind(step as i64)
            .bind(user_id)
            .execute(&mut *conn)
            .await?
            .rows_affected();
    Ok(taken == 1)
}

/// Turns the second factor on with a known key (base32), without recovery codes: the demo
/// administrator's, and the suites' administrators.
pub async fn set_up_with(db: &Db, user_id: &str, secret: &str) -> Result<(), Error> {
    Secret::try_from_base32(secret).map_err(Error::internal)?;
    sqlx::query(
        "INSERT INTO user_totp (user_id, secret, enabled_at, last_step) VALUES ($1, $2, $3, 0) \
         ON CONFLICT (user_id) DO UPDATE SET secret = $2, enabled_at = $3, last_step = 0",
    )
    .bind(user_id)
    .bind(secret)
    .bind(now_ms())
    .execute(db.pool())
    .await?;
    Ok(())
}

/// Turns the second factor on with a first code of the app; returns the recovery codes, shown
/// once (only their hashes are kept). A wrong code is a field error.
pub async fn confirm_setup(
    db: &Db,
    user_id: &str,
    code: &str,
    unix_secs: u64,
) -> Result<Vec<String>, Error> {
    let mut w = db.write().await?;
    if !take_code(&mut w, user_id, code, unix_secs).await? {
        return Err(crate::error::FieldError::new("code", "second_factor.wrong_code").into());
    }
    let codes = turn_on(&mut w, user_id).await?;
    w.commit().await?;
    Ok(codes)
}

/// Turns on, in the write `w`, the app being set up whose first code was just taken; returns
/// the new recovery codes.
async fn turn_on(w: &mut crate::db::Write, user_id: &str) -> Result<Vec<String>, Error> {
    sqlx::query("UPDATE user_totp SET enabled_at = $1 WHERE user_id = $2")
        .bind(now_ms())
        .bind(user_id)
        .execute(&mut **w)
        .await?;
    let codes = new_recovery_codes(w, user_id).await?;
    w.audit(
        Some(user_id),
        "account.second_factor_on",
        "user",
        user_id,
        "",
    )
    .await?;
    Ok(codes)
}

/// Replaces an account's recovery codes with ten new ones, returned.
async fn new_recovery_codes(
    conn: &mut sqlx::AnyConnection,
    user_id: &str,
) -> Result<Vec<String>, Error> {
    sqlx::query("DELETE FROM user_recovery_codes WHERE user_id = $1")
        .bind(user_id)
        .execute(&mut *conn)
        .await?;
    let mut codes = Vec::new();
    for _ in 0..RECOVERY_CODES {
        // Ten characters of an alphabet without look-alikes, as two groups of five.
        const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
        let raw: String = random_bytes::<10>()
            .iter()
            .map(|b| ALPHABET[usize::from(*b) % ALPHABET.len()] as char)
            .collect();
        let code = format!("{}-{}", &raw[..5], &raw[5..]);
        sqlx::query(
            "INSERT INTO user_recovery_codes (user_id, code_hash, used_at) VALUES ($1, $2, NULL)",
        )
        .bind(user_id)
        .bind(hash_secret(&code))
        .execute(&mut *conn)
        .await?;
        codes.push(code);
    }
    Ok(codes)
}

/// Checks a code of the app, or a recovery code, of a signed-in person (to turn the second
/// factor off, say): either is taken once.
pub async fn verify(db: &Db, user_id: &str, code: &str, unix_secs: u64) -> Result<bool, Error> {
    let mut w = db.write().await?;
    let ok = take_code(&mut w, user_id, code, unix_secs).await?
        || take_recovery_code(&mut w, user_id, code).await?;
    w.commit().await?;
    Ok(ok)
}

/// Takes a recovery code once.
async fn take_recovery_code(
    conn: &mut sqlx::AnyConnection,
    user_id: &str,
    code: &str,
) -> Result<bool, Error> {
    let code = code.trim().to_lowercase();
    let n = sqlx::query(
        "UPDATE user_recovery_codes SET used_at = $1 \
         WHERE user_id = $2 AND code_hash = $3 AND used_at IS NULL",
    )
    .bind(now_ms())
    .bind(user_id)
    .bind(hash_secret(&code))
    .execute(&mut *conn)
    .await?
    .rows_affected();
    Ok(n == 1)
}

/// Turns an account's second factor off, with everything it made (recovery codes, trusted
/// browsers); `by` is who did it (the person, or an administrator's command).
pub async fn turn_off(db: &Db, user_id: &str, by: Option<&str>) -> Result<bool, Error> {
    let mut w = db.write().await?;
    let n = sqlx::query("DELETE FROM user_totp WHERE user_id = $1")
        .bind(user_id)
        .execute(&mut *w)
        .await?
        .rows_affected();
    for sql in [
        "DELETE FROM user_recovery_codes WHERE user_id = $1",
        "DELETE FROM trusted_browsers WHERE user_id = $1",
        "DELETE FROM second_factor_pending WHERE user_id = $1",
    ] {
        sqlx::query(sql).bind(user_id).execute(&mut *w).await?;
    }
    if n > 0 {
        w.audit(by, "account.second_factor_off", "user", user_id, "")
            .await?;
    }
    w.commit().await?;
    Ok(n > 0)
}

/// A sign-in waiting for its second factor.
pub struct Pending {
    /// The account.
    pub user_id: String,
    /// Where it goes once signed in.
    pub next: String,
    /// The flash text key once signed in.
    pub flash: String,
    /// The provider's sign-out page, for a sign-in through a provider.
    pub provider_logout: Option<String>,
}

/// Keeps a checked sign-in until its second factor; returns the token for its cookie.
pub async fn wait(db: &Db, p: &Pending) -> Result<String, Error> {
    // The ones left waiting are removed by the daily clean-up.
    let token = new_token();
    let now = now_ms();
    sqlx::query(
        "INSERT INTO second_factor_pending (token_hash, user_id, next, flash, provider_logout, tries, expires_at) \
         VALUES ($1, $2, $3, $4, $5, 0, $6)",
    )
    .bind(hash_secret(&token))
    .bind(&p.user_id)
    .bind(&p.next)
    .bind(&p.flash)
    .bind(p.provider_logout.as_deref())
    .bind(now + PENDING_MS)
    .execute(db.pool())
    .await?;
    Ok(token)
}

/// The account a sign-in waiting under `token` is for, while it waits.
pub async fn pending_user(db: &Db, token: &str) -> Result<Option<String>, Error> {
    Ok(sqlx::query_scalar(
        "SELECT user_id FROM second_factor_pending \
         WHERE token_hash = $1 AND expires_at > $2 AND tries < $3",
    )
    .bind(hash_secret(token))
    .bind(now_ms())
    .bind(PENDING_TRIES)
    .fetch_optional(db.pool())
    .await?)
}

/// What a code given for a waiting sign-in leads to.
pub enum Outcome {
    /// Accepted: the sign-in goes on; with the recovery codes made when the code was the
    /// first of an app being set up (shown once), else none.
    Accepted(Pending, Vec<String>),
    /// Refused; the sign-in still waits.
    Wrong,
    /// No sign-in waits under this token (unknown, expired, or out of tries).
    Gone,
}

/// Checks a code (of the app, or a recovery code) for the sign-in waiting under `token`.
pub async fn check(db: &Db, token: &str, code: &str, unix_secs: u64) -> Result<Outcome, Error> {
    let mut w = db.write().await?;
    let row = sqlx::query(
        "UPDATE second_factor_pending SET tries = tries + 1 \
         WHERE token_hash = $1 AND expires_at > $2 AND tries < $3 \
         RETURNING user_id, next, flash, provider_logout",
    )
    .bind(hash_secret(token))
    .bind(now_ms())
    .bind(PENDING_TRIES)
    .fetch_optional(&mut *w)
    .await?;
    let Some(r) = row else {
        return Ok(Outcome::Gone);
    };
    let pending = Pending {
        user_id: r.try_get("user_id")?,
        next: r.try_get("next")?,
        flash: r.try_get("flash")?,
        provider_logout: r.try_get("provider_logout")?,
    };
    let user = pending.user_id.clone();
    let was_on: Option<Option<i64>> =
        sqlx::query_scalar("SELECT enabled_at FROM user_totp WHERE user_id = $1")
            .bind(&user)
            .fetch_optional(&mut *w)
            .await?;
    let setting_up = !matches!(was_on, Some(Some(_)));
    let by_app = take_code(&mut w, &user, code, unix_secs).await?;
    let accepted = by_app || (!setting_up && take_recovery_code(&mut w, &user, code).await?);
    if !accepted {
        w.commit().await?;
        return Ok(Outcome::Wrong);
    }
    sqlx::query("DELETE FROM second_factor_pending WHERE token_hash = $1")
        .bind(hash_secret(token))
        .execute(&mut *w)
        .await?;
    let mut codes = Vec::new();
    if setting_up {
        // The first code of an app set up while signing in turns it on.
        codes = turn_on(&mut w, &user).await?;
    } else if !by_app {
        w.audit(Some(&user), "account.recovery_code_used", "user", &user, "")
            .await?;
    }
    w.commit().await?;
    Ok(Outcome::Accepted(pending, codes))
}

/// Trusts a browser for 30 days: returns the token for its cookie.
pub async fn trust(db: &Db, user_id: &str) -> Result<String, Error> {
    let token = new_token();
    sqlx::query(
        "INSERT INTO trusted_browsers (token_hash, user_id, expires_at) VALUES ($1, $2, $3)",
    )
    .bind(hash_secret(&token))
    .bind(user_id)
    .bind(now_ms() + TRUSTED_MS)
    .execute(db.pool())
    .await?;
    Ok(token)
}

/// Whether the browser holding `token` is trusted for the account.
pub async fn trusted(db: &Db, user_id: &str, token: &str) -> Result<bool, Error> {
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM trusted_browsers WHERE token_hash = $1 AND user_id = $2 AND expires_at > $3",
    )
    .bind(hash_secret(token))
    .bind(user_id)
    .bind(now_ms())
    .fetch_one(db.pool())
    .await?;
    Ok(n > 0)
}

/// How many recovery codes an account has left.
pub async fn recovery_codes_left(db: &Db, user_id: &str) -> Result<i64, Error> {
    Ok(sqlx::query_scalar(
        "SELECT COUNT(*) FROM user_recovery_codes WHERE user_id = $1 AND used_at IS NULL",
    )
    .bind(user_id)
    .fetch_one(db.pool())
    .await?)
}
