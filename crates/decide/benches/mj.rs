//! Majority judgment at the scale of a regional vote: 100,000 ballots grading 10 options on the
//! 7 French mentions, counted into tallies and ranked. Prints the median and slowest of 30 runs.
//!
//! cargo bench -p decide --bench mj

use decide::mj::{self, Fill};
use std::time::Instant;

fn main() {
    const BALLOTS: usize = 100_000;
    const OPTIONS: usize = 10;
    const GRADES: usize = 7;
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    let mut next = || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    // Each option leans towards its own grade, so that the ranking has work to do.
    let ballots: Vec<[u8; OPTIONS]> = (0..BALLOTS)
        .map(|_| {
            let mut b = [0u8; OPTIONS];
            for (o, g) in b.iter_mut().enumerate() {
                let lean = (o % GRADES) as u64;
                *g = ((next() % GRADES as u64 + lean) / 2) as u8;
            }
            b
        })
        .collect();
    let mut times = Vec::new();
    let mut ranks = Vec::new();
    for _ in 0..30 {
        let start = Instant::now();
        let mut tallies = vec![vec![0u64; GRADES]; OPTIONS];
        for b in &ballots {
            for (o, g) in b.iter().enumerate() {
                tallies[o][*g as usize] += 1;
            }
        }
        ranks = mj::rank(&tallies, Fill::None).expect("valid tallies");
        times.push(start.elapsed());
    }
    times.sort();
    println!(
        "mj: {BALLOTS} ballots x {OPTIONS} options, tally + rank: median {:.2} ms, max {:.2} ms (ranks {ranks:?})",
        times[times.len() / 2].as_secs_f64() * 1e3,
        times[times.len() - 1].as_secs_f64() * 1e3
    );
}
