//! The component's SQL: processes, their phases, components and categories here; contributions,
//! comments, moderation and following in their modules.

pub mod comments;
pub mod contributions;
pub mod follows;
pub mod map;
pub mod mine;
pub mod moderation;

use crate::error::StoreError;
use crate::model::{
    Category, CategoryInput, ComponentInput, ComponentKind, Perimeter, Phase, PhaseInput, Process,
    ProcessComponent, ProcessInput, Settings,
};
use kernel::changes::Entry;
use kernel::db::{Db, Op};
use kernel::error::{FieldError, is_unique_violation};
use kernel::ids::{new_id, now_ms};
use kernel::publication::Publication;
use kernel::search::SearchDoc;
use sqlx::Row;
use sqlx::any::AnyRow;

const SELECT: &str = "SELECT p.id, p.space_id, s.slug AS space_slug, s.name AS space_name, p.slug, \
     p.title, p.summary, p.description, p.created_at, p.image, p.themes, p.perimeter, \
     p.published_at FROM processes p JOIN spaces s ON s.id = p.space_id";

fn from_row(r: &AnyRow) -> Result<Process, sqlx::Error> {
    Ok(Process {
        id: r.try_get("id")?,
        space_id: r.try_get("space_id")?,
        space_slug: r.try_get("space_slug")?,
        space_name: r.try_get("space_name")?,
        slug: r.try_get("slug")?,
        title: r.try_get("title")?,
        summary: r.try_get("summary")?,
        description: r.try_get("description")?,
        created_at: r.try_get("created_at")?,
        image: r.try_get("image")?,
        themes: split_list(&r.try_get::<String, _>("themes")?),
        perimeter: Perimeter::from_json(&r.try_get::<String, _>("perimeter")?),
        publication: Publication::from_column(r.try_get("published_at")?),
    })
}

/// A list stored comma-separated.
fn split_list(s: &str) -> Vec<String> {
    s.split(',')
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(String::from)
        .collect()
}

fn perimeter_text(p: &Option<Perimeter>) -> String {
    p.as_ref().map(Perimeter::to_json).unwrap_or_default()
}

/// A free address in a space for a new process titled `title` (see
/// [`kernel::spaces::Slug::from_title`]).
pub async fn free_slug(db: &Db, space_id: &str, title: &str) -> Result<String, StoreError> {
    Ok(kernel::spaces::store::free_slug_in(
        db,
        "processes",
        Some(("space_id", space_id)),
        title,
        "demarche",
    )
    .await?
    .as_str()
    .to_string())
}

/// Creates a process in a space, as a draft; the address must be free in that space.
pub async fn create(
    db: &Db,
    space_id: &str,
    input: &ProcessInput,
    by: &str,
) -> Result<Process, StoreError> {
    let id = new_id();
    let mut w = db.write().await?;
    let res = sqlx::query(
        "INSERT INTO processes (id, space_id, slug, title, summary, description, created_at, updated_at, themes, perimeter) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $7, $8, $9)",
    )
    .bind(&id)
    .bind(space_id)
    .bind(input.slug.as_str())
    .bind(&input.title)
    .bind(&input.summary)
    .bind(&input.description)
    .bind(now_ms())
    .bind(input.themes.join(","))
    .bind(perimeter_text(&input.perimeter))
    .execute(&mut *w)
    .await;
    match res {
        Err(e) if is_unique_violation(&e, "processes", "slug") => {
            return Err(FieldError::new("slug", "slug.taken").into());
        }
        other => {
            other?;
        }
    }
    w.changed(crate::PROCESS, &id, Op::Upsert).await?;
    w.audit(
        Some(by),
        "process.create",
        "process",
        &id,
        input.slug.as_str(),
    )
    .await?;
    w.commit().await?;
    get(db, &id).await?.ok_or(StoreError::NotFound)
}

/// The process with this id.
pub async fn get(db: &Db, id: &str) -> Result<Option<Process>, StoreError> {
    let query = sqlx::query(sqlx::AssertSqlSafe(format!("{SELECT} WHERE p.id = $1"))).bind(id);
    Ok(db.fetch_optional_with(query, from_row).await?)
}

