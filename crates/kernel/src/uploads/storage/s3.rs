//! Objects in a bucket of S3-compatible object storage (Amazon S3, Scaleway, OVHcloud, Garage,
//! MinIO…), under a prefix: `PREFIX/<hash>.png`, `PREFIX/attachments/<hash>.pdf`.

use super::{ByteStream, FileKey, Listed, Stored};
use crate::config::{ConfigError, S3Access};
use futures_util::stream::BoxStream;
use futures_util::{StreamExt, TryStreamExt};
use object_store::aws::{AmazonS3, AmazonS3Builder};
use object_store::buffered::BufWriter;
use object_store::path::Path;
use object_store::{ObjectStore, ObjectStoreExt};
use std::io;
use std::sync::Arc;

/// The objects of a bucket under a prefix.
#[derive(Clone)]
pub struct S3Files {
    store: Arc<AmazonS3>,
    bucket: String,
    prefix: String,
}

fn failed(e: object_store::Error) -> io::Error {
    io::Error::other(format!("object storage: {e}"))
}

impl S3Files {
    pub(super) fn new(bucket: &str, prefix: &str, access: &S3Access) -> Result<Self, ConfigError> {
        // The usual AWS_* variables fill in what the settings leave out (a role's credentials
        // on a cloud machine, say).
        let mut builder = AmazonS3Builder::from_env()
            .with_bucket_name(bucket)
            .with_region(access.region.as_deref().unwrap_or("us-east-1"));
        if let Some(endpoint) = &access.endpoint {
            // A storage of its own address is reached by paths (`ENDPOINT/BUCKET/KEY`), which
            // every S3-compatible server understands; plain HTTP only when the address says so.
            builder = builder
                .with_endpoint(endpoint)
                .with_allow_http(endpoint.starts_with("http://"))
                .with_virtual_hosted_style_request(false);
        }
        if let Some(id) = &access.access_key_id {
            builder = builder.with_access_key_id(id);
        }
        if let Some(secret) = &access.secret_access_key {
            builder = builder.with_secret_access_key(secret);
        }
        let store = builder.build().map_err(|e| {
            ConfigError(format!(
                "the object storage s3://{bucket} cannot be reached as set: {e}"
            ))
        })?;
        Ok(S3Files {
            store: Arc::new(store),
            bucket: bucket.to_string(),
            prefix: prefix.trim_matches('/').to_string(),
        })
    }

    pub(super) fn url(&self) -> String {
        if self.prefix.is_empty() {
            format!("s3://{}", self.bucket)
        } else {
            format!("s3://{}/{}", self.bucket, self.prefix)
        }
    }

    fn path(&self, key: &FileKey) -> Path {
        if self.prefix.is_empty() {
            Path::from(key.as_str())
        } else {
            Path::from(format!("{}/{}", self.prefix, key.as_str()))
        }
    }

    pub(super) async fn put(&self, key: &FileKey, mut body: ByteStream) -> io::Result<bool> {
        if self.size(key).await?.is_some() {
            return Ok(false);
        }
        // One request for a file up to the writer's buffer (10 MB), a multipart upload beyond:
        // the object appears whole when the last part is in.
        let store: Arc<dyn ObjectStore> = self.store.clone();
        let mut writer = BufWriter::new(store, self.path(key));
        let written = async {
            while let Some(chunk) = body.next().await {
                writer.put(chunk?).await.map_err(failed)?;
            }
            std::future::poll_fn(|cx| {
                tokio::io::AsyncWrite::poll_shutdown(std::pin::Pin::new(&mut writer), cx)
            })
            .await
        }
        .await;
        if let Err(e) = written {
            let _ = writer.abort().await;
            return Err(e);
        }
        Ok(true)
    }

    pub(super) async fn get(&self, key: &FileKey) -> io::Result<Option<Stored>> {
        match self.store.get(&self.path(key)).await {
            Ok(got) => Ok(Some(Stored {
                bytes: got.meta.size,
                body: got.into_stream().map_err(failed).boxed(),
            })),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(failed(e)),
        }
    }

    pub(super) async fn size(&self, key: &FileKey) -> io::Result<Option<u64>> {
        match self.store.head(&self.path(key)).await {
            Ok(meta) => Ok(Some(meta.size)),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(failed(e)),
        }
    }

    pub(super) async fn delete(&self, key: &FileKey) -> io::Result<bool> {
        if self.size(key).await?.is_none() {
            return Ok(false);
        }
        self.store.delete(&self.path(key)).await.map_err(failed)?;
        Ok(true)
    }

    pub(super) fn list(&self) -> BoxStream<'static, io::Result<Listed>> {
        let prefix = (!self.prefix.is_empty()).then(|| Path::from(self.prefix.as_str()));
        let strip = if self.prefix.is_empty() {
            String::new()
        } else {
            format!("{}/", self.prefix)
        };
        self.store
            .list(prefix.as_ref())
            .map_err(failed)
            .try_filter_map(move |meta| {
                let key = meta
                    .location
                    .as_ref()
                    .strip_prefix(strip.as_str())
                    .and_then(FileKey::parse);
                async move {
                    Ok(key.map(|key| Listed {
                        key,
                        bytes: meta.size,
                        written_at: meta.last_modified.timestamp_millis(),
                    }))
                }
            })
            .boxed()
    }
}
