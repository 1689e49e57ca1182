//! The search read index: full text over every published item, with French stemming and accent
//! folding, derived from the database through the change feed.
//!
//! The index lives in memory in each node. Documents are tokenised into folded, stemmed terms;
//! a query matches documents holding every query term, the last term also as a prefix (so that
//! a search box answers while one types), ranked by field weight, rarity of the terms and the
//! document's own boost.

use crate::text::escape_html as escape;
use rust_stemmers::{Algorithm, Stemmer};
use std::collections::{BTreeMap, HashMap};
use std::sync::{LazyLock, RwLock};
use unicode_normalization::UnicodeNormalization;

/// A document of the index. `(kind, id)` identifies it.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchDoc {
    /// What it is: `territory`, `space`, … (a facet).
    pub kind: &'static str,
    /// Its id within the kind.
    pub id: String,
    /// Title, weighted most.
    pub title: String,
    /// Other searchable text (codes, postcodes, description).
    pub body: String,
    /// Where it is shown.
    pub url: String,
    /// Translation key of what it is, shown in results ("Commune", "Espace"…).
    pub tag: &'static str,
    /// A secondary line for results (département, région…).
    pub subtitle: String,
    /// A ranking boost ≥ 0 added to the text score (population for territories…).
    pub boost: f32,
    /// The INSEE code of the région it belongs to, or empty (a facet).
    pub region: String,
    /// When it was written, sent or published (UTC ms), shown in results; `None` for what has
    /// no date of its own (a territory, a space).
    pub date: Option<i64>,
}

/// A search request.
#[derive(Debug, Clone, Default)]
pub struct SearchQuery {
    /// The words typed.
    pub text: String,
    /// Only these kinds (all when empty).
    pub kinds: Vec<&'static str>,
    /// Results to skip.
    pub offset: usize,
    /// Results to return.
    pub limit: usize,
    /// Only this région's (by INSEE code).
    pub region: Option<String>,
}

/// One result.
#[derive(Debug, Clone)]
pub struct SearchHit {
    /// The document.
    pub doc: SearchDoc,
    /// Its score.
    pub score: f32,
    /// A few words of its text around the first match: (text, whether it matched).
    pub excerpt: Vec<(String, bool)>,
}

impl SearchHit {
    /// The excerpt as HTML, the matched words in `<mark>`.
    pub fn excerpt_html(&self) -> String {
        let mut out = String::new();
        for (text, matched) in &self.excerpt {
            let text = escape(text);
            if *matched {
                out.push_str(&format!("<mark>{text}</mark>"));
            } else {
                out.push_str(&text);
            }
        }
        out
    }

    /// The excerpt as plain text.
    pub fn excerpt_text(&self) -> String {
        self.excerpt.iter().map(|(t, _)| t.as_str()).collect()
    }
}

/// Words of an excerpt on each side of the first match.
const EXCERPT_WORDS: usize = 12;

/// A few words of `text` around the first word matching one of `terms` (a stemmed term, or
/// the prefix being typed), the matches marked; the start of the text when nothing matches.
fn excerpt(text: &str, terms: &[String], prefix: Option<&str>) -> Vec<(String, bool)> {
    let pieces: Vec<&str> = text.split_whitespace().collect();
    // Folding keeps the spaces: the text is folded once and its pieces read side by side.
    let folded = fold(text);
    let folded_pieces: Vec<&str> = folded.split_whitespace().collect();
    let aligned = folded_pieces.len() == pieces.len();
    let word_matches = |f: &str| {
        prefix.is_some_and(|p| f.starts_with(p))
            // A stem begins its word: stem only the words that could match.
            || (terms.iter().any(|t| f.starts_with(t.as_str())) && terms.contains(&term(f)))
    };
    let piece_matches = |i: usize| {
        let check = |f: &str| {
            f.split(|c: char| !c.is_alphanumeric())
                .any(|w| !w.is_empty() && word_matches(w))
        };
        if aligned {
            check(folded_pieces[i])
        } else {
            check(&fold(pieces[i]))
        }
    };
    let first = (0..pieces.len()).position(piece_matches).unwrap_or(0);
    let start = first.saturating_sub(EXCERPT_WORDS / 2);
    let end = (start + EXCERPT_WORDS * 2).min(pieces.len());
    let mut out: Vec<(String, bool)> = Vec::new();
    if start > 0 {
        out.push(("… ".into(), false));
    }
    for (i, w) in pieces[start..end].iter().enumerate() {
        let sep = if i + 1 < end - start { " " } else { "" };
        if piece_matches(start + i) {
            out.push((w.to_string(), true));
            out.push((sep.to_string(), false));
        } else {
            match out.last_mut() {
                Some((t, false)) => {
                    t.push_str(w);
                    t.push_str(sep);
                }
                _ => out.push((format!("{w}{sep}"), false)),
            }
        }
    }
    if end < pieces.len() {
        out.push((" …".into(), false));
    }
    out.retain(|(t, _)| !t.is_empty());
    out
}

