//! Work that several nodes starting at once must do one after the other (migrating, adding the
//! demo content): on PostgreSQL, under a session advisory lock held on a connection of its own
//! for the length of the work. On SQLite, which one node serves, the lock is a connection and
//! nothing more.
//!
//! The connection leaves the pool when it is taken and is closed with the work: should the
//! work stop half-way (an error, a cancelled task), the server ends the session and releases
//! the lock with it, and no other user of the pool inherits a held lock.

use crate::db::{Db, Engine};
use sqlx::AnyConnection;

/// A lock several nodes take in turn, by its key among PostgreSQL's advisory locks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Lock(i64);

/// Held while the migrations run.
pub const MIGRATIONS: Lock = Lock(7_234_001);
/// Held while the demo content is added.
pub const DEMO: Lock = Lock(7_234_002);

/// A lock held, with the connection that holds it.
pub struct Held {
    conn: AnyConnection,
    lock: Lock,
    engine: Engine,
}

/// Takes `lock` on a connection of its own, waiting while another node holds it.
pub async fn hold(db: &Db, lock: Lock) -> Result<Held, sqlx::Error> {
    let mut conn = db.pool().acquire().await?.detach();
    if db.engine() == Engine::Postgres {
        sqlx::query("SELECT pg_advisory_lock($1)")
            .bind(lock.0)
            .execute(&mut conn)
            .await?;
    }
    Ok(Held {
        conn,
        lock,
        engine: db.engine(),
    })
}

impl Held {
    /// The connection holding the lock, for work that runs on it.
    pub fn conn(&mut self) -> &mut AnyConnection {
        &mut self.conn
    }

    /// Releases the lock and closes its connection.
    pub async fn release(mut self) -> Result<(), sqlx::Error> {
        if self.engine == Engine::Postgres {
            sqlx::query("SELECT pg_advisory_unlock($1)")
                .bind(self.lock.0)
                .execute(&mut self.conn)
                .await?;
        }
        sqlx::Connection::close(self.conn).await
    }
}