/// The process at this address of a space.
pub async fn get_by_slug(
    db: &Db,
    space_slug: &str,
    slug: &str,
) -> Result<Option<Process>, StoreError> {
    let query = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{SELECT} WHERE s.slug = $1 AND p.slug = $2"
    )))
    .bind(space_slug)
    .bind(slug);
    Ok(db.fetch_optional_with(query, from_row).await?)
}

/// The process at this address of a space, or [`StoreError::NotFound`] when there is none (for the
/// pages under a process's address, this component's and the votes').
pub async fn by_address(db: &Db, space_slug: &str, slug: &str) -> Result<Process, StoreError> {
    get_by_slug(db, space_slug, slug)
        .await?
        .ok_or(StoreError::NotFound)
}

/// The processes of a space, newest first (at most `limit`), with its drafts when `drafts`.
pub async fn of_space(
    db: &Db,
    space_id: &str,
    drafts: bool,
    limit: i64,
) -> Result<Vec<Process>, StoreError> {
    let query = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{SELECT} WHERE p.space_id = $1 AND ($2 = 1 OR p.published_at IS NOT NULL) \
         ORDER BY p.created_at DESC, p.id LIMIT $3"
    )))
    .bind(space_id)
    .bind(i64::from(drafts))
    .bind(limit);
    Ok(db.fetch_all_with(query, from_row).await?)
}

/// The processes of a space being prepared, for its administrators' workplace.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Preparing {
    /// How many processes the space has, drafts or published.
    pub processes: i64,
    /// How many of them are drafts.
    pub drafts: i64,
    /// When the oldest draft was created (UTC ms), when there is one.
    pub oldest: Option<i64>,
}

/// How many processes a space has, how many are drafts and since when the oldest is.
pub async fn preparing(db: &Db, space_id: &str) -> Result<Preparing, StoreError> {
    let row = sqlx::query(
        "SELECT COUNT(*) AS processes, COUNT(CASE WHEN published_at IS NULL THEN 1 END) AS drafts, \
         MIN(CASE WHEN published_at IS NULL THEN created_at END) AS oldest \
         FROM processes WHERE space_id = $1",
    )
    .bind(space_id)
    .fetch_one(db.pool())
    .await?;
    Ok(Preparing {
        processes: row.try_get("processes")?,
        drafts: row.try_get("drafts")?,
        oldest: row.try_get("oldest")?,
    })
}

/// A process's entry in the search index.
fn entry(r: &AnyRow) -> Result<Entry, sqlx::Error> {
    let p = from_row(r)?;
    Ok(SearchDoc {
        kind: "process",
        id: p.id.clone(),
        url: p.url(),
        title: p.title.clone(),
        body: format!("{} {} {}", p.themes.join(" "), p.summary, p.description),
        tag: "search.tag.process",
        subtitle: p.space_name,
        boost: 2.0,
        region: String::new(),
        date: Some(p.created_at),
    }
    .into())
}

/// Every published process as an index entry (drafts are searched by no one).
pub async fn index_entries(db: Db) -> Result<Vec<Entry>, sqlx::Error> {
    let query = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{SELECT} WHERE p.published_at IS NOT NULL"
    )));
    db.fetch_all_with(query, entry).await
}

/// The index entry of one process, `None` while it is a draft.
pub async fn index_entry(db: Db, id: String) -> Result<Option<Entry>, sqlx::Error> {
    let query = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{SELECT} WHERE p.id = $1 AND p.published_at IS NOT NULL"
    )))
    .bind(id);
    db.fetch_optional_with(query, entry).await
}

