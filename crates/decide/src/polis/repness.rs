//! What each group stands for (representative statements) and what everyone shares (consensus),
//! with the tests and the selection of Polis (`repness.clj`, `stats.clj`).
//!
//! Counts get one pseudo-vote each way: the chance that a member agrees is (agrees + 1) /
//! (seen + 2). A statement represents a group when its members agree (or disagree) both more
//! often than not (one-proportion z-test against one half) and more often than the other groups
//! (two-proportion z-test), each significant at 90 % (z > 1.2816).

use super::replay::Matrix;
use std::collections::BTreeMap;

/// One-sided 90 % significance of a z statistic.
const Z90: f64 = 1.2816;
/// The most statements listed per group and per consensus list.
const TOP: usize = 5;

/// The votes on a statement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Counts {
    /// Agrees.
    pub agree: u32,
    /// Disagrees.
    pub disagree: u32,
    /// Votes of any kind, passes included.
    pub seen: u32,
}

/// Which way a statement speaks for a group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Side {
    /// The group agrees.
    Agree,
    /// The group disagrees.
    Disagree,
}

impl Side {
    /// `"agree"` or `"disagree"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Side::Agree => "agree",
            Side::Disagree => "disagree",
        }
    }
}

/// A representative statement of a group.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RepStatement {
    /// The statement.
    pub tid: u32,
    /// The side it stands for: the one with the larger two-proportion z.
    pub repful_for: Side,
    /// Members on that side.
    pub n_success: u32,
    /// Members who saw it (voted, passes included).
    pub n_trials: u32,
    /// (n_success + 1) / (n_trials + 2).
    pub p_success: f64,
    /// One-proportion z of n_success among n_trials.
    pub p_test: f64,
    /// `p_success` over the same chance in the other groups together.
    pub repness: f64,
    /// Two-proportion z against the other groups.
    pub repness_test: f64,
    /// The group's most agreed statement, put first whether or not it passed the tests.
    pub best_agree: bool,
}

impl RepStatement {
    /// The ranking key, repness · repness_test · p_success · p_test; `repness_test` enters
    /// rounded to single precision, as Polis stores it before ranking.
    fn metric(&self) -> f64 {
        self.repness * f64::from(self.repness_test as f32) * self.p_success * self.p_test
    }
}

/// A consensus statement.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ConsensusStatement {
    /// The statement.
    pub tid: u32,
    /// Participants on the list's side.
    pub n_success: u32,
    /// Participants who saw it.
    pub n_trials: u32,
    /// (n_success + 1) / (n_trials + 2).
    pub p_success: f64,
    /// One-proportion z.
    pub p_test: f64,
}

/// The votes of `rows` on every column.
pub(crate) fn counts(m: &Matrix, rows: impl Iterator<Item = usize>) -> Vec<Counts> {
    let mut out = vec![Counts::default(); m.tids.len()];
    for r in rows {
        for (c, v) in m.row(r) {
            let k = &mut out[c];
            k.seen += 1;
            match v {
                1 => k.agree += 1,
                -1 => k.disagree += 1,
                _ => {}
            }
        }
    }
    out
}

/// z of `success` among `n` against one half, with a pseudo-count.
fn prop_test(success: u32, n: u32) -> f64 {
    let (s, n) = (f64::from(success) + 1.0, f64::from(n) + 1.0);
    2.0 * n.sqrt() * (s / n - 0.5)
}

/// z of the difference between two proportions, with a pseudo-count on each number.
fn two_prop_test(success_in: u32, success_out: u32, n_in: u32, n_out: u32) -> f64 {
    let [s1, s2, n1, n2] = [success_in, success_out, n_in, n_out].map(|x| u64::from(x) + 1);
    if s1 + s2 == n1 + n2 {
        return 0.0;
    }
    let [s1, s2, n1, n2] = [s1, s2, n1, n2].map(|x| x as f64);
    let pooled = (s1 + s2) / (n1 + n2);
    (s1 / n1 - s2 / n2) / (pooled * (1.0 - pooled) * (1.0 / n1 + 1.0 / n2)).sqrt()
}

/// (a + 1) / (n + 2).
fn chance(a: u32, n: u32) -> f64 {
    (f64::from(a) + 1.0) / (f64::from(n) + 2.0)
}

