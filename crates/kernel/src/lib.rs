//! The kernel of Territoires: what every component shares. Configuration, errors, ids and time,
//! the database and its migrations, the change feed and the read indexes, accounts and
//! permissions, translations, the page shell and assets, mail, uploads, territories and spaces.

pub mod accounts;
pub mod admin;
pub mod api;
pub mod app;
pub mod audit;
pub mod catalog;
pub mod changes;
pub mod clock;
pub mod config;
pub mod db;
pub mod demo;
pub mod error;
pub mod geo;
pub mod geocoder;
pub mod group_commit;
pub mod i18n;
pub mod icons;
pub mod ids;
pub mod jobs;
pub mod locks;
pub mod mail;
pub mod markdown;
pub mod migrations;
pub mod opendata;
pub mod pages;
pub mod policy;
pub mod publication;
pub mod read_your_writes;
pub mod review;
pub mod search;
pub mod secrets;
pub mod spaces;
pub mod territories;
pub mod testing;
pub mod text;
pub mod uploads;
pub mod web;
pub mod workplace;

pub use app::{AppState, Component, Section, SectionItem, SectionOf};
pub use error::{Error, FieldError, FieldErrors, Result};

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::middleware::{from_fn, from_fn_with_state};
use changes::{Applier, Indexer};
use config::Config;
use db::Db;
use search::MemorySearch;
use std::sync::Arc;

/// Largest request body: enough for a form with three photos.
pub const BODY_LIMIT: usize = 16 * 1024 * 1024;

/// The kernel as a component: its migrations and indexed documents. Its routes are mounted by
/// [`build`] around the components'.
pub fn component() -> Component {
    Component {
        name: "kernel",
        routes: web::routes::Routes::new(),
        migrations: migrations::MIGRATIONS,
        files: &["SELECT logo FROM spaces WHERE logo IS NOT NULL"],
        indexers: vec![
            Indexer {
                kind: territories::TERRITORY,
                layer: None,
                load_all: |db| Box::pin(territories::store::index_entries(db)),
                load_one: |db, id| Box::pin(territories::store::index_entry(db, id)),
            },
            Indexer {
                kind: spaces::SPACE,
                layer: None,
                load_all: |db| Box::pin(spaces::store::index_entries(db)),
                load_one: |db, id| Box::pin(spaces::store::index_entry(db, id)),
            },
        ],
        ..Component::empty("kernel")
    }
}

/// A start-up failure, said in one sentence.
#[derive(Debug)]
pub struct StartError(pub String);

impl std::fmt::Display for StartError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for StartError {}

/// Connects to the database of a configuration and applies every migration.
pub async fn open_database(config: &Config, components: &[Component]) -> Result<Db, StartError> {
    if config.is_sqlite() {
        config.prepare_data_dir().map_err(|e| StartError(e.0))?;
    }
    let db = Db::connect(&config.database_url).await.map_err(|e| {
        StartError(format!(
            "cannot open the database {}: {e}",
            config::redact(&config.database_url)
        ))
    })?;
    let all: Vec<_> = std::iter::once(migrations::MIGRATIONS)
        .chain(
            components
                .iter()
                .filter(|c| c.name != "kernel")
                .map(|c| c.migrations),
        )
        .flatten()
        .copied()
        .collect();
    db.migrate(&all)
        .await
        .map_err(|e| StartError(format!("the database could not be migrated: {e}")))?;
    Ok(db)
}

/// Loads the embedded territory referential into an empty database.
pub async fn ensure_territories(db: &Db) -> Result<(), StartError> {
    let count = territories::store::count(db)
        .await
        .map_err(|e| StartError(format!("{e:?}")))?;
    if count > 0 {
        return Ok(());
    }
    let all = territories::import::parse_extract(territories::import::EMBEDDED)
        .map_err(|e| StartError(e.0))?;
    territories::store::upsert_all(db, &all, &|_| {})
        .await
        .map_err(|e| {
            StartError(format!(
                "the territory referential could not be loaded: {e:?}"
            ))
        })?;
    tracing::info!(territories = all.len(), "territory referential loaded");
    Ok(())
}

