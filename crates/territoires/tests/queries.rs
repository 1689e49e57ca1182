//! No page of the participation component makes more queries for more items (no N+1): the
//! database queries each request makes are counted (sqlx reports every statement as a
//! `sqlx::query` event, the application runs each request in a `request` span), on a list
//! and a contribution page holding a few items, then many.

#[path = "http/common.rs"]
mod common;

use common::TestApp;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use tracing::Subscriber;
use tracing_subscriber::layer::{Context, Layer};
use tracing_subscriber::prelude::*;
use tracing_subscriber::registry::LookupSpan;

/// Counts the statements run inside a request.
struct Queries(Arc<AtomicUsize>);

impl<S: Subscriber + for<'a> LookupSpan<'a>> Layer<S> for Queries {
    fn on_event(&self, event: &tracing::Event<'_>, ctx: Context<'_, S>) {
        if event.metadata().target() != "sqlx::query" {
            return;
        }
        let in_request = ctx
            .event_scope(event)
            .is_some_and(|mut scope| scope.any(|s| s.name() == "request"));
        if in_request {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }
}

/// The statements one GET makes: the least of three, since a request that happens to open a
/// new database connection also counts the connection's set-up statements.
async fn queries_of(app: &TestApp, counter: &AtomicUsize, path: &str) -> usize {
    let mut least = usize::MAX;
    for _ in 0..3 {
        let before = counter.load(Ordering::SeqCst);
        let (status, _) = app.get_text(path).await;
        assert_eq!(status, 200, "{path}");
        least = least.min(counter.load(Ordering::SeqCst) - before);
    }
    least
}

async fn seed(
    app: &TestApp,
    user: &str,
    contributions: usize,
    comments: usize,
) -> (String, String) {
    use participation::model::{ComponentFields, ContributionFields, ProcessFields};
    use participation::store;
    let db = app.state.db();
    let space = kernel::spaces::store::get_by_slug(db, "lannion")
        .await
        .unwrap()
        .unwrap();
    let slug = format!("p{contributions}");
    let input = ProcessFields {
        slug: slug.clone(),
        title: "Lannion 2030".into(),
        ..Default::default()
    }
    .parse()
    .unwrap();
    let process = store::create(db, &space.id, &input, user).await.unwrap();
    store::publish(db, &process.id, user).await.unwrap();
    let fields = ComponentFields {
        kind: "map".into(),
        title: "Carte".into(),
        ..ComponentFields::fresh()
    };
    let cid = store::add_component(db, &process.id, &fields.parse(&[]).unwrap(), user)
        .await
        .unwrap();
    let component = store::component(db, &cid).await.unwrap().unwrap();
    let mut first = String::new();
    for i in 0..contributions {
        let input = ContributionFields {
            title: format!("Contribution numéro {i}"),
            body: "Un texte.".into(),
            lat: "48.73".into(),
            lon: format!("{}", -3.46 + i as f64 * 0.0001),
            form_key: format!("{:032x}", contributions * 1000 + i),
            ..Default::default()
        }
        .parse(&component, &[], None)
        .unwrap();
        let quiet = |_: &str| store::follows::Notices::default();
        let (id, _) = store::contributions::create(db, (&process, &component), user, &input, quiet)
            .await
            .unwrap();
        if first.is_empty() {
            first = id;
        }
    }
    let mut parent: Option<String> = None;
    for i in 0..comments {
        let key = format!("{:032x}", 1_000_000 + contributions * 1000 + i);
        // Every third comment answers the one before, so that threads have depth.
        let p = if i % 3 == 1 { parent.clone() } else { None };
        let quiet = store::follows::Notices::default();
        let on = (first.as_str(), p.as_deref());
        let id = store::comments::add(db, on, user, ("Un avis.", &key), &quiet)
            .await
            .unwrap();
        store::comments::vote(db, &id, user, 1).await.unwrap();
        parent = Some(id);
    }
    (
        format!("/s/lannion/processes/{slug}/c/{cid}"),
        format!("/s/lannion/processes/{slug}/contributions/{first}"),
    )
}

#[tokio::test]
async fn list_and_contribution_pages_make_as_many_queries_for_many_items_as_for_few() {
    let counter = Arc::new(AtomicUsize::new(0));
    tracing_subscriber::registry()
        .with(Queries(counter.clone()))
        .init();
    for engine in kernel::testing::engines() {
        let app = common::spawn_app(engine).await;
        let input = kernel::spaces::model::SpaceFields {
            slug: "lannion".into(),
            name: "Lannion participe".into(),
            territory: "commune/22113".into(),
            ..Default::default()
        }
        .parse()
        .unwrap();
        kernel::spaces::store::create(app.state.db(), &input, None, None)
            .await
            .unwrap();
        let user = app.register_and_login("anne@test.fr", "Anne").await;
        let (few_list, few_page) = seed(&app, &user, 3, 2).await;
        let (many_list, many_page) = seed(&app, &user, 40, 60).await;
        let list = (
            queries_of(&app, &counter, &few_list).await,
            queries_of(&app, &counter, &many_list).await,
        );
        let page = (
            queries_of(&app, &counter, &few_page).await,
            queries_of(&app, &counter, &many_page).await,
        );
        let filtered = queries_of(
            &app,
            &counter,
            &format!("{many_list}?sort=supports&answer=none&page=2"),
        )
        .await;
        eprintln!("{engine}: list {list:?}, contribution page {page:?}");
        assert!(list.0 > 0, "queries are counted");
        // As many statements for many items as for few, give or take one: now and then a run
        // counts one statement fewer for one request (seen twice in CI on SQLite, on the list
        // page; not reproduced, its cause not found). A page that read its items one by one
        // would count dozens more.
        let about = |a: usize, b: usize| a.abs_diff(b) <= 1;
        assert!(about(list.0, list.1), "{engine}: list page {list:?}");
        assert!(
            about(page.0, page.1),
            "{engine}: contribution page {page:?}"
        );
        // A filter costs no more statements than the list without it.
        assert!(
            about(filtered, list.1),
            "{engine}: filtered list {filtered} against {list:?}"
        );
        // And no more than a handful in all.
        assert!(list.1 <= 12 && page.1 <= 16, "{engine}: {list:?} {page:?}");
    }
}
