//! The Method of Equal Shares in floating point, with a bound on the error of every number: each
//! decision the bounds leave open (affordable or not, who pays in full, which project is
//! cheapest) is settled in exact arithmetic, so the outcome is always the exact one. The payment
//! for one project, by Newton's method, is in `payment`.

mod payment;

use super::exact::mes_exact;
use super::{Election, MesStep, Q, Satisfaction, to_f64};
use num_bigint::BigInt;
use num_traits::{Signed, Zero};
use payment::{FloatPayment, float_payment};
use std::collections::HashMap;

/// Twice the unit roundoff: a bound on the relative error of one floating-point operation, of a
/// conversion from an exact number, with room to spare.
const EPS: f64 = f64::EPSILON;

/// The rounding errors of new operations are multiplied by this in every bound, so that an
/// operation left out of the accounting cannot make a bound wrong.
const SAFETY: f64 = 4.0;

/// Bounds carried over from earlier computations are multiplied by this only, for the rounding
/// of the bound itself: multiplying them by `SAFETY` would compound at each funding and soon
/// leave every decision to exact arithmetic.
const CARRIED: f64 = 1.0 + 16.0 * EPS;

/// `q` in floating point, when it is 0 or far enough from the limits of `f64` for the error
/// bounds to hold (sums and products of budgets never overflow nor become subnormal).
fn float_of(q: &Q) -> Option<f64> {
    let f = to_f64(q);
    (q.is_zero() || (1e-200..=1e200).contains(&f)).then_some(f)
}

/// What every run of MES on an election needs, computed once: the completion runs MES many
/// times.
pub(super) struct Prepared<'a> {
    e: &'a Election,
    sat: Satisfaction,
    /// The supporters of project `p` are the distinct ballots `members[start[p]..start[p + 1]]`,
    /// cast by `voters[start[p]..start[p + 1]]` voters: side by side, read in sequence, where a
    /// table of voters per ballot would cost one more random memory access per supporter.
    start: Vec<usize>,
    members: Vec<u32>,
    voters: Vec<f64>,
    /// The projects of ballot `i` are `approved[first[i]..first[i + 1]]`, all in one array.
    first: Vec<usize>,
    approved: Vec<u32>,
    /// Per project, how many voters approve it.
    weight: Vec<f64>,
    /// Per project, its cost; `None` when a cost is out of the range of `float_of`.
    cost: Option<Vec<f64>>,
    /// The projects MES may fund, ordered by id.
    pub(super) valued: Vec<usize>,
    /// Per project, its place in the tie-breaking order (by id).
    rank: Vec<usize>,
}

impl<'a> Prepared<'a> {
    pub(super) fn new(e: &'a Election, sat: Satisfaction) -> Prepared<'a> {
        // The projects of each ballot, in an allocation of their own, are read once, into flat
        // arrays.
        let m = e.projects.len();
        let mut first = Vec::with_capacity(e.ballots.len() + 1);
        first.push(0);
        let mut approved = Vec::new();
        let mut approvals = vec![0; m];
        let mut start = vec![0; m + 1];
        for (b, n) in &e.ballots {
            for p in b {
                approved.push(*p as u32);
                approvals[*p] += n;
                start[p + 1] += 1;
            }
            first.push(approved.len());
        }
        for p in 0..m {
            start[p + 1] += start[p];
        }
        let mut members = vec![0; start[m]];
        let mut voters = vec![0.0; start[m]];
        let mut next = start.clone();
        for (i, (_, n)) in e.ballots.iter().enumerate() {
            let ballot = u32::try_from(i).expect("fewer than 2^32 distinct ballots");
            for p in &approved[first[i]..first[i + 1]] {
                let k = &mut next[*p as usize];
                members[*k] = ballot;
                voters[*k] = *n as f64;
                *k += 1;
            }
        }
        let valued = e.valued(sat, &approvals);
        let mut rank = vec![usize::MAX; m];
        for (r, p) in valued.iter().enumerate() {
            rank[*p] = r;
        }
        Prepared {
            e,
            sat,
            start,
            members,
            voters,
            first,
            approved,
            weight: approvals.into_iter().map(|a| a as f64).collect(),
            cost: e.projects.iter().map(|p| float_of(&p.cost)).collect(),
            valued,
            rank,
        }
    }

    /// The supporters of project `p`: (distinct ballot, its number of voters).
    fn supporters(&self, p: usize) -> impl Iterator<Item = (usize, f64)> + '_ {
        let range = self.start[p]..self.start[p + 1];
        self.members[range.clone()]
            .iter()
            .zip(&self.voters[range])
            .map(|(i, n)| (*i as usize, *n))
    }

