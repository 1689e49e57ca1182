//! Majority judgment: each voter gives each option a grade; options are ranked by their majority
//! values (Balinski & Laraki): the lower median grade, then the lower median of what remains
//! once that grade is removed, and so on. This is the ranking of the Mieux Voter reference
//! libraries, ties included.
//!
//! Tallies are counts per grade, worst grade first, so that millions of ballots cost nothing
//! more than a dozen: the successive medians are read off cumulative counts, never expanded.

use std::cmp::Ordering;

/// How tallies of different totals are made comparable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fill {
    /// Every tally must have the same total.
    None,
    /// Judgments missing up to `participants` count as this grade (0 = the worst).
    Static {
        /// Number of participants.
        participants: u64,
        /// The grade given by default.
        grade: usize,
    },
    /// Judgments missing up to `participants` count as the option's own median grade.
    Median {
        /// Number of participants.
        participants: u64,
    },
    /// Every tally is scaled to the least common multiple of the totals.
    Normalized,
}

/// Why tallies cannot be ranked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MjError {
    /// No grade at all.
    NoGrades,
    /// Options were given different numbers of grades.
    UnevenScales,
    /// Totals differ and no fill was asked.
    UnevenTotals,
    /// A tally holds more judgments than there are participants.
    TooManyJudgments,
    /// The default grade is not on the scale.
    DefaultOffScale,
    /// The numbers are beyond 128-bit arithmetic.
    TooLarge,
}

impl std::fmt::Display for MjError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            MjError::NoGrades => "the tallies have no grade",
            MjError::UnevenScales => "every tally must have the same number of grades",
            MjError::UnevenTotals => {
                "the tallies have different totals; give participants and a fill mode"
            }
            MjError::TooManyJudgments => "a tally holds more judgments than there are participants",
            MjError::DefaultOffScale => "the default grade is not on the scale",
            MjError::TooLarge => "the counts are too large",
        })
    }
}

impl std::error::Error for MjError {}

/// A tally ready to be compared: cumulative counts per grade, worst first; the last one is the
/// total.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Profile {
    cumulative: Vec<u128>,
}

impl Profile {
    fn new(counts: &[u128]) -> Result<Profile, MjError> {
        let mut cumulative = Vec::with_capacity(counts.len());
        let mut sum: u128 = 0;
        for c in counts {
            sum = sum.checked_add(*c).ok_or(MjError::TooLarge)?;
            cumulative.push(sum);
        }
        Ok(Profile { cumulative })
    }

    /// Number of judgments.
    pub fn total(&self) -> u128 {
        self.cumulative.last().copied().unwrap_or(0)
    }

    /// The grade of the judgment at `index` in grade order.
    fn grade_at(&self, index: u128) -> usize {
        self.cumulative.partition_point(|c| *c <= index)
    }

    /// The first index of the run of `grade`.
    fn run_start(&self, grade: usize) -> u128 {
        if grade == 0 {
            0
        } else {
            self.cumulative[grade - 1]
        }
    }

    /// One past the last index of the run of `grade`.
    fn run_end(&self, grade: usize) -> u128 {
        self.cumulative[grade]
    }

    /// The lower median grade (the worst grade when there is no judgment).
    pub fn median(&self) -> usize {
        let n = self.total();
        if n == 0 {
            0
        } else {
            self.grade_at((n - 1) / 2)
        }
    }
}

