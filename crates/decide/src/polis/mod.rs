//! The opinion map of a conversation, as Polis draws it: people answer a question with short
//! statements and vote agree (+1), disagree (−1) or pass (0) on the statements of others; the map
//! places participants on a plane by how they voted, sorts them into opinion groups, and names
//! what each group stands for and what everyone shares.
//!
//! The map is a pure function of the votes (replayed in time order) and of moderation:
//! 1. the latest vote of each participant on each statement that received a vote; statements
//!    rejected (moderation −1) or meta count as 0 for everyone;
//! 2. two principal components of that matrix, empty cells filled with the statement's mean;
//! 3. each participant's position: the projection of their own votes, pushed out by
//!    √(statements / their votes) so that people who voted little do not crowd the centre;
//! 4. who is "in the conversation" (clustered), decided vote by vote as Polis decides it: enough
//!    votes, or among the 15 most active while fewer are in; once in, always in;
//! 5. base clusters (k-means with k = 100 on those positions), then 2 to 5 groups (k-means on the
//!    base clusters weighted by size, the k with the best silhouette);
//! 6. representative statements of each group and consensus statements, with Polis' tests.
//!
//! Where the recipe leaves a choice open (tie-breaking, initial centres, the selection of
//! representative statements) it follows compdemocracy/polis (`math/src/polismath/math/`), so
//! that a conversation exported from Polis gives the groups Polis showed. Polis itself updates
//! its clusters incrementally from one run to the next, so on some conversations its groups
//! depend on history and differ a little from these.
//!
//! The conversation can be written back in Polis' export format (`export.rs`), which reads back
//! to the same map.
//!
//! Votes are kept sparse throughout: the centred matrix is zero where nobody voted, so the
//! principal components, the positions and the counts cost time in proportion to the votes.

mod cluster;
mod export;
mod input;
mod json;
mod pca;
mod priority;
mod replay;
mod repness;

pub use export::{
    Export, StatementRecord, Summary, comment_groups_csv, comments_csv, export,
    participant_votes_csv, summary_csv, votes_csv,
};
pub use input::{
    InputError, statement_records_from_csv, statements_from_csv, statements_from_json,
    votes_from_csv, votes_from_json,
};
pub use priority::{META_PRIORITY, UNSEEN_PRIORITY, priorities, weighted_draw};
pub use repness::{ConsensusStatement, Counts, RepStatement, Side};

use std::collections::{BTreeMap, BTreeSet};

/// The version of the JSON written by [`OpinionMap::to_json`].
pub const SCHEMA: &str = "polis-opinion-map/1";

/// A vote of a participant on a statement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Vote {
    /// The participant.
    pub pid: u32,
    /// The statement.
    pub tid: u32,
    /// +1 agree, −1 disagree, 0 pass (any other value counts by its sign).
    pub value: i8,
    /// When it was cast; only the order matters (a later vote replaces an earlier one).
    pub time: i64,
}

/// A statement and its moderation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Statement {
    /// Its id.
    pub tid: u32,
    /// −1 rejected, 0 not moderated yet, +1 accepted.
    pub moderation: i8,
    /// A statement about the conversation itself ("this survey is too long"): kept out of the
    /// map like a rejected one.
    pub is_meta: bool,
}

impl Statement {
    /// Whether the map leaves it out: rejected or meta.
    pub fn is_moderated_out(&self) -> bool {
        self.moderation == -1 || self.is_meta
    }
}

/// The two principal components.
#[derive(Debug, Clone, PartialEq)]
pub struct Pca {
    /// The mean vote on each statement of [`OpinionMap::tids`] (+1 = agree); 0 for statements
    /// moderated out.
    pub center: Vec<f64>,
    /// Two unit vectors over [`OpinionMap::tids`]; their signs are arbitrary. A component is all
    /// zeros when the votes do not spread in that many directions.
    pub comps: [Vec<f64>; 2],
}

/// A base cluster: participants whose positions are close.
#[derive(Debug, Clone, PartialEq)]
pub struct BaseCluster {
    /// Its members (pids, ascending).
    pub members: Vec<u32>,
    /// The mean of their positions.
    pub center: [f64; 2],
}

