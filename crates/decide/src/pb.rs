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
    /// satisfaction, a free project is worth nothing to anyone).
    fn valued(&self, sat: Satisfaction, supporters: &[Vec<usize>]) -> Vec<usize> {
        self.by_id(
            (0..self.projects.len())
                .filter(|p| {
                    !supporters[*p].is_empty()
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
/// It runs in floating point, and again in exact arithmetic whenever a decision (affordable or
/// not, who pays in full, which project is cheapest) was too close to call in floating point:
/// the outcome is always the exact one.
pub fn mes(e: &Election, sat: Satisfaction, voter_budget_total: &Q) -> Vec<MesStep> {
    match mes_float(e, sat, voter_budget_total) {
        Some(steps) => steps,
        None => mes_exact(e, sat, voter_budget_total),
    }
}

/// How close two floating-point values may be before a decision between them is taken exactly.
const CLOSE: f64 = 1e-9;

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= CLOSE * a.abs().max(b.abs()).max(1e-300)
}

fn to_f64(q: &Q) -> f64 {
    use num_traits::ToPrimitive;
    q.to_f64().unwrap_or(f64::NAN)
}

/// MES in floating point; `None` as soon as a decision is too close to call.
fn mes_float(e: &Election, sat: Satisfaction, voter_budget_total: &Q) -> Option<Vec<MesStep>> {
    let n = e.voters();
    if n == 0 {
        return Some(Vec::new());
    }
    let share = to_f64(voter_budget_total) / n as f64;
    let mut budget: Vec<f64> = vec![share; e.ballots.len()];
    let count: Vec<f64> = e.ballots.iter().map(|(_, c)| *c as f64).collect();
    let supporters = e.supporters();
    let cost: Vec<f64> = e.projects.iter().map(|p| to_f64(&p.cost)).collect();
    let utility = |p: usize| match sat {
        Satisfaction::Cost => cost[p],
        Satisfaction::Cardinality => 1.0,
    };
    let mut available = e.valued(sat, &supporters);
    let mut steps = Vec::new();
    let mut order: Vec<usize> = Vec::new();
    loop {
        let mut best: Option<(f64, usize)> = None;
        let mut runner_up = f64::INFINITY;
        let mut unaffordable = Vec::new();
        for &p in &available {
            let total: f64 = supporters[p].iter().map(|i| budget[*i] * count[*i]).sum();
            if close(total, cost[p]) {
                return None;
            }
            if total < cost[p] {
                unaffordable.push(p);
                continue;
            }
            let u = utility(p);
            let rho = if cost[p] == 0.0 {
                0.0
            } else {
                order.clear();
                order.extend_from_slice(&supporters[p]);
                order.sort_by(|a, b| budget[*a].total_cmp(&budget[*b]));
                let mut remaining = cost[p];
                let mut weight: f64 = supporters[p].iter().map(|i| count[*i] * u).sum();
                let mut found = None;
                for &i in &order {
                    let rho = remaining / weight;
                    if close(rho * u, budget[i]) {
                        return None;
                    }
                    if rho * u < budget[i] {
                        found = Some(rho);
                        break;
                    }
                    remaining -= budget[i] * count[i];
                    weight -= count[i] * u;
                }
                found?
            };
            match best {
                Some((b, _)) if rho < b => {
                    runner_up = b;
                    best = Some((rho, p));
                }
                Some(_) => runner_up = runner_up.min(rho),
                None => best = Some((rho, p)),
            }
        }
        available.retain(|p| !unaffordable.contains(p));
        let Some((rho, p)) = best else { break };
        if runner_up.is_finite() && close(rho, runner_up) {
            return None;
        }
        let u = utility(p);
        for &i in &supporters[p] {
            budget[i] = (budget[i] - rho * u).max(0.0);
        }
        available.retain(|q| *q != p);
        steps.push(MesStep { project: p, rho });
    }
    Some(steps)
}

/// MES in exact arithmetic.
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
    let mut available = e.valued(sat, &supporters);
    let mut steps = Vec::new();
    loop {
        let mut best: Option<(Q, usize)> = None;
        let mut unaffordable = Vec::new();
        for &p in &available {
            match price(e, &budget, &supporters[p], &e.projects[p].cost, &utility(p)) {
                None => unaffordable.push(p),
                Some(rho) => {
                    // Strictly smaller only: among equals the first by id stays.
                    if best.as_ref().is_none_or(|(r, _)| rho < *r) {
                        best = Some((rho, p));
                    }
                }
            }
        }
        // A project the supporters cannot afford now never becomes affordable: budgets only shrink.
        available.retain(|p| !unaffordable.contains(p));
        let Some((rho, p)) = best else { break };
        let u = utility(p);
        for &i in &supporters[p] {
            let pay = (&rho * &u).min(budget[i].clone());
            budget[i] -= pay;
        }
        available.retain(|q| *q != p);
        steps.push(MesStep {
            project: p,
            rho: to_f64(&rho),
        });
    }
    steps
}

/// The smallest price per unit of satisfaction at which the supporters (distinct ballots with
/// their counts) pay `cost`, each paying `price × utility` or all they have left; `None` when
/// their budgets together fall short.
fn price(e: &Election, budget: &[Q], supporters: &[usize], cost: &Q, utility: &Q) -> Option<Q> {
    let total: Q = supporters.iter().fold(Q::zero(), |acc, i| {
        acc + &budget[*i] * Q::from_integer(BigInt::from(e.ballots[*i].1))
    });
    if total < *cost {
        return None;
    }
    if cost.is_zero() {
        return Some(Q::zero());
    }
    // Poorest first: those who cannot pay the price pay all they have.
    let mut order: Vec<usize> = supporters.to_vec();
    order.sort_by(|a, b| budget[*a].cmp(&budget[*b]));
    let mut remaining = cost.clone();
    let mut weight: Q = supporters.iter().fold(Q::zero(), |acc, i| {
        acc + Q::from_integer(BigInt::from(e.ballots[*i].1)) * utility
    });
    for i in order {
        let count = Q::from_integer(BigInt::from(e.ballots[i].1));
        let rho = &remaining / &weight;
        if &rho * utility <= budget[i] {
            return Some(rho);
        }
        remaining -= &budget[i] * &count;
        weight -= count * utility;
    }
    None
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
    let mut voter_budget = e.budget.clone();
    let mut best: Vec<usize> = mes(e, sat, &voter_budget)
        .into_iter()
        .map(|s| s.project)
        .collect();
    // As pabutools: the voters' budget goes no higher than the real budget times (voters + 1).
    // Projects nobody values are never funded by MES, so the outcome may never be exhaustive.
    let bound = &e.budget * Q::from_integer(BigInt::from(e.voters() + 1));
    // Once every project some voter values is funded, more budget changes nothing: the loop
    // would give the same outcome up to the bound.
    let valued = e.valued(sat, &e.supporters());
    if e.voters() > 0 && step.is_positive() {
        while !e.is_exhaustive(&best) && !valued.iter().all(|p| best.contains(p)) {
            voter_budget += step;
            if voter_budget > bound {
                break;
            }
            let next: Vec<usize> = mes(e, sat, &voter_budget)
                .into_iter()
                .map(|s| s.project)
                .collect();
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

    #[test]
    fn floating_point_mes_agrees_with_exact_mes_or_declines() {
        let mut seed = 99u64;
        let mut next = |k: u64| {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (seed >> 33) % k
        };
        let (mut agreed, mut declined) = (0, 0);
        for _ in 0..2000 {
            let m = 2 + next(8) as usize;
            let projects: Vec<Project> = (0..m)
                .map(|i| Project {
                    id: format!("{}", i + 1),
                    cost: Q::from_integer(BigInt::from(1 + next(12))),
                })
                .collect();
            let ballots: Vec<Vec<String>> = (0..1 + next(20))
                .map(|_| {
                    (1..=m)
                        .filter(|_| next(3) == 0)
                        .map(|i| i.to_string())
                        .collect()
                })
                .collect();
            let budget = Q::from_integer(BigInt::from(1 + next(40)));
            let e = Election::new(projects, budget.clone(), &ballots).unwrap();
            for sat in [Satisfaction::Cost, Satisfaction::Cardinality] {
                let exact: Vec<usize> = mes_exact(&e, sat, &budget)
                    .iter()
                    .map(|s| s.project)
                    .collect();
                match mes_float(&e, sat, &budget) {
                    Some(steps) => {
                        assert_eq!(steps.iter().map(|s| s.project).collect::<Vec<_>>(), exact);
                        agreed += 1;
                    }
                    None => declined += 1,
                }
            }
        }
        // Small integer costs make exact ties common, yet most runs are decided in floating point.
        assert!(agreed > declined, "{agreed} agreed, {declined} declined");
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
