//! Plain text typed into forms: one-line titles and multi-paragraph descriptions, trimmed,
//! without control characters, within length bounds.

/// The words of a title for an address: accents folded, lowercase, anything but ASCII letters
/// and digits between words.
pub fn folded_words(title: &str) -> Vec<String> {
    crate::search::fold(title)
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(String::from)
        .collect()
}

/// An address from a title: its folded words joined by hyphens (60 characters at most) and a
/// short random tail, so that two items of the same title differ.
pub fn slug(title: &str) -> String {
    let base: String = folded_words(title).join("-").chars().take(60).collect();
    let tail: String = crate::ids::new_id().chars().take(5).collect();
    if base.is_empty() {
        tail
    } else {
        format!("{base}-{tail}")
    }
}

use crate::error::FieldError;

/// The non-empty lines of a text, trimmed.
pub fn lines(raw: &str) -> Vec<String> {
    raw.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(String::from)
        .collect()
}

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

/// Text made safe inside HTML, SVG or XML, in content and in quoted attributes.
pub fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
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

/// A link a person typed, in its parsed canonical form: an `http(s)` address of a named host,
/// or a path of this site. Any other scheme (`javascript:`, `data:`, `vbscript:`, `file:`…) is
/// refused, whatever follows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Link {
    /// An `http` or `https` address (a bare host gets `https://`).
    Web(String),
    /// A path of this site, from its `/`.
    Local(String),
}

impl Link {
    /// Parses a typed link; `code` names the field error of a refused one.
    pub fn parse(raw: &str, field: &'static str, code: &'static str) -> Result<Link, FieldError> {
        let s = raw.trim();
        let err = || FieldError::new(field, code);
        if s.is_empty() || s.len() > 500 || s.chars().any(|c| c.is_control() || c.is_whitespace()) {
            return Err(err());
        }
        if s.starts_with('/') {
            if s.starts_with("//") || s.contains('\\') {
                return Err(err());
            }
            let base = url::Url::parse("http://site.invalid").map_err(|_| err())?;
            let url = base.join(s).map_err(|_| err())?;
            let path = &url[url::Position::BeforePath..];
            return Ok(Link::Local(path.to_string()));
        }
        let has_scheme = s
            .split_once(':')
            .is_some_and(|(scheme, _)| !scheme.is_empty() && !scheme.contains(['.', '/']));
        let full = if has_scheme {
            s.to_string()
        } else {
            format!("https://{s}")
        };
        let url = url::Url::parse(&full).map_err(|_| err())?;
        let named_host = matches!(url.host(), Some(url::Host::Domain(d)) if d.contains('.') && !d.ends_with('.'));
        if !matches!(url.scheme(), "http" | "https")
            || !named_host
            || !url.username().is_empty()
            || url.password().is_some()
        {
            return Err(err());
        }
        Ok(Link::Web(url.to_string()))
    }

    /// The link as stored and put in an `href`.
    pub fn as_str(&self) -> &str {
        match self {
            Link::Web(s) | Link::Local(s) => s,
        }
    }

    /// Its path: the whole of a local link, the path of an address.
    pub fn path(&self) -> String {
        match self {
            Link::Local(s) => s.split(['?', '#']).next().unwrap_or("").to_string(),
            Link::Web(s) => url::Url::parse(s)
                .map(|u| u.path().to_string())
                .unwrap_or_default(),
        }
    }
}

#[cfg(test)]
mod link_tests {
    use super::Link;

    fn parse(s: &str) -> Option<String> {
        Link::parse(s, "link", "link.format")
            .ok()
            .map(|l| l.as_str().to_string())
    }

    #[test]
    fn only_web_addresses_and_local_paths_are_links() {
        assert_eq!(
            parse("lannion.bzh").as_deref(),
            Some("https://lannion.bzh/")
        );
        assert_eq!(
            parse("HTTP://Lannion.BZH/a b").as_deref(),
            None,
            "no spaces"
        );
        assert_eq!(
            parse("http://x.fr/a?b=1").as_deref(),
            Some("http://x.fr/a?b=1")
        );
        assert_eq!(
            parse("/s/lannion/processes/lannion-2030").as_deref(),
            Some("/s/lannion/processes/lannion-2030")
        );
        for bad in [
            "javascript://%0aalert(document.domain)/s/lannion/processes/lannion-2030",
            "javascript:alert(1)",
            "JavaScript:alert(1)",
            "data:text/html,<script>alert(1)</script>",
            "vbscript:msgbox(1)",
            "file:///etc/passwd",
            "//evil.example/x",
            "/\\evil.example",
            "https://user:pass@x.fr/",
            "https://localhost/",
            "https://",
            "",
        ] {
            assert_eq!(parse(bad), None, "{bad}");
        }
        assert_eq!(
            Link::parse("https://x.fr/s/a/processes/b?c", "l", "c")
                .unwrap()
                .path(),
            "/s/a/processes/b"
        );
    }
}
