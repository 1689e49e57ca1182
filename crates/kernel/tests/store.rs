//! The store suite: the same stories on SQLite, and on PostgreSQL when
//! `TERRITOIRES_TEST_DATABASE_URL` is set.

use kernel::accounts::store::{self as accounts, Purpose};
use kernel::accounts::{DisplayName, Email, Password, Role, hash_password};
use kernel::changes::Applier;
use kernel::db::Db;
use kernel::search::{MemorySearch, SearchIndex, SearchQuery};
use kernel::spaces::model::SpaceFields;
use kernel::spaces::store as spaces;
use kernel::territories::TerritoryKind;
use kernel::{Error, testing};
use sqlx::Row;
use std::sync::Arc;

async fn db(engine: &str) -> Db {
    let (url, _) = testing::fresh_database(engine).await;
    let db = Db::connect(&url).await.unwrap();
    db.migrate(kernel::migrations::MIGRATIONS).await.unwrap();
    kernel::ensure_territories(&db).await.unwrap();
    db
}

async fn count(db: &Db, table: &str) -> i64 {
    sqlx::query(sqlx::AssertSqlSafe(format!("SELECT COUNT(*) FROM {table}")))
        .fetch_one(db.pool())
        .await
        .unwrap()
        .get(0)
}

fn space(slug: &str, territory: &str) -> kernel::spaces::SpaceInput {
    SpaceFields {
        slug: slug.into(),
        name: format!("Espace {slug}"),
        description: "Démarches et vélo.".into(),
        territory: territory.into(),
        accent_color: "#1d4f91".into(),
    }
    .parse()
    .unwrap()
}

#[tokio::test]
async fn migrations_apply_once() {
    for engine in testing::engines() {
        let db = db(engine).await;
        assert_eq!(
            db.migrate(kernel::migrations::MIGRATIONS).await.unwrap(),
            0,
            "{engine}"
        );
    }
}

#[tokio::test]
async fn the_referential_is_loaded_with_its_parent_links() {
    for engine in testing::engines() {
        let db = db(engine).await;
        let lannion = kernel::territories::store::get(&db, TerritoryKind::Commune, "22113")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(lannion.name, "Lannion");
        assert_eq!(lannion.departement.as_deref(), Some("22"));
        assert_eq!(lannion.region.as_deref(), Some("53"));
        let dep = kernel::territories::store::get(&db, TerritoryKind::Departement, "22")
            .await
            .unwrap()
            .unwrap();
        let (communes, total) =
            kernel::territories::store::children(&db, &dep, TerritoryKind::Commune, 0, 5)
                .await
                .unwrap();
        assert!(total > 300, "{engine}: {total}");
        assert_eq!(
            communes[0].name, "Saint-Brieuc",
            "{engine}: the largest commune first"
        );
        // A second load changes nothing and records one change for the whole kind.
        let before = count(&db, "territories").await;
        let all = kernel::territories::import::parse_extract(kernel::territories::import::EMBEDDED)
            .unwrap();
        kernel::territories::store::upsert_all(&db, &all, &|_| {})
            .await
            .unwrap();
        assert_eq!(count(&db, "territories").await, before);
        let changes = db.changes_after(0, 100).await.unwrap();
        assert_eq!(
            changes.iter().filter(|c| c.kind == "territory").count(),
            2,
            "{engine}"
        );
    }
}

#[tokio::test]
async fn accounts_sessions_and_one_time_links() {
    for engine in testing::engines() {
        let db = db(engine).await;
        let email = Email::parse("anne@lannion.bzh").unwrap();
        let hash = hash_password(&Password::parse("Lannion-2026").unwrap()).unwrap();
        let name = DisplayName::parse("Anne").unwrap();
        let id = accounts::create_user(&db, &email, &hash, &name, Default::default())
            .await
            .unwrap();
        // The same address again, in another case: a field error, and still one account.
        let again = Email::parse("ANNE@lannion.bzh").unwrap();
        match accounts::create_user(&db, &again, &hash, &name, Default::default()).await {
            Err(Error::Invalid(f)) => assert_eq!(f.on("email"), Some("email.taken"), "{engine}"),
            other => panic!("{engine}: {other:?}"),
        }
        assert_eq!(count(&db, "users").await, 1);

        let token = accounts::create_session(&db, &id).await.unwrap();
        let user = accounts::user_by_session(&db, &token)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(user.id, id);
        assert!(!user.confirmed);
        accounts::delete_session(&db, &token).await.unwrap();
        assert!(
            accounts::user_by_session(&db, &token)
                .await
                .unwrap()
                .is_none()
        );

        let link = accounts::create_link_token(&db, &id, Purpose::Confirm, |token| {
            kernel::mail::Letter::new("a@test.fr", "Lien", token)
        })
        .await
        .unwrap();
        // The link's mail was queued with it.
        let (queued, _) = kernel::mail::queue::page(&db, 0, 10).await.unwrap();
        assert!(queued.iter().any(|m| m.to == "a@test.fr" && m.body == link));
        // A confirmation token is no reset token.
        assert!(matches!(
            accounts::reset_password(&db, &link, "x").await,
            Err(Error::Gone(_))
        ));
        accounts::confirm_email(&db, &link).await.unwrap();
        assert!(
            matches!(
                accounts::confirm_email(&db, &link).await,
                Err(Error::Gone(_))
            ),
            "{engine}: used twice"
        );
        assert!(
            accounts::user_by_id(&db, &id)
                .await
                .unwrap()
                .unwrap()
                .confirmed
        );
    }
}

