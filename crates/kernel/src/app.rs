//! The application state shared by every handler, and the component manifest.

use crate::changes::{Applier, Indexer};
use crate::config::Config;
use crate::db::{Db, Migration};
use crate::mail::Mailer;
use crate::search::SearchIndex;
use crate::uploads::Uploads;
use crate::web::metrics::Metrics;
use crate::web::ratelimit::RateLimiter;
use axum::Router;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

/// What a component brings to the platform: its routes, migrations, indexed documents and API
/// description. Every component crate exposes one `component()` returning this.
pub struct Component {
    /// Short name, also the prefix of its migration ids.
    pub name: &'static str,
    /// Its pages and API routes.
    pub routes: Router<AppState>,
    /// Its migrations, in order.
    pub migrations: &'static [Migration],
    /// How its entities become search documents.
    pub indexers: Vec<Indexer>,
    /// Its part of the OpenAPI document.
    pub openapi: Option<utoipa::openapi::OpenApi>,
}

impl Component {
    /// A component with nothing yet.
    pub fn empty(name: &'static str) -> Self {
        Component {
            name,
            routes: Router::new(),
            migrations: &[],
            indexers: Vec::new(),
            openapi: None,
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
    applier: Arc<Applier>,
    limiter: RateLimiter,
    metrics: Metrics,
    openapi: serde_json::Value,
    started: Instant,
    uploads: Uploads,
    has_admin: AtomicBool,
}

impl AppState {
    /// Assembles the state.
    pub fn new(
        config: Config,
        db: Db,
        mailer: Mailer,
        search: Arc<dyn SearchIndex>,
        applier: Arc<Applier>,
        openapi: serde_json::Value,
    ) -> Self {
        let config_dir = config.data_dir.clone();
        AppState {
            inner: Arc::new(Inner {
                config,
                db,
                mailer,
                search,
                applier,
                limiter: RateLimiter::default(),
                metrics: Metrics::default(),
                openapi,
                started: Instant::now(),
                uploads: Uploads::new(&config_dir),
                has_admin: AtomicBool::new(false),
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
    /// The search index.
    pub fn search(&self) -> &dyn SearchIndex {
        self.inner.search.as_ref()
    }
    /// The change applier of this node.
    pub fn applier(&self) -> &Applier {
        &self.inner.applier
    }
    /// The rate limiter.
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
    /// When the node started.
    pub fn started(&self) -> Instant {
        self.inner.started
    }
}
