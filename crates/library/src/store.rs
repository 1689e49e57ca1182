//! The library's SQL: experience reports (proposed, published, rejected) with the columns the
//! library filters on (territory kind, population band, région, themes, tools), the fields as
//! one JSON document, and the authors' revisions waiting for a moderator.

use crate::error::StoreError;
use crate::model::ExperienceInput;
use kernel::changes::Entry;
use kernel::db::{Db, Op, Write};
use kernel::i18n::Lang;
use kernel::ids::{new_id, now_ms};
use kernel::review::{Mails, Reviewed};
use kernel::territories::Territory;
use sqlx::Row;
use sqlx::any::AnyRow;

/// Where an experience stands: pending, published or rejected.
pub use kernel::review::State;

/// An experience as stored.
#[derive(Debug, Clone)]
pub struct Experience {
    /// Opaque id.
    pub id: String,
    /// Its address: `/library/{slug}`.
    pub slug: String,
    /// Where it stands.
    pub state: State,
    /// Its fields.
    pub data: ExperienceInput,
    /// The territory's name.
    pub territory_name: String,
    /// Its kind (commune, epci, departement, region).
    pub territory_kind: String,
    /// Its population band (`kernel::territories::population_band`).
    pub band: String,
    /// Its région's code.
    pub region: String,
    /// Who submitted it.
    pub author: String,
    /// Incremented by every published change.
    pub revision: i64,
    /// Last published change (ms).
    pub updated_at: i64,
}

impl Experience {
    /// Its page.
    pub fn url(&self) -> String {
        format!("/library/{}", self.slug)
    }
}

const SELECT: &str = "SELECT id, slug, state, data, territory_name, territory_kind, band, region, \
     author, revision, updated_at FROM experiences";

fn from_row(r: &AnyRow) -> Result<Option<Experience>, sqlx::Error> {
    let Ok(data) = serde_json::from_str(&r.try_get::<String, _>("data")?) else {
        return Ok(None);
    };
    Ok(Some(Experience {
        id: r.try_get("id")?,
        slug: r.try_get("slug")?,
        state: State::parse(&r.try_get::<String, _>("state")?),
        data,
        territory_name: r.try_get("territory_name")?,
        territory_kind: r.try_get("territory_kind")?,
        band: r.try_get("band")?,
        region: r.try_get("region")?,
        author: r.try_get("author")?,
        revision: r.try_get("revision")?,
        updated_at: r.try_get("updated_at")?,
    }))
}

/// The territory of an experience, from the referential.
pub async fn territory_of(db: &Db, e: &ExperienceInput) -> Result<Option<Territory>, StoreError> {
    Ok(kernel::territories::store::named(db, &e.territory).await?)
}

/// Writes the columns derived from the fields and the territory.
async fn write(
    conn: &mut sqlx::AnyConnection,
    id: &str,
    e: &ExperienceInput,
    t: &Territory,
) -> Result<(), StoreError> {
    let region = match t.kind {
        kernel::territories::TerritoryKind::Region => t.code.clone(),
        _ => t.region.clone().unwrap_or_default(),
    };
    sqlx::query(
        "UPDATE experiences SET title = $1, data = $2, territory_kind = $3, territory_code = $4, \
         territory_name = $5, band = $6, region = $7, themes = $8, tools = $9 WHERE id = $10",
    )
    .bind(&e.title)
    .bind(serde_json::to_string(e).map_err(|e| sqlx::Error::Encode(Box::new(e)))?)
    .bind(t.kind.as_str())
    .bind(&t.code)
    .bind(&t.name)
    .bind(kernel::territories::population_band(
        t.population.unwrap_or(0),
    ))
    .bind(region)
    .bind(e.themes.join(","))
    .bind(e.tools.join(","))
    .bind(id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Stores a submitted experience, pending. Returns it.
pub async fn submit(db: &Db, e: &ExperienceInput, by: &str) -> Result<Experience, StoreError> {
    let t = territory_of(db, e)
        .await?
        .ok_or(StoreError::UnknownTerritory)?;
    let id = new_id();
    let now = now_ms();
    let mut w = db.write().await?;
    sqlx::query(
        "INSERT INTO experiences (id, slug, state, title, data, territory_kind, territory_code, \
         territory_name, band, region, themes, tools, author, revision, created_at, updated_at) \
         VALUES ($1, $2, 'pending', '', '', '', '', '', '', '', '', '', $3, 1, $4, $4)",
    )
    .bind(&id)
    .bind(kernel::text::slug(&e.title))
    .bind(by)
    .bind(now)
    .execute(&mut *w)
    .await?;
    write(&mut w, &id, e, &t).await?;
    w.audit(Some(by), "experience.submit", "experience", &id, &e.title)
        .await?;
    w.changed(crate::EXPERIENCE, &id, Op::Upsert).await?;
    w.commit().await?;
    get(db, &id).await?.ok_or(StoreError::NotFound)
}

/// One experience.
pub async fn get(db: &Db, id: &str) -> Result<Option<Experience>, StoreError> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!("{SELECT} WHERE id = $1")))
        .bind(id)
        .fetch_optional(db.pool())
        .await?;
    Ok(row.as_ref().map(from_row).transpose()?.flatten())
}

