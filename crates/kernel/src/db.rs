//! The database: one pool over SQLite or PostgreSQL, migrations per engine, and the change feed.

use crate::ids::now_ms;
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyConnection, AnyPool, Executor, Row};
use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;
use tokio::sync::Notify;

/// The database engine behind the pool.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    /// One file in the data directory.
    Sqlite,
    /// A PostgreSQL server, for several app nodes.
    Postgres,
}

/// A handle on the database, cheap to clone.
#[derive(Clone)]
pub struct Db {
    pool: AnyPool,
    engine: Engine,
    changed: Arc<Notify>,
    /// Woken when this node queued a mail, for its sender.
    mail_queued: Arc<Notify>,
    /// Whether mail is only kept (no SMTP server): set by the node's mailer, read when a mail
    /// is queued.
    mail_kept: Arc<AtomicBool>,
    generation: Arc<AtomicU64>,
    /// Local commits per kind of entity changed: what a cache of one kind keys on.
    kinds: Arc<std::sync::Mutex<std::collections::HashMap<&'static str, u64>>>,
}

/// A migration of one component: one text for both engines, statements separated by `;` at
/// line ends. The few types the engines spell differently are written as tokens:
/// `%SERIAL%` (an auto-incremented 64-bit primary key), `%BLOB%` (bytes), `%REAL%` (a float),
/// `%KEYED%` after a table whose rows must be stored in the order of their primary key
/// rather than of their insertion (SQLite's `WITHOUT ROWID`; PostgreSQL has no such option),
/// and `CREATE %UNLOGGED% TABLE` for a table whose rows may be lost with a crash of the server
/// (PostgreSQL then writes it without its log, and a write waits for no disk; SQLite has no
/// such option).
#[derive(Debug, Clone, Copy)]
pub struct Migration {
    /// Unique and ordered within its component: `kernel/0001_accounts`.
    pub id: &'static str,
    /// The statements.
    pub sql: &'static str,
}

impl Migration {
    /// The statements in an engine's dialect.
    pub fn text_for(&self, engine: Engine) -> String {
        let (serial, blob, real, keyed, unlogged) = match engine {
            Engine::Sqlite => (
                "INTEGER PRIMARY KEY AUTOINCREMENT",
                "BLOB",
                "REAL",
                " WITHOUT ROWID",
                "CREATE TABLE",
            ),
            Engine::Postgres => (
                "BIGSERIAL PRIMARY KEY",
                "BYTEA",
                "DOUBLE PRECISION",
                "",
                "CREATE UNLOGGED TABLE",
            ),
        };
        self.sql
            .replace("%SERIAL%", serial)
            .replace("%BLOB%", blob)
            .replace("%REAL%", real)
            .replace("%KEYED%", keyed)
            .replace("CREATE %UNLOGGED% TABLE", unlogged)
    }
}

/// What a write did to an entity, as recorded in the change feed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// Created or modified: read it again.
    Upsert,
    /// Deleted: forget it.
    Delete,
}

impl Op {
    fn as_str(self) -> &'static str {
        match self {
            Op::Upsert => "upsert",
            Op::Delete => "delete",
        }
    }
}

/// One entry of the change feed.
#[derive(Debug, Clone)]
pub struct Change {
    /// Position in the feed.
    pub seq: i64,
    /// The kind of entity (`space`, `territory`, …).
    pub kind: String,
    /// The entity's id.
    pub entity_id: String,
    /// What happened to it.
    pub op: Op,
}