/// Whether two terms are within one edit (insertion, deletion, substitution or swap of two
/// neighbours) of each other.
fn one_edit_apart(a: &str, b: &str) -> bool {
    if a.is_ascii() && b.is_ascii() {
        // Folded words are mostly ASCII: compare bytes, nothing to allocate.
        return edit_of_one(a.as_bytes(), b.as_bytes());
    }
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    edit_of_one(&a, &b)
}

fn edit_of_one<T: PartialEq>(a: &[T], b: &[T]) -> bool {
    if a.len().abs_diff(b.len()) > 1 {
        return false;
    }
    let prefix = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    let (ra, rb) = (&a[prefix..], &b[prefix..]);
    match (ra.len(), rb.len()) {
        (0, 0) => true,
        (x, y) if x == y => {
            ra[1..] == rb[1..] || (x >= 2 && ra[0] == rb[1] && ra[1] == rb[0] && ra[2..] == rb[2..])
        }
        (x, y) if x > y => ra[1..] == *rb,
        _ => *ra == rb[1..],
    }
}

/// Words at least this long match terms one edit away when nothing matches them exactly.
const TYPO_MIN_CHARS: usize = 5;

/// The answer to a search.
#[derive(Debug, Clone, Default)]
pub struct SearchResults {
    /// Matching documents over all kinds asked, before paging.
    pub total: usize,
    /// Count of matches per kind (before the kind filter), for facets.
    pub by_kind: Vec<(&'static str, usize)>,
    /// Count of matches per région (after the kind filter, before the région filter).
    pub by_region: Vec<(String, usize)>,
    /// The page of hits, best first.
    pub hits: Vec<SearchHit>,
}

/// The interface every search index offers; the change applier is its only writer.
pub trait SearchIndex: Send + Sync {
    /// Adds or replaces a document.
    fn upsert(&self, doc: SearchDoc);
    /// Removes a document.
    fn remove(&self, kind: &str, id: &str);
    /// Replaces every document of a kind at once: readers see the old set or the new one.
    fn replace_kind(&self, kind: &str, docs: Vec<SearchDoc>);
    /// Answers a query.
    fn search(&self, q: &SearchQuery) -> SearchResults;
    /// Number of documents.
    fn len(&self) -> usize;
    /// Whether the index holds nothing.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

static FRENCH: LazyLock<Stemmer> = LazyLock::new(|| Stemmer::create(Algorithm::French));

/// Lower case without accents: "Châteaulin" → "chateaulin", "Œuvre" → "oeuvre".
pub fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.nfd() {
        match c {
            '\u{300}'..='\u{36f}' => {}
            'œ' | 'Œ' => out.push_str("oe"),
            'æ' | 'Æ' => out.push_str("ae"),
            'ß' => out.push_str("ss"),
            c => out.extend(c.to_lowercase()),
        }
    }
    out
}

/// The words of a text, folded (not stemmed). Apostrophes and hyphens split words, so that
/// "L'Abergement" gives "l" and "abergement".
pub fn words(text: &str) -> impl Iterator<Item = String> + '_ {
    fold(text)
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect::<Vec<_>>()
        .into_iter()
}

/// The index term of a folded word: its French stem.
pub fn term(word: &str) -> String {
    if word.chars().all(|c| c.is_ascii_digit()) {
        return word.to_string();
    }
    FRENCH.stem(word).into_owned()
}

const TITLE_WEIGHT: f32 = 4.0;
const MAX_QUERY_WORDS: usize = 8;
const BODY_WEIGHT: f32 = 1.0;

/// A document as the index keeps it: its texts in one allocation (id, title, body, url,
/// subtitle, in this order, with the ends of the first four), its kind and tag. Its boost and
/// région are in the per-slot arrays. A million documents take about half the memory their
/// [`SearchDoc`]s would.
struct StoredDoc {
    kind: &'static str,
    tag: &'static str,
    date: Option<i64>,
    ends: [u32; 4],
    text: Box<str>,
}

impl StoredDoc {
    fn new(d: &SearchDoc) -> StoredDoc {
        let mut text = String::with_capacity(
            d.id.len() + d.title.len() + d.body.len() + d.url.len() + d.subtitle.len(),
        );
        let mut ends = [0u32; 4];
        for (i, part) in [&d.id, &d.title, &d.body, &d.url].into_iter().enumerate() {
            text.push_str(part);
            ends[i] = text.len() as u32;
        }
        text.push_str(&d.subtitle);
        StoredDoc {
            kind: d.kind,
            tag: d.tag,
            date: d.date,
            ends,
            text: text.into_boxed_str(),
        }
    }

    /// The `i`th text (0 id, 1 title, 2 body, 3 url, 4 subtitle).
    fn part(&self, i: usize) -> &str {
        let start = if i == 0 { 0 } else { self.ends[i - 1] as usize };
        let end = self.ends.get(i).map_or(self.text.len(), |e| *e as usize);
        &self.text[start..end]
    }

