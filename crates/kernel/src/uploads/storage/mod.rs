//! Where stored files are kept: one interface, [`FileStore`], over three backends chosen by the
//! `files` setting ([`crate::config::Files`]):
//!
//! - the data directory (`DATA_DIR/uploads`), for one node;
//! - the database, in chunks of [`CHUNK_BYTES`], shared by every node of a PostgreSQL database
//!   with no other service;
//! - S3-compatible object storage, for operators with many photos.
//!
//! A file's name is drawn from its content (the start of its SHA-256), so a file is written
//! once whatever how often it is sent, and a name never changes what it holds. Files are read as
//! streams: a large attachment is never loaded whole to be served.

use crate::config::{Config, ConfigError, Files, S3Access};
use crate::db::Db;
use bytes::Bytes;
use futures_util::StreamExt;
use futures_util::stream::BoxStream;
use std::io;
use std::path::PathBuf;

mod database;
mod dir;
mod s3;

pub use database::CHUNK_BYTES;

/// The bytes of a file, as they come.
pub type ByteStream = BoxStream<'static, io::Result<Bytes>>;

/// The name of a file within a store: a photo, logo or image (`<hash>.png`) or an attachment
/// (`attachments/<hash>.pdf`, `attachments/<hash>.png`). Attachments are kept apart because they
/// are served only through the page of their item, never at `/uploads/`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FileKey(String);

const ATTACHMENTS: &str = "attachments/";

impl FileKey {
    /// The key of a photo, logo or image, if `name` is one the store gives.
    pub fn image(name: &str) -> Option<FileKey> {
        super::is_stored_name(name).then(|| FileKey(name.to_string()))
    }

    /// The key of an attachment, if `name` is one the store gives to attachments.
    pub fn attachment(name: &str) -> Option<FileKey> {
        super::is_attachment_name(name).then(|| FileKey(format!("{ATTACHMENTS}{name}")))
    }

    /// The key a store lists: an image's or an attachment's; none for anything else.
    pub fn parse(key: &str) -> Option<FileKey> {
        match key.strip_prefix(ATTACHMENTS) {
            Some(name) => FileKey::attachment(name),
            None => FileKey::image(key),
        }
    }

    /// The key as stored: the file's path under the store.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The file's name, without its folder.
    pub fn name(&self) -> &str {
        self.0.strip_prefix(ATTACHMENTS).unwrap_or(&self.0)
    }
}

impl std::fmt::Display for FileKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A stored file being read: its size, then its bytes.
pub struct Stored {
    /// Its size in bytes.
    pub bytes: u64,
    /// Its bytes, in chunks.
    pub body: ByteStream,
}

impl Stored {
    /// The whole file in memory (for small files and tests).
    pub async fn into_vec(mut self) -> io::Result<Vec<u8>> {
        let mut out = Vec::with_capacity(usize::try_from(self.bytes).unwrap_or(0));
        while let Some(chunk) = self.body.next().await {
            out.extend_from_slice(&chunk?);
        }
        Ok(out)
    }
}

impl axum::response::IntoResponse for Stored {
    /// The file as a response's body, streamed, with its length.
    fn into_response(self) -> axum::response::Response {
        let mut res = axum::response::Response::new(axum::body::Body::from_stream(self.body));
        res.headers_mut().insert(
            axum::http::header::CONTENT_LENGTH,
            axum::http::HeaderValue::from(self.bytes),
        );
        res
    }
}

/// One file of a store's list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listed {
    /// Its key.
    pub key: FileKey,
    /// Its size in bytes.
    pub bytes: u64,
    /// When it was written, in milliseconds since 1970.
    pub written_at: i64,
}

/// Where files are kept. Cheap to clone; every backend answers the same calls the same way
/// (one conformance suite runs on each, see `crates/kernel/tests/files.rs`).
#[derive(Clone)]
pub enum FileStore {
    /// Files under a folder of the data directory.
    Dir(dir::DirFiles),
    /// Files in the database's `files` and `file_chunks` tables.
    Database(database::DatabaseFiles),
    /// Objects in an S3-compatible bucket.
    S3(s3::S3Files),
}

impl FileStore {
    /// The files of a folder (`DATA_DIR/uploads` for the platform's).
    pub fn dir(folder: PathBuf) -> FileStore {
        FileStore::Dir(dir::DirFiles::new(folder))
    }

    /// The files kept in a database.
    pub fn database(db: Db) -> FileStore {
        FileStore::Database(database::DatabaseFiles::new(db))
    }

    /// The objects of a bucket under a prefix, reached as `access` says.
    pub fn s3(bucket: &str, prefix: &str, access: &S3Access) -> Result<FileStore, ConfigError> {
        Ok(FileStore::S3(s3::S3Files::new(bucket, prefix, access)?))
    }