impl Db {
    /// Connects to the database at `url`, with the per-engine settings of the house.
    pub async fn connect(url: &str) -> Result<Self, sqlx::Error> {
        sqlx::any::install_default_drivers();
        let engine = if url.starts_with("sqlite:") {
            Engine::Sqlite
        } else {
            Engine::Postgres
        };
        let (url, max) = match engine {
            Engine::Sqlite if url.contains('?') => (url.to_string(), 8),
            Engine::Sqlite => (format!("{url}?mode=rwc"), 8),
            Engine::Postgres => (url.to_string(), 16),
        };
        let opts = AnyConnectOptions::from_str(&url)?;
        let pool = AnyPoolOptions::new()
            .max_connections(max)
            .min_connections(1)
            .acquire_timeout(Duration::from_secs(10))
            .after_connect(move |conn, _| {
                Box::pin(async move {
                    if engine == Engine::Sqlite {
                        conn.execute(
                            "PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 10000; PRAGMA synchronous = FULL",
                        )
                        .await?;
                    }
                    Ok(())
                })
            })
            .connect_with(opts)
            .await?;
        if engine == Engine::Sqlite {
            pool.execute("PRAGMA journal_mode = WAL").await?;
        }
        Ok(Db {
            pool,
            engine,
            changed: Arc::new(Notify::new()),
            mail_queued: Arc::new(Notify::new()),
            mail_kept: Arc::new(AtomicBool::new(false)),
            generation: Arc::new(AtomicU64::new(0)),
            kinds: Default::default(),
        })
    }

    /// The connection pool.
    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// The engine.
    pub fn engine(&self) -> Engine {
        self.engine
    }

    /// Applies the migrations not yet applied, each in its own transaction, in the given order.
    /// Returns how many were applied. On PostgreSQL an advisory lock, held on a connection of
    /// its own, keeps several nodes starting at once from migrating together (see
    /// [`crate::locks`]).
    pub async fn migrate(&self, migrations: &[Migration]) -> Result<usize, sqlx::Error> {
        let mut held = crate::locks::hold(self, crate::locks::MIGRATIONS).await?;
        let applied = self.migrate_locked(held.conn(), migrations).await?;
        held.release().await?;
        Ok(applied)
    }