    fn doc(&self, boost: f32, region: &str) -> SearchDoc {
        SearchDoc {
            kind: self.kind,
            id: self.part(0).to_string(),
            title: self.part(1).to_string(),
            body: self.part(2).to_string(),
            url: self.part(3).to_string(),
            tag: self.tag,
            subtitle: self.part(4).to_string(),
            boost,
            region: region.to_string(),
            date: self.date,
        }
    }
}

#[derive(Default)]
struct Inner {
    docs: Vec<Option<StoredDoc>>,
    /// Per slot: the kind's number in `kinds`, or [`GONE`] once removed (the facets are counted
    /// from these small arrays, not from the documents).
    kind_of: Vec<u8>,
    /// The kinds seen, by number.
    kinds: Vec<&'static str>,
    /// Per slot: the document's boost.
    boost_of: Vec<f32>,
    /// Per slot: the région's number in `regions`.
    region_of: Vec<u16>,
    /// Per slot: a hash of the folded title (an exact title match ranks first).
    title_key: Vec<u64>,
    /// The régions seen, by number (0 is none).
    regions: Vec<String>,
    slots: HashMap<&'static str, HashMap<String, u32>>,
    /// term → (slot, weight)
    postings: BTreeMap<String, Vec<(u32, f32)>>,
    /// Every folded word seen → its term: what a mistyped word is compared with.
    vocabulary: BTreeMap<String, String>,
    live: usize,
    dead: usize,
}

/// The in-memory search index.
#[derive(Default)]
pub struct MemorySearch {
    inner: RwLock<Inner>,
}

impl MemorySearch {
    /// An empty index.
    pub fn new() -> Self {
        Self::default()
    }
}

impl Inner {
    fn remove(&mut self, kind: &str, id: &str) {
        if let Some(slot) = self.slots.get_mut(kind).and_then(|m| m.remove(id)) {
            self.docs[slot as usize] = None;
            self.kind_of[slot as usize] = GONE;
            self.live -= 1;
            self.dead += 1;
        }
        if self.dead > 1024 && self.dead > self.live {
            self.compact();
        }
    }

    /// The document of a slot, unless it was removed.
    fn doc(&self, slot: u32) -> Option<SearchDoc> {
        let s = slot as usize;
        self.docs[s]
            .as_ref()
            .map(|d| d.doc(self.boost_of[s], &self.regions[self.region_of[s] as usize]))
    }

    fn compact(&mut self) {
        // The words are rebuilt: let them go before the documents are read back.
        self.postings = BTreeMap::new();
        self.vocabulary = BTreeMap::new();
        let docs: Vec<SearchDoc> = (0..self.docs.len() as u32)
            .filter_map(|slot| self.doc(slot))
            .collect();
        *self = Inner::default();
        self.insert_all(docs);
    }

    /// Adds documents, analysed on every core a batch at a time (so that the analyses of a
    /// million documents are never held at once).
    fn insert_all(&mut self, docs: Vec<SearchDoc>) {
        const BATCH: usize = 65_536;
        let mut docs = docs.into_iter().peekable();
        while docs.peek().is_some() {
            let batch: Vec<SearchDoc> = docs.by_ref().take(BATCH).collect();
            let analysed = analyse_all(&batch);
            for (d, a) in batch.into_iter().zip(analysed) {
                self.remove(d.kind, &d.id.clone());
                self.insert(d, a);
            }
        }
    }

    fn add(&mut self, doc: SearchDoc) {
        let analysed = analyse(&doc, &mut HashMap::new());
        self.insert(doc, analysed);
    }

    /// Adds a document whose text was analysed.
    fn insert(&mut self, doc: SearchDoc, analysed: Analysed) {
        let slot = self.docs.len() as u32;
        for (w, t) in analysed.vocabulary {
            self.vocabulary.entry(w).or_insert(t);
        }
        for (t, w) in analysed.terms {
            match self.postings.get_mut(&t) {
                Some(list) => list.push((slot, w)),
                None => {
                    self.postings.insert(t, vec![(slot, w)]);
                }
            }
        }
        self.slots
            .entry(doc.kind)
            .or_default()
            .insert(doc.id.clone(), slot);
        if self.regions.is_empty() {
            self.regions.push(String::new());
        }
        let region = match self.regions.iter().position(|r| *r == doc.region) {
            Some(i) => i,
            None => {
                self.regions.push(doc.region.clone());
                self.regions.len() - 1
            }
        };
        self.region_of.push(region as u16);
        let kind = match self.kinds.iter().position(|k| *k == doc.kind) {
            Some(i) => i,
            None => {
                self.kinds.push(doc.kind);
                self.kinds.len() - 1
            }
        };
        self.kind_of.push(kind as u8);
        self.boost_of.push(doc.boost);
        self.title_key.push(analysed.title_key);
        self.docs.push(Some(StoredDoc::new(&doc)));
        self.live += 1;
    }
}

/// What indexing a document takes from its texts, worked out without the index (so that many
/// documents are analysed on every core before the index is locked): its terms and their
/// weights, the folded words a mistyped word may be compared with (and their terms), and the
/// key of its title.
struct Analysed {
    terms: Vec<(String, f32)>,
    vocabulary: Vec<(String, String)>,
    title_key: u64,
}

