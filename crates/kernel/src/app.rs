//! The application state shared by every handler, and the component manifest.

use crate::changes::{Applier, Indexer};
use crate::config::Config;
use crate::db::{Db, Migration};
use crate::geo::GeoIndex;
use crate::mail::Mailer;
use crate::search::SearchIndex;
use crate::uploads::Uploads;
use crate::web::metrics::Metrics;
use crate::web::ratelimit::RateLimiter;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Instant;

/// What a component brings to the platform: its routes, migrations, indexed documents and API
/// description. Every component crate exposes one `component()` returning this.
pub struct Component {
    /// Short name, also the prefix of its migration ids.
    pub name: &'static str,
    /// Its pages and API routes.
    pub routes: crate::web::routes::Routes,
    /// Its migrations, in order.
    pub migrations: &'static [Migration],
    /// How its entities become search documents.
    pub indexers: Vec<Indexer>,
    /// Its part of the OpenAPI document.
    pub openapi: Option<utoipa::openapi::OpenApi>,
    /// Its texts: `locales/fr.toml` and `locales/en.toml`.
    pub locales: Option<(&'static str, &'static str)>,
    /// What it shows on a space's page.
    pub space_section: Option<SectionFn>,
    /// What it shows on a process's page.
    pub process_section: Option<SectionFn>,
    /// What it shows on the network's page (`/commun`).
    pub network_section: Option<SectionFn>,
    /// What the reader did with it, on their account page (the section's id is the reader's).
    pub account_section: Option<SectionFn>,
    /// The desks and queues it keeps for a member of staff, on their workplace.
    pub workplace: Option<crate::workplace::WorkFn>,
    /// Its demo content, added after the kernel's (accounts and spaces); must be idempotent.
    pub demo: Option<DemoFn>,
    /// Its public data sets, for the catalogue.
    pub datasets: Option<crate::catalog::DatasetsFn>,
    /// Its background work (a daily mail digest), started once the application is built; it
    /// runs for as long as the application does.
    pub task: Option<TaskFn>,
    /// Its links in every page's footer: (text key, path).
    pub links: &'static [(&'static str, &'static str)],
    /// Queries of one text column in which it names the stored files it holds (a photo's name,
    /// a JSON list of attachments): a stored file no component names is removed a day after it
    /// was written.
    pub files: &'static [&'static str],
}

static LINKS: std::sync::OnceLock<Vec<(&'static str, &'static str)>> = std::sync::OnceLock::new();

/// Records the components' footer links (the first build of the process decides).
pub fn register_links(links: Vec<(&'static str, &'static str)>) {
    let _ = LINKS.set(links);
}

/// The components' footer links.
pub fn links() -> &'static [(&'static str, &'static str)] {
    LINKS.get().map(Vec::as_slice).unwrap_or(&[])
}

/// How a component's background work is started.
pub type TaskFn = fn(AppState) -> crate::changes::BoxFuture<()>;

/// How a component adds its demo content.
pub type DemoFn = fn(crate::demo::Demo) -> crate::changes::BoxFuture<Result<(), crate::Error>>;