    async fn migrate_locked(
        &self,
        conn: &mut AnyConnection,
        migrations: &[Migration],
    ) -> Result<usize, sqlx::Error> {
        conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations (id TEXT PRIMARY KEY, applied_at BIGINT NOT NULL)",
        )
        .await?;
        let done: Vec<String> = sqlx::query("SELECT id FROM schema_migrations")
            .fetch_all(&mut *conn)
            .await?
            .iter()
            .map(|r| r.try_get::<String, _>("id"))
            .collect::<Result<_, _>>()?;
        let mut applied = 0;
        for m in migrations {
            if done.iter().any(|d| d == m.id) {
                continue;
            }
            let sql = m.text_for(self.engine);
            let mut tx = sqlx::Connection::begin(&mut *conn).await?;
            for statement in split_statements(&sql) {
                tx.execute(sqlx::AssertSqlSafe(statement)).await?;
            }
            sqlx::query("INSERT INTO schema_migrations (id, applied_at) VALUES ($1, $2)")
                .bind(m.id)
                .bind(now_ms())
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            tracing::info!(migration = m.id, "migration applied");
            applied += 1;
        }
        Ok(applied)
    }

    /// Counts a local commit that changed entities of these kinds, and wakes this node's change
    /// applier.
    fn written(&self, kinds: &[Entity]) {
        if let Ok(mut counts) = self.kinds.lock() {
            for kind in kinds {
                *counts.entry(kind.as_str()).or_default() += 1;
            }
        }
        self.generation.fetch_add(1, Ordering::SeqCst);
        self.changed.notify_one();
    }

    /// How many local commits changed something so far: what a cache of this node keys on, with
    /// the applier's position for the other nodes' writes.
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::SeqCst)
    }

    /// How many local commits changed entities of `kind` so far: what a cache of that kind keys
    /// on, with [`crate::changes::Applier::version_of`] for the other nodes' writes.
    pub fn generation_of(&self, kind: Entity) -> u64 {
        self.kinds
            .lock()
            .map(|counts| counts.get(kind.as_str()).copied().unwrap_or(0))
            .unwrap_or(0)
    }

    /// Waits until a local write was committed, or `timeout` passed.
    pub async fn wait_changed(&self, timeout: Duration) {
        let _ = tokio::time::timeout(timeout, self.changed.notified()).await;
    }

    /// Says whether this node's mail is only kept (no SMTP server).
    pub(crate) fn set_mail_kept(&self, kept: bool) {
        self.mail_kept.store(kept, Ordering::Relaxed);
    }

    /// The state a mail is queued in: kept at once when no SMTP server is configured (the
    /// sender then has nothing to write), pending otherwise.
    pub(crate) fn queued_mail_state(&self) -> crate::mail::MailState {
        if self.mail_kept.load(Ordering::Relaxed) {
            crate::mail::MailState::Kept
        } else {
            crate::mail::MailState::Pending
        }
    }

    /// Wakes this node's mail sender: a mail was queued (and committed).
    pub(crate) fn mail_queued(&self) {
        self.mail_queued.notify_one();
    }

    /// Waits until this node queued a mail, or `timeout` passed.
    pub(crate) async fn wait_mail_queued(&self, timeout: Duration) {
        let _ = tokio::time::timeout(timeout, self.mail_queued.notified()).await;
    }

    /// The changes after `after`, oldest first, at most `limit`.
    pub async fn changes_after(&self, after: i64, limit: i64) -> Result<Vec<Change>, sqlx::Error> {
        let rows = sqlx::query(
            "SELECT seq, kind, entity_id, op FROM changes WHERE seq > $1 ORDER BY seq LIMIT $2",
        )
        .bind(after)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(change_of).collect()
    }

    /// The changes whose numbers fall in these ranges (first and last included), oldest first:
    /// what the applier reads again of the holes it watches.
    pub async fn changes_within(&self, ranges: &[(i64, i64)]) -> Result<Vec<Change>, sqlx::Error> {
        if ranges.is_empty() {
            return Ok(Vec::new());
        }
        let within = (0..ranges.len())
            .map(|i| format!("(seq >= ${} AND seq <= ${})", 2 * i + 1, 2 * i + 2))
            .collect::<Vec<_>>()
            .join(" OR ");
        let sql =
            format!("SELECT seq, kind, entity_id, op FROM changes WHERE {within} ORDER BY seq");
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for (first, last) in ranges {
            q = q.bind(*first).bind(*last);
        }
        q.fetch_all(&self.pool)
            .await?
            .iter()
            .map(change_of)
            .collect()
    }

    /// On PostgreSQL, the bounds of a snapshot taken now: the oldest transaction still running
    /// (`xmin`: every transaction below it has ended) and the first not yet started (`xmax`).
    /// `None` on SQLite, where one transaction writes at a time.
    pub async fn transaction_horizon(&self) -> Result<Option<(i64, i64)>, sqlx::Error> {
        if self.engine != Engine::Postgres {
            return Ok(None);
        }
        // The driver reads no `xid8`: the bounds come as text, then as 64-bit numbers.
        let row = sqlx::query(
            "SELECT pg_snapshot_xmin(s)::text::bigint AS xmin, pg_snapshot_xmax(s)::text::bigint AS xmax \
             FROM (SELECT pg_current_snapshot() AS s) AS now",
        )
        .fetch_one(&self.pool)
        .await?;
        Ok(Some((row.try_get("xmin")?, row.try_get("xmax")?)))
    }

    /// The highest sequence number of the feed (0 when empty).
    pub async fn last_change(&self) -> Result<i64, sqlx::Error> {
        let row = sqlx::query("SELECT COALESCE(MAX(seq), 0) AS last_seq FROM changes")
            .fetch_one(&self.pool)
            .await?;
        row.try_get::<i64, _>("last_seq")
    }
}

/// One change of the feed from its row.
fn change_of(r: &sqlx::any::AnyRow) -> Result<Change, sqlx::Error> {
    Ok(Change {
        seq: r.try_get("seq")?,
        kind: r.try_get("kind")?,
        entity_id: r.try_get("entity_id")?,
        op: if r.try_get::<String, _>("op")? == "delete" {
            Op::Delete
        } else {
            Op::Upsert
        },
    })
}

/// A kind of entity the change feed carries. The component that writes an entity and the
/// indexer that reads it back name it with the same constant, so that the two cannot drift apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Entity(&'static str);

impl Entity {
    /// The kind named `name` in the feed and in the documents.
    pub const fn new(name: &'static str) -> Entity {
        Entity(name)
    }

    /// Its name.
    pub const fn as_str(self) -> &'static str {
        self.0
    }
}

