//! Participatory budgets with approval ballots: the greedy rule and the Method of Equal Shares,
//! in exact rational arithmetic, ties broken as pabutools breaks them by default (by project
//! name).

use num_bigint::BigInt;
use num_rational::BigRational;
use num_traits::{Signed, Zero};
use std::collections::HashMap;

/// An exact number.
pub type Q = BigRational;

/// A project of a participatory budget.
#[derive(Debug, Clone, PartialEq)]
pub struct Project {
    /// Its id, which also breaks ties (smaller first, as strings).
    pub id: String,
    /// Its cost.
    pub cost: Q,
}

/// A participatory budget with its approval ballots. Identical ballots are kept once with their
/// count: voters with the same ballot are treated alike by every rule here.
#[derive(Debug, Clone)]
pub struct Election {
    /// The projects.
    pub projects: Vec<Project>,
    /// The total budget.
    pub budget: Q,
    /// Distinct ballots (indices into `projects`) and how many voters cast each.
    pub ballots: Vec<(Vec<usize>, u64)>,
}

/// How a voter values a selected project they approve.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Satisfaction {
    /// By its cost.
    Cost,
    /// One per project.
    Cardinality,
}

impl Election {
    /// An election from projects, a budget and one approval ballot per voter (project ids).
    /// Unknown ids are an error; a project approved twice on a ballot counts once.
    pub fn new(
        projects: Vec<Project>,
        budget: Q,
        ballots: &[Vec<String>],
    ) -> Result<Election, String> {
        let index: HashMap<&str, usize> = projects
            .iter()
            .enumerate()
            .map(|(i, p)| (p.id.as_str(), i))
            .collect();
        let mut grouped: HashMap<Vec<usize>, u64> = HashMap::new();
        let mut order = Vec::new();
        for ballot in ballots {
            let mut b: Vec<usize> = ballot
                .iter()
                .map(|id| {
                    index
                        .get(id.as_str())
                        .copied()
                        .ok_or_else(|| format!("unknown project {id}"))
                })
                .collect::<Result<_, _>>()?;
            b.sort_unstable();
            b.dedup();
            let count = grouped.entry(b.clone()).or_insert(0);
            if *count == 0 {
                order.push(b);
            }
            *count += 1;
        }
        let ballots = order.into_iter().map(|b| {
            let n = grouped[&b];
            (b, n)
        });
        Ok(Election {
            projects,
            budget,
            ballots: ballots.collect(),
        })
    }

    /// The number of voters.
    pub fn voters(&self) -> u64 {
        self.ballots.iter().map(|(_, n)| n).sum()
    }

    fn cost_of(&self, selected: &[usize]) -> Q {
        selected
            .iter()
            .fold(Q::zero(), |acc, p| acc + &self.projects[*p].cost)
    }

    /// Whether no unselected project still fits in what the selection leaves of the budget.
    pub fn is_exhaustive(&self, selected: &[usize]) -> bool {
        let left = &self.budget - self.cost_of(selected);
        (0..self.projects.len()).all(|p| selected.contains(&p) || self.projects[p].cost > left)
    }

    /// For each project, the distinct ballots that approve it.
    fn supporters(&self) -> Vec<Vec<usize>> {
        let mut supporters = vec![Vec::new(); self.projects.len()];
        for (i, (b, _)) in self.ballots.iter().enumerate() {
            for p in b {
                supporters[*p].push(i);
            }
        }
        supporters
    }

    /// The projects MES may fund, ordered by id: approved by someone who values them (with cost
    /// satisfaction, a free project is worth nothing to anyone). `approvals`: how many voters
    /// approve each project.
    fn valued(&self, sat: Satisfaction, approvals: &[u64]) -> Vec<usize> {
        self.by_id(
            (0..self.projects.len())
                .filter(|p| {
                    approvals[*p] > 0
                        && (sat == Satisfaction::Cardinality
                            || self.projects[*p].cost.is_positive())
                })
                .collect(),
        )
    }

    /// Project indices ordered by id, the tie-breaking order.
    fn by_id(&self, mut ps: Vec<usize>) -> Vec<usize> {
        ps.sort_by(|a, b| self.projects[*a].id.cmp(&self.projects[*b].id));
        ps
    }

