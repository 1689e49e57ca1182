//! The instance's own keys, made once and kept in the database so that every node of an
//! instance signs and checks with the same ones.

use crate::db::Db;
use crate::error::Error;

/// The key of this name, made (32 random bytes) by the first node that asks for it.
pub async fn get_or_create(db: &Db, name: &str) -> Result<Vec<u8>, Error> {
    let mut fresh = [0u8; 32];
    getrandom::fill(&mut fresh).map_err(Error::internal)?;
    let hex: String = fresh.iter().map(|b| format!("{b:02x}")).collect();
    // Two nodes starting together both insert; the first row stays and both read it.
    sqlx::query(
        "INSERT INTO instance_secrets (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING",
    )
    .bind(name)
    .bind(&hex)
    .execute(db.pool())
    .await?;
    let kept: String = sqlx::query_scalar("SELECT value FROM instance_secrets WHERE name = $1")
        .bind(name)
        .fetch_one(db.pool())
        .await?;
    (0..kept.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(kept.get(i..i + 2).unwrap_or("zz"), 16))
        .collect::<Result<Vec<u8>, _>>()
        .map_err(Error::internal)
}
