//! `territoires backup` and `territoires restore`: the demo instance, backed up while it serves,
//! restores into a new instance (SQLite, PostgreSQL when `TERRITOIRES_TEST_DATABASE_URL` is set,
//! files in S3-compatible storage when `TERRITOIRES_TEST_S3_URL` is) that serves the same pages,
//! the same images byte for byte and holds the same rows; a damaged backup, and a database
//! holding data, are refused with nothing restored; a backup taken while writes go on restores
//! to a consistent state.

use sqlx::Row;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

/// An instance the binary runs against: its data directory, and its database.
struct Instance {
    dir: PathBuf,
    database_url: String,
    /// Settings of its own (where it keeps its files).
    envs: Vec<(&'static str, String)>,
}

impl Instance {
    /// A new instance with an empty database of `engine`.
    async fn new(engine: &str) -> Instance {
        let (database_url, dir) = kernel::testing::fresh_database(engine).await;
        Instance {
            dir,
            database_url,
            envs: Vec::new(),
        }
    }

    /// A new SQLite instance keeping its files in S3-compatible storage, when
    /// `TERRITOIRES_TEST_S3_URL` names one.
    async fn with_s3_files() -> Option<Instance> {
        let (place, access) = kernel::testing::s3_files()?;
        let mut instance = Instance::new("sqlite").await;
        instance.envs = vec![
            ("TERRITOIRES_FILES", place.to_string()),
            ("TERRITOIRES_S3_ENDPOINT", access.endpoint?),
            ("TERRITOIRES_S3_REGION", access.region?),
            ("TERRITOIRES_S3_ACCESS_KEY_ID", access.access_key_id?),
            (
                "TERRITOIRES_S3_SECRET_ACCESS_KEY",
                access.secret_access_key?,
            ),
        ];
        Some(instance)
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_territoires"));
        c.args(args)
            .env("TERRITOIRES_DATA_DIR", &self.dir)
            .env("DATABASE_URL", &self.database_url)
            .env_remove("TERRITOIRES_CONFIG")
            .env_remove("TERRITOIRES_FILES")
            .env("TERRITOIRES_LOG", "error")
            .envs(self.envs.iter().map(|(k, v)| (*k, v.as_str())));
        c
    }

    fn run(&self, args: &[&str]) -> Output {
        self.command(args).output().unwrap()
    }

    /// Runs a command that must succeed; returns what it printed.
    fn ok(&self, args: &[&str]) -> String {
        let o = self.run(args);
        assert!(o.status.success(), "{args:?}: {}", text(&o));
        text(&o)
    }

    /// Runs a command that must fail; returns what it printed.
    fn refused(&self, args: &[&str]) -> String {
        let o = self.run(args);
        assert!(
            !o.status.success(),
            "{args:?} was not refused: {}",
            text(&o)
        );
        text(&o)
    }

