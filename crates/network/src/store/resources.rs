//! The resources' SQL: a resource keeps its fields as one JSON document
//! (`model::ResourceInput`, with its attachments) and, as columns, what the lists filter on
//! (kind, methods as a comma list, licence). Resources are reviewed as `kernel::review` says
//! (`REVIEW`); a published one stays published when its member leaves the network.

use crate::error::StoreError;
use crate::model::{ResourceFilter, ResourceInput};
use kernel::changes::Entry;
use kernel::db::{Db, Op, Write};
use kernel::ids::{new_id, now_ms};
use kernel::review::{Mails, Reviewed};
use sqlx::Row;
use sqlx::any::AnyRow;

/// Where a resource stands: pending, published or rejected.
pub use kernel::review::State;

/// A resource as stored, with the member it belongs to.
#[derive(Debug, Clone)]
pub struct Resource {
    /// Opaque id.
    pub id: String,
    /// Its member.
    pub member_id: String,
    /// The member's directory actor.
    pub actor_id: String,
    /// That actor's name.
    pub actor_name: String,
    /// That actor's page in the directory.
    pub actor_url: String,
    /// Where it stands.
    pub state: State,
    /// Its fields.
    pub data: ResourceInput,
    /// Who proposed it.
    pub author: String,
    /// Incremented by every published change.
    pub revision: i64,
    /// When it was proposed (ms).
    pub created_at: i64,
    /// Its last change: when it was published, for a published one (ms).
    pub updated_at: i64,
}

impl Resource {
    /// Its page.
    pub fn url(&self) -> String {
        resource_url(&self.id)
    }
}

/// The page of the resource `id`.
pub fn resource_url(id: &str) -> String {
    format!("/commun/resources/{id}")
}

const SELECT: &str = "SELECT r.id, r.member_id, r.state, r.data, r.author, r.revision, r.created_at, \
     r.updated_at, m.actor_id, a.name AS actor_name, a.slug AS actor_slug \
     FROM network_resources r JOIN network_members m ON m.id = r.member_id \
     JOIN actors a ON a.id = m.actor_id";

/// The resources listed: published, narrowed by a kind (`$1`) and a method (`$2`) given as
/// `LIKE` patterns.
const LISTED: &str = "WHERE r.state = 'published' AND r.kind LIKE $1 \
     AND (',' || r.methods || ',') LIKE $2";

fn from_row(r: &AnyRow) -> Result<Option<Resource>, sqlx::Error> {
    let Ok(data) = serde_json::from_str(&r.try_get::<String, _>("data")?) else {
        return Ok(None);
    };
    Ok(Some(Resource {
        id: r.try_get("id")?,
        member_id: r.try_get("member_id")?,
        actor_id: r.try_get("actor_id")?,
        actor_name: r.try_get("actor_name")?,
        actor_url: directory::store::actor_url(&r.try_get::<String, _>("actor_slug")?),
        state: State::parse(&r.try_get::<String, _>("state")?),
        data,
        author: r.try_get("author")?,
        revision: r.try_get("revision")?,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
    }))
}

fn all_of(rows: &[AnyRow]) -> Result<Vec<Resource>, sqlx::Error> {
    rows.iter()
        .filter_map(|r| from_row(r).transpose())
        .collect()
}

/// How resources are reviewed: a proposed one, and its author's revisions once it is published,
/// wait for a network moderator.
pub const REVIEW: Reviewed = Reviewed {
    entity: crate::RESOURCE,
    table: "network_resources",
    stamped: "updated_at",
    revisions: "network_resource_revisions",
    item_column: "resource_id",
    decided: "network.decided",
    stale: "network.resource_stale",
    mails: Mails {
        published: "mail.network_resource_published",
        rejected: "mail.network_resource_rejected",
        revision_approved: "mail.network_resource_revision_approved",
        revision_rejected: "mail.network_resource_revision_rejected",
    },
};

