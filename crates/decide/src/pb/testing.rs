//! What the unit tests of `pb` share: a reproducible generator and random elections.

use super::{Election, MesStep, Project, Q};
use num_bigint::BigInt;

/// A reproducible pseudo-random generator.
pub(super) struct Rng(pub(super) u64);

impl Rng {
    pub(super) fn below(&mut self, k: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % k
    }
}

pub(super) fn int(n: u64) -> Q {
    Q::from_integer(BigInt::from(n))
}

/// The shape of a random election: `voters` ballots drawn among `shapes` random ones (few
/// shapes: many voters alike, hence ties), each of the `projects` approved with
/// probability 1/`sparsity`, lower ids more often when `skew`.
pub(super) struct Draw {
    pub(super) projects: usize,
    pub(super) voters: u64,
    pub(super) shapes: u64,
    pub(super) sparsity: u64,
    pub(super) skew: bool,
}

impl Draw {
    pub(super) fn election(
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

pub(super) fn projects(steps: &[MesStep]) -> Vec<usize> {
    steps.iter().map(|s| s.project).collect()
}