    /// The projects ballot `i` approves.
    fn ballot(&self, i: usize) -> &[u32] {
        &self.approved[self.first[i]..self.first[i + 1]]
    }

    /// MES with this total budget for the voters: in floating point with exact decisions where
    /// needed, or all exactly when the numbers do not fit the error bounds.
    pub(super) fn run(&self, voter_budget_total: &Q) -> Vec<MesStep> {
        let n = self.e.voters();
        if n == 0 {
            return Vec::new();
        }
        let share = voter_budget_total / Q::from_integer(BigInt::from(n));
        match (float_of(&share), &self.cost) {
            (Some(share_f), Some(cost)) => Run::new(self, cost, &share, share_f).run(),
            _ => mes_exact(self.e, self.sat, voter_budget_total),
        }
    }
}

/// The payment asked of each supporter of a project (who pays it, or all they have if less).
enum Price {
    /// The exact payment lies within `err` of `pay`.
    Float { pay: f64, err: f64 },
    /// `remaining / payers` in the units of the ledger: what is left of the cost once the
    /// poorer supporters gave all they had, shared by the `payers` voters who pay in full.
    Exact { remaining: BigInt, payers: u64 },
}

/// A project a step of MES may select, with its price and `rho ± err`, its price per unit of
/// satisfaction.
struct Candidate {
    project: usize,
    price: Price,
    rho: f64,
    err: f64,
}

/// The exact side of a run: every exact amount is an integer number of units of
/// `1 / scale`, a common denominator that each funding multiplies by its number of payers, so
/// that exact budgets and payments take integer additions and multiplications only.
struct Ledger {
    scale: BigInt,
    /// What `scale` was multiplied by since the start.
    growth: BigInt,
    /// Per project, its cost in units at the start.
    cost: Vec<BigInt>,
    share: BigInt,
    /// Per funding, in order, what each voter who paid in full paid.
    paid: Vec<BigInt>,
}

/// The least common multiple of two positive integers (`Ratio::new` reduces by their gcd).
fn lcm(a: &BigInt, b: &BigInt) -> BigInt {
    a * Q::new(a.clone(), b.clone()).denom()
}

impl Ledger {
    fn new(e: &Election, share: &Q) -> Ledger {
        let scale = e
            .projects
            .iter()
            .fold(share.denom().clone(), |acc, p| lcm(&acc, p.cost.denom()));
        let units = |q: &Q| q.numer() * (&scale / q.denom());
        Ledger {
            cost: e.projects.iter().map(|p| units(&p.cost)).collect(),
            share: units(share),
            growth: BigInt::from(1),
            paid: Vec::new(),
            scale,
        }
    }

    fn cost(&self, p: usize) -> BigInt {
        &self.cost[p] * &self.growth
    }

    /// The budget left to a voter who paid in full for these fundings.
    fn level(&self, fundings: &[u32]) -> BigInt {
        fundings
            .iter()
            .fold(self.share.clone(), |acc, s| acc - &self.paid[*s as usize])
    }

    /// `units / divisor` units, in floating point.
    fn to_f64(&self, units: &BigInt, divisor: u64) -> f64 {
        to_f64(&Q::new_raw(units.clone(), &self.scale * divisor))
    }

