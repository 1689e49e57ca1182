//! A voting load against a real server process: the durability test and the ballot benchmark
//! share it.

#![allow(dead_code)]

use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// A fresh database of an engine with every migration and the referential, its
/// configuration and its data directory: what a benchmark fills before starting a server.
pub async fn fresh_instance(
    engine: &str,
) -> (
    kernel::config::Config,
    kernel::db::Db,
    String,
    std::path::PathBuf,
) {
    let (url, dir) = kernel::testing::fresh_database(engine).await;
    let config = kernel::config::Config::resolve(
        kernel::config::Overrides {
            data_dir: Some(dir.clone()),
            database_url: Some(url.clone()),
            ..Default::default()
        },
        Default::default(),
    )
    .unwrap();
    let db = kernel::open_database(&config, &territoires::components())
        .await
        .unwrap();
    kernel::ensure_territories(&db).await.unwrap();
    (config, db, url, dir)
}

/// A fresh database of `engine` as it was before conversations could belong to the network (the
/// migration `conversations/0002` not applied), with the referential, the space `lannion` and
/// its process `avenir`; returns the database and the process's id.
pub async fn before_network_conversations(engine: &str) -> (kernel::db::Db, String) {
    let (url, dir) = kernel::testing::fresh_database(engine).await;
    let config = kernel::config::Config::resolve(
        kernel::config::Overrides {
            data_dir: Some(dir),
            database_url: Some(url),
            ..Default::default()
        },
        Default::default(),
    )
    .unwrap();
    let mut components = territoires::components();
    for c in components.iter_mut().filter(|c| c.name == "conversations") {
        c.migrations = &conversations::MIGRATIONS[..1];
    }
    let db = kernel::open_database(&config, &components).await.unwrap();
    kernel::ensure_territories(&db).await.unwrap();
    let process = space_and_process(&db).await;
    (db, process)
}

/// The space `lannion` and its process `avenir`; returns the process's id.
pub async fn space_and_process(db: &kernel::db::Db) -> String {
    let space = kernel::spaces::store::create(
        db,
        &kernel::spaces::model::SpaceFields {
            slug: "lannion".into(),
            name: "Lannion".into(),
            territory: "commune/22113".into(),
            ..Default::default()
        }
        .parse()
        .unwrap(),
        None,
        None,
    )
    .await
    .unwrap();
    let process = participation::store::create(
        db,
        &space.id,
        &participation::ProcessFields {
            slug: "avenir".into(),
            title: "L'avenir".into(),
            ..Default::default()
        }
        .parse()
        .unwrap(),
        "test",
    )
    .await
    .unwrap();
    participation::store::publish(db, &process.id, "test")
        .await
        .unwrap();
    process.id
}

/// The numbers among a benchmark's arguments, in order (sizes, then seconds).
pub fn number_args() -> Vec<u64> {
    std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect()
}

/// The engine a benchmark's arguments name: `postgres` when one of them says so, else `sqlite`.
pub fn engine_arg() -> &'static str {
    if std::env::args().skip(1).any(|a| a == "postgres") {
        "postgres"
    } else {
        "sqlite"
    }
}

/// Starts a release server on a filled database and says when its indexes are built and
/// what memory it holds then; returns the server and its address.
pub async fn serve_filled(dir: &std::path::Path, url: &str) -> (Child, String) {
    let (server, port, ready) = serve(dir, url).await;
    println!(
        "server ready (indexes built) in {:.1} s, RSS {} MB (peak {} MB)",
        ready.as_secs_f64(),
        rss_kb(server.id()) / 1024,
        peak_rss_kb(server.id()) / 1024
    );
    (server, format!("http://127.0.0.1:{port}"))
}

/// Starts `territoires serve` on a free port and waits until it is ready: the process, its
/// port, and how long it took to be ready.
pub async fn serve(dir: &std::path::Path, url: &str) -> (Child, u16, Duration) {
    let port = free_port();
    let t = std::time::Instant::now();
    let server = start(dir, url, port);
    wait_ready(&reqwest::Client::new(), port).await;
    (server, port, t.elapsed())
}

