//! Spaces: SQL.

use super::model::{Space, SpaceInput};
use crate::changes::Entry;
use crate::db::{Db, Op};
use crate::error::{Error, FieldError, is_unique_violation};
use crate::geo::Area;
use crate::ids::{new_id, now_ms};
use crate::search::SearchDoc;
use crate::territories::{TerritoryKind, TerritoryRef};
use sqlx::Row;
use sqlx::any::AnyRow;

const SELECT: &str = "SELECT s.id, s.slug, s.name, s.description, s.territory_kind, s.territory_code, \
     t.name AS territory_name, s.accent_color, s.logo, s.created_at FROM spaces s \
     JOIN territories t ON t.kind = s.territory_kind AND t.code = s.territory_code";

fn from_row(r: &AnyRow) -> Result<Space, sqlx::Error> {
    Ok(Space {
        id: r.try_get("id")?,
        slug: r.try_get("slug")?,
        name: r.try_get("name")?,
        description: r.try_get("description")?,
        territory: TerritoryRef {
            kind: TerritoryKind::parse(&r.try_get::<String, _>("territory_kind")?)
                .unwrap_or(TerritoryKind::Commune),
            code: r.try_get("territory_code")?,
        },
        territory_name: r.try_get("territory_name")?,
        accent_color: r.try_get("accent_color")?,
        logo: r.try_get("logo")?,
        created_at: r.try_get("created_at")?,
    })
}

async fn check_territory(db: &Db, t: &TerritoryRef) -> Result<(), Error> {
    if crate::territories::store::get(db, t.kind, &t.code)
        .await?
        .is_none()
    {
        return Err(FieldError::new("territory", "territory.unknown").into());
    }
    Ok(())
}

/// The addresses of `table` (a `slug` column) made from `base`: `base` itself and `base-…`, among
/// the rows where `scope_column` is `scope` when one is given (a process's address is unique in
/// its space only). What [`Slug::from_title`](super::model::Slug::from_title) must avoid.
pub async fn slugs_like(
    db: &Db,
    table: &'static str,
    scope: Option<(&'static str, &str)>,
    base: &str,
) -> Result<std::collections::HashSet<String>, sqlx::Error> {
    let scoped = match scope {
        Some((column, _)) => format!(" AND {column} = $3"),
        None => String::new(),
    };
    let mut query = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT slug FROM {table} WHERE (slug = $1 OR slug LIKE $2){scoped}"
    )))
    .bind(base.to_string())
    // An address holds no `%` nor `_`: nothing to escape.
    .bind(format!("{base}-%"));
    if let Some((_, value)) = scope {
        query = query.bind(value.to_string());
    }
    Ok(db
        .fetch_all_with(query, |r| r.try_get::<String, _>("slug"))
        .await?
        .into_iter()
        .collect())
}

/// A free address for a new space named `name`, made from its name (see
/// [`Slug::from_title`](super::model::Slug::from_title)).
pub async fn free_slug(db: &Db, name: &str) -> Result<super::model::Slug, sqlx::Error> {
    free_slug_in(db, "spaces", None, name, "espace").await
}