/// A write: one transaction that records the changes it makes to the feed, its entries in the
/// audit log and the mails it causes, and wakes this node's indexes and mail sender once it is
/// committed. Dropped without [`Write::commit`], nothing of it stays (no mail of it leaves).
/// Its SQL runs on it as on a connection.
pub struct Write {
    tx: sqlx::Transaction<'static, sqlx::Any>,
    db: Db,
    changed: Vec<Entity>,
    mailed: bool,
    /// The highest number of the changes it recorded (0 before the first).
    last_seq: i64,
}

impl Db {
    /// The rows `select` (a query without a WHERE clause, whose rows have an `id` column) finds
    /// for these ids, in the order of the ids (a page of a list whose order the search made).
    pub async fn rows_by_ids(
        &self,
        select: &str,
        ids: &[String],
    ) -> Result<Vec<sqlx::any::AnyRow>, sqlx::Error> {
        use sqlx::Row;
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let marks = (1..=ids.len())
            .map(|i| format!("${i}"))
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!("{select} WHERE id IN ({marks})");
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for id in ids {
            q = q.bind(id.as_str());
        }
        let mut rows = q.fetch_all(self.pool()).await?;
        let mut keyed = Vec::with_capacity(rows.len());
        for row in rows.drain(..) {
            let id: String = row.try_get("id")?;
            keyed.push((ids.iter().position(|i| *i == id), row));
        }
        keyed.sort_by_key(|(at, _)| *at);
        Ok(keyed.into_iter().map(|(_, row)| row).collect())
    }

    /// The rows of `query`, in its order, each made into a `T` by `map` (a store's `from_row`);
    /// the first row `map` fails on fails the whole.
    pub async fn fetch_all_with<T>(
        &self,
        query: sqlx::query::Query<'_, sqlx::Any, sqlx::any::AnyArguments>,
        map: impl FnMut(&sqlx::any::AnyRow) -> Result<T, sqlx::Error>,
    ) -> Result<Vec<T>, sqlx::Error> {
        let rows = query.fetch_all(&self.pool).await?;
        rows.iter().map(map).collect()
    }

    /// The first row of `query`, if any, made into a `T` by `map`.
    pub async fn fetch_optional_with<T>(
        &self,
        query: sqlx::query::Query<'_, sqlx::Any, sqlx::any::AnyArguments>,
        map: impl FnOnce(&sqlx::any::AnyRow) -> Result<T, sqlx::Error>,
    ) -> Result<Option<T>, sqlx::Error> {
        let row = query.fetch_optional(&self.pool).await?;
        row.as_ref().map(map).transpose()
    }

    /// Runs one statement as a write of its own, with its entry in the audit log, in one
    /// transaction; returns how many rows it affected. The entry is written whatever that
    /// number; a write that must check it, or that changes an entity of the change feed, goes
    /// through [`Db::write`].
    pub async fn execute_audited(
        &self,
        query: sqlx::query::Query<'_, sqlx::Any, sqlx::any::AnyArguments>,
        by: Option<&str>,
        action: &str,
        target_kind: &str,
        target_id: &str,
        detail: &str,
    ) -> Result<u64, sqlx::Error> {
        let mut w = self.write().await?;
        let affected = query.execute(&mut *w).await?.rows_affected();
        w.audit(by, action, target_kind, target_id, detail).await?;
        w.commit().await?;
        Ok(affected)
    }

    /// Begins a transaction that will write. On SQLite it takes the write lock at once
    /// (`BEGIN IMMEDIATE`): a deferred transaction that read first would fail, not wait, when
    /// another connection committed in between (WAL's "busy snapshot").
    pub async fn begin(&self) -> Result<sqlx::Transaction<'static, sqlx::Any>, sqlx::Error> {
        match self.engine {
            Engine::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await,
            Engine::Postgres => self.pool.begin().await,
        }
    }

    /// Starts a write.
    pub async fn write(&self) -> Result<Write, sqlx::Error> {
        Ok(Write {
            tx: self.begin().await?,
            db: self.clone(),
            changed: Vec::new(),
            mailed: false,
            last_seq: 0,
        })
    }
}