/// Writes the columns and the document of a resource's fields.
async fn write(
    conn: &mut sqlx::AnyConnection,
    id: &str,
    r: &ResourceInput,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE network_resources SET title = $1, kind = $2, methods = $3, licence = $4, \
         data = $5 WHERE id = $6",
    )
    .bind(&r.title)
    .bind(&r.kind)
    .bind(r.methods.join(","))
    .bind(&r.licence)
    .bind(serde_json::to_string(r).map_err(|e| sqlx::Error::Encode(Box::new(e)))?)
    .bind(id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// A resource's revision by its author, waiting for a moderator.
pub type Revision = kernel::review::Revision<ResourceInput>;

/// An author's edit: refused (`Stale`) when the resource changed since the form was opened;
/// applied at once while the resource waits for its first decision, else kept for a moderator.
/// Returns whether it was applied.
pub async fn edit(
    db: &Db,
    r: &Resource,
    base: i64,
    data: &ResourceInput,
    by: &str,
) -> Result<bool, StoreError> {
    let item = (r.id.as_str(), r.revision);
    let at_once = r.state == State::Pending;
    REVIEW
        .edit(db, item, at_once, base, data, by, async |w: &mut Write| {
            write(w, &r.id, data).await
        })
        .await
}

/// The revisions waiting for a moderator, oldest first.
pub async fn pending_revisions(db: &Db) -> Result<Vec<Revision>, StoreError> {
    Ok(REVIEW.pending_revisions(db, 100).await?)
}

/// A revision waiting for a moderator, or `Decided`.
pub async fn pending_revision(db: &Db, id: &str) -> Result<Revision, StoreError> {
    Ok(REVIEW.pending_revision(db, id).await?)
}

/// Approves (applies) or rejects the pending revision `rev`, in one write with the `mails`
/// that tell its authors.
pub async fn decide_revision(
    db: &Db,
    rev: &Revision,
    approve: bool,
    reason: &str,
    by: &str,
    mails: &[kernel::mail::Letter],
) -> Result<(), StoreError> {
    REVIEW
        .decide_revision(
            db,
            rev,
            approve,
            reason,
            by,
            mails,
            async |w: &mut Write| write(w, &rev.item, &rev.data).await,
        )
        .await
}

/// Stores a resource a member's owner proposed, pending. Returns its id.
pub async fn submit(
    db: &Db,
    member_id: &str,
    r: &ResourceInput,
    by: &str,
) -> Result<String, StoreError> {
    let mut w = db.write().await?;
    let id = submit_in(&mut w, member_id, r, by).await?;
    w.commit().await?;
    Ok(id)
}

/// [`submit`], in a write of the caller's (which commits it with its own changes).
pub async fn submit_in(
    w: &mut Write,
    member_id: &str,
    r: &ResourceInput,
    by: &str,
) -> Result<String, StoreError> {
    let id = new_id();
    let now = now_ms();
    let data = serde_json::to_string(r).map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
    sqlx::query(
        "INSERT INTO network_resources (id, member_id, state, title, kind, methods, licence, \
         data, author, revision, created_at, updated_at) \
         VALUES ($1, $2, 'pending', $3, $4, $5, $6, $7, $8, 1, $9, $9)",
    )
    .bind(&id)
    .bind(member_id)
    .bind(&r.title)
    .bind(&r.kind)
    .bind(r.methods.join(","))
    .bind(&r.licence)
    .bind(data)
    .bind(by)
    .bind(now)
    .execute(&mut **w)
    .await?;
    w.changed(crate::RESOURCE, &id, Op::Upsert).await?;
    w.audit(
        Some(by),
        "network_resource.submit",
        "network_resource",
        &id,
        &r.title,
    )
    .await?;
    Ok(id)
}

/// Publishes or rejects a proposed resource, logged with the reason, with the
/// `mails` that tell its authors; refused (`Decided`) when
/// it no longer waits.
pub async fn decide(
    db: &Db,
    id: &str,
    publish: bool,
    reason: &str,
    by: &str,
    mails: &[kernel::mail::Letter],
) -> Result<(), StoreError> {
    Ok(REVIEW.decide(db, id, publish, reason, by, mails).await?)
}

/// A resource by id, whatever its state.
pub async fn get(db: &Db, id: &str) -> Result<Option<Resource>, StoreError> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!("{SELECT} WHERE r.id = $1")))
        .bind(id)
        .fetch_optional(db.pool())
        .await?;
    Ok(row.as_ref().map(from_row).transpose()?.flatten())
}

