//! The directory's SQL: actors (proposed, published, rejected), their owners, the revisions
//! owners propose. An actor's row holds its terms (kind, themes, activities, publics,
//! département and région), which the facet index reads.

mod row;

use crate::actor::{ActorInput, normalise};
use crate::error::StoreError;
use crate::model::Siret;
use kernel::changes::Entry;
use kernel::db::{Db, Op, Write};
use kernel::geo::GeoPoint;
use kernel::ids::{new_id, now_ms};
use kernel::review::{Mails, Reviewed};
use row::{SELECT, from_row, insert_row, write_fields};
use sqlx::Row;
use sqlx::any::AnyRow;
use std::collections::{HashMap, HashSet};

pub(crate) use row::csv_page_query;

/// The map layer of the published actors.
pub const MAP_LAYER: &str = "actors";

/// Where an actor stands: pending, published or rejected.
pub use kernel::review::State;

/// An actor as stored.
#[derive(Debug, Clone)]
pub struct Actor {
    /// Opaque id.
    pub id: String,
    /// Its address: `/directory/actors/{slug}`.
    pub slug: String,
    /// Where it stands.
    pub state: State,
    /// Its fields.
    pub data: ActorInput,
    /// Its département and région codes, from the referential.
    pub departement: String,
    /// Région code.
    pub region: String,
    /// Whether its owners publish their edits without moderation.
    pub trusted: bool,
    /// Incremented by every published change: an edit names the revision it started from.
    pub revision: i64,
    /// Creation (ms).
    pub created_at: i64,
    /// Last published change (ms).
    pub updated_at: i64,
    /// Last confirmation by an owner (ms).
    pub verified_at: i64,
    /// File name of its logo in the uploads, or empty.
    pub logo: String,
}

impl Actor {
    /// Its page.
    pub fn url(&self) -> String {
        actor_url(&self.slug)
    }
}

/// The page of the actor at this address (its slug), or of this id (the map's points link by
/// id: the page finds an actor by either).
pub fn actor_url(slug_or_id: &str) -> String {
    format!("/directory/actors/{slug_or_id}")
}

/// The département and région of a commune, from the referential.
pub async fn place_of(db: &Db, commune: &str) -> Result<Option<(String, String)>, StoreError> {
    let t =
        kernel::territories::store::get(db, kernel::territories::TerritoryKind::Commune, commune)
            .await?;
    Ok(t.map(|t| {
        (
            t.departement.unwrap_or_default(),
            t.region.unwrap_or_default(),
        )
    }))
}

/// Parses an actor's form against the referential (its commune, and the part of France its
/// position must lie in).
pub async fn parse_actor(
    db: &Db,
    tax: &crate::terms::Taxonomy,
    fields: &crate::actor::ActorFields,
) -> Result<Result<ActorInput, kernel::FieldErrors>, StoreError> {
    let commune = fields.get("commune").trim().to_uppercase();
    let departement = place_of(db, &commune).await?.map(|(d, _)| d);
    Ok(fields.parse(tax, |c| {
        if c == commune {
            departement.clone()
        } else {
            None
        }
    }))
}

/// Stores a proposed actor, pending, its proposer as owner. Returns it.
pub async fn propose(db: &Db, a: &ActorInput, by: &str) -> Result<Actor, StoreError> {
    let (dep, reg) = place_of(db, a.commune()).await?.unwrap_or_default();
    let id = new_id();
    let slug = kernel::text::slug(a.name());
    let mut w = db.write().await?;
    insert_row(
        &mut w,
        (&id, &slug, "pending", Some(by), now_ms()),
        a,
        (&dep, &reg),
    )
    .await?;
    sqlx::query("INSERT INTO actor_owners (actor_id, user_id) VALUES ($1, $2)")
        .bind(&id)
        .bind(by)
        .execute(&mut *w)
        .await?;
    w.audit(Some(by), "actor.propose", "actor", &id, a.name())
        .await?;
    w.commit().await?;
    get(db, &id).await?.ok_or(StoreError::NotFound)
}