#[tokio::test]
async fn roles_and_account_deletion() {
    for engine in testing::engines() {
        let db = db(engine).await;
        let email = Email::parse("admin@x.fr").unwrap();
        let hash = hash_password(&Password::parse("Lannion-2026").unwrap()).unwrap();
        let admin =
            accounts::create_admin_user(&db, &email, &hash, &DisplayName::parse("A").unwrap())
                .await
                .unwrap();
        assert_eq!(accounts::admin_count(&db).await.unwrap(), 1);
        let s = spaces::create(&db, &space("lannion", "commune/22113"), None, Some(&admin))
            .await
            .unwrap();
        let user = accounts::create_user(
            &db,
            &Email::parse("m@x.fr").unwrap(),
            &hash,
            &DisplayName::parse("M").unwrap(),
            Default::default(),
        )
        .await
        .unwrap();
        accounts::grant(&db, &user, Role::Moderator, Some(&s.id), Some(&admin))
            .await
            .unwrap();
        accounts::grant(&db, &user, Role::Moderator, Some(&s.id), Some(&admin))
            .await
            .unwrap();
        let members = accounts::space_members(&db, &s.id).await.unwrap();
        assert_eq!(members.len(), 1, "{engine}");
        let u = accounts::user_by_id(&db, &user).await.unwrap().unwrap();
        assert!(u.has_space_role(Role::Moderator, &s.id));
        let token = accounts::create_session(&db, &user).await.unwrap();
        accounts::delete_account(&db, &user).await.unwrap();
        assert!(
            accounts::user_by_session(&db, &token)
                .await
                .unwrap()
                .is_none()
        );
        assert!(accounts::user_by_id(&db, &user).await.unwrap().is_none());
        let row = sqlx::query("SELECT email, password_hash, display_name FROM users WHERE id = $1")
            .bind(&user)
            .fetch_one(db.pool())
            .await
            .unwrap();
        assert_eq!(row.get::<Option<String>, _>(0), None);
        assert_eq!(row.get::<Option<String>, _>(1), None);
        assert_eq!(row.get::<String, _>(2), "");
        assert!(
            accounts::space_members(&db, &s.id)
                .await
                .unwrap()
                .is_empty()
        );
        // Granting, creating and deleting were logged.
        assert!(count(&db, "audit_log").await >= 4, "{engine}");
    }
}

#[tokio::test]
async fn spaces_refuse_taken_slugs_and_unknown_territories_leaving_nothing() {
    for engine in testing::engines() {
        let db = db(engine).await;
        spaces::create(&db, &space("lannion", "commune/22113"), None, None)
            .await
            .unwrap();
        match spaces::create(&db, &space("lannion", "commune/29026"), None, None).await {
            Err(Error::Invalid(f)) => assert_eq!(f.on("slug"), Some("slug.taken"), "{engine}"),
            other => panic!("{engine}: {other:?}"),
        }
        match spaces::create(&db, &space("nulle-part", "commune/99999"), None, None).await {
            Err(Error::Invalid(f)) => {
                assert_eq!(f.on("territory"), Some("territory.unknown"), "{engine}")
            }
            other => panic!("{engine}: {other:?}"),
        }
        assert_eq!(count(&db, "spaces").await, 1, "{engine}");
        let (list, total) = spaces::list(&db, 0, 10).await.unwrap();
        assert_eq!((list.len(), total), (1, 1));
        assert_eq!(list[0].territory_name, "Lannion");
    }
}

