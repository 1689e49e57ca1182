//! Territories: SQL.

use super::model::{Territory, TerritoryKind, TerritoryRef};
use crate::changes::Entry;
use crate::db::{Db, Op};
use crate::error::Error;
use crate::search::SearchDoc;
use sqlx::Row;
use sqlx::any::AnyRow;
use std::collections::HashMap;

const COLUMNS: &str =
    "kind, code, name, population, postcodes, region_code, departement_code, epci_code";
const BATCH: usize = 200;

/// Inserts or updates the territories, in one transaction, reporting progress as it goes.
/// Records one change for the whole referential, so that every node reloads it.
pub async fn upsert_all(
    db: &Db,
    territories: &[Territory],
    progress: &(dyn Fn(u64) + Sync),
) -> Result<(), Error> {
    let mut w = db.write().await?;
    for (i, chunk) in territories.chunks(BATCH).enumerate() {
        let mut sql = format!("INSERT INTO territories ({COLUMNS}) VALUES ");
        for j in 0..chunk.len() {
            let b = j * 8;
            if j > 0 {
                sql.push(',');
            }
            sql.push_str(&format!(
                "(${},${},${},${},${},${},${},${})",
                b + 1,
                b + 2,
                b + 3,
                b + 4,
                b + 5,
                b + 6,
                b + 7,
                b + 8
            ));
        }
        sql.push_str(
            " ON CONFLICT (kind, code) DO UPDATE SET name = excluded.name, population = excluded.population, \
             postcodes = excluded.postcodes, region_code = excluded.region_code, \
             departement_code = excluded.departement_code, epci_code = excluded.epci_code",
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for t in chunk {
            q = q
                .bind(t.kind.as_str())
                .bind(t.code.clone())
                .bind(t.name.clone())
                .bind(t.population)
                .bind(t.postcodes.join(" "))
                .bind(t.region.clone())
                .bind(t.departement.clone())
                .bind(t.epci.clone());
        }
        q.execute(&mut *w).await?;
        progress(((i * BATCH) + chunk.len()) as u64);
    }
    w.changed(crate::territories::TERRITORY, "*", Op::Upsert)
        .await?;
    w.commit().await?;
    Ok(())
}

/// How many territories are stored.
pub async fn count(db: &Db) -> Result<i64, Error> {
    Ok(sqlx::query("SELECT COUNT(*) AS n FROM territories")
        .fetch_one(db.pool())
        .await?
        .try_get("n")?)
}

fn from_row(r: &AnyRow) -> Result<Territory, sqlx::Error> {
    let opt = |s: Option<String>| s.filter(|s| !s.is_empty());
    Ok(Territory {
        kind: TerritoryKind::parse(&r.try_get::<String, _>("kind")?)
            .unwrap_or(TerritoryKind::Commune),
        code: r.try_get("code")?,
        name: r.try_get("name")?,
        population: r.try_get("population")?,
        postcodes: r
            .try_get::<String, _>("postcodes")?
            .split(' ')
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect(),
        region: opt(r.try_get("region_code")?),
        departement: opt(r.try_get("departement_code")?),
        epci: opt(r.try_get("epci_code")?),
    })
}

/// The territory a `kind/code` text names (none for a text that names nothing).
pub async fn named(db: &Db, kind_code: &str) -> Result<Option<Territory>, Error> {
    match TerritoryRef::parse(kind_code) {
        Ok(r) => get(db, r.kind, &r.code).await,
        Err(_) => Ok(None),
    }
}

/// One territory.
pub async fn get(db: &Db, kind: TerritoryKind, code: &str) -> Result<Option<Territory>, Error> {
    Ok(fetch(db, kind, code).await?)
}

async fn fetch(db: &Db, kind: TerritoryKind, code: &str) -> Result<Option<Territory>, sqlx::Error> {
    // Codes are short and alphanumeric: anything else names nothing, and never reaches SQL.
    if code.is_empty() || code.len() > 9 || !code.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Ok(None);
    }
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM territories WHERE kind = $1 AND code = $2"
    )))
    .bind(kind.as_str())
    .bind(code)
    .fetch_optional(db.pool())
    .await?;
    row.as_ref().map(from_row).transpose()
}

