//! The two principal components of the vote matrix, and the participants' positions.
//!
//! Empty cells are filled with the statement's mean and every column is centred, so a cell is
//! vote − mean where someone voted and 0 elsewhere: the centred matrix C has the sparsity of the
//! votes. The components are the two leading eigenvectors of CᵀC, found by Lanczos iteration:
//! each step applies C then Cᵀ, once over the votes, and a few dozen steps reach a precision
//! that power iteration approaches only after hundreds when the leading eigenvalues are close.

use super::Pca;
use super::replay::Matrix;

/// A Ritz pair is accepted when its residual is below this fraction of the largest eigenvalue.
const TOLERANCE: f64 = 1e-11;
/// Lanczos steps before a restart (from the best two vectors so far).
const MAX_STEPS: usize = 300;
/// Restarts before the best vectors so far are accepted.
const MAX_RESTARTS: usize = 4;
/// From this many votes, each product is shared between two threads.
const PARALLEL_CELLS: usize = 100_000;

/// The mean vote of each column and the two leading components.
pub(crate) fn pca(m: &Matrix) -> Pca {
    let n = m.tids.len();
    let mut sum = vec![0f64; n];
    let mut count = vec![0u32; n];
    for (c, v) in m.cols.iter().zip(&m.values) {
        sum[*c as usize] += f64::from(*v);
        count[*c as usize] += 1;
    }
    let center: Vec<f64> = (0..n)
        .map(|c| {
            if m.excluded[c] || count[c] == 0 {
                0.0
            } else {
                sum[c] / f64::from(count[c])
            }
        })
        .collect();
    // The centred value of each vote on each column: vote − mean, 0 where moderated out.
    let centred: Vec<[f64; 3]> = (0..n)
        .map(|c| {
            if m.excluded[c] {
                [0.0; 3]
            } else {
                [-1.0, 0.0, 1.0].map(|v| v - center[c])
            }
        })
        .collect();
    let cell = |c: u32, v: i8| centred[c as usize][(v + 1) as usize];
    // CᵀC x over the rows `rows`, added into y.
    let half = |rows: std::ops::Range<usize>, x: &[f64], y: &mut [f64]| {
        for r in rows {
            let range = m.row_start[r]..m.row_start[r + 1];
            let (cols, values) = (&m.cols[range.clone()], &m.values[range]);
            let s: f64 = cols
                .iter()
                .zip(values)
                .map(|(c, v)| cell(*c, *v) * x[*c as usize])
                .sum();
            if s != 0.0 {
                for (c, v) in cols.iter().zip(values) {
                    y[*c as usize] += s * cell(*c, *v);
                }
            }
        }
    };
    let rows = m.pids.len();
    // Large matrices in two halves at once, always split alike, so that the sums (and the
    // bytes) do not depend on threads.
    let split = m.cols.len() >= PARALLEL_CELLS;
    let gram = |x: &[f64], y: &mut [f64]| {
        y.fill(0.0);
        if split {
            let mut other = vec![0.0; y.len()];
            std::thread::scope(|s| {
                s.spawn(|| half(rows / 2..rows, x, &mut other));
                half(0..rows / 2, x, y);
            });
            y.iter_mut().zip(&other).for_each(|(a, b)| *a += b);
        } else {
            half(0..rows, x, y);
        }
    };
    // A fixed, irregular start over the statements that count, so that no component is missed
    // by symmetry and the same votes give the same bytes.
    let mut seed = 0x9e37_79b9_7f4a_7c15u64;
    let start: Vec<f64> = (0..n)
        .map(|c| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            if m.excluded[c] {
                0.0
            } else {
                0.5 + (seed >> 11) as f64 / (1u64 << 53) as f64
            }
        })
        .collect();
    // The start and the range of CᵀC lie in the columns that count; CᵀC has rank below the
    // number of rows (the columns are centred).
    let active = m.excluded.iter().filter(|e| !**e).count();
    let comps = leading_two(gram, start, active.min(rows));
    Pca { center, comps }
}

/// The position of every row: its own votes, centred, projected on the components, scaled by
/// √(statements / cells), where cells counts its votes and the columns moderated out (zero for
/// everyone, so never empty).
pub(crate) fn positions(m: &Matrix, pca: &Pca) -> Vec<[f64; 2]> {
    let n = m.tids.len();
    let zeroed = m.excluded.iter().filter(|e| **e).count();
    (0..m.pids.len())
        .map(|r| {
            let (mut x, mut y, mut cells) = (0.0, 0.0, zeroed);
            for (c, v) in m.row(r) {
                if m.excluded[c] {
                    continue;
                }
                let d = f64::from(v) - pca.center[c];
                x += d * pca.comps[0][c];
                y += d * pca.comps[1][c];
                cells += 1;
            }
            let scale = (n as f64 / cells.max(1) as f64).sqrt();
            [x * scale, y * scale]
        })
        .collect()
}

