//! The pause at the closing of a vote: the roll, the box and the receipts of 100,000 ballots
//! rewritten in a random order (and, on SQLite, the write-ahead log emptied). Prints the time.
//!
//! cargo bench -p territoires --bench sealing [-- BALLOTS [postgres]]

#[path = "../tests/support/load.rs"]
mod load;

use std::time::Instant;

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let ballots = load::number_args().first().copied().unwrap_or(100_000) as usize;
    let engine = load::engine_arg();
    let (_, db, _, _dir) = load::fresh_instance(engine).await;
    let vote = votes::testing::open_vote_with_codes(&db, 1).await.unwrap();
    let started = Instant::now();
    for batch in 0..ballots.div_ceil(1_000) {
        let mut tx = db.pool().begin().await.unwrap();
        for i in batch * 1_000..((batch + 1) * 1_000).min(ballots) {
            let key = kernel::ids::sha256_hex(format!("voter {i}").as_bytes());
            let ballot = format!("{{\"q1\":[\"{}\"]}}", vote.options[i % vote.options.len()]);
            votes::store::cast_in(&mut tx, &vote.id, &key, &ballot)
                .await
                .unwrap()
                .unwrap();
        }
        tx.commit().await.unwrap();
    }
    let cast = started.elapsed();
    let v = votes::store::get(&db, &vote.id).await.unwrap().unwrap();
    let started = Instant::now();
    votes::store::seal(&db, &v).await.unwrap();
    let pause = started.elapsed();
    println!(
        "{engine}: {ballots} ballots sealed in {:.2} s (cast in {:.1} s beforehand)",
        pause.as_secs_f64(),
        cast.as_secs_f64()
    );
}
