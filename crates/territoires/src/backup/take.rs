//! Taking a backup while the instance serves.

use super::*;
use futures_util::StreamExt;
use kernel::uploads::FileStore;
use sha2::{Digest, Sha256};
use sqlx::any::AnyTypeInfoKind;
use sqlx::{TypeInfo, ValueRef};
use std::io::Write;
use std::path::Path;

/// Writes a backup of the instance (`db`, and its files kept in `files`) into `dir`, which must
/// be missing or empty. `progress` is told (what, done, in all) as it goes.
///
/// Every table is read in one read-only transaction, a snapshot of the database as it was when
/// the backup started, whatever is written meanwhile (PostgreSQL's repeatable read; SQLite's
/// read transaction in its write-ahead log). The files are listed after the snapshot started:
/// a file is stored before the row that names it is committed, and its name is drawn from its
/// content, so every file the snapshot names is there, and a file stored later does no harm.
pub async fn backup(
    db: &Db,
    files: &FileStore,
    dir: &Path,
    progress: &(dyn Fn(&'static str, u64, u64) + Sync),
) -> Result<Manifest, BackupError> {
    prepare(dir)?;
    let engine = db.engine();
    let mut tx = match engine {
        Engine::Postgres => {
            db.pool()
                .begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
                .await?
        }
        Engine::Sqlite => db.pool().begin().await?,
    };
    // The first read starts the snapshot (on both engines): the list of tables.
    let names: Vec<String> = tables(&mut tx, engine)
        .await?
        .into_iter()
        .filter(|t| !NOT_COPIED.contains(&t.as_str()))
        .collect();
    let migrations: Vec<String> = {
        let mut m: Vec<String> = sqlx::query("SELECT id FROM schema_migrations")
            .fetch_all(&mut *tx)
            .await?
            .iter()
            .map(|r| r.try_get("id"))
            .collect::<Result<_, _>>()?;
        m.sort();
        m
    };
    let created_at_ms = kernel::ids::now_ms();
    let mut copies = Vec::with_capacity(names.len());
    progress("tables", 0, names.len() as u64);
    for (i, name) in names.iter().enumerate() {
        copies.push(copy_table(&mut tx, engine, name, &dir.join("tables")).await?);
        progress("tables", i as u64 + 1, names.len() as u64);
    }
    let named = named_files(&mut tx).await?;
    let mut files = copy_files(files, &dir.join("files"), progress).await?;
    let copied: std::collections::BTreeSet<&str> = files
        .list
        .iter()
        .map(|f| f.key.rsplit('/').next().unwrap_or(&f.key))
        .collect();
    let missing: Vec<String> = named
        .into_iter()
        .filter(|name| !copied.contains(name.as_str()))
        .collect();
    files.missing = missing;
    // Read only: nothing to commit.
    tx.rollback().await?;
    let manifest = Manifest {
        format: FORMAT.to_string(),
        engine: engine_name(engine).to_string(),
        migrations,
        created_at_ms,
        tables: copies,
        files,
    };
    let text = serde_json::to_vec_pretty(&manifest)
        .map_err(|e| BackupError(format!("the manifest could not be written: {e}")))?;
    // Written last, and whole or not at all: a folder without it is no backup.
    let partial = dir.join(format!("{MANIFEST}.partial"));
    let mut file = std::fs::File::create(&partial).map_err(io_error(&partial))?;
    file.write_all(&text)
        .and_then(|()| file.sync_all())
        .map_err(io_error(&partial))?;
    std::fs::rename(&partial, dir.join(MANIFEST)).map_err(io_error(&partial))?;
    Ok(manifest)
}

/// The stored files the snapshot names, as the daily sweep finds them: the components' queries
/// of the columns that name files.
async fn named_files(
    conn: &mut AnyConnection,
) -> Result<std::collections::BTreeSet<String>, BackupError> {
    let mut named = std::collections::BTreeSet::new();
    for query in crate::components().iter().flat_map(|c| c.files.iter()) {
        let texts: Vec<Option<String>> = sqlx::query_scalar(sqlx::AssertSqlSafe(*query))
            .fetch_all(&mut *conn)
            .await?;
        for text in texts.iter().flatten() {
            named.extend(kernel::uploads::stored_names_in(text));
        }
    }
    Ok(named)
}

/// Makes `dir` with its `tables` and `files` folders; refuses a folder that holds something.
fn prepare(dir: &Path) -> Result<(), BackupError> {
    if let Ok(mut entries) = std::fs::read_dir(dir)
        && entries.next().is_some()
    {
        return Err(BackupError(format!(
            "{} is not empty: a backup is written into a new folder",
            dir.display()
        )));
    }
    for sub in ["tables", "files"] {
        let path = dir.join(sub);
        std::fs::create_dir_all(&path).map_err(io_error(&path))?;
    }
    Ok(())
}

/// Writes the rows of `table` to `folder/TABLE.ndjson`.
async fn copy_table(
    conn: &mut AnyConnection,
    engine: Engine,
    table: &str,
    folder: &Path,
) -> Result<TableCopy, BackupError> {
    let columns: Vec<String> = columns(conn, engine, table)
        .await?
        .into_iter()
        .map(|(name, _)| name)
        .collect();
    let list = columns
        .iter()
        .map(|c| quoted(c))
        .collect::<Vec<_>>()
        .join(", ");
    let path = folder.join(format!("{table}.ndjson"));
    let file = std::fs::File::create(&path).map_err(io_error(&path))?;
    let mut out = HashingWriter::new(std::io::BufWriter::new(file));
    let sql = format!("SELECT {list} FROM {}", quoted(table));
    let mut rows = sqlx::query(sqlx::AssertSqlSafe(sql)).fetch(&mut *conn);
    let mut count = 0u64;
    while let Some(row) = rows.next().await {
        let row = row?;
        let mut values = Vec::with_capacity(columns.len());
        for i in 0..columns.len() {
            values.push(value(&row, i).map_err(|e| {
                BackupError(format!("{table}.{}: {e}", columns.get(i).map_or("", |c| c)))
            })?);
        }
        let mut line = serde_json::to_vec(&values)
            .map_err(|e| BackupError(format!("a row of {table}: {e}")))?;
        line.push(b'\n');
        out.write_all(&line).map_err(io_error(&path))?;
        count += 1;
    }
    let sha256 = out.finish().map_err(io_error(&path))?;
    Ok(TableCopy {
        name: table.to_string(),
        columns,
        rows: count,
        sha256,
    })
}

/// A value of a row as JSON, keeping its type.
fn value(row: &sqlx::any::AnyRow, i: usize) -> Result<serde_json::Value, sqlx::Error> {
    use serde_json::Value;
    let raw = row.try_get_raw(i)?;
    if raw.is_null() {
        return Ok(Value::Null);
    }
    let kind = raw.type_info().kind();
    Ok(match kind {
        AnyTypeInfoKind::SmallInt | AnyTypeInfoKind::Integer | AnyTypeInfoKind::BigInt => {
            Value::from(row.try_get::<i64, _>(i)?)
        }
        AnyTypeInfoKind::Real | AnyTypeInfoKind::Double => {
            let f = row.try_get::<f64, _>(i)?;
            serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)
        }
        AnyTypeInfoKind::Text => Value::from(row.try_get::<String, _>(i)?),
        AnyTypeInfoKind::Blob => {
            serde_json::json!({ "hex": kernel::ids::hex(&row.try_get::<Vec<u8>, _>(i)?) })
        }
        AnyTypeInfoKind::Bool => Value::from(row.try_get::<bool, _>(i)?),
        AnyTypeInfoKind::Null => Value::Null,
        #[allow(unreachable_patterns)]
        _ => {
            return Err(sqlx::Error::Decode(
                format!(
                    "a value of type {} cannot be copied",
                    raw.type_info().name()
                )
                .into(),
            ));
        }
    })
}

/// Copies every stored file into `folder`, each under its key.
async fn copy_files(
    files: &FileStore,
    folder: &Path,
    progress: &(dyn Fn(&'static str, u64, u64) + Sync),
) -> Result<FilesCopy, BackupError> {
    let failed = |e: std::io::Error| {
        BackupError(format!(
            "the files of {} could not be read: {e}",
            files.describe()
        ))
    };
    let mut listed = Vec::new();
    let mut list = files.list();
    while let Some(file) = list.next().await {
        listed.push(file.map_err(failed)?);
    }
    listed.sort_by(|a, b| a.key.cmp(&b.key));
    let total = listed.len() as u64;
    progress("files", 0, total);
    let mut copy = FilesCopy::default();
    for (i, file) in listed.iter().enumerate() {
        // Gone since it was listed (the sweep of files no row names): nothing to copy.
        if let Some(mut stored) = files.get(&file.key).await.map_err(failed)? {
            let path = folder.join(file.key.as_str());
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent).map_err(io_error(parent))?;
            }
            let mut out = HashingWriter::new(std::io::BufWriter::new(
                std::fs::File::create(&path).map_err(io_error(&path))?,
            ));
            while let Some(chunk) = stored.body.next().await {
                out.write_all(&chunk.map_err(failed)?)
                    .map_err(io_error(&path))?;
            }
            let bytes = out.written;
            let sha256 = out.finish().map_err(io_error(&path))?;
            copy.count += 1;
            copy.bytes += bytes;
            copy.list.push(FileCopy {
                key: file.key.as_str().to_string(),
                bytes,
                sha256,
            });
        }
        progress("files", i as u64 + 1, total);
    }
    Ok(copy)
}

/// A file being written, its SHA-256 counted as it goes.
struct HashingWriter {
    inner: std::io::BufWriter<std::fs::File>,
    hash: Sha256,
    written: u64,
}

impl HashingWriter {
    fn new(inner: std::io::BufWriter<std::fs::File>) -> Self {
        HashingWriter {
            inner,
            hash: Sha256::new(),
            written: 0,
        }
    }

    /// Writes the file through to the disk; returns its SHA-256 in hexadecimal.
    fn finish(self) -> std::io::Result<String> {
        self.inner.into_inner()?.sync_all()?;
        Ok(kernel::ids::hex(&self.hash.finalize()))
    }
}

impl Write for HashingWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hash.update(&buf[..n]);
        self.written += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}
