//! The audit log: every moderation and administration action, who, when, what, why.

use crate::ids::now_ms;
use sqlx::AnyConnection;

/// Appends to the audit log inside the caller's transaction.
pub async fn log(
    conn: &mut AnyConnection,
    actor_id: Option<&str>,
    action: &str,
    target_kind: &str,
    target_id: &str,
    detail: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO audit_log (at, actor_id, action, target_kind, target_id, detail) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(now_ms())
    .bind(actor_id)
    .bind(action)
    .bind(target_kind)
    .bind(target_id)
    .bind(detail)
    .execute(conn)
    .await?;
    Ok(())
}
