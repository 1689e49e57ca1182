//! The instance's own keys, made once and kept in the database so that every node of an
//! instance signs and checks with the same ones.

use crate::db::Db;
use crate::error::Error;

/// The key of this name (256 random bits, as [`crate::ids::new_token`] writes them), made by
/// the first node that asks for it.
pub async fn get_or_create(db: &Db, name: &str) -> Result<Vec<u8>, Error> {
    // Two nodes starting together both insert; the first row stays and both read it.
    sqlx::query(
        "INSERT INTO instance_secrets (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING",
    )
    .bind(name)
    .bind(crate::ids::new_token())
    .execute(db.pool())
    .await?;
    let kept: String = sqlx::query_scalar("SELECT value FROM instance_secrets WHERE name = $1")
        .bind(name)
        .fetch_one(db.pool())
        .await?;
    Ok(kept.into_bytes())
}