    /// Records a funding whose `payers` voters paid `remaining / payers` units each.
    fn push(&mut self, remaining: BigInt, payers: u64) {
        if payers != 1 {
            let w = BigInt::from(payers);
            self.scale *= &w;
            self.growth *= &w;
            self.share *= &w;
            for x in &mut self.paid {
                *x *= &w;
            }
        }
        self.paid.push(remaining);
    }
}

/// One run of MES. Budgets are kept per distinct ballot in floating point, with a bound on
/// their error. Each funding's payment is also computed exactly (from how many of those who
/// paid all they had had paid for each earlier funding): floating-point budgets are then
/// rounded exact amounts, and their errors never compound from one funding to the next. The
/// exact budget of a ballot is never stored: a ballot that never paid all it had holds its
/// share minus the payments for the funded projects it approves, any other holds nothing.
struct Run<'p, 'a> {
    prep: &'p Prepared<'a>,
    cost: &'p [f64],
    ledger: Ledger,
    share_f: f64,
    /// What each voter of a distinct ballot has left: exactly 0.0 when the exact budget is 0,
    /// otherwise positive and within `err` of the exact budget.
    budget: Vec<f64>,
    err: f64,
    /// Per project, its index among the fundings (`u32::MAX` while unfunded).
    funding_of: Vec<u32>,
    /// Scratch: (budget, voters) of the supporters of a project who have something left.
    levels: Vec<(f64, f64)>,
}

impl<'p, 'a> Run<'p, 'a> {
    fn new(prep: &'p Prepared<'a>, cost: &'p [f64], share: &Q, share_f: f64) -> Self {
        Run {
            prep,
            cost,
            ledger: Ledger::new(prep.e, share),
            share_f,
            budget: vec![share_f; prep.e.ballots.len()],
            err: EPS * share_f,
            funding_of: vec![u32::MAX; prep.e.projects.len()],
            levels: Vec::new(),
        }
    }

    /// The satisfaction a supporter draws from project `p`, in floating point.
    fn utility_f(&self, p: usize) -> f64 {
        match self.prep.sat {
            Satisfaction::Cost => self.cost[p],
            Satisfaction::Cardinality => 1.0,
        }
    }

    fn run(mut self) -> Vec<MesStep> {
        let prep = self.prep;
        // A lower bound of each project's price per unit of satisfaction. Budgets only shrink,
        // so prices only grow (and an unaffordable project stays so): a bound computed once
        // stays valid. At first, everyone paying the same share of the cost.
        let mut lower: Vec<f64> = (0..prep.e.projects.len())
            .map(|p| self.cost[p] / prep.weight[p] / self.utility_f(p) * (1.0 - SAFETY * 4.0 * EPS))
            .collect();
        let mut available = prep.valued.clone();
        let mut steps = Vec::new();
        loop {
            // Projects are priced by increasing lower bound, until the next one cannot beat the
            // smallest upper bound found: most steps price a few projects, not all.
            available.sort_by(|a, b| {
                lower[*a]
                    .total_cmp(&lower[*b])
                    .then(prep.rank[*a].cmp(&prep.rank[*b]))
            });
            let mut upper = f64::INFINITY;
            let mut candidates = Vec::new();
            let mut unaffordable = Vec::new();
            for &p in &available {
                if lower[p] > upper {
                    break;
                }
                match self.price(p) {
                    None => unaffordable.push(p),
                    Some(price) => {
                        let (rho, err) = self.rho(p, &price);
                        lower[p] = rho - err;
                        upper = upper.min(rho + err);
                        candidates.push(Candidate {
                            project: p,
                            price,
                            rho,
                            err,
                        });
                    }
                }
            }
            available.retain(|p| !unaffordable.contains(p));
            candidates.retain(|c| c.rho - c.err <= upper);
            let best = match candidates.len() {
                0 => break,
                1 => candidates.pop().expect("one candidate"),
                _ => self.exact_best(candidates),
            };
            available.retain(|q| *q != best.project);
            steps.push(MesStep {
                project: best.project,
                rho: best.rho,
            });
            match best.price {
                Price::Float { pay, .. } => self.fund_float(best.project, pay),
                Price::Exact { remaining, payers } => {
                    self.fund_exact(best.project, remaining, payers)
                }
            }
        }
        steps
    }

