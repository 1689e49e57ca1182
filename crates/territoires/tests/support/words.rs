//! French-like text for the search benchmarks: a Zipf-distributed vocabulary of made-up
//! words, the stop words every text is full of, the platform's own domain words, and queries
//! as people type them.

/// Words every French text is full of.
pub const STOP: &[&str] = &[
    "de", "la", "le", "et", "des", "les", "pour", "en", "du", "un", "une", "avec", "sur", "dans",
];

/// The platform's own words, the ones people search for.
pub const DOMAIN: &[&str] = &[
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

pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % n
    }
}

/// A vocabulary of made-up words from French syllables, so that rare words are rare.
pub fn vocabulary(n: usize) -> Vec<String> {
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
pub fn word<'a>(rng: &mut Rng, vocab: &'a [String]) -> &'a str {
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

pub fn text(rng: &mut Rng, vocab: &[String], words: usize) -> String {
    (0..words)
        .map(|_| word(rng, vocab))
        .collect::<Vec<_>>()
        .join(" ")
}

/// A query as people type it: one to four words, stop words among them, the last word being
/// typed or mistyped now and then.
pub fn query(rng: &mut Rng) -> String {
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
    words.join(" ")
}