/// Publishes a draft process: it enters the search, the lists and the open data, and its
/// contributions their maps and the search. Publishing a published process changes nothing.
pub async fn publish(db: &Db, id: &str, by: &str) -> Result<(), StoreError> {
    let mut w = db.write().await?;
    let n = sqlx::query(
        "UPDATE processes SET published_at = $1, updated_at = $1 WHERE id = $2 AND published_at IS NULL",
    )
    .bind(now_ms())
    .bind(id)
    .execute(&mut *w)
    .await?
    .rows_affected();
    if n == 0 {
        return Ok(());
    }
    w.changed(crate::PROCESS, id, Op::Upsert).await?;
    let contributions = sqlx::query("SELECT id FROM contributions WHERE process_id = $1")
        .bind(id)
        .fetch_all(&mut *w)
        .await?;
    for c in contributions {
        w.changed(
            crate::CONTRIBUTION,
            &c.try_get::<String, _>("id")?,
            Op::Upsert,
        )
        .await?;
    }
    w.audit(Some(by), "process.publish", "process", id, "")
        .await?;
    w.commit().await?;
    Ok(())
}

/// Changes a process's title, summary, description and themes (its address, perimeter and image
/// stay).
pub async fn update_texts(
    db: &Db,
    id: &str,
    input: &ProcessInput,
    by: &str,
) -> Result<(), StoreError> {
    let query = sqlx::query(
        "UPDATE processes SET title = $1, summary = $2, description = $3, themes = $4, \
         updated_at = $5 WHERE id = $6",
    )
    .bind(&input.title)
    .bind(&input.summary)
    .bind(&input.description)
    .bind(input.themes.join(","))
    .bind(now_ms())
    .bind(id);
    changed(db, query, id, "process.update", by).await
}

/// Sets or clears a process's perimeter.
pub async fn set_perimeter(
    db: &Db,
    id: &str,
    perimeter: Option<&Perimeter>,
    by: &str,
) -> Result<(), StoreError> {
    let query = sqlx::query("UPDATE processes SET perimeter = $1, updated_at = $2 WHERE id = $3")
        .bind(perimeter.map(Perimeter::to_json).unwrap_or_default())
        .bind(now_ms())
        .bind(id);
    changed(db, query, id, "process.perimeter", by).await
}

/// Runs a change of one process, with its change-feed entry and its audit line.
async fn changed(
    db: &Db,
    query: sqlx::query::Query<'_, sqlx::Any, sqlx::any::AnyArguments>,
    id: &str,
    action: &str,
    by: &str,
) -> Result<(), StoreError> {
    let mut w = db.write().await?;
    if query.execute(&mut *w).await?.rows_affected() == 0 {
        return Err(StoreError::NotFound);
    }
    w.changed(crate::PROCESS, id, Op::Upsert).await?;
    w.audit(Some(by), action, "process", id, "").await?;
    w.commit().await?;
    Ok(())
}

/// Sets a process's image (an upload name).
pub async fn set_image(db: &Db, id: &str, image: &str) -> Result<(), StoreError> {
    sqlx::query("UPDATE processes SET image = $1, updated_at = $2 WHERE id = $3")
        .bind(image)
        .bind(now_ms())
        .bind(id)
        .execute(db.pool())
        .await?;
    Ok(())
}

// ----- Phases -----

fn phase_from_row(r: &AnyRow) -> Result<Phase, sqlx::Error> {
    let date = |column: &str| -> Result<time::Date, sqlx::Error> {
        Ok(
            kernel::clock::parse_date(&r.try_get::<String, _>(column)?, "date")
                .unwrap_or(time::Date::MIN),
        )
    };
    Ok(Phase {
        id: r.try_get("id")?,
        process_id: r.try_get("process_id")?,
        name: r.try_get("name")?,
        starts_on: date("starts_on")?,
        ends_on: date("ends_on")?,
        description: r.try_get("description")?,
    })
}

/// The phases of a process, in date order.
pub async fn phases(db: &Db, process_id: &str) -> Result<Vec<Phase>, StoreError> {
    let query = sqlx::query(
        "SELECT id, process_id, name, starts_on, ends_on, description FROM process_phases \
         WHERE process_id = $1 ORDER BY starts_on, created_at",
    )
    .bind(process_id);
    Ok(db.fetch_all_with(query, phase_from_row).await?)
}