/// The resources waiting for a moderator, oldest first.
pub async fn pending(db: &Db) -> Result<Vec<Resource>, StoreError> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{SELECT} WHERE r.state = 'pending' ORDER BY r.created_at, r.id LIMIT 200"
    )))
    .fetch_all(db.pool())
    .await?;
    Ok(all_of(&rows)?)
}

/// The `LIKE` patterns of a filter.
fn patterns(filter: &ResourceFilter) -> (String, String) {
    (
        filter.kind.clone().unwrap_or_else(|| "%".into()),
        match &filter.method {
            Some(m) => format!("%,{m},%"),
            None => "%".into(),
        },
    )
}

/// How many resources a filter lists.
pub async fn count_listed(db: &Db, filter: &ResourceFilter) -> Result<i64, StoreError> {
    let (kind, method) = patterns(filter);
    Ok(sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
        "SELECT COUNT(*) FROM network_resources r {LISTED}"
    )))
    .bind(kind)
    .bind(method)
    .fetch_one(db.pool())
    .await?)
}

/// The resources a filter lists, the latest published first, `limit` of them after `offset`.
pub async fn listed(
    db: &Db,
    filter: &ResourceFilter,
    offset: i64,
    limit: i64,
) -> Result<Vec<Resource>, StoreError> {
    let (kind, method) = patterns(filter);
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{SELECT} {LISTED} ORDER BY r.updated_at DESC, r.id LIMIT $3 OFFSET $4"
    )))
    .bind(kind)
    .bind(method)
    .bind(limit)
    .bind(offset)
    .fetch_all(db.pool())
    .await?;
    Ok(all_of(&rows)?)
}

/// Every published resource (the open data), the latest first.
pub async fn all_listed(db: &Db) -> Result<Vec<Resource>, StoreError> {
    listed(db, &ResourceFilter::default(), 0, super::ALL_MAX).await
}

/// The last publication of a resource (the catalogue's date), if any.
pub async fn last_change(db: &Db) -> Result<Option<i64>, StoreError> {
    Ok(sqlx::query_scalar(
        "SELECT MAX(updated_at) FROM network_resources WHERE state = 'published'",
    )
    .fetch_one(db.pool())
    .await?)
}

/// The address of a resource's author.
pub async fn author_email(db: &Db, r: &Resource) -> Result<Option<String>, StoreError> {
    let email: Option<Option<String>> = sqlx::query_scalar("SELECT email FROM users WHERE id = $1")
        .bind(&r.author)
        .fetch_optional(db.pool())
        .await?;
    Ok(email.flatten())
}

fn entry(r: Resource) -> Entry {
    let published = r.state == State::Published;
    Entry {
        doc: published.then(|| kernel::search::SearchDoc {
            kind: crate::RESOURCE.as_str(),
            id: r.id.clone(),
            url: r.url(),
            title: r.data.title.clone(),
            body: format!(
                "{} {} {}",
                r.actor_name,
                r.data.summary,
                kernel::markdown::to_plain(&r.data.body),
            ),
            tag: "search.tag.resource",
            subtitle: r.actor_name.clone(),
            boost: 1.0,
            region: String::new(),
            date: Some(r.updated_at),
        }),
        point: None,
        sublayer: None,
    }
}

/// Every published resource as an index entry.
pub async fn index_entries(db: Db) -> Result<Vec<Entry>, sqlx::Error> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{SELECT} WHERE r.state = 'published'"
    )))
    .fetch_all(db.pool())
    .await?;
    Ok(all_of(&rows)?.into_iter().map(entry).collect())
}

/// The index entry of one resource.
pub async fn index_entry(db: Db, id: String) -> Result<Option<Entry>, sqlx::Error> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!("{SELECT} WHERE r.id = $1")))
        .bind(id)
        .fetch_optional(db.pool())
        .await?;
    Ok(row.as_ref().map(from_row).transpose()?.flatten().map(entry))
}