/// Analyses a document; `stems` remembers the term of each word seen (a cache of the stemmer).
fn analyse(doc: &SearchDoc, stems: &mut HashMap<String, String>) -> Analysed {
    let mut terms: Vec<(String, f32)> = Vec::new();
    let mut vocabulary = Vec::new();
    let mut title = Vec::new();
    for (text, weight) in [(&doc.title, TITLE_WEIGHT), (&doc.body, BODY_WEIGHT)] {
        for w in words(text).filter(|w| !is_stop_word(w)) {
            if weight == TITLE_WEIGHT {
                title.push(w.clone());
            }
            let t = match stems.get(&w) {
                Some(t) => t.clone(),
                None => {
                    let t = term(&w);
                    if w.chars().count() >= TYPO_MIN_CHARS - 1 {
                        vocabulary.push((w.clone(), t.clone()));
                    }
                    stems.insert(w, t.clone());
                    t
                }
            };
            terms.push((t, weight));
        }
    }
    // One weight per term: the sum of its occurrences'.
    terms.sort_by(|a, b| a.0.cmp(&b.0));
    terms.dedup_by(|later, kept| {
        if later.0 == kept.0 {
            kept.1 += later.1;
            true
        } else {
            false
        }
    });
    Analysed {
        terms,
        vocabulary,
        title_key: key_of(title.into_iter()),
    }
}

