//! The network's SQL: the methods vocabulary, the members (a request to join is a member row
//! waiting for a moderator). A member's methods and départements are kept as comma-separated
//! codes on its row, which the filters match with `LIKE` (a network holds hundreds of members,
//! not millions). Members are reviewed as `kernel::review` says (`REVIEW`).

pub mod requests;
pub mod resources;

use crate::error::StoreError;
use crate::model::*;
use kernel::db::{Db, Op};
use kernel::ids::{new_id, now_ms};
use kernel::review::{Mails, Reviewed};
use sqlx::Row;
use sqlx::any::AnyRow;

const SELECT: &str = "SELECT m.id, m.actor_id, m.state, m.methods, m.departements, m.refs, \
     m.charter_accepted_at, m.created_at, m.updated_at, a.name AS actor_name, \
     a.slug AS actor_slug, a.lat, a.lon \
     FROM network_members m JOIN actors a ON a.id = m.actor_id";

/// The members shown: accepted, their actor published, narrowed by a method (`$1`) and a
/// département (`$2`) given as `LIKE` patterns.
const LISTED: &str = "WHERE m.state = 'published' AND a.state = 'published' \
     AND (',' || m.methods || ',') LIKE $1 AND (',' || m.departements || ',') LIKE $2";

fn codes(s: &str) -> Vec<String> {
    s.split(',')
        .filter(|c| !c.is_empty())
        .map(String::from)
        .collect()
}

fn from_row(r: &AnyRow) -> Result<Member, sqlx::Error> {
    Ok(Member {
        id: r.try_get("id")?,
        actor_id: r.try_get("actor_id")?,
        actor_name: r.try_get("actor_name")?,
        actor_url: directory::store::actor_url(&r.try_get::<String, _>("actor_slug")?),
        lat: r.try_get("lat")?,
        lon: r.try_get("lon")?,
        state: MemberState::parse(&r.try_get::<String, _>("state")?),
        methods: codes(&r.try_get::<String, _>("methods")?),
        departements: codes(&r.try_get::<String, _>("departements")?),
        references: r.try_get("refs")?,
        charter_accepted_at: r.try_get("charter_accepted_at")?,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
    })
}

/// The methods of the vocabulary, in its order.
pub async fn methods(db: &Db) -> Result<Vec<Method>, StoreError> {
    let query =
        sqlx::query("SELECT code, label_fr, label_en FROM network_methods ORDER BY position, code");
    Ok(db
        .fetch_all_with(query, |r| {
            Ok(Method {
                code: r.try_get("code")?,
                label_fr: r.try_get("label_fr")?,
                label_en: r.try_get("label_en")?,
            })
        })
        .await?)
}

/// How members are reviewed: a request to join waits for a network moderator. (Members do not
/// revise their entry yet: the revisions' table is there for when they do, and their mails are
/// the decisions' own.)
pub const REVIEW: Reviewed = Reviewed {
    entity: crate::MEMBER,
    table: "network_members",
    stamped: "updated_at",
    revisions: "network_member_revisions",
    item_column: "member_id",
    decided: "network.decided",
    stale: "network.decided",
    mails: Mails {
        published: "mail.network_member_accepted",
        rejected: "mail.network_member_refused",
        revision_approved: "mail.network_member_accepted",
        revision_rejected: "mail.network_member_refused",
    },
};

/// Records an owner's request for an actor to join, waiting for a moderator, the charter
/// accepted now. An actor that was refused or left asks again on the same row; one that is a
/// member, or waits, is refused (`AlreadyAsked`). Returns the member's id.
pub async fn request(db: &Db, input: &JoinInput, by: &str) -> Result<String, StoreError> {
    let now = now_ms();
    let mut w = db.write().await?;
    let existing = sqlx::query("SELECT id, state FROM network_members WHERE actor_id = $1")
        .bind(input.actor_id())
        .fetch_optional(&mut *w)
        .await?;
    let id = match existing {
        Some(row) => {
            let id: String = row.try_get("id")?;
            if !MemberState::parse(&row.try_get::<String, _>("state")?).may_ask() {
                return Err(StoreError::AlreadyAsked);
            }
            sqlx::query(
                "UPDATE network_members SET state = 'pending', methods = $1, departements = $2, \
                 refs = $3, charter_accepted_at = $4, requested_by = $5, created_at = $4, \
                 updated_at = $4 WHERE id = $6",
            )
            .bind(input.methods().join(","))
            .bind(input.departements().join(","))
            .bind(input.references())
            .bind(now)
            .bind(by)
            .bind(&id)
            .execute(&mut *w)
            .await?;
            id
        }
        None => {
            let id = new_id();
            let inserted = sqlx::query(
                "INSERT INTO network_members (id, actor_id, state, methods, departements, refs, \
                 charter_accepted_at, revision, requested_by, created_at, updated_at) \
                 VALUES ($1, $2, 'pending', $3, $4, $5, $6, 0, $7, $6, $6)",
            )
            .bind(&id)
            .bind(input.actor_id())
            .bind(input.methods().join(","))
            .bind(input.departements().join(","))
            .bind(input.references())
            .bind(now)
            .bind(by)
            .execute(&mut *w)
            .await;
            match inserted {
                // Two requests for one actor at once: the other one won.
                Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {
                    return Err(StoreError::AlreadyAsked);
                }
                r => r?,
            };
            id
        }
    };
    w.changed(crate::MEMBER, &id, Op::Upsert).await?;
    w.audit(
        Some(by),
        "network_member.request",
        "network_member",
        &id,
        input.actor_id(),
    )
    .await?;
    w.commit().await?;
    Ok(id)
}

