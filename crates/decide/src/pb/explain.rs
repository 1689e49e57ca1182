//! What the Method of Equal Shares did with each voter's share, in the numbers a result page
//! gives to explain it: the share, the most each selected project cost one of its supporters,
//! and what each project's supporters had left of their shares in the end — less than its cost
//! for every project MES left out, which is why it was left out.
//!
//! The decisions are MES's, taken exactly; these accounts are replayed in floating point, as
//! they are only shown rounded to the euro (an exact replay takes seconds on a large city's
//! budget, where the payments' denominators grow with every project).

use super::{Election, Q, to_f64};

/// The accounts of a run of the Method of Equal Shares.
#[derive(Debug, Clone, PartialEq)]
pub struct Shares {
    /// Each voter's share of the voters' budget.
    pub share: f64,
    /// For each project MES selected, the most one of its supporters paid for it (those who had
    /// less left paid all they had); `None` for the others.
    pub price: Vec<Option<f64>>,
    /// For each project, what its supporters had left of their shares once MES's selections
    /// were paid.
    pub left: Vec<f64>,
    /// What all the voters had left of their shares.
    pub unspent: f64,
}

/// Replays the payments of MES's selections (`selected`, in their order) with a voters' budget
/// of `voter_budget`: each selected project's cost is shared among its supporters, each paying
/// the same amount, or all they have left when that is less. That is MES's rule for approval
/// ballots, where a project is worth the same to each of its supporters under both measures of
/// satisfaction.
pub fn shares(e: &Election, voter_budget: &Q, selected: &[usize]) -> Shares {
    let voters = e.voters();
    let share = if voters == 0 {
        0.0
    } else {
        to_f64(voter_budget) / voters as f64
    };
    // What one voter of each distinct ballot has left.
    let mut left = vec![share; e.ballots.len()];
    let supporters = e.supporters();
    let mut price = vec![None; e.projects.len()];
    for &p in selected {
        let mut group = supporters[p].clone();
        group.sort_by(|a, b| left[*a].total_cmp(&left[*b]));
        // The even payment of those who can afford it, found from the poorest up.
        let mut cost = to_f64(&e.projects[p].cost);
        let mut payers: u64 = group.iter().map(|g| e.ballots[*g].1).sum();
        let mut even = 0.0;
        for g in &group {
            if payers == 0 {
                break;
            }
            even = cost / payers as f64;
            if left[*g] > even {
                break;
            }
            cost -= left[*g] * e.ballots[*g].1 as f64;
            payers -= e.ballots[*g].1;
            even = left[*g];
        }
        for g in &group {
            left[*g] -= left[*g].min(even);
        }
        price[p] = Some(even);
    }
    let of = |group: &mut dyn Iterator<Item = usize>| -> f64 {
        group.map(|g| left[g] * e.ballots[g].1 as f64).sum()
    };
    let unspent = of(&mut (0..e.ballots.len()));
    let left = supporters
        .iter()
        .map(|group| of(&mut group.iter().copied()))
        .collect();
    Shares {
        share,
        price,
        left,
        unspent,
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{Draw, Rng, int};
    use super::super::{Satisfaction, mes_exhausted_with_budget};
    use super::*;
    use num_traits::Zero;

    /// On random elections: the payments of each selection add up to its cost, nobody pays more
    /// than their share, and every project MES left out though someone valued it cost more than
    /// its supporters had left.
    #[test]
    fn the_accounts_of_equal_shares_add_up_and_say_why_a_project_was_left_out() {
        let mut rng = Rng(1789);
        for round in 0..300 {
            let budget = int(10 + rng.below(60));
            let e = Draw {
                projects: 2 + rng.below(8) as usize,
                voters: 1 + rng.below(20),
                shapes: 1 + rng.below(6),
                sparsity: 3,
                skew: round % 3 == 0,
            }
            .election(&mut rng, |r| int(1 + r.below(20)), budget);
            for sat in [Satisfaction::Cost, Satisfaction::Cardinality] {
                let step = int(e.voters());
                let (selected, voter_budget) = mes_exhausted_with_budget(&e, sat, &step);
                let s = shares(&e, &voter_budget, &selected);
                let spent: f64 = selected.iter().map(|p| to_f64(&e.projects[*p].cost)).sum();
                let paid = s.share * e.voters() as f64 - s.unspent;
                assert!(
                    (paid - spent).abs() < 1e-6 * spent.max(1.0),
                    "round {round}: {paid} paid for {spent}"
                );
                for p in 0..e.projects.len() {
                    match (&s.price[p], selected.contains(&p)) {
                        (Some(price), true) => {
                            assert!(*price <= s.share * (1.0 + 1e-9), "round {round}")
                        }
                        (None, false) => {
                            let valued = e.ballots.iter().any(|(b, _)| b.contains(&p))
                                && (sat == Satisfaction::Cardinality
                                    || e.projects[p].cost > Q::zero());
                            let cost = to_f64(&e.projects[p].cost);
                            if valued {
                                assert!(
                                    s.left[p] < cost + 1e-9 * cost,
                                    "round {round} project {p}"
                                );
                            }
                        }
                        other => panic!("round {round}: price and selection disagree: {other:?}"),
                    }
                }
            }
        }
    }
}