/// A group's statistics on a statement, against the other groups together.
#[derive(Debug, Clone, Copy)]
struct Stats {
    own: Counts,
    pa: f64,
    pd: f64,
    pat: f64,
    pdt: f64,
    ra: f64,
    rd: f64,
    rat: f64,
    rdt: f64,
}

impl Stats {
    fn new(own: Counts, rest: Counts) -> Stats {
        // The ratios as one division of exact products.
        let ratio = |a: u32, n: u32, ra: u32, rn: u32| {
            ((u64::from(a) + 1) * (u64::from(rn) + 2)) as f64
                / ((u64::from(n) + 2) * (u64::from(ra) + 1)) as f64
        };
        Stats {
            own,
            pa: chance(own.agree, own.seen),
            pd: chance(own.disagree, own.seen),
            pat: prop_test(own.agree, own.seen),
            pdt: prop_test(own.disagree, own.seen),
            ra: ratio(own.agree, own.seen, rest.agree, rest.seen),
            rd: ratio(own.disagree, own.seen, rest.disagree, rest.seen),
            rat: two_prop_test(own.agree, rest.agree, own.seen, rest.seen),
            rdt: two_prop_test(own.disagree, rest.disagree, own.seen, rest.seen),
        }
    }

    /// Both tests significant on one side.
    fn passes(&self) -> bool {
        (self.rat > Z90 && self.pat > Z90) || (self.rdt > Z90 && self.pdt > Z90)
    }

    fn finalize(&self, tid: u32) -> RepStatement {
        let (side, n_success, p_success, p_test, repness, repness_test) = if self.rat > self.rdt {
            (
                Side::Agree,
                self.own.agree,
                self.pa,
                self.pat,
                self.ra,
                self.rat,
            )
        } else {
            (
                Side::Disagree,
                self.own.disagree,
                self.pd,
                self.pdt,
                self.rd,
                self.rdt,
            )
        };
        RepStatement {
            tid,
            repful_for: side,
            n_success,
            n_trials: self.own.seen,
            p_success,
            p_test,
            repness,
            repness_test,
            best_agree: false,
        }
    }

    /// Whether it makes a better "most agreed" statement than `best`: by the full metric when the
    /// best so far is agreed more than elsewhere, else by p · z; the first one needs z > 1.2816
    /// or a ratio above 1 with p above one half. Never a statement without agree or disagree.
    fn beats_best_agree(&self, best: Option<&Stats>) -> bool {
        if self.own.agree == 0 && self.own.disagree == 0 {
            return false;
        }
        match best {
            Some(b) if b.ra > 1.0 => {
                self.ra * self.rat * self.pa * self.pat > b.ra * b.rat * b.pa * b.pat
            }
            Some(b) => self.pa * self.pat > b.pa * b.pat,
            None => self.pat > Z90 || (self.ra > 1.0 && self.pa > 0.5),
        }
    }
}

/// The representative statements of each group (`counts[g][column]`), columns `excluded` left
/// out. As Polis selects them: the statements passing both tests on a side, ranked by the
/// metric, behind the group's most agreed statement; five at most, agrees before disagrees.
/// When none passes: the most agreed statement alone, or failing that the one with the largest
/// two-proportion z.
pub(crate) fn select(
    counts: &[Vec<Counts>],
    excluded: &[bool],
    tids: &[u32],
) -> Vec<Vec<RepStatement>> {
    let total = sum(counts, tids.len());
    counts
        .iter()
        .map(|own| {
            let mut sufficient: Vec<RepStatement> = Vec::new();
            let mut best: Option<RepStatement> = None;
            let mut best_agree: Option<(u32, Stats)> = None;
            for (c, tid) in tids.iter().enumerate() {
                if excluded[c] {
                    continue;
                }
                let o = own[c];
                let rest = Counts {
                    agree: total[c].agree - o.agree,
                    disagree: total[c].disagree - o.disagree,
                    seen: total[c].seen - o.seen,
                };
                let s = Stats::new(o, rest);
                if s.passes() {
                    sufficient.push(s.finalize(*tid));
                }
                if sufficient.is_empty()
                    && best.is_none_or(|b| s.rat.max(s.rdt) > f64::from(b.repness_test as f32))
                {
                    best = Some(s.finalize(*tid));
                }
                if s.beats_best_agree(best_agree.as_ref().map(|b| &b.1)) {
                    best_agree = Some((*tid, s));
                }
            }
            let head = best_agree.map(|(tid, s)| RepStatement {
                best_agree: true,
                ..s.finalize(tid)
            });
            if sufficient.is_empty() {
                return head.or(best).into_iter().collect();
            }
            sufficient.retain(|s| Some(s.tid) != head.map(|h| h.tid));
            sufficient.sort_by(|a, b| b.metric().total_cmp(&a.metric()));
            let mut top: Vec<RepStatement> = head.into_iter().chain(sufficient).take(TOP).collect();
            top.sort_by_key(|s| s.repful_for == Side::Disagree);
            top
        })
        .collect()
}

