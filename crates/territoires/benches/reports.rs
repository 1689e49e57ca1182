//! Reports per second submitted over HTTP through Open311 (form-encoded, API key, idempotency
//! key), 32 concurrent clients against a release server on loopback, each report durable when
//! acknowledged (201). Prints the rate.
//!
//! cargo bench -p territoires --bench reports [-- SECONDS [postgres]]

#[path = "../tests/support/load.rs"]
mod load;

use std::time::{Duration, Instant};

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let seconds = load::number_args().first().copied().unwrap_or(10);
    let engine = load::engine_arg();
    let (url, dir) = load::prepare_reports(engine).await;
    let (mut server, port, _) = load::serve(&dir, &url).await;
    let reporting = load::ReportLoad::start(port, 32, "bench");
    tokio::time::sleep(Duration::from_secs(1)).await;
    let (start, before) = (Instant::now(), reporting.count());
    tokio::time::sleep(Duration::from_secs(seconds)).await;
    let (elapsed, after) = (start.elapsed(), reporting.count());
    let (acknowledged, _) = reporting.finish().await;
    server.kill().unwrap();
    server.wait().unwrap();
    println!(
        "{engine}: {:.0} reports/s over {:.1} s with 32 clients ({} acknowledged in all)",
        (after - before) as f64 / elapsed.as_secs_f64(),
        elapsed.as_secs_f64(),
        acknowledged.len()
    );
}