/// Accepts or refuses a request to join, logged with the reason, with the
/// `mails` that tell its authors; refused (`Decided`) when it
/// no longer waits.
pub async fn decide(
    db: &Db,
    id: &str,
    accept: bool,
    reason: &str,
    by: &str,
    mails: &[kernel::mail::Letter],
) -> Result<(), StoreError> {
    Ok(REVIEW.decide(db, id, accept, reason, by, mails).await?)
}

/// A member leaves the network (or its request is withdrawn); refused (`NotMember`) when it is
/// neither a member nor waiting.
pub async fn leave(db: &Db, id: &str, by: &str) -> Result<(), StoreError> {
    let mut w = db.write().await?;
    let n = sqlx::query(
        "UPDATE network_members SET state = 'left', updated_at = $1 \
         WHERE id = $2 AND state IN ('pending', 'published')",
    )
    .bind(now_ms())
    .bind(id)
    .execute(&mut *w)
    .await?
    .rows_affected();
    if n == 0 {
        return Err(StoreError::NotMember);
    }
    w.changed(crate::MEMBER, id, Op::Upsert).await?;
    w.audit(Some(by), "network_member.leave", "network_member", id, "")
        .await?;
    w.commit().await?;
    Ok(())
}

/// A member (or request) by id, whatever its state.
pub async fn get(db: &Db, id: &str) -> Result<Option<Member>, StoreError> {
    let query = sqlx::query(sqlx::AssertSqlSafe(format!("{SELECT} WHERE m.id = $1"))).bind(id);
    Ok(db.fetch_optional_with(query, from_row).await?)
}

/// The membership of an actor, whatever its state, if it ever asked.
pub async fn of_actor(db: &Db, actor_id: &str) -> Result<Option<Member>, StoreError> {
    let query = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{SELECT} WHERE m.actor_id = $1"
    )))
    .bind(actor_id);
    Ok(db.fetch_optional_with(query, from_row).await?)
}

/// The accepted members whose directory actor `user_id` owns: those they act for, by name.
pub async fn owned_accepted(db: &Db, user_id: &str) -> Result<Vec<Member>, StoreError> {
    let query = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{SELECT} JOIN actor_owners o ON o.actor_id = m.actor_id \
         WHERE o.user_id = $1 AND m.state = 'published' ORDER BY a.name_key, m.id"
    )))
    .bind(user_id);
    Ok(db.fetch_all_with(query, from_row).await?)
}

/// The requests waiting for a moderator, oldest first.
pub async fn pending(db: &Db) -> Result<Vec<Member>, StoreError> {
    let query = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{SELECT} WHERE m.state = 'pending' ORDER BY m.created_at, m.id LIMIT 200"
    )));
    Ok(db.fetch_all_with(query, from_row).await?)
}

/// The `LIKE` patterns of a filter.
fn patterns(filter: &Filter) -> (String, String) {
    let pattern = |code: &Option<String>| match code {
        Some(c) => format!("%,{c},%"),
        None => "%".to_string(),
    };
    (pattern(&filter.method), pattern(&filter.departement))
}

/// How many members a filter shows.
pub async fn count_listed(db: &Db, filter: &Filter) -> Result<i64, StoreError> {
    let (method, departement) = patterns(filter);
    Ok(sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
        "SELECT COUNT(*) FROM network_members m JOIN actors a ON a.id = m.actor_id {LISTED}"
    )))
    .bind(method)
    .bind(departement)
    .fetch_one(db.pool())
    .await?)
}

/// The members a filter shows, by their actor's name, `limit` of them after `offset`.
pub async fn listed(
    db: &Db,
    filter: &Filter,
    offset: i64,
    limit: i64,
) -> Result<Vec<Member>, StoreError> {
    let (method, departement) = patterns(filter);
    let query = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{SELECT} {LISTED} ORDER BY a.name_key, m.id LIMIT $3 OFFSET $4"
    )))
    .bind(method)
    .bind(departement)
    .bind(limit)
    .bind(offset);
    Ok(db.fetch_all_with(query, from_row).await?)
}

/// Most members a map or a data set holds.
pub const ALL_MAX: i64 = 10_000;

/// Every member a filter shows (the map, the open data), by their actor's name.
pub async fn all_listed(db: &Db, filter: &Filter) -> Result<Vec<Member>, StoreError> {
    listed(db, filter, 0, ALL_MAX).await
}

/// The last change of a member shown (the catalogue's date), if any.
pub async fn last_change(db: &Db) -> Result<Option<i64>, StoreError> {
    Ok(sqlx::query_scalar(
        "SELECT MAX(updated_at) FROM network_members WHERE state IN ('published', 'left')",
    )
    .fetch_one(db.pool())
    .await?)
}
