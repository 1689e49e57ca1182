//! Who looks after an actor's entry: its owners (the registrant first, then the co-owners they
//! invite by address), the moderators' trust (trusted owners publish their edits directly), and
//! the entry's logo.

use crate::error::StoreError;
use crate::store::{self, Actor};
use kernel::db::Db;
use kernel::ids::now_ms;
use sqlx::Row;

/// An owner of an actor, as its other owners and the moderators see them.
#[derive(Debug, Clone)]
pub struct Owner {
    /// Account id.
    pub user_id: String,
    /// Name shown.
    pub name: String,
    /// Address (shown to the other owners and the moderators only).
    pub email: String,
}

/// The owners of an actor, by name.
pub async fn owners(db: &Db, actor_id: &str) -> Result<Vec<Owner>, StoreError> {
    let rows = sqlx::query(
        "SELECT u.id, u.display_name, u.email FROM actor_owners o JOIN users u ON u.id = o.user_id \
         WHERE o.actor_id = $1 ORDER BY u.display_name, u.id",
    )
    .bind(actor_id)
    .fetch_all(db.pool())
    .await?;
    Ok(rows
        .iter()
        .map(|r| {
            Ok(Owner {
                user_id: r.try_get("id")?,
                name: r.try_get("display_name")?,
                email: r.try_get::<Option<String>, _>("email")?.unwrap_or_default(),
            })
        })
        .collect::<Result<_, sqlx::Error>>()?)
}

/// The addresses invited to co-own an actor and not answered yet.
pub async fn invitations(db: &Db, actor_id: &str) -> Result<Vec<String>, StoreError> {
    Ok(sqlx::query_scalar(
        "SELECT email FROM actor_invitations WHERE actor_id = $1 ORDER BY created_at, email",
    )
    .bind(actor_id)
    .fetch_all(db.pool())
    .await?)
}

/// Whether an address is invited to co-own an actor.
pub async fn is_invited(db: &Db, actor_id: &str, email: &str) -> Result<bool, StoreError> {
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM actor_invitations WHERE actor_id = $1 AND email = $2",
    )
    .bind(actor_id)
    .bind(email)
    .fetch_one(db.pool())
    .await?;
    Ok(n > 0)
}

/// Invites an address to co-own an actor (again, if it was already invited), queuing the
/// invitation `mail` with it. Returns false when the address already belongs to an owner.
/// Addresses are compared in lower case, as people write them.
pub async fn invite(
    db: &Db,
    actor_id: &str,
    email: &str,
    by: &str,
    mail: &kernel::mail::Letter,
) -> Result<bool, StoreError> {
    let owner: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM actor_owners o JOIN users u ON u.id = o.user_id \
         WHERE o.actor_id = $1 AND LOWER(u.email) = $2",
    )
    .bind(actor_id)
    .bind(email)
    .fetch_one(db.pool())
    .await?;
    if owner > 0 {
        return Ok(false);
    }
    let mut w = db.write().await?;
    sqlx::query(
        "INSERT INTO actor_invitations (actor_id, email, invited_by, created_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (actor_id, email) DO UPDATE SET invited_by = $3, created_at = $4",
    )
    .bind(actor_id)
    .bind(email)
    .bind(by)
    .bind(now_ms())
    .execute(&mut *w)
    .await?;
    w.audit(Some(by), "actor.invite_owner", "actor", actor_id, email)
        .await?;
    w.mail(mail).await?;
    w.commit().await?;
    Ok(true)
}

