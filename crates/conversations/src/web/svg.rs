//! Drawings of a conversation, made on the server so that they need no script: the opinion map
//! (participants as dots coloured by group, each group's hull and letter) and the bars of a
//! statement's agreement inside and outside a group.

use decide::polis::OpinionMap;
use kernel::i18n::Tr;
use std::fmt::Write;

/// Side of the map's square, in SVG units.
const SIDE: f64 = 400.0;
/// Room left around the dots.
const MARGIN: f64 = 24.0;

/// The group colours (contrast ≥ 3:1 on white) and their letters.
const COLOURS: [&str; 5] = ["#1f5fa8", "#b5470b", "#2e7d32", "#7b3fa0", "#8a6d00"];

/// The letter of group `g`: A, B, …
pub fn group_letter(g: usize) -> char {
    (b'A' + (g % 26) as u8) as char
}

/// The colour of group `g`.
pub fn group_colour(g: usize) -> &'static str {
    COLOURS[g % COLOURS.len()]
}

/// The convex hull of some points, counter-clockwise (Andrew's monotone chain).
fn hull(mut points: Vec<(f64, f64)>) -> Vec<(f64, f64)> {
    points.sort_by(|a, b| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal));
    points.dedup();
    if points.len() < 3 {
        return points;
    }
    let cross = |o: (f64, f64), a: (f64, f64), b: (f64, f64)| {
        (a.0 - o.0) * (b.1 - o.1) - (a.1 - o.1) * (b.0 - o.0)
    };
    let mut lower: Vec<(f64, f64)> = Vec::new();
    for p in &points {
        while lower.len() >= 2 && cross(lower[lower.len() - 2], lower[lower.len() - 1], *p) <= 0.0 {
            lower.pop();
        }
        lower.push(*p);
    }
    let mut upper: Vec<(f64, f64)> = Vec::new();
    for p in points.iter().rev() {
        while upper.len() >= 2 && cross(upper[upper.len() - 2], upper[upper.len() - 1], *p) <= 0.0 {
            upper.pop();
        }
        upper.push(*p);
    }
    lower.pop();
    upper.pop();
    lower.extend(upper);
    lower
}

/// The opinion map as an SVG: in-conversation participants coloured by group, each group's hull
/// and letter, and the reader (`me`) ringed when they are on it. Its text alternative is the
/// table of groups beside it.
pub fn opinion_map(map: &OpinionMap, me: Option<u32>, tr: Tr) -> String {
    let dots: Vec<(u32, [f64; 2], Option<usize>)> = map
        .in_conv
        .iter()
        .filter_map(|pid| {
            map.positions
                .get(pid)
                .map(|p| (*pid, *p, map.group_of.get(pid).copied()))
        })
        .collect();
    let reach = dots
        .iter()
        .flat_map(|(_, p, _)| [p[0].abs(), p[1].abs()])
        .fold(0.0f64, f64::max)
        .max(1e-9);
    let scale = (SIDE / 2.0 - MARGIN) / reach;
    let at = |p: [f64; 2]| (SIDE / 2.0 + p[0] * scale, SIDE / 2.0 - p[1] * scale);
    let mut svg = String::new();
    let _ = write!(
        svg,
        "<svg class=\"opinion-map\" viewBox=\"0 0 {SIDE} {SIDE}\" role=\"img\" aria-labelledby=\"map-title\" \
         xmlns=\"http://www.w3.org/2000/svg\"><title id=\"map-title\">{}</title>\
         <line x1=\"0\" y1=\"{h}\" x2=\"{SIDE}\" y2=\"{h}\" class=\"axis\"/>\
         <line x1=\"{h}\" y1=\"0\" x2=\"{h}\" y2=\"{SIDE}\" class=\"axis\"/>",
        kernel::text::escape_html(&tr.count("conversation.map_title", dots.len() as i64)),
        h = SIDE / 2.0
    );
    for (g, group) in map.groups.iter().enumerate() {
        let corners = hull(
            dots.iter()
                .filter(|(_, _, of)| *of == Some(g))
                .map(|(_, p, _)| at(*p))
                .collect(),
        );
        if corners.len() >= 3 {
            let points: Vec<String> = corners
                .iter()
                .map(|(x, y)| format!("{x:.1},{y:.1}"))
                .collect();
            let _ = write!(
                svg,
                "<polygon class=\"hull\" data-group=\"{g}\" points=\"{}\" fill=\"{c}\" stroke=\"{c}\"/>",
                points.join(" "),
                c = group_colour(g)
            );
        }
        let (x, y) = at(group.center);
        let _ = write!(
            svg,
            "<text class=\"group-label\" x=\"{x:.1}\" y=\"{y:.1}\" fill=\"{}\">{}</text>",
            group_colour(g),
            group_letter(g)
        );
    }
    for (pid, p, group) in &dots {
        let (x, y) = at(*p);
        let colour = group.map(group_colour).unwrap_or("#555");
        let _ = write!(
            svg,
            "<circle cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"4\" fill=\"{colour}\"{}/>",
            if Some(*pid) == me {
                " class=\"me\""
            } else {
                ""
            }
        );
    }
    if let Some((_, p, _)) = dots.iter().find(|(pid, _, _)| Some(*pid) == me) {
        let (x, y) = at(*p);
        let _ = write!(
            svg,
            "<circle cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"9\" class=\"me-ring\"/>\
             <text x=\"{:.1}\" y=\"{:.1}\" class=\"me-label\">{}</text>",
            x + 11.0,
            y + 4.0,
            kernel::text::escape_html(tr.t("conversation.you"))
        );
    }
    svg.push_str("</svg>");
    svg
}

/// Two horizontal bars: the share of a group that agrees with a statement, and the share of
/// everyone else, in percent.
pub fn agreement_bars(inside: f64, outside: f64, tr: Tr) -> String {
    let bar = |y: u32, share: f64, class: &str, label: &str| {
        let width = (share.clamp(0.0, 100.0) * 2.0).round();
        format!(
            "<rect x=\"0\" y=\"{y}\" width=\"{width}\" height=\"14\" class=\"{class}\"/>\
             <text x=\"{}\" y=\"{}\" class=\"bar-label\">{} {share:.0}\u{a0}%</text>",
            width + 4.0,
            y + 11,
            kernel::text::escape_html(label)
        )
    };
    format!(
        "<svg class=\"agreement\" viewBox=\"0 0 320 36\" role=\"img\" aria-label=\"{}\" \
         xmlns=\"http://www.w3.org/2000/svg\">{}{}</svg>",
        kernel::text::escape_html(&tr.f(
            "conversation.bars_label",
            &[
                ("inside", &format!("{inside:.0}")),
                ("outside", &format!("{outside:.0}"))
            ]
        )),
        bar(0, inside, "inside", tr.t("conversation.inside")),
        bar(20, outside, "outside", tr.t("conversation.outside")),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hull_keeps_the_corners_only() {
        let h = hull(vec![
            (0.0, 0.0),
            (2.0, 0.0),
            (1.0, 1.0),
            (2.0, 2.0),
            (0.0, 2.0),
        ]);
        assert_eq!(h.len(), 4);
        assert!(!h.contains(&(1.0, 1.0)));
        assert_eq!(group_letter(0), 'A');
        assert_eq!(group_letter(2), 'C');
    }
}
