//! `spawn_app()`: the real application on port 0 with a fresh data directory and database, and
//! a cookie-keeping client that fills in the CSRF token of forms.

#![allow(dead_code)]

use kernel::config::{Config, FileConfig, Overrides};
use reqwest::cookie::CookieStore;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

/// The key of the authenticator app of the suites' instance administrators (who sign in with a
/// second factor), the demo's.
pub const ADMIN_TOTP: &str = kernel::demo::DEMO_ADMIN_TOTP;

/// The last time step whose code each account took, by database and address: a code is taken
/// once, so each sign-in uses a later step.
static TOTP_STEPS: std::sync::Mutex<Vec<(String, u64)>> = std::sync::Mutex::new(Vec::new());

pub struct TestApp {
    pub addr: SocketAddr,
    pub base: String,
    pub client: reqwest::Client,
    pub jar: Arc<reqwest::cookie::Jar>,
    pub data_dir: PathBuf,
    pub state: kernel::AppState,
    pub engine: &'static str,
    /// How many mails to each address the test has taken, shared by the clients of one app.
    pub seen_mails: Arc<std::sync::Mutex<std::collections::HashMap<String, usize>>>,
}

pub async fn spawn_app(engine: &'static str) -> TestApp {
    spawn_app_with(engine, |_| {}).await
}