/// One experience by its address.
pub async fn by_slug(db: &Db, slug: &str) -> Result<Option<Experience>, StoreError> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!("{SELECT} WHERE slug = $1")))
        .bind(slug)
        .fetch_optional(db.pool())
        .await?;
    Ok(row.as_ref().map(from_row).transpose()?.flatten())
}

/// Some experiences by id, in the order of the ids.
pub async fn by_ids(db: &Db, ids: &[String]) -> Result<Vec<Experience>, StoreError> {
    Ok(db
        .rows_by_ids(SELECT, ids)
        .await?
        .iter()
        .filter_map(|r| from_row(r).transpose())
        .collect::<Result<_, _>>()?)
}

/// How experiences are reviewed: submitted ones and their authors' revisions wait for a moderator.
pub const REVIEW: Reviewed = Reviewed {
    entity: crate::EXPERIENCE,
    table: "experiences",
    stamped: "updated_at",
    revisions: "experience_revisions",
    item_column: "experience_id",
    decided: "experience.decided",
    stale: "experience.stale",
    mails: Mails {
        published: "mail.experience_published",
        rejected: "mail.experience_rejected",
        revision_approved: "mail.experience_revision_approved",
        revision_rejected: "mail.experience_revision_rejected",
    },
};

/// Publishes or rejects a submitted experience, logged with the reason, with the `mails`
/// that tell its author.
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

/// The experiences waiting for a moderator, oldest first.
pub async fn pending(db: &Db) -> Result<Vec<Experience>, StoreError> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{SELECT} WHERE state = 'pending' ORDER BY created_at LIMIT 100"
    )))
    .fetch_all(db.pool())
    .await?;
    Ok(rows
        .iter()
        .filter_map(|r| from_row(r).transpose())
        .collect::<Result<_, _>>()?)
}

/// What the library filters and counts on, for every published experience.
#[derive(Debug, Clone)]
pub struct Card {
    /// Id.
    pub id: String,
    /// Territory kind.
    pub kind: String,
    /// Population band.
    pub band: String,
    /// Région code.
    pub region: String,
    /// Theme codes.
    pub themes: Vec<String>,
    /// Tool codes.
    pub tools: Vec<String>,
    /// Last published change (ms).
    pub updated_at: i64,
}

/// Every published experience's card, the latest first.
pub async fn cards(db: &Db) -> Result<Vec<Card>, StoreError> {
    let rows = sqlx::query(
        "SELECT id, territory_kind, band, region, themes, tools, updated_at FROM experiences \
         WHERE state = 'published' ORDER BY updated_at DESC, id",
    )
    .fetch_all(db.pool())
    .await?;
    let split = |s: String| -> Vec<String> {
        s.split(',')
            .filter(|x| !x.is_empty())
            .map(String::from)
            .collect()
    };
    Ok(rows
        .iter()
        .map(|r| {
            Ok(Card {
                id: r.try_get("id")?,
                kind: r.try_get("territory_kind")?,
                band: r.try_get("band")?,
                region: r.try_get("region")?,
                themes: split(r.try_get("themes")?),
                tools: split(r.try_get("tools")?),
                updated_at: r.try_get("updated_at")?,
            })
        })
        .collect::<Result<_, sqlx::Error>>()?)
}

/// An experience's revision by its author, waiting for a moderator.
pub type Revision = kernel::review::Revision<ExperienceInput>;

/// An author's edit: refused when the experience changed since the form was opened; applied
/// at once while the experience waits for its first decision, else kept for a moderator. Returns
/// whether it was applied.
pub async fn edit(
    db: &Db,
    e: &Experience,
    base: i64,
    data: &ExperienceInput,
    by: &str,
) -> Result<bool, StoreError> {
    let item = (e.id.as_str(), e.revision);
    let at_once = e.state == State::Pending;
    REVIEW
        .edit(db, item, at_once, base, data, by, async |w: &mut Write| {
            let t = territory_of(db, data)
                .await?
                .ok_or(StoreError::UnknownTerritory)?;
            write(w, &e.id, data, &t).await
        })
        .await
}

