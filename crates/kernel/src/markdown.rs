//! The Markdown subset of long texts typed by citizens and owners: paragraphs, line breaks,
//! lists (`- ` or `* `, `1. `), `**bold**`, `*italic*` and links `[text](https://…)`. Everything
//! else is shown as typed: the text is escaped first, so no HTML ever passes through.

use crate::text::escape_html as escape;

/// The text as safe HTML.
pub fn to_html(text: &str) -> String {
    let mut out = String::new();
    for block in crate::text::split_paragraphs(&text.replace("\r\n", "\n")) {
        let lines: Vec<&str> = block.lines().map(str::trim).collect();
        if lines.iter().all(|l| bullet(l).is_some()) {
            list(&mut out, "ul", lines.iter().filter_map(|l| bullet(l)));
        } else if lines.iter().all(|l| numbered(l).is_some()) {
            list(&mut out, "ol", lines.iter().filter_map(|l| numbered(l)));
        } else {
            out.push_str("<p>");
            for (i, l) in lines.iter().enumerate() {
                if i > 0 {
                    out.push_str("<br>\n");
                }
                out.push_str(&inline(l));
            }
            out.push_str("</p>\n");
        }
    }
    out
}

/// The text without its marks, for excerpts, feeds and search.
pub fn to_plain(text: &str) -> String {
    let mut s = text.replace("**", "");
    while let Some(start) = s.find('[') {
        let Some(mid) = s[start..].find("](").map(|m| start + m) else {
            break;
        };
        let Some(end) = s[mid..].find(')').map(|e| mid + e) else {
            break;
        };
        let label = s[start + 1..mid].to_string();
        s.replace_range(start..=end, &label);
    }
    s
}

fn bullet(l: &str) -> Option<&str> {
    l.strip_prefix("- ").or_else(|| l.strip_prefix("* "))
}

fn numbered(l: &str) -> Option<&str> {
    l.split_once(". ")
        .filter(|(n, _)| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
        .map(|(_, rest)| rest)
}

fn list<'a>(out: &mut String, tag: &str, items: impl Iterator<Item = &'a str>) {
    out.push_str(&format!("<{tag}>"));
    for item in items {
        out.push_str(&format!("<li>{}</li>", inline(item)));
    }
    out.push_str(&format!("</{tag}>\n"));
}

/// One line: links, then bold and italic, on the escaped text.
fn inline(line: &str) -> String {
    let mut out = String::new();
    let mut rest = line;
    while let Some(start) = rest.find('[') {
        let link = rest[start..].find("](").and_then(|m| {
            let url_start = start + m + 2;
            rest[url_start..]
                .find(')')
                .map(|e| (start + 1, start + m, url_start, url_start + e))
        });
        match link {
            Some((ls, le, us, ue))
                if rest[us..ue].starts_with("https://") || rest[us..ue].starts_with("http://") =>
            {
                out.push_str(&emphasis(&escape(&rest[..start])));
                out.push_str(&format!(
                    "<a href=\"{}\" rel=\"nofollow noopener\">{}</a>",
                    escape(&rest[us..ue]),
                    emphasis(&escape(&rest[ls..le]))
                ));
                rest = &rest[ue + 1..];
            }
            _ => {
                out.push_str(&emphasis(&escape(&rest[..=start])));
                rest = &rest[start + 1..];
            }
        }
    }
    out.push_str(&emphasis(&escape(rest)));
    out
}

fn emphasis(s: &str) -> String {
    let s = pairs(s, "**", "strong");
    pairs(&s, "*", "em")
}