/// Analyses documents on every core, in their order.
fn analyse_all(docs: &[SearchDoc]) -> Vec<Analysed> {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    if cores == 1 || docs.len() < 2048 {
        let mut stems = HashMap::new();
        return docs.iter().map(|d| analyse(d, &mut stems)).collect();
    }
    let chunk = docs.len().div_ceil(cores);
    std::thread::scope(|scope| {
        let parts: Vec<_> = docs
            .chunks(chunk)
            .map(|part| {
                scope.spawn(move || {
                    let mut stems = HashMap::new();
                    part.iter()
                        .map(|d| analyse(d, &mut stems))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        parts
            .into_iter()
            .flat_map(|p| p.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
            .collect()
    })
}

/// French words too common to tell documents apart ("de", "la", the "l" of "l'école"…):
/// neither indexed nor asked for, as a search engine's French analysis does. Names such as
/// "Y" or "Eu" (communes) are words like others.
const STOP_WORDS: &[&str] = &[
    "a", "au", "aux", "avec", "c", "ce", "ces", "d", "dans", "de", "des", "du", "elle", "en", "et",
    "il", "ils", "j", "l", "la", "le", "les", "leur", "leurs", "lui", "m", "ma", "mais", "me",
    "mes", "mon", "n", "ne", "nos", "notre", "nous", "on", "ou", "par", "pas", "pour", "qu", "que",
    "qui", "s", "sa", "se", "ses", "son", "sur", "t", "ta", "te", "tes", "ton", "un", "une", "vos",
    "votre", "vous",
];

/// Whether a folded word is a stop word.
fn is_stop_word(word: &str) -> bool {
    STOP_WORDS.binary_search(&word).is_ok()
}

/// The kind number of a removed slot.
const GONE: u8 = u8::MAX;

/// A hash of a sequence of folded words.
fn key_of(words: impl Iterator<Item = String>) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    for w in words {
        w.hash(&mut h);
    }
    h.finish()
}

/// A word of a query matched against the index: (slot, score) pairs in slot order, and how
/// many documents hold it.
struct Matched<'a> {
    /// One posting list and its factor, read in place; or several merged into one.
    hits: Hits<'a>,
    frequency: usize,
}

/// A posting list read in place with its factor.
type Posting<'a> = (&'a [(u32, f32)], f32);

/// The (slot, score) pairs of a query word, in slot order.
enum Hits<'a> {
    /// A word's own posting list, its scores times the factor.
    One(&'a [(u32, f32)], f32),
    /// Several lists merged (a prefix, a typo).
    Merged(Vec<(u32, f32)>),
}

impl Hits<'_> {
    fn len(&self) -> usize {
        match self {
            Hits::One(l, _) => l.len(),
            Hits::Merged(v) => v.len(),
        }
    }
    fn slice(&self) -> &[(u32, f32)] {
        match self {
            Hits::One(l, _) => l,
            Hits::Merged(v) => v,
        }
    }
    fn factor(&self) -> f32 {
        match self {
            Hits::One(_, f) => *f,
            Hits::Merged(_) => 1.0,
        }
    }
    fn into_vec(self) -> Vec<(u32, f32)> {
        match self {
            Hits::One(l, f) => l.iter().map(|(s, w)| (*s, w * f)).collect(),
            Hits::Merged(v) => v,
        }
    }
}

/// Merges posting lists (each in slot order) with their factors into one list in slot order,
/// keeping the best score of a slot.
fn union(lists: &[(&[(u32, f32)], f32)], slots: usize) -> Vec<(u32, f32)> {
    match lists {
        [] => Vec::new(),
        [(list, factor)] => list.iter().map(|(s, w)| (*s, w * factor)).collect(),
        _ if lists.len() <= 8 => {
            // A few lists: merged two at a time, each walk in slot order.
            let mut out: Vec<(u32, f32)> = union(&lists[..1], slots);
            for (list, factor) in &lists[1..] {
                let mut merged = Vec::with_capacity(out.len() + list.len());
                let (mut i, mut j) = (0, 0);
                while i < out.len() || j < list.len() {
                    let next = match (out.get(i), list.get(j)) {
                        (Some(a), Some(b)) if a.0 == b.0 => {
                            i += 1;
                            j += 1;
                            (a.0, a.1.max(b.1 * factor))
                        }
                        (Some(a), Some(b)) if a.0 < b.0 => {
                            i += 1;
                            *a
                        }
                        (_, Some(b)) => {
                            j += 1;
                            (b.0, b.1 * factor)
                        }
                        (Some(a), None) => {
                            i += 1;
                            *a
                        }
                        (None, None) => break,
                    };
                    merged.push(next);
                }
                out = merged;
            }
            out
        }
        _ => {
            // One score per slot, then the slots in order: no sort.
            let mut best = vec![0f32; slots];
            for (list, factor) in lists {
                for (s, w) in list.iter() {
                    let v = &mut best[*s as usize];
                    *v = v.max(w * factor);
                }
            }
            best.iter()
                .enumerate()
                .filter(|(_, v)| **v > 0.0)
                .map(|(s, v)| (s as u32, *v))
                .collect()
        }
    }
}

/// Where `slot` is (or would go) in a list in slot order, looking from its start in steps that
/// double: cheap when it is near, as when two lists of the same size are walked together.
fn gallop(list: &[(u32, f32)], slot: u32) -> Result<usize, usize> {
    let mut hi = 1;
    while hi < list.len() && list[hi - 1].0 < slot {
        hi *= 2;
    }
    let lo = hi / 2;
    let hi = hi.min(list.len());
    list[lo..hi]
        .binary_search_by(|(s, _)| s.cmp(&slot))
        .map(|k| lo + k)
        .map_err(|k| lo + k)
}

/// A word matching more than this share of the documents is left out of a query that has
/// other words (it is a stop word: "de", "la"…).
const COMMON_SHARE: usize = 5;

/// Below this many documents no word is common enough to be left out.
const COMMON_FROM: usize = 1_000;

impl SearchIndex for MemorySearch {
    fn upsert(&self, doc: SearchDoc) {
        let Ok(mut inner) = self.inner.write() else {
            return;
        };
        inner.remove(doc.kind, &doc.id.clone());
        inner.add(doc);
    }

    fn remove(&self, kind: &str, id: &str) {
        if let Ok(mut inner) = self.inner.write() {
            inner.remove(kind, id);
        }
    }

    fn replace_kind(&self, kind: &str, docs: Vec<SearchDoc>) {
        let Ok(mut inner) = self.inner.write() else {
            return;
        };
        let ids: Vec<String> = inner
            .slots
            .get(kind)
            .map(|m| m.keys().cloned().collect())
            .unwrap_or_default();
        for id in ids {
            inner.remove(kind, &id);
        }
        inner.insert_all(docs);
    }

    fn search(&self, q: &SearchQuery) -> SearchResults {
        let Ok(inner) = self.inner.read() else {
            return SearchResults::default();
        };
        // At most MAX_QUERY_WORDS distinct words: a query is what a person types.
        let mut query_words: Vec<String> = Vec::new();
        for w in words(&q.text.chars().take(200).collect::<String>()) {
            if is_stop_word(&w) {
                continue;
            }
            if !query_words.contains(&w) && query_words.len() < MAX_QUERY_WORDS {
                query_words.push(w);
            }
        }
        if query_words.is_empty() {
            return SearchResults::default();
        }
        let n = inner.live.max(1) as f32;
        let idf = |len: usize| (1.0 + n / (len as f32 + 1.0)).ln();
        let last = query_words.len() - 1;
        let mut matched: Vec<Matched> = Vec::new();
        for (i, w) in query_words.iter().enumerate() {
            let mut lists: Vec<(&[(u32, f32)], f32)> = Vec::new();
            let t = term(w);
            match inner.postings.get(&t) {
                Some(p) => lists.push((p, idf(p.len()))),
                None if w.chars().count() >= TYPO_MIN_CHARS => {
                    // A typo: the words one edit away that begin with the same letter.
                    let first: String = w.chars().take(1).collect();
                    let mut near: Vec<&String> = Vec::new();
                    for (word, t) in inner.vocabulary.range(first.clone()..) {
                        if !word.starts_with(first.as_str()) {
                            break;
                        }
                        if word.len().abs_diff(w.len()) <= 2
                            && one_edit_apart(word, w)
                            && !near.contains(&t)
                        {
                            near.push(t);
                        }
                    }
                    for t in near {
                        if let Some(p) = inner.postings.get(t) {
                            lists.push((p, idf(p.len()) * 0.6));
                        }
                    }
                }
                None => {}
            }
            if i == last && w.chars().count() >= 2 {
                // The word being typed: every term it begins, a little below an exact match.
                for (key, p) in inner.postings.range(w.clone()..) {
                    if !key.starts_with(w.as_str()) {
                        break;
                    }
                    if *key != t {
                        lists.push((p, idf(p.len()) * 0.8));
                    }
                }
            }
            let frequency = lists.iter().map(|(l, _)| l.len()).sum();
            let hits = match lists.as_slice() {
                [(list, factor)] => Hits::One(list, *factor),
                _ => Hits::Merged(union(&lists, inner.docs.len())),
            };
            matched.push(Matched { hits, frequency });
        }
        // Stop words are left out when other words say more; every other word must match.
        let common = if inner.live >= COMMON_FROM {
            inner.live / COMMON_SHARE
        } else {
            usize::MAX
        };
        if matched.iter().any(|m| m.frequency <= common) {
            matched.retain(|m| m.frequency <= common);
        }
        matched.sort_by_key(|m| m.hits.len());
        let mut words_left = matched.into_iter();
        let first = words_left.next();
        let single = words_left.len() == 0;
        // One word: its own list is read in place; more: the rarest is copied and narrowed.
        let (mut scores, alone): (Vec<(u32, f32)>, Option<Posting>) = match first {
            Some(Matched {
                hits: Hits::One(list, factor),
                ..
            }) if single => (Vec::new(), Some((list, factor))),
            Some(m) => (m.hits.into_vec(), None),
            None => (Vec::new(), None),
        };
        for m in words_left {
            // Both lists are in slot order: walk the longer one, in place, from where the last
            // match was.
            let (list, factor) = (m.hits.slice(), m.hits.factor());
            let mut from = 0;
            scores.retain_mut(|(slot, score)| match gallop(&list[from..], *slot) {
                Ok(k) => {
                    *score += list[from + k].1 * factor;
                    from += k + 1;
                    true
                }
                Err(k) => {
                    from += k;
                    false
                }
            });
        }
        let query_key = key_of(query_words.iter().cloned());
        let mut kind_counts = vec![0usize; inner.kinds.len()];
        let wanted_kinds: Vec<u8> = inner
            .kinds
            .iter()
            .enumerate()
            .filter(|(_, k)| q.kinds.contains(k))
            .map(|(i, _)| i as u8)
            .collect();
        let mut region_counts = vec![0usize; inner.regions.len()];
        let wanted_region = q
            .region
            .as_ref()
            .map(|r| inner.regions.iter().position(|x| x == r));
        let candidates: Box<dyn Iterator<Item = (u32, f32)>> = match alone {
            Some((list, factor)) => Box::new(list.iter().map(move |(s, w)| (*s, w * factor))),
            None => Box::new(scores.into_iter()),
        };
        let mut hits: Vec<(u32, f32)> = Vec::new();
        for (slot, s) in candidates {
            let kind = inner.kind_of[slot as usize];
            if kind == GONE {
                continue;
            }
            kind_counts[kind as usize] += 1;
            if !q.kinds.is_empty() && !wanted_kinds.contains(&kind) {
                continue;
            }
            let region = inner.region_of[slot as usize] as usize;
            region_counts[region] += 1;
            if let Some(wanted) = wanted_region
                && wanted != Some(region)
            {
                continue;
            }
            let exact = if inner.title_key[slot as usize] == query_key {
                10.0
            } else {
                0.0
            };
            hits.push((slot, s + exact + inner.boost_of[slot as usize]));
        }
        let by_kind: HashMap<&'static str, usize> = kind_counts
            .iter()
            .enumerate()
            .filter(|(_, n)| **n > 0)
            .map(|(i, n)| (inner.kinds[i], *n))
            .collect();
        let by_region: HashMap<String, usize> = region_counts
            .iter()
            .enumerate()
            .filter(|(i, n)| *i > 0 && **n > 0)
            .map(|(i, n)| (inner.regions[i].clone(), *n))
            .collect();
        let total = hits.len();
        let limit = if q.limit == 0 { 20 } else { q.limit };
        let order = |a: &(u32, f32), b: &(u32, f32)| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0));
        // Only the page is sorted: the best `offset + limit` are set apart first.
        let wanted = (q.offset + limit).min(hits.len());
        if wanted > 0 && wanted < hits.len() {
            hits.select_nth_unstable_by(wanted - 1, order);
            hits.truncate(wanted);
        }
        hits.sort_by(order);
        let terms: Vec<String> = query_words.iter().map(|w| term(w)).collect();
        let prefix = query_words.last().filter(|w| w.chars().count() >= 2);
        let hits = hits
            .into_iter()
            .skip(q.offset)
            .take(limit)
            .filter_map(|(slot, score)| {
                inner.doc(slot).map(|doc| SearchHit {
                    excerpt: excerpt(&doc.body, &terms, prefix.map(String::as_str)),
                    doc,
                    score,
                })
            })
            .collect();
        let mut by_kind: Vec<_> = by_kind.into_iter().collect();
        by_kind.sort();
        let mut by_region: Vec<_> = by_region.into_iter().collect();
        by_region.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        SearchResults {
            total,
            by_kind,
            by_region,
            hits,
        }
    }

    fn len(&self) -> usize {
        self.inner.read().map(|i| i.live).unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(kind: &'static str, id: &str, title: &str, boost: f32) -> SearchDoc {
        SearchDoc {
            kind,
            id: id.into(),
            title: title.into(),
            body: String::new(),
            url: format!("/{id}"),
            tag: "",
            subtitle: String::new(),
            boost,
            region: String::new(),
            date: None,
        }
    }

    #[test]
    fn documents_analysed_together_on_every_core_index_as_one_by_one() {
        let words = [
            "vélo",
            "mobilités",
            "école",
            "budget",
            "participatif",
            "jardin",
            "éclairage",
            "Lannion",
            "quartier",
            "concertation",
            "propreté",
            "numérique",
        ];
        let docs: Vec<SearchDoc> = (0..5000)
            .map(|i| {
                let mut d = doc(
                    "experience",
                    &format!("e{i}"),
                    &format!("{} {}", words[i % 12], words[(i / 12) % 12]),
                    (i % 7) as f32,
                );
                d.body = format!(
                    "{} et {} du {}",
                    words[(i * 5) % 12],
                    words[(i * 7) % 12],
                    i
                );
                d
            })
            .collect();
        let together = MemorySearch::new();
        together.replace_kind("experience", docs.clone());
        let one_by_one = MemorySearch::new();
        for d in docs {
            one_by_one.upsert(d);
        }
        assert_eq!(together.len(), 5000);
        for text in [
            "velo",
            "mobilite ecole",
            "Lannion jardin",
            "participatf",
            "1234",
            "quart",
        ] {
            let q = SearchQuery {
                text: text.into(),
                limit: 50,
                ..Default::default()
            };
            let (a, b) = (together.search(&q), one_by_one.search(&q));
            assert!(a.total > 0, "{text}");
            assert_eq!(a.total, b.total, "{text}");
            let ids =
                |r: &SearchResults| r.hits.iter().map(|h| h.doc.id.clone()).collect::<Vec<_>>();
            assert_eq!(ids(&a), ids(&b), "{text}");
        }
    }

    #[test]
    fn a_hit_gives_back_the_document_as_it_was_given_even_after_compaction() {
        let idx = MemorySearch::new();
        let full = SearchDoc {
            kind: "report",
            id: "r1".into(),
            title: "Nid-de-poule".into(),
            body: "Trou profond devant la boulangerie 3 rue Émile-Zola".into(),
            url: "/s/montauban/reports/r1".into(),
            tag: "search.tag.report",
            subtitle: "3 rue Émile-Zola".into(),
            boost: 0.5,
            region: "76".into(),
            date: None,
        };
        idx.upsert(full.clone());
        // Enough removals to compact the slots.
        for i in 0..3000 {
            idx.upsert(doc("space", &format!("s{i}"), "Espace", 0.0));
        }
        for i in 0..3000 {
            idx.remove("space", &format!("s{i}"));
        }
        let hits = idx.search(&SearchQuery {
            text: "boulangerie".into(),
            limit: 10,
            ..Default::default()
        });
        assert_eq!(hits.total, 1);
        assert_eq!(hits.hits[0].doc, full);
        let empty = doc("space", "e", "", 0.0);
        idx.upsert(empty.clone());
        assert_eq!(idx.len(), 2);
    }

    #[test]
    fn longer_words_forgive_one_typo_and_excerpts_mark_the_matches() {
        let idx = MemorySearch::new();
        let mut d = doc("experience", "1", "Un budget participatif des écoles", 0.0);
        d.body = "Chaque école a reçu une somme à décider. Les élèves ont voté pour des jeux de cour <b>et</b> des livres.".into();
        idx.upsert(d);
        let find = |text: &str| {
            idx.search(&SearchQuery {
                text: text.into(),
                ..Default::default()
            })
        };
        assert_eq!(find("partcipatif").total, 1, "a letter missing");
        assert_eq!(find("budegt").total, 1, "two letters swapped");
        assert_eq!(find("ecolse").total, 1, "accents and a swap");
        assert_eq!(find("bugdet partcipatif").total, 1);
        assert_eq!(find("vote").total, 1);
        assert_eq!(find("cuor").total, 0, "short words must be exact");
        assert_eq!(find("zzzzzzz").total, 0);
        let r = find("eleves livres");
        let html = r.hits[0].excerpt_html();
        assert!(html.contains("<mark>élèves</mark>"), "{html}");
        assert!(html.contains("<mark>livres.</mark>"), "{html}");
        assert!(html.contains("&lt;b&gt;"), "the text is escaped: {html}");
    }

    #[test]
    fn unions_keep_slot_order_and_the_best_score() {
        let a: &[(u32, f32)] = &[(1, 1.0), (3, 1.0), (9, 1.0)];
        let b: &[(u32, f32)] = &[(2, 1.0), (3, 3.0)];
        let c: &[(u32, f32)] = &[(0, 1.0), (9, 0.5)];
        let expected = vec![(0, 2.0), (1, 1.0), (2, 1.0), (3, 3.0), (9, 1.0)];
        assert_eq!(union(&[(a, 1.0), (b, 1.0), (c, 2.0)], 10), expected);
        let many: Vec<(&[(u32, f32)], f32)> =
            [a, b, c].repeat(3).into_iter().map(|l| (l, 1.0)).collect();
        assert_eq!(union(&many, 10).len(), 5, "the dense way for many lists");
    }

    #[test]
    fn stop_words_are_left_out_and_sorted() {
        assert!(
            STOP_WORDS.windows(2).all(|w| w[0] < w[1]),
            "binary search needs order"
        );
        let idx = MemorySearch::new();
        idx.upsert(doc("territory", "commune/80829", "Y", 0.0));
        idx.upsert(doc("territory", "commune/72181", "Le Mans", 0.0));
        let find = |text: &str| {
            idx.search(&SearchQuery {
                text: text.into(),
                ..Default::default()
            })
        };
        assert_eq!(find("y").total, 1, "a commune named Y is found");
        assert_eq!(find("le mans").hits[0].doc.title, "Le Mans");
        assert_eq!(find("le").total, 0);
    }

    #[test]
    fn regions_filter_and_count() {
        let idx = MemorySearch::new();
        for (id, region) in [("1", "53"), ("2", "53"), ("3", "76")] {
            let mut d = doc("actor", id, "Fablab", 0.0);
            d.region = region.into();
            idx.upsert(d);
        }
        let r = idx.search(&SearchQuery {
            text: "fablab".into(),
            region: Some("76".into()),
            ..Default::default()
        });
        assert_eq!(r.total, 1);
        assert_eq!(r.by_region, [("53".to_string(), 2), ("76".to_string(), 1)]);
    }

    #[test]
    fn folding_drops_accents_and_ligatures() {
        assert_eq!(fold("Châteaulin"), "chateaulin");
        assert_eq!(fold("Œuvre ÉTÉ"), "oeuvre ete");
    }

    #[test]
    fn accents_and_plurals_do_not_matter() {
        let idx = MemorySearch::new();
        idx.upsert(doc("space", "1", "Mobilité douce à vélo", 0.0));
        idx.upsert(doc("space", "2", "Budget participatif", 0.0));
        for q in ["velo", "vélo", "mobilités", "MOBILITE", "mobil"] {
            let r = idx.search(&SearchQuery {
                text: q.into(),
                ..Default::default()
            });
            assert_eq!(r.total, 1, "{q}");
            assert_eq!(r.hits[0].doc.id, "1");
        }
    }

    #[test]
    fn every_word_must_match_and_kinds_filter() {
        let idx = MemorySearch::new();
        idx.upsert(doc("territory", "a", "Saint-Martin-de-Ré", 0.0));
        idx.upsert(doc("territory", "b", "Saint-Malo", 0.0));
        idx.upsert(doc("space", "c", "Saint-Malo participe", 0.0));
        let r = idx.search(&SearchQuery {
            text: "saint malo".into(),
            ..Default::default()
        });
        assert_eq!(r.total, 2);
        assert_eq!(r.by_kind, vec![("space", 1), ("territory", 1)]);
        let r = idx.search(&SearchQuery {
            text: "saint malo".into(),
            kinds: vec!["territory"],
            ..Default::default()
        });
        assert_eq!(r.total, 1);
        assert_eq!(r.hits[0].doc.id, "b");
    }

    #[test]
    fn upsert_replaces_and_remove_forgets() {
        let idx = MemorySearch::new();
        idx.upsert(doc("space", "1", "Lannion", 0.0));
        idx.upsert(doc("space", "1", "Perros-Guirec", 0.0));
        assert_eq!(idx.len(), 1);
        assert_eq!(
            idx.search(&SearchQuery {
                text: "lannion".into(),
                ..Default::default()
            })
            .total,
            0
        );
        assert_eq!(
            idx.search(&SearchQuery {
                text: "perros".into(),
                ..Default::default()
            })
            .total,
            1
        );
        idx.remove("space", "1");
        assert!(idx.is_empty());
        assert_eq!(
            idx.search(&SearchQuery {
                text: "perros".into(),
                ..Default::default()
            })
            .total,
            0
        );
    }

    #[test]
    fn exact_title_and_boost_rank_first() {
        let idx = MemorySearch::new();
        idx.upsert(doc("territory", "small", "Paris-l'Hôpital", 0.1));
        idx.upsert(doc("territory", "big", "Paris", 3.0));
        let r = idx.search(&SearchQuery {
            text: "paris".into(),
            ..Default::default()
        });
        assert_eq!(r.hits[0].doc.id, "big");
    }
}