pub async fn spawn_app_with(engine: &'static str, tweak: impl FnOnce(&mut Overrides)) -> TestApp {
    let (url, data_dir) = kernel::testing::fresh_database(engine).await;
    let mut overrides = Overrides {
        listen: Some("127.0.0.1:0".into()),
        data_dir: Some(data_dir.clone()),
        database_url: Some(url),
        // Stories register many accounts from one address; the limits' own tests set them back.
        limits: Some(kernel::config::Limits {
            reports_per_hour: 1000,
            registrations_per_hour: 1000,
            resets_per_hour: 1000,
            mails_per_address_per_hour: 1000,
            conversation_writes_per_hour: 1000,
        }),
        ..Default::default()
    };
    tweak(&mut overrides);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    if overrides.base_url.is_none() {
        overrides.base_url = Some(format!("http://{addr}"));
    }
    let config = Config::resolve(overrides, FileConfig::default()).unwrap();
    let (router, state) = territoires::app(config).await.unwrap();
    tokio::spawn(async move {
        axum::serve(
            listener,
            router.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await
        .unwrap();
    });
    let jar = Arc::new(reqwest::cookie::Jar::default());
    TestApp {
        addr,
        base: format!("http://{addr}"),
        client: client(jar.clone()),
        jar,
        data_dir,
        state,
        engine,
        seen_mails: Default::default(),
    }
}

pub fn client(jar: Arc<reqwest::cookie::Jar>) -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_provider(jar)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client.get(self.url(path)).send().await.unwrap()
    }

    pub async fn get_text(&self, path: &str) -> (u16, String) {
        let r = self.get(path).await;
        (r.status().as_u16(), r.text().await.unwrap())
    }

    /// The JSON document served at `path`.
    pub async fn get_json(&self, path: &str) -> serde_json::Value {
        self.get(path).await.json().await.unwrap()
    }

    /// The names of the fields the Table Schema served at `path` declares, in order.
    pub async fn schema_fields(&self, path: &str) -> Vec<String> {
        self.get_json(path).await["fields"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["name"].as_str().unwrap().to_string())
            .collect()
    }

    /// The value of a cookie the client holds.
    pub fn cookie(&self, name: &str) -> Option<String> {
        let url = self.base.parse().unwrap();
        let header = self.jar.cookies(&url)?;
        header
            .to_str()
            .ok()?
            .split("; ")
            .filter_map(|p| p.split_once('='))
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.to_string())
    }

    /// The CSRF token, fetching a page first when the client has none yet.
    pub async fn csrf(&self) -> String {
        if let Some(t) = self.cookie("csrf") {
            return t;
        }
        self.get("/login").await;
        self.cookie("csrf")
            .expect("the csrf cookie is set on a first page")
    }

    /// Posts a form with the CSRF token added.
    pub async fn post_form(&self, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        let token = self.csrf().await;
        let mut form: Vec<(&str, &str)> = fields.to_vec();
        form.push(("_csrf", &token));
        self.client
            .post(self.url(path))
            .form(&form)
            .send()
            .await
            .unwrap()
    }

    /// Posts a multipart form (the CSRF token in the address) with files: (field, file name,
    /// bytes).
    pub async fn post_multipart(
        &self,
        path: &str,
        fields: &[(&str, &str)],
        files: &[(&str, &str, Vec<u8>)],
    ) -> reqwest::Response {
        let token = self.csrf().await;
        // As a page's form sends it: the token first among the fields, never in the address.
        let mut form = reqwest::multipart::Form::new().text("_csrf", token);
        for (k, v) in fields {
            form = form.text(k.to_string(), v.to_string());
        }
        for (field, name, bytes) in files {
            form = form.part(
                field.to_string(),
                reqwest::multipart::Part::bytes(bytes.clone()).file_name(name.to_string()),
            );
        }
        self.client
            .post(self.url(path))
            .multipart(form)
            .send()
            .await
            .unwrap()
    }

    /// The mails of the queue, whatever became of them, oldest first.
    pub async fn mails(&self) -> Vec<kernel::mail::OutboxMail> {
        let (mut m, _) = kernel::mail::queue::page(self.state.db(), 0, 1_000_000)
            .await
            .unwrap();
        m.reverse();
        m
    }

    /// The next mail queued to `to` (waits for it, up to five seconds). Each call takes one
    /// more mail.
    pub async fn next_mail_to(&self, to: &str) -> kernel::mail::OutboxMail {
        let already = {
            let seen = self.seen_mails.lock().unwrap();
            seen.get(to).copied().unwrap_or(0)
        };
        for _ in 0..250 {
            let mails: Vec<_> = self
                .mails()
                .await
                .into_iter()
                .filter(|m| m.to == to)
                .collect();
            if mails.len() > already {
                self.seen_mails
                    .lock()
                    .unwrap()
                    .insert(to.to_string(), already + 1);
                return mails[already].clone();
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        panic!("no new mail to {to}");
    }

    /// The first link to this server in the next mail sent to `to`.
    pub async fn link_in_last_mail_to(&self, to: &str) -> String {
        let mail = self.next_mail_to(to).await;
        mail.body
            .split_whitespace()
            .find(|w| w.starts_with(&self.base))
            .expect("the mail holds a link")
            .trim_start_matches(&self.base)
            .to_string()
    }

    /// Registers, confirms through the mailed link and logs in; returns the user id.
    pub async fn register_and_login(&self, email: &str, name: &str) -> String {
        let r = self
            .post_form(
                "/register",
                &[
                    ("display_name", name),
                    ("email", email),
                    ("password", "Lannion-2026"),
                    ("terms", "yes"),
                ],
            )
            .await;
        assert_eq!(r.status(), 200);
        let link = self.link_in_last_mail_to(email).await;
        let (status, _) = self.get_text(&link).await;
        assert_eq!(status, 200);
        self.login(email, "Lannion-2026").await;
        self.user_id(email).await
    }

    pub async fn login(&self, email: &str, password: &str) {
        let r = self
            .post_form("/login", &[("email", email), ("password", password)])
            .await;
        assert_eq!(r.status(), 303, "login of {email}");
    }

    pub async fn user_id(&self, email: &str) -> String {
        let db = self.state.db();
        let email = kernel::accounts::Email::parse(email).unwrap();
        kernel::accounts::store::user_by_email(db, &email)
            .await
            .unwrap()
            .unwrap()
            .id
    }

    /// A second client on the same app, with its own cookies.
    pub fn other_client(&self) -> TestApp {
        let jar = Arc::new(reqwest::cookie::Jar::default());
        TestApp {
            addr: self.addr,
            base: self.base.clone(),
            client: client(jar.clone()),
            jar,
            data_dir: self.data_dir.clone(),
            state: self.state.clone(),
            engine: self.engine,
            seen_mails: self.seen_mails.clone(),
        }
    }

    /// Makes every mail queued from now on fail (`refusing`), as a full disk or a lost
    /// connection would, or lets mail be queued again: a change that queues a mail is then
    /// refused whole.
    pub async fn refuse_mail(&self, refusing: bool) {
        let sql = match (self.engine, refusing) {
            ("sqlite", true) => {
                "CREATE TRIGGER no_mail BEFORE INSERT ON mail_queue \
                 BEGIN SELECT RAISE(ABORT, 'no mail'); END"
            }
            ("sqlite", false) => "DROP TRIGGER no_mail",
            (_, true) => {
                "CREATE FUNCTION no_mail() RETURNS trigger LANGUAGE plpgsql AS \
                 $$ BEGIN RAISE EXCEPTION 'no mail'; END $$; \
                 CREATE TRIGGER no_mail BEFORE INSERT ON mail_queue \
                 FOR EACH ROW EXECUTE FUNCTION no_mail()"
            }
            (_, false) => "DROP TRIGGER no_mail ON mail_queue; DROP FUNCTION no_mail()",
        };
        sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
            .execute(self.state.db().pool())
            .await
            .unwrap();
    }

    pub async fn count(&self, table: &str) -> i64 {
        use sqlx::Row;
        sqlx::query(sqlx::AssertSqlSafe(format!("SELECT COUNT(*) FROM {table}")))
            .fetch_one(self.state.db().pool())
            .await
            .unwrap()
            .get(0)
    }

    /// Adds the space `slug` named `name` for the territory `territory` (`commune/22113`);
    /// returns its id.
    pub async fn with_space(&self, slug: &str, name: &str, territory: &str) -> String {
        let input = kernel::spaces::model::SpaceFields {
            slug: slug.into(),
            name: name.into(),
            territory: territory.into(),
            ..Default::default()
        }
        .parse()
        .unwrap();
        kernel::spaces::store::create(self.state.db(), &input, None, None)
            .await
            .unwrap()
            .id
    }

    /// Signs this client in as an instance administrator and adds the space `lannion` with the
    /// process `slug` titled `title`, through its form, and publishes it; returns the process's
    /// address.
    pub async fn with_process(&self, slug: &str, title: &str) -> String {
        let url = self.with_draft_process(slug, title).await;
        let r = self.post_form(&format!("{url}/publish"), &[]).await;
        assert_eq!(r.status(), 303);
        url
    }

    /// As [`with_process`](Self::with_process), the process left a draft.
    pub async fn with_draft_process(&self, slug: &str, title: &str) -> String {
        self.login_as_admin().await;
        self.with_space("lannion", "Lannion participe", "commune/22113")
            .await;
        let r = self
            .post_form(
                "/s/lannion/processes/new",
                &[("title", title), ("slug", slug)],
            )
            .await;
        assert_eq!(r.status(), 303);
        format!("/s/lannion/processes/{slug}")
    }

    /// Another client, registered and signed in as `email` (shown as `name`), holding `role`
    /// in the space `space` (its id); returns it with its account id.
    pub async fn signed_in(
        &self,
        email: &str,
        name: &str,
        role: kernel::accounts::Role,
        space: &str,
    ) -> (TestApp, String) {
        let client = self.other_client();
        let id = client.register_and_login(email, name).await;
        kernel::accounts::store::grant(self.state.db(), &id, role, Some(space), None)
            .await
            .unwrap();
        (client, id)
    }

    /// Passes the second factor of the sign-in this client waits on, as `email` whose app has
    /// the key `secret`: with the code of a step after the last one the account took, waiting
    /// for it when the steps around now are used.
    pub async fn pass_second_factor(&self, email: &str, secret: &str) {
        let key = format!("{}|{email}", self.state.config().database_url);
        let take = || {
            let now = (kernel::ids::now_ms() / 1000 / 30) as u64;
            let mut steps = TOTP_STEPS.lock().unwrap();
            let last = steps.iter().find(|(k, _)| *k == key).map_or(0, |(_, s)| *s);
            let step = (last + 1).max(now - 1);
            (step <= now + 1).then(|| {
                steps.retain(|(k, _)| *k != key);
                steps.push((key.clone(), step));
                step
            })
        };
        let step = loop {
            match take() {
                Some(step) => break step,
                None => tokio::time::sleep(std::time::Duration::from_millis(500)).await,
            }
        };
        let code = kernel::accounts::second_factor::code_at(secret, step * 30).unwrap();
        let r = self.post_form("/login/code", &[("code", &code)]).await;
        assert_eq!(r.status(), 303, "second factor of {email}");
    }

    /// Makes an instance administrator and logs this client in as them.
    pub async fn login_as_admin(&self) -> String {
        let db = self.state.db();
        let email = kernel::accounts::Email::parse("admin@test.fr").unwrap();
        let hash = kernel::accounts::hash_password(
            &kernel::accounts::Password::parse("Admin-Test-2026").unwrap(),
        )
        .unwrap();
        let id = kernel::accounts::store::create_admin_user(
            db,
            &email,
            &hash,
            &kernel::accounts::DisplayName::parse("Admin").unwrap(),
        )
        .await
        .unwrap();
        kernel::accounts::second_factor::set_up_with(db, &id, ADMIN_TOTP)
            .await
            .unwrap();
        self.login("admin@test.fr", "Admin-Test-2026").await;
        self.pass_second_factor("admin@test.fr", ADMIN_TOTP).await;
        id
    }
}

/// The places a node may keep its files, each with the database engine it is tried with: the
/// data directory and the database on SQLite, the database on PostgreSQL when the suite has
/// one, and S3-compatible storage when `TERRITOIRES_TEST_S3_URL` names one.
pub fn file_places() -> Vec<(&'static str, &'static str)> {
    let mut out = vec![("sqlite", "dir"), ("sqlite", "database")];
    if kernel::testing::engines().contains(&"postgres") {
        out.push(("postgres", "database"));
    }
    if kernel::testing::s3_files().is_some() {
        out.push(("sqlite", "s3"));
    }
    out
}

/// A node on a fresh database of `engine` that keeps its files in `place` (`dir`, `database`,
/// or `s3`: a fresh prefix of the suite's bucket).
pub async fn spawn_app_keeping_files(engine: &'static str, place: &str) -> TestApp {
    let s3 = kernel::testing::s3_files();
    spawn_app_with(engine, |o| match (place, s3) {
        ("s3", Some((files, access))) => {
            o.files = Some(files.to_string());
            o.s3 = access;
        }
        ("s3", None) => panic!("TERRITOIRES_TEST_S3_URL names no storage"),
        (other, _) => o.files = Some(other.to_string()),
    })
    .await
}

/// Runs a test body on every place a node may keep its files (see [`file_places`]).
#[macro_export]
macro_rules! on_every_file_place {
    ($name:ident, $body:expr) => {
        #[tokio::test]
        async fn $name() {
            for (engine, place) in $crate::common::file_places() {
                let app = $crate::common::spawn_app_keeping_files(engine, place).await;
                let f: fn(
                    $crate::common::TestApp,
                ) -> std::pin::Pin<Box<dyn std::future::Future<Output = ()>>> = $body;
                f(app).await;
            }
        }
    };
}

/// Runs a test body on every engine of the suite.
#[macro_export]
macro_rules! on_every_engine {
    ($name:ident, $body:expr) => {
        #[tokio::test]
        async fn $name() {
            for engine in kernel::testing::engines() {
                let app = $crate::common::spawn_app(engine).await;
                let f: fn(
                    $crate::common::TestApp,
                ) -> std::pin::Pin<Box<dyn std::future::Future<Output = ()>>> = $body;
                f(app).await;
            }
        }
    };
}

/// Checks that a form was taken (303, else the page is shown) and returns where it leads.
pub async fn redirected_to(r: reqwest::Response) -> String {
    assert_eq!(r.status(), 303, "{:?}", r.text().await);
    r.headers()["location"].to_str().unwrap().to_string()
}

/// Checks that a form was refused (422) with a page naming every one of `problems`.
pub async fn assert_refused_naming(r: reqwest::Response, problems: &[&str]) {
    assert_eq!(r.status(), 422);
    let page = r.text().await.unwrap();
    for text in problems {
        assert!(page.contains(text), "{text}: {page}");
    }
}

/// The stored name of the first attachment a page links under an item's address.
pub fn attachment_in(page: &str, item: &str) -> String {
    page.split(&format!("{item}/attachments/"))
        .nth(1)
        .and_then(|s| s.split('"').next())
        .expect("an attachment is listed")
        .to_string()
}

/// How many files the upload store holds (photos, logos and attachments), wherever the node
/// keeps them.
pub async fn stored_files(app: &TestApp) -> usize {
    use futures_util::StreamExt;
    app.state
        .uploads()
        .files()
        .list()
        .map(|f| f.unwrap())
        .count()
        .await
}

/// The value of the first `kept_attachment` field of a form page.
pub fn kept_attachment_in(page: &str) -> String {
    page.split("name=\"kept_attachment\" value=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .expect("a file is kept in the form")
        .to_string()
}