    /// The price per unit of satisfaction of a priced project, and a bound on its error.
    fn rho(&self, p: usize, price: &Price) -> (f64, f64) {
        let u = self.utility_f(p);
        match price {
            Price::Float { pay, err } => {
                let rho = pay / u;
                (rho, CARRIED * err / u + SAFETY * 4.0 * EPS * rho)
            }
            Price::Exact { remaining, payers } => {
                let rho = self.ledger.to_f64(remaining, *payers) / u;
                (rho, SAFETY * 4.0 * EPS * rho)
            }
        }
    }

    /// The payment for project `p`, `None` when its supporters cannot afford it.
    fn price(&mut self, p: usize) -> Option<Price> {
        if self.ledger.cost[p].is_zero() {
            return Some(Price::Exact {
                remaining: BigInt::zero(),
                payers: 1,
            });
        }
        self.levels.clear();
        for (i, n) in self.prep.supporters(p) {
            let b = self.budget[i];
            if b > 0.0 {
                self.levels.push((b, n));
            }
        }
        match float_payment(&mut self.levels, self.cost[p], self.err) {
            FloatPayment::Unaffordable => None,
            FloatPayment::Pays { pay, err } => Some(Price::Float { pay, err }),
            FloatPayment::Unsure => self
                .exact_price(p)
                .map(|(remaining, payers)| Price::Exact { remaining, payers }),
        }
    }

    /// Among candidates whose prices floating point could not tell apart, the cheapest exactly,
    /// the first by id among equals.
    fn exact_best(&self, candidates: Vec<Candidate>) -> Candidate {
        struct Exact {
            project: usize,
            remaining: BigInt,
            payers: u64,
            /// The price per unit of satisfaction is remaining / per (the common scale left
            /// out): per = payers × utility.
            per: BigInt,
        }
        let mut best: Option<Exact> = None;
        for c in candidates {
            let (remaining, payers) = match c.price {
                Price::Exact { remaining, payers } => (remaining, payers),
                // Affordable beyond doubt: the floating-point price was decided.
                Price::Float { .. } => self.exact_price(c.project).expect("affordable"),
            };
            let per = BigInt::from(payers)
                * match self.prep.sat {
                    Satisfaction::Cost => self.ledger.cost(c.project),
                    Satisfaction::Cardinality => BigInt::from(1),
                };
            let better = best.as_ref().is_none_or(|b| {
                (&remaining * &b.per)
                    .cmp(&(&b.remaining * &per))
                    .then(self.prep.rank[c.project].cmp(&self.prep.rank[b.project]))
                    .is_lt()
            });
            if better {
                best = Some(Exact {
                    project: c.project,
                    remaining,
                    payers,
                    per,
                });
            }
        }
        let Exact {
            project,
            remaining,
            payers,
            ..
        } = best.expect("at least two candidates");
        let price = Price::Exact { remaining, payers };
        let (rho, err) = self.rho(project, &price);
        Candidate {
            project,
            price,
            rho,
            err,
        }
    }

    /// Funds `p` at a payment decided in floating point: `float_payment` checked that every
    /// budget is clearly above or below `pay`, so the same comparisons tell exactly who pays
    /// all they have. The exact payment follows from those: the cost, less what they had.
    fn fund_float(&mut self, p: usize, pay: f64) {
        let prep = self.prep;
        let mut owed = vec![0u64; self.ledger.paid.len()];
        let (mut poor, mut payers) = (0u64, 0u64);
        for (i, n) in prep.supporters(p) {
            let b = self.budget[i];
            if b == 0.0 {
                continue;
            }
            let n = n as u64;
            if b < pay {
                self.budget[i] = 0.0;
                poor += n;
                for q in prep.ballot(i) {
                    let s = self.funding_of[*q as usize];
                    if s != u32::MAX {
                        owed[s as usize] += n;
                    }
                }
            } else {
                payers += n;
            }
        }
        let had = owed.iter().zip(&self.ledger.paid).fold(
            &self.ledger.share * BigInt::from(poor),
            |acc, (n, paid)| {
                if *n == 0 {
                    acc
                } else {
                    acc - paid * BigInt::from(*n)
                }
            },
        );
        let remaining = self.ledger.cost(p) - had;
        let pay = self.ledger.to_f64(&remaining, payers);
        for (i, _) in prep.supporters(p) {
            let b = &mut self.budget[i];
            if *b > 0.0 {
                *b -= pay;
            }
        }
        self.record(p, remaining, payers, pay);
    }

