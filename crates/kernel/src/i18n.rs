//! Languages and translations. All UI text lives in `locales/{fr,en}.toml`; French first.

use std::collections::HashMap;
use std::sync::{LazyLock, RwLock};

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
/// kernel's text would win): each component's tests call this on its own files.
pub fn same_keys(fr: &'static str, en: &'static str) -> Result<(), String> {
    let (fr, en) = (load(fr), load(en));
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
    /// the language's format.
    pub fn count(&self, key: &str, n: impl std::borrow::Borrow<i64>) -> String {
        let n = *n.borrow();
        let one = match self.0 {
            Lang::Fr => n.abs() < 2,
            Lang::En => n.abs() == 1,
        };
        let form = if one { "one" } else { "other" };
        trf(self.0, &format!("{key}.{form}"), &[("n", &self.num(n))])
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
    fn numbers_use_the_language_separator() {
        assert_eq!(Tr(Lang::En).num(1234567), "1,234,567");
        assert_eq!(Tr(Lang::Fr).num(20315), "20\u{202f}315");
    }
}
