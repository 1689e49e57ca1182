//! A voting load against a real server process: the durability test and the ballot benchmark
//! share it.

#![allow(dead_code)]

use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

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