    /// Funds `p` at a payment known exactly: budgets too close to it for floating point are
    /// compared exactly.
    fn fund_exact(&mut self, p: usize, remaining: BigInt, payers: u64) {
        let prep = self.prep;
        let pay = self.ledger.to_f64(&remaining, payers);
        if !remaining.is_zero() {
            let margin = CARRIED * self.err + SAFETY * 2.0 * EPS * pay;
            let mut levels = HashMap::new();
            for (i, _) in prep.supporters(p) {
                let b = self.budget[i];
                self.budget[i] = if b == 0.0 || b + margin < pay {
                    0.0
                } else if b - margin > pay {
                    b - pay
                } else {
                    let level = levels
                        .entry(self.paid_for(i))
                        .or_insert_with_key(|f| self.ledger.level(f));
                    let left = &*level * BigInt::from(payers) - &remaining;
                    if left.is_positive() {
                        self.ledger.to_f64(&left, payers).max(f64::MIN_POSITIVE)
                    } else {
                        0.0
                    }
                };
            }
        }
        self.record(p, remaining, payers, pay);
    }

    /// Records the funding of `p`, whose exact payment `remaining / payers` units was taken from
    /// the budgets rounded to `pay`: the payers' budgets gained two roundings, the others hold
    /// exactly 0.
    fn record(&mut self, p: usize, remaining: BigInt, payers: u64, pay: f64) {
        self.err = CARRIED * self.err + SAFETY * EPS * (pay + self.share_f);
        self.funding_of[p] = u32::try_from(self.ledger.paid.len()).expect("few fundings");
        self.ledger.push(remaining, payers);
    }

    /// The fundings that ballot `i` (which has something left) paid for, in the ballot's order.
    fn paid_for(&self, i: usize) -> Vec<u32> {
        self.prep
            .ballot(i)
            .iter()
            .map(|p| self.funding_of[*p as usize])
            .filter(|s| *s != u32::MAX)
            .collect()
    }

