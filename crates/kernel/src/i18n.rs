//! Languages and translations. All UI text lives in `locales/{fr,en}.toml`; French first.

use std::collections::HashMap;
use std::sync::{LazyLock, RwLock};

mod dates;
pub use dates::TimeTag;

/// A language of the UI.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    /// Français, the default.
    #[default]
    Fr,
    /// English, on request.
    En,
}

impl Lang {
    /// The BCP 47 tag.
    pub fn code(self) -> &'static str {
        match self {
            Lang::Fr => "fr",
            Lang::En => "en",
        }
    }

    /// The language of a tag, if we speak it.
    pub fn parse(tag: &str) -> Option<Lang> {
        let primary = tag.trim().split(['-', '_']).next()?.to_ascii_lowercase();
        match primary.as_str() {
            "fr" => Some(Lang::Fr),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    /// The preferred language of an `Accept-Language` header, by quality; French when none fits.
    pub fn negotiate(accept_language: &str) -> Lang {
        let mut best: Option<(f32, Lang)> = None;
        for part in accept_language.split(',') {
            let mut pieces = part.split(';');
            let tag = pieces.next().unwrap_or("");
            let q = pieces
                .find_map(|p| p.trim().strip_prefix("q="))
                .and_then(|q| q.parse::<f32>().ok())
                .unwrap_or(1.0);
            if let Some(lang) = Lang::parse(tag)
                && best.is_none_or(|(bq, _)| q > bq)
            {
                best = Some((q, lang));
            }
        }
        best.map(|(_, l)| l).unwrap_or_default()
    }

    /// The other language, for the switch.
    pub fn other(self) -> Lang {
        match self {
            Lang::Fr => Lang::En,
            Lang::En => Lang::Fr,
        }
    }
}

type Table = HashMap<String, &'static str>;

fn flatten(prefix: &str, value: &'static toml::Value, out: &mut Table) {
    match value {
        toml::Value::Table(t) => {
            for (k, v) in t {
                let key = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                flatten(&key, v, out);
            }
        }
        toml::Value::String(s) => {
            out.insert(prefix.to_string(), s.as_str());
        }
        _ => {}
    }
}

fn load(text: &'static str) -> Table {
    // Parsed once and kept for the life of the process: the strings are borrowed from it.
    #[allow(clippy::expect_used)]
    let value: &'static toml::Value = Box::leak(Box::new(
        toml::from_str::<toml::Value>(text).expect("locale files are valid TOML (tested)"),
    ));
    let mut table = Table::new();
    flatten("", value, &mut table);
    table
}

static FR: LazyLock<Table> = LazyLock::new(|| load(include_str!("../locales/fr.toml")));
static EN: LazyLock<Table> = LazyLock::new(|| load(include_str!("../locales/en.toml")));

/// The texts components bring with them (see [`register`]), looked up after the kernel's.
static EXTRA: RwLock<Option<Extra>> = RwLock::new(None);

#[derive(Default)]
struct Extra {
    /// The files already added, by address: an application built twice in one process (as the
    /// test suites do) adds each once.
    seen: Vec<usize>,
    fr: Table,
    en: Table,
}

/// Adds a component's texts (its `locales/fr.toml` and `locales/en.toml`). Called once per
/// component when the application is built; a key the kernel already has keeps the kernel's text.
pub fn register(fr: &'static str, en: &'static str) {
    let Ok(mut extra) = EXTRA.write() else { return };
    let extra = extra.get_or_insert_with(Default::default);
    if extra.seen.contains(&(fr.as_ptr() as usize)) {
        return;
    }
    extra.seen.push(fr.as_ptr() as usize);
    extra.fr.extend(load(fr));
    extra.en.extend(load(en));
}

/// Checks that two locale files hold the same keys, none of which the kernel has already (the
/// kernel's text would win), and that their counts have both plural forms and none is written
/// "contribution(s)": each component's tests call this on its own files.
pub fn same_keys(fr: &'static str, en: &'static str) -> Result<(), String> {
    let (fr, en) = (load(fr), load(en));
    for table in [&fr, &en] {
        plurals_in_words(table)?;
    }
    let taken: std::collections::BTreeSet<_> = fr.keys().filter(|k| FR.contains_key(*k)).collect();
    if !taken.is_empty() {
        return Err(format!("keys the kernel already has: {taken:?}"));
    }
    let only_fr: std::collections::BTreeSet<_> =
        fr.keys().filter(|k| !en.contains_key(*k)).collect();
    let only_en: std::collections::BTreeSet<_> =
        en.keys().filter(|k| !fr.contains_key(*k)).collect();
    if only_fr.is_empty() && only_en.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "only in French: {only_fr:?}; only in English: {only_en:?}"
        ))
    }
}