/// Replaces each pair of `mark` around a non-empty text by the element.
fn pairs(s: &str, mark: &str, tag: &str) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(a) = rest.find(mark) {
        let Some(b) = rest[a + mark.len()..]
            .find(mark)
            .map(|b| a + mark.len() + b)
        else {
            break;
        };
        let inner = &rest[a + mark.len()..b];
        if inner.trim().is_empty() || inner.starts_with(' ') {
            out.push_str(&rest[..a + mark.len()]);
            rest = &rest[a + mark.len()..];
            continue;
        }
        out.push_str(&rest[..a]);
        out.push_str(&format!("<{tag}>{inner}</{tag}>"));
        rest = &rest[b + mark.len()..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_subset_is_rendered_and_everything_else_escaped() {
        assert_eq!(
            to_html("Un **banc** ici, *vraiment*.\nMerci <script>x</script>"),
            "<p>Un <strong>banc</strong> ici, <em>vraiment</em>.<br>\nMerci &lt;script&gt;x&lt;/script&gt;</p>\n"
        );
        assert_eq!(
            to_html("- un\n- deux\n\n1. a\n2. b"),
            "<ul><li>un</li><li>deux</li></ul>\n<ol><li>a</li><li>b</li></ol>\n"
        );
        assert_eq!(
            to_html("Voir [le plan](https://lannion.fr/plan?a=1&b=2)."),
            "<p>Voir <a href=\"https://lannion.fr/plan?a=1&amp;b=2\" rel=\"nofollow noopener\">le plan</a>.</p>\n"
        );
        // Only web links: a script address stays text.
        assert_eq!(
            to_html("[x](javascript:alert(1))"),
            "<p>[x](javascript:alert(1))</p>\n"
        );
        assert_eq!(to_html("2 * 3 * 4"), "<p>2 * 3 * 4</p>\n");
        assert_eq!(to_plain("Un **banc** [ici](https://a.fr)"), "Un banc ici");
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        /// Texts built from the marks of the subset, of HTML and of script addresses.
        fn markdown_like() -> impl Strategy<Value = String> {
            let token = prop_oneof![
                Just("*"),
                Just("**"),
                Just("_"),
                Just("["),
                Just("]("),
                Just(")"),
                Just("#"),
                Just("- "),
                Just("* "),
                Just("1. "),
                Just("\n"),
                Just("\n\n"),
                Just("\r\n"),
                Just(" "),
                Just("<script>"),
                Just("</script>"),
                Just("<SCRIPT "),
                Just("javascript:"),
                Just("https://"),
                Just("http://"),
                Just("\""),
                Just("'"),
                Just("&"),
                Just("<"),
                Just(">"),
                Just("é"),
                Just("x"),
                Just("lannion.fr"),
            ];
            prop::collection::vec(token, 0..40).prop_map(|t| t.concat())
        }

        /// The elements the subset writes; any other `<` would be markup from the text.
        const ELEMENTS: &[&str] = &[
            "<p>",
            "</p>",
            "<br>",
            "<ul>",
            "</ul>",
            "<ol>",
            "</ol>",
            "<li>",
            "</li>",
            "<strong>",
            "</strong>",
            "<em>",
            "</em>",
            "<a href=\"https://",
            "<a href=\"http://",
            "</a>",
        ];

        fn only_the_subset(html: &str) -> Result<(), TestCaseError> {
            prop_assert!(!html.to_ascii_lowercase().contains("<script"), "{html}");
            for (i, _) in html.match_indices('<') {
                let rest = &html[i..];
                prop_assert!(ELEMENTS.iter().any(|e| rest.starts_with(e)), "{html}");
            }
            for tag in ["p", "ul", "ol", "li", "strong", "em", "a"] {
                let open = html.matches(&format!("<{tag}>")).count()
                    + html.matches(&format!("<{tag} ")).count();
                prop_assert_eq!(open, html.matches(&format!("</{tag}>")).count(), "{}", html);
            }
            Ok(())
        }

        proptest! {

            #[test]
            fn any_text_renders_as_the_subset_only(text in any::<String>()) {
                only_the_subset(&to_html(&text))?;
                let _ = to_plain(&text);
            }

            #[test]
            fn markdown_like_text_renders_as_the_subset_only(text in markdown_like()) {
                only_the_subset(&to_html(&text))?;
                prop_assert!(to_plain(&text).len() <= text.len());
            }
        }
    }
}