/// The two leading eigenvectors of the symmetric positive semi-definite operator `apply`, each
/// with a positive sum; a zero vector where the operator has no such direction. `room` bounds
/// the dimension of the space spanned by `start` and the operator's range.
fn leading_two(apply: impl Fn(&[f64], &mut [f64]), start: Vec<f64>, room: usize) -> [Vec<f64>; 2] {
    let n = start.len();
    let mut start = start;
    let mut found = [vec![0.0; n], vec![0.0; n]];
    for _ in 0..=MAX_RESTARTS {
        let (pairs, converged) = lanczos(&apply, &start, room);
        let top = pairs.first().map(|p| p.0).unwrap_or(0.0);
        for (i, slot) in found.iter_mut().enumerate() {
            *slot = match pairs.get(i) {
                Some((value, vector)) if *value > top * 1e-12 && *value > 0.0 => {
                    oriented(vector.clone())
                }
                _ => vec![0.0; n],
            };
        }
        if converged {
            break;
        }
        start = found[0].iter().zip(&found[1]).map(|(a, b)| a + b).collect();
        if norm(&start) == 0.0 {
            break;
        }
    }
    found
}

/// Up to two leading Ritz pairs (largest first) of Lanczos steps from `start`, with full
/// reorthogonalisation, until they are accurate or the Krylov space stops growing (at the
/// latest at `room` steps); and whether they are final rather than cut short by `MAX_STEPS`.
fn lanczos(
    apply: &impl Fn(&[f64], &mut [f64]),
    start: &[f64],
    room: usize,
) -> (Vec<(f64, Vec<f64>)>, bool) {
    let n = start.len();
    let s = norm(start);
    if s == 0.0 || room == 0 {
        return (Vec::new(), true);
    }
    let mut basis: Vec<Vec<f64>> = vec![start.iter().map(|x| x / s).collect()];
    let (mut alpha, mut beta): (Vec<f64>, Vec<f64>) = (Vec::new(), Vec::new());
    let mut w = vec![0.0; n];
    loop {
        let j = basis.len() - 1;
        apply(&basis[j], &mut w);
        let a = dot(&basis[j], &w);
        alpha.push(a);
        axpy(&mut w, -a, &basis[j]);
        if j > 0 {
            axpy(&mut w, -beta[j - 1], &basis[j - 1]);
        }
        for _ in 0..2 {
            for q in &basis {
                let d = dot(q, &w);
                axpy(&mut w, -d, q);
            }
        }
        let b = norm(&w);
        let ritz = tridiagonal_top_two(&alpha, &beta);
        let scale = ritz.first().map(|p| p.0.abs()).unwrap_or(0.0);
        let spanned = b <= 1e-13 * scale.max(f64::MIN_POSITIVE) || basis.len() >= room;
        let accurate = ritz
            .iter()
            .all(|(_, s)| b * s[j].abs() <= TOLERANCE * scale);
        if spanned || accurate || basis.len() >= MAX_STEPS {
            let pairs = ritz
                .into_iter()
                .map(|(value, s)| {
                    let mut y = vec![0.0; n];
                    for (q, c) in basis.iter().zip(&s) {
                        axpy(&mut y, *c, q);
                    }
                    let l = norm(&y);
                    y.iter_mut().for_each(|x| *x /= l);
                    (value, y)
                })
                .collect();
            return (pairs, spanned || accurate);
        }
        beta.push(b);
        basis.push(w.iter().map(|x| x / b).collect());
    }
}

/// The two largest eigenvalues of the symmetric tridiagonal matrix with diagonal `a` and
/// off-diagonal `b`, with unit eigenvectors: bisection on Sturm counts, then inverse iteration.
fn tridiagonal_top_two(a: &[f64], b: &[f64]) -> Vec<(f64, Vec<f64>)> {
    let k = a.len();
    let off = |i: usize| if i < b.len() { b[i].abs() } else { 0.0 };
    let mut lo = f64::INFINITY;
    let mut hi = f64::NEG_INFINITY;
    for (i, d) in a.iter().enumerate() {
        let r = off(i) + if i > 0 { off(i - 1) } else { 0.0 };
        lo = lo.min(d - r);
        hi = hi.max(d + r);
    }
    let width = (hi - lo).max(hi.abs()).max(f64::MIN_POSITIVE);
    let below = |x: f64| {
        let mut n = 0;
        let mut d = 1.0;
        for (i, diagonal) in a.iter().enumerate() {
            d = diagonal - x - if i > 0 { b[i - 1] * b[i - 1] / d } else { 0.0 };
            if d == 0.0 {
                d = -f64::EPSILON * width;
            }
            if d < 0.0 {
                n += 1;
            }
        }
        n
    };
    let mut out: Vec<(f64, Vec<f64>)> = Vec::new();
    for index in (k.saturating_sub(2)..k).rev() {
        let (mut l, mut h) = (lo, hi);
        for _ in 0..200 {
            let mid = 0.5 * (l + h);
            if mid <= l || mid >= h || h - l <= 4.0 * f64::EPSILON * width {
                break;
            }
            if below(mid) > index {
                h = mid;
            } else {
                l = mid;
            }
        }
        let value = 0.5 * (l + h);
        let earlier: Vec<&[f64]> = out.iter().map(|(_, v)| v.as_slice()).collect();
        let vector = inverse_iteration(a, b, value, &earlier, width);
        out.push((value, vector));
    }
    out
}