/// Adds a phase to a process.
pub async fn add_phase(
    db: &Db,
    process_id: &str,
    input: &PhaseInput,
    by: &str,
) -> Result<(), StoreError> {
    let id = new_id();
    let query = sqlx::query(
        "INSERT INTO process_phases (id, process_id, name, starts_on, ends_on, created_at, description) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(&id)
    .bind(process_id)
    .bind(&input.name)
    .bind(input.starts_on.to_string())
    .bind(input.ends_on.to_string())
    .bind(now_ms())
    .bind(&input.description);
    db.execute_audited(
        query,
        Some(by),
        "phase.add",
        "process",
        process_id,
        &input.name,
    )
    .await?;
    Ok(())
}

/// Changes a phase's name, dates and description.
pub async fn update_phase(
    db: &Db,
    process_id: &str,
    phase_id: &str,
    input: &PhaseInput,
    by: &str,
) -> Result<(), StoreError> {
    let query = sqlx::query(
        "UPDATE process_phases SET name = $1, starts_on = $2, ends_on = $3, description = $4 \
         WHERE id = $5 AND process_id = $6",
    )
    .bind(&input.name)
    .bind(input.starts_on.to_string())
    .bind(input.ends_on.to_string())
    .bind(&input.description)
    .bind(phase_id)
    .bind(process_id);
    let mut w = db.write().await?;
    if query.execute(&mut *w).await?.rows_affected() == 0 {
        return Err(StoreError::NotFound);
    }
    w.audit(Some(by), "phase.update", "process", process_id, phase_id)
        .await?;
    w.commit().await?;
    Ok(())
}

/// Removes a phase; the components active in it no longer name it.
pub async fn remove_phase(
    db: &Db,
    process_id: &str,
    phase_id: &str,
    by: &str,
) -> Result<(), StoreError> {
    let mut w = db.write().await?;
    let n = sqlx::query("DELETE FROM process_phases WHERE id = $1 AND process_id = $2")
        .bind(phase_id)
        .bind(process_id)
        .execute(&mut *w)
        .await?
        .rows_affected();
    if n == 0 {
        return Err(StoreError::NotFound);
    }
    let rows = sqlx::query("SELECT id, phases FROM process_components WHERE process_id = $1")
        .bind(process_id)
        .fetch_all(&mut *w)
        .await?;
    for r in rows {
        let list: Vec<String> = split_list(&r.try_get::<String, _>("phases")?)
            .into_iter()
            .filter(|p| p != phase_id)
            .collect();
        sqlx::query("UPDATE process_components SET phases = $1 WHERE id = $2")
            .bind(list.join(","))
            .bind(r.try_get::<String, _>("id")?)
            .execute(&mut *w)
            .await?;
    }
    w.audit(Some(by), "phase.remove", "process", process_id, phase_id)
        .await?;
    w.commit().await?;
    Ok(())
}

// ----- Components -----

const COMPONENT: &str = "SELECT id, process_id, kind, title, phases, contributions_open, \
     supports_open, supports_limit, anonymous_allowed, moderated_before, flag_threshold \
     FROM process_components";

fn component_from_row(r: &AnyRow) -> Result<ProcessComponent, sqlx::Error> {
    let flag =
        |column: &str| -> Result<bool, sqlx::Error> { Ok(r.try_get::<i64, _>(column)? != 0) };
    Ok(ProcessComponent {
        id: r.try_get("id")?,
        process_id: r.try_get("process_id")?,
        kind: ComponentKind::parse(&r.try_get::<String, _>("kind")?)
            .unwrap_or(ComponentKind::Ideas),
        title: r.try_get("title")?,
        phases: split_list(&r.try_get::<String, _>("phases")?),
        settings: Settings {
            contributions_open: flag("contributions_open")?,
            supports_open: flag("supports_open")?,
            supports_limit: r.try_get("supports_limit")?,
            anonymous_allowed: flag("anonymous_allowed")?,
            moderated_before: flag("moderated_before")?,
            flag_threshold: r.try_get("flag_threshold")?,
        },
    })
}

/// The components of a process, in creation order.
pub async fn components(db: &Db, process_id: &str) -> Result<Vec<ProcessComponent>, StoreError> {
    let query = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{COMPONENT} WHERE process_id = $1 ORDER BY created_at, id"
    )))
    .bind(process_id);
    Ok(db.fetch_all_with(query, component_from_row).await?)
}

