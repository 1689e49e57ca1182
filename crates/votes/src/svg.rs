//! The bars of result charts, drawn on the server as SVG. A chart is a list of rows whose
//! names and figures are text of the page, at the page's size on every screen; only the bars
//! are drawn, each stretched to its row's width. The figures are also in a table below it.

use std::fmt::Write;

/// A bar's colour for funded projects and winning options.
pub const FIRST: &str = "#1d4f91";
/// A bar's colour for the others.
pub const OTHER: &str = "#6b7f99";

/// One bar: parts laid end to end from the left, each a fraction of the row's width with its
/// colour; `mark` draws a dashed line at a fraction of the width (a median).
pub fn bar(parts: &[(f64, String)], mark: Option<f64>) -> String {
    let mut out = String::from(
        r#"<svg class="bar" viewBox="0 0 1000 20" preserveAspectRatio="none" aria-hidden="true" focusable="false">"#,
    );
    let mut x = 0.0;
    for (fraction, colour) in parts {
        let w = 1000.0 * fraction.clamp(0.0, 1.0);
        if w > 0.0 {
            let _ = write!(
                out,
                r#"<rect x="{x:.1}" y="0" width="{w:.1}" height="20" fill="{colour}"/>"#
            );
        }
        x += w;
    }
    if let Some(m) = mark {
        let m = 1000.0 * m.clamp(0.0, 1.0);
        let _ = write!(
            out,
            r##"<line x1="{m:.1}" y1="0" x2="{m:.1}" y2="20" stroke="#000" stroke-width="2" stroke-dasharray="4 3" vector-effect="non-scaling-stroke"/>"##
        );
    }
    out.push_str("</svg>");
    out
}

/// Colours of a scale from worst to best, dark enough for a white outline and distinct in
/// grey levels.
pub fn grade_colour(grade: usize, grades: usize) -> String {
    // From a dark red (worst) to a dark green (best).
    let t = if grades <= 1 {
        1.0
    } else {
        grade as f64 / (grades - 1) as f64
    };
    let r = (170.0 * (1.0 - t) + 20.0 * t) as u8;
    let g = (40.0 * (1.0 - t) + 110.0 * t) as u8;
    let b = (40.0 * (1.0 - t) + 60.0 * t) as u8;
    format!("#{r:02x}{g:02x}{b:02x}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bar_lays_its_parts_end_to_end_over_the_width() {
        let svg = bar(&[(0.25, FIRST.into()), (0.5, OTHER.into())], Some(0.5));
        assert!(
            svg.contains(r#"<rect x="0.0" y="0" width="250.0""#),
            "{svg}"
        );
        assert!(
            svg.contains(r#"<rect x="250.0" y="0" width="500.0""#),
            "{svg}"
        );
        assert!(svg.contains(r#"x1="500.0""#), "{svg}");
        // Nothing drawn for an empty part, nothing beyond the width.
        let svg = bar(&[(0.0, FIRST.into()), (3.0, OTHER.into())], None);
        assert_eq!(svg.matches("<rect").count(), 1);
        assert!(svg.contains(r#"width="1000.0""#));
        assert_ne!(grade_colour(0, 7), grade_colour(6, 7));
    }
}
