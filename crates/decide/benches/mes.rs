//! The Method of Equal Shares with completion at the scale of a large city's participatory
//! budget: 100,000 voters approving among 100 projects. Prints the time of one run.
//!
//! cargo bench -p decide --bench mes [-- VOTERS PROJECTS]

use decide::pb::{self, Election, Project, Q, Satisfaction};
use num_bigint::BigInt;
use std::time::Instant;

fn main() {
    let args: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let voters = args.first().copied().unwrap_or(100_000);
    let projects = args.get(1).copied().unwrap_or(100);
    let mut seed = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = |k: u64| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed % k
    };
    let ps: Vec<Project> = (0..projects)
        .map(|i| Project {
            id: format!("{}", i + 1),
            cost: Q::from_integer(BigInt::from(10_000 + next(190_000))),
        })
        .collect();
    // A budget that funds about a third of the projects.
    let total: u64 = 35_000 * projects as u64;
    // Each voter approves 3 to 8 projects, popular ones more often.
    let ballots: Vec<Vec<String>> = (0..voters)
        .map(|_| {
            let k = 3 + next(6);
            (0..k)
                .map(|_| {
                    format!(
                        "{}",
                        1 + (next(projects as u64) * next(projects as u64)) / projects as u64
                    )
                })
                .collect()
        })
        .collect();
    let e =
        Election::new(ps, Q::from_integer(BigInt::from(total)), &ballots).expect("valid election");
    println!(
        "{} voters, {} distinct ballots, {} projects",
        e.voters(),
        e.ballots.len(),
        e.projects.len()
    );
    let start = Instant::now();
    let once = pb::mes(&e, Satisfaction::Cost, &e.budget);
    println!(
        "one MES run: {} projects in {:.3} s",
        once.len(),
        start.elapsed().as_secs_f64()
    );
    let start = Instant::now();
    let funded = pb::mes_complete(&e, Satisfaction::Cost);
    println!(
        "mes-complete (cost): {} projects funded in {:.2} s",
        funded.len(),
        start.elapsed().as_secs_f64()
    );
}