/// One component.
pub async fn component(db: &Db, id: &str) -> Result<Option<ProcessComponent>, StoreError> {
    let query = sqlx::query(sqlx::AssertSqlSafe(format!("{COMPONENT} WHERE id = $1"))).bind(id);
    Ok(db.fetch_optional_with(query, component_from_row).await?)
}

/// Adds a component to a process; returns its id.
pub async fn add_component(
    db: &Db,
    process_id: &str,
    input: &ComponentInput,
    by: &str,
) -> Result<String, StoreError> {
    let id = new_id();
    let s = &input.settings;
    let query = sqlx::query(
        "INSERT INTO process_components (id, process_id, kind, title, phases, contributions_open, \
         supports_open, supports_limit, anonymous_allowed, moderated_before, flag_threshold, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
    )
    .bind(&id)
    .bind(process_id)
    .bind(input.kind.as_str())
    .bind(&input.title)
    .bind(input.phases.join(","))
    .bind(i64::from(s.contributions_open))
    .bind(i64::from(s.supports_open))
    .bind(s.supports_limit)
    .bind(i64::from(s.anonymous_allowed))
    .bind(i64::from(s.moderated_before))
    .bind(s.flag_threshold)
    .bind(now_ms());
    db.execute_audited(query, Some(by), "component.add", "process", process_id, &id)
        .await?;
    Ok(id)
}

/// Changes a component's title, phases and settings (its kind stays).
pub async fn update_component(
    db: &Db,
    id: &str,
    input: &ComponentInput,
    by: &str,
) -> Result<(), StoreError> {
    let s = &input.settings;
    let query = sqlx::query(
        "UPDATE process_components SET title = $1, phases = $2, contributions_open = $3, \
         supports_open = $4, supports_limit = $5, anonymous_allowed = $6, moderated_before = $7, \
         flag_threshold = $8 WHERE id = $9",
    )
    .bind(&input.title)
    .bind(input.phases.join(","))
    .bind(i64::from(s.contributions_open))
    .bind(i64::from(s.supports_open))
    .bind(s.supports_limit)
    .bind(i64::from(s.anonymous_allowed))
    .bind(i64::from(s.moderated_before))
    .bind(s.flag_threshold)
    .bind(id);
    db.execute_audited(query, Some(by), "component.update", "component", id, "")
        .await?;
    Ok(())
}

// ----- Categories -----

/// The categories of a component, in creation order.
pub async fn categories(db: &Db, component_id: &str) -> Result<Vec<Category>, StoreError> {
    let query = sqlx::query(
        "SELECT id, component_id, name, colour, icon FROM contribution_categories \
         WHERE component_id = $1 ORDER BY created_at, id",
    )
    .bind(component_id);
    Ok(db.fetch_all_with(query, category_from_row).await?)
}

fn category_from_row(r: &AnyRow) -> Result<Category, sqlx::Error> {
    Ok(Category {
        id: r.try_get("id")?,
        component_id: r.try_get("component_id")?,
        name: r.try_get("name")?,
        colour: r.try_get("colour")?,
        icon: r.try_get("icon")?,
    })
}

/// Adds a category to a component.
pub async fn add_category(
    db: &Db,
    component_id: &str,
    input: &CategoryInput,
    by: &str,
) -> Result<String, StoreError> {
    let id = new_id();
    let query = sqlx::query(
        "INSERT INTO contribution_categories (id, component_id, name, colour, icon, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(&id)
    .bind(component_id)
    .bind(&input.name)
    .bind(&input.colour)
    .bind(&input.icon)
    .bind(now_ms());
    db.execute_audited(
        query,
        Some(by),
        "category.add",
        "component",
        component_id,
        &input.name,
    )
    .await?;
    Ok(id)
}

/// The published processes that have published contributions (for the data catalogue).
pub async fn with_contributions(db: &Db) -> Result<Vec<Process>, StoreError> {
    let query = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{SELECT} WHERE p.published_at IS NOT NULL AND EXISTS (SELECT 1 FROM contributions c WHERE c.process_id = p.id \
         AND c.state = 'published') ORDER BY s.slug, p.slug"
    )));
    Ok(db.fetch_all_with(query, from_row).await?)
}