#[tokio::test]
async fn the_change_feed_keeps_the_search_index_in_step() {
    for engine in testing::engines() {
        let db = db(engine).await;
        let search: Arc<dyn SearchIndex> = Arc::new(MemorySearch::new());
        let geo = Arc::new(kernel::geo::MemoryGeo::new());
        let applier = Applier::new(
            db.clone(),
            search.clone(),
            geo,
            kernel::component().indexers,
        );
        let n = applier.rebuild().await.unwrap();
        assert!(n > 35_000, "{engine}: {n}");
        let q = |text: &str| SearchQuery {
            text: text.into(),
            kinds: vec!["space"],
            ..Default::default()
        };
        assert_eq!(search.search(&q("velo")).total, 0);
        let s = spaces::create(&db, &space("velo-lannion", "commune/22113"), None, None)
            .await
            .unwrap();
        assert!(!applier.caught_up().await.unwrap());
        assert_eq!(applier.apply_new().await.unwrap(), 1);
        assert!(applier.caught_up().await.unwrap());
        let r = search.search(&q("vélo"));
        assert_eq!(r.total, 1, "{engine}");
        assert_eq!(r.hits[0].doc.url, "/s/velo-lannion");
        let mut input = space("velo-lannion", "commune/22113");
        input.name = "Trégor à pied".into();
        input.description = "Marche.".into();
        spaces::update(&db, &s.id, &input, None, "x").await.unwrap();
        applier.apply_new().await.unwrap();
        assert_eq!(search.search(&q("démarches")).total, 0, "{engine}");
        assert_eq!(search.search(&q("tregor")).total, 1, "{engine}");
        // Châteaulin is found as one types it, without the accent.
        let t = search.search(&SearchQuery {
            text: "chateaulin".into(),
            kinds: vec!["territory"],
            ..Default::default()
        });
        assert_eq!(t.hits[0].doc.title, "Châteaulin", "{engine}");
    }
}

/// The CSV fields the database writes (`opendata::sql`) are the ones the application writes
/// (`opendata::csv_text`, `csv_field`), formulas neutralised and quoting included.
#[tokio::test]
async fn csv_fields_written_by_the_database_match_the_application() {
    use kernel::opendata::{csv_field, csv_text, sql};
    let values = [
        "Fablab de Lannion",
        "=HYPERLINK(\"https://evil.example\";\"Cliquez\")",
        "=SOMME(A1,A2)",
        "+33 6 12",
        "-3,46",
        "@moi",
        "\tonglet",
        "\rretour",
        "Annuaire \"Smart city\", édition 2026",
        "deux\nlignes",
        "a = b",
        "",
    ];
    for engine in testing::engines() {
        let db = db(engine).await;
        for value in values {
            let written: (String, String) = sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT {}, {} FROM (SELECT CAST($1 AS TEXT) AS v) t",
                sql::text(db.engine(), "v"),
                sql::typed(db.engine(), "v")
            )))
            .bind(value)
            .fetch_one(db.pool())
            .await
            .unwrap();
            assert_eq!(written.0, csv_text(value), "{engine}: {value:?}");
            assert_eq!(written.1, csv_field(value), "{engine}: {value:?}");
        }
    }
}

/// A write records its change and its audit entry with its own rows, or nothing at all, and
/// wakes the node's indexes only once committed.
#[tokio::test]
async fn a_write_keeps_its_change_and_audit_entry_only_when_committed() {
    use kernel::db::{Entity, Op};
    const THING: Entity = Entity::new("thing");
    for engine in testing::engines() {
        let db = db(engine).await;
        let (changes, audit) = (count(&db, "changes").await, count(&db, "audit_log").await);
        let generation = db.generation();
        {
            let mut w = db.write().await.unwrap();
            w.changed(THING, "t1", Op::Upsert).await.unwrap();
            w.audit(Some("u"), "thing.create", "thing", "t1", "")
                .await
                .unwrap();
            // Dropped without a commit.
        }
        assert_eq!(count(&db, "changes").await, changes, "{engine}");
        assert_eq!(count(&db, "audit_log").await, audit);
        assert_eq!(db.generation(), generation);
        let mut w = db.write().await.unwrap();
        w.changed(THING, "t1", Op::Upsert).await.unwrap();
        w.audit(Some("u"), "thing.create", "thing", "t1", "")
            .await
            .unwrap();
        w.commit().await.unwrap();
        assert_eq!(count(&db, "changes").await, changes + 1);
        assert_eq!(count(&db, "audit_log").await, audit + 1);
        assert_eq!(db.generation(), generation + 1);
        // A cache of one kind sees this node's writes of that kind only.
        assert_eq!(db.generation_of(THING), 1);
        assert_eq!(db.generation_of(Entity::new("other")), 0);
        let kind: String = sqlx::query_scalar("SELECT kind FROM changes ORDER BY seq DESC")
            .fetch_one(db.pool())
            .await
            .unwrap();
        assert_eq!(kind, THING.as_str());
    }
}