/// The eigenvector of the tridiagonal matrix (`a`, `b`) for the eigenvalue `value`, orthogonal
/// to `earlier` ones (which matters only when eigenvalues nearly coincide).
fn inverse_iteration(a: &[f64], b: &[f64], value: f64, earlier: &[&[f64]], width: f64) -> Vec<f64> {
    let k = a.len();
    let tiny = f64::EPSILON * width;
    // Gaussian elimination of T − value·I with partial pivoting: unit lower factor `l`, upper
    // factor with diagonal `d` and two superdiagonals `u1`, `u2`; `swap[i]` when rows i, i+1
    // were exchanged.
    let mut d: Vec<f64> = a.iter().map(|x| x - value).collect();
    let mut u1: Vec<f64> = b.to_vec();
    let mut u2 = vec![0.0; k];
    let mut l: Vec<f64> = b.to_vec();
    let mut swap = vec![false; k];
    for i in 0..k.saturating_sub(1) {
        if d[i].abs() >= l[i].abs() {
            if d[i] == 0.0 {
                d[i] = tiny;
            }
            let f = l[i] / d[i];
            l[i] = f;
            d[i + 1] -= f * u1[i];
        } else {
            let f = d[i] / l[i];
            d[i] = l[i];
            l[i] = f;
            let t = u1[i];
            u1[i] = d[i + 1];
            d[i + 1] = t - f * d[i + 1];
            if i + 2 < k {
                u2[i] = u1[i + 1];
                u1[i + 1] *= -f;
            }
            swap[i] = true;
        }
    }
    if k > 0 && d[k - 1] == 0.0 {
        d[k - 1] = tiny;
    }
    let mut x: Vec<f64> = (0..k).map(|i| 1.0 + 0.1 * (i % 7) as f64).collect();
    for _ in 0..3 {
        for i in 0..k.saturating_sub(1) {
            if swap[i] {
                x.swap(i, i + 1);
            }
            x[i + 1] -= l[i] * x[i];
        }
        for i in (0..k).rev() {
            let mut s = x[i];
            if i + 1 < k {
                s -= u1[i] * x[i + 1];
            }
            if i + 2 < k {
                s -= u2[i] * x[i + 2];
            }
            x[i] = s / d[i];
        }
        for e in earlier {
            let p = dot(e, &x);
            axpy(&mut x, -p, e);
        }
        let s = norm(&x);
        if s == 0.0 || !s.is_finite() {
            break;
        }
        x.iter_mut().for_each(|v| *v /= s);
    }
    x
}

