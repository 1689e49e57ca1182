//! Contributions on maps: the positions a filtered map clusters, and what each marker's popup
//! says (title, category, answer, first photo).

use super::contributions::Filter;
use crate::error::StoreError;
use crate::model::AnswerState;
use kernel::db::Db;
use kernel::geo::GeoPoint;
use sqlx::Row;

/// What a contribution's marker and popup show.
#[derive(Debug, Clone)]
pub struct MapCardRow {
    /// The contribution.
    pub id: String,
    /// Where.
    pub lat: f64,
    /// Where.
    pub lon: f64,
    /// Its title.
    pub title: String,
    /// Its category's id.
    pub category_id: Option<String>,
    /// Its official answer.
    pub answer: Option<AnswerState>,
    /// The stored name of its first photo.
    pub photo: Option<String>,
}

/// The most contributions a filtered map clusters in one answer.
pub const MAP_MOST: i64 = 20_000;

/// The conditions of a list's filter on `c`, its binds starting at `$first`.
fn filter_sql(filter: &Filter, first: usize, binds: &mut Vec<String>) -> String {
    let mut cond = String::new();
    if let Some(cat) = &filter.category {
        binds.push(cat.clone());
        cond.push_str(&format!(
            " AND c.category_id = ${}",
            first + binds.len() - 1
        ));
    }
    if let Some(answer) = &filter.answer {
        binds.push(answer.map(AnswerState::as_str).unwrap_or("").to_string());
        cond.push_str(&format!(
            " AND c.answer_state = ${}",
            first + binds.len() - 1
        ));
    }
    cond
}

/// The positions of a component's published contributions that a list's filter keeps, inside
/// a box (west, south, east, north), newest first, at most [`MAP_MOST`].
pub async fn filtered_positions(
    db: &Db,
    component_id: &str,
    filter: &Filter,
    (west, south, east, north): (f64, f64, f64, f64),
) -> Result<Vec<GeoPoint>, StoreError> {
    let mut binds = Vec::new();
    let cond = filter_sql(filter, 6, &mut binds);
    let sql = format!(
        "SELECT c.id, c.lat, c.lon FROM contributions c WHERE c.component_id = $1 \
         AND c.state = 'published' AND c.lat IS NOT NULL AND c.lon BETWEEN $2 AND $4 \
         AND c.lat BETWEEN $3 AND $5{cond} ORDER BY c.created_at DESC, c.id LIMIT {MAP_MOST}"
    );
    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(component_id);
    for v in [west, south, east, north] {
        q = q.bind(v);
    }
    for b in binds {
        q = q.bind(b);
    }
    let rows = q.fetch_all(db.pool()).await?;
    Ok(rows
        .iter()
        .map(|r| {
            Ok(GeoPoint {
                id: r.try_get("id")?,
                lat: r.try_get("lat")?,
                lon: r.try_get("lon")?,
            })
        })
        .collect::<Result<_, sqlx::Error>>()?)
}

const CARD: &str = "SELECT c.id, c.lat, c.lon, c.title, c.category_id, c.answer_state, \
     (SELECT ph.name FROM contribution_photos ph WHERE ph.contribution_id = c.id ORDER BY ph.position LIMIT 1) AS photo \
     FROM contributions c \
     WHERE c.state = 'published' AND c.lat IS NOT NULL";

fn card(r: &sqlx::any::AnyRow) -> Result<MapCardRow, sqlx::Error> {
    Ok(MapCardRow {
        id: r.try_get("id")?,
        lat: r.try_get("lat")?,
        lon: r.try_get("lon")?,
        title: r.try_get("title")?,
        category_id: r.try_get("category_id")?,
        answer: AnswerState::parse(&r.try_get::<String, _>("answer_state")?),
        photo: r.try_get("photo")?,
    })
}

/// The cards of these published contributions of a component (the others are left out).
pub async fn map_cards(
    db: &Db,
    component_id: &str,
    ids: &[String],
) -> Result<Vec<MapCardRow>, StoreError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let marks: Vec<String> = (0..ids.len()).map(|i| format!("${}", i + 2)).collect();
    let sql = format!(
        "{CARD} AND c.component_id = $1 AND c.id IN ({})",
        marks.join(", ")
    );
    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(component_id);
    for id in ids {
        q = q.bind(id);
    }
    let rows = q.fetch_all(db.pool()).await?;
    Ok(rows.iter().map(card).collect::<Result<_, _>>()?)
}

/// The cards of a process's located published contributions, every component's, newest
/// first, at most `most`: the process page's map.
pub async fn process_cards(
    db: &Db,
    process_id: &str,
    most: i64,
) -> Result<Vec<MapCardRow>, StoreError> {
    let sql = format!(
        "{CARD} AND c.process_id = $1 ORDER BY c.created_at DESC, c.id LIMIT {}",
        most.clamp(1, MAP_MOST)
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(process_id)
        .fetch_all(db.pool())
        .await?;
    Ok(rows.iter().map(card).collect::<Result<_, _>>()?)
}
