//! The Method of Equal Shares with completion at the scale of a large city's participatory
//! budget: 100,000 voters approving among 100 projects. Prints the median and fastest times of
//! a few runs (the machine may be shared).
//!
//! cargo bench -p decide --bench mes [-- VOTERS PROJECTS]
//!
//! Also times the replay of the last MES run's payments that a result page uses to explain
//! each project's outcome.
//!
//! With `MES_BENCH_PB=FILE`, the instance is also written to FILE in the pabulib format, to time
//! other implementations (pabutools) on the same instance.

use decide::pb::{self, Election, Project, Q, Satisfaction};
use num_bigint::BigInt;
use std::time::Instant;

/// How many times each measure is taken.
const RUNS: usize = 5;

/// Median and fastest of `RUNS` runs of `f`, in seconds, with the last result.
fn time<T>(mut f: impl FnMut() -> T) -> (f64, f64, T) {
    let mut times = Vec::new();
    let mut out = None;
    for _ in 0..RUNS {
        let start = Instant::now();
        out = Some(f());
        times.push(start.elapsed().as_secs_f64());
    }
    times.sort_by(f64::total_cmp);
    (times[RUNS / 2], times[0], out.expect("at least one run"))
}

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
    if let Ok(path) = std::env::var("MES_BENCH_PB") {
        std::fs::write(&path, pabulib(&e, &ballots)).expect("writable MES_BENCH_PB");
        println!("instance written to {path}");
    }
    println!(
        "{} voters, {} distinct ballots, {} projects",
        e.voters(),
        e.ballots.len(),
        e.projects.len()
    );
    let (median, best, once) = time(|| pb::mes(&e, Satisfaction::Cost, &e.budget));
    println!(
        "one MES run: {} projects in {median:.4} s (median of {RUNS}; fastest {best:.4} s)",
        once.len(),
    );
    let (median, best, funded) = time(|| pb::mes_complete(&e, Satisfaction::Cost));
    println!(
        "mes-complete (cost): {} projects funded in {median:.3} s (median of {RUNS}; fastest \
         {best:.3} s)",
        funded.len(),
    );
    println!("funded: {}", e.ids(&funded).join(","));
    // What a result page adds: the accounts of the last MES run, replayed to explain each
    // project's outcome.
    let step = Q::from_integer(BigInt::from(e.voters()));
    let (first, voter_budget) = pb::mes_exhausted_with_budget(&e, Satisfaction::Cost, &step);
    let (median, best, shares) = time(|| pb::shares(&e, &voter_budget, &first));
    println!(
        "the accounts of equal shares, replayed for the explanation: {} projects paid in \
         {median:.3} s (median of {RUNS}; fastest {best:.3} s), share {:.2}",
        shares.price.iter().flatten().count(),
        shares.share,
    );
}

/// The election in the pabulib format, one voter per ballot (a project approved twice counts
/// once, as in `Election::new`).
fn pabulib(e: &Election, ballots: &[Vec<String>]) -> String {
    let mut out = format!(
        "META\nkey;value\ndescription;decide MES benchmark\nnum_projects;{}\nnum_votes;{}\n\
         budget;{}\nvote_type;approval\nrule;equalshares\nPROJECTS\nproject_id;cost\n",
        e.projects.len(),
        ballots.len(),
        e.budget
    );
    for p in &e.projects {
        out.push_str(&format!("{};{}\n", p.id, p.cost));
    }
    out.push_str("VOTES\nvoter_id;vote\n");
    for (v, ballot) in ballots.iter().enumerate() {
        let mut ids: Vec<&str> = Vec::new();
        for id in ballot {
            if !ids.contains(&id.as_str()) {
                ids.push(id);
            }
        }
        out.push_str(&format!("{};{}\n", v + 1, ids.join(",")));
    }
    out
}
