//! The search index at scale, in-process: 500,000 documents of every kind with French-like
//! text (a Zipf-distributed vocabulary with its stop words, the platform's own domain words),
//! then random queries as people type them (one to four words, stop words, a word being
//! typed, a typo) with the facets counted and, for some, a kind or a région chosen.
//!
//! cargo bench -p kernel --bench search [-- DOCUMENTS QUERIES]

#[path = "../../territoires/tests/support/words.rs"]
mod words;

use kernel::search::{MemorySearch, SearchDoc, SearchIndex, SearchQuery};
use std::time::Instant;
use words::{Rng, text, vocabulary};

/// Kinds in the proportions of a large instance.
const KINDS: &[(&str, u64)] = &[
    ("territory", 36),
    ("contribution", 200),
    ("actor", 150),
    ("offer", 50),
    ("experience", 50),
    ("process", 10),
    ("challenge", 4),
];

const REGIONS: &[&str] = &[
    "11", "24", "27", "28", "32", "44", "52", "53", "75", "76", "84", "93", "94",
];

fn main() {
    let args: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let documents = args.first().copied().unwrap_or(500_000);
    let queries = args.get(1).copied().unwrap_or(20_000);
    let vocab = vocabulary(40_000);
    let mut rng = Rng(42);
    let total_weight: u64 = KINDS.iter().map(|(_, w)| w).sum();
    let index = MemorySearch::new();
    let t = Instant::now();
    let mut by_kind: Vec<(&'static str, Vec<SearchDoc>)> =
        KINDS.iter().map(|(k, _)| (*k, Vec::new())).collect();
    for i in 0..documents {
        let mut pick = rng.next(total_weight);
        let mut k = 0;
        while pick >= KINDS[k].1 {
            pick -= KINDS[k].1;
            k += 1;
        }
        let title_words = 3 + rng.next(5) as usize;
        let body_words = 20 + rng.next(40) as usize;
        let doc = SearchDoc {
            kind: KINDS[k].0,
            id: i.to_string(),
            title: text(&mut rng, &vocab, title_words),
            body: text(&mut rng, &vocab, body_words),
            url: format!("/x/{i}"),
            tag: "",
            subtitle: String::new(),
            boost: 1.0,
            region: REGIONS[rng.next(REGIONS.len() as u64) as usize].to_string(),
            date: None,
        };
        by_kind[k].1.push(doc);
    }
    for (kind, docs) in by_kind {
        index.replace_kind(kind, docs);
    }
    println!(
        "{} documents indexed in {:.1} s",
        index.len(),
        t.elapsed().as_secs_f64()
    );
    let mut times: Vec<f64> = Vec::with_capacity(queries);
    let mut slowest: Vec<(f64, String, usize)> = Vec::new();
    let mut matched = 0usize;
    let mut rng = Rng(99);
    for _ in 0..queries {
        let text = words::query(&mut rng);
        let kinds = if rng.next(3) == 0 {
            vec![KINDS[rng.next(KINDS.len() as u64) as usize].0]
        } else {
            vec![]
        };
        let region = (rng.next(3) == 0)
            .then(|| REGIONS[rng.next(REGIONS.len() as u64) as usize].to_string());
        let q = SearchQuery {
            text,
            kinds,
            offset: 0,
            limit: 20,
            region,
        };
        let t = Instant::now();
        let r = index.search(&q);
        let ms = t.elapsed().as_secs_f64() * 1000.0;
        times.push(ms);
        slowest.push((ms, q.text.clone(), r.total));
        slowest.sort_by(|a, b| b.0.total_cmp(&a.0));
        slowest.truncate(5);
        matched += r.total;
    }
    times.sort_by(f64::total_cmp);
    let at = |p: f64| times[((times.len() as f64 * p) as usize).min(times.len() - 1)];
    println!(
        "{queries} queries with facets: p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms; {:.0} matches per query on average",
        at(0.50),
        at(0.99),
        at(1.0),
        matched as f64 / queries as f64
    );
    for (ms, text, total) in slowest {
        println!("  slowest: {ms:.2} ms for \"{text}\" ({total} matches)");
    }
}
