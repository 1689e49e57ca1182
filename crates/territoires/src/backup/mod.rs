//! Backups: a consistent copy of an instance (every table of its database, every stored file)
//! in a folder, and its restoration into a new, empty instance of either engine.
//!
//! A backup folder holds `manifest.json` (written last: a folder without it is no backup),
//! `tables/NAME.ndjson` (one JSON array a row, the columns in the manifest's order) and
//! `files/KEY` (each stored file as its storage interface gives it). Values keep their type:
//! an integer is a JSON integer (64 bits, exact), a float a JSON number with a fraction, a text
//! a string, bytes `{"hex": "…"}`, NULL `null`. The rows are read from the database's catalogue,
//! not from a list kept by hand, so a table added by a later migration is backed up too.

use kernel::db::{Db, Engine};
use serde::{Deserialize, Serialize};
use sqlx::{AnyConnection, Row};

mod restore;
mod take;

pub use restore::restore;
pub use take::backup;

/// The format of the backups this version writes and reads.
pub const FORMAT: &str = "territoires-backup/1";
/// The manifest's name in a backup folder.
pub const MANIFEST: &str = "manifest.json";

/// Tables whose rows are not copied as rows: the migrations' bookkeeping (a restore runs the
/// migrations itself and compares their list with the manifest's), and the database's file
/// storage (files are copied through the storage interface, so that a backup restores into
/// whichever place the new instance keeps its files).
const NOT_COPIED: &[&str] = &["schema_migrations", "files", "file_chunks"];

/// A backup or a restore that could not be done, in one sentence for the operator.
#[derive(Debug)]
pub struct BackupError(pub String);

impl std::fmt::Display for BackupError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<sqlx::Error> for BackupError {
    fn from(e: sqlx::Error) -> Self {
        BackupError(format!("the database answered: {e}"))
    }
}

fn io_error(path: &std::path::Path) -> impl Fn(std::io::Error) -> BackupError + '_ {
    move |e| BackupError(format!("{}: {e}", path.display()))
}

/// What a backup holds, as its `manifest.json` says.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Manifest {
    /// [`FORMAT`].
    pub format: String,
    /// The engine it was taken from: `sqlite` or `postgres`.
    pub engine: String,
    /// The migrations applied to the database it was taken from: its schema's version.
    pub migrations: Vec<String>,
    /// When it was taken, in milliseconds since 1970.
    pub created_at_ms: i64,
    /// Every table copied, by name.
    pub tables: Vec<TableCopy>,
    /// The stored files.
    pub files: FilesCopy,
}

/// One table of a backup.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct TableCopy {
    /// Its name.
    pub name: String,
    /// Its columns, in the order of each row's values.
    pub columns: Vec<String>,
    /// How many rows it held.
    pub rows: u64,
    /// The SHA-256 of its file, in hexadecimal.
    pub sha256: String,
}

/// The stored files of a backup.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct FilesCopy {
    /// How many.
    pub count: u64,
    /// Their total size in bytes.
    pub bytes: u64,
    /// Each file.
    pub list: Vec<FileCopy>,
    /// The names of files the database names that the storage did not hold (none, unless a
    /// file was lost, or swept after its row went during the backup).
    #[serde(default)]
    pub missing: Vec<String>,
}

/// One stored file of a backup.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct FileCopy {
    /// Its key in the storage (`NAME.png`, `attachments/NAME.pdf`), and its path under `files/`.
    pub key: String,
    /// Its size in bytes.
    pub bytes: u64,
    /// The SHA-256 of its content, in hexadecimal.
    pub sha256: String,
}

impl Manifest {
    /// The manifest of the backup in `dir`.
    pub fn read(dir: &std::path::Path) -> Result<Manifest, BackupError> {
        let path = dir.join(MANIFEST);
        let text = std::fs::read_to_string(&path).map_err(|e| {
            BackupError(format!(
                "{} is not a complete backup (no readable {MANIFEST}: {e})",
                dir.display()
            ))
        })?;
        let manifest: Manifest = serde_json::from_str(&text)
            .map_err(|e| BackupError(format!("{}: {e}", path.display())))?;
        if manifest.format != FORMAT {
            return Err(BackupError(format!(
                "{} is a backup of format {}, this version reads {FORMAT}",
                dir.display(),
                manifest.format
            )));
        }
        Ok(manifest)
    }
}

fn engine_name(engine: Engine) -> &'static str {
    match engine {
        Engine::Sqlite => "sqlite",
        Engine::Postgres => "postgres",
    }
}