/// The revisions waiting for a moderator, oldest first.
pub async fn pending_revisions(db: &Db) -> Result<Vec<Revision>, StoreError> {
    Ok(REVIEW.pending_revisions(db, 100).await?)
}

/// A revision waiting for a moderator, or `experience.decided`.
pub async fn pending_revision(db: &Db, id: &str) -> Result<Revision, StoreError> {
    Ok(REVIEW.pending_revision(db, id).await?)
}

/// Approves (applies) or rejects the pending revision `rev`, in one write with the `mails`
/// that tell its author.
pub async fn decide_revision(
    db: &Db,
    rev: &Revision,
    approve: bool,
    reason: &str,
    by: &str,
    mails: &[kernel::mail::Letter],
) -> Result<(), StoreError> {
    let t = territory_of(db, &rev.data)
        .await?
        .ok_or(StoreError::UnknownTerritory)?;
    REVIEW
        .decide_revision(
            db,
            rev,
            approve,
            reason,
            by,
            mails,
            async |w: &mut Write| write(w, &rev.item, &rev.data, &t).await,
        )
        .await
}

/// The author's address of an experience.
pub async fn author_email(db: &Db, e: &Experience) -> Result<Option<String>, StoreError> {
    let email: Option<Option<String>> = sqlx::query_scalar("SELECT email FROM users WHERE id = $1")
        .bind(&e.author)
        .fetch_optional(db.pool())
        .await?;
    Ok(email.flatten())
}

/// The names an experience is also found by: its themes' (from the directory's vocabulary) and
/// its tools', in both languages, so that « mobilité » finds what is filed under Mobilité.
fn labels(tax: &directory::terms::Taxonomy, e: &Experience) -> String {
    let mut words = Vec::new();
    for lang in [Lang::Fr, Lang::En] {
        words.extend(e.data.themes.iter().map(|t| tax.name(lang, "theme", t)));
        words.extend(
            e.data
                .tools
                .iter()
                .map(|t| kernel::i18n::tr(lang, &format!("tool.{t}")).to_string()),
        );
    }
    words.join(" ")
}

/// The directory's vocabulary, which names an experience's themes.
async fn taxonomy(db: &Db) -> Result<directory::terms::Taxonomy, sqlx::Error> {
    directory::terms::Taxonomy::load(db)
        .await
        .map_err(|e| sqlx::Error::Protocol(format!("the directory's vocabulary: {e:?}")))
}

fn entry(e: Experience, tax: &directory::terms::Taxonomy) -> Entry {
    let published = e.state == State::Published;
    let labels = labels(tax, &e);
    Entry {
        doc: published.then(|| kernel::search::SearchDoc {
            kind: "experience",
            id: e.id.clone(),
            url: e.url(),
            title: e.data.title.clone(),
            body: format!(
                "{labels} {} {} {} {} {} {} {}",
                e.territory_name,
                kernel::markdown::to_plain(&e.data.context),
                kernel::markdown::to_plain(&e.data.approach),
                e.data.success_factors.join(" "),
                e.data.vigilance.join(" "),
                e.data.tips.join(" "),
                kernel::markdown::to_plain(&e.data.results),
            ),
            tag: "search.tag.experience",
            subtitle: e.territory_name.clone(),
            boost: 1.0,
            region: e.region.clone(),
            date: Some(e.updated_at),
        }),
        point: None,
        sublayer: None,
    }
}

/// Every published experience as an index entry.
pub async fn index_entries(db: Db) -> Result<Vec<Entry>, sqlx::Error> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{SELECT} WHERE state = 'published'"
    )))
    .fetch_all(db.pool())
    .await?;
    let tax = taxonomy(&db).await?;
    rows.iter()
        .filter_map(|r| from_row(r).transpose())
        .map(|e| e.map(|e| entry(e, &tax)))
        .collect()
}

/// The index entry of one experience.
pub async fn index_entry(db: Db, id: String) -> Result<Option<Entry>, sqlx::Error> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!("{SELECT} WHERE id = $1")))
        .bind(id)
        .fetch_optional(db.pool())
        .await?;
    let tax = taxonomy(&db).await?;
    Ok(row
        .as_ref()
        .map(from_row)
        .transpose()?
        .flatten()
        .map(|e| entry(e, &tax)))
}