/// Builds a ready application over an open database: read indexes built, change applier
/// running, every route mounted behind the shared middleware.
pub async fn build(
    config: Config,
    db: Db,
    components: Vec<Component>,
) -> Result<(Router, AppState), StartError> {
    ensure_territories(&db).await?;
    let mailer = mail::Mailer::new(db.clone(), config.smtp_url.as_deref(), &config.mail_from)
        .map_err(StartError)?;
    let search: Arc<dyn search::SearchIndex> = Arc::new(MemorySearch::new());
    let geo: Arc<dyn geo::GeoIndex> = Arc::new(geo::MemoryGeo::new());
    let mut indexers = component().indexers;
    let mut openapi = api::KernelApi::openapi_doc();
    let mut routes = web::routes::Routes::new()
        .merge(pages::routes())
        .merge(accounts::web::routes())
        .merge(spaces::web::routes())
        .merge(geocoder::routes())
        .merge(admin::routes())
        .merge(workplace::routes())
        .merge(catalog::routes())
        .merge(api::routes())
        .route("/assets/{*path}", axum::routing::get(web::assets::serve));
    let mut paths: Vec<(&'static str, String)> = routes
        .paths()
        .iter()
        .map(|p| ("kernel", p.clone()))
        .collect();
    let mut sections = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut workplace = Vec::new();
    let mut datasets = Vec::new();
    let mut tasks = Vec::new();
    let mut links = Vec::new();
    let mut file_queries = component().files.to_vec();
    for c in components.into_iter().filter(|c| c.name != "kernel") {
        file_queries.extend_from_slice(c.files);
        tasks.extend(c.task);
        links.extend_from_slice(c.links);
        indexers.extend(c.indexers);
        if let Some((fr, en)) = c.locales {
            i18n::register(fr, en);
        }
        sections.0.extend(c.space_section);
        sections.1.extend(c.process_section);
        sections.2.extend(c.network_section);
        sections.3.extend(c.account_section);
        workplace.extend(c.workplace);
        datasets.extend(c.datasets);
        if let Some(doc) = c.openapi {
            openapi.merge(doc);
        }
        paths.extend(c.routes.paths().iter().map(|p| (c.name, p.clone())));
        routes = routes.merge(c.routes);
    }
    let applier = Arc::new(Applier::new(
        db.clone(),
        search.clone(),
        geo.clone(),
        indexers,
    ));
    let docs = applier
        .rebuild()
        .await
        .map_err(|e| StartError(format!("the read indexes could not be built: {e}")))?;
    tracing::info!(documents = docs, "search index built");
    tokio::spawn(applier.clone().run());
    let openapi = serde_json::to_value(&openapi).map_err(|e| StartError(e.to_string()))?;
    let upload_key = secrets::get_or_create(&db, "upload_signing")
        .await
        .map_err(|e| StartError(format!("the instance's keys could not be read: {e:?}")))?;
    let files = uploads::FileStore::open(&config, &db).map_err(|e| StartError(e.0))?;
    tracing::info!(files = %files.describe(), "uploaded files");
    let state = AppState::new(
        config,
        db,
        mailer,
        search,
        geo,
        applier,
        openapi,
        sections,
        workplace,
        datasets,
        (uploads::Uploads::with_files(files), upload_key),
        file_queries,
    );
    app::register_links(links);
    for task in tasks {
        tokio::spawn(task(state.clone()));
    }
    tokio::spawn(mail::sender::run(state.mailer().clone()));
    tokio::spawn(jobs::daily(state.clone(), jobs::PURGE));
    state.extension(|_| web::routes::RoutePaths(paths));
    let router = routes
        .into_router()
        .fallback(|| async { Error::NotFound })
        .layer(from_fn_with_state(
            state.clone(),
            read_your_writes::middleware,
        ))
        .layer(from_fn_with_state(state.clone(), web::middleware::context))
        .layer(from_fn(web::middleware::error_pages))
        .layer(from_fn_with_state(
            state.clone(),
            web::middleware::security_headers,
        ))
        .layer(from_fn_with_state(state.clone(), web::middleware::metrics))
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .with_state(state.clone());
    release_free_memory();
    Ok((router, state))
}

/// Gives the memory freed after building the indexes back to the system: the start-up reads the
/// whole referential once, and the allocator would otherwise keep those pages for the life of
/// the process.
pub fn release_free_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        unsafe extern "C" {
            fn malloc_trim(pad: usize) -> i32;
        }
        // SAFETY: malloc_trim only returns free pages of the C allocator to the system; it has
        // no preconditions.
        unsafe {
            malloc_trim(0);
        }
    }
}

impl api::KernelApi {
    /// The kernel's OpenAPI document.
    pub fn openapi_doc() -> utoipa::openapi::OpenApi {
        <Self as utoipa::OpenApi>::openapi()
    }
}

/// A component's migrations, read from its `migrations/{name}.sql` files, in the order given:
/// `kernel::migrations!("directory", "0001_actors", "0002_offers")` makes the migrations
/// `directory/0001_actors` and `directory/0002_offers`.
#[macro_export]
macro_rules! migrations {
    ($component:literal, $($name:literal),+ $(,)?) => {
        &[$($crate::db::Migration {
            id: concat!($component, "/", $name),
            sql: include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations/", $name, ".sql")),
        }),+]
    };
}

/// A component's texts: its `locales/fr.toml` and `locales/en.toml`, French first.
#[macro_export]
macro_rules! locales {
    () => {
        (
            include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/locales/fr.toml")),
            include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/locales/en.toml")),
        )
    };
}

/// A manifest's hook: an async function of the component, boxed as the manifest keeps it.
/// `kernel::hook!(demo::seed)` for a function of one argument, `kernel::hook!(web::section, 2)`
/// for one of two.
#[macro_export]
macro_rules! hook {
    ($f:path) => {
        Some(|a| Box::pin($f(a)))
    };
    ($f:path, 2) => {
        Some(|a, b| Box::pin($f(a, b)))
    };
}

/// A manifest's indexer of the entity `kind` (on the map layer `layer`, or `None`) whose
/// entries the module `m` loads with its `index_entries` and `index_entry`.
#[macro_export]
macro_rules! indexer {
    ($kind:expr, $layer:expr, $($m:ident)::+) => {
        $crate::changes::Indexer {
            kind: $kind,
            layer: $layer,
            load_all: |db| Box::pin($($m)::+::index_entries(db)),
            load_one: |db, id| Box::pin($($m)::+::index_entry(db, id)),
        }
    };
}
