//! The directory's managed taxonomy: the kinds, themes, activities and publics actors and
//! offers are filed under. The seeded terms are lists in the code with their French and
//! English names in the component's texts; moderators add terms, rename them and retire them
//! (`directory_terms` holds the added terms and the changes of seeded ones). A retired term is
//! no longer offered in forms or filters' lists but stays on the entries that have it.

use crate::actor::taxonomy;
use crate::error::StoreError;
use kernel::db::{Db, Op};
use kernel::error::Error;
use kernel::i18n::{Lang, tr};
use kernel::ids::now_ms;
use kernel::{FieldError, FieldErrors, text};
use sqlx::Row;

/// The vocabularies, in the order of the pages.
pub const VOCABULARIES: &[&str] = &["kind", "theme", "activity", "public"];

/// One term of a vocabulary.
#[derive(Debug, Clone, PartialEq)]
pub struct Term {
    /// Stable code, stored on actors and in the open data.
    pub code: String,
    /// The key of a seeded term's names in the texts (`taxonomy.{vocabulary}.{code}`).
    pub key: String,
    /// French name given by a moderator (a seeded term's text when empty).
    pub name_fr: String,
    /// English name given by a moderator (a seeded term's text when empty).
    pub name_en: String,
    /// No longer offered.
    pub retired: bool,
    /// One of the terms the directory starts with.
    pub seeded: bool,
}

impl Term {
    /// The name in a language.
    pub fn name(&self, lang: Lang) -> &str {
        let given = match lang {
            Lang::Fr => &self.name_fr,
            Lang::En => &self.name_en,
        };
        if given.is_empty() {
            tr(lang, &self.key)
        } else {
            given
        }
    }

    /// The French name.
    pub fn fr(&self) -> &str {
        self.name(Lang::Fr)
    }

    /// The English name.
    pub fn en(&self) -> &str {
        self.name(Lang::En)
    }
}

/// Every vocabulary with its terms, seeded ones first in their order, then the added ones in
/// the order they were added.
#[derive(Debug, Clone)]
pub struct Taxonomy {
    vocabularies: Vec<(&'static str, Vec<Term>)>,
}

impl Taxonomy {
    /// The seeded terms alone.
    pub fn seeded() -> Taxonomy {
        Taxonomy {
            vocabularies: VOCABULARIES
                .iter()
                .map(|v| {
                    let terms = taxonomy::of(v)
                        .iter()
                        .map(|code| Term {
                            code: code.to_string(),
                            key: format!("taxonomy.{v}.{code}"),
                            name_fr: String::new(),
                            name_en: String::new(),
                            retired: false,
                            seeded: true,
                        })
                        .collect();
                    (*v, terms)
                })
                .collect(),
        }
    }

    /// The seeded terms with the moderators' changes and additions.
    pub async fn load(db: &Db) -> Result<Taxonomy, StoreError> {
        let mut t = Taxonomy::seeded();
        let rows = sqlx::query(
            "SELECT vocabulary, code, name_fr, name_en, retired FROM directory_terms \
             ORDER BY position, code",
        )
        .fetch_all(db.pool())
        .await?;
        for r in rows {
            let vocabulary: String = r.try_get("vocabulary")?;
            let Some((_, terms)) = t.vocabularies.iter_mut().find(|(v, _)| *v == vocabulary) else {
                continue;
            };
            let term = Term {
                code: r.try_get("code")?,
                key: String::new(),
                name_fr: r.try_get("name_fr")?,
                name_en: r.try_get("name_en")?,
                retired: r.try_get::<i64, _>("retired")? != 0,
                seeded: false,
            };
            match terms.iter_mut().find(|x| x.code == term.code) {
                Some(seeded) => {
                    seeded.name_fr = term.name_fr;
                    seeded.name_en = term.name_en;
                    seeded.retired = term.retired;
                }
                None => terms.push(term),
            }
        }
        Ok(t)
    }

    /// Every term of a vocabulary, retired ones included.
    pub fn terms(&self, vocabulary: &str) -> &[Term] {
        self.vocabularies
            .iter()
            .find(|(v, _)| *v == vocabulary)
            .map(|(_, t)| t.as_slice())
            .unwrap_or(&[])
    }

    /// The codes offered in forms and lists.
    pub fn active(&self, vocabulary: &str) -> Vec<&Term> {
        self.terms(vocabulary)
            .iter()
            .filter(|t| !t.retired)
            .collect()
    }

    /// Whether a code is a term of a vocabulary (retired or not: entries keep theirs).
    pub fn knows(&self, vocabulary: &str, code: &str) -> bool {
        self.terms(vocabulary).iter().any(|t| t.code == code)
    }