/// `v` or `−v`, whichever has a positive sum (or a positive first nonzero entry).
fn oriented(mut v: Vec<f64>) -> Vec<f64> {
    let sum: f64 = v.iter().sum();
    let first = v.iter().copied().find(|x| *x != 0.0).unwrap_or(0.0);
    if sum < 0.0 || (sum == 0.0 && first < 0.0) {
        v.iter_mut().for_each(|x| *x = -*x);
    }
    v
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

fn norm(a: &[f64]) -> f64 {
    dot(a, a).sqrt()
}

fn axpy(y: &mut [f64], a: f64, x: &[f64]) {
    for (y, x) in y.iter_mut().zip(x) {
        *y += a * x;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_leading_eigenvectors_of_a_small_matrix() {
        // Eigenvalues 6 (0, 1, 1)/√2, 4 (0, 1, −1)/√2 and 2 (1, 0, 0).
        let a = [[2.0, 0.0, 0.0], [0.0, 5.0, 1.0], [0.0, 1.0, 5.0]];
        let apply = |x: &[f64], y: &mut [f64]| {
            for i in 0..3 {
                y[i] = (0..3).map(|j| a[i][j] * x[j]).sum();
            }
        };
        let [v1, v2] = leading_two(apply, vec![1.0, 0.3, 0.7], 3);
        let h = 0.5f64.sqrt();
        assert!((v1[0]).abs() < 1e-12 && (v1[1] - h).abs() < 1e-12 && (v1[2] - h).abs() < 1e-12);
        // Its sum is 0 up to rounding: either sign.
        assert!(v2[0].abs() < 1e-12 && (v2[1].abs() - h).abs() < 1e-12);
        assert!((v2[1] + v2[2]).abs() < 1e-12);
    }

    #[test]
    fn a_rank_one_operator_has_no_second_component() {
        let u = [0.6, 0.8];
        let apply = |x: &[f64], y: &mut [f64]| {
            let s = u[0] * x[0] + u[1] * x[1];
            y[0] = s * u[0];
            y[1] = s * u[1];
        };
        let [v1, v2] = leading_two(apply, vec![1.0, 0.5], 2);
        assert!((v1[0] - 0.6).abs() < 1e-12 && (v1[1] - 0.8).abs() < 1e-12);
        assert_eq!(v2, vec![0.0, 0.0]);
    }

    /// Eigenvalues and eigenvectors (columns) of a small symmetric matrix, by cyclic Jacobi.
    fn jacobi(mut a: Vec<Vec<f64>>) -> (Vec<f64>, Vec<Vec<f64>>) {
        let n = a.len();
        let mut v: Vec<Vec<f64>> = (0..n)
            .map(|i| (0..n).map(|j| f64::from(u8::from(i == j))).collect())
            .collect();
        for _ in 0..100 {
            for p in 0..n {
                for q in p + 1..n {
                    if a[p][q].abs() < 1e-300 {
                        continue;
                    }
                    let theta = (a[q][q] - a[p][p]) / (2.0 * a[p][q]);
                    let t = theta.signum() / (theta.abs() + (theta * theta + 1.0).sqrt());
                    let t = if theta == 0.0 { 1.0 } else { t };
                    let (c, s) = (1.0 / (t * t + 1.0).sqrt(), t / (t * t + 1.0).sqrt());
                    for row in a.iter_mut() {
                        let (akp, akq) = (row[p], row[q]);
                        row[p] = c * akp - s * akq;
                        row[q] = s * akp + c * akq;
                    }
                    let (ap, aq) = (a[p].clone(), a[q].clone());
                    for k in 0..n {
                        a[p][k] = c * ap[k] - s * aq[k];
                        a[q][k] = s * ap[k] + c * aq[k];
                    }
                    for row in v.iter_mut() {
                        let (vp, vq) = (row[p], row[q]);
                        row[p] = c * vp - s * vq;
                        row[q] = s * vp + c * vq;
                    }
                }
            }
        }
        ((0..n).map(|i| a[i][i]).collect(), v)
    }

    #[test]
    fn the_components_of_the_filled_dense_matrix() {
        use crate::polis::Vote;
        use std::collections::BTreeSet;
        let mut seed = 5u64;
        let mut next = |k: u64| {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (seed >> 33) % k
        };
        let (people, statements) = (30u32, 8u32);
        let mut votes = Vec::new();
        for p in 0..people {
            for t in 0..statements {
                if next(3) == 0 {
                    continue;
                }
                let lean = (p % 2 == 0) == (t < 4);
                votes.push(Vote {
                    pid: p,
                    tid: t,
                    value: if lean { 1 } else { next(3) as i8 - 1 },
                    time: i64::from(p),
                });
            }
        }
        let out: BTreeSet<u32> = [5].into();
        let m = Matrix::new(&votes, &out);
        let got = pca(&m);
        // The dense way: fill with the column means, zero the excluded column, centre.
        let n = m.tids.len();
        let mut dense = vec![vec![f64::NAN; n]; m.pids.len()];
        for (r, row) in dense.iter_mut().enumerate() {
            for (c, v) in m.row(r) {
                row[c] = if m.excluded[c] { 0.0 } else { f64::from(v) };
            }
        }
        for c in 0..n {
            let known: Vec<f64> = dense.iter().map(|r| r[c]).filter(|x| !x.is_nan()).collect();
            let mean = known.iter().sum::<f64>() / known.len() as f64;
            assert!((mean - got.center[c]).abs() < 1e-12);
            for row in dense.iter_mut() {
                row[c] = if row[c].is_nan() { 0.0 } else { row[c] - mean };
            }
        }
        let gram: Vec<Vec<f64>> = (0..n)
            .map(|i| {
                (0..n)
                    .map(|j| dense.iter().map(|r| r[i] * r[j]).sum())
                    .collect()
            })
            .collect();
        let (values, vectors) = jacobi(gram);
        let mut order: Vec<usize> = (0..n).collect();
        order.sort_by(|a, b| values[*b].total_cmp(&values[*a]));
        for (k, i) in order.iter().take(2).enumerate() {
            let expected: Vec<f64> = vectors.iter().map(|row| row[*i]).collect();
            let cos = dot(&expected, &got.comps[k]).abs();
            assert!((cos - 1.0).abs() < 1e-10, "component {k}: {cos}");
        }
    }
}