    /// Serves the instance on a free port, until dropped.
    async fn serve(&self) -> Server {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let listen = format!("127.0.0.1:{port}");
        let child = self
            .command(&["serve", "--listen", &listen])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let server = Server {
            child,
            base: format!("http://{listen}"),
        };
        for _ in 0..600 {
            if let Ok(r) = reqwest::get(format!("{}/readyz", server.base)).await
                && r.status() == 200
            {
                return server;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        panic!("the server of {} never became ready", self.dir.display());
    }

    async fn db(&self) -> sqlx::AnyPool {
        sqlx::any::install_default_drivers();
        sqlx::AnyPool::connect(&self.database_url).await.unwrap()
    }
}

/// A served instance, stopped when dropped.
struct Server {
    child: Child,
    base: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    /// The status and body of a page.
    async fn get(&self, path: &str) -> (u16, Vec<u8>) {
        let r = reqwest::get(format!("{}{path}", self.base)).await.unwrap();
        (r.status().as_u16(), r.bytes().await.unwrap().to_vec())
    }
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn manifest(dir: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(dir.join("manifest.json")).unwrap()).unwrap()
}

/// Each table's rows, as a manifest says.
fn rows(manifest: &serde_json::Value) -> BTreeMap<String, u64> {
    manifest["tables"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["name"].as_str().unwrap().to_string(),
                t["rows"].as_u64().unwrap(),
            )
        })
        .collect()
}

/// The links of a page, sorted: what it shows, without what changes from one answer to the next.
fn links(body: &[u8]) -> Vec<String> {
    let page = String::from_utf8_lossy(body);
    let mut out: Vec<String> = page
        .split("href=\"")
        .skip(1)
        .filter_map(|s| s.split('"').next())
        .map(str::to_string)
        .collect();
    out.sort();
    out
}

fn backup_dir() -> PathBuf {
    kernel::testing::temp_dir().join("backup")
}

#[tokio::test(flavor = "multi_thread")]
async fn a_backup_restores_into_a_new_instance_that_serves_the_same_pages() {
    let source = Instance::new("sqlite").await;
    source.ok(&["demo", "--scale", "2"]);
    let served = source.serve().await;
    let backup = backup_dir();
    let out = source.ok(&["backup", backup.to_str().unwrap()]);
    assert!(out.contains("Backup written to"), "{out}");
    let taken = manifest(&backup);
    assert_eq!(taken["engine"], "sqlite");
    assert!(taken["files"]["count"].as_u64().unwrap() >= 2, "{taken}");
    assert_eq!(taken["files"]["missing"], serde_json::json!([]), "{taken}");

    let db = source.db().await;
    let process = sqlx::query(
        "SELECT p.slug, p.title, p.image FROM processes p JOIN spaces s ON s.id = p.space_id \
         WHERE s.slug = 'lannion' AND p.image <> '' ORDER BY p.slug LIMIT 1",
    )
    .fetch_one(&db)
    .await
    .unwrap();
    let (slug, title, image): (String, String, String) = (
        process.get("slug"),
        process.get("title"),
        process.get("image"),
    );
    let report: String = sqlx::query_scalar(
        "SELECT r.id FROM reports r JOIN spaces s ON s.id = r.space_id \
         WHERE s.slug = 'montauban' ORDER BY r.id LIMIT 1",
    )
    .fetch_one(&db)
    .await
    .unwrap();
    let image_bytes = std::fs::read(backup.join("files").join(&image)).unwrap();
    let pages = [
        "/".to_string(),
        "/s/lannion".to_string(),
        format!("/s/lannion/processes/{slug}"),
        format!("/s/montauban/reports/{report}"),
        "/search?q=lannion".to_string(),
        "/search?q=conteneur".to_string(),
    ];

    let mut targets = Vec::new();
    for engine in kernel::testing::engines() {
        targets.push((engine, Instance::new(engine).await));
    }
    if let Some(s3) = Instance::with_s3_files().await {
        targets.push(("sqlite with its files in S3", s3));
    }
    for (engine, target) in targets {
        let out = target.ok(&["restore", backup.to_str().unwrap()]);
        assert!(out.contains("Restored from"), "{engine}: {out}");
        // The same rows: the restored instance backs up to the same counts and files.
        let again = backup_dir();
        target.ok(&["backup", again.to_str().unwrap()]);
        let restored = manifest(&again);
        assert_eq!(rows(&restored), rows(&taken), "{engine}");
        assert_eq!(restored["files"], taken["files"], "{engine}");
        assert_eq!(restored["migrations"], taken["migrations"], "{engine}");
        // The same values, to the last bit of every float, whatever the engine.
        for table in rows(&taken).keys() {
            let sorted = |dir: &Path| {
                let text =
                    std::fs::read_to_string(dir.join("tables").join(format!("{table}.ndjson")))
                        .unwrap();
                let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
                lines.sort();
                lines
            };
            assert_eq!(sorted(&again), sorted(&backup), "{engine}: {table}");
        }

        let serving = target.serve().await;
        for page in &pages {
            let (status, body) = served.get(page).await;
            assert_eq!(status, 200, "{page} of the source");
            let (status_again, body_again) = serving.get(page).await;
            assert_eq!(status_again, 200, "{engine}: {page}");
            assert_eq!(links(&body_again), links(&body), "{engine}: {page}");
        }
        let (_, page) = serving.get(&format!("/s/lannion/processes/{slug}")).await;
        assert!(String::from_utf8_lossy(&page).contains(&title), "{engine}");
        let (status, served_image) = serving.get(&format!("/uploads/{image}")).await;
        assert_eq!(status, 200, "{engine}");
        assert_eq!(served_image, image_bytes, "{engine}: {image}");
        let (_, found) = serving.get("/search?q=conteneur").await;
        assert!(
            links(&found).iter().any(|l| l.contains("/reports/")),
            "{engine}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_damaged_backup_or_a_database_holding_data_is_refused_and_nothing_is_restored() {
    let source = Instance::new("sqlite").await;
    source.ok(&["demo", "--scale", "0"]);
    let backup = backup_dir();
    source.ok(&["backup", backup.to_str().unwrap()]);
    let out = source.refused(&["backup", backup.to_str().unwrap()]);
    assert!(out.contains("is not empty"), "{out}");
    let out = source.refused(&["restore", backup.to_str().unwrap()]);
    assert!(out.contains("the database holds data already"), "{out}");

    let copy = |damage: &dyn Fn(&Path)| {
        let damaged = kernel::testing::temp_dir().join("damaged");
        let status = Command::new("cp")
            .args(["-r", backup.to_str().unwrap(), damaged.to_str().unwrap()])
            .status()
            .unwrap();
        assert!(status.success());
        damage(&damaged);
        damaged
    };
    let spaces = |d: &Path| d.join("tables").join("spaces.ndjson");
    let changed_row = copy(&|d| {
        let rows = std::fs::read_to_string(spaces(d)).unwrap();
        std::fs::write(spaces(d), rows.replacen("Lannion", "Lanion", 1)).unwrap();
    });
    let truncated = copy(&|d| {
        let rows = std::fs::read_to_string(spaces(d)).unwrap();
        let kept: Vec<&str> = rows.lines().skip(1).collect();
        std::fs::write(spaces(d), kept.join("\n") + "\n").unwrap();
    });
    let missing_file = copy(&|d| {
        let m = manifest(d);
        let key = m["files"]["list"][0]["key"].as_str().unwrap().to_string();
        std::fs::remove_file(d.join("files").join(key)).unwrap();
    });
    let no_manifest = copy(&|d| std::fs::remove_file(d.join("manifest.json")).unwrap());

    let target = Instance::new("sqlite").await;
    for (damaged, expected) in [
        (&changed_row, "was changed since the backup"),
        (&truncated, "holds 2 row(s), its manifest says 3"),
        (&missing_file, "is missing"),
        (&no_manifest, "is not a complete backup"),
    ] {
        let out = target.refused(&["restore", damaged.to_str().unwrap()]);
        assert!(out.contains(expected), "{expected}: {out}");
    }
    // A file the database names and the storage lost is named by the backup.
    let lost = manifest(&backup)["files"]["list"][0]["key"]
        .as_str()
        .unwrap()
        .to_string();
    std::fs::remove_file(source.dir.join("uploads").join(&lost)).unwrap();
    let partial = backup_dir();
    let out = source.ok(&["backup", partial.to_str().unwrap()]);
    assert!(
        out.contains("1 file(s) named by the database were not in"),
        "{out}"
    );
    assert_eq!(
        manifest(&partial)["files"]["missing"],
        serde_json::json!([lost])
    );

    // Nothing was restored: the good backup restores whole into the same database.
    target.ok(&["restore", backup.to_str().unwrap()]);
    let db = target.db().await;
    let spaces: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM spaces")
        .fetch_one(&db)
        .await
        .unwrap();
    assert_eq!(spaces as u64, rows(&manifest(&backup))["spaces"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_backup_taken_while_writes_go_on_restores_to_a_consistent_state() {
    for engine in kernel::testing::engines() {
        let source = Arc::new(Instance::new(engine).await);
        source.ok(&["demo", "--scale", "0"]);
        let stop = Arc::new(AtomicBool::new(false));
        let written = Arc::new(AtomicUsize::new(0));
        let writer = {
            let (source, stop, written) = (source.clone(), stop.clone(), written.clone());
            std::thread::spawn(move || {
                let file = source.dir.join("acteurs.csv");
                while !stop.load(Ordering::SeqCst) {
                    let n = written.load(Ordering::SeqCst);
                    std::fs::write(
                    &file,
                    format!(
                        "name,kind,short_description,commune,lat,long,themes\n\
                         Atelier numérique {n},fablab,Un atelier ouvert à tous,22113,48.73,-3.45,education\n\
                         Tiers-lieu {n},third_place,Un tiers-lieu,22113,48.74,-3.46,participation\n"
                    ),
                )
                .unwrap();
                    source.ok(&["import", "actors", file.to_str().unwrap()]);
                    written.fetch_add(1, Ordering::SeqCst);
                }
            })
        };
        while written.load(Ordering::SeqCst) < 2 {
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        let mut backups = Vec::new();
        let before = written.load(Ordering::SeqCst);
        while backups.len() < 3 || written.load(Ordering::SeqCst) < before + 2 {
            let backup = backup_dir();
            source.ok(&["backup", backup.to_str().unwrap()]);
            backups.push(backup);
        }
        stop.store(true, Ordering::SeqCst);
        writer.join().unwrap();

        for backup in &backups {
            // Every file the snapshot names was copied.
            assert_eq!(manifest(backup)["files"]["missing"], serde_json::json!([]));
            let taken = rows(&manifest(backup));
            let target = Instance::new(engine).await;
            target.ok(&["restore", backup.to_str().unwrap()]);
            let db = target.db().await;
            // Every change of the feed names an actor that is there, and each actor has its change.
            let orphans: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM changes c WHERE c.kind = 'actor' \
             AND NOT EXISTS (SELECT 1 FROM actors a WHERE a.id = c.entity_id)",
            )
            .fetch_one(&db)
            .await
            .unwrap();
            assert_eq!(orphans, 0, "{engine}: {}", backup.display());
            let unchanged: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM actors a WHERE NOT EXISTS \
             (SELECT 1 FROM changes c WHERE c.kind = 'actor' AND c.entity_id = a.id)",
            )
            .fetch_one(&db)
            .await
            .unwrap();
            assert_eq!(unchanged, 0, "{engine}: {}", backup.display());
            for table in ["actors", "changes", "audit_log"] {
                let n: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
                    "SELECT COUNT(*) FROM {table}"
                )))
                .fetch_one(&db)
                .await
                .unwrap();
                assert_eq!(
                    n as u64,
                    taken[table],
                    "{engine}: {table} of {}",
                    backup.display()
                );
            }
        }
        // The writes went on between the backups: they do not all hold the same rows.
        let first = rows(&manifest(&backups[0]))["actors"];
        let last = rows(&manifest(backups.last().unwrap()))["actors"];
        assert!(last > first, "{engine}: {first} then {last} actors");
    }
}

/// Rewrites a table of a backup, and its manifest's line, as a backup of those rows would be.
fn rewrite_table(backup: &Path, table: &str, rows: &[String]) {
    use sha2::Digest;
    let text: String = rows.iter().map(|r| format!("{r}\n")).collect();
    std::fs::write(backup.join("tables").join(format!("{table}.ndjson")), &text).unwrap();
    let mut m = manifest(backup);
    for t in m["tables"].as_array_mut().unwrap() {
        if t["name"] == table {
            t["rows"] = serde_json::json!(rows.len());
            t["sha256"] = serde_json::json!(kernel::ids::hex(&sha2::Sha256::digest(&text)));
        }
    }
    std::fs::write(backup.join("manifest.json"), m.to_string()).unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn replies_before_their_comments_restore_and_a_reply_without_its_comment_is_refused() {
    let source = Instance::new("sqlite").await;
    source.ok(&["demo", "--scale", "0"]);
    let backup = backup_dir();
    source.ok(&["backup", backup.to_str().unwrap()]);
    let columns = manifest(&backup)["tables"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "comments")
        .unwrap()["columns"]
        .clone();
    let parent = columns
        .as_array()
        .unwrap()
        .iter()
        .position(|c| c == "parent_id")
        .unwrap();
    let rows: Vec<String> = std::fs::read_to_string(backup.join("tables/comments.ndjson"))
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect();
    let is_reply = |row: &String| {
        let values: Vec<serde_json::Value> = serde_json::from_str(row).unwrap();
        !values[parent].is_null() && values[parent] != ""
    };
    let (replies, comments): (Vec<String>, Vec<String>) = rows.into_iter().partition(is_reply);
    assert!(!replies.is_empty(), "the demo has replies");
    let replies_first: Vec<String> = replies.iter().chain(&comments).cloned().collect();
    rewrite_table(&backup, "comments", &replies_first);
    for engine in kernel::testing::engines() {
        let target = Instance::new(engine).await;
        target.ok(&["restore", backup.to_str().unwrap()]);
    }

    // The comment the first reply answers is left out.
    let answered: Vec<serde_json::Value> = serde_json::from_str(&replies[0]).unwrap();
    let without: Vec<String> = replies_first
        .iter()
        .filter(|r| {
            let values: Vec<serde_json::Value> = serde_json::from_str(r).unwrap();
            values[0] != answered[parent]
        })
        .cloned()
        .collect();
    assert_eq!(without.len() + 1, replies_first.len());
    rewrite_table(&backup, "comments", &without);
    for engine in kernel::testing::engines() {
        let target = Instance::new(engine).await;
        let out = target.refused(&["restore", backup.to_str().unwrap()]);
        assert!(
            out.contains("the backup is not consistent"),
            "{engine}: {out}"
        );
        let db = target.db().await;
        let spaces: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM spaces")
            .fetch_one(&db)
            .await
            .unwrap();
        assert_eq!(spaces, 0, "{engine}: nothing was restored");
    }
}