/// Imports one actor: updates the actor with this id when there is one (a new revision), else
/// adds it published (with this id when given). Returns whether it was added.
pub async fn import_one(db: &Db, id: Option<&str>, a: &ActorInput) -> Result<bool, StoreError> {
    if let Some(id) = id
        && let Some(actor) = get(db, id).await?
    {
        let item = (id, actor.revision);
        REVIEW
            .edit(
                db,
                item,
                true,
                actor.revision,
                a,
                "import",
                async |w: &mut Write| write_input(db, w, id, a).await,
            )
            .await?;
        return Ok(false);
    }
    let (dep, reg) = place_of(db, a.commune()).await?.unwrap_or_default();
    let id = id.map(String::from).unwrap_or_else(new_id);
    let slug = kernel::text::slug(a.name());
    let mut w = db.write().await?;
    insert_row(
        &mut w,
        (&id, &slug, "published", None, now_ms()),
        a,
        (&dep, &reg),
    )
    .await?;
    w.audit(None, "actor.import", "actor", &id, a.name())
        .await?;
    w.changed(crate::ACTOR, &id, Op::Upsert).await?;
    w.commit().await?;
    Ok(true)
}

/// One actor by id, whatever its state.
pub async fn get(db: &Db, id: &str) -> Result<Option<Actor>, StoreError> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!("{} WHERE id = $1", *SELECT)))
        .bind(id)
        .fetch_optional(db.pool())
        .await?;
    Ok(row.as_ref().map(from_row).transpose()?)
}

/// One actor by its address.
pub async fn by_slug(db: &Db, slug: &str) -> Result<Option<Actor>, StoreError> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!("{} WHERE slug = $1", *SELECT)))
        .bind(slug)
        .fetch_optional(db.pool())
        .await?;
    Ok(row.as_ref().map(from_row).transpose()?)
}

/// Whether a user owns an actor.
pub async fn owns(db: &Db, actor_id: &str, user_id: &str) -> Result<bool, StoreError> {
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM actor_owners WHERE actor_id = $1 AND user_id = $2",
    )
    .bind(actor_id)
    .bind(user_id)
    .fetch_one(db.pool())
    .await?;
    Ok(n > 0)
}

/// The owners' addresses of an actor (for the moderators' answers).
pub async fn owner_emails(db: &Db, actor_id: &str) -> Result<Vec<String>, StoreError> {
    let rows: Vec<Option<String>> = sqlx::query_scalar(
        "SELECT u.email FROM actor_owners o JOIN users u ON u.id = o.user_id WHERE o.actor_id = $1",
    )
    .bind(actor_id)
    .fetch_all(db.pool())
    .await?;
    Ok(rows.into_iter().flatten().collect())
}

/// How actors are reviewed: proposed ones and their owners' revisions wait for a moderator.
pub const REVIEW: Reviewed = Reviewed {
    entity: crate::ACTOR,
    table: "actors",
    stamped: "updated_at, verified_at",
    revisions: "actor_revisions",
    item_column: "actor_id",
    decided: "actor.decided",
    stale: "actor.stale",
    mails: Mails {
        published: "mail.actor_published",
        rejected: "mail.actor_rejected",
        revision_approved: "mail.actor_revision_approved",
        revision_rejected: "mail.actor_revision_rejected",
    },
};

/// Publishes or rejects a proposed actor, logged with the reason, with the `mails` that tell
/// its owners.
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

/// Likely duplicates of an actor among the others: the same SIRET, or the same folded name
/// within 200 m.
pub async fn duplicates(db: &Db, a: &Actor) -> Result<Vec<Actor>, StoreError> {
    let d = 0.01; // about 1 km: the box the distance is then computed in
    let here = a.data.position();
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{} WHERE id <> $1 AND state <> 'rejected' AND ((siret <> '' AND siret = $2) \
         OR (name_key = $3 AND lat BETWEEN $4 AND $5 AND lon BETWEEN $6 AND $7)) LIMIT 20",
        *SELECT
    )))
    .bind(&a.id)
    .bind(a.data.siret().map_or("", Siret::as_str))
    .bind(normalise(a.data.name()))
    .bind(here.lat - d)
    .bind(here.lat + d)
    .bind(here.lon - d * 1.5)
    .bind(here.lon + d * 1.5)
    .fetch_all(db.pool())
    .await?;
    let mut found = rows.iter().map(from_row).collect::<Result<Vec<_>, _>>()?;
    found.retain(|o| {
        (a.data.siret().is_some() && o.data.siret() == a.data.siret())
            || here.distance_m(&o.data.position()) <= 200.0
    });
    Ok(found)
}

