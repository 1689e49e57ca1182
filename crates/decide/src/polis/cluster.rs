//! Base clusters and opinion groups: k-means on the plane, started from the first distinct
//! points, as Polis starts it when it has no earlier clustering to build on.
//!
//! Each round assigns every point to its nearest centre (the later centre on a tie), drops the
//! clusters left empty and moves each centre to the (weighted) mean of its points; it stops once
//! no centre moved by 0.01 or more. Bounds on distances (Hamerly's) let most points skip the
//! search after the first rounds: a point is skipped only when its centre is strictly nearer
//! than any other, so the assignments, ties included, are those of the plain search.

/// Base clusters asked for.
const BASE_K: usize = 100;
/// Rounds of the base clustering.
const BASE_ROUNDS: usize = 100;
/// Rounds of each group clustering.
const GROUP_ROUNDS: usize = 20;
/// The most groups.
const MAX_GROUPS: usize = 5;
/// One more group may be tried per this many base clusters.
const BASE_PER_GROUP: usize = 12;
/// A centre that moves less than this has settled.
const SETTLED: f64 = 0.01;
/// Relative margin on the distance bounds, far above the rounding of a hundred rounds.
const SLACK: f64 = 1e-9;
/// From this many points, the assignments are shared between two threads.
const PARALLEL_POINTS: usize = 4096;

/// A cluster of points.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Cluster {
    /// Indices of its points, ascending.
    pub members: Vec<usize>,
    /// The (weighted) mean of its points.
    pub center: [f64; 2],
}

/// Base clusters of `points` (in the order participants came in).
pub(crate) fn base_clusters(points: &[[f64; 2]]) -> Vec<Cluster> {
    kmeans(points, None, first_distinct(points, BASE_K), BASE_ROUNDS)
}

/// Groups of base clusters (their members are indices into `base`): for k = 2 up to
/// min(5, 2 + ⌊base clusters / 12⌋), k-means on the base centres weighted by their sizes, started
/// from the first k distinct centres; the k with the best silhouette wins, the larger on a tie.
pub(crate) fn groups(base: &[Cluster]) -> Vec<Cluster> {
    if base.is_empty() {
        return Vec::new();
    }
    let points: Vec<[f64; 2]> = base.iter().map(|b| b.center).collect();
    let weights: Vec<f64> = base.iter().map(|b| b.members.len() as f64).collect();
    let most = MAX_GROUPS.min(2 + base.len() / BASE_PER_GROUP);
    let mut best: Option<(f64, Vec<Cluster>)> = None;
    for k in 2..=most {
        let clusters = kmeans(
            &points,
            Some(&weights),
            first_distinct(&points, k),
            GROUP_ROUNDS,
        );
        let s = silhouette(&points, &clusters);
        if best.as_ref().is_none_or(|(b, _)| s >= *b) {
            best = Some((s, clusters));
        }
    }
    best.map(|(_, c)| c).unwrap_or_default()
}

/// The first `k` distinct points, in order.
fn first_distinct(points: &[[f64; 2]], k: usize) -> Vec<[f64; 2]> {
    let mut seen = std::collections::HashSet::new();
    let mut out = Vec::new();
    for p in points {
        if out.len() == k {
            break;
        }
        // 0.0 and −0.0 are the same point.
        if seen.insert(p.map(|x| (x + 0.0).to_bits())) {
            out.push(*p);
        }
    }
    out
}

fn distance(a: [f64; 2], b: [f64; 2]) -> f64 {
    let (dx, dy) = (a[0] - b[0], a[1] - b[1]);
    (dx * dx + dy * dy).sqrt()
}

