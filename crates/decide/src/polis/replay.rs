//! The votes replayed in time order: the latest vote of each participant on each statement, and
//! who is in the conversation.

use super::Vote;
use std::collections::BTreeSet;

/// A participant comes in on reaching this many votes (or as many as there are statements).
const ENOUGH_VOTES: usize = 7;
/// While fewer participants are in, the most active others come in.
const AT_LEAST_IN: usize = 15;

/// The latest votes, participants in rows and statements in columns, stored by row.
pub(crate) struct Matrix {
    /// The pid of each row, ascending.
    pub pids: Vec<u32>,
    /// The tid of each column, ascending.
    pub tids: Vec<u32>,
    /// Whether each column is moderated out (its cells count as 0 for everyone).
    pub excluded: Vec<bool>,
    /// Row r holds `cols[row_start[r]..row_start[r + 1]]` and the same range of `values`.
    pub row_start: Vec<usize>,
    /// The column of each cell.
    pub cols: Vec<u32>,
    /// The latest vote of each cell.
    pub values: Vec<i8>,
    /// The rows in the conversation, in the order they came in.
    pub in_conv: Vec<usize>,
}

impl Matrix {
    /// The cells of row `r`: (column, latest vote).
    pub fn row(&self, r: usize) -> impl Iterator<Item = (usize, i8)> + '_ {
        let range = self.row_start[r]..self.row_start[r + 1];
        self.cols[range.clone()]
            .iter()
            .zip(&self.values[range])
            .map(|(c, v)| (*c as usize, *v))
    }

    /// Replays `votes` by time, then pid, then tid (then input order, for exact duplicates).
    pub fn new(votes: &[Vote], moderated_out: &BTreeSet<u32>) -> Matrix {
        let pids = Ids::new(votes.iter().map(|v| v.pid));
        let tids = Ids::new(votes.iter().map(|v| v.tid));
        let (n_rows, n_cols) = (pids.sorted.len(), tids.sorted.len());
        let (replay, mut by_row) = replay_order(votes, &pids, &tids);

        // The replay grouped by row, still in time order within each row, each vote stamped
        // with its position in the replay instead of its time.
        let mut row_start = vec![0usize; n_rows + 1];
        for v in &replay {
            row_start[v.row as usize + 1] += 1;
        }
        for r in 0..n_rows {
            row_start[r + 1] += row_start[r];
        }
        let mut next = row_start.clone();
        for (at, v) in replay.iter().enumerate() {
            let r = v.row as usize;
            by_row[next[r]] = Replayed {
                stamp: (at as u64) << 2 | (v.stamp & 3),
                ..*v
            };
            next[r] += 1;
        }

        // First votes of a participant on a statement (they raise the vote count), and the
        // latest vote of each cell.
        let mut first = vec![false; replay.len()];
        let mut seen_in_row = vec![u32::MAX; n_cols];
        let mut cell_of_col = vec![0usize; n_cols];
        let mut cells_start = vec![0usize; n_rows + 1];
        let mut cols = Vec::with_capacity(replay.len());
        let mut values = Vec::with_capacity(replay.len());
        for r in 0..n_rows {
            for v in &by_row[row_start[r]..row_start[r + 1]] {
                let c = v.col as usize;
                if seen_in_row[c] != r as u32 {
                    seen_in_row[c] = r as u32;
                    first[v.time() as usize] = true;
                    cell_of_col[c] = cols.len();
                    cols.push(c as u32);
                    values.push(v.value());
                } else {
                    values[cell_of_col[c]] = v.value();
                }
            }
            cells_start[r + 1] = cols.len();
        }
        drop(by_row);

        Matrix {
            in_conv: in_conversation(&replay, &first, n_rows, n_cols),
            excluded: tids
                .sorted
                .iter()
                .map(|t| moderated_out.contains(t))
                .collect(),
            pids: pids.sorted,
            tids: tids.sorted,
            row_start: cells_start,
            cols,
            values,
        }
    }
}

/// A vote in the replay, in 16 bytes.
#[derive(Debug, Clone, Copy, Default)]
struct Replayed {
    /// Its time (counted from the first vote, or its rank among the times) shifted left by 2,
    /// with the vote + 1 in the two low bits.
    stamp: u64,
    row: u32,
    col: u32,
}

impl Replayed {
    fn time(&self) -> u64 {
        self.stamp >> 2
    }

