//! The icons of categories: a fixed set of line drawings (from the Lucide set, embedded at build
//! time, see `build.rs`), drawn inline in the category's colour so that no style attribute is
//! needed, and hidden from screen readers (the category's name is always written beside).

use crate::web::assets::{FILES, ICONS};

/// The names of the icons, in the order the forms offer them.
pub fn names() -> &'static [&'static str] {
    ICONS
}

/// Whether `name` is one of the icons.
pub fn known(name: &str) -> bool {
    ICONS.contains(&name)
}

/// The icon `name` as inline SVG stroked in `colour` (`#rrggbb`; the text's colour otherwise),
/// or nothing for an unknown name.
pub fn inline(name: &str, colour: &str) -> String {
    if !known(name) {
        return String::new();
    }
    let path = format!("icons/{name}.svg");
    let Some(svg) = FILES
        .iter()
        .find(|(p, _)| *p == path)
        .and_then(|(_, bytes)| std::str::from_utf8(bytes).ok())
    else {
        return String::new();
    };
    let start = svg.find("<svg").unwrap_or(0);
    let stroke = if is_colour(colour) {
        colour
    } else {
        "currentColor"
    };
    let svg = &svg[start..];
    let body = svg.find('>').map_or("", |end| &svg[end + 1..]);
    format!(
        r#"<svg class="icon" xmlns="http://www.w3.org/2000/svg" width="20" height="20" viewBox="0 0 24 24" fill="none" stroke="{stroke}" stroke-width="2" stroke-linecap="round" stroke-linejoin="round" aria-hidden="true" focusable="false">{}"#,
        body.split_whitespace().collect::<Vec<_>>().join(" ")
    )
}

/// Whether a text is a colour `#rrggbb`.
fn is_colour(s: &str) -> bool {
    s.len() == 7 && s.starts_with('#') && s[1..].bytes().all(|b| b.is_ascii_hexdigit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_icon_is_drawn_in_its_colour_and_an_unknown_one_not_at_all() {
        assert!(names().len() >= 10 && known("idea") && !known("../site.css"));
        let svg = inline("idea", "#1f6feb");
        assert!(svg.starts_with(r#"<svg class="icon""#), "{svg}");
        assert!(svg.contains(r##"stroke="#1f6feb""##) && svg.contains("<path"));
        assert!(svg.trim_end().ends_with("</svg>") && !svg.contains("<!--"));
        // A colour that is not one is not written into the page.
        assert!(inline("idea", "red\" onload=\"x").contains(r#"stroke="currentColor""#));
        assert_eq!(inline("nothing", "#000000"), "");
        for name in names() {
            assert!(
                inline(name, "").contains("<path")
                    || inline(name, "").contains("<circle")
                    || inline(name, "").contains("<rect"),
                "{name}"
            );
        }
    }
}
