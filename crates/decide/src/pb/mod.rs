//! Participatory budgets with approval ballots: the greedy rule and the Method of Equal Shares,
//! in exact rational arithmetic, ties broken as pabutools breaks them by default (by project
//! name).
//!
//! The public types and rules are here, with what the runs of MES share. MES itself runs in
//! floating point with error bounds and exact settling of what the bounds leave open (`fast`),
//! checked against, and falling back to, the plain exact run (`exact`).

mod exact;
mod explain;
mod fast;
#[cfg(test)]
mod testing;

pub use explain::{Shares, shares};
use fast::Prepared;
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

/// `q` rounded to floating point, for the fast run and the exact one, and for display.
pub fn to_f64(q: &Q) -> f64 {
    use num_traits::ToPrimitive;
    q.to_f64().unwrap_or(f64::NAN)
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
    mes_exhausted_with_budget(e, sat, step).0
}

/// [`mes_exhausted`] with the voters' total budget of its last run, which an explanation of the
/// outcome starts from (each voter's share is that budget divided by the voters).
pub fn mes_exhausted_with_budget(e: &Election, sat: Satisfaction, step: &Q) -> (Vec<usize>, Q) {
    let prep = Prepared::new(e, sat);
    let outcome = |voter_budget: &Q| -> Vec<usize> {
        prep.run(voter_budget)
            .into_iter()
            .map(|s| s.project)
            .collect()
    };
    let mut voter_budget = e.budget.clone();
    let mut best = outcome(&voter_budget);
    let mut best_budget = voter_budget.clone();
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
            best_budget = voter_budget.clone();
        }
    }
    (best, best_budget)
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
    use super::exact::mes_exact;
    use super::testing::{Draw, Rng, int, projects};
    use super::*;

    fn q(s: &str) -> Q {
        parse_q(s).unwrap()
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