/// A proposed change of a published actor.
pub type Revision = kernel::review::Revision<ActorInput>;

/// An owner's edit of a published actor: refused when the actor changed since the form was
/// opened (`base`); published at once for trusted actors, else kept for a moderator.
/// Returns whether it was published.
pub async fn edit(
    db: &Db,
    actor: &Actor,
    base: i64,
    a: &ActorInput,
    by: &str,
) -> Result<bool, StoreError> {
    let at_once = actor.trusted || actor.state == State::Pending;
    REVIEW
        .edit(
            db,
            (actor.id.as_str(), actor.revision),
            at_once,
            base,
            a,
            by,
            async |w: &mut Write| write_input(db, w, &actor.id, a).await,
        )
        .await
}

/// Writes an actor's fields with the département and région of its commune, in `w`.
async fn write_input(db: &Db, w: &mut Write, id: &str, a: &ActorInput) -> Result<(), StoreError> {
    let (dep, reg) = place_of(db, a.commune()).await?.unwrap_or_default();
    write_fields(w, id, a, (&dep, &reg)).await?;
    Ok(())
}

/// The revisions waiting for a moderator, oldest first.
pub async fn pending_revisions(db: &Db) -> Result<Vec<Revision>, StoreError> {
    Ok(REVIEW.pending_revisions(db, 200).await?)
}

/// A revision waiting for a moderator, or `actor.decided`.
pub async fn pending_revision(db: &Db, id: &str) -> Result<Revision, StoreError> {
    Ok(REVIEW.pending_revision(db, id).await?)
}

/// Approves or rejects the pending revision `rev`, with the `mails` that tell the actor's
/// owners. Approving one whose actor changed meanwhile is refused (`actor.stale`).
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
            async |w: &mut Write| write_input(db, w, &rev.item, &rev.data).await,
        )
        .await
}

/// An owner confirms the actor is up to date.
pub async fn verify(db: &Db, id: &str, by: &str) -> Result<(), StoreError> {
    let mut w = db.write().await?;
    sqlx::query("UPDATE actors SET verified_at = $1, reminded_at = NULL WHERE id = $2")
        .bind(now_ms())
        .bind(id)
        .execute(&mut *w)
        .await?;
    w.audit(Some(by), "actor.verify", "actor", id, "").await?;
    w.commit().await?;
    Ok(())
}

/// Published actors not verified since `before` (ms) whose owners were not reminded yet.
pub async fn due_reminders(db: &Db, before: i64) -> Result<Vec<Actor>, StoreError> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{} WHERE state = 'published' AND verified_at < $1 AND reminded_at IS NULL LIMIT 1000",
        *SELECT
    )))
    .bind(before)
    .fetch_all(db.pool())
    .await?;
    Ok(rows.iter().map(from_row).collect::<Result<_, _>>()?)
}

/// Notes that an actor's owners were reminded, with the reminders' `mails`.
pub async fn reminded(db: &Db, id: &str, mails: &[kernel::mail::Letter]) -> Result<(), StoreError> {
    let mut w = db.write().await?;
    sqlx::query("UPDATE actors SET reminded_at = $1 WHERE id = $2")
        .bind(now_ms())
        .bind(id)
        .execute(&mut *w)
        .await?;
    w.mails(mails).await?;
    w.commit().await?;
    Ok(())
}

/// Proposed actors waiting for a moderator, oldest first.
pub async fn pending(db: &Db) -> Result<Vec<Actor>, StoreError> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{} WHERE state = 'pending' ORDER BY created_at LIMIT 200",
        *SELECT
    )))
    .fetch_all(db.pool())
    .await?;
    Ok(rows.iter().map(from_row).collect::<Result<_, _>>()?)
}

/// Some actors by id, in the order of the ids given (a page of the directory).
pub async fn by_ids(db: &Db, ids: &[String]) -> Result<Vec<Actor>, StoreError> {
    Ok(db
        .rows_by_ids(&SELECT, ids)
        .await?
        .iter()
        .map(from_row)
        .collect::<Result<_, _>>()?)
}

/// What another component shows of an actor: its name and its page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActorLink {
    /// Opaque id.
    pub id: String,
    /// Its name.
    pub name: String,
    /// Its page: `/directory/actors/{slug}`.
    pub url: String,
}

