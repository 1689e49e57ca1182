//! Restoring a backup into a new, empty instance.

use super::*;
use kernel::uploads::{FileKey, FileStore};
use sha2::{Digest, Sha256};
use sqlx::Connection;
use sqlx::any::AnyArguments;
use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, Read};
use std::path::Path;

type Insert<'q> = sqlx::query::Query<'q, sqlx::Any, AnyArguments>;

/// Restores the backup in `dir` into the instance of `db` (migrated already, and holding no
/// data) and its files into `files`. `progress` is told (what, done, in all) as it goes.
///
/// The whole backup is checked first (every table's and every file's size and SHA-256 against
/// the manifest): a changed or truncated backup is refused before anything is written. The
/// files are then stored (a stored file no row names is harmless, and the sweep removes it),
/// and every row is inserted in one transaction, which either commits whole or leaves the
/// database as it was.
pub async fn restore(
    db: &Db,
    files: &FileStore,
    dir: &Path,
    progress: &(dyn Fn(&'static str, u64, u64) + Sync),
) -> Result<Manifest, BackupError> {
    let manifest = Manifest::read(dir)?;
    verify(dir, &manifest, progress)?;
    let known = applied(db).await?;
    if let Some(unknown) = manifest.migrations.iter().find(|m| !known.contains(m)) {
        return Err(BackupError(format!(
            "the backup was taken from a newer version (its migration {unknown} is unknown here): restore it with that version or a later one"
        )));
    }
    let seeded = seeded_rows().await?;
    let held = held_rows(db).await?;
    if let Some((table, rows)) = held
        .iter()
        .find(|(t, n)| **n > seeded.get(*t).copied().unwrap_or(0))
    {
        return Err(BackupError(format!(
            "the database holds data already ({rows} row(s) in {table}): a backup is restored into a new, empty database"
        )));
    }
    put_files(dir, &manifest, files, progress).await?;
    insert_rows(db, dir, &manifest, &held, progress).await?;
    Ok(manifest)
}

/// Checks every file of the backup against its manifest.
fn verify(
    dir: &Path,
    manifest: &Manifest,
    progress: &(dyn Fn(&'static str, u64, u64) + Sync),
) -> Result<(), BackupError> {
    let total = (manifest.tables.len() + manifest.files.list.len()) as u64;
    progress("checking", 0, total);
    let mut done = 0;
    for table in &manifest.tables {
        let path = table_path(dir, &table.name)?;
        let (_, sha256) = digest(&path)?;
        let lines = std::io::BufReader::new(std::fs::File::open(&path).map_err(io_error(&path))?)
            .lines()
            .count() as u64;
        if lines != table.rows {
            return Err(BackupError(format!(
                "the backup is damaged: {} holds {lines} row(s), its manifest says {}; nothing was restored",
                path.display(),
                table.rows
            )));
        }
        if sha256 != table.sha256 {
            return Err(BackupError(format!(
                "the backup is damaged: {} was changed since the backup (its SHA-256 is not the manifest's); nothing was restored",
                path.display()
            )));
        }
        done += 1;
        progress("checking", done, total);
    }
    let mut sum = 0;
    for file in &manifest.files.list {
        let key = FileKey::parse(&file.key).ok_or_else(|| {
            BackupError(format!(
                "the backup is damaged: {} is not the name of a stored file; nothing was restored",
                file.key
            ))
        })?;
        let path = dir.join("files").join(key.as_str());
        let (bytes, sha256) = digest(&path).map_err(|_| {
            BackupError(format!(
                "the backup is damaged: the file {} is missing; nothing was restored",
                path.display()
            ))
        })?;
        if bytes != file.bytes || sha256 != file.sha256 {
            return Err(BackupError(format!(
                "the backup is damaged: the file {} does not match its manifest; nothing was restored",
                path.display()
            )));
        }
        sum += bytes;
        done += 1;
        progress("checking", done, total);
    }
    if sum != manifest.files.bytes || manifest.files.list.len() as u64 != manifest.files.count {
        return Err(BackupError(
            "the backup is damaged: its manifest's count of files does not add up; nothing was restored"
                .into(),
        ));
    }
    Ok(())
}

/// The path of a table's rows; a name that would lead out of the folder is refused.
fn table_path(dir: &Path, table: &str) -> Result<std::path::PathBuf, BackupError> {
    if table.is_empty()
        || !table
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_')
    {
        return Err(BackupError(format!(
            "the backup is damaged: {table:?} is not a table's name; nothing was restored"
        )));
    }
    Ok(dir.join("tables").join(format!("{table}.ndjson")))
}

/// The size and SHA-256 of a file.
fn digest(path: &Path) -> Result<(u64, String), BackupError> {
    let mut file = std::fs::File::open(path).map_err(io_error(path))?;
    let mut hash = Sha256::new();
    let mut buf = vec![0u8; 64 * 1024];
    let mut bytes = 0u64;
    loop {
        let n = file.read(&mut buf).map_err(io_error(path))?;
        if n == 0 {
            break;
        }
        hash.update(&buf[..n]);
        bytes += n as u64;
    }
    Ok((bytes, kernel::ids::hex(&hash.finalize())))
}

/// The rows of each table of a database that holds some.
async fn held_rows(db: &Db) -> Result<BTreeMap<String, u64>, BackupError> {
    let mut conn = db.pool().acquire().await?;
    let mut held = BTreeMap::new();
    for table in tables(&mut conn, db.engine()).await? {
        if NOT_COPIED.contains(&table.as_str()) {
            continue;
        }
        let n: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "SELECT COUNT(*) FROM {}",
            quoted(&table)
        )))
        .fetch_one(&mut *conn)
        .await?;
        if n > 0 {
            held.insert(table, n as u64);
        }
    }
    Ok(held)
}

/// The rows the migrations themselves put in a new database (reference lists), found by
/// migrating a scratch one: what a database may hold and still count as empty.
async fn seeded_rows() -> Result<BTreeMap<String, u64>, BackupError> {
    let folder =
        std::env::temp_dir().join(format!("territoires-restore-{}", kernel::ids::new_id()));
    std::fs::create_dir_all(&folder).map_err(io_error(&folder))?;
    let found = async {
        let scratch =
            Db::connect(&format!("sqlite://{}", folder.join("scratch.db").display())).await?;
        scratch.migrate(&migrations()).await?;
        let held = held_rows(&scratch).await;
        scratch.pool().close().await;
        held
    }
    .await;
    let _ = std::fs::remove_dir_all(&folder);
    found
}

/// Stores every file of the backup where the instance keeps its files.
async fn put_files(
    dir: &Path,
    manifest: &Manifest,
    files: &FileStore,
    progress: &(dyn Fn(&'static str, u64, u64) + Sync),
) -> Result<(), BackupError> {
    let total = manifest.files.list.len() as u64;
    progress("files", 0, total);
    for (i, file) in manifest.files.list.iter().enumerate() {
        let Some(key) = FileKey::parse(&file.key) else {
            continue;
        };
        let failed = |e: std::io::Error| {
            BackupError(format!(
                "the file {key} could not be stored in {}: {e}; nothing of the database was restored",
                files.describe()
            ))
        };
        if files.size(&key).await.map_err(failed)? != Some(file.bytes) {
            let path = dir.join("files").join(key.as_str());
            let bytes = std::fs::read(&path).map_err(io_error(&path))?;
            files.put_bytes(&key, bytes.into()).await.map_err(failed)?;
        }
        progress("files", i as u64 + 1, total);
    }
    Ok(())
}

/// Inserts every row of the backup in one transaction, the tables a table refers to first.
async fn insert_rows(
    db: &Db,
    dir: &Path,
    manifest: &Manifest,
    held: &BTreeMap<String, u64>,
    progress: &(dyn Fn(&'static str, u64, u64) + Sync),
) -> Result<(), BackupError> {
    let engine = db.engine();
    // A connection of its own, never given back to the pool: on SQLite its checks of foreign
    // keys are turned off while it inserts (rows of a table may refer to each other in any
    // order), and checked whole before the commit.
    let mut conn = db.pool().acquire().await?.detach();
    if engine == Engine::Sqlite {
        sqlx::query("PRAGMA foreign_keys = OFF")
            .execute(&mut conn)
            .await?;
    }
    let result = insert_in(&mut conn, engine, dir, manifest, held, progress).await;
    let _ = conn.close().await;
    result
}

async fn insert_in(
    conn: &mut AnyConnection,
    engine: Engine,
    dir: &Path,
    manifest: &Manifest,
    held: &BTreeMap<String, u64>,
    progress: &(dyn Fn(&'static str, u64, u64) + Sync),
) -> Result<(), BackupError> {
    let present = tables(conn, engine).await?;
    let order = in_order(manifest, &references(conn, engine).await?);
    let mut kinds = BTreeMap::new();
    for table in &manifest.tables {
        if !present.contains(&table.name) {
            return Err(BackupError(format!(
                "the backup holds a table {} this version does not have; nothing was restored",
                table.name
            )));
        }
        let here: BTreeMap<String, Kind> = columns(conn, engine, &table.name)
            .await?
            .into_iter()
            .collect();
        let mut of_table = Vec::with_capacity(table.columns.len());
        for column in &table.columns {
            of_table.push(*here.get(column).ok_or_else(|| {
                BackupError(format!(
                    "the backup holds a column {}.{column} this version does not have; nothing was restored",
                    table.name
                ))
            })?);
        }
        kinds.insert(table.name.clone(), of_table);
    }
    let total: u64 = manifest.tables.iter().map(|t| t.rows).sum();
    progress("rows", 0, total);
    let mut tx = conn.begin().await?;
    let deferred = match engine {
        Engine::Postgres => defer_references(&mut tx).await?,
        Engine::Sqlite => Vec::new(),
    };
    // Rows the migrations put there (reference lists) are replaced by the backup's.
    for table in order.iter().rev() {
        if held.contains_key(&table.name) {
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "DELETE FROM {}",
                quoted(&table.name)
            )))
            .execute(&mut *tx)
            .await?;
        }
    }
    let mut done = 0u64;
    for table in &order {
        let kinds = kinds.get(&table.name).map_or(&[][..], |k| k.as_slice());
        let sql = format!(
            "INSERT INTO {} ({}) VALUES ({})",
            quoted(&table.name),
            table
                .columns
                .iter()
                .map(|c| quoted(c))
                .collect::<Vec<_>>()
                .join(", "),
            (1..=table.columns.len())
                .map(|i| format!("${i}"))
                .collect::<Vec<_>>()
                .join(", ")
        );
        let path = table_path(dir, &table.name)?;
        let reader = std::io::BufReader::new(std::fs::File::open(&path).map_err(io_error(&path))?);
        for (n, line) in reader.lines().enumerate() {
            let line = line.map_err(io_error(&path))?;
            let damaged = |why: String| {
                BackupError(format!(
                    "the backup is damaged: {} line {}: {why}; nothing was restored",
                    path.display(),
                    n + 1
                ))
            };
            let values: Vec<&serde_json::value::RawValue> =
                serde_json::from_str(&line).map_err(|e| damaged(e.to_string()))?;
            if values.len() != kinds.len() {
                return Err(damaged(format!(
                    "{} value(s) for {} column(s)",
                    values.len(),
                    kinds.len()
                )));
            }
            let mut insert = sqlx::query(sqlx::AssertSqlSafe(sql.clone()));
            for (value, kind) in values.iter().zip(kinds) {
                insert = bind(insert, *kind, value).map_err(&damaged)?;
            }
            insert.execute(&mut *tx).await.map_err(|e| {
                BackupError(format!(
                    "a row of {} could not be restored ({e}); nothing was restored",
                    table.name
                ))
            })?;
            done += 1;
            if done.is_multiple_of(500) {
                progress("rows", done, total);
            }
        }
    }
    progress("rows", done, total);
    match engine {
        Engine::Sqlite => {
            let broken = sqlx::query("PRAGMA foreign_key_check")
                .fetch_all(&mut *tx)
                .await?;
            if let Some(row) = broken.first() {
                let table: String = row.try_get(0).unwrap_or_default();
                return Err(BackupError(format!(
                    "the backup is not consistent: a row of {table} refers to a row it does not hold; nothing was restored"
                )));
            }
        }
        Engine::Postgres => {
            sqlx::query("SET CONSTRAINTS ALL IMMEDIATE")
                .execute(&mut *tx)
                .await
                .map_err(|e| {
                    BackupError(format!(
                        "the backup is not consistent: a row refers to a row it does not hold ({e}); nothing was restored"
                    ))
                })?;
            for (table, constraint) in &deferred {
                sqlx::query(sqlx::AssertSqlSafe(format!(
                    "ALTER TABLE {} ALTER CONSTRAINT {} NOT DEFERRABLE",
                    quoted(table),
                    quoted(constraint)
                )))
                .execute(&mut *tx)
                .await?;
            }
            reset_sequences(&mut tx).await?
        }
    }
    for table in &manifest.tables {
        let n: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "SELECT COUNT(*) FROM {}",
            quoted(&table.name)
        )))
        .fetch_one(&mut *tx)
        .await?;
        if n as u64 != table.rows {
            return Err(BackupError(format!(
                "{} holds {n} row(s) once restored, its manifest {}; nothing was restored",
                table.name, table.rows
            )));
        }
    }
    tx.commit().await?;
    Ok(())
}

/// The tables of the manifest, each after those it refers to (cycles, and a table's references
/// to itself, leave the order of the manifest).
fn in_order<'m>(manifest: &'m Manifest, references: &[(String, String)]) -> Vec<&'m TableCopy> {
    let mut parents: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for (child, parent) in references {
        if child != parent {
            parents.entry(child).or_default().insert(parent);
        }
    }
    let mut placed: BTreeSet<&str> = BTreeSet::new();
    let mut order = Vec::with_capacity(manifest.tables.len());
    while order.len() < manifest.tables.len() {
        let before = order.len();
        for table in &manifest.tables {
            if placed.contains(table.name.as_str()) {
                continue;
            }
            let ready = parents.get(table.name.as_str()).is_none_or(|ps| {
                ps.iter()
                    .all(|p| placed.contains(p) || !manifest.tables.iter().any(|t| t.name == *p))
            });
            if ready {
                placed.insert(&table.name);
                order.push(table);
            }
        }
        if order.len() == before {
            // A cycle: the rest in the manifest's order.
            for table in &manifest.tables {
                if placed.insert(&table.name) {
                    order.push(table);
                }
            }
        }
    }
    order
}

