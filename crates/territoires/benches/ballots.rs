//! Ballots per second over HTTP with 64 concurrent voters against a release server on
//! loopback, each ballot durable when acknowledged. Prints the rate.
//!
//! cargo bench -p territoires --bench ballots [-- SECONDS [postgres]]

#[path = "../tests/support/load.rs"]
mod load;

use std::time::{Duration, Instant};

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let seconds = load::number_args().first().copied().unwrap_or(10);
    let engine = load::engine_arg();
    let (url, dir, vote) = load::prepare(engine, 200_000).await;
    let (mut server, port, _) = load::serve(&dir, &url).await;
    let voting = load::Load::start(port, &vote, 64);
    // One second of warm-up, then the measure.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let (start, before) = (Instant::now(), voting.count());
    tokio::time::sleep(Duration::from_secs(seconds)).await;
    let (elapsed, after) = (start.elapsed(), voting.count());
    let total = voting.finish().await.len();
    server.kill().unwrap();
    server.wait().unwrap();
    println!(
        "{engine}: {:.0} ballots/s over {:.1} s with 64 voters ({total} acknowledged in all)",
        (after - before) as f64 / elapsed.as_secs_f64(),
        elapsed.as_secs_f64()
    );
}
