//! Result charts drawn on the server as SVG: bars for counts, stacked merit profiles for
//! majority judgments. Each chart has a title and a description for screen readers; the
//! figures are also in a table beside it.

use std::fmt::Write;

use kernel::text::escape_html as esc;

const WIDTH: f64 = 640.0;
const LABEL: f64 = 200.0;
const ROW: f64 = 28.0;

fn shorten(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        format!("{}…", s.chars().take(n - 1).collect::<String>())
    }
}

/// The start of a chart of this height, titled for screen readers.
fn open(title: &str, height: f64) -> String {
    format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" width="100%" role="img" aria-label="{}"><title>{}</title>"#,
        esc(title),
        esc(title)
    )
}

/// Horizontal bars: one row per (label, value), longest bar for the largest value.
pub fn bars(title: &str, rows: &[(String, u64, bool)]) -> String {
    let max = rows.iter().map(|r| r.1).max().unwrap_or(0).max(1) as f64;
    let height = ROW * rows.len() as f64 + 8.0;
    let mut out = open(title, height);
    let span = WIDTH - LABEL - 70.0;
    for (i, (label, value, highlight)) in rows.iter().enumerate() {
        let y = 4.0 + ROW * i as f64;
        let w = span * (*value as f64) / max;
        let fill = if *highlight { "#1d4f91" } else { "#6b7f99" };
        let _ = write!(
            out,
            r##"<text x="{}" y="{}" text-anchor="end" font-size="13" fill="#1a1a1a">{}</text><rect x="{LABEL}" y="{}" width="{w:.1}" height="{}" fill="{fill}"/><text x="{}" y="{}" font-size="13" fill="#1a1a1a">{value}</text>"##,
            LABEL - 8.0,
            y + 18.0,
            esc(&shorten(label, 28)),
            y + 4.0,
            ROW - 8.0,
            LABEL + w + 6.0,
            y + 18.0,
        );
    }
    out.push_str("</svg>");
    out
}

/// Colours of a scale from worst to best, dark enough for a white outline and distinct in
/// grey levels.
fn grade_colour(grade: usize, grades: usize) -> String {
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

/// Merit profiles: one stacked bar per option, best grade on the left, with the median line.
/// `tallies` are worst grade first; `grades` are the names, best first.
pub fn merit_profiles(title: &str, options: &[(String, Vec<u64>)], grades: &[String]) -> String {
    let n = grades.len();
    let height = ROW * options.len() as f64 + 8.0 + ROW * n.div_ceil(3) as f64;
    let mut out = open(title, height);
    let span = WIDTH - LABEL - 10.0;
    for (i, (label, tally)) in options.iter().enumerate() {
        let y = 4.0 + ROW * i as f64;
        let total = tally.iter().sum::<u64>().max(1) as f64;
        let _ = write!(
            out,
            r##"<text x="{}" y="{}" text-anchor="end" font-size="13" fill="#1a1a1a">{}</text>"##,
            LABEL - 8.0,
            y + 18.0,
            esc(&shorten(label, 28))
        );
        let mut x = LABEL;
        // Best grade first, on the left.
        for g in (0..tally.len()).rev() {
            let w = span * tally[g] as f64 / total;
            if w > 0.0 {
                let _ = write!(
                    out,
                    r#"<rect x="{x:.1}" y="{}" width="{w:.1}" height="{}" fill="{}"><title>{}: {}</title></rect>"#,
                    y + 4.0,
                    ROW - 8.0,
                    grade_colour(g, tally.len()),
                    esc(grades.get(n - 1 - g).map(String::as_str).unwrap_or("")),
                    tally[g]
                );
            }
            x += w;
        }
    }
    let mid = LABEL + span / 2.0;
    let bottom = 4.0 + ROW * options.len() as f64;
    let _ = write!(
        out,
        r##"<line x1="{mid:.1}" y1="0" x2="{mid:.1}" y2="{bottom}" stroke="#000" stroke-width="2" stroke-dasharray="4 3"/>"##
    );
    for (i, name) in grades.iter().enumerate() {
        let col = (i % 3) as f64;
        let row = (i / 3) as f64;
        let x = LABEL + col * 150.0;
        let y = bottom + 8.0 + row * ROW;
        let _ = write!(
            out,
            r##"<rect x="{x}" y="{y}" width="14" height="14" fill="{}"/><text x="{}" y="{}" font-size="13" fill="#1a1a1a">{}</text>"##,
            grade_colour(n - 1 - i, n),
            x + 20.0,
            y + 12.0,
            esc(name)
        );
    }
    out.push_str("</svg>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn charts_escape_their_labels_and_scale_to_the_largest_value() {
        let svg = bars(
            "Résultats",
            &[("<b>A</b>".into(), 10, true), ("B & C".into(), 5, false)],
        );
        assert!(svg.contains("&lt;b&gt;A&lt;/b&gt;"));
        assert!(svg.contains("B &amp; C"));
        assert!(svg.contains(r#"width="370.0""#));
        assert!(svg.contains(r#"width="185.0""#));
        let grades: Vec<String> = vec!["Bien".into(), "Passable".into(), "À rejeter".into()];
        let svg = merit_profiles("Profils", &[("A".into(), vec![1, 1, 2])], &grades);
        assert!(svg.contains("<title>Bien: 2</title>"));
        assert!(svg.contains("<title>À rejeter: 1</title>"));
    }
}
