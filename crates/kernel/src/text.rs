//! Plain text typed into forms: one-line titles and multi-paragraph descriptions, trimmed,
//! without control characters, within length bounds.

/// An address from a title: its folded words joined by hyphens (60 characters at most) and a
/// short random tail, so that two items of the same title differ.
pub fn slug(title: &str) -> String {
    let folded = crate::search::fold(title);
    let words: Vec<&str> = folded
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    let base: String = words.join("-").chars().take(60).collect();
    let tail: String = crate::ids::new_id().chars().take(5).collect();
    if base.is_empty() {
        tail
    } else {
        format!("{base}-{tail}")
    }
}

use crate::error::FieldError;

/// A one-line text of `min..=max` characters (titles, names).
pub fn line(raw: &str, field: &'static str, min: usize, max: usize) -> Result<String, FieldError> {
    let s = raw.trim();
    let n = s.chars().count();
    if n < min {
        return Err(FieldError::new(
            field,
            if n == 0 {
                "text.required"
            } else {
                "text.too_short"
            },
        ));
    }
    if n > max {
        return Err(FieldError::new(field, "text.too_long"));
    }
    if s.chars().any(char::is_control) {
        return Err(FieldError::new(field, "text.control"));
    }
    Ok(s.to_string())
}

/// A text of at most `max` characters where blank lines separate paragraphs; may be empty.
pub fn paragraphs(raw: &str, field: &'static str, max: usize) -> Result<String, FieldError> {
    let s = raw.trim().replace("\r\n", "\n");
    if s.chars().count() > max {
        return Err(FieldError::new(field, "text.too_long"));
    }
    if s.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
        return Err(FieldError::new(field, "text.control"));
    }
    Ok(s)
}

/// The paragraphs of a text made by [`paragraphs`].
pub fn split_paragraphs(text: &str) -> Vec<&str> {
    text.split("\n\n")
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_trimmed_and_bounded() {
        assert_eq!(
            line("  Budget 2027 ", "title", 2, 20).unwrap(),
            "Budget 2027"
        );
        assert_eq!(line("", "title", 2, 20).unwrap_err().code, "text.required");
        assert_eq!(
            line("a", "title", 2, 20).unwrap_err().code,
            "text.too_short"
        );
        assert_eq!(
            line(&"é".repeat(21), "title", 2, 20).unwrap_err().code,
            "text.too_long"
        );
        assert_eq!(
            line("a\u{7}b", "title", 2, 20).unwrap_err().code,
            "text.control"
        );
    }

    #[test]
    fn paragraphs_keep_blank_lines_and_refuse_controls() {
        let t = paragraphs("Un.\r\n\r\nDeux.", "d", 100).unwrap();
        assert_eq!(split_paragraphs(&t), vec!["Un.", "Deux."]);
        assert_eq!(
            paragraphs("a\u{0}", "d", 100).unwrap_err().code,
            "text.control"
        );
        assert_eq!(paragraphs("abc", "d", 2).unwrap_err().code, "text.too_long");
    }
}