/// Majority judgment of two profiles of the same total: `Greater` when `a` ranks above `b`.
///
/// The majority values of a sorted list of n grades are read outward from the lower median at
/// m = (n - 1) / 2: for odd n the indices m, m-1, m+1, m-2, m+2…; for even n m, m+1, m-1, m+2,
/// m-2… Both profiles share that order, so the first index where their grades differ decides.
/// Going down from m and up from m, the grades of both change only at run boundaries: each side
/// is walked in as many steps as there are grades.
pub fn compare(a: &Profile, b: &Profile) -> Ordering {
    let n = a.total();
    if n == 0 || n != b.total() {
        return a.total().cmp(&b.total());
    }
    let m = (n - 1) / 2;
    // Down from m: the first index whose grades differ, as (distance from m, grade of a, of b).
    let mut down = None;
    let mut i = m;
    loop {
        let (ga, gb) = (a.grade_at(i), b.grade_at(i));
        if ga != gb {
            down = Some((m - i, ga, gb));
            break;
        }
        let next = a.run_start(ga).max(b.run_start(gb));
        if next == 0 {
            break;
        }
        i = next - 1;
    }
    let mut up = None;
    let mut i = m;
    loop {
        let (ga, gb) = (a.grade_at(i), b.grade_at(i));
        if ga != gb {
            up = Some((i - m, ga, gb));
            break;
        }
        let next = a.run_end(ga).min(b.run_end(gb));
        if next >= n {
            break;
        }
        i = next;
    }
    // Position in the sequence of majority values of the index at distance j below or above m.
    let odd = n % 2 == 1;
    let position = |j: u128, below: bool| -> u128 {
        match (j, odd, below) {
            (0, _, _) => 0,
            (j, true, true) | (j, false, false) => 2 * j - 1,
            (j, _, _) => 2 * j,
        }
    };
    let first = match (down, up) {
        (None, None) => return Ordering::Equal,
        (Some(d), None) => d,
        (None, Some(u)) => u,
        (Some(d), Some(u)) => {
            if position(d.0, true) <= position(u.0, false) {
                d
            } else {
                u
            }
        }
    };
    first.1.cmp(&first.2)
}

/// Prepares tallies (counts per grade, worst first) for comparison.
pub fn profiles(tallies: &[Vec<u64>], fill: Fill) -> Result<Vec<Profile>, MjError> {
    let grades = tallies.first().map(Vec::len).unwrap_or(0);
    if grades == 0 {
        return Err(MjError::NoGrades);
    }
    if tallies.iter().any(|t| t.len() != grades) {
        return Err(MjError::UnevenScales);
    }
    let totals: Vec<u128> = tallies
        .iter()
        .map(|t| t.iter().map(|c| u128::from(*c)).sum())
        .collect();
    let counts: Vec<Vec<u128>> = tallies
        .iter()
        .map(|t| t.iter().map(|c| u128::from(*c)).collect())
        .collect();
    let filled: Vec<Vec<u128>> = match fill {
        Fill::None => {
            if totals.windows(2).any(|w| w[0] != w[1]) {
                return Err(MjError::UnevenTotals);
            }
            counts
        }
        Fill::Static {
            participants,
            grade,
        } => {
            if grade >= grades {
                return Err(MjError::DefaultOffScale);
            }
            let p = u128::from(participants);
            counts
                .into_iter()
                .zip(&totals)
                .map(|(mut c, t)| {
                    c[grade] += p.checked_sub(*t).ok_or(MjError::TooManyJudgments)?;
                    Ok(c)
                })
                .collect::<Result<_, MjError>>()?
        }
        Fill::Median { participants } => {
            let p = u128::from(participants);
            counts
                .into_iter()
                .zip(&totals)
                .map(|(mut c, t)| {
                    let missing = p.checked_sub(*t).ok_or(MjError::TooManyJudgments)?;
                    let median = Profile::new(&c)?.median();
                    c[median] += missing;
                    Ok(c)
                })
                .collect::<Result<_, MjError>>()?
        }
        Fill::Normalized => {
            let mut lcm: u128 = 1;
            for t in totals.iter().filter(|t| **t > 0) {
                lcm = lcm.checked_mul(t / gcd(lcm, *t)).ok_or(MjError::TooLarge)?;
            }
            counts
                .into_iter()
                .zip(&totals)
                .map(|(c, t)| {
                    let factor = if *t == 0 { 0 } else { lcm / t };
                    c.into_iter()
                        .map(|x| x.checked_mul(factor).ok_or(MjError::TooLarge))
                        .collect()
                })
                .collect::<Result<_, MjError>>()?
        }
    };
    filled.iter().map(|c| Profile::new(c)).collect()
}

