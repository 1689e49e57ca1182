//! The reports' map layer: the entries of the open reports of every space.

use super::*;

/// What a report's entry says of its space.
#[derive(Default)]
struct SpaceOf {
    slug: String,
    name: String,
    region: String,
}

impl SpaceOf {
    fn of(r: &AnyRow) -> Result<SpaceOf, sqlx::Error> {
        Ok(SpaceOf {
            slug: r.try_get("slug")?,
            name: r.try_get("space_name")?,
            region: r.try_get("region")?,
        })
    }
}

/// A published report's search document and map point from a row of [`MAP_ENTRY`] and its
/// category's name and space: its category, description, space, address and date (what its
/// public page shows; never who sent it).
fn map_entry(
    r: &AnyRow,
    category: &str,
    space: &SpaceOf,
) -> Result<kernel::changes::Entry, sqlx::Error> {
    let id: String = r.try_get("id")?;
    let address: String = r.try_get("address")?;
    let subtitle = match address.as_str() {
        "" => space.name.clone(),
        a => format!("{} · {a}", space.name),
    };
    Ok(kernel::changes::Entry {
        doc: Some(kernel::search::SearchDoc {
            kind: "report",
            id: id.clone(),
            url: crate::model::report_url(&space.slug, &id),
            title: category.to_string(),
            body: format!("{} {address}", r.try_get::<String, _>("description")?),
            tag: "search.tag.report",
            subtitle,
            boost: 0.0,
            region: space.region.clone(),
            date: Some(r.try_get("created_at")?),
        }),
        point: Some(kernel::geo::GeoPoint {
            id,
            lat: r.try_get("lat")?,
            lon: r.try_get("lon")?,
        }),
        ..Default::default()
    })
}

const MAP_ENTRY: &str = "SELECT r.id, r.lat, r.lon, r.description, r.address, r.category_id, \
     r.space_id, r.created_at FROM reports r WHERE r.published_at IS NOT NULL";

/// The région of a space's territory (its own code for a région).
const SPACE_REGION: &str =
    "CASE WHEN t.kind = 'region' THEN t.code ELSE COALESCE(t.region_code, '') END";

/// Every published report: a point of the `reports` map layer and a search document. The
/// categories' names and the spaces' addresses are read once, not joined to every report.
pub async fn map_entries(db: Db) -> Result<Vec<kernel::changes::Entry>, sqlx::Error> {
    let categories: HashMap<String, String> = sqlx::query("SELECT id, name FROM report_categories")
        .fetch_all(db.pool())
        .await?
        .iter()
        .map(|r| Ok((r.try_get("id")?, r.try_get("name")?)))
        .collect::<Result<_, sqlx::Error>>()?;
    let spaces: HashMap<String, SpaceOf> = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT s.id, s.slug, s.name AS space_name, {SPACE_REGION} AS region FROM spaces s \
         LEFT JOIN territories t ON t.kind = s.territory_kind AND t.code = s.territory_code"
    )))
    .fetch_all(db.pool())
    .await?
    .iter()
    .map(|r| Ok((r.try_get("id")?, SpaceOf::of(r)?)))
    .collect::<Result<_, sqlx::Error>>()?;
    // Read as a stream: a million rows are never held at once.
    let mut rows = sqlx::query(MAP_ENTRY).fetch(db.pool());
    let mut out = Vec::new();
    while let Some(r) = futures_util::TryStreamExt::try_next(&mut rows).await? {
        let category = categories.get(&r.try_get::<String, _>("category_id")?);
        let space = spaces.get(&r.try_get::<String, _>("space_id")?);
        let none = SpaceOf::default();
        out.push(map_entry(
            &r,
            category.map_or("", String::as_str),
            space.unwrap_or(&none),
        )?);
    }
    Ok(out)
}