/// A block a component adds to a page it does not own (a space's processes, a process's
/// votes): a heading, links, and what the reader may add.
pub struct Section {
    /// The heading's text key.
    pub heading: &'static str,
    /// The links, in the component's order.
    pub items: Vec<SectionItem>,
    /// Where the reader may add one (text key, URL), when allowed.
    pub add: Option<(&'static str, String)>,
}

/// One link of a [`Section`].
#[derive(Default)]
pub struct SectionItem {
    /// Its title.
    pub title: String,
    /// Where it leads.
    pub url: String,
    /// A short state, already in the reader's language ("ouvert jusqu'au 12 mars").
    pub note: String,
    /// Its image (an upload's name), or empty.
    pub image: String,
}

/// The page a section is asked for: the id of the space or process, and its reader.
pub struct SectionOf {
    /// The space's or process's id.
    pub id: String,
    /// The reader.
    pub user: Option<crate::accounts::User>,
    /// The reader's language.
    pub lang: crate::i18n::Lang,
}

/// How a component gives its section of a page; `None` when it has nothing to show there.
pub type SectionFn =
    fn(AppState, SectionOf) -> crate::changes::BoxFuture<Result<Option<Section>, crate::Error>>;

impl Component {
    /// A component with nothing yet.
    pub fn empty(name: &'static str) -> Self {
        Component {
            name,
            routes: crate::web::routes::Routes::new(),
            migrations: &[],
            indexers: Vec::new(),
            openapi: None,
            locales: None,
            space_section: None,
            process_section: None,
            network_section: None,
            account_section: None,
            workplace: None,
            demo: None,
            datasets: None,
            task: None,
            links: &[],
            files: &[],
        }
    }
}

/// Everything a handler may need, cheap to clone.
#[derive(Clone)]
pub struct AppState {
    inner: Arc<Inner>,
}

struct Inner {
    config: Config,
    db: Db,
    mailer: Mailer,
    search: Arc<dyn SearchIndex>,
    geo: Arc<dyn GeoIndex>,
    applier: Arc<Applier>,
    limiter: RateLimiter,
    metrics: Metrics,
    openapi: serde_json::Value,
    started: Instant,
    uploads: Uploads,
    upload_key: Arc<Vec<u8>>,
    has_admin: AtomicBool,
    home: Derived<(Vec<crate::spaces::Space>, i64)>,
    space_sections: Vec<SectionFn>,
    process_sections: Vec<SectionFn>,
    network_sections: Vec<SectionFn>,
    account_sections: Vec<SectionFn>,
    workplace: Vec<crate::workplace::WorkFn>,
    extensions: std::sync::Mutex<Extensions>,
    datasets: Vec<crate::catalog::DatasetsFn>,
    file_queries: Vec<&'static str>,
}

/// Per-node values components keep for themselves, one per type.
type Extensions = std::collections::HashMap<std::any::TypeId, Arc<dyn std::any::Any + Send + Sync>>;

/// A value derived from the database, kept until this node sees a change: a local commit or a
/// change of the feed applied from another node.
pub struct Derived<T> {
    slot: RwLock<Option<(Position, Arc<T>)>>,
    /// Held while a value loads, so that readers arriving meanwhile wait for it rather than
    /// load it again.
    loading: tokio::sync::Mutex<()>,
}

/// Where a node stands: how many times its indexes changed, and its count of local commits.
pub type Position = (u64, u64);

impl<T> Default for Derived<T> {
    fn default() -> Self {
        Derived {
            slot: RwLock::new(None),
            loading: tokio::sync::Mutex::new(()),
        }
    }
}

impl<T> Derived<T> {
    /// The value for the current position, loading it when the position moved.
    pub async fn get<F, Fut>(&self, at: Position, load: F) -> Result<Arc<T>, crate::Error>
    where
        F: FnOnce() -> Fut,
        Fut: std::future::Future<Output = Result<T, crate::Error>>,
    {
        let current = || {
            self.slot.read().ok().and_then(|slot| {
                slot.as_ref()
                    .filter(|(key, _)| *key == at)
                    .map(|(_, v)| v.clone())
            })
        };
        if let Some(value) = current() {
            return Ok(value);
        }
        let _loading = self.loading.lock().await;
        if let Some(value) = current() {
            return Ok(value);
        }
        let value = Arc::new(load().await?);
        if let Ok(mut slot) = self.slot.write() {
            *slot = Some((at, value.clone()));
        }
        Ok(value)
    }
}

impl AppState {
    /// Assembles the state.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        config: Config,
        db: Db,
        mailer: Mailer,
        search: Arc<dyn SearchIndex>,
        geo: Arc<dyn GeoIndex>,
        applier: Arc<Applier>,
        openapi: serde_json::Value,
        sections: (
            Vec<SectionFn>,
            Vec<SectionFn>,
            Vec<SectionFn>,
            Vec<SectionFn>,
        ),
        workplace: Vec<crate::workplace::WorkFn>,
        datasets: Vec<crate::catalog::DatasetsFn>,
        (uploads, upload_key): (Uploads, Vec<u8>),
        file_queries: Vec<&'static str>,
    ) -> Self {
        let limiter = RateLimiter::new(&db);
        AppState {
            inner: Arc::new(Inner {
                config,
                db,
                mailer,
                search,
                geo,
                applier,
                limiter,
                metrics: Metrics::default(),
                openapi,
                started: Instant::now(),
                uploads,
                upload_key: Arc::new(upload_key),
                has_admin: AtomicBool::new(false),
                home: Derived::default(),
                space_sections: sections.0,
                process_sections: sections.1,
                network_sections: sections.2,
                account_sections: sections.3,
                workplace,
                extensions: Default::default(),
                datasets,
                file_queries,
            }),
        }
    }
    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.inner.config
    }
    /// The database.
    pub fn db(&self) -> &Db {
        &self.inner.db
    }
    /// The mailer.
    pub fn mailer(&self) -> &Mailer {
        &self.inner.mailer
    }

    /// The mails to `to` of the text `key` about an item named `what` at `path` on the
    /// platform (linked in full), with a note (a moderator's reason, say) after the body; in
    /// French, English beside it. They are queued with the change that causes them
    /// ([`crate::db::Write::mails`]).
    pub fn letters_about(
        &self,
        to: &[String],
        key: &str,
        (what, path): (&str, &str),
        note: &str,
    ) -> Vec<crate::mail::Letter> {
        let link = format!("{}{path}", self.config().base_url.trim_end_matches('/'));
        to.iter()
            .map(|to| {
                crate::mail::Letter::texts(
                    to,
                    crate::i18n::Lang::Fr,
                    key,
                    &[("what", what), ("link", &link)],
                    note,
                )
            })
            .collect()
    }
    /// The search index.
    pub fn search(&self) -> &dyn SearchIndex {
        self.inner.search.as_ref()
    }
    /// The geo index.
    pub fn geo(&self) -> &dyn GeoIndex {
        self.inner.geo.as_ref()
    }
    /// The change applier of this node.
    pub fn applier(&self) -> &Applier {
        &self.inner.applier
    }
    /// The rate limiter, shared by every node on PostgreSQL.
    pub fn limiter(&self) -> &RateLimiter {
        &self.inner.limiter
    }
    /// Request metrics.
    pub fn metrics(&self) -> &Metrics {
        &self.inner.metrics
    }
    /// The OpenAPI document.
    pub fn openapi(&self) -> &serde_json::Value {
        &self.inner.openapi
    }
    /// The upload store.
    pub fn uploads(&self) -> &Uploads {
        &self.inner.uploads
    }
    /// What the components' demo content is made with on this node.
    pub fn demo(&self) -> crate::demo::Demo {
        crate::demo::Demo {
            db: self.db().clone(),
            uploads: self.uploads().clone(),
        }
    }
    /// The key that signs the files forms keep, the same on every node (kept in the database).
    pub fn upload_key(&self) -> Arc<Vec<u8>> {
        self.inner.upload_key.clone()
    }
    /// Whether an instance administrator exists (once true, it stays true: the last
    /// administrator can neither be revoked nor deleted).
    pub async fn has_admin(&self) -> Result<bool, crate::Error> {
        if self.inner.has_admin.load(Ordering::Relaxed) {
            return Ok(true);
        }
        let yes = crate::accounts::store::admin_count(self.db()).await? > 0;
        self.inner.has_admin.store(yes, Ordering::Relaxed);
        Ok(yes)
    }
    /// The spaces shown on the home page (the first twelve by name) and how many there are.
    pub async fn home_spaces(&self) -> Result<Arc<(Vec<crate::spaces::Space>, i64)>, crate::Error> {
        let at = (self.applier().version(), self.db().generation());
        let db = self.db().clone();
        self.inner
            .home
            .get(at, || async move {
                crate::spaces::store::list(&db, 0, 12).await
            })
            .await
    }
    /// A component's own per-node value of type `T` (a cache, a background writer), made by
    /// `init` the first time it is asked for.
    pub fn extension<T: Send + Sync + 'static>(&self, init: impl FnOnce(&AppState) -> T) -> Arc<T> {
        let key = std::any::TypeId::of::<T>();
        if let Ok(map) = self.inner.extensions.lock()
            && let Some(v) = map.get(&key)
            && let Ok(v) = v.clone().downcast::<T>()
        {
            return v;
        }
        let made = Arc::new(init(self));
        if let Ok(mut map) = self.inner.extensions.lock() {
            let slot = map.entry(key).or_insert_with(|| made.clone());
            if let Ok(v) = slot.clone().downcast::<T>() {
                return v;
            }
        }
        made
    }
    /// Every public data set of the components, for the catalogue.
    pub async fn datasets(&self) -> Result<Vec<crate::catalog::Dataset>, crate::Error> {
        let mut out = Vec::new();
        for f in &self.inner.datasets {
            out.extend(f(self.clone()).await?);
        }
        Ok(out)
    }
    /// The sections the components show on a space's page.
    pub async fn space_sections(&self, of: SectionOf) -> Result<Vec<Section>, crate::Error> {
        self.sections(&self.inner.space_sections, of).await
    }
    /// The sections the components show on a process's page.
    pub async fn process_sections(&self, of: SectionOf) -> Result<Vec<Section>, crate::Error> {
        self.sections(&self.inner.process_sections, of).await
    }
    /// The sections the components show on the network's page.
    pub async fn network_sections(&self, of: SectionOf) -> Result<Vec<Section>, crate::Error> {
        self.sections(&self.inner.network_sections, of).await
    }
    /// What the reader did with each component, on their account page.
    pub async fn account_sections(&self, of: SectionOf) -> Result<Vec<Section>, crate::Error> {
        self.sections(&self.inner.account_sections, of).await
    }
    /// The desks and queues the components keep for a member of staff, in the components'
    /// order.
    pub async fn workplace(
        &self,
        of: crate::workplace::WorkOf,
    ) -> Result<Vec<crate::workplace::Work>, crate::Error> {
        let mut out = Vec::new();
        for f in &self.inner.workplace {
            out.extend(f(self.clone(), of.clone()).await?);
        }
        Ok(out)
    }
    async fn sections(
        &self,
        fns: &[SectionFn],
        of: SectionOf,
    ) -> Result<Vec<Section>, crate::Error> {
        let mut out = Vec::new();
        for f in fns {
            let of = SectionOf {
                id: of.id.clone(),
                user: of.user.clone(),
                lang: of.lang,
            };
            if let Some(s) = f(self.clone(), of).await? {
                out.push(s);
            }
        }
        Ok(out)
    }
    /// The components' queries of the stored files they hold (see [`Component::files`]).
    pub fn file_queries(&self) -> &[&'static str] {
        &self.inner.file_queries
    }
    /// When the node started.
    pub fn started(&self) -> Instant {
        self.inner.started
    }
}