/// Answers an invitation addressed to `email`: the account `user_id` becomes an owner when it
/// accepts. An invitation already answered or withdrawn is refused (`NoInvitation`).
pub async fn answer(
    db: &Db,
    actor_id: &str,
    email: &str,
    user_id: &str,
    accept: bool,
) -> Result<(), StoreError> {
    let mut w = db.write().await?;
    let n = sqlx::query("DELETE FROM actor_invitations WHERE actor_id = $1 AND email = $2")
        .bind(actor_id)
        .bind(email)
        .execute(&mut *w)
        .await?
        .rows_affected();
    if n == 0 {
        return Err(StoreError::NoInvitation);
    }
    if accept {
        sqlx::query(
            "INSERT INTO actor_owners (actor_id, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
        )
        .bind(actor_id)
        .bind(user_id)
        .execute(&mut *w)
        .await?;
    }
    let action = if accept {
        "actor.owner_joined"
    } else {
        "actor.owner_declined"
    };
    w.audit(Some(user_id), action, "actor", actor_id, "")
        .await?;
    w.commit().await?;
    Ok(())
}

/// Withdraws an invitation.
pub async fn withdraw(db: &Db, actor_id: &str, email: &str, by: &str) -> Result<(), StoreError> {
    let query = sqlx::query("DELETE FROM actor_invitations WHERE actor_id = $1 AND email = $2")
        .bind(actor_id)
        .bind(email);
    db.execute_audited(
        query,
        Some(by),
        "actor.withdraw_invitation",
        "actor",
        actor_id,
        email,
    )
    .await?;
    Ok(())
}

/// Removes an owner; the last one stays (an entry always has someone to answer for it).
pub async fn remove(db: &Db, actor_id: &str, user_id: &str, by: &str) -> Result<(), StoreError> {
    let mut w = db.write().await?;
    let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM actor_owners WHERE actor_id = $1")
        .bind(actor_id)
        .fetch_one(&mut *w)
        .await?;
    if count <= 1 {
        return Err(StoreError::LastOwner);
    }
    let n = sqlx::query("DELETE FROM actor_owners WHERE actor_id = $1 AND user_id = $2")
        .bind(actor_id)
        .bind(user_id)
        .execute(&mut *w)
        .await?
        .rows_affected();
    if n == 0 {
        return Err(StoreError::NotFound);
    }
    w.audit(Some(by), "actor.remove_owner", "actor", actor_id, user_id)
        .await?;
    w.commit().await?;
    Ok(())
}

/// Sets whether an actor's owners publish their edits without moderation, with the `mails`
/// that tell them.
pub async fn set_trusted(
    db: &Db,
    actor: &Actor,
    trusted: bool,
    by: &str,
    mails: &[kernel::mail::Letter],
) -> Result<(), StoreError> {
    let mut w = db.write().await?;
    sqlx::query("UPDATE actors SET trusted = $1 WHERE id = $2")
        .bind(i64::from(trusted))
        .bind(&actor.id)
        .execute(&mut *w)
        .await?;
    let action = if trusted {
        "actor.trust"
    } else {
        "actor.distrust"
    };
    w.audit(Some(by), action, "actor", &actor.id, "").await?;
    w.mails(mails).await?;
    w.commit().await?;
    Ok(())
}

/// Sets (or with an empty name removes) an actor's logo.
pub async fn set_logo(db: &Db, actor: &Actor, logo: &str, by: &str) -> Result<(), StoreError> {
    let query = sqlx::query("UPDATE actors SET logo = $1, updated_at = $2 WHERE id = $3")
        .bind(logo)
        .bind(now_ms())
        .bind(&actor.id);
    db.execute_audited(query, Some(by), "actor.logo", "actor", &actor.id, logo)
        .await?;
    Ok(())
}

/// The actors a user owns, by name (the owner's way back to their entries).
pub async fn owned_by(db: &Db, user_id: &str) -> Result<Vec<Actor>, StoreError> {
    let ids: Vec<String> = sqlx::query_scalar(
        "SELECT o.actor_id FROM actor_owners o JOIN actors a ON a.id = o.actor_id \
         WHERE o.user_id = $1 ORDER BY a.name_key LIMIT 200",
    )
    .bind(user_id)
    .fetch_all(db.pool())
    .await?;
    store::by_ids(db, &ids).await
}