/// Binds a value of the backup as the column's kind says. A float is read from its text by
/// the standard library, whose reading is exact: the same float comes back, bit for bit.
fn bind<'q>(
    insert: Insert<'q>,
    kind: Kind,
    raw: &serde_json::value::RawValue,
) -> Result<Insert<'q>, String> {
    use serde_json::Value;
    let wrong = || format!("{} is not a value of a {kind:?} column", raw.get());
    let value: Value = serde_json::from_str(raw.get()).map_err(|e| e.to_string())?;
    Ok(match (kind, &value) {
        (Kind::Integer, Value::Null) => insert.bind(None::<i64>),
        (Kind::Integer, Value::Number(n)) => insert.bind(n.as_i64().ok_or_else(wrong)?),
        (Kind::Integer, Value::Bool(b)) => insert.bind(i64::from(*b)),
        (Kind::Float, Value::Null) => insert.bind(None::<f64>),
        (Kind::Float, Value::Number(_)) => {
            insert.bind(raw.get().trim().parse::<f64>().map_err(|_| wrong())?)
        }
        (Kind::Text, Value::Null) => insert.bind(None::<String>),
        (Kind::Text, Value::String(s)) => insert.bind(s.clone()),
        (Kind::Text, Value::Number(n)) => insert.bind(n.to_string()),
        (Kind::Bytes, Value::Null) => insert.bind(None::<Vec<u8>>),
        (Kind::Bytes, Value::Object(o)) => {
            let hex = o.get("hex").and_then(Value::as_str).ok_or_else(wrong)?;
            insert.bind(from_hex(hex).ok_or_else(wrong)?)
        }
        (Kind::Bytes, Value::String(s)) => insert.bind(s.clone().into_bytes()),
        (Kind::Boolean, Value::Null) => insert.bind(None::<bool>),
        (Kind::Boolean, Value::Bool(b)) => insert.bind(*b),
        (Kind::Boolean, Value::Number(n)) => insert.bind(n.as_i64().ok_or_else(wrong)? != 0),
        _ => return Err(wrong()),
    })
}