/// An applier over no indexer: only its place in the feed matters.
fn bare_applier(db: &Db) -> Arc<Applier> {
    Arc::new(Applier::new(
        db.clone(),
        Arc::new(MemorySearch::new()),
        Arc::new(kernel::geo::MemoryGeo::new()),
        Vec::new(),
    ))
}

/// Writes a change of the feed through the write handle; returns its number.
async fn write_change(db: &Db, id: &str) -> i64 {
    let mut w = db.write().await.unwrap();
    w.changed(kernel::db::Entity::new("test"), id, kernel::db::Op::Upsert)
        .await
        .unwrap();
    w.commit().await.unwrap();
    db.last_change().await.unwrap()
}

/// Opens a transaction (a connection of its own) that writes a change.
async fn change_in_transaction(db: &Db) -> sqlx::Transaction<'static, sqlx::Any> {
    let mut tx = db.pool().begin().await.unwrap();
    sqlx::query("INSERT INTO changes (kind, entity_id, op, at) VALUES ('test', 'x', 'upsert', 0)")
        .execute(&mut *tx)
        .await
        .unwrap();
    tx
}

/// Runs rounds of `applier` until it waits for no hole, at most two seconds (transactions of
/// other databases of the server hold its snapshots back a moment).
async fn holes_settle(applier: &Applier, engine: &str) {
    let start = std::time::Instant::now();
    loop {
        applier.apply_new().await.unwrap();
        if applier.open_holes() == 0 {
            return;
        }
        assert!(
            start.elapsed() < std::time::Duration::from_secs(2),
            "{engine}: {} holes still open",
            applier.open_holes()
        );
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
}

#[tokio::test]
async fn a_hole_of_the_feed_is_given_up_once_no_transaction_can_fill_it() {
    for engine in testing::engines() {
        let (url, _) = testing::fresh_database(engine).await;
        let db = Db::connect(&url).await.unwrap();
        db.migrate(kernel::migrations::MIGRATIONS).await.unwrap();
        let applier = bare_applier(&db);
        assert!(
            !applier.built(),
            "{engine}: not built before the start-up build"
        );
        applier.rebuild().await.unwrap();
        assert!(applier.built(), "{engine}");

        // Rolled back at once: the next change is applied, and nothing is waited for.
        change_in_transaction(&db).await.rollback().await.unwrap();
        let seq = write_change(&db, "a").await;
        applier.apply_new().await.unwrap();
        assert!(applier.has_applied(seq), "{engine}");
        holes_settle(&applier, engine).await;
        assert!(applier.caught_up().await.unwrap(), "{engine}");

        if engine == "postgres" {
            // Left open: watched while it runs, applied when it commits…
            let open = change_in_transaction(&db).await;
            let seq = write_change(&db, "b").await;
            applier.apply_new().await.unwrap();
            assert!(applier.has_applied(seq));
            assert_eq!(applier.open_holes(), 1);
            assert!(!applier.has_applied(seq - 1));
            open.commit().await.unwrap();
            assert_eq!(applier.apply_new().await.unwrap(), 1);
            assert!(applier.has_applied(seq - 1));
            assert_eq!(applier.open_holes(), 0);
            // …and given up once it is rolled back.
            let open = change_in_transaction(&db).await;
            write_change(&db, "c").await;
            applier.apply_new().await.unwrap();
            applier.apply_new().await.unwrap();
            assert_eq!(applier.open_holes(), 1, "watched while it runs");
            open.rollback().await.unwrap();
            holes_settle(&applier, engine).await;
            // A node started with a transaction open watches its number.
            let open = change_in_transaction(&db).await;
            let seq = write_change(&db, "d").await;
            let started = bare_applier(&db);
            started.rebuild().await.unwrap();
            assert!(started.has_applied(seq) && !started.has_applied(seq - 1));
            open.rollback().await.unwrap();
            holes_settle(&started, engine).await;
        }

        // A node started after a rollback waits for nothing.
        change_in_transaction(&db).await.rollback().await.unwrap();
        let seq = write_change(&db, "e").await;
        let started = bare_applier(&db);
        started.rebuild().await.unwrap();
        assert!(started.has_applied(seq), "{engine}");
        holes_settle(&started, engine).await;

        // A local write is waited for, and seen applied, as soon as the running applier has it.
        tokio::spawn(started.clone().run());
        let seq = write_change(&db, "f").await;
        assert!(
            started
                .wait_applied(seq, std::time::Duration::from_secs(2))
                .await,
            "{engine}"
        );
    }
}