    /// The ids of selected projects, sorted.
    pub fn ids(&self, selected: &[usize]) -> Vec<String> {
        let mut ids: Vec<String> = selected
            .iter()
            .map(|p| self.projects[*p].id.clone())
            .collect();
        ids.sort();
        ids
    }
}

/// Greedy: projects by total satisfaction per unit of cost, best first (free projects first of
/// all, ties by id), each taken when it still fits. `initial` projects are selected beforehand.
pub fn greedy(e: &Election, sat: Satisfaction, initial: &[usize]) -> Vec<usize> {
    let approvals = approvals(e);
    let mut selected: Vec<usize> = initial.to_vec();
    let mut left = &e.budget - e.cost_of(initial);
    let mut candidates: Vec<usize> = e.by_id(
        (0..e.projects.len())
            .filter(|p| !initial.contains(p))
            .collect(),
    );
    // Free projects first, then by satisfaction per cost; the sort is stable, so ties keep the
    // order by id.
    let key = |p: usize| -> (bool, Q) {
        let cost = &e.projects[p].cost;
        let total = match sat {
            Satisfaction::Cost => Q::from_integer(BigInt::from(approvals[p])) * cost,
            Satisfaction::Cardinality => Q::from_integer(BigInt::from(approvals[p])),
        };
        if cost.is_zero() {
            (true, Q::zero())
        } else {
            (false, total / cost)
        }
    };
    candidates.sort_by(|a, b| {
        let (ka, kb) = (key(*a), key(*b));
        kb.0.cmp(&ka.0).then_with(|| kb.1.cmp(&ka.1))
    });
    for p in candidates {
        if e.projects[p].cost <= left {
            left -= &e.projects[p].cost;
            selected.push(p);
        }
    }
    selected
}

fn approvals(e: &Election) -> Vec<u64> {
    let mut a = vec![0u64; e.projects.len()];
    for (b, n) in &e.ballots {
        for p in b {
            a[*p] += n;
        }
    }
    a
}

/// One step of the Method of Equal Shares, for the explanation of a result.
#[derive(Debug, Clone, PartialEq)]
pub struct MesStep {
    /// The project selected.
    pub project: usize,
    /// What its supporters paid per unit of satisfaction (the smaller, the better the project),
    /// rounded for display: every decision was taken exactly.
    pub rho: f64,
}

/// The Method of Equal Shares with a given total budget for the voters (the election's budget,
/// or more for the completion by budget increase): each voter holds an equal share; at each
/// step the project whose supporters can pay its cost with the smallest payment per unit of
/// satisfaction is selected, each supporter paying that price times their satisfaction, or all
/// they have left. Projects no supporter values are never selected. Returns the steps in order.
///
/// It computes in floating point with a bound on the error of every number, and settles in
/// exact arithmetic each decision (affordable or not, who pays in full, which project is
/// cheapest) that the bounds leave open: the outcome is always the exact one.
pub fn mes(e: &Election, sat: Satisfaction, voter_budget_total: &Q) -> Vec<MesStep> {
    Prepared::new(e, sat).run(voter_budget_total)
}

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

/// Newton steps tried for a payment before sorting the supporters instead (see
/// `float_payment`); a handful is the rule.
const NEWTON_STEPS: usize = 16;

fn to_f64(q: &Q) -> f64 {
    use num_traits::ToPrimitive;
    q.to_f64().unwrap_or(f64::NAN)
}

/// `q` in floating point, when it is 0 or far enough from the limits of `f64` for the error
/// bounds to hold (sums and products of budgets never overflow nor become subnormal).
fn float_of(q: &Q) -> Option<f64> {
    let f = to_f64(q);
    (q.is_zero() || (1e-200..=1e200).contains(&f)).then_some(f)
}

/// What every run of MES on an election needs, computed once: the completion runs MES many
/// times.
struct Prepared<'a> {
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
    valued: Vec<usize>,
    /// Per project, its place in the tie-breaking order (by id).
    rank: Vec<usize>,
}