/// The names and pages of some actors, whatever their state, by id, in one query (for the
/// components that list what actors did, such as the challenges' responses). An id without an
/// actor has no entry.
pub async fn links(db: &Db, ids: &[String]) -> Result<HashMap<String, ActorLink>, StoreError> {
    let mut seen = HashSet::new();
    let unique: Vec<String> = ids
        .iter()
        .filter(|id| seen.insert(id.as_str()))
        .cloned()
        .collect();
    let rows = db
        .rows_by_ids("SELECT id, name, slug FROM actors", &unique)
        .await?;
    let mut out = HashMap::with_capacity(rows.len());
    for r in &rows {
        let id: String = r.try_get("id")?;
        let slug: String = r.try_get("slug")?;
        let link = ActorLink {
            id: id.clone(),
            name: r.try_get("name")?,
            url: actor_url(&slug),
        };
        out.insert(id, link);
    }
    Ok(out)
}

/// One page of the published actors in the order of their ids, after a cursor (the open data
/// export; the id alone keeps each page one range of the primary key).
pub async fn export_page(
    db: &Db,
    after: Option<(i64, String)>,
    limit: i64,
) -> Result<Vec<Actor>, StoreError> {
    let after = after.map(|(_, id)| id).unwrap_or_default();
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{} WHERE state = 'published' AND id > $1 ORDER BY id LIMIT $2",
        *SELECT
    )))
    .bind(after)
    .bind(limit)
    .fetch_all(db.pool())
    .await?;
    Ok(rows.iter().map(from_row).collect::<Result<_, _>>()?)
}

/// One page of the open data CSV after a cursor, written by the database: the published
/// columns (`crate::columns::published`, the header of `web::CSV_HEADER`), in the order of the
/// ids (none when the export is done).
pub async fn export_csv_page(
    db: &Db,
    after: Option<(i64, String)>,
    limit: i64,
) -> Result<Vec<kernel::opendata::TextPage>, StoreError> {
    let after = after.map(|(_, id)| id).unwrap_or_default();
    let row = sqlx::query(sqlx::AssertSqlSafe(csv_page_query(db.engine())))
        .bind(after)
        .bind(limit)
        .fetch_one(db.pool())
        .await?;
    if row.try_get::<i64, _>("n")? == 0 {
        return Ok(Vec::new());
    }
    Ok(vec![kernel::opendata::TextPage {
        text: row.try_get("page_text")?,
        last: row.try_get("last_id")?,
    }])
}

/// What the indexes read of an actor: only the columns they use, since every node reads
/// them all at start.
const INDEXED: &str = "SELECT id, slug, state, name, short_description, description, address, \
     lat, lon, region FROM actors";

fn entry(r: &AnyRow) -> Result<Entry, sqlx::Error> {
    let published = r.try_get::<String, _>("state")? == State::Published.as_str();
    let id: String = r.try_get("id")?;
    let short: String = r.try_get("short_description")?;
    let description: String = r.try_get("description")?;
    let address: String = r.try_get("address")?;
    Ok(Entry {
        doc: if published {
            Some(kernel::search::SearchDoc {
                kind: "actor",
                id: id.clone(),
                url: actor_url(&r.try_get::<String, _>("slug")?),
                title: r.try_get("name")?,
                body: if description.is_empty() {
                    format!("{short} {address}")
                } else {
                    format!(
                        "{short} {} {address}",
                        kernel::markdown::to_plain(&description)
                    )
                },
                tag: "search.tag.actor",
                subtitle: short,
                boost: 1.0,
                region: r.try_get("region")?,
                date: None,
            })
        } else {
            None
        },
        point: if published {
            Some(GeoPoint {
                id,
                lat: r.try_get("lat")?,
                lon: r.try_get("lon")?,
            })
        } else {
            None
        },
        sublayer: None,
    })
}

/// Every published actor as an index entry.
pub async fn index_entries(db: Db) -> Result<Vec<Entry>, sqlx::Error> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{INDEXED} WHERE state = 'published'"
    )))
    .fetch_all(db.pool())
    .await?;
    rows.iter().map(entry).collect()
}

/// The index entry of one actor.
pub async fn index_entry(db: Db, id: String) -> Result<Option<Entry>, sqlx::Error> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!("{INDEXED} WHERE id = $1")))
        .bind(id)
        .fetch_optional(db.pool())
        .await?;
    row.as_ref().map(entry).transpose()
}
