//! The change applier: each node derives its read indexes from the change feed, and only from it.
//!
//! At start the indexes are built from the database; then each new change is applied: woken at
//! once by a local commit, and by polling for other nodes' writes. On PostgreSQL, sequence numbers
//! are given at insert time but become visible at commit time, so a lower number may appear after
//! a higher one: holes in the sequence are watched for a while before they are given up (a
//! rolled-back transaction leaves a hole forever).

use crate::db::{Db, Op};
use crate::geo::{GeoIndex, GeoPoint};
use crate::search::{SearchDoc, SearchIndex};
use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// A boxed future, for the loaders of indexers.
pub type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send>>;

/// What a loader of documents returns.
pub type Loaded<T> = BoxFuture<Result<T, sqlx::Error>>;

/// What the read indexes hold of one entity.
#[derive(Debug, Clone, Default)]
pub struct Entry {
    /// Its search document, when it is searchable.
    pub doc: Option<SearchDoc>,
    /// Its position on the kind's map layer, when it is located.
    pub point: Option<GeoPoint>,
    /// The layer of its point when the kind has one layer per container (the contributions of
    /// one participatory map): `{kind layer}/{container}`. An entry gone from its layer is given
    /// with this set and no point.
    pub sublayer: Option<String>,
}

impl From<SearchDoc> for Entry {
    fn from(doc: SearchDoc) -> Self {
        Entry {
            doc: Some(doc),
            ..Default::default()
        }
    }
}

/// How one kind of entity becomes entries of the read indexes.
#[derive(Clone, Copy)]
pub struct Indexer {
    /// The kind, as written in the change feed and in the documents.
    pub kind: crate::db::Entity,
    /// The geo layer of the kind, for located entities.
    pub layer: Option<&'static str>,
    /// Every entry of the kind, for the start-up build.
    pub load_all: fn(Db) -> Loaded<Vec<Entry>>,
    /// The entry of one entity, or `None` when it is gone or no longer public.
    pub load_one: fn(Db, String) -> Loaded<Option<Entry>>,
}

/// How long a hole in the sequence is waited for.
const HOLE_PATIENCE: Duration = Duration::from_secs(30);
/// How often other nodes' writes are looked for.
const POLL: Duration = Duration::from_millis(500);

/// The applier of one node.
pub struct Applier {
    db: Db,
    search: Arc<dyn SearchIndex>,
    geo: Arc<dyn GeoIndex>,
    indexers: Vec<Indexer>,
    applied: AtomicI64,
    version: AtomicU64,
    /// How many times each kind's entries changed, in the order of `indexers`.
    kind_versions: Vec<AtomicU64>,
    holes: tokio::sync::Mutex<BTreeMap<i64, Instant>>,
}

impl Applier {
    /// An applier over these indexers.
    pub fn new(
        db: Db,
        search: Arc<dyn SearchIndex>,
        geo: Arc<dyn GeoIndex>,
        indexers: Vec<Indexer>,
    ) -> Self {
        Self {
            db,
            search,
            geo,
            kind_versions: indexers.iter().map(|_| AtomicU64::new(0)).collect(),
            indexers,
            applied: AtomicI64::new(0),
            version: AtomicU64::new(0),
            holes: Default::default(),
        }
    }

    /// Builds every index from the database. Returns the number of entries.
    pub async fn rebuild(&self) -> Result<usize, sqlx::Error> {
        let head = self.db.last_change().await?;
        // Numbers below the head that are not visible yet belong to transactions still running:
        // they are watched as holes, like those seen later.
        let recent = self.db.changes_after((head - 1000).max(0), 1000).await?;
        let mut holes = self.holes.lock().await;
        let mut expected = (head - 1000).max(0) + 1;
        for c in &recent {
            for missing in expected..c.seq {
                holes.insert(missing, Instant::now());
            }
            expected = c.seq + 1;
        }
        drop(holes);
        let mut n = 0;
        for ix in &self.indexers {
            n += self.reload_kind(ix).await?;
        }
        self.applied.store(head, Ordering::SeqCst);
        Ok(n)
    }

    /// How many times the indexes changed: what a cache derived from them keys on.
    pub fn version(&self) -> u64 {
        self.version.load(Ordering::SeqCst)
    }

    /// The kinds of entries the indexes hold (a search's `kind` filter names one).
    pub fn kinds(&self) -> Vec<&'static str> {
        self.indexers.iter().map(|ix| ix.kind.as_str()).collect()
    }

    /// How many times the entries of one kind changed: what a cache of that kind keys on.
    pub fn version_of(&self, kind: crate::db::Entity) -> u64 {
        self.indexers
            .iter()
            .position(|ix| ix.kind == kind)
            .map(|i| self.kind_versions[i].load(Ordering::SeqCst))
            .unwrap_or(0)
    }

    fn bump(&self, kind: &str) {
        if let Some(i) = self.indexers.iter().position(|ix| ix.kind.as_str() == kind) {
            self.kind_versions[i].fetch_add(1, Ordering::SeqCst);
        }
        self.version.fetch_add(1, Ordering::SeqCst);
    }

    async fn reload_kind(&self, ix: &Indexer) -> Result<usize, sqlx::Error> {
        let entries = (ix.load_all)(self.db.clone()).await?;
        let n = entries.len();
        let mut docs = Vec::with_capacity(n);
        let mut points = Vec::new();
        let mut sublayers: BTreeMap<String, Vec<GeoPoint>> = BTreeMap::new();
        for e in entries {
            docs.extend(e.doc);
            match e.sublayer {
                Some(l) => sublayers.entry(l).or_default().extend(e.point),
                None => points.extend(e.point),
            }
        }
        self.search.replace_kind(ix.kind.as_str(), docs);
        if let Some(layer) = ix.layer {
            self.geo.load(layer, points);
            for (l, points) in sublayers {
                self.geo.load(&l, points);
            }
        }
        self.bump(ix.kind.as_str());
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
                let filling_hole = c.seq <= last;
                if filling_hole && !holes.contains_key(&c.seq) {
                    continue; // applied already
                }
                if !filling_hole {
                    for missing in last + 1..c.seq {
                        holes.entry(missing).or_insert_with(Instant::now);
                    }
                }
                // A change whose apply fails stays to do: the next round takes it again.
                self.apply(&c.kind, &c.entity_id, c.op).await?;
                if filling_hole {
                    holes.remove(&c.seq);
                } else {
                    last = c.seq;
                    self.applied.store(last, Ordering::SeqCst);
                }
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
        let Some(ix) = self.indexers.iter().find(|ix| ix.kind.as_str() == kind) else {
            return Ok(());
        };
        if id == "*" {
            // A bulk write (an import): the whole kind is read again.
            self.reload_kind(ix).await?;
            return Ok(());
        }
        let entry = match op {
            Op::Delete => None,
            Op::Upsert => (ix.load_one)(self.db.clone(), id.to_string()).await?,
        };
        let Entry {
            doc,
            point,
            sublayer,
        } = entry.unwrap_or_default();
        match doc {
            Some(d) => self.search.upsert(d),
            None => self.search.remove(kind, id),
        }
        if let Some(layer) = ix.layer {
            let layer = sublayer.as_deref().unwrap_or(layer);
            match point {
                Some(p) => self.geo.upsert(layer, p),
                None => self.geo.remove(layer, id),
            }
        }
        self.bump(kind);
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
