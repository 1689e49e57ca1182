//! Which statement a participant sees next, as Polis chooses it: a draw weighted by each
//! statement's priority, so that statements few have seen, that many agree on, that few pass
//! and that separate opinions come first.

use super::{OpinionMap, Statement};
use std::collections::BTreeMap;

/// The weight of a meta statement (a remark on the conversation itself): 7².
pub const META_PRIORITY: f64 = 49.0;

/// The weight of a statement nobody has seen: ((1 − 1/2)·(1/2)·9)².
pub const UNSEEN_PRIORITY: f64 = 5.0625;

/// The priority of every statement not rejected: meta statements [`META_PRIORITY`], others
/// ((1 − p_pass)(1 + extremity)·p_agree·(1 + 8·2^(−seen/5)))², where p_agree = (agrees + 1) /
/// (seen + 2), p_pass = (passes + 1) / (seen + 2), and the extremity is how far from the centre
/// the map would place someone who only agreed with it. A statement the map has no vote on yet
/// has an extremity of 0 and the priority of an unseen statement.
pub fn priorities(map: &OpinionMap, statements: &[Statement]) -> BTreeMap<u32, f64> {
    let columns: BTreeMap<u32, usize> = map.tids.iter().enumerate().map(|(j, t)| (*t, j)).collect();
    let stretch = (map.tids.len().max(1) as f64).sqrt();
    statements
        .iter()
        .filter(|s| s.moderation >= 0)
        .map(|s| {
            if s.is_meta {
                return (s.tid, META_PRIORITY);
            }
            let (agree, disagree, seen, extremity) = match columns.get(&s.tid) {
                Some(&j) => {
                    let c = &map.counts[j];
                    let lean = 1.0 - map.pca.center[j];
                    let x = lean * map.pca.comps[0][j] * stretch;
                    let y = lean * map.pca.comps[1][j] * stretch;
                    (c.agree, c.disagree, c.seen, x.hypot(y))
                }
                None => (0, 0, 0, 0.0),
            };
            let seen_f = f64::from(seen);
            let p_agree = (f64::from(agree) + 1.0) / (seen_f + 2.0);
            let passes = seen.saturating_sub(agree + disagree);
            let p_pass = (f64::from(passes) + 1.0) / (seen_f + 2.0);
            let novelty = 1.0 + 8.0 * 2f64.powf(-seen_f / 5.0);
            let p = (1.0 - p_pass) * (1.0 + extremity) * p_agree * novelty;
            (s.tid, p * p)
        })
        .collect()
}

/// Draws one of `candidates` with a chance in proportion to its weight, `unit` being a number
/// in [0, 1) (the caller's randomness); `None` when there is none to draw. Weights that are not
/// positive are never drawn unless all are.
pub fn weighted_draw(candidates: &[(u32, f64)], unit: f64) -> Option<u32> {
    let total: f64 = candidates.iter().map(|(_, w)| w.max(0.0)).sum();
    if total <= 0.0 {
        return candidates.first().map(|(t, _)| *t);
    }
    let mut target = unit.clamp(0.0, 1.0) * total;
    for (tid, w) in candidates {
        let w = w.max(0.0);
        if target < w {
            return Some(*tid);
        }
        target -= w;
    }
    candidates
        .iter()
        .rev()
        .find(|(_, w)| *w > 0.0)
        .map(|(t, _)| *t)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::polis::{Vote, opinion_map};

    fn statement(tid: u32, moderation: i8, is_meta: bool) -> Statement {
        Statement {
            tid,
            moderation,
            is_meta,
        }
    }

    #[test]
    fn unseen_statements_come_first_meta_weigh_49_and_rejected_ones_are_never_shown() {
        let mut votes = Vec::new();
        for pid in 0..10 {
            votes.push(Vote {
                pid,
                tid: 0,
                value: if pid % 2 == 0 { 1 } else { -1 },
                time: i64::from(pid),
            });
        }
        let statements = [
            statement(0, 1, false),
            statement(1, 1, false),
            statement(2, 0, true),
            statement(3, -1, false),
        ];
        let map = opinion_map(&votes, &statements);
        let p = priorities(&map, &statements);
        assert!(!p.contains_key(&3), "a rejected statement has no priority");
        assert_eq!(p[&2], META_PRIORITY);
        // Unseen: ((1 − 1/2)(1 + 0)(1/2)(1 + 8))² = (2.25)².
        assert!((p[&1] - UNSEEN_PRIORITY).abs() < 1e-12, "{}", p[&1]);
        // Seen by ten, half agreeing: p_agree = 6/12, p_pass = 1/12, 1 + 8·2^(−2) = 3, and the
        // one component is the statement itself (|1 − 0| · 1 · √1 = 1 from the centre):
        // ((11/12)(1 + 1)(1/2)(3))² = 2.75².
        assert!((p[&0] - 2.75f64.powi(2)).abs() < 1e-9, "{}", p[&0]);
    }

    #[test]
    fn a_draw_follows_the_weights() {
        let c = [(4, 1.0), (7, 3.0)];
        assert_eq!(weighted_draw(&c, 0.0), Some(4));
        assert_eq!(weighted_draw(&c, 0.24), Some(4));
        assert_eq!(weighted_draw(&c, 0.26), Some(7));
        assert_eq!(weighted_draw(&c, 0.999_999), Some(7));
        assert_eq!(weighted_draw(&[], 0.5), None);
        assert_eq!(weighted_draw(&[(9, 0.0)], 0.5), Some(9));
    }
}