    fn value(&self) -> i8 {
        (self.stamp & 3) as i8 - 1
    }
}

/// The votes by time, then row, then column, then input order (so that of two identical votes
/// the later in the input wins), with a spare buffer of the same size. A stable radix sort on
/// the time, 8 bits at a time, then the runs of equal times sorted apart, stably.
fn replay_order(votes: &[Vote], pids: &Ids, tids: &Ids) -> (Vec<Replayed>, Vec<Replayed>) {
    let first = votes.iter().map(|v| v.time).min().unwrap_or(0);
    let span = votes
        .iter()
        .map(|v| v.time.wrapping_sub(first) as u64)
        .max()
        .unwrap_or(0);
    // Times as numbers below 2^62: since the first vote, or (for absurd spans) their ranks.
    let ranks: Option<Vec<i64>> = (span >= 1 << 62).then(|| {
        let mut t: Vec<i64> = votes.iter().map(|v| v.time).collect();
        t.sort_unstable();
        t.dedup();
        t
    });
    let time = |t: i64| match &ranks {
        None => t.wrapping_sub(first) as u64,
        Some(r) => r.partition_point(|x| *x < t) as u64,
    };
    let mut items: Vec<Replayed> = votes
        .iter()
        .map(|v| Replayed {
            stamp: time(v.time) << 2 | (v.value.signum() + 1) as u64,
            row: pids.index(v.pid),
            col: tids.index(v.tid),
        })
        .collect();
    let mut spare = vec![Replayed::default(); items.len()];
    let key = |v: &Replayed| (v.time(), v.row, v.col);
    if items.is_sorted_by_key(key) {
        return (items, spare);
    }
    let last = items.iter().map(Replayed::time).max().unwrap_or(0);
    let mut count = [0usize; 256];
    let mut shift = 0;
    while shift < 62 && last >> shift > 0 {
        let digit = |v: &Replayed| ((v.time() >> shift) & 0xff) as usize;
        count.fill(0);
        for v in &items {
            count[digit(v)] += 1;
        }
        let mut start = 0;
        for c in count.iter_mut() {
            (*c, start) = (start, start + *c);
        }
        for v in &items {
            let d = digit(v);
            spare[count[d]] = *v;
            count[d] += 1;
        }
        std::mem::swap(&mut items, &mut spare);
        shift += 8;
    }
    let mut i = 0;
    while i < items.len() {
        let t = items[i].time();
        let j = i + items[i..].iter().take_while(|x| x.time() == t).count();
        if j - i > 1 {
            items[i..j].sort_by_key(|v| (v.row, v.col));
        }
        i = j;
    }
    (items, spare)
}

/// After each vote of the replay: its author comes in on reaching min(7, statements voted on so
/// far) votes (only their count moved, and the bar never drops, so nobody else can cross it);
/// then, while fewer than 15 are in, the most active others come in (most votes, then lowest id).
/// `first`: whether each vote is its author's first on that statement.
fn in_conversation(
    replay: &[Replayed],
    first: &[bool],
    n_rows: usize,
    n_cols: usize,
) -> Vec<usize> {
    let mut count = vec![0usize; n_rows];
    let mut seen_row = vec![false; n_rows];
    let mut seen_col = vec![false; n_cols];
    let mut statements = 0usize;
    let mut is_in = vec![false; n_rows];
    let mut in_conv = Vec::new();
    // Participants seen but not in, kept only while fewer than 15 are in (then it is at most a
    // couple of them: everyone seen so far is in, but for the newest).
    let mut outside: Vec<usize> = Vec::new();
    for (v, first) in replay.iter().zip(first) {
        let (r, c) = (v.row as usize, v.col as usize);
        if !seen_col[c] {
            seen_col[c] = true;
            statements += 1;
        }
        if *first {
            count[r] += 1;
        }
        let filling = in_conv.len() < AT_LEAST_IN;
        if !seen_row[r] {
            seen_row[r] = true;
            if filling {
                outside.push(r);
            }
        }
        if !is_in[r] && count[r] >= ENOUGH_VOTES.min(statements) {
            is_in[r] = true;
            in_conv.push(r);
        }
        if filling {
            outside.retain(|o| !is_in[*o]);
            if in_conv.len() < AT_LEAST_IN {
                outside.sort_by_key(|o| (std::cmp::Reverse(count[*o]), *o));
                let n = (AT_LEAST_IN - in_conv.len()).min(outside.len());
                for o in outside.drain(..n) {
                    is_in[o] = true;
                    in_conv.push(o);
                }
            }
            if in_conv.len() >= AT_LEAST_IN {
                outside = Vec::new();
            }
        }
    }
    in_conv
}