fn sum(counts: &[Vec<Counts>], n: usize) -> Vec<Counts> {
    let mut total = vec![Counts::default(); n];
    for group in counts {
        for (t, c) in total.iter_mut().zip(group) {
            t.agree += c.agree;
            t.disagree += c.disagree;
            t.seen += c.seen;
        }
    }
    total
}

/// Consensus over all participants (`counts` by column, `excluded` left out): statements with a
/// chance above one half and z > 1.2816 on a side, five at most by p · z (the lower tid first on
/// a tie); agreed ones, then disagreed ones.
pub(crate) fn consensus(
    counts: &[Counts],
    excluded: &[bool],
    tids: &[u32],
) -> (Vec<ConsensusStatement>, Vec<ConsensusStatement>) {
    let side = |success: fn(&Counts) -> u32| {
        let mut list: Vec<ConsensusStatement> = counts
            .iter()
            .zip(tids)
            .zip(excluded)
            .filter(|(_, e)| !**e)
            .map(|((c, tid), _)| ConsensusStatement {
                tid: *tid,
                n_success: success(c),
                n_trials: c.seen,
                p_success: chance(success(c), c.seen),
                p_test: prop_test(success(c), c.seen),
            })
            .filter(|s| s.p_success > 0.5 && s.p_test > Z90)
            .collect();
        list.sort_by(|a, b| (b.p_success * b.p_test).total_cmp(&(a.p_success * a.p_test)));
        list.truncate(TOP);
        list
    };
    (side(|c| c.agree), side(|c| c.disagree))
}

/// For each column not excluded, the product over groups of (agrees + 1) / (seen + 2); nothing
/// without groups.
pub(crate) fn group_aware_consensus(
    counts: &[Vec<Counts>],
    excluded: &[bool],
    tids: &[u32],
) -> BTreeMap<u32, f64> {
    if counts.is_empty() {
        return BTreeMap::new();
    }
    tids.iter()
        .enumerate()
        .filter(|(c, _)| !excluded[*c])
        .map(|(c, tid)| {
            let p = counts
                .iter()
                .map(|g| chance(g[c].agree, g[c].seen))
                .product();
            (*tid, p)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tests_of_polis() {
        // 6 agrees of 6: (7 / 7 − 0.5) · 2 · √7.
        assert!((prop_test(6, 6) - 7f64.sqrt()).abs() < 1e-12);
        // Everyone agrees everywhere: no difference to test.
        assert_eq!(two_prop_test(3, 5, 3, 5), 0.0);
        // (4/4 − 1/4) / √(5/8 · 3/8 · (1/4 + 1/4)).
        let expected = 0.75 / (5.0 / 8.0 * 3.0 / 8.0 * 0.5f64).sqrt();
        assert!((two_prop_test(3, 0, 3, 3) - expected).abs() < 1e-12);
    }

    #[test]
    fn agrees_come_before_disagrees_behind_the_best_agree() {
        let c = |agree, disagree, seen| Counts {
            agree,
            disagree,
            seen,
        };
        // Group 0 agrees with 0 and 2, disagrees with 1; group 1 the opposite.
        let counts = vec![
            vec![c(9, 0, 10), c(0, 9, 10), c(8, 1, 10)],
            vec![c(0, 9, 10), c(9, 0, 10), c(1, 8, 10)],
        ];
        let picked = select(&counts, &[false; 3], &[10, 11, 12]);
        let sides: Vec<(u32, Side, bool)> = picked[0]
            .iter()
            .map(|s| (s.tid, s.repful_for, s.best_agree))
            .collect();
        assert_eq!(
            sides,
            vec![
                (10, Side::Agree, true),
                (12, Side::Agree, false),
                (11, Side::Disagree, false)
            ]
        );
        let none = select(&counts, &[true; 3], &[10, 11, 12]);
        assert!(none.iter().all(Vec::is_empty));
    }
}