impl<'a> Prepared<'a> {
    fn new(e: &'a Election, sat: Satisfaction) -> Prepared<'a> {
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
    fn run(&self, voter_budget_total: &Q) -> Vec<MesStep> {
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

/// What floating point tells of the payment for a project.
#[derive(Debug, PartialEq)]
enum FloatPayment {
    Unaffordable,
    /// The exact payment lies within `err` of `pay`, and no budget is close to it.
    Pays {
        pay: f64,
        err: f64,
    },
    /// Too close to call.
    Unsure,
}

/// The payment for a project of cost `cost` (within 2 EPS × cost of the exact cost), from the
/// (budget, voters) of its supporters who have something left, each budget within `err_budget`
/// of the exact one. `levels` is used as scratch space.
///
/// The payment x solves Σ min(budget, x) × voters = cost. That sum is concave and piecewise
/// linear in x, so Newton's method from below, x ← (cost − what the poorer pay) / (voters who
/// pay x), never overshoots and makes at least one more voter poorer than x at each step: it
/// costs a few passes over the supporters where sorting them would cost far more. Should it
/// take more than `NEWTON_STEPS` steps, the rest are sorted by budget and walked through.
fn float_payment(levels: &mut Vec<(f64, f64)>, cost: f64, err_budget: f64) -> FloatPayment {
    let (mut total, mut weight) = (0.0, 0.0);
    for &(b, n) in levels.iter() {
        total += b * n;
        weight += n;
    }
    let err_total = CARRIED * err_budget * weight
        + SAFETY * EPS * ((levels.len() as f64 + 2.0) * total + 2.0 * cost);
    if (total - cost).abs() <= err_total {
        return FloatPayment::Unsure;
    }
    if total < cost {
        return FloatPayment::Unaffordable;
    }
    let (mut poor_paid, mut poor_weight, mut poor_count, mut poor_max) = (0.0, 0.0, 0.0, 0.0f64);
    let mut pay = cost / weight;
    let mut payer_min;
    let mut steps = 0;
    loop {
        let before = levels.len();
        payer_min = f64::INFINITY;
        levels.retain(|&(b, n)| {
            if b < pay {
                poor_paid += b * n;
                poor_weight += n;
                poor_count += 1.0;
                poor_max = poor_max.max(b);
                false
            } else {
                payer_min = payer_min.min(b);
                true
            }
        });
        if levels.len() == before {
            break;
        }
        if levels.is_empty() {
            return FloatPayment::Unsure;
        }
        pay = (cost - poor_paid) / (weight - poor_weight);
        steps += 1;
        if steps == NEWTON_STEPS {
            levels.sort_unstable_by(|a, b| a.0.total_cmp(&b.0));
            let mut k = 0;
            while k < levels.len() && levels[k].0 < pay {
                let (b, n) = levels[k];
                poor_paid += b * n;
                poor_weight += n;
                poor_count += 1.0;
                poor_max = b;
                pay = (cost - poor_paid) / (weight - poor_weight);
                k += 1;
            }
            match levels.get(k) {
                Some(&(b, _)) => payer_min = b,
                None => return FloatPayment::Unsure,
            }
            break;
        }
    }
    // The exact payment follows from the same formula on exact numbers, as long as the same
    // voters are poorer than it, which the margins below guarantee.
    let payers = weight - poor_weight;
    let err = CARRIED
        * (CARRIED * err_budget * poor_weight
            + SAFETY
                * EPS
                * ((poor_count + 2.0) * poor_paid + 2.0 * cost + (cost - poor_paid).abs()))
        / payers
        + SAFETY * EPS * pay;
    let margin = CARRIED * err_budget + err + SAFETY * EPS * pay;
    if poor_count > 0.0 && poor_max + margin >= pay || payer_min - margin <= pay {
        return FloatPayment::Unsure;
    }
    FloatPayment::Pays { pay, err }
}

/// The exact payment for a project of cost `cost` from the budgets of its supporters (each with
/// its number of voters): the smallest at which they pay `cost`, each paying it or all they have
/// if less; `None` when their budgets together fall short.
fn payment(mut levels: Vec<(Q, u64)>, cost: &Q) -> Option<Q> {
    let total = levels.iter().fold(Q::zero(), |acc, (b, n)| {
        acc + b * Q::from_integer(BigInt::from(*n))
    });
    if total < *cost {
        return None;
    }
    if cost.is_zero() {
        return Some(Q::zero());
    }
    // Poorest first: those who cannot pay the price pay all they have.
    levels.sort_by(|a, b| a.0.cmp(&b.0));
    let mut remaining = cost.clone();
    let mut weight: u64 = levels.iter().map(|(_, n)| n).sum();
    for (b, n) in levels {
        let pay = &remaining / Q::from_integer(BigInt::from(weight));
        if pay <= b {
            return Some(pay);
        }
        remaining -= b * Q::from_integer(BigInt::from(n));
        weight -= n;
    }
    None
}

/// MES in exact arithmetic, the plain way: the reference the floating-point run is checked
/// against, and the fallback for numbers out of the range of floating point.
fn mes_exact(e: &Election, sat: Satisfaction, voter_budget_total: &Q) -> Vec<MesStep> {
    let n = e.voters();
    if n == 0 {
        return Vec::new();
    }
    let share = voter_budget_total / Q::from_integer(BigInt::from(n));
    // Budgets per distinct ballot (all its voters hold the same).
    let mut budget: Vec<Q> = vec![share; e.ballots.len()];
    let supporters = e.supporters();
    let utility = |p: usize| -> Q {
        match sat {
            Satisfaction::Cost => e.projects[p].cost.clone(),
            Satisfaction::Cardinality => Q::from_integer(BigInt::from(1)),
        }
    };
    let mut available = e.valued(sat, &approvals(e));
    let mut steps = Vec::new();
    loop {
        let mut best: Option<(Q, usize, Q)> = None;
        let mut unaffordable = Vec::new();
        for &p in &available {
            let levels = supporters[p]
                .iter()
                .map(|i| (budget[*i].clone(), e.ballots[*i].1))
                .collect();
            match payment(levels, &e.projects[p].cost) {
                None => unaffordable.push(p),
                Some(pay) => {
                    let rho = &pay / utility(p);
                    // Strictly smaller only: among equals the first by id stays.
                    if best.as_ref().is_none_or(|(r, _, _)| rho < *r) {
                        best = Some((rho, p, pay));
                    }
                }
            }
        }
        // A project the supporters cannot afford now never becomes affordable: budgets only shrink.
        available.retain(|p| !unaffordable.contains(p));
        let Some((rho, p, pay)) = best else { break };
        for &i in &supporters[p] {
            let paid = pay.clone().min(budget[i].clone());
            budget[i] -= paid;
        }
        available.retain(|q| *q != p);
        steps.push(MesStep {
            project: p,
            rho: to_f64(&rho),
        });
    }
    steps
}

/// MES completed as used in real participatory budgets: the voters' budget is raised by one unit
/// per voter while the outcome still fits the real budget and is not exhaustive, then the rest
/// is filled greedily (pabutools' completion of `exhaustion_by_budget_increase` by the greedy
/// rule).
pub fn mes_complete(e: &Election, sat: Satisfaction) -> Vec<usize> {
    let step = Q::from_integer(BigInt::from(e.voters()));
    greedy(e, sat, &mes_exhausted(e, sat, &step))
}

/// MES run again with the voters' total budget raised by `step` each time, while the outcome
/// still fits the real budget and is not exhaustive; the last outcome that fits.
pub fn mes_exhausted(e: &Election, sat: Satisfaction, step: &Q) -> Vec<usize> {
    let prep = Prepared::new(e, sat);
    let outcome = |voter_budget: &Q| -> Vec<usize> {
        prep.run(voter_budget)
            .into_iter()
            .map(|s| s.project)
            .collect()
    };
    let mut voter_budget = e.budget.clone();
    let mut best = outcome(&voter_budget);
    // As pabutools: the voters' budget goes no higher than the real budget times (voters + 1).
    // Projects nobody values are never funded by MES, so the outcome may never be exhaustive.
    let bound = &e.budget * Q::from_integer(BigInt::from(e.voters() + 1));
    // Once every project some voter values is funded, more budget changes nothing: the loop
    // would give the same outcome up to the bound.
    if e.voters() > 0 && step.is_positive() {
        while !e.is_exhaustive(&best) && !prep.valued.iter().all(|p| best.contains(p)) {
            voter_budget += step;
            if voter_budget > bound {
                break;
            }
            let next = outcome(&voter_budget);
            if e.cost_of(&next) > e.budget {
                break;
            }
            best = next;
        }
    }
    best
}

/// Parses an exact decimal (`12`, `0.9`, `1.09`, `-3`, `2/3`).
pub fn parse_q(s: &str) -> Option<Q> {
    let s = s.trim();
    if let Some((a, b)) = s.split_once('/') {
        let (a, b): (BigInt, BigInt) = (a.trim().parse().ok()?, b.trim().parse().ok()?);
        return (!b.is_zero()).then(|| Q::new(a, b));
    }
    let (int, frac) = s.split_once('.').unwrap_or((s, ""));
    if int.is_empty() && frac.is_empty() || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let digits = format!(
        "{}{frac}",
        if int.is_empty() || int == "-" {
            format!("{int}0")
        } else {
            int.to_string()
        }
    );
    let n: BigInt = digits.parse().ok()?;
    Some(Q::new(n, BigInt::from(10u32).pow(frac.len() as u32)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(s: &str) -> Q {
        parse_q(s).unwrap()
    }

    /// A reproducible pseudo-random generator.
    struct Rng(u64);

    impl Rng {
        fn below(&mut self, k: u64) -> u64 {
            self.0 = self
                .0
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (self.0 >> 33) % k
        }
    }

    fn int(n: u64) -> Q {
        Q::from_integer(BigInt::from(n))
    }

    /// The shape of a random election: `voters` ballots drawn among `shapes` random ones (few
    /// shapes: many voters alike, hence ties), each of the `projects` approved with
    /// probability 1/`sparsity`, lower ids more often when `skew`.
    struct Draw {
        projects: usize,
        voters: u64,
        shapes: u64,
        sparsity: u64,
        skew: bool,
    }

    impl Draw {
        fn election(
            &self,
            rng: &mut Rng,
            mut cost: impl FnMut(&mut Rng) -> Q,
            budget: Q,
        ) -> Election {
            let projects: Vec<Project> = (0..self.projects)
                .map(|i| Project {
                    id: format!("{}", i + 1),
                    cost: cost(rng),
                })
                .collect();
            let shapes: Vec<Vec<String>> = (0..self.shapes)
                .map(|_| {
                    (1..=self.projects)
                        .filter(|i| {
                            let skew = if self.skew { *i as u64 / 3 } else { 0 };
                            rng.below(self.sparsity + skew) == 0
                        })
                        .map(|i| i.to_string())
                        .collect()
                })
                .collect();
            let ballots: Vec<Vec<String>> = (0..self.voters)
                .map(|_| shapes[rng.below(self.shapes) as usize].clone())
                .collect();
            Election::new(projects, budget, &ballots).unwrap()
        }
    }

    fn projects(steps: &[MesStep]) -> Vec<usize> {
        steps.iter().map(|s| s.project).collect()
    }

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

    /// The completion of the fast MES against the same loop on the exact one.
    #[test]
    fn the_completion_agrees_with_exact_mes() {
        let mut rng = Rng(2024);
        for round in 0..400 {
            let m = 2 + rng.below(8) as usize;
            let voters = 1 + rng.below(16);
            let budget = int(1 + rng.below(60));
            let shapes = if round % 2 == 0 {
                voters
            } else {
                1 + rng.below(4)
            };
            let e = Draw {
                projects: m,
                voters,
                shapes,
                sparsity: 3,
                skew: false,
            }
            .election(&mut rng, |r| int(1 + r.below(15)), budget);
            for sat in [Satisfaction::Cost, Satisfaction::Cardinality] {
                let exact = |total: &Q| projects(&mes_exact(&e, sat, total));
                let (mut total, step) = (e.budget.clone(), int(e.voters()));
                let bound = &e.budget * int(e.voters() + 1);
                let valued = e.valued(sat, &approvals(&e));
                let mut best = exact(&total);
                while !e.is_exhaustive(&best) && !valued.iter().all(|p| best.contains(p)) {
                    total += &step;
                    let next = exact(&total);
                    if total > bound || e.cost_of(&next) > e.budget {
                        break;
                    }
                    best = next;
                }
                assert_eq!(mes_exhausted(&e, sat, &step), best, "{sat:?}: {e:?}");
            }
        }
    }

    /// `float_payment` against `payment` on budgets that are exact in floating point.
    fn check_payment(levels: &[(f64, f64)], cost: f64) -> FloatPayment {
        let exact: Vec<(Q, u64)> = levels
            .iter()
            .map(|(b, n)| (Q::from_float(*b).unwrap(), *n as u64))
            .collect();
        let expected = payment(exact, &Q::from_float(cost).unwrap());
        let got = float_payment(&mut levels.to_vec(), cost, 0.0);
        match (&got, &expected) {
            (FloatPayment::Unaffordable, None) | (FloatPayment::Unsure, _) => {}
            (FloatPayment::Pays { pay, err }, Some(x)) => {
                let off = (Q::from_float(*pay).unwrap() - x).abs();
                assert!(off <= Q::from_float(*err).unwrap(), "{pay} ± {err} for {x}");
            }
            _ => panic!("{got:?} for {expected:?}: {levels:?}, cost {cost}"),
        }
        got
    }

    #[test]
    fn floating_point_payments_are_within_their_bounds() {
        let mut rng = Rng(5);
        let mut unsure = 0;
        for round in 0..3000 {
            let levels: Vec<(f64, f64)> = (0..1 + rng.below(60))
                .map(|_| {
                    let b = match round % 3 {
                        0 => (1 + rng.below(1000)) as f64,
                        1 => (1 + rng.below(1 << 20)) as f64 / 1024.0,
                        _ => 2f64.powi(rng.below(40) as i32) * (1 + rng.below(7)) as f64,
                    };
                    (b, (1 + rng.below(4)) as f64)
                })
                .collect();
            let total: f64 = levels.iter().map(|(b, n)| b * n).sum();
            let cost = (total * (1 + rng.below(1200)) as f64 / 1000.0)
                .round()
                .max(1.0);
            if check_payment(&levels, cost) == FloatPayment::Unsure {
                unsure += 1;
            }
        }
        assert!(unsure < 100, "{unsure} unsure");
    }

    /// Budgets built so that each Newton step makes exactly one more ballot poor: each budget is
    /// the payment two steps before, and each ballot counts as many voters as all the richer
    /// ones together. Beyond `NEWTON_STEPS`, the sorted walk finishes.
    #[test]
    fn a_payment_needing_many_newton_steps_is_found() {
        let (poor, cost) = (NEWTON_STEPS + 8, 1e6);
        let voters = |k: usize| 2f64.powi((poor - k) as i32);
        let mut left = (1..=poor).map(voters).sum::<f64>() + 1.0;
        let mut x = cost / left;
        let (mut budget, mut paid) = (x / 2.0, 0.0);
        let mut levels = Vec::new();
        for k in 1..=poor {
            levels.push((budget, voters(k)));
            paid += budget * voters(k);
            left -= voters(k);
            budget = x;
            x = (cost - paid) / left;
        }
        levels.push((1e9, 1.0));
        assert!(matches!(
            check_payment(&levels, cost),
            FloatPayment::Pays { .. }
        ));
    }

    #[test]
    fn decimals_are_exact() {
        assert_eq!(q("0.9") + q("0.1"), q("1"));
        assert_eq!(q("1.09"), Q::new(BigInt::from(109), BigInt::from(100)));
        assert_eq!(q("2/4"), q("0.5"));
        assert_eq!(q(".5"), q("0.5"));
        for bad in ["", "x", "1.2.3", "1/0", "1e5"] {
            assert!(parse_q(bad).is_none(), "{bad}");
        }
    }
}