/// K-means from `centers`, at most `rounds` rounds; clusters in the order of their initial
/// centres, empty ones dropped.
fn kmeans(
    points: &[[f64; 2]],
    weights: Option<&[f64]>,
    mut centers: Vec<[f64; 2]>,
    rounds: usize,
) -> Vec<Cluster> {
    let n = points.len();
    let mut alive: Vec<usize> = (0..centers.len()).collect();
    // Per point: its centre, an upper bound on the distance to it, a lower bound on the
    // distance to any other.
    let mut state = vec![(usize::MAX, f64::INFINITY, 0f64); n];
    let mut half_gap = vec![0.0; centers.len()];
    let mut members: Vec<Vec<usize>> = vec![Vec::new(); centers.len()];
    let mut place = vec![0usize; centers.len()];
    for _ in 0..rounds {
        for a in &alive {
            half_gap[*a] = alive
                .iter()
                .filter(|b| *b != a)
                .map(|b| distance(centers[*a], centers[*b]))
                .fold(f64::INFINITY, f64::min)
                / 2.0;
        }
        let mut by_x: Vec<([f64; 2], usize)> = alive.iter().map(|c| (centers[*c], *c)).collect();
        by_x.sort_by(|a, b| a.0[0].total_cmp(&b.0[0]).then(a.1.cmp(&b.1)));
        for (i, (_, c)) in by_x.iter().enumerate() {
            place[*c] = i;
        }
        let assign = |points: &[[f64; 2]], state: &mut [(usize, f64, f64)]| {
            for (p, (a, u, l)) in points.iter().zip(state) {
                if *a != usize::MAX {
                    let bound = l.max(half_gap[*a]) * (1.0 - SLACK);
                    if *u * (1.0 + SLACK) < bound {
                        continue;
                    }
                    *u = distance(*p, centers[*a]);
                    if *u * (1.0 + SLACK) < bound {
                        continue;
                    }
                }
                (*a, *u, *l) = nearest(*p, &by_x, (*a != usize::MAX).then(|| place[*a]));
            }
        };
        // Each point on its own: two halves at once give the same result.
        if n >= PARALLEL_POINTS {
            let (left, right) = state.split_at_mut(n / 2);
            std::thread::scope(|s| {
                s.spawn(|| assign(&points[n / 2..], right));
                assign(&points[..n / 2], left);
            });
        } else {
            assign(points, &mut state);
        }

        members.iter_mut().for_each(Vec::clear);
        for (i, (a, _, _)) in state.iter().enumerate() {
            members[*a].push(i);
        }
        alive.retain(|c| !members[*c].is_empty());
        let mut moved = vec![0.0; centers.len()];
        for c in &alive {
            let new = mean(points, weights, &members[*c]);
            moved[*c] = distance(centers[*c], new);
            centers[*c] = new;
        }
        if alive.iter().all(|c| moved[*c] < SETTLED) {
            break;
        }
        // The bounds follow the centres: the assigned one moved by at most its move, any other
        // by at most the largest move of the others.
        let (mut first, mut second, mut argmax) = (0.0, 0.0, usize::MAX);
        for c in &alive {
            if moved[*c] > first {
                (second, first, argmax) = (first, moved[*c], *c);
            } else if moved[*c] > second {
                second = moved[*c];
            }
        }
        for (a, u, l) in state.iter_mut() {
            *u += moved[*a];
            *l -= if *a == argmax { second } else { first };
        }
    }
    alive
        .iter()
        .map(|c| Cluster {
            members: std::mem::take(&mut members[*c]),
            center: centers[*c],
        })
        .collect()
}

/// The nearest centre to `p` (the later on a tie), its distance, and the distance to the
/// second nearest (a lower bound on the distance to any other centre). `by_x`: the centres with
/// their ids, by abscissa; `hint`: the index in `by_x` of a centre likely nearest, looked at
/// first. The search goes right then left from `p`'s abscissa and stops on each side once the
/// abscissa alone puts the rest beyond the second nearest. Squared distances are compared; a
/// square root is taken only where two of them are close enough for their roots to tie.
fn nearest(p: [f64; 2], by_x: &[([f64; 2], usize)], hint: Option<usize>) -> (usize, f64, f64) {
    let (mut best, mut s1, mut s2) = (usize::MAX, f64::INFINITY, f64::INFINITY);
    let mut consider = |(center, c): ([f64; 2], usize)| {
        let (ex, ey) = (p[0] - center[0], p[1] - center[1]);
        let s = ex * ex + ey * ey;
        let nearer = if (s - s1).abs() <= 4.0 * f64::EPSILON * s1 {
            let (d, d1) = (s.sqrt(), s1.sqrt());
            d < d1 || (d == d1 && c > best)
        } else {
            s < s1
        };
        if nearer {
            (best, s1, s2) = (c, s, s1);
        } else if s < s2 {
            s2 = s;
        }
        s2 * (1.0 + SLACK)
    };
    let mut reach = f64::INFINITY;
    if let Some(h) = hint {
        reach = consider(by_x[h]);
    }
    let start = by_x.partition_point(|(c, _)| c[0] < p[0]);
    for (i, x) in by_x.iter().enumerate().skip(start) {
        let dx = x.0[0] - p[0];
        if dx * dx > reach {
            break;
        }
        if Some(i) != hint {
            reach = consider(*x);
        }
    }
    for (i, x) in by_x.iter().enumerate().take(start).rev() {
        let dx = p[0] - x.0[0];
        if dx * dx > reach {
            break;
        }
        if Some(i) != hint {
            reach = consider(*x);
        }
    }
    (best, s1.sqrt(), s2.sqrt())
}