/// An opinion group.
#[derive(Debug, Clone, PartialEq)]
pub struct Group {
    /// Its members (pids, ascending): in-conversation participants only.
    pub members: Vec<u32>,
    /// The base clusters it gathers (indices into [`OpinionMap::base_clusters`]).
    pub base_clusters: Vec<usize>,
    /// The mean of its members' positions.
    pub center: [f64; 2],
    /// The votes of its members on each statement of [`OpinionMap::tids`].
    pub counts: Vec<Counts>,
    /// What sets the group apart, most telling first (at most 5).
    pub repness: Vec<RepStatement>,
}

/// Statements most participants agree (or disagree) with.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Consensus {
    /// Agreed with, strongest first (at most 5).
    pub agree: Vec<ConsensusStatement>,
    /// Disagreed with, strongest first (at most 5).
    pub disagree: Vec<ConsensusStatement>,
}

/// The opinion map of a conversation.
#[derive(Debug, Clone, PartialEq)]
pub struct OpinionMap {
    /// Participants with at least one vote.
    pub participants: usize,
    /// Statements with at least one vote.
    pub statements: usize,
    /// Statements rejected or meta (ascending), whether voted on or not.
    pub moderated_out: Vec<u32>,
    /// The statements with at least one vote (ascending): the columns of the matrix, and the
    /// order of [`Pca::center`], [`Pca::comps`] and [`Group::counts`].
    pub tids: Vec<u32>,
    /// The participants that are clustered, in the order they came in.
    pub in_conv: Vec<u32>,
    /// The principal components.
    pub pca: Pca,
    /// The position of every participant with a vote (in the conversation or not).
    pub positions: BTreeMap<u32, [f64; 2]>,
    /// Base clusters of the in-conversation participants.
    pub base_clusters: Vec<BaseCluster>,
    /// The opinion groups.
    pub groups: Vec<Group>,
    /// The group of each in-conversation participant (index into `groups`).
    pub group_of: BTreeMap<u32, usize>,
    /// The votes of all participants on each statement of `tids`.
    pub counts: Vec<Counts>,
    /// Consensus among all participants.
    pub consensus: Consensus,
    /// For each statement with a vote and not moderated out: the product over groups of the
    /// chance that a member agrees, (agrees + 1) / (seen + 2). High when every group agrees.
    /// (Polis lists the statements moderated out as well.)
    pub group_aware_consensus: BTreeMap<u32, f64>,
}

/// The opinion map of a conversation from its votes (in any order: they are replayed by time,
/// then participant, then statement) and its statements (for moderation; statements without a
/// record count as accepted, records without votes as nothing).
pub fn opinion_map(votes: &[Vote], statements: &[Statement]) -> OpinionMap {
    let moderated_out: BTreeSet<u32> = statements
        .iter()
        .filter(|s| s.is_moderated_out())
        .map(|s| s.tid)
        .collect();
    let matrix = replay::Matrix::new(votes, &moderated_out);
    let pca = pca::pca(&matrix);
    let positions = pca::positions(&matrix, &pca);

    let in_conv_points: Vec<[f64; 2]> = matrix.in_conv.iter().map(|r| positions[*r]).collect();
    let base = cluster::base_clusters(&in_conv_points);
    let groups = cluster::groups(&base);

    let group_rows: Vec<Vec<usize>> = groups
        .iter()
        .map(|g| {
            let points = g.members.iter().flat_map(|b| &base[*b].members);
            rows_of(&matrix.in_conv, points.copied())
        })
        .collect();
    let group_counts: Vec<Vec<Counts>> = group_rows
        .iter()
        .map(|rows| repness::counts(&matrix, rows.iter().copied()))
        .collect();
    let all_counts = repness::counts(&matrix, 0..matrix.pids.len());
    let (excluded, tids) = (&matrix.excluded, &matrix.tids);
    let selected = repness::select(&group_counts, excluded, tids);
    let (agree, disagree) = repness::consensus(&all_counts, excluded, tids);
    let group_aware_consensus = repness::group_aware_consensus(&group_counts, excluded, tids);

    let pid = |r: &usize| matrix.pids[*r];
    let mut group_of = BTreeMap::new();
    let groups: Vec<Group> = groups
        .iter()
        .zip(group_rows)
        .zip(group_counts)
        .zip(selected)
        .enumerate()
        .map(|(g, (((cluster, rows), counts), repness))| {
            for r in &rows {
                group_of.insert(pid(r), g);
            }
            Group {
                members: rows.iter().map(pid).collect(),
                base_clusters: cluster.members.clone(),
                center: cluster.center,
                counts,
                repness,
            }
        })
        .collect();
    OpinionMap {
        participants: matrix.pids.len(),
        statements: matrix.tids.len(),
        moderated_out: moderated_out.into_iter().collect(),
        in_conv: matrix.in_conv.iter().map(pid).collect(),
        positions: matrix.pids.iter().copied().zip(positions).collect(),
        base_clusters: base
            .iter()
            .map(|b| BaseCluster {
                members: rows_of(&matrix.in_conv, b.members.iter().copied())
                    .iter()
                    .map(pid)
                    .collect(),
                center: b.center,
            })
            .collect(),
        group_of,
        groups,
        consensus: Consensus { agree, disagree },
        group_aware_consensus,
        counts: all_counts,
        tids: matrix.tids.clone(),
        pca,
    }
}