    /// The name of a term in a language (the code itself for an unknown one).
    pub fn name(&self, lang: Lang, vocabulary: &str, code: &str) -> String {
        self.terms(vocabulary)
            .iter()
            .find(|t| t.code == code)
            .map(|t| t.name(lang).to_string())
            .unwrap_or_else(|| code.to_string())
    }

    /// The codes of a vocabulary, retired ones included (the open data's schema).
    pub fn codes(&self, vocabulary: &str) -> Vec<String> {
        self.terms(vocabulary)
            .iter()
            .map(|t| t.code.clone())
            .collect()
    }
}

/// A term as a moderator types it.
#[derive(Debug, Clone)]
pub struct TermInput {
    /// A vocabulary of [`VOCABULARIES`].
    pub vocabulary: &'static str,
    /// Lower-case letters, digits and underscores, 2 to 40.
    pub code: String,
    /// French name, 2 to 80 characters.
    pub name_fr: String,
    /// English name, 2 to 80 characters.
    pub name_en: String,
}

impl TermInput {
    /// Parses a term's form.
    pub fn parse(
        vocabulary: &str,
        code: &str,
        name_fr: &str,
        name_en: &str,
    ) -> Result<TermInput, FieldErrors> {
        let mut errors = FieldErrors::new();
        let vocabulary = VOCABULARIES.iter().find(|v| **v == vocabulary).copied();
        if vocabulary.is_none() {
            errors.push(FieldError::new("vocabulary", "term.vocabulary"));
        }
        let code = code.trim().to_string();
        if code.len() < 2
            || code.len() > 40
            || !code
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        {
            errors.push(FieldError::new("code", "term.code"));
        }
        let name_fr = errors.take(text::line(name_fr, "name_fr", 2, 80));
        let name_en = errors.take(text::line(name_en, "name_en", 2, 80));
        match (vocabulary, name_fr, name_en) {
            (Some(vocabulary), Some(name_fr), Some(name_en)) if errors.is_empty() => {
                Ok(TermInput {
                    vocabulary,
                    code,
                    name_fr,
                    name_en,
                })
            }
            _ => Err(errors),
        }
    }
}

/// Adds a term; a code the vocabulary already has is a field error.
pub async fn add(db: &Db, tax: &Taxonomy, t: &TermInput, by: &str) -> Result<(), StoreError> {
    if tax.knows(t.vocabulary, &t.code) {
        return Err(StoreError::Invalid(
            FieldError::new("code", "term.taken").into(),
        ));
    }
    write(db, t, false, by, "term.add").await
}

/// Renames a term, or retires or restores it.
pub async fn change(db: &Db, t: &TermInput, retired: bool, by: &str) -> Result<(), StoreError> {
    write(db, t, retired, by, "term.change").await
}

async fn write(
    db: &Db,
    t: &TermInput,
    retired: bool,
    by: &str,
    action: &str,
) -> Result<(), StoreError> {
    let mut w = db.write().await?;
    sqlx::query(
        "INSERT INTO directory_terms (vocabulary, code, name_fr, name_en, retired, position, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $6) ON CONFLICT (vocabulary, code) DO UPDATE SET \
         name_fr = $3, name_en = $4, retired = $5, updated_at = $6",
    )
    .bind(t.vocabulary)
    .bind(&t.code)
    .bind(&t.name_fr)
    .bind(&t.name_en)
    .bind(i64::from(retired))
    .bind(now_ms())
    .execute(&mut *w)
    .await?;
    let id = format!("{}/{}", t.vocabulary, t.code);
    w.audit(Some(by), action, "directory_term", &id, &t.name_fr)
        .await?;
    w.changed(crate::DIRECTORY_TERM, &id, Op::Upsert).await?;
    w.commit().await?;
    Ok(())
}

/// The current taxonomy, read again when terms changed.
pub async fn current(state: &kernel::AppState) -> Result<std::sync::Arc<Taxonomy>, Error> {
    let load = |db: Db| async move { Ok(Taxonomy::load(&db).await?) };
    crate::facets::kept(state, crate::DIRECTORY_TERM, load).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terms_are_checked_and_the_seeds_have_both_names() {
        let t = Taxonomy::seeded();
        assert!(t.knows("kind", "fablab") && !t.knows("kind", "castle"));
        assert_eq!(t.active("theme").len(), taxonomy::THEMES.len());
        assert!(
            t.terms("public")
                .iter()
                .all(|x| x.key.starts_with("taxonomy.public."))
        );
        assert!(
            TermInput::parse(
                "theme",
                "agriculture_urbaine",
                "Agriculture urbaine",
                "Urban farming"
            )
            .is_ok()
        );
        let e = TermInput::parse("colour", "Bad Code", "", "x").unwrap_err();
        for f in ["vocabulary", "code", "name_fr", "name_en"] {
            assert!(e.on(f).is_some(), "{f}");
        }
    }
}