/// The (weighted) mean of some points.
fn mean(points: &[[f64; 2]], weights: Option<&[f64]>, of: &[usize]) -> [f64; 2] {
    let (mut x, mut y, mut total) = (0.0, 0.0, 0.0);
    for i in of {
        let w = weights.map_or(1.0, |w| w[*i]);
        x += w * points[*i][0];
        y += w * points[*i][1];
        total += w;
    }
    [x / total, y / total]
}

/// The mean silhouette of the points: (b − a) / max(a, b), where a is the mean distance to the
/// other points of its cluster and b the least mean distance to the points of another cluster;
/// 0 for a point alone in its cluster (or when there is no other cluster).
fn silhouette(points: &[[f64; 2]], clusters: &[Cluster]) -> f64 {
    let mut total = 0.0;
    let mut n = 0usize;
    for (k, own) in clusters.iter().enumerate() {
        for i in &own.members {
            n += 1;
            if own.members.len() == 1 {
                continue;
            }
            let mean_to = |c: &Cluster| {
                let s: f64 = c
                    .members
                    .iter()
                    .filter(|j| *j != i)
                    .map(|j| distance(points[*i], points[*j]))
                    .sum();
                s / (c.members.len() - usize::from(c.members.contains(i))) as f64
            };
            let a = mean_to(own);
            let b = clusters
                .iter()
                .enumerate()
                .filter(|(l, _)| *l != k)
                .map(|(_, c)| mean_to(c))
                .fold(f64::INFINITY, f64::min);
            let m = a.max(b);
            if b.is_finite() && m > 0.0 {
                total += (b - a) / m;
            }
        }
    }
    if n == 0 { 0.0 } else { total / n as f64 }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The plain algorithm, for comparison: every point searches every centre every round.
    fn plain(points: &[[f64; 2]], mut centers: Vec<[f64; 2]>, rounds: usize) -> Vec<Cluster> {
        let mut alive: Vec<usize> = (0..centers.len()).collect();
        let mut members: Vec<Vec<usize>> = vec![Vec::new(); centers.len()];
        for _ in 0..rounds {
            members.iter_mut().for_each(Vec::clear);
            for (i, p) in points.iter().enumerate() {
                let mut best = (f64::INFINITY, 0);
                for c in &alive {
                    let d = distance(*p, centers[*c]);
                    if d <= best.0 {
                        best = (d, *c);
                    }
                }
                members[best.1].push(i);
            }
            alive.retain(|c| !members[*c].is_empty());
            let mut settled = true;
            for c in &alive {
                let new = mean(points, None, &members[*c]);
                settled &= distance(new, centers[*c]) < SETTLED;
                centers[*c] = new;
            }
            if settled {
                break;
            }
        }
        alive
            .iter()
            .map(|c| Cluster {
                members: members[*c].clone(),
                center: centers[*c],
            })
            .collect()
    }

    #[test]
    fn bounds_change_nothing() {
        let mut seed = 7u64;
        let mut next = || {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((seed >> 33) % 1000) as f64 / 100.0
        };
        for case in 0..21 {
            // Coarse coordinates, so that ties happen; the last case is shared between threads.
            let n = if case == 20 {
                PARALLEL_POINTS + 1000
            } else {
                50 + 40 * case
            };
            let points: Vec<[f64; 2]> = (0..n)
                .map(|_| [(next() * 2.0).round() / 2.0, (next() * 2.0).round() / 2.0])
                .collect();
            let k = 3 + case * 4;
            let start = first_distinct(&points, k);
            assert_eq!(
                kmeans(&points, None, start.clone(), 100),
                plain(&points, start, 100),
                "case {case}"
            );
        }
    }

    #[test]
    fn ties_go_to_the_later_centre() {
        // The middle point is as far from both centres.
        let points = [[0.0, 0.0], [2.0, 0.0], [1.0, 0.0]];
        let c = kmeans(&points, None, vec![[0.0, 0.0], [2.0, 0.0]], 1);
        assert_eq!(c[0].members, vec![0]);
        assert_eq!(c[1].members, vec![1, 2]);
    }

    #[test]
    fn silhouettes() {
        let points = [[0.0, 0.0], [0.0, 1.0], [10.0, 0.0]];
        let two = [
            Cluster {
                members: vec![0, 1],
                center: [0.0, 0.5],
            },
            Cluster {
                members: vec![2],
                center: [10.0, 0.0],
            },
        ];
        // Point 0: a = 1, b = 10; point 1: a = 1, b = √101; point 2 alone: 0.
        let expected = ((10.0 - 1.0) / 10.0 + (101f64.sqrt() - 1.0) / 101f64.sqrt()) / 3.0;
        assert!((silhouette(&points, &two) - expected).abs() < 1e-15);
    }
}
