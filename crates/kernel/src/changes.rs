//! The change applier: each node derives its read indexes from the change feed, and only from it.
//!
//! At start the indexes are built from the database; then each new change is applied: woken at
//! once by a local commit, and by polling for other nodes' writes.
//!
//! On PostgreSQL, sequence numbers are given at insert time but become visible at commit time,
//! so a lower number may appear after a higher one: a hole. It is filled when its transaction
//! commits, and stays forever when that transaction is rolled back (or its node crashed). The
//! transaction took its id before its number (`db::Write::changed`), so when a hole is first
//! seen it is older than the `xmax` of a snapshot taken then; once the `xmin` of a later
//! snapshot has reached that value, every transaction that could fill the hole has ended: the
//! changes are read once more (it may have committed in between) and the hole is given up.
//! A long patience stays as a last resort (some other long transaction holding `xmin` back).
//! On SQLite one transaction writes at a time, so a number missing below a visible one is never
//! coming: no hole is watched.
//!
//! The feed is pruned once a day ([`prune`], from the daily clean-up): the changes older than
//! [`KEPT_MS`] go, the newest always stays, so that the numbers go on from it whatever the
//! engine. A node needs no history: it builds its indexes from the tables at start, and
//! follows the feed from there. A node that fell further behind than the pruning (its applier
//! stalled for a day) finds the numbers after its place removed (`changes_pruned`), and builds
//! its indexes from the tables again, as at start, rather than missing what they held.

use crate::db::{Change, Db, Engine, Op};
use crate::geo::{GeoIndex, GeoPoint};
use crate::search::{SearchDoc, SearchIndex};
use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
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

/// How long a hole in the sequence is waited for at most, when no snapshot could tell that its
/// transaction ended (a last resort: a transaction holding a change that long is not expected).
const HOLE_PATIENCE: Duration = Duration::from_secs(600);
/// How often other nodes' writes are looked for.
const POLL: Duration = Duration::from_millis(500);
/// The most ranges of holes read again in one query.
const HOLE_RANGES: usize = 100;
/// How long a change stays in the feed at least (ms): far longer than any node follows behind
/// (half a second) or any transaction holds a number of it (see [`HOLE_PATIENCE`]).
pub const KEPT_MS: i64 = 86_400_000;
/// The most changes removed in one transaction of [`prune`], so that a first pruning of a long
/// feed holds no write back for long (on SQLite a transaction that writes holds every other).
const PRUNED_AT_ONCE: i64 = 10_000;

/// A number missing from the feed below one that is visible.
struct Hole {
    /// When it was first seen.
    seen: Instant,
    /// On PostgreSQL, the `xmax` of a snapshot taken after it was first seen: the transaction
    /// that may still fill it is below it.
    xmax: Option<i64>,
}

/// The applier of one node.
pub struct Applier {
    db: Db,
    search: Arc<dyn SearchIndex>,
    geo: Arc<dyn GeoIndex>,
    indexers: Vec<Indexer>,
    applied: AtomicI64,
    /// Whether the start-up build finished.
    built: AtomicBool,
    version: AtomicU64,
    /// How many times each kind's entries changed, in the order of `indexers`.
    kind_versions: Vec<AtomicU64>,
    /// How many times the indexes were built again because the feed was pruned past this
    /// node's place.
    rebuilt_behind: AtomicU64,
    /// Locked only between two awaits: readers of the indexes' position look at it too.
    holes: Mutex<BTreeMap<i64, Hole>>,
    /// Held through a round of applying, so that rounds never overlap.
    round: tokio::sync::Mutex<()>,
    /// Woken after each round, for those waiting for a change to be applied.
    rounds: tokio::sync::Notify,
}

