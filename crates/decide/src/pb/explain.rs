//! What the Method of Equal Shares did with each voter's share, in the numbers a result page
//! gives to explain it: the share, the most each selected project cost one of its supporters,
//! and what each project's supporters had left of their shares in the end — less than its cost
//! for every project MES left out, which is why it was left out.

use super::{Election, Q};
use num_bigint::BigInt;
use num_traits::Zero;

/// The accounts of a run of the Method of Equal Shares.
#[derive(Debug, Clone, PartialEq)]
pub struct Shares {
    /// Each voter's share of the voters' budget.
    pub share: Q,
    /// For each project MES selected, the most one of its supporters paid for it (those who had
    /// less left paid all they had); `None` for the others.
    pub price: Vec<Option<Q>>,
    /// For each project, what its supporters had left of their shares once MES's selections
    /// were paid.
    pub left: Vec<Q>,
    /// What all the voters had left of their shares.
    pub unspent: Q,
}

/// Replays the payments of MES's selections (`selected`, in their order) with a voters' budget
/// of `voter_budget`: each selected project's cost is shared among its supporters, each paying
/// the same amount, or all they have left when that is less. That is MES's rule for approval
/// ballots, where a project is worth the same to each of its supporters under both measures of
/// satisfaction.
pub fn shares(e: &Election, voter_budget: &Q, selected: &[usize]) -> Shares {
    let count = |n: u64| Q::from_integer(BigInt::from(n));
    let voters = e.voters();
    let share = if voters == 0 {
        Q::zero()
    } else {
        voter_budget / count(voters)
    };
    // What one voter of each distinct ballot has left.
    let mut left = vec![share.clone(); e.ballots.len()];
    let supporters = e.supporters();
    let mut price = vec![None; e.projects.len()];
    for &p in selected {
        let mut group = supporters[p].clone();
        group.sort_by(|a, b| left[*a].cmp(&left[*b]));
        // The even payment of those who can afford it, found from the poorest up.
        let mut cost = e.projects[p].cost.clone();
        let mut payers: u64 = group.iter().map(|g| e.ballots[*g].1).sum();
        let mut even = Q::zero();
        for g in &group {
            if payers == 0 {
                break;
            }
            even = &cost / count(payers);
            if left[*g] > even {
                break;
            }
            cost -= &left[*g] * count(e.ballots[*g].1);
            payers -= e.ballots[*g].1;
            even = left[*g].clone();
        }
        for g in &group {
            let paid = if left[*g] < even {
                left[*g].clone()
            } else {
                even.clone()
            };
            left[*g] -= paid;
        }
        price[p] = Some(even);
    }
    let of = |group: &mut dyn Iterator<Item = usize>| {
        group.fold(Q::zero(), |sum, g| sum + &left[g] * count(e.ballots[g].1))
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
                let spent: Q = selected
                    .iter()
                    .fold(Q::zero(), |sum, p| sum + &e.projects[*p].cost);
                assert_eq!(
                    &s.share * int(e.voters()) - &s.unspent,
                    spent,
                    "round {round}"
                );
                for p in 0..e.projects.len() {
                    match (&s.price[p], selected.contains(&p)) {
                        (Some(price), true) => assert!(*price <= s.share, "round {round}"),
                        (None, false) => {
                            let valued = e.ballots.iter().any(|(b, _)| b.contains(&p))
                                && (sat == Satisfaction::Cardinality
                                    || e.projects[p].cost > Q::zero());
                            if valued {
                                assert!(s.left[p] < e.projects[p].cost, "round {round} project {p}");
                            }
                        }
                        other => panic!("round {round}: price and selection disagree: {other:?}"),
                    }
                }
            }
        }
    }
}