/// A free address in `table` (within `scope`, see [`slugs_like`]) made from `title`, or from
/// `fallback` when the title has no letter or digit.
pub async fn free_slug_in(
    db: &Db,
    table: &'static str,
    scope: Option<(&'static str, &str)>,
    title: &str,
    fallback: &str,
) -> Result<super::model::Slug, sqlx::Error> {
    use super::model::Slug;
    let base = Slug::from_title(title, fallback, |_| false);
    // The base's own suffixes, were it reserved, start from the base too.
    let stem = base
        .as_str()
        .rsplit_once('-')
        .filter(|(_, n)| n.parse::<u32>().is_ok())
        .map_or(base.as_str(), |(stem, _)| stem)
        .to_string();
    let taken = slugs_like(db, table, scope, &stem).await?;
    Ok(Slug::from_title(title, fallback, |s| taken.contains(s)))
}

/// Creates a space. The territory must exist and the slug be free; the creation is logged.
pub async fn create(
    db: &Db,
    input: &SpaceInput,
    logo: Option<&str>,
    by: Option<&str>,
) -> Result<Space, Error> {
    check_territory(db, &input.territory).await?;
    let id = new_id();
    let now = now_ms();
    let mut w = db.write().await?;
    let res = sqlx::query(
        "INSERT INTO spaces (id, slug, name, description, territory_kind, territory_code, accent_color, logo, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)",
    )
    .bind(&id)
    .bind(input.slug.as_str())
    .bind(&input.name)
    .bind(&input.description)
    .bind(input.territory.kind.as_str())
    .bind(&input.territory.code)
    .bind(input.accent_color.as_str())
    .bind(logo)
    .bind(now)
    .execute(&mut *w)
    .await;
    match res {
        Err(e) if is_unique_violation(&e, "spaces", "slug") => {
            return Err(FieldError::new("slug", "slug.taken").into());
        }
        other => {
            other?;
        }
    }
    w.changed(crate::spaces::SPACE, &id, Op::Upsert).await?;
    w.audit(by, "space.create", "space", &id, input.slug.as_str())
        .await?;
    w.commit().await?;
    get_by_id(db, &id).await?.ok_or(Error::NotFound)
}

/// Updates a space's name, description, territory, colour and (when given) logo. The slug
/// stays: it is in every link to the space.
pub async fn update(
    db: &Db,
    id: &str,
    input: &SpaceInput,
    logo: Option<&str>,
    by: &str,
) -> Result<(), Error> {
    check_territory(db, &input.territory).await?;
    let mut w = db.write().await?;
    sqlx::query(
        "UPDATE spaces SET name = $1, description = $2, territory_kind = $3, territory_code = $4, \
         accent_color = $5, logo = COALESCE($6, logo), updated_at = $7 WHERE id = $8",
    )
    .bind(&input.name)
    .bind(&input.description)
    .bind(input.territory.kind.as_str())
    .bind(&input.territory.code)
    .bind(input.accent_color.as_str())
    .bind(logo)
    .bind(now_ms())
    .bind(id)
    .execute(&mut *w)
    .await?;
    w.changed(crate::spaces::SPACE, id, Op::Upsert).await?;
    w.audit(Some(by), "space.update", "space", id, "").await?;
    w.commit().await?;
    Ok(())
}

/// The area a space's maps open on, when its administrators set one.
pub async fn area(db: &Db, space_id: &str) -> Result<Option<Area>, Error> {
    let query = sqlx::query("SELECT west, south, east, north FROM space_areas WHERE space_id = $1")
        .bind(space_id);
    Ok(db.fetch_optional_with(query, area_of).await?)
}

/// The area of the instance: the smallest box holding every space's area (the directory's and
/// the network's maps open on it).
pub async fn instance_area(db: &Db) -> Result<Option<Area>, Error> {
    let query = sqlx::query(
        "SELECT MIN(west) AS west, MIN(south) AS south, MAX(east) AS east, MAX(north) AS north \
         FROM space_areas HAVING COUNT(*) > 0",
    );
    Ok(db.fetch_optional_with(query, area_of).await?)
}

fn area_of(r: &AnyRow) -> Result<Area, sqlx::Error> {
    Ok(Area {
        west: r.try_get("west")?,
        south: r.try_get("south")?,
        east: r.try_get("east")?,
        north: r.try_get("north")?,
    })
}

/// Sets (or, with `None`, forgets) the area of a space's maps; the change is logged.
pub async fn set_area(db: &Db, space_id: &str, area: Option<&Area>, by: &str) -> Result<(), Error> {
    let mut w = db.write().await?;
    match area {
        Some(a) => {
            sqlx::query(
                "INSERT INTO space_areas (space_id, west, south, east, north) VALUES ($1, $2, $3, $4, $5) \
                 ON CONFLICT (space_id) DO UPDATE SET west = excluded.west, south = excluded.south, \
                 east = excluded.east, north = excluded.north",
            )
            .bind(space_id)
            .bind(a.west)
            .bind(a.south)
            .bind(a.east)
            .bind(a.north)
            .execute(&mut *w)
            .await?;
        }
        None => {
            sqlx::query("DELETE FROM space_areas WHERE space_id = $1")
                .bind(space_id)
                .execute(&mut *w)
                .await?;
        }
    }
    let detail = area.map(Area::as_attribute).unwrap_or_default();
    w.audit(Some(by), "space.area", "space", space_id, &detail)
        .await?;
    w.commit().await?;
    Ok(())
}

/// The space at this address.
pub async fn get_by_slug(db: &Db, slug: &str) -> Result<Option<Space>, Error> {
    if super::model::Slug::parse(slug).is_err() {
        return Ok(None);
    }
    let query = sqlx::query(sqlx::AssertSqlSafe(format!("{SELECT} WHERE s.slug = $1"))).bind(slug);
    Ok(db.fetch_optional_with(query, from_row).await?)
}

/// The space with this id.
pub async fn get_by_id(db: &Db, id: &str) -> Result<Option<Space>, Error> {
    let query = sqlx::query(sqlx::AssertSqlSafe(format!("{SELECT} WHERE s.id = $1"))).bind(id);
    Ok(db.fetch_optional_with(query, from_row).await?)
}

/// A page of spaces by name, and the total.
pub async fn list(db: &Db, offset: i64, limit: i64) -> Result<(Vec<Space>, i64), Error> {
    let query = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{SELECT} ORDER BY s.name, s.id LIMIT $1 OFFSET $2"
    )))
    .bind(limit)
    .bind(offset);
    let spaces = db.fetch_all_with(query, from_row).await?;
    let total: i64 = sqlx::query("SELECT COUNT(*) AS n FROM spaces")
        .fetch_one(db.pool())
        .await?
        .try_get("n")?;
    Ok((spaces, total))
}

/// The spaces of one territory.
pub async fn of_territory(db: &Db, t: &TerritoryRef) -> Result<Vec<Space>, Error> {
    let query = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{SELECT} WHERE s.territory_kind = $1 AND s.territory_code = $2 ORDER BY s.name"
    )))
    .bind(t.kind.as_str())
    .bind(&t.code);
    Ok(db.fetch_all_with(query, from_row).await?)
}

/// A space's entry in the search index.
fn entry(r: &AnyRow) -> Result<Entry, sqlx::Error> {
    let s = from_row(r)?;
    Ok(SearchDoc {
        kind: "space",
        id: s.id.clone(),
        url: s.url(),
        title: s.name.clone(),
        body: format!("{} {} {}", s.slug, s.territory_name, s.description),
        tag: "search.tag.space",
        subtitle: s.territory_name,
        boost: 4.0,
        region: String::new(),
        date: None,
    }
    .into())
}

/// Every space as an index entry.
pub async fn index_entries(db: Db) -> Result<Vec<Entry>, sqlx::Error> {
    db.fetch_all_with(sqlx::query(SELECT), entry).await
}

/// The index entry of one space.
pub async fn index_entry(db: Db, id: String) -> Result<Option<Entry>, sqlx::Error> {
    let query = sqlx::query(sqlx::AssertSqlSafe(format!("{SELECT} WHERE s.id = $1"))).bind(id);
    db.fetch_optional_with(query, entry).await
}
