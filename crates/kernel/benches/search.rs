//! The search index at scale, in-process: 500,000 documents of every kind with French-like
//! text (a Zipf-distributed vocabulary with its stop words, the platform's own domain words),
//! then random queries as people type them (one to four words, stop words, a word being
//! typed, a typo) with the facets counted and, for some, a kind or a région chosen.
//!
//! cargo bench -p kernel --bench search [-- DOCUMENTS QUERIES]

use kernel::search::{MemorySearch, SearchDoc, SearchIndex, SearchQuery};
use std::time::Instant;

/// Words every French text is full of.
const STOP: &[&str] = &[
    "de", "la", "le", "et", "des", "les", "pour", "en", "du", "un", "une", "avec", "sur", "dans",
];

/// The platform's own words, the ones people search for.
const DOMAIN: &[&str] = &[
    "mobilité",
    "vélo",
    "piste",
    "cyclable",
    "école",
    "budget",
    "participatif",
    "éclairage",
    "public",
    "énergie",
    "eau",
    "déchets",
    "tri",
    "compost",
    "jardin",
    "partagé",
    "fablab",
    "tiers-lieu",
    "coworking",
    "numérique",
    "inclusion",
    "données",
    "capteurs",
    "air",
    "bruit",
    "parc",
    "arbres",
    "rue",
    "place",
    "marché",
    "bibliothèque",
    "médiathèque",
    "sport",
    "piscine",
    "santé",
    "transport",
    "bus",
    "tramway",
    "parking",
    "logement",
    "rénovation",
    "chaleur",
    "solaire",
    "concertation",
    "consultation",
    "votation",
    "convention",
    "citoyenne",
    "jeunesse",
    "seniors",
    "quartier",
    "centre",
    "bourg",
    "commerce",
    "tourisme",
    "culture",
    "patrimoine",
    "sécurité",
    "propreté",
    "signalement",
    "lampadaire",
    "trottoir",
    "accessibilité",
];

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

struct Rng(u64);

impl Rng {
    fn next(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % n
    }
}

/// A vocabulary of made-up words from French syllables, so that rare words are rare.
fn vocabulary(n: usize) -> Vec<String> {
    let syllables = [
        "ma", "ri", "lo", "pé", "tan", "cou", "ver", "bel", "ron", "sa", "gi", "mon", "tra",
        "ville", "quet", "nier", "ment", "eau", "champ", "fon", "dé", "pré", "bois", "mer",
    ];
    let mut out = Vec::with_capacity(n);
    let mut rng = Rng(7);
    while out.len() < n {
        let parts = 2 + rng.next(3) as usize;
        let w: String = (0..parts)
            .map(|_| syllables[rng.next(syllables.len() as u64) as usize])
            .collect();
        out.push(w);
    }
    out
}

/// A word drawn with a Zipf-like law: stop words most often, then domain words, then the rest.
fn word<'a>(rng: &mut Rng, vocab: &'a [String]) -> &'a str {
    match rng.next(10) {
        0..=3 => STOP[rng.next(STOP.len() as u64) as usize],
        4..=5 => DOMAIN[rng.next(DOMAIN.len() as u64) as usize],
        _ => {
            // rank ~ 1 / u: most draws fall on the first words of the vocabulary.
            let u = 1 + rng.next(1_000_000);
            let rank = (vocab.len() as u64 * 10 / (u + 9)).min(vocab.len() as u64 - 1);
            &vocab[rank as usize]
        }
    }
}

fn text(rng: &mut Rng, vocab: &[String], words: usize) -> String {
    (0..words)
        .map(|_| word(rng, vocab))
        .collect::<Vec<_>>()
        .join(" ")
}

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
        let n = 1 + rng.next(4) as usize;
        let mut words: Vec<String> = Vec::new();
        for _ in 0..n {
            words.push(match rng.next(3) {
                0 => STOP[rng.next(STOP.len() as u64) as usize].to_string(),
                _ => DOMAIN[rng.next(DOMAIN.len() as u64) as usize].to_string(),
            });
        }
        let last = words.len() - 1;
        match rng.next(4) {
            // The word being typed.
            0 => words[last] = words[last].chars().take(4).collect(),
            // A typo: two letters swapped.
            1 if words[last].chars().count() >= 6 => {
                let mut c: Vec<char> = words[last].chars().collect();
                c.swap(2, 3);
                words[last] = c.into_iter().collect();
            }
            _ => {}
        }
        let kinds = if rng.next(3) == 0 {
            vec![KINDS[rng.next(KINDS.len() as u64) as usize].0]
        } else {
            vec![]
        };
        let region = (rng.next(3) == 0)
            .then(|| REGIONS[rng.next(REGIONS.len() as u64) as usize].to_string());
        let q = SearchQuery {
            text: words.join(" "),
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