/// Checks that no text writes a plural in brackets ("{n} contribution(s)", which [`Tr::count`]
/// writes in words) and that every count's `.one` text has its `.other` and the other way round
/// (a count's text holds `{n}`: a key may also be named `one` for another reason).
fn plurals_in_words(table: &Table) -> Result<(), String> {
    let mut problems: Vec<String> = table
        .iter()
        .filter(|(_, text)| text.contains("(s)"))
        .map(|(key, text)| format!("{key} = {text:?}"))
        .collect();
    for (key, _) in table.iter().filter(|(_, text)| text.contains("{n}")) {
        for (form, pair) in [(".one", ".other"), (".other", ".one")] {
            if let Some(stem) = key.strip_suffix(form)
                && !table.contains_key(&format!("{stem}{pair}"))
            {
                problems.push(format!("{key} without {stem}{pair}"));
            }
        }
    }
    problems.sort();
    if problems.is_empty() {
        Ok(())
    } else {
        Err(format!("plurals to write with Tr::count: {problems:?}"))
    }
}

/// The text of `key` in `lang`, if that language has one.
pub fn lookup(lang: Lang, key: &str) -> Option<&'static str> {
    let table = match lang {
        Lang::Fr => &*FR,
        Lang::En => &*EN,
    };
    if let Some(text) = table.get(key) {
        return Some(text);
    }
    let extra = EXTRA.read().ok()?;
    let extra = extra.as_ref()?;
    match lang {
        Lang::Fr => extra.fr.get(key),
        Lang::En => extra.en.get(key),
    }
    .copied()
}

/// Whether `key` has a text of its own in `lang` (the kernel's or a registered component's).
pub fn has(lang: Lang, key: &str) -> bool {
    lookup(lang, key).is_some()
}

/// The text of `key` in `lang`; French when English lacks it; `?` when both lack it.
pub fn tr(lang: Lang, key: &str) -> &'static str {
    lookup(lang, key)
        .or_else(|| lookup(Lang::Fr, key))
        .unwrap_or_else(|| {
            tracing::warn!(key, "missing translation");
            "?"
        })
}

/// The text of `key` with `{name}` placeholders replaced.
pub fn trf(lang: Lang, key: &str, args: &[(&str, &str)]) -> String {
    let mut s = tr(lang, key).to_string();
    for (name, value) in args {
        s = s.replace(&format!("{{{name}}}"), value);
    }
    s
}

/// A translator bound to a language, handed to templates.
#[derive(Debug, Clone, Copy, Default)]
pub struct Tr(pub Lang);

impl Tr {
    /// The text of `key`.
    pub fn t(&self, key: impl AsRef<str>) -> &'static str {
        tr(self.0, key.as_ref())
    }
    /// The text of `key` with one `{n}` placeholder.
    pub fn n(&self, key: impl AsRef<str>, n: impl std::fmt::Display) -> String {
        trf(self.0, key.as_ref(), &[("n", &n.to_string())])
    }
    /// The text of `key` with placeholders.
    pub fn f(&self, key: impl AsRef<str>, args: &[(&str, &str)]) -> String {
        trf(self.0, key.as_ref(), args)
    }
    /// The text of a field error code (`email.format` → key `field.email.format`).
    pub fn fe(&self, code: &str) -> &'static str {
        tr(self.0, &format!("field.{code}"))
    }
    /// The language tag.
    pub fn lang(&self) -> &'static str {
        self.0.code()
    }
    /// A count in words: the text of `{key}.one` or `{key}.other` as the language's plural
    /// rule chooses (French: 0 and 1 are singular; English: 1 only), its `{n}` the number in
    /// the language's format. Any integer will do (`pager.total`, `list.len()`).
    pub fn count(&self, key: &str, n: impl Count) -> String {
        self.count_with(key, n, &[])
    }
    /// [`Tr::count`] with more placeholders than `{n}`: "{n} contributions sur {total}…".
    pub fn count_with(&self, key: &str, n: impl Count, args: &[(&str, &str)]) -> String {
        let n = n.value();
        let form = if self.singular(n) { "one" } else { "other" };
        let number = self.num(n);
        let mut all = vec![("n", number.as_str())];
        all.extend_from_slice(args);
        trf(self.0, &format!("{key}.{form}"), &all)
    }
    /// Whether the language writes `n` things in the singular.
    fn singular(&self, n: i64) -> bool {
        match self.0 {
            Lang::Fr => n.abs() < 2,
            Lang::En => n.abs() == 1,
        }
    }
    /// A number in the language's format (thin space or comma as thousands separator).
    pub fn num(&self, n: impl std::borrow::Borrow<i64>) -> String {
        let n = *n.borrow();
        let sep = match self.0 {
            Lang::Fr => "\u{202f}",
            Lang::En => ",",
        };
        let digits = n.unsigned_abs().to_string();
        let mut out = String::new();
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i) % 3 == 0 {
                out.push_str(sep);
            }
            out.push(c);
        }
        if n < 0 { format!("-{out}") } else { out }
    }
}