/// One report's entry, once published.
pub async fn map_entry_of(
    db: Db,
    id: String,
) -> Result<Option<kernel::changes::Entry>, sqlx::Error> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT r.id, r.lat, r.lon, r.description, r.address, r.created_at, c.name, s.slug, \
         s.name AS space_name, {SPACE_REGION} AS region \
         FROM reports r JOIN report_categories c ON c.id = r.category_id \
         JOIN spaces s ON s.id = r.space_id \
         LEFT JOIN territories t ON t.kind = s.territory_kind AND t.code = s.territory_code \
         WHERE r.published_at IS NOT NULL AND r.id = $1"
    )))
    .bind(id)
    .fetch_optional(db.pool())
    .await?;
    row.map(|r| map_entry(&r, &r.try_get::<String, _>("name")?, &SpaceOf::of(&r)?))
        .transpose()
}

/// What a report's marker and popup show: where it is, what the reporter wrote, its status,
/// its category's code and its first photo.
#[derive(Debug, Clone)]
pub struct MapCardRow {
    /// The report.
    pub id: String,
    /// Where.
    pub lat: f64,
    /// Where.
    pub lon: f64,
    /// What the reporter wrote.
    pub description: String,
    /// Where it stands.
    pub status: Status,
    /// Its category's code.
    pub category: String,
    /// The stored name of its first photo.
    pub photo: Option<String>,
}

/// The most reports a filtered map clusters in one answer.
pub const MAP_FILTERED_MOST: i64 = 20_000;

/// The positions of the published reports of a space that a list's filters keep (these
/// categories, this status), inside a box (west, south, east, north): the points a filtered
/// map clusters, newest first, at most [`MAP_FILTERED_MOST`].
pub async fn filtered_positions(
    db: &Db,
    space_id: &str,
    category_ids: &[String],
    status: Option<&str>,
    (west, south, east, north): (f64, f64, f64, f64),
) -> Result<Vec<kernel::geo::GeoPoint>, StoreError> {
    if category_ids.is_empty() {
        return Ok(Vec::new());
    }
    let marks: Vec<String> = (0..category_ids.len())
        .map(|i| format!("${}", i + 7))
        .collect();
    let sql = format!(
        "SELECT r.id, r.lat, r.lon FROM reports r WHERE r.space_id = $1 AND r.published_at IS NOT NULL \
         AND ($2 = '' OR r.status = $2) AND r.lon BETWEEN $3 AND $5 AND r.lat BETWEEN $4 AND $6 \
         AND r.category_id IN ({}) ORDER BY r.created_at DESC, r.id LIMIT {MAP_FILTERED_MOST}",
        marks.join(", ")
    );
    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(space_id)
        .bind(status.unwrap_or(""));
    for v in [west, south, east, north] {
        q = q.bind(v);
    }
    for id in category_ids {
        q = q.bind(id);
    }
    let rows = q.fetch_all(db.pool()).await?;
    Ok(rows
        .iter()
        .map(|r| {
            Ok(kernel::geo::GeoPoint {
                id: r.try_get("id")?,
                lat: r.try_get("lat")?,
                lon: r.try_get("lon")?,
            })
        })
        .collect::<Result<_, sqlx::Error>>()?)
}

/// The cards of these published reports of a space (the others are left out), in one query.
pub async fn map_cards(
    db: &Db,
    space_id: &str,
    ids: &[String],
) -> Result<Vec<MapCardRow>, StoreError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let marks: Vec<String> = (0..ids.len()).map(|i| format!("${}", i + 2)).collect();
    let sql = format!(
        "SELECT r.id, r.lat, r.lon, r.description, r.status, c.code, \
         (SELECT p.name FROM report_photos p WHERE p.report_id = r.id ORDER BY p.position LIMIT 1) AS photo \
         FROM reports r JOIN report_categories c ON c.id = r.category_id \
         WHERE r.space_id = $1 AND r.published_at IS NOT NULL AND r.id IN ({})",
        marks.join(", ")
    );
    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(space_id);
    for id in ids {
        q = q.bind(id);
    }
    let rows = q.fetch_all(db.pool()).await?;
    Ok(rows
        .iter()
        .map(|r| {
            Ok(MapCardRow {
                id: r.try_get("id")?,
                lat: r.try_get("lat")?,
                lon: r.try_get("lon")?,
                description: r.try_get("description")?,
                status: Status::parse(&r.try_get::<String, _>("status")?).unwrap_or(Status::New),
                category: r.try_get("code")?,
                photo: r.try_get("photo")?,
            })
        })
        .collect::<Result<_, sqlx::Error>>()?)
}