/// Distinct ids, ascending, and the index of each.
struct Ids {
    sorted: Vec<u32>,
    /// Index by id when ids are dense enough for a table.
    table: Option<Vec<u32>>,
}

impl Ids {
    fn new(ids: impl Iterator<Item = u32> + Clone) -> Ids {
        let n = ids.clone().count();
        let max = ids.clone().max().unwrap_or(0) as usize;
        if max <= 4 * n + 1024 {
            let mut table = vec![u32::MAX; max + 1];
            for id in ids {
                table[id as usize] = 0;
            }
            let mut sorted = Vec::new();
            for (id, slot) in table.iter_mut().enumerate() {
                if *slot == 0 {
                    *slot = sorted.len() as u32;
                    sorted.push(id as u32);
                }
            }
            return Ids {
                sorted,
                table: Some(table),
            };
        }
        let mut sorted: Vec<u32> = ids.collect();
        sorted.sort_unstable();
        sorted.dedup();
        Ids {
            sorted,
            table: None,
        }
    }

    fn index(&self, id: u32) -> u32 {
        match &self.table {
            Some(t) => t[id as usize],
            None => self.sorted.binary_search(&id).expect("a known id") as u32,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    /// The replay as the recipe states it, vote by vote, for comparison.
    fn plain(votes: &[Vote]) -> (BTreeMap<(u32, u32), i8>, Vec<u32>) {
        let mut sorted: Vec<(usize, &Vote)> = votes.iter().enumerate().collect();
        sorted.sort_by_key(|(i, v)| (v.time, v.pid, v.tid, *i));
        let mut latest = BTreeMap::new();
        let mut statements = BTreeSet::new();
        let mut in_conv: Vec<u32> = Vec::new();
        for (_, v) in sorted {
            latest.insert((v.pid, v.tid), v.value);
            statements.insert(v.tid);
            let mut count: BTreeMap<u32, usize> = BTreeMap::new();
            for (pid, _) in latest.keys() {
                *count.entry(*pid).or_default() += 1;
            }
            if !in_conv.contains(&v.pid) && count[&v.pid] >= ENOUGH_VOTES.min(statements.len()) {
                in_conv.push(v.pid);
            }
            if in_conv.len() < AT_LEAST_IN {
                let mut others: Vec<(usize, u32)> = count
                    .iter()
                    .filter(|(p, _)| !in_conv.contains(p))
                    .map(|(p, n)| (*n, *p))
                    .collect();
                others.sort_by_key(|(n, p)| (std::cmp::Reverse(*n), *p));
                let room = AT_LEAST_IN - in_conv.len();
                in_conv.extend(others.iter().take(room).map(|(_, p)| *p));
            }
        }
        (latest, in_conv)
    }

    #[test]
    fn the_replay_follows_the_recipe() {
        let mut seed = 99u64;
        let mut next = |k: u64| {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (seed >> 33) % k
        };
        for case in 0..60 {
            let people = 1 + next(40) as u32;
            let statements = 1 + next(12) as u32;
            // Few distinct times, so that ties are common; some cases with absurd spans.
            let times = 1 + next(30) as i64;
            let absurd = case % 10 == 9;
            let votes: Vec<Vote> = (0..next(300))
                .map(|_| {
                    let t = next(times as u64) as i64;
                    Vote {
                        pid: 3 * next(u64::from(people)) as u32,
                        tid: 2 * next(u64::from(statements)) as u32,
                        value: next(3) as i8 - 1,
                        time: if absurd {
                            t * (i64::MAX / 32) - i64::MAX / 2
                        } else {
                            t
                        },
                    }
                })
                .collect();
            let m = Matrix::new(&votes, &BTreeSet::new());
            let (latest, in_conv) = plain(&votes);
            let mut cells = BTreeMap::new();
            for r in 0..m.pids.len() {
                for (c, v) in m.row(r) {
                    cells.insert((m.pids[r], m.tids[c]), v);
                }
            }
            assert_eq!(cells, latest, "case {case}");
            let ours: Vec<u32> = m.in_conv.iter().map(|r| m.pids[*r]).collect();
            assert_eq!(ours, in_conv, "case {case}");
        }
    }
}