impl Hole {
    fn new() -> Self {
        Hole {
            seen: Instant::now(),
            xmax: None,
        }
    }
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
            rebuilt_behind: AtomicU64::new(0),
            indexers,
            applied: AtomicI64::new(0),
            built: AtomicBool::new(false),
            version: AtomicU64::new(0),
            holes: Default::default(),
            round: Default::default(),
            rounds: Default::default(),
        }
    }

    /// Builds every index from the database. Returns the number of entries.
    pub async fn rebuild(&self) -> Result<usize, sqlx::Error> {
        let round = self.round.lock().await;
        let n = self.build().await?;
        self.built.store(true, Ordering::SeqCst);
        drop(round);
        self.rounds.notify_waiters();
        Ok(n)
    }

    /// Builds every index from the tables and takes the head of the feed as this node's place;
    /// the caller holds the round. Returns the number of entries.
    async fn build(&self) -> Result<usize, sqlx::Error> {
        let head = self.db.last_change().await?;
        // The numbers pruned were committed or given up long ago: none is a hole.
        let pruned = pruned_through(&self.db).await?;
        self.lock_holes().retain(|seq, _| *seq > pruned);
        if self.db.engine() == Engine::Postgres {
            // Numbers below the head that are not visible yet belong to transactions still
            // running or ended without committing: they are watched as holes, like those seen
            // later, and those no transaction can fill any more are given up below.
            let from = (head - 1000).max(pruned).max(0);
            let recent = self.db.changes_after(from, 1000).await?;
            let mut expected = from + 1;
            let mut holes = self.lock_holes();
            for c in &recent {
                for missing in expected..c.seq {
                    holes.insert(missing, Hole::new());
                }
                expected = c.seq + 1;
            }
        }
        let mut n = 0;
        for ix in &self.indexers {
            n += self.reload_kind(ix).await?;
        }
        self.applied.store(head, Ordering::SeqCst);
        self.settle_holes().await?;
        Ok(n)
    }

    /// How many times this node built its indexes again because the changes it had not applied
    /// yet were pruned from the feed.
    pub fn rebuilt_behind(&self) -> u64 {
        self.rebuilt_behind.load(Ordering::SeqCst)
    }

    /// Whether the start-up build finished: the indexes hold the whole database as it was then.
    pub fn built(&self) -> bool {
        self.built.load(Ordering::SeqCst)
    }

    /// The holes of the feed this node still waits for.
    pub fn open_holes(&self) -> usize {
        self.lock_holes().len()
    }

    fn lock_holes(&self) -> std::sync::MutexGuard<'_, BTreeMap<i64, Hole>> {
        // A panic while the map was held leaves it whole: each change to it is one call.
        self.holes
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
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

    /// Whether this node has applied every change committed so far and waits for no hole (for
    /// tests and tools: a node's readiness does not depend on it, the feed never stops).
    pub async fn caught_up(&self) -> Result<bool, sqlx::Error> {
        Ok(self.applied() >= self.db.last_change().await? && self.open_holes() == 0)
    }

    /// Whether the change `seq` is in this node's indexes (or was given up as a hole, which a
    /// committed change never is).
    pub fn has_applied(&self, seq: i64) -> bool {
        // `applied` moves past a number only once its hole, if any, is recorded.
        seq <= self.applied() && !self.lock_holes().contains_key(&seq)
    }

    /// Waits until the change `seq` is applied, at most `bound`; says whether it was.
    pub async fn wait_applied(&self, seq: i64, bound: Duration) -> bool {
        let deadline = tokio::time::Instant::now() + bound;
        loop {
            let round = self.rounds.notified();
            tokio::pin!(round);
            round.as_mut().enable();
            if self.has_applied(seq) {
                return true;
            }
            if tokio::time::timeout_at(deadline, round).await.is_err() {
                return self.has_applied(seq);
            }
        }
    }

    /// Applies the changes committed since the last call, and those that filled holes. Returns
    /// how many were applied; when the feed was pruned past this node's place, the indexes are
    /// built again from the tables, and the number of their entries is returned.
    pub async fn apply_new(&self) -> Result<usize, sqlx::Error> {
        let round = self.round.lock().await;
        let result = self.apply_round().await;
        drop(round);
        self.rounds.notify_waiters();
        result
    }

    async fn apply_round(&self) -> Result<usize, sqlx::Error> {
        let watched: Vec<i64> = self.lock_holes().keys().copied().collect();
        let (mut count, _) = self.fill_holes(&watched).await?;
        let mut last = self.applied();
        let first = self.db.changes_after(last, 1000).await?;
        // Numbers missing right after this node's place: holes, or changes pruned. Only a
        // prefix of the feed is ever pruned, and never its newest change, so a node whose
        // changes to apply were pruned always sees such a gap.
        if first.first().is_some_and(|c| c.seq > last + 1) && pruned_through(&self.db).await? > last
        {
            tracing::warn!(
                applied = last,
                "the changes this node had not applied were pruned from the feed: its indexes \
                 are built again from the tables"
            );
            self.rebuilt_behind.fetch_add(1, Ordering::SeqCst);
            return Ok(count + self.build().await?);
        }
        let mut batch = first;
        loop {
            for c in &batch {
                if c.seq > last + 1 && self.db.engine() == Engine::Postgres {
                    let mut holes = self.lock_holes();
                    for missing in last + 1..c.seq {
                        holes.entry(missing).or_insert_with(Hole::new);
                    }
                }
                // A change whose apply fails stays to do: the next round takes it again.
                self.apply(c).await?;
                last = c.seq;
                self.applied.store(last, Ordering::SeqCst);
                count += 1;
            }
            if batch.len() < 1000 {
                break;
            }
            batch = self.db.changes_after(last, 1000).await?;
        }
        count += self.settle_holes().await?;
        let mut holes = self.lock_holes();
        let before = holes.len();
        holes.retain(|_, h| h.seen.elapsed() < HOLE_PATIENCE);
        if holes.len() < before {
            tracing::warn!(
                holes = before - holes.len(),
                "holes of the change feed given up after waiting for them for too long"
            );
        }
        Ok(count)
    }

    /// Reads the changes of these holes (in order) again, applies those that are now visible
    /// and forgets their holes. Only the holes of the first [`HOLE_RANGES`] runs of numbers are
    /// read, the others next round. Returns how many changes were applied and how many of
    /// `seqs` were read.
    async fn fill_holes(&self, seqs: &[i64]) -> Result<(usize, usize), sqlx::Error> {
        let mut ranges: Vec<(i64, i64)> = Vec::new();
        let mut read = 0;
        for &seq in seqs {
            let full = ranges.len() == HOLE_RANGES;
            match ranges.last_mut() {
                Some((_, last)) if *last + 1 == seq => *last = seq,
                _ if full => break,
                _ => ranges.push((seq, seq)),
            }
            read += 1;
        }
        let mut count = 0;
        for c in self.db.changes_within(&ranges).await? {
            if !self.lock_holes().contains_key(&c.seq) {
                continue; // applied already
            }
            self.apply(&c).await?;
            self.lock_holes().remove(&c.seq);
            count += 1;
        }
        Ok((count, read))
    }

    /// On PostgreSQL, gives up the holes that no running transaction can fill any more, after
    /// reading them once more. Returns how many changes were applied meanwhile.
    async fn settle_holes(&self) -> Result<usize, sqlx::Error> {
        if self.open_holes() == 0 {
            return Ok(0);
        }
        let Some((xmin, xmax)) = self.db.transaction_horizon().await? else {
            return Ok(0);
        };
        let ended: Vec<i64> = {
            let mut holes = self.lock_holes();
            for hole in holes.values_mut() {
                hole.xmax.get_or_insert(xmax);
            }
            holes
                .iter()
                .filter(|(_, h)| h.xmax.is_some_and(|x| xmin >= x))
                .map(|(seq, _)| *seq)
                .collect()
        };
        if ended.is_empty() {
            return Ok(0);
        }
        // Their transactions ended, maybe committed after the last read: one more look.
        let (filled, read) = self.fill_holes(&ended).await?;
        let mut holes = self.lock_holes();
        let given_up = ended[..read]
            .iter()
            .filter(|s| holes.remove(s).is_some())
            .count();
        if given_up > 0 {
            tracing::debug!(
                given_up,
                "holes of the change feed given up: their transactions ended without committing"
            );
        }
        Ok(filled)
    }

    async fn apply(&self, change: &Change) -> Result<(), sqlx::Error> {
        let (kind, id, op) = (change.kind.as_str(), change.entity_id.as_str(), change.op);
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

/// The highest number pruned from the feed so far (0 before the first pruning): every change
/// at or below it is gone.
pub async fn pruned_through(db: &Db) -> Result<i64, sqlx::Error> {
    let through: Option<i64> = sqlx::query_scalar("SELECT MAX(through) FROM changes_pruned")
        .fetch_one(db.pool())
        .await?;
    Ok(through.unwrap_or(0))
}

/// Removes from the feed the changes recorded more than [`KEPT_MS`] before `now` (ms), but
/// never its newest change: the numbers then go on from it on both engines (and a backup
/// restored sets PostgreSQL's sequence past it). Each run of at most [`PRUNED_AT_ONCE`] changes
/// goes in a transaction of its own that also moves `changes_pruned` past them, so that a node
/// never sees a number gone that the record does not name. Doing it twice does no harm.
/// Returns how many changes were removed.
pub async fn prune(db: &Db, now: i64) -> Result<u64, sqlx::Error> {
    let horizon: Option<i64> = sqlx::query_scalar(
        "SELECT MAX(seq) FROM changes WHERE at < $1 AND seq < (SELECT MAX(seq) FROM changes)",
    )
    .bind(now - KEPT_MS)
    .fetch_one(db.pool())
    .await?;
    let Some(horizon) = horizon else {
        return Ok(0);
    };
    let mut removed = 0;
    loop {
        let mut tx = db.begin().await?;
        let first: Option<i64> = sqlx::query_scalar("SELECT MIN(seq) FROM changes")
            .fetch_one(&mut *tx)
            .await?;
        let through = match first {
            Some(first) if first <= horizon => horizon.min(first + PRUNED_AT_ONCE - 1),
            _ => horizon,
        };
        removed += sqlx::query("DELETE FROM changes WHERE seq <= $1")
            .bind(through)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        sqlx::query("UPDATE changes_pruned SET through = $1 WHERE through < $1")
            .bind(through)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        if through == horizon {
            return Ok(removed);
        }
    }
}