/// A free port on the loopback address.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Starts `territoires serve` on a data directory and database.
pub fn start(dir: &std::path::Path, url: &str, port: u16) -> Child {
    Command::new(env!("CARGO_BIN_EXE_territoires"))
        .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
        .env("TERRITOIRES_DATA_DIR", dir)
        .env("DATABASE_URL", url)
        .env_remove("TERRITOIRES_CONFIG")
        .env("TERRITOIRES_LOG", "error")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

/// Waits until the server answers `/readyz`.
pub async fn wait_ready(client: &reqwest::Client, port: u16) {
    for _ in 0..600 {
        if let Ok(r) = client
            .get(format!("http://127.0.0.1:{port}/readyz"))
            .send()
            .await
            && r.status() == 200
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the server did not become ready");
}

/// A fresh database of `engine` holding an open vote with `codes` invitation codes.
pub async fn prepare(
    engine: &str,
    codes: usize,
) -> (String, std::path::PathBuf, votes::testing::OpenVote) {
    let (_, db, url, dir) = fresh_instance(engine).await;
    let vote = votes::testing::open_vote_with_codes(&db, codes)
        .await
        .unwrap();
    db.pool().close().await;
    (url, dir, vote)
}

/// Voters casting ballots, each with the next unused code, until `stop` or the codes run out.
pub struct Load {
    /// The codes whose ballot the server acknowledged with a receipt.
    pub acknowledged: Arc<Mutex<Vec<String>>>,
    /// Set to stop the voters.
    pub stop: Arc<AtomicBool>,
    voters: Vec<tokio::task::JoinHandle<()>>,
}

impl Load {
    /// Starts `n` concurrent voters.
    pub fn start(port: u16, vote: &votes::testing::OpenVote, n: usize) -> Load {
        let client = reqwest::Client::new();
        // The CSRF check is the double-submit of a cookie and a field (of at least 32
        // characters): one token serves all.
        let token = "load-test-token-load-test-token-0";
        let acknowledged = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let codes = Arc::new(vote.codes.clone());
        let next = Arc::new(AtomicUsize::new(0));
        let voters = (0..n)
            .map(|i| {
                let (client, acknowledged, stop, codes, next) = (
                    client.clone(),
                    acknowledged.clone(),
                    stop.clone(),
                    codes.clone(),
                    next.clone(),
                );
                let target = format!("http://127.0.0.1:{port}{}/cast", vote.url);
                let option = vote.options[i % vote.options.len()].clone();
                tokio::spawn(async move {
                    while !stop.load(Ordering::SeqCst) {
                        let i = next.fetch_add(1, Ordering::SeqCst);
                        let Some(code) = codes.get(i) else { break };
                        let sent = client
                            .post(&target)
                            .header("cookie", format!("csrf={token}"))
                            .form(&[
                                ("_csrf", token),
                                ("code", code.as_str()),
                                ("q1", option.as_str()),
                            ])
                            .send()
                            .await;
                        if let Ok(r) = sent
                            && r.status() == 200
                            && r.text().await.is_ok_and(|t| t.contains("id=\"tracker\""))
                        {
                            acknowledged.lock().unwrap().push(code.clone());
                        }
                    }
                })
            })
            .collect();
        Load {
            acknowledged,
            stop,
            voters,
        }
    }

    /// How many ballots were acknowledged so far.
    pub fn count(&self) -> usize {
        self.acknowledged.lock().unwrap().len()
    }

    /// Stops the voters and returns the acknowledged codes.
    pub async fn finish(self) -> Vec<String> {
        self.stop.store(true, Ordering::SeqCst);
        for v in self.voters {
            v.await.unwrap();
        }
        self.acknowledged.lock().unwrap().clone()
    }
}

/// A fresh database of `engine` holding the demo's `montauban` space with its reporting
/// categories and client application (key `reports::demo::DEMO_API_KEY`).
pub async fn prepare_reports(engine: &str) -> (String, std::path::PathBuf) {
    let (_, db, url, dir) = fresh_instance(engine).await;
    let input = kernel::spaces::model::SpaceFields {
        slug: "montauban".into(),
        name: "Montauban".into(),
        territory: "commune/82121".into(),
        ..Default::default()
    }
    .parse()
    .unwrap();
    kernel::spaces::store::create(&db, &input, None, None)
        .await
        .unwrap();
    reports::demo::seed(kernel::demo::Demo::new(db.clone(), &dir))
        .await
        .unwrap();
    db.pool().close().await;
    (url, dir)
}

/// Submits one report through Open311 with an idempotency key; the new report's id when the
/// server acknowledged it (201).
pub async fn submit_report(client: &reqwest::Client, port: u16, key: &str) -> Option<String> {
    let r = client
        .post(format!("http://127.0.0.1:{port}/open311/v2/requests.json"))
        .header("Idempotency-Key", key)
        .form(&[
            ("jurisdiction_id", "montauban"),
            ("api_key", reports::demo::DEMO_API_KEY),
            ("service_code", "PROPRETE-01"),
            ("lat", "44.0176"),
            ("long", "1.3550"),
            ("description", "Dépôt sauvage (essai de charge)"),
        ])
        .send()
        .await
        .ok()?;
    if r.status() != 201 {
        return None;
    }
    let body: serde_json::Value = r.json().await.ok()?;
    body[0]["service_request_id"].as_str().map(str::to_string)
}

/// Reporters submitting with keys `prefix-0`, `prefix-1`… until `stop`: the keys sent and the
/// acknowledged (key, id) pairs.
pub struct ReportLoad {
    /// Acknowledged submissions: key and report id.
    pub acknowledged: Arc<Mutex<Vec<(String, String)>>>,
    /// How many keys were taken (sent or about to be).
    pub sent: Arc<AtomicUsize>,
    /// Set to stop.
    pub stop: Arc<AtomicBool>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl ReportLoad {
    /// Starts `n` concurrent reporters.
    pub fn start(port: u16, n: usize, prefix: &str) -> ReportLoad {
        let client = reqwest::Client::new();
        let acknowledged = Arc::new(Mutex::new(Vec::new()));
        let sent = Arc::new(AtomicUsize::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let tasks = (0..n)
            .map(|_| {
                let (client, acknowledged, sent, stop) = (
                    client.clone(),
                    acknowledged.clone(),
                    sent.clone(),
                    stop.clone(),
                );
                let prefix = prefix.to_string();
                tokio::spawn(async move {
                    while !stop.load(Ordering::SeqCst) {
                        let key = format!("{prefix}-{}", sent.fetch_add(1, Ordering::SeqCst));
                        if let Some(id) = submit_report(&client, port, &key).await {
                            acknowledged.lock().unwrap().push((key, id));
                        }
                    }
                })
            })
            .collect();
        ReportLoad {
            acknowledged,
            sent,
            stop,
            tasks,
        }
    }

    /// How many were acknowledged so far.
    pub fn count(&self) -> usize {
        self.acknowledged.lock().unwrap().len()
    }

    /// Stops; returns the acknowledged pairs and how many keys were taken.
    pub async fn finish(self) -> (Vec<(String, String)>, usize) {
        self.stop.store(true, Ordering::SeqCst);
        for t in self.tasks {
            t.await.unwrap();
        }
        let acked = self.acknowledged.lock().unwrap().clone();
        (acked, self.sent.load(Ordering::SeqCst))
    }
}

/// Runs wrk on `url` for `seconds` with `connections` (one thread for one connection, else
/// two) and returns its summary: requests per second, p50 and p99, and the count of non-2xx
/// answers when there were any.
pub fn wrk(url: &str, connections: &str, seconds: u64) -> String {
    run_wrk(url, connections, seconds, None)
}

/// Runs wrk as [`wrk`] does, its requests made by a Lua script (`request = function() …`)
/// against the server at `base`.
pub fn wrk_script(base: &str, connections: &str, seconds: u64, script: &std::path::Path) -> String {
    run_wrk(base, connections, seconds, Some(script))
}

fn run_wrk(url: &str, connections: &str, seconds: u64, script: Option<&std::path::Path>) -> String {
    let threads = if connections == "1" { "1" } else { "2" };
    let mut args: Vec<String> = [
        "-t",
        threads,
        "-c",
        connections,
        "-d",
        &format!("{seconds}s"),
        "--latency",
    ]
    .iter()
    .map(|a| a.to_string())
    .collect();
    if let Some(script) = script {
        args.push("-s".into());
        args.push(script.display().to_string());
    }
    args.push(url.to_string());
    let out = Command::new("wrk")
        .args(&args)
        .output()
        .expect("wrk is installed (apt wrk)");
    let text = String::from_utf8_lossy(&out.stdout);
    let pick = |key: &str| {
        text.lines()
            .find(|l| l.trim_start().starts_with(key))
            .map(|l| l.trim().to_string())
            .unwrap_or_default()
    };
    let errors = pick("Non-2xx");
    format!(
        "{} | p50 {} | p99 {}{}",
        pick("Requests/sec"),
        pick("50%"),
        pick("99%"),
        if errors.is_empty() {
            String::new()
        } else {
            format!(" | {errors}")
        }
    )
}

/// The resident memory of a process, in kB (0 when it cannot be read).
pub fn rss_kb(pid: u32) -> u64 {
    status_kb(pid, "VmRSS:")
}

/// The most resident memory a process has had, in kB (0 when it cannot be read).
pub fn peak_rss_kb(pid: u32) -> u64 {
    status_kb(pid, "VmHWM:")
}

fn status_kb(pid: u32, field: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(field))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<u64>().ok())
        })
        .unwrap_or(0)
}