fn from_hex(hex: &str) -> Option<Vec<u8>> {
    if !hex.len().is_multiple_of(2) {
        return None;
    }
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(hex.get(i..i + 2)?, 16).ok())
        .collect()
}

/// Makes every foreign key of the schema deferred to the commit, within the restore's
/// transaction: the rows of a table that refer to each other (a reply to a comment) may come in
/// any order. Altering a constraint needs only to own the table, where turning the checks off
/// (`session_replication_role`) needs a superuser, which managed PostgreSQL services do not
/// give. Returns the constraints, (table, name), to be made immediate again before the commit.
async fn defer_references(conn: &mut AnyConnection) -> Result<Vec<(String, String)>, BackupError> {
    let rows = sqlx::query(
        "SELECT c.relname::text AS t, k.conname::text AS n FROM pg_constraint k \
         JOIN pg_class c ON c.oid = k.conrelid \
         WHERE k.contype = 'f' AND NOT k.condeferrable \
           AND k.connamespace = current_schema()::regnamespace",
    )
    .fetch_all(&mut *conn)
    .await?;
    let mut deferred = Vec::with_capacity(rows.len());
    for row in rows {
        let (table, constraint): (String, String) = (row.try_get("t")?, row.try_get("n")?);
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "ALTER TABLE {} ALTER CONSTRAINT {} DEFERRABLE INITIALLY DEFERRED",
            quoted(&table),
            quoted(&constraint)
        )))
        .execute(&mut *conn)
        .await?;
        deferred.push((table, constraint));
    }
    sqlx::query("SET CONSTRAINTS ALL DEFERRED")
        .execute(&mut *conn)
        .await?;
    Ok(deferred)
}

/// Sets each PostgreSQL sequence (the auto-incremented keys) past the largest key restored.
async fn reset_sequences(conn: &mut AnyConnection) -> Result<(), BackupError> {
    let serials = sqlx::query(
        "SELECT table_name::text AS t, column_name::text AS c FROM information_schema.columns \
         WHERE table_schema = current_schema() AND column_default LIKE 'nextval(%'",
    )
    .fetch_all(&mut *conn)
    .await?;
    for row in serials {
        let table: String = row.try_get("t")?;
        let column: String = row.try_get("c")?;
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT setval(pg_get_serial_sequence($1, $2), COALESCE((SELECT MAX({}) FROM {}), 0) + 1, false)",
            quoted(&column),
            quoted(&table)
        )))
        .bind(quoted(&table))
        .bind(column)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}
