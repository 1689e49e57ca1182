//! Files under a folder of the data directory: images at its top, attachments in
//! `attachments/`, each written through a temporary file renamed into place.

use super::{ByteStream, FileKey, Listed, Stored};
use bytes::{Bytes, BytesMut};
use futures_util::StreamExt;
use futures_util::stream::BoxStream;
use std::io;
use std::path::{Path, PathBuf};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// How much of a file one read takes.
const READ_BYTES: usize = 256 * 1024;

/// A folder of files.
#[derive(Clone)]
pub struct DirFiles {
    folder: PathBuf,
}

impl DirFiles {
    pub(super) fn new(folder: PathBuf) -> Self {
        DirFiles { folder }
    }

    pub(super) fn folder(&self) -> &Path {
        &self.folder
    }

    fn path(&self, key: &FileKey) -> PathBuf {
        self.folder.join(key.as_str())
    }

    pub(super) async fn put(&self, key: &FileKey, mut body: ByteStream) -> io::Result<bool> {
        let path = self.path(key);
        if tokio::fs::try_exists(&path).await.unwrap_or(false) {
            return Ok(false);
        }
        let dir = path.parent().unwrap_or(&self.folder).to_path_buf();
        tokio::fs::create_dir_all(&dir).await?;
        let tmp = dir.join(format!("{}.{}.tmp", key.name(), crate::ids::new_id()));
        let written = async {
            let mut file = tokio::fs::File::create(&tmp).await?;
            while let Some(chunk) = body.next().await {
                file.write_all(&chunk?).await?;
            }
            file.flush().await?;
            io::Result::Ok(())
        }
        .await;
        if let Err(e) = written {
            let _ = tokio::fs::remove_file(&tmp).await;
            return Err(e);
        }
        tokio::fs::rename(&tmp, &path).await?;
        Ok(true)
    }

    pub(super) async fn get(&self, key: &FileKey) -> io::Result<Option<Stored>> {
        let file = match tokio::fs::File::open(self.path(key)).await {
            Ok(f) => f,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(e),
        };
        let bytes = file.metadata().await?.len();
        let body = futures_util::stream::try_unfold(file, |mut file| async move {
            let mut buf = BytesMut::with_capacity(READ_BYTES);
            if file.read_buf(&mut buf).await? == 0 {
                return Ok(None);
            }
            Ok(Some((Bytes::from(buf), file)))
        })
        .boxed();
        Ok(Some(Stored { bytes, body }))
    }

    pub(super) async fn size(&self, key: &FileKey) -> io::Result<Option<u64>> {
        match tokio::fs::metadata(self.path(key)).await {
            Ok(m) => Ok(Some(m.len())),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }

    pub(super) async fn delete(&self, key: &FileKey) -> io::Result<bool> {
        match tokio::fs::remove_file(self.path(key)).await {
            Ok(()) => Ok(true),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(false),
            Err(e) => Err(e),
        }
    }

    pub(super) fn list(&self) -> BoxStream<'static, io::Result<Listed>> {
        let folders = vec![
            (self.folder.clone(), ""),
            (self.folder.join("attachments"), "attachments/"),
        ];
        futures_util::stream::iter(folders)
            .then(|(folder, prefix)| async move { listed_in(&folder, prefix).await })
            .flat_map(|found| match found {
                Ok(files) => futures_util::stream::iter(files.into_iter().map(Ok)).left_stream(),
                Err(e) => futures_util::stream::once(async move { Err(e) }).right_stream(),
            })
            .boxed()
    }

    pub(super) async fn clean_leftovers(&self, age: Duration) -> usize {
        let mut gone = 0;
        for folder in [self.folder.clone(), self.folder.join("attachments")] {
            let Ok(mut entries) = tokio::fs::read_dir(&folder).await else {
                continue;
            };
            while let Ok(Some(entry)) = entries.next_entry().await {
                let name = entry.file_name().to_string_lossy().to_string();
                let old = entry
                    .metadata()
                    .await
                    .ok()
                    .and_then(|m| m.modified().ok())
                    .and_then(|t| t.elapsed().ok())
                    .is_some_and(|e| e >= age);
                if name.ends_with(".tmp")
                    && old
                    && tokio::fs::remove_file(entry.path()).await.is_ok()
                {
                    gone += 1;
                }
            }
        }
        gone
    }
}

/// The files of one folder whose names are keys (with `prefix`); none when the folder is
/// missing.
async fn listed_in(folder: &Path, prefix: &str) -> io::Result<Vec<Listed>> {
    let mut entries = match tokio::fs::read_dir(folder).await {
        Ok(e) => e,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e),
    };
    let mut out = Vec::new();
    while let Some(entry) = entries.next_entry().await? {
        let name = entry.file_name().to_string_lossy().to_string();
        let Some(key) = FileKey::parse(&format!("{prefix}{name}")) else {
            continue;
        };
        let Ok(meta) = entry.metadata().await else {
            continue;
        };
        if !meta.is_file() {
            continue;
        }
        let written_at = meta
            .modified()
            .ok()
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map_or(0, |d| d.as_millis() as i64);
        out.push(Listed {
            key,
            bytes: meta.len(),
            written_at,
        });
    }
    Ok(out)
}