/// A number of things, for [`Tr::count`]: any integer, or a reference to one.
pub trait Count {
    /// The number, as a signed 64-bit integer (counts of things never come near its end).
    fn value(&self) -> i64;
}

macro_rules! count_for {
    ($($t:ty),*) => {$(
        impl Count for $t {
            fn value(&self) -> i64 {
                i64::try_from(*self).unwrap_or(i64::MAX)
            }
        }
    )*};
}
count_for!(i64, i32, u32, u64, usize, isize, u16, u8);

impl<T: Count + ?Sized> Count for &T {
    fn value(&self) -> i64 {
        (**self).value()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_languages_have_the_same_keys() {
        let fr: std::collections::BTreeSet<_> = FR.keys().collect();
        let en: std::collections::BTreeSet<_> = EN.keys().collect();
        let only_fr: Vec<_> = fr.difference(&en).collect();
        let only_en: Vec<_> = en.difference(&fr).collect();
        assert!(only_fr.is_empty(), "missing in en.toml: {only_fr:?}");
        assert!(only_en.is_empty(), "missing in fr.toml: {only_en:?}");
    }

    #[test]
    fn accept_language_picks_the_best_spoken_language() {
        assert_eq!(Lang::negotiate("en-GB,en;q=0.9,fr;q=0.8"), Lang::En);
        assert_eq!(Lang::negotiate("de-DE,fr;q=0.5,en;q=0.4"), Lang::Fr);
        assert_eq!(Lang::negotiate("de"), Lang::Fr);
        assert_eq!(Lang::negotiate(""), Lang::Fr);
    }

    #[test]
    fn counts_take_the_singular_as_each_language_does() {
        register(
            "[t.apple]\none = \"{n} pomme sur {of}\"\nother = \"{n} pommes sur {of}\"\n",
            "[t.apple]\none = \"{n} apple of {of}\"\nother = \"{n} apples of {of}\"\n",
        );
        let (fr, en) = (Tr(Lang::Fr), Tr(Lang::En));
        let of = [("of", "3")];
        assert_eq!(fr.count_with("t.apple", 0usize, &of), "0 pomme sur 3");
        assert_eq!(fr.count_with("t.apple", 1u32, &of), "1 pomme sur 3");
        // A count read from a collection, by reference, as templates hand them.
        let counts = [2i64, 2];
        for n in counts.iter() {
            assert_eq!(fr.count_with("t.apple", n, &of), "2 pommes sur 3");
        }
        assert_eq!(en.count_with("t.apple", 0i32, &of), "0 apples of 3");
        assert_eq!(en.count_with("t.apple", 1usize, &of), "1 apple of 3");
        assert_eq!(
            fr.count_with("t.apple", 1500u64, &of),
            "1\u{202f}500 pommes sur 3"
        );
        assert_eq!(fr.count("spaces.count", 1), "1 espace");
        assert_eq!(en.count("spaces.count", 2), "2 spaces");
    }

    #[test]
    fn counts_are_written_with_both_plural_forms_and_no_brackets() {
        plurals_in_words(&FR).unwrap();
        plurals_in_words(&EN).unwrap();
        let bracketed = load("[a]\ncount = \"{n} espace(s)\"\n");
        assert!(plurals_in_words(&bracketed).is_err());
        let lonely = load("[a.count]\none = \"{n} espace\"\n");
        assert!(plurals_in_words(&lonely).is_err());
        let named_one = load("[a.charter]\none = \"La première règle\"\n");
        assert!(plurals_in_words(&named_one).is_ok());
    }

    #[test]
    fn numbers_use_the_language_separator() {
        assert_eq!(Tr(Lang::En).num(1234567), "1,234,567");
        assert_eq!(Tr(Lang::Fr).num(20315), "20\u{202f}315");
    }
}