    /// The exact price of project `p` (`remaining` and `payers` of `Price::Exact`), `None` when
    /// its supporters cannot afford it.
    fn exact_price(&self, p: usize) -> Option<(BigInt, u64)> {
        // Supporters with the same funded projects hold the same budget.
        let mut voters: HashMap<Vec<u32>, u64> = HashMap::new();
        for (i, n) in self.prep.supporters(p) {
            if self.budget[i] > 0.0 {
                *voters.entry(self.paid_for(i)).or_insert(0) += n as u64;
            }
        }
        let mut levels: Vec<(BigInt, u64)> = voters
            .into_iter()
            .map(|(f, n)| (self.ledger.level(&f), n))
            .collect();
        let cost = self.ledger.cost(p);
        let total = levels
            .iter()
            .fold(BigInt::zero(), |acc, (b, n)| acc + b * BigInt::from(*n));
        if total < cost {
            return None;
        }
        // Poorest first, as `payment`: the price is remaining / payers while that is at most
        // the next budget.
        levels.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        let mut remaining = cost;
        let mut payers: u64 = levels.iter().map(|(_, n)| n).sum();
        for (b, n) in levels {
            if remaining <= &b * BigInt::from(payers) {
                break;
            }
            remaining -= b * BigInt::from(n);
            payers -= n;
        }
        Some((remaining, payers))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pb::testing::{Draw, Rng, int, projects};
    use crate::pb::{Project, mes_complete};

    /// The fast run against the exact one, for both satisfactions and a few voters' budgets
    /// (the election's and raised ones, as in the completion).
    fn check_against_exact(e: &Election, extra: &[Q]) {
        for sat in [Satisfaction::Cost, Satisfaction::Cardinality] {
            let prep = Prepared::new(e, sat);
            for raise in extra {
                let total = &e.budget + raise;
                assert_eq!(
                    projects(&prep.run(&total)),
                    projects(&mes_exact(e, sat, &total)),
                    "{sat:?}, voters' budget {total}: {e:?}"
                );
            }
        }
    }

    #[test]
    fn mes_agrees_with_exact_mes_on_small_elections() {
        let mut rng = Rng(99);
        for round in 0..3000 {
            let m = 2 + rng.below(8) as usize;
            let voters = 1 + rng.below(24);
            let e = match round % 3 {
                // Small integer costs and budgets: exact ties everywhere.
                0 => {
                    let budget = int(1 + rng.below(40));
                    Draw {
                        projects: m,
                        voters,
                        shapes: voters,
                        sparsity: 3,
                        skew: false,
                    }
                    .election(&mut rng, |r| int(1 + r.below(12)), budget)
                }
                // Equal costs, few distinct ballots, shares that pay costs exactly.
                1 => {
                    let c = 1 + rng.below(4);
                    let budget = int(c * voters * (1 + rng.below(3)) / (1 + rng.below(4)));
                    let shapes = 1 + rng.below(4);
                    Draw {
                        projects: m,
                        voters,
                        shapes,
                        sparsity: 2,
                        skew: false,
                    }
                    .election(&mut rng, |_| int(c), budget)
                }
                // Costs in hundredths, a budget in thirds.
                _ => {
                    let budget = Q::new(BigInt::from(1 + rng.below(20_000)), BigInt::from(3));
                    Draw {
                        projects: m,
                        voters,
                        shapes: voters,
                        sparsity: 3,
                        skew: true,
                    }
                    .election(
                        &mut rng,
                        |r| Q::new(BigInt::from(1 + r.below(2000)), BigInt::from(100)),
                        budget,
                    )
                }
            };
            let n = int(e.voters());
            check_against_exact(&e, &[Q::zero(), n.clone(), n * int(1 + rng.below(5))]);
        }
    }

    #[test]
    fn mes_agrees_with_exact_mes_on_medium_elections() {
        let mut rng = Rng(7);
        for round in 0..60 {
            let m = 8 + rng.below(16) as usize;
            let voters = 60 + rng.below(400);
            let shapes = if round % 2 == 0 {
                voters
            } else {
                5 + rng.below(20)
            };
            let equal = round % 3 == 0;
            let budget = int(1000 * (m as u64) * (1 + rng.below(6)));
            let e = Draw {
                projects: m,
                voters,
                shapes,
                sparsity: 4,
                skew: true,
            }
            .election(
                &mut rng,
                |r| int(if equal { 2000 } else { 500 + 100 * r.below(40) }),
                budget,
            );
            let n = int(e.voters());
            check_against_exact(&e, &[Q::zero(), n.clone() * int(1 + rng.below(30))]);
        }
    }

    #[test]
    fn numbers_beyond_floating_point_are_handled_exactly() {
        let huge = int(10).pow(300);
        let e = Election::new(
            vec![
                Project {
                    id: "a".into(),
                    cost: huge.clone(),
                },
                Project {
                    id: "b".into(),
                    cost: huge.clone() / int(3),
                },
            ],
            huge,
            &[
                vec!["a".into()],
                vec!["a".into(), "b".into()],
                vec!["b".into()],
            ],
        )
        .unwrap();
        check_against_exact(&e, &[Q::zero()]);
        assert_eq!(e.ids(&mes_complete(&e, Satisfaction::Cost)), ["b"]);
    }
}