/// The rows of some in-conversation points (indices into `in_conv`), ascending.
fn rows_of(in_conv: &[usize], points: impl Iterator<Item = usize>) -> Vec<usize> {
    let mut rows: Vec<usize> = points.map(|i| in_conv[i]).collect();
    rows.sort_unstable();
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vote(pid: u32, tid: u32, value: i8, time: i64) -> Vote {
        Vote {
            pid,
            tid,
            value,
            time,
        }
    }

    #[test]
    fn small_and_empty_conversations() {
        let empty = opinion_map(&[], &[]);
        assert_eq!((empty.participants, empty.statements), (0, 0));
        assert!(empty.groups.is_empty() && empty.in_conv.is_empty());
        assert!(empty.to_json().contains("\"group_count\":0"));

        // One participant: no spread, everything at the centre, one group.
        let one = opinion_map(&[vote(4, 0, 1, 1), vote(4, 1, -1, 2)], &[]);
        assert_eq!(one.in_conv, vec![4]);
        assert_eq!(one.positions[&4], [0.0, 0.0]);
        assert_eq!(one.groups.len(), 1);
        assert_eq!(one.pca.comps, [vec![0.0, 0.0], vec![0.0, 0.0]]);

        // Every statement moderated out.
        let statements = [0, 1].map(|tid| Statement {
            tid,
            moderation: -1,
            is_meta: false,
        });
        let votes: Vec<Vote> = (0..6)
            .flat_map(|p| [vote(p, 0, 1, p.into()), vote(p, 1, -1, p.into())])
            .collect();
        let out = opinion_map(&votes, &statements);
        assert_eq!(out.moderated_out, vec![0, 1]);
        assert!(out.consensus.agree.is_empty() && out.group_aware_consensus.is_empty());
        assert!(out.groups.iter().all(|g| g.repness.is_empty()));
        assert!(!out.to_json().contains("null"));
    }

    #[test]
    fn two_camps_make_two_groups() {
        // Statements 0–3: the first 20 agree with 0 and 1, disagree with 2 and 3; the other 20
        // the opposite. Statement 4: everyone agrees.
        let mut votes = Vec::new();
        for p in 0..40u32 {
            let side = if p < 20 { 1 } else { -1 };
            for t in 0..4u32 {
                let v = if t < 2 { side } else { -side };
                votes.push(vote(p, t, v, i64::from(p * 10 + t)));
            }
            votes.push(vote(p, 4, 1, i64::from(p * 10 + 4)));
        }
        let map = opinion_map(&votes, &[]);
        assert_eq!(map.in_conv.len(), 40);
        assert_eq!(map.groups.len(), 2);
        let first: Vec<u32> = (0..20).collect();
        assert!(map.groups.iter().any(|g| g.members == first));
        let agreed: Vec<u32> = map.consensus.agree.iter().map(|s| s.tid).collect();
        assert_eq!(agreed, vec![4]);
        for g in &map.groups {
            let sides: BTreeSet<(u32, Side)> =
                g.repness.iter().map(|r| (r.tid, r.repful_for)).collect();
            let camp = if g.members[0] < 20 {
                Side::Agree
            } else {
                Side::Disagree
            };
            let other = if camp == Side::Agree {
                Side::Disagree
            } else {
                Side::Agree
            };
            assert!(
                sides.contains(&(0, camp)) && sides.contains(&(2, other)),
                "{sides:?}"
            );
        }
        assert!(map.group_aware_consensus[&4] > 0.8);
    }
}
