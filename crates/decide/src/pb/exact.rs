//! The Method of Equal Shares in exact arithmetic, the plain way: the reference the fast run is
//! checked against, and its fallback for numbers out of the range of floating point.

use super::{Election, MesStep, Q, Satisfaction, approvals, to_f64};
use num_bigint::BigInt;
use num_traits::Zero;

/// The exact payment for a project of cost `cost` from the budgets of its supporters (each with
/// its number of voters): the smallest at which they pay `cost`, each paying it or all they have
/// if less; `None` when their budgets together fall short.
pub(super) fn payment(mut levels: Vec<(Q, u64)>, cost: &Q) -> Option<Q> {
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
pub(super) fn mes_exact(e: &Election, sat: Satisfaction, voter_budget_total: &Q) -> Vec<MesStep> {
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
