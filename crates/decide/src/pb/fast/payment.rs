//! The payment for one project in floating point, by Newton's method, with a bound on its error:
//! the fast run prices projects with it, and learns from it when floating point cannot tell and
//! exact arithmetic must settle.

use super::{CARRIED, EPS, SAFETY};

/// Newton steps tried for a payment before sorting the supporters instead (see
/// `float_payment`); a handful is the rule.
const NEWTON_STEPS: usize = 16;

/// What floating point tells of the payment for a project.
#[derive(Debug, PartialEq)]
pub(super) enum FloatPayment {
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
// In a module of its own, it lands in another codegen unit than the run that calls it for every
// project priced: without the hint it is not inlined there, and mes-complete is about 15% slower.
#[inline]
pub(super) fn float_payment(
    levels: &mut Vec<(f64, f64)>,
    cost: f64,
    err_budget: f64,
) -> FloatPayment {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pb::Q;
    use crate::pb::exact::payment;
    use crate::pb::testing::Rng;
    use num_traits::Signed;

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
}