/// The code and name of every territory of a level (the régions, the départements: a few
/// hundred), by code.
pub async fn names(db: &Db, kind: TerritoryKind) -> Result<Vec<(String, String)>, Error> {
    let rows = sqlx::query("SELECT code, name FROM territories WHERE kind = $1 ORDER BY code")
        .bind(kind.as_str())
        .fetch_all(db.pool())
        .await?;
    Ok(rows
        .iter()
        .map(|r| Ok((r.try_get("code")?, r.try_get("name")?)))
        .collect::<Result<_, sqlx::Error>>()?)
}

/// The territories directly below one: the départements of a région, the EPCI and communes of a
/// département, the communes of an EPCI; by population, largest first, paged.
pub async fn children(
    db: &Db,
    parent: &Territory,
    kind: TerritoryKind,
    offset: i64,
    limit: i64,
) -> Result<(Vec<Territory>, i64), Error> {
    let column = match parent.kind {
        TerritoryKind::Region => "region_code",
        TerritoryKind::Departement => "departement_code",
        TerritoryKind::Epci => "epci_code",
        TerritoryKind::Commune => return Ok((vec![], 0)),
    };
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM territories WHERE kind = $1 AND {column} = $2 ORDER BY population DESC NULLS LAST, name, code LIMIT $3 OFFSET $4"
    )))
    .bind(kind.as_str())
    .bind(&parent.code)
    .bind(limit)
    .bind(offset)
    .fetch_all(db.pool())
    .await?;
    let total: i64 = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT COUNT(*) AS n FROM territories WHERE kind = $1 AND {column} = $2"
    )))
    .bind(kind.as_str())
    .bind(&parent.code)
    .fetch_one(db.pool())
    .await?
    .try_get("n")?;
    Ok((rows.iter().map(from_row).collect::<Result<_, _>>()?, total))
}

/// Names of the régions and départements, to describe territories in lists.
async fn parent_names(db: &Db) -> Result<HashMap<(String, String), String>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT kind, code, name FROM territories WHERE kind IN ('region', 'departement')",
    )
    .fetch_all(db.pool())
    .await?;
    rows.iter()
        .map(|r| Ok(((r.try_get("kind")?, r.try_get("code")?), r.try_get("name")?)))
        .collect()
}

fn document(t: Territory, names: &HashMap<(String, String), String>) -> SearchDoc {
    let dep = t.departement.as_ref().and_then(|d| {
        names
            .get(&("departement".to_string(), d.clone()))
            .map(|n| format!("{n} ({d})"))
    });
    let region = t
        .region
        .as_ref()
        .and_then(|r| names.get(&("region".to_string(), r.clone())).cloned());
    let subtitle = [dep, region]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" · ");
    let boost = match t.kind {
        TerritoryKind::Region => 3.5,
        TerritoryKind::Departement => 3.0,
        _ => (t.population.unwrap_or(0) as f32 + 1.0).log10() / 2.0,
    };
    let region_code = match t.kind {
        TerritoryKind::Region => t.code.clone(),
        _ => t.region.clone().unwrap_or_default(),
    };
    SearchDoc {
        region: region_code,
        date: None,
        kind: "territory",
        id: format!("{}/{}", t.kind.as_str(), t.code),
        url: t.url(),
        body: format!("{} {}", t.code, t.postcodes.join(" ")),
        title: t.name,
        tag: t.kind.label_key(),
        subtitle,
        boost,
    }
}

/// Every territory as an index entry.
pub async fn index_entries(db: Db) -> Result<Vec<Entry>, sqlx::Error> {
    let names = parent_names(&db).await?;
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM territories"
    )))
    .fetch_all(db.pool())
    .await?;
    rows.iter()
        .map(|r| Ok(document(from_row(r)?, &names).into()))
        .collect()
}

/// The index entry of one territory (`kind/code`).
pub async fn index_entry(db: Db, id: String) -> Result<Option<Entry>, sqlx::Error> {
    let Some((kind, code)) = id.split_once('/') else {
        return Ok(None);
    };
    let Ok(kind) = TerritoryKind::parse(kind) else {
        return Ok(None);
    };
    let Some(t) = fetch(&db, kind, code).await? else {
        return Ok(None);
    };
    let names = parent_names(&db).await?;
    Ok(Some(document(t, &names).into()))
}
