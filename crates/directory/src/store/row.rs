//! How an actor maps to its row of `actors`: the `SELECT`, the row reader, the `INSERT` and
//! `UPDATE` of its fields and the query of a page of the CSV, all derived from the columns
//! (`crate::columns`).

use super::Actor;
use crate::actor::{ActorFields, ActorInput};
use crate::columns::{self, Kind, Stored};
use kernel::review::State;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};
use std::sync::LazyLock;

/// The columns of `actors` that are not fields of the input, read by [`from_row`] (with the
/// columns of the input, from `crate::columns`) and written by the store's own queries.
const RECORD: &str = "id, slug, state, departement, region, trusted, revision, created_at, \
     updated_at, verified_at, logo";

/// Every column an [`Actor`] is read from.
pub(super) static SELECT: LazyLock<String> = LazyLock::new(|| {
    let inputs: Vec<&str> = columns::inputs().map(|c| c.name).collect();
    format!("SELECT {RECORD}, {} FROM actors", inputs.join(", "))
});

/// An actor from a row read with [`SELECT`].
pub(super) fn from_row(r: &AnyRow) -> Result<Actor, sqlx::Error> {
    Ok(Actor {
        id: r.try_get("id")?,
        slug: r.try_get("slug")?,
        state: State::parse(&r.try_get::<String, _>("state")?),
        data: input_of(r)?,
        departement: r.try_get("departement")?,
        region: r.try_get("region")?,
        trusted: r.try_get::<i64, _>("trusted")? != 0,
        revision: r.try_get("revision")?,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
        verified_at: r.try_get("verified_at")?,
        logo: r.try_get("logo")?,
    })
}

/// A stored actor's fields that no longer parse.
#[derive(Debug)]
struct Unreadable(kernel::FieldErrors);

impl std::fmt::Display for Unreadable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "a stored actor no longer parses: {:?}", self.0)
    }
}

impl std::error::Error for Unreadable {}

/// The input of an actor's row, read through the form's parsers: a stored value that no longer
/// parses is a decoding error.
fn input_of(r: &AnyRow) -> Result<ActorInput, sqlx::Error> {
    let mut values = Vec::new();
    for c in columns::inputs() {
        let name = || c.name.to_string();
        if let Kind::Coordinate(_) = c.kind {
            values.push((name(), r.try_get::<f64, _>(c.name)?.to_string()));
            continue;
        }
        let text: String = r.try_get(c.name)?;
        match c.kind.separators() {
            Some((separator, _)) if c.kind.repeats_in_form() => values.extend(
                text.split(separator)
                    .filter(|x| !x.is_empty())
                    .map(|x| (name(), x.to_string())),
            ),
            // Web addresses are kept one per line, as the form has them.
            _ => values.push((name(), text)),
        }
    }
    ActorFields { values }
        .read_stored()
        .map_err(|e| sqlx::Error::Decode(Box::new(Unreadable(e))))
}

/// `$first, $first+1, …`: `n` placeholders.
fn placeholders(first: usize, n: usize) -> String {
    (first..first + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Binds the input's columns, in the order of `columns::inputs`.
fn bind_input<'q>(
    mut q: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments>,
    a: &ActorInput,
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments> {
    for c in columns::inputs() {
        q = match c.stored(a) {
            Some(Stored::Text(t)) => q.bind(t),
            Some(Stored::Real(x)) => q.bind(x),
            Some(Stored::Integer(n)) => q.bind(n),
            None => q,
        };
    }
    q
}

/// Writes an actor's fields (the row exists), with the place of its commune.
pub(super) async fn write_fields(
    tx: &mut AnyConnection,
    id: &str,
    a: &ActorInput,
    place: (&str, &str),
) -> Result<(), sqlx::Error> {
    static UPDATE: LazyLock<String> = LazyLock::new(|| {
        let sets: Vec<String> = columns::inputs()
            .enumerate()
            .map(|(i, c)| format!("{} = ${}", c.name, i + 4))
            .collect();
        let id = sets.len() + 4;
        format!(
            "UPDATE actors SET name_key = $1, departement = $2, region = $3, {} WHERE id = ${id}",
            sets.join(", ")
        )
    });
    let q = sqlx::query(sqlx::AssertSqlSafe(UPDATE.as_str()))
        .bind(a.normalised_name())
        .bind(place.0)
        .bind(place.1);
    bind_input(q, a).bind(id).execute(&mut *tx).await?;
    Ok(())
}

/// Inserts an actor's row: its first revision, created, updated and verified now.
pub(super) async fn insert_row(
    tx: &mut AnyConnection,
    row: (&str, &str, &str, Option<&str>, i64),
    a: &ActorInput,
    place: (&str, &str),
) -> Result<(), sqlx::Error> {
    static INSERT: LazyLock<String> = LazyLock::new(|| {
        let inputs: Vec<&str> = columns::inputs().map(|c| c.name).collect();
        format!(
            "INSERT INTO actors (id, slug, state, created_by, created_at, updated_at, verified_at, \
             trusted, revision, name_key, departement, region, {}) VALUES ($1, $2, $3, $4, $5, $5, \
             $5, 0, 1, $6, $7, $8, {})",
            inputs.join(", "),
            placeholders(9, inputs.len())
        )
    });
    let (id, slug, state, by, now) = row;
    let q = sqlx::query(sqlx::AssertSqlSafe(INSERT.as_str()))
        .bind(id)
        .bind(slug)
        .bind(state)
        .bind(by)
        .bind(now)
        .bind(a.normalised_name())
        .bind(place.0)
        .bind(place.1);
    bind_input(q, a).execute(&mut *tx).await?;
    Ok(())
}

/// The query of a page of the CSV: each line one text the database writes, as the kind of each
/// column says (`$1` the cursor, `$2` the most lines).
pub(crate) fn csv_page_query(engine: kernel::db::Engine) -> String {
    use kernel::opendata::sql;
    let cell = |c: &columns::Column| -> String {
        let name = c.name;
        match c.kind {
            Kind::Text => sql::text(engine, name),
            Kind::Code | Kind::Term(_) => name.to_string(),
            Kind::Link => sql::typed(engine, name),
            Kind::Coordinate(_) => sql::coordinate(engine, name),
            Kind::Terms(_) | Kind::Links => {
                let (table, csv) = c.kind.separators().unwrap_or((",", ";"));
                let joined = format!("REPLACE({name}, '{table}', '{csv}')");
                if c.kind == Kind::Links {
                    sql::text(engine, &joined)
                } else {
                    joined
                }
            }
            Kind::Date => sql::date(engine, name),
            Kind::Upload => format!("CASE WHEN {name} = '' THEN '' ELSE '/uploads/' || {name} END"),
        }
    };
    let published: Vec<&columns::Column> = columns::published().map(|(c, _)| c).collect();
    let cells: Vec<String> = published.iter().map(|c| cell(c)).collect();
    let names: Vec<&str> = published.iter().map(|c| c.name).collect();
    // One call joins the cells (a chain of `||` would copy the line once per cell).
    let line = format!("CONCAT_WS(',', {}) || '\n'", cells.join(", "));
    format!(
        "SELECT {} AS page_text, MAX(id) AS last_id, COUNT(*) AS n FROM (SELECT {} FROM actors \
         WHERE state = 'published' AND id > $1 ORDER BY id LIMIT $2) page",
        sql::joined(engine, &line, "id"),
        names.join(", ")
    )
}
