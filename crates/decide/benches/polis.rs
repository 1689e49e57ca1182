//! The opinion map of a large conversation: 10,000 participants, 1,000 statements, 500,000 votes
//! (50 per participant), three opinion groups of unequal sizes, some statements rejected or meta.
//! Prints the median and slowest of 10 runs of `opinion_map` (the machine may be shared), with
//! the votes in no particular order (the replay sorts them), then in time order.
//!
//! Then the same conversation as Polis' export (`votes.csv`, `comments.csv`), read back and
//! drawn as `territoires decide polis` does (parse, map, JSON): the files are left in a
//! temporary folder whose path is printed, for timing the command itself.
//!
//! cargo bench -p decide --bench polis

use decide::polis::{self, Statement, Vote};
use std::time::Instant;

const PARTICIPANTS: u32 = 10_000;
const STATEMENTS: u32 = 1_000;
const VOTES_EACH: usize = 50;
const RUNS: usize = 10;

fn main() {
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    let mut unit = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed >> 11) as f64 / (1u64 << 53) as f64
    };
    // Each statement has a chance of agreeing and of disagreeing in each group.
    let leanings: Vec<[(f64, f64); 3]> = (0..STATEMENTS)
        .map(|_| {
            [(); 3].map(|_| {
                let agree = unit();
                let disagree = (1.0 - agree) * unit();
                (agree, disagree)
            })
        })
        .collect();
    let statements: Vec<Statement> = (0..STATEMENTS)
        .map(|tid| Statement {
            tid,
            moderation: if tid % 20 == 7 { -1 } else { 1 },
            is_meta: tid % 100 == 42,
        })
        .collect();
    let mut votes = Vec::with_capacity(PARTICIPANTS as usize * VOTES_EACH);
    let mut picked = vec![u32::MAX; STATEMENTS as usize];
    for pid in 0..PARTICIPANTS {
        // Groups of 50 %, 30 % and 20 %.
        let group = match pid % 10 {
            0..=4 => 0,
            5..=7 => 1,
            _ => 2,
        };
        let mut n = 0;
        while n < VOTES_EACH {
            let tid = (unit() * f64::from(STATEMENTS)) as u32;
            if picked[tid as usize] == pid {
                continue;
            }
            picked[tid as usize] = pid;
            n += 1;
            let (agree, disagree) = leanings[tid as usize][group];
            let x = unit();
            let value = if x < agree {
                1
            } else if x < agree + disagree {
                -1
            } else {
                0
            };
            let time = 1_700_000_000_000 + (unit() * 3.0e9) as i64;
            votes.push(Vote {
                pid,
                tid,
                value,
                time,
            });
        }
    }
    report("votes in no order", &votes, &statements);
    // As the platform reads them from its database, by time: the replay needs no sort.
    votes.sort_by_key(|v| (v.time, v.pid, v.tid));
    report("votes by time", &votes, &statements);
    from_export(&votes, &statements);
}

/// Writes the conversation as Polis' export and times reading it back into a map.
fn from_export(votes: &[Vote], statements: &[Statement]) {
    let map = polis::opinion_map(votes, statements);
    let records: Vec<polis::StatementRecord> = statements
        .iter()
        .map(|s| polis::StatementRecord {
            statement: *s,
            author: 0,
            time: 1_700_000_000_000,
            text: format!("Statement number {}", s.tid),
        })
        .collect();
    let export = polis::export(&Default::default(), &records, votes, &map);
    let dir = std::env::temp_dir().join("polis-bench-export");
    std::fs::create_dir_all(&dir).unwrap();
    for (name, text) in export.files() {
        std::fs::write(dir.join(name), text).unwrap();
    }
    let mut times = Vec::new();
    let mut bytes = 0;
    for _ in 0..RUNS {
        let start = Instant::now();
        let votes_text = std::fs::read_to_string(dir.join("votes.csv")).unwrap();
        let comments_text = std::fs::read_to_string(dir.join("comments.csv")).unwrap();
        let votes = polis::votes_from_csv(&votes_text).unwrap();
        let statements = polis::statements_from_csv(&comments_text).unwrap();
        bytes = polis::opinion_map(&votes, &statements).to_json().len();
        times.push(start.elapsed().as_secs_f64());
    }
    times.sort_by(f64::total_cmp);
    println!(
        "decide polis on the export ({} MB of votes.csv): median {:.1} ms, max {:.1} ms, {bytes} bytes of JSON; files in {}",
        std::fs::metadata(dir.join("votes.csv")).unwrap().len() / 1_000_000,
        times[RUNS / 2] * 1e3,
        times[RUNS - 1] * 1e3,
        dir.display()
    );
}

/// Times `RUNS` runs and prints the median and the slowest.
fn report(what: &str, votes: &[Vote], statements: &[Statement]) {
    let mut times = Vec::new();
    let mut map = None;
    for _ in 0..RUNS {
        let start = Instant::now();
        map = Some(polis::opinion_map(votes, statements));
        times.push(start.elapsed().as_secs_f64());
    }
    times.sort_by(f64::total_cmp);
    let map = map.expect("at least one run");
    let sizes: Vec<usize> = map.groups.iter().map(|g| g.members.len()).collect();
    println!(
        "polis ({what}): {PARTICIPANTS} participants x {STATEMENTS} statements, {} votes: median {:.1} ms, max {:.1} ms ({} in conversation, {} base clusters, groups {sizes:?})",
        votes.len(),
        times[RUNS / 2] * 1e3,
        times[RUNS - 1] * 1e3,
        map.in_conv.len(),
        map.base_clusters.len(),
    );
}
