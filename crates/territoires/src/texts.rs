//! Every text the platform asks for exists in French and in English: the keys written in the
//! templates (`tr.t("…")`, `tr.n`, `tr.f`, `tr.fe`, and `tr.count` or `tr.count_with`: its `.one`
//! and `.other`) and in the code (`tr(lang, "…")`, `trf`), every error code (`error.{code}`) and
//! every field error (`field.{code}`). A missing key shows "?" on a page and nothing else would
//! catch it. Keys made at run time (`format!`) are not seen here.

use kernel::i18n::{Lang, has};
use std::path::{Path, PathBuf};

fn files(dir: &Path, extension: &str, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            files(&path, extension, out);
        } else if path.extension().is_some_and(|e| e == extension) {
            out.push(path);
        }
    }
}

/// The string literals that follow each `marker` in `text`: the first one, or with `second`
/// the one after it (`FieldError::new("field", "code")`).
fn literals_after(text: &str, marker: &str, second: bool) -> Vec<String> {
    let literal = |rest: &str| -> Option<(String, usize)> {
        let start = rest.find(|c: char| !c.is_whitespace())?;
        let rest_from = &rest[start..];
        let body = rest_from.strip_prefix('"')?;
        let end = body.find('"')?;
        Some((body[..end].to_string(), start + 1 + end + 1))
    };
    text.match_indices(marker)
        .filter_map(|(at, _)| {
            let rest = &text[at + marker.len()..];
            let (first, used) = literal(rest)?;
            if !second {
                return Some(first);
            }
            let rest = rest[used..].trim_start().strip_prefix(',')?;
            literal(rest).map(|(s, _)| s)
        })
        .collect()
}

#[test]
fn every_text_asked_for_exists_in_both_languages() {
    for (fr, en) in crate::components().into_iter().filter_map(|c| c.locales) {
        kernel::i18n::register(fr, en);
    }
    let crates = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let (mut templates, mut sources) = (Vec::new(), Vec::new());
    for entry in std::fs::read_dir(&crates).unwrap().flatten() {
        files(&entry.path().join("templates"), "html", &mut templates);
        files(&entry.path().join("src"), "rs", &mut sources);
    }
    let mut wanted: Vec<(String, String)> = Vec::new();
    for file in &templates {
        let text = std::fs::read_to_string(file).unwrap();
        let name = file.display().to_string();
        for marker in ["tr.t(", "tr.n(", "tr.f("] {
            for key in literals_after(&text, marker, false) {
                wanted.push((name.clone(), key));
            }
        }
        for code in literals_after(&text, "tr.fe(", false) {
            wanted.push((name.clone(), format!("field.{code}")));
        }
        for marker in ["tr.count(", "tr.count_with("] {
            for key in literals_after(&text, marker, false) {
                wanted.push((name.clone(), format!("{key}.one")));
                wanted.push((name.clone(), format!("{key}.other")));
            }
        }
    }
    // This file names the markers it looks for.
    for file in sources
        .iter()
        .filter(|f| !f.ends_with("territoires/src/texts.rs"))
    {
        let text = std::fs::read_to_string(file).unwrap();
        let name = file.display().to_string();
        for marker in ["Error::BadRequest(", "Error::Conflict(", "Error::Gone("] {
            for code in literals_after(&text, marker, false) {
                wanted.push((name.clone(), format!("error.{code}")));
            }
        }
        for code in literals_after(&text, "FieldError::new(", true) {
            wanted.push((name.clone(), format!("field.{code}")));
        }
        // A component's error enum names each code in one arm of its `code()`.
        if file.ends_with("error.rs") {
            for code in literals_after(&text, "=> ", false) {
                wanted.push((name.clone(), format!("error.{code}")));
            }
        }
        for marker in ["tr(lang, ", "tr(page.lang, ", "trf(lang, "] {
            for key in literals_after(&text, marker, false) {
                wanted.push((name.clone(), key));
            }
        }
        for marker in ["tr.count(", "tr.count_with("] {
            for key in literals_after(&text, marker, false) {
                wanted.push((name.clone(), format!("{key}.one")));
                wanted.push((name.clone(), format!("{key}.other")));
            }
        }
    }
    assert!(wanted.len() > 700, "the scan found {} keys", wanted.len());
    let missing: Vec<String> = wanted
        .iter()
        .flat_map(|(file, key)| {
            [Lang::Fr, Lang::En]
                .into_iter()
                .filter(|lang| !has(*lang, key))
                .map(move |lang| format!("{file}: {key} ({})", lang.code()))
        })
        .collect();
    assert!(missing.is_empty(), "texts missing:\n{}", missing.join("\n"));
}

#[test]
fn literals_are_read_after_their_marker() {
    let text = r#"tr.t("a.b") FieldError::new("email",
        "email.format") FieldError::new(field, "x")"#;
    assert_eq!(literals_after(text, "tr.t(", false), ["a.b"]);
    assert_eq!(
        literals_after(text, "FieldError::new(", true),
        ["email.format"]
    );
}