/// An identifier quoted for both engines (names come from the catalogue or a manifest).
fn quoted(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// How a column's values are stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Integer,
    Float,
    Text,
    Bytes,
    Boolean,
}

impl Kind {
    /// The kind of a declared type (SQLite's `BIGINT`, PostgreSQL's `double precision`…),
    /// after SQLite's rules of affinity.
    fn of(declared: &str) -> Kind {
        let t = declared.to_ascii_uppercase();
        if t.contains("BOOL") {
            Kind::Boolean
        } else if t.contains("INT") {
            Kind::Integer
        } else if t.contains("CHAR") || t.contains("TEXT") || t.contains("CLOB") {
            Kind::Text
        } else if t.contains("BLOB") || t.contains("BYTEA") {
            Kind::Bytes
        } else if t.contains("REAL") || t.contains("FLOA") || t.contains("DOUB") {
            Kind::Float
        } else {
            Kind::Text
        }
    }
}

/// The tables of the database, by name, the database's own left out.
async fn tables(conn: &mut AnyConnection, engine: Engine) -> Result<Vec<String>, sqlx::Error> {
    let sql = match engine {
        Engine::Sqlite => {
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        }
        Engine::Postgres => {
            "SELECT table_name::text AS name FROM information_schema.tables \
             WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'"
        }
    };
    let mut names: Vec<String> = sqlx::query(sql)
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|r| r.try_get("name"))
        .collect::<Result<_, _>>()?;
    names.sort();
    Ok(names)
}

/// The columns of a table, in order, with their kinds.
async fn columns(
    conn: &mut AnyConnection,
    engine: Engine,
    table: &str,
) -> Result<Vec<(String, Kind)>, sqlx::Error> {
    let sql = match engine {
        Engine::Sqlite => "SELECT name, type FROM pragma_table_info($1) ORDER BY cid",
        Engine::Postgres => {
            "SELECT column_name::text AS name, data_type::text AS type \
             FROM information_schema.columns \
             WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position"
        }
    };
    sqlx::query(sql)
        .bind(table)
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|r| {
            Ok((
                r.try_get::<String, _>("name")?,
                Kind::of(&r.try_get::<String, _>("type")?),
            ))
        })
        .collect()
}

/// The foreign keys between tables: (the table that refers, the table referred to).
async fn references(
    conn: &mut AnyConnection,
    engine: Engine,
) -> Result<Vec<(String, String)>, sqlx::Error> {
    let sql = match engine {
        Engine::Sqlite => {
            "SELECT m.name AS child, p.\"table\" AS parent \
             FROM sqlite_master m, pragma_foreign_key_list(m.name) p WHERE m.type = 'table'"
        }
        Engine::Postgres => {
            "SELECT DISTINCT tc.table_name::text AS child, ccu.table_name::text AS parent \
             FROM information_schema.table_constraints tc \
             JOIN information_schema.constraint_column_usage ccu \
               ON ccu.constraint_name = tc.constraint_name \
              AND ccu.constraint_schema = tc.constraint_schema \
             WHERE tc.constraint_type = 'FOREIGN KEY' AND tc.table_schema = current_schema()"
        }
    };
    sqlx::query(sql)
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|r| Ok((r.try_get("child")?, r.try_get("parent")?)))
        .collect()
}

/// The migrations this version applies, in order.
fn migrations() -> Vec<kernel::db::Migration> {
    std::iter::once(kernel::migrations::MIGRATIONS)
        .chain(
            crate::components()
                .iter()
                .filter(|c| c.name != "kernel")
                .map(|c| c.migrations),
        )
        .flatten()
        .copied()
        .collect()
}

/// The migrations applied to a database.
async fn applied(db: &Db) -> Result<Vec<String>, sqlx::Error> {
    sqlx::query("SELECT id FROM schema_migrations")
        .fetch_all(db.pool())
        .await?
        .iter()
        .map(|r| r.try_get("id"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::Kind;

    #[test]
    fn declared_types_of_both_engines_have_their_kind() {
        for (declared, kind) in [
            ("BIGINT", Kind::Integer),
            ("bigint", Kind::Integer),
            ("INTEGER", Kind::Integer),
            ("TEXT", Kind::Text),
            ("text", Kind::Text),
            ("character varying", Kind::Text),
            ("REAL", Kind::Float),
            ("double precision", Kind::Float),
            ("BLOB", Kind::Bytes),
            ("bytea", Kind::Bytes),
            ("boolean", Kind::Boolean),
        ] {
            assert_eq!(Kind::of(declared), kind, "{declared}");
        }
    }
}