fn gcd(mut a: u128, mut b: u128) -> u128 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

/// The rank of each option, in input order: 1 for the best; tied options share a rank, and the
/// next rank counts them (1, 1, 3…).
pub fn rank(tallies: &[Vec<u64>], fill: Fill) -> Result<Vec<usize>, MjError> {
    let profiles = profiles(tallies, fill)?;
    Ok(profiles
        .iter()
        .map(|p| {
            1 + profiles
                .iter()
                .filter(|q| compare(q, p) == Ordering::Greater)
                .count()
        })
        .collect())
}

/// The tally of raw grades `0..grades` (worst first).
pub fn tally(votes: &[usize], grades: usize) -> Vec<u64> {
    let mut t = vec![0u64; grades];
    for v in votes {
        if let Some(c) = t.get_mut(*v) {
            *c += 1;
        }
    }
    t
}

/// The whole sequence of majority values of a profile (for explanations and tests; its length is
/// the number of judgments).
pub fn majority_values(p: &Profile) -> Vec<usize> {
    let n = p.total();
    let mut out = Vec::new();
    if n == 0 {
        return out;
    }
    let m = (n - 1) / 2;
    out.push(p.grade_at(m));
    let odd = n % 2 == 1;
    let mut j = 1;
    while (out.len() as u128) < n {
        let (first, second) = if odd {
            (m.checked_sub(j), Some(m + j))
        } else {
            (Some(m + j), m.checked_sub(j))
        };
        for i in [first, second].into_iter().flatten() {
            if i < n {
                out.push(p.grade_at(i));
            }
        }
        j += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_lower_median_decides_first() {
        // Few participants: [1,1,1] has median 1; [1,0,2] median 2; [3,0,0] median 0.
        let r = rank(
            &[
                vec![1, 1, 1],
                vec![1, 0, 2],
                vec![3, 0, 0],
                vec![2, 0, 1],
                vec![0, 3, 0],
            ],
            Fill::None,
        )
        .unwrap();
        assert_eq!(r, vec![3, 1, 5, 4, 2]);
    }

    #[test]
    fn identical_tallies_tie() {
        assert_eq!(
            rank(&[vec![1, 2, 3], vec![1, 2, 3], vec![0, 3, 3]], Fill::None).unwrap(),
            vec![2, 2, 1]
        );
    }

    #[test]
    fn the_fast_comparison_agrees_with_the_expanded_sequences() {
        let mut seed = 12345u64;
        let mut next = |k: u64| {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (seed >> 33) % k
        };
        for _ in 0..3000 {
            let grades = 1 + next(6) as usize;
            let n = 1 + next(12);
            let mut make = || {
                let mut t = vec![0u64; grades];
                for _ in 0..n {
                    t[next(grades as u64) as usize] += 1;
                }
                Profile::new(&t.iter().map(|c| u128::from(*c)).collect::<Vec<_>>()).unwrap()
            };
            let (a, b) = (make(), make());
            assert_eq!(
                compare(&a, &b),
                majority_values(&a).cmp(&majority_values(&b)),
                "{a:?} {b:?}"
            );
        }
    }

    #[test]
    fn bad_tallies_are_refused() {
        assert_eq!(rank(&[], Fill::None), Err(MjError::NoGrades));
        assert_eq!(
            rank(&[vec![1, 2], vec![1, 2, 3]], Fill::None),
            Err(MjError::UnevenScales)
        );
        assert_eq!(
            rank(&[vec![1, 2], vec![1, 1]], Fill::None),
            Err(MjError::UnevenTotals)
        );
        assert_eq!(
            rank(
                &[vec![5, 5]],
                Fill::Static {
                    participants: 3,
                    grade: 0
                }
            ),
            Err(MjError::TooManyJudgments)
        );
        assert_eq!(
            rank(
                &[vec![1, 1]],
                Fill::Static {
                    participants: 3,
                    grade: 2
                }
            ),
            Err(MjError::DefaultOffScale)
        );
    }
}