impl Write {
    /// Records that an entity changed (`*` for every entity of the kind: a bulk import).
    pub async fn changed(&mut self, entity: Entity, id: &str, op: Op) -> Result<(), sqlx::Error> {
        if self.last_seq == 0 && self.db.engine == Engine::Postgres {
            // The transaction takes its id before it takes a number of the feed, so that a
            // node seeing that number missing knows the transaction that may still fill it is
            // older than any snapshot taken since (see `changes`).
            self.tx.execute("SELECT pg_current_xact_id()::text").await?;
        }
        let seq = record_change(&mut self.tx, entity.as_str(), id, op).await?;
        self.last_seq = self.last_seq.max(seq);
        if !self.changed.contains(&entity) {
            self.changed.push(entity);
        }
        Ok(())
    }

    /// Writes an entry of the audit log: who did what to which item.
    pub async fn audit(
        &mut self,
        by: Option<&str>,
        action: &str,
        target_kind: &str,
        target_id: &str,
        detail: &str,
    ) -> Result<(), sqlx::Error> {
        crate::audit::log(&mut self.tx, by, action, target_kind, target_id, detail).await
    }

    /// Queues a mail with the write: it leaves only if the write is committed.
    pub async fn mail(&mut self, letter: &crate::mail::Letter) -> Result<(), sqlx::Error> {
        let state = self.db.queued_mail_state();
        crate::mail::queue::enqueue(&mut self.tx, letter, state).await?;
        self.mailed = true;
        Ok(())
    }

    /// Queues every mail of `letters` with the write (see [`Write::mail`]).
    pub async fn mails(&mut self, letters: &[crate::mail::Letter]) -> Result<(), sqlx::Error> {
        for letter in letters {
            self.mail(letter).await?;
        }
        Ok(())
    }

    /// Wakes this node's mail sender once committed (a write that made a mail due again).
    pub fn wake_mail_sender(&mut self) {
        self.mailed = true;
    }

    /// Commits, then wakes this node's indexes when a change was recorded, and its mail sender
    /// when a mail was queued. The request being answered, if any, then waits for this node to
    /// have applied the changes before its answer leaves (see [`crate::read_your_writes`]).
    pub async fn commit(self) -> Result<(), sqlx::Error> {
        self.tx.commit().await?;
        if !self.changed.is_empty() {
            self.db.written(&self.changed);
            crate::read_your_writes::note(self.last_seq);
        }
        if self.mailed {
            self.db.mail_queued();
        }
        Ok(())
    }
}

impl std::ops::Deref for Write {
    type Target = AnyConnection;
    fn deref(&self) -> &AnyConnection {
        &self.tx
    }
}

impl std::ops::DerefMut for Write {
    fn deref_mut(&mut self) -> &mut AnyConnection {
        &mut self.tx
    }
}

/// Appends a change to the feed, inside the caller's transaction: the only way indexes learn of
/// a write. The id `*` says that every entity of the kind changed (a bulk import). Components
/// write through [`Write::changed`]. Returns the change's number.
async fn record_change(
    conn: &mut AnyConnection,
    kind: &str,
    entity_id: &str,
    op: Op,
) -> Result<i64, sqlx::Error> {
    let row = sqlx::query(
        "INSERT INTO changes (kind, entity_id, op, at) VALUES ($1, $2, $3, $4) RETURNING seq",
    )
    .bind(kind)
    .bind(entity_id)
    .bind(op.as_str())
    .bind(now_ms())
    .fetch_one(conn)
    .await?;
    row.try_get("seq")
}

/// Splits a migration's text into statements at semicolons that end a line.
fn split_statements(sql: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    for line in sql.lines() {
        let trimmed = line.trim();
        if trimmed.starts_with("--") || trimmed.is_empty() {
            continue;
        }
        current.push_str(line);
        current.push('\n');
        if trimmed.ends_with(';') {
            out.push(std::mem::take(&mut current));
        }
    }
    if !current.trim().is_empty() {
        out.push(current);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::split_statements;

    #[test]
    fn statements_split_at_line_ending_semicolons_only() {
        let s = split_statements(
            "-- c\nCREATE TABLE a (x TEXT DEFAULT ';');\n\nCREATE INDEX i ON a (x);\n",
        );
        assert_eq!(s.len(), 2);
        assert!(s[0].contains("DEFAULT ';'"));
    }
}