    /// The store a `files` setting names, for the instance of `config` on `db`.
    pub fn of(files: &Files, config: &Config, db: &Db) -> Result<FileStore, ConfigError> {
        match files {
            Files::Dir => Ok(FileStore::dir(config.data_dir.join("uploads"))),
            Files::Database => Ok(FileStore::database(db.clone())),
            Files::S3 { bucket, prefix } => FileStore::s3(bucket, prefix, &config.s3),
        }
    }

    /// The store the configuration chooses.
    pub fn open(config: &Config, db: &Db) -> Result<FileStore, ConfigError> {
        FileStore::of(&config.files, config, db)
    }

    /// Where the files are, for people: a folder, `the database`, an `s3://` URL.
    pub fn describe(&self) -> String {
        match self {
            FileStore::Dir(d) => d.folder().display().to_string(),
            FileStore::Database(_) => "the database".to_string(),
            FileStore::S3(s) => s.url(),
        }
    }

    /// Writes a file under `key` unless it is there already (same name, same content): true
    /// when written. A reader never sees half of a file: it appears whole or not at all.
    pub async fn put(&self, key: &FileKey, body: ByteStream) -> io::Result<bool> {
        match self {
            FileStore::Dir(d) => d.put(key, body).await,
            FileStore::Database(d) => d.put(key, body).await,
            FileStore::S3(s) => s.put(key, body).await,
        }
    }

    /// [`FileStore::put`] of bytes in memory.
    pub async fn put_bytes(&self, key: &FileKey, bytes: Bytes) -> io::Result<bool> {
        self.put(
            key,
            futures_util::stream::once(async move { Ok(bytes) }).boxed(),
        )
        .await
    }

    /// The file under `key`, to be read as a stream; none when there is no such file.
    pub async fn get(&self, key: &FileKey) -> io::Result<Option<Stored>> {
        match self {
            FileStore::Dir(d) => d.get(key).await,
            FileStore::Database(d) => d.get(key).await,
            FileStore::S3(s) => s.get(key).await,
        }
    }

    /// The size of the file under `key`; none when there is no such file.
    pub async fn size(&self, key: &FileKey) -> io::Result<Option<u64>> {
        match self {
            FileStore::Dir(d) => d.size(key).await,
            FileStore::Database(d) => d.size(key).await,
            FileStore::S3(s) => s.size(key).await,
        }
    }

    /// Removes the file under `key`: true when there was one.
    pub async fn delete(&self, key: &FileKey) -> io::Result<bool> {
        match self {
            FileStore::Dir(d) => d.delete(key).await,
            FileStore::Database(d) => d.delete(key).await,
            FileStore::S3(s) => s.delete(key).await,
        }
    }

    /// Every file of the store (images and attachments; nothing else the place may hold), in no
    /// particular order.
    pub fn list(&self) -> BoxStream<'static, io::Result<Listed>> {
        match self {
            FileStore::Dir(d) => d.list(),
            FileStore::Database(d) => d.list(),
            FileStore::S3(s) => s.list(),
        }
    }

    /// Removes what writes that stopped half-way left behind, older than `age`; returns how many
    /// went. Only the data directory keeps such leftovers (temporary files): the database
    /// writes a file in one transaction, and an object appears whole or not at all.
    pub async fn clean_leftovers(&self, age: std::time::Duration) -> usize {
        match self {
            FileStore::Dir(d) => d.clean_leftovers(age).await,
            FileStore::Database(_) | FileStore::S3(_) => 0,
        }
    }
}

/// What [`migrate`] did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Migrated {
    /// Files copied.
    pub copied: usize,
    /// Files the target held already.
    pub present: usize,
}

/// Copies every file of `from` that `to` lacks, streamed one file at a time; a file the target
/// holds already (same name, so same content) is left as it is, so that running it again after
/// a stop finishes the work. `progress` is told (files done, files in all) as it goes. The
/// source is left as it was.
pub async fn migrate(
    from: &FileStore,
    to: &FileStore,
    progress: &(dyn Fn(u64, u64) + Sync),
) -> io::Result<Migrated> {
    let mut keys = Vec::new();
    let mut listed = from.list();
    while let Some(file) = listed.next().await {
        keys.push(file?);
    }
    keys.sort_by(|a, b| a.key.cmp(&b.key));
    let total = keys.len() as u64;
    progress(0, total);
    let mut done = Migrated::default();
    for (i, file) in keys.iter().enumerate() {
        if to.size(&file.key).await? == Some(file.bytes) {
            done.present += 1;
        } else {
            // Gone from the source since it was listed (swept): nothing to copy.
            if let Some(stored) = from.get(&file.key).await? {
                if to.size(&file.key).await?.is_some() {
                    // A half-copied object of an earlier run cannot exist (writes are whole),
                    // but a file of another size under the same name would be a different
                    // content: replace it rather than keep it.
                    to.delete(&file.key).await?;
                }
                to.put(&file.key, stored.body).await?;
                done.copied += 1;
            }
        }
        progress(i as u64 + 1, total);
    }
    Ok(done)
}
