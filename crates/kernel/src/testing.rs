//! Support for the test suites: a fresh database for each test, on SQLite always and on
//! PostgreSQL when `TERRITOIRES_TEST_DATABASE_URL` is set.

use sqlx::{Connection, Executor};
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

static COUNTER: AtomicUsize = AtomicUsize::new(0);
static CLEANED: tokio::sync::OnceCell<()> = tokio::sync::OnceCell::const_new();

/// The engines the suites run on: SQLite, and PostgreSQL when configured.
pub fn engines() -> Vec<&'static str> {
    let mut e = vec!["sqlite"];
    if std::env::var("TERRITOIRES_TEST_DATABASE_URL").is_ok_and(|u| !u.is_empty()) {
        e.push("postgres");
    }
    e
}

/// The S3-compatible storage of the suites, when `TERRITOIRES_TEST_S3_URL` names one
/// (`http://127.0.0.1:PORT/BUCKET`, its bucket made already; any key is taken): a fresh prefix
/// of the bucket, so that each test sees only its own files, and how to reach it.
pub fn s3_files() -> Option<(crate::config::Files, crate::config::S3Access)> {
    let url = std::env::var("TERRITOIRES_TEST_S3_URL").ok()?;
    let (endpoint, bucket) = url.trim().trim_end_matches('/').rsplit_once('/')?;
    Some((
        crate::config::Files::S3 {
            bucket: bucket.to_string(),
            prefix: format!("test-{}", crate::ids::new_id().to_lowercase()),
        },
        crate::config::S3Access {
            endpoint: Some(endpoint.to_string()),
            region: Some("us-east-1".into()),
            access_key_id: Some("test".into()),
            secret_access_key: Some("test".into()),
        },
    ))
}

/// A new empty data directory under the system's temporary directory.
pub fn temp_dir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "territoires-test-{}-{}-{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::SeqCst),
        crate::ids::new_id()
    ));
    let _ = std::fs::create_dir_all(&dir);
    dir
}

/// The URL of a new empty database of the engine (`sqlite` or `postgres`), with the data
/// directory beside it.
pub async fn fresh_database(engine: &str) -> (String, PathBuf) {
    let dir = temp_dir();
    if engine == "sqlite" {
        return (
            format!("sqlite://{}", dir.join("territoires.db").display()),
            dir,
        );
    }
    #[allow(clippy::expect_used)]
    let admin_url =
        std::env::var("TERRITOIRES_TEST_DATABASE_URL").expect("TERRITOIRES_TEST_DATABASE_URL");
    sqlx::any::install_default_drivers();
    #[allow(clippy::expect_used)]
    let mut conn = sqlx::AnyConnection::connect(&admin_url)
        .await
        .expect("the test PostgreSQL server answers");
    let pid = std::process::id();
    CLEANED
        .get_or_init(|| async {
            // Databases left by earlier runs of the suites; never those of this process.
            let rows: Vec<String> = sqlx::query_scalar(
                "SELECT datname FROM pg_database WHERE datname LIKE 'territoires_test_%'",
            )
            .fetch_all(&mut conn)
            .await
            .unwrap_or_default();
            for name in rows
                .into_iter()
                .filter(|n| !n.starts_with(&format!("territoires_test_{pid}_")))
            {
                let _ = conn
                    .execute(sqlx::AssertSqlSafe(format!(
                        "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                    )))
                    .await;
            }
        })
        .await;
    let name = format!(
        "territoires_test_{pid}_{}",
        COUNTER.fetch_add(1, Ordering::SeqCst)
    );
    #[allow(clippy::expect_used)]
    conn.execute(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .await
        .expect("the test database can be created");
    let base = admin_url
        .rsplit_once('/')
        .map(|(b, _)| b)
        .unwrap_or(&admin_url);
    (format!("{base}/{name}"), dir)
}

/// A PNG whose header announces `w`×`h` pixels of 16-bit RGBA and whose data is a few bytes: it
/// would decode to `w × h × 8` bytes (a decompression bomb, for the tests of uploads).
pub fn png_bomb(w: u32, h: u32) -> Vec<u8> {
    fn chunk(out: &mut Vec<u8>, kind: &[u8], data: &[u8]) {
        out.extend((data.len() as u32).to_be_bytes());
        let mut body = kind.to_vec();
        body.extend_from_slice(data);
        out.extend_from_slice(&body);
        out.extend(crc32fast::hash(&body).to_be_bytes());
    }
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = Vec::new();
    ihdr.extend(w.to_be_bytes());
    ihdr.extend(h.to_be_bytes());
    ihdr.extend([16, 6, 0, 0, 0]);
    chunk(&mut out, b"IHDR", &ihdr);
    chunk(
        &mut out,
        b"IDAT",
        &[0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01],
    );
    chunk(&mut out, b"IEND", &[]);
    out
}

/// A confirmed account with these grants, for the tests of permissions.
pub fn user_with(grants: Vec<crate::accounts::Grant>) -> crate::accounts::User {
    crate::accounts::User {
        id: "u".into(),
        email: "e@x.fr".into(),
        display_name: "U".into(),
        lang: Default::default(),
        confirmed: true,
        grants,
    }
}
