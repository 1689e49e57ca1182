//! Files in the database, shared by every node with no other service: a row of `files` per
//! file (its key, size, count of chunks, when it was written) and its bytes in `file_chunks`,
//! [`CHUNK_BYTES`] a row, so that a large attachment is written and read a chunk at a time.
//! A file is written in one transaction: another node sees it whole or not at all.

use super::{ByteStream, FileKey, Listed, Stored};
use crate::db::Db;
use bytes::{Bytes, BytesMut};
use futures_util::stream::BoxStream;
use futures_util::{StreamExt, TryStreamExt};
use sqlx::Row;
use std::io;

/// The size of a chunk: a file of 10 MB is ten rows.
pub const CHUNK_BYTES: usize = 1024 * 1024;

/// How many files one read of the list takes.
const LIST_PAGE: i64 = 500;

/// The files of a database.
#[derive(Clone)]
pub struct DatabaseFiles {
    db: Db,
}

fn failed(e: sqlx::Error) -> io::Error {
    io::Error::other(format!("database: {e}"))
}

impl DatabaseFiles {
    pub(super) fn new(db: Db) -> Self {
        DatabaseFiles { db }
    }

    pub(super) async fn put(&self, key: &FileKey, mut body: ByteStream) -> io::Result<bool> {
        if self.size(key).await?.is_some() {
            return Ok(false);
        }
        let mut tx = self.db.begin().await.map_err(failed)?;
        // Two nodes writing the same file at once: the second waits for the first's row, then
        // finds it and writes nothing.
        let claimed = sqlx::query(
            "INSERT INTO files (path, bytes, chunks, written_at) VALUES ($1, 0, 0, $2) \
             ON CONFLICT (path) DO NOTHING",
        )
        .bind(key.as_str())
        .bind(crate::ids::now_ms())
        .execute(&mut *tx)
        .await
        .map_err(failed)?
        .rows_affected();
        if claimed == 0 {
            return Ok(false);
        }
        let (mut bytes, mut chunks) = (0i64, 0i64);
        let mut buf = BytesMut::with_capacity(CHUNK_BYTES);
        let mut ended = false;
        while !ended {
            match body.next().await {
                Some(chunk) => buf.extend_from_slice(&chunk?),
                None => ended = true,
            }
            while buf.len() >= CHUNK_BYTES || (ended && !buf.is_empty()) {
                let take = buf.len().min(CHUNK_BYTES);
                let data = buf.split_to(take);
                sqlx::query("INSERT INTO file_chunks (path, n, data) VALUES ($1, $2, $3)")
                    .bind(key.as_str())
                    .bind(chunks)
                    .bind(data.to_vec())
                    .execute(&mut *tx)
                    .await
                    .map_err(failed)?;
                bytes += take as i64;
                chunks += 1;
            }
        }
        sqlx::query("UPDATE files SET bytes = $1, chunks = $2 WHERE path = $3")
            .bind(bytes)
            .bind(chunks)
            .bind(key.as_str())
            .execute(&mut *tx)
            .await
            .map_err(failed)?;
        tx.commit().await.map_err(failed)?;
        Ok(true)
    }

    pub(super) async fn get(&self, key: &FileKey) -> io::Result<Option<Stored>> {
        let Some(row) = sqlx::query("SELECT bytes, chunks FROM files WHERE path = $1")
            .bind(key.as_str())
            .fetch_optional(self.db.pool())
            .await
            .map_err(failed)?
        else {
            return Ok(None);
        };
        let bytes: i64 = row.try_get("bytes").map_err(failed)?;
        let chunks: i64 = row.try_get("chunks").map_err(failed)?;
        let (db, key) = (self.db.clone(), key.as_str().to_string());
        // One chunk read at a time, as the reader takes them.
        let body = futures_util::stream::try_unfold(0i64, move |n| {
            let (db, key) = (db.clone(), key.clone());
            async move {
                if n >= chunks {
                    return Ok(None);
                }
                let data: Option<Vec<u8>> =
                    sqlx::query_scalar("SELECT data FROM file_chunks WHERE path = $1 AND n = $2")
                        .bind(&key)
                        .bind(n)
                        .fetch_optional(db.pool())
                        .await
                        .map_err(failed)?;
                match data {
                    Some(data) => Ok(Some((Bytes::from(data), n + 1))),
                    None => Err(io::Error::other(format!(
                        "{key}: chunk {n} went while the file was read"
                    ))),
                }
            }
        })
        .boxed();
        Ok(Some(Stored {
            bytes: bytes as u64,
            body,
        }))
    }

    pub(super) async fn size(&self, key: &FileKey) -> io::Result<Option<u64>> {
        let bytes: Option<i64> = sqlx::query_scalar("SELECT bytes FROM files WHERE path = $1")
            .bind(key.as_str())
            .fetch_optional(self.db.pool())
            .await
            .map_err(failed)?;
        Ok(bytes.map(|b| b as u64))
    }

    pub(super) async fn delete(&self, key: &FileKey) -> io::Result<bool> {
        let mut tx = self.db.begin().await.map_err(failed)?;
        sqlx::query("DELETE FROM file_chunks WHERE path = $1")
            .bind(key.as_str())
            .execute(&mut *tx)
            .await
            .map_err(failed)?;
        let gone = sqlx::query("DELETE FROM files WHERE path = $1")
            .bind(key.as_str())
            .execute(&mut *tx)
            .await
            .map_err(failed)?
            .rows_affected();
        tx.commit().await.map_err(failed)?;
        Ok(gone > 0)
    }

    pub(super) fn list(&self) -> BoxStream<'static, io::Result<Listed>> {
        let db = self.db.clone();
        // Pages in the order of the keys, each starting after the last key of the one before.
        futures_util::stream::try_unfold(Some(String::new()), move |after| {
            let db = db.clone();
            async move {
                let Some(after) = after else {
                    return io::Result::Ok(None);
                };
                let rows = sqlx::query(
                    "SELECT path, bytes, written_at FROM files WHERE path > $1 ORDER BY path LIMIT $2",
                )
                .bind(&after)
                .bind(LIST_PAGE)
                .fetch_all(db.pool())
                .await
                .map_err(failed)?;
                let mut page = Vec::with_capacity(rows.len());
                let mut last = None;
                for row in &rows {
                    let key: String = row.try_get("path").map_err(failed)?;
                    let bytes: i64 = row.try_get("bytes").map_err(failed)?;
                    let written_at: i64 = row.try_get("written_at").map_err(failed)?;
                    if let Some(key) = FileKey::parse(&key) {
                        page.push(Ok(Listed {
                            key,
                            bytes: bytes as u64,
                            written_at,
                        }));
                    }
                    last = Some(key);
                }
                if rows.is_empty() {
                    return Ok(None);
                }
                let next = if (rows.len() as i64) < LIST_PAGE {
                    None
                } else {
                    last
                };
                Ok(Some((futures_util::stream::iter(page), next)))
            }
        })
        .try_flatten()
        .boxed()
    }
}
