//! The change applier: each node derives its read indexes from the change feed, and only from it.
//!
//! At start the indexes are built from the database; then each new change is applied: woken at
//! once by a local commit, and by polling for other nodes' writes. On PostgreSQL, sequence numbers
//! are given at insert time but become visible at commit time, so a lower number may appear after
//! a higher one: holes in the sequence are watched for a while before they are given up (a
//! rolled-back transaction leaves a hole forever).

use crate::db::{Db, Op};
use crate::search::{SearchDoc, SearchIndex};
use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Duration, Instant};

/// A boxed future, for the loaders of indexers.
pub type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send>>;

/// What a loader of documents returns.
pub type Loaded<T> = BoxFuture<Result<T, sqlx::Error>>;

/// How one kind of entity becomes search documents.
#[derive(Clone, Copy)]
pub struct Indexer {
    /// The kind, as written in the change feed and in the documents.
    pub kind: &'static str,
    /// Every document of the kind, for the start-up build.
    pub load_all: fn(Db) -> Loaded<Vec<SearchDoc>>,
    /// The document of one entity, or `None` when it is gone or no longer public.
    pub load_one: fn(Db, String) -> Loaded<Option<SearchDoc>>,
}

/// How long a hole in the sequence is waited for.
const HOLE_PATIENCE: Duration = Duration::from_secs(30);
/// How often other nodes' writes are looked for.
const POLL: Duration = Duration::from_millis(500);

/// The applier of one node.
pub struct Applier {
    db: Db,
    search: Arc<dyn SearchIndex>,
    indexers: Vec<Indexer>,
    applied: AtomicI64,
    holes: tokio::sync::Mutex<BTreeMap<i64, Instant>>,
}

impl Applier {
    /// An applier over these indexers.
    pub fn new(db: Db, search: Arc<dyn SearchIndex>, indexers: Vec<Indexer>) -> Self {
        Self {
            db,
            search,
            indexers,
            applied: AtomicI64::new(0),
            holes: Default::default(),
        }
    }

    /// Builds every index from the database. Returns the number of documents.
    pub async fn rebuild(&self) -> Result<usize, sqlx::Error> {
        let head = self.db.last_change().await?;
        let mut n = 0;
        for ix in &self.indexers {
            let docs = (ix.load_all)(self.db.clone()).await?;
            self.search.clear_kind(ix.kind);
            n += docs.len();
            for d in docs {
                self.search.upsert(d);
            }
        }
        self.applied.store(head, Ordering::SeqCst);
        Ok(n)
    }

    /// The last change applied.
    pub fn applied(&self) -> i64 {
        self.applied.load(Ordering::SeqCst)
    }

    /// Whether this node has applied every change committed so far.
    pub async fn caught_up(&self) -> Result<bool, sqlx::Error> {
        Ok(self.applied() >= self.db.last_change().await? && self.holes.lock().await.is_empty())
    }

    /// Applies the changes committed since the last call. Returns how many were applied.
    pub async fn apply_new(&self) -> Result<usize, sqlx::Error> {
        let mut holes = self.holes.lock().await;
        let applied = self.applied();
        holes.retain(|_, seen| seen.elapsed() < HOLE_PATIENCE);
        let floor = holes
            .keys()
            .next()
            .map(|h| h - 1)
            .unwrap_or(applied)
            .min(applied);
        let mut count = 0;
        let mut last = applied;
        let mut cursor = floor;
        loop {
            let batch = self.db.changes_after(cursor, 1000).await?;
            let fetched = batch.len();
            if let Some(c) = batch.last() {
                cursor = c.seq;
            }
            for c in &batch {
                if c.seq > last {
                    for missing in last + 1..c.seq {
                        holes.entry(missing).or_insert_with(Instant::now);
                    }
                    last = c.seq;
                } else if holes.remove(&c.seq).is_none() {
                    continue; // applied already
                }
                self.apply(&c.kind, &c.entity_id, c.op).await?;
                count += 1;
            }
            self.applied.store(last, Ordering::SeqCst);
            if fetched < 1000 {
                break;
            }
        }
        Ok(count)
    }

    async fn apply(&self, kind: &str, id: &str, op: Op) -> Result<(), sqlx::Error> {
        let Some(ix) = self.indexers.iter().find(|ix| ix.kind == kind) else {
            return Ok(());
        };
        if id == "*" {
            // A bulk write (an import): the whole kind is read again.
            let docs = (ix.load_all)(self.db.clone()).await?;
            self.search.clear_kind(ix.kind);
            for d in docs {
                self.search.upsert(d);
            }
            return Ok(());
        }
        match op {
            Op::Delete => self.search.remove(kind, id),
            Op::Upsert => match (ix.load_one)(self.db.clone(), id.to_string()).await? {
                Some(doc) => self.search.upsert(doc),
                None => self.search.remove(kind, id),
            },
        }
        Ok(())
    }

    /// Runs forever: applies new changes when woken by a local commit or every poll interval.
    pub async fn run(self: Arc<Self>) {
        loop {
            self.db.wait_changed(POLL).await;
            if let Err(e) = self.apply_new().await {
                tracing::error!(error = %e, "change feed not applied; retrying");
                tokio::time::sleep(POLL).await;
            }
        }
    }
}
