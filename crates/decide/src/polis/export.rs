//! Writing a conversation in Polis' export format (no IO here): the five files a Polis report
//! offers for download, so that the open data of a conversation reads like Polis' own and
//! `territoires decide polis DIR` on them gives back the map the page shows.
//!
//! The layout follows the current Polis server (`server/src/report.ts` of compdemocracy/polis,
//! which took over `server/src/routes/export.ts`):
//! - `summary.csv`: no header; one `key,value` line each for `topic`, `url`, `voters`,
//!   `voters-in-conv`, `commenters`, `comments`, `groups`, `conversation-description`, joined by
//!   line breaks with none after the last.
//! - `comments.csv`: `timestamp,datetime,comment-id,author-id,agrees,disagrees,moderated,`
//!   then `comment-body`.
//! - `votes.csv`: `timestamp,datetime,comment-id,voter-id,vote`.
//! - `participant-votes.csv`: `participant,group-id,n-comments,n-votes,n-agree,n-disagree` then
//!   one column per statement id.
//! - `comment-groups.csv`: `comment-id,comment,total-votes,total-agrees,total-disagrees,`
//!   `total-passes`, then `group-X-votes,group-X-agrees,group-X-disagrees,group-X-passes` for
//!   each group, X = `a`, `b`…
//!
//! Two columns are added, which Polis' readers skip as they find columns by name (Polis itself
//! adds `importance` before `comment-body` and `important` after `vote` when a conversation
//! asks for it): `is-meta` (`true`/`false`, as Polis' older export of the math service spelled
//! it) and `timestamp-ms` before `comment-body` in `comments.csv`, and `timestamp-ms` after `vote`
//! in `votes.csv`. Polis' `timestamp` is in whole seconds, which loses the order of votes cast
//! within a second, and that order decides who is in the conversation; `timestamp-ms` is the
//! time given, exactly, and [`super::votes_from_csv`] prefers it.
//!
//! Conventions, as Polis': +1 agree, −1 disagree, 0 pass; times are Unix milliseconds
//! ([`Vote::time`] is taken as such), `timestamp` their floor in seconds and `datetime` as
//! JavaScript's `Date.toString()` prints it on a server in UTC; free text is always quoted
//! (quotes doubled). Unlike Polis, a free text that a spreadsheet would take for a formula
//! (starting with `=`, `+`, `-`, `@`, a tab or a carriage return) is written with an apostrophe
//! before it, as the platform's open data does (`kernel::opendata::csv_text`; `decide` does not
//! depend on `kernel`, so the rule is repeated here). Ids and votes are numbers and never
//! touched. Only participant numbers are written: no name, e-mail or external id.
//!
//! Counts use the latest vote of each participant on each statement, as the map does; Polis'
//! `comments.csv` counts every vote ever cast, which is the same unless someone changed a vote.

use super::replay::Matrix;
use super::{OpinionMap, Statement, Vote};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;

/// What `summary.csv` says of the conversation besides the counts.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Summary {
    /// The question asked.
    pub topic: String,
    /// Its description.
    pub description: String,
    /// The conversation's public address (Polis writes its site followed by the conversation's
    /// code).
    pub url: String,
}

/// A statement as published: what the map needs and what people read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatementRecord {
    /// Its id, moderation and whether it is meta.
    pub statement: Statement,
    /// The participant number of its author.
    pub author: u32,
    /// When it was written, in Unix milliseconds.
    pub time: i64,
    /// Its text, as written (the guard against formulas is added on export, removed on reading).
    pub text: String,
}

/// The five files of an export, as text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Export {
    /// `summary.csv`.
    pub summary: String,
    /// `comments.csv`.
    pub comments: String,
    /// `votes.csv`.
    pub votes: String,
    /// `participant-votes.csv`.
    pub participant_votes: String,
    /// `comment-groups.csv`.
    pub comment_groups: String,
}

impl Export {
    /// Each file with its name, in the order Polis' report lists them.
    pub fn files(&self) -> [(&'static str, &str); 5] {
        [
            ("summary.csv", &self.summary),
            ("comments.csv", &self.comments),
            ("votes.csv", &self.votes),
            ("participant-votes.csv", &self.participant_votes),
            ("comment-groups.csv", &self.comment_groups),
        ]
    }
}

/// The whole export of a conversation. `map` must be [`super::opinion_map`] of these votes and
/// statements: group ids and per-group counts are taken from it, not recomputed.
pub fn export(
    summary: &Summary,
    statements: &[StatementRecord],
    votes: &[Vote],
    map: &OpinionMap,
) -> Export {
    let latest = latest(votes);
    Export {
        summary: summary_csv(summary, statements, map),
        comments: write_comments(statements, &latest),
        votes: votes_csv(votes),
        participant_votes: write_participant_votes(statements, &latest, map),
        comment_groups: comment_groups_csv(statements, map),
    }
}

/// `summary.csv`. `voters` counts participants with a vote, `voters-in-conv` those clustered,
/// `commenters` the distinct authors of statements, `comments` the statements with a vote (the
/// columns of Polis' matrix, moderated out or not), `groups` the opinion groups.
pub fn summary_csv(summary: &Summary, statements: &[StatementRecord], map: &OpinionMap) -> String {
    let commenters: BTreeSet<u32> = statements.iter().map(|s| s.author).collect();
    [
        ("topic", text_field(&summary.topic)),
        ("url", plain_field(&summary.url)),
        ("voters", map.participants.to_string()),
        ("voters-in-conv", map.in_conv.len().to_string()),
        ("commenters", commenters.len().to_string()),
        ("comments", map.statements.to_string()),
        ("groups", map.groups.len().to_string()),
        ("conversation-description", text_field(&summary.description)),
    ]
    .map(|(key, value)| format!("{key},{value}"))
    .join("\n")
}

/// `comments.csv`: every statement given, by id (Polis orders by "velocity", which is the same
/// for all statements unless set by hand, so its files come in the order statements were
/// stored). `agrees` and `disagrees` count the latest votes of `votes` on it.
pub fn comments_csv(statements: &[StatementRecord], votes: &[Vote]) -> String {
    write_comments(statements, &latest(votes))
}

/// `votes.csv`: every vote given (a replaced vote too, so that reading the file replays the same
/// history), by statement, then participant, then time, as Polis orders them. A vote is written
/// by its sign.
pub fn votes_csv(votes: &[Vote]) -> String {
    let mut order: Vec<&Vote> = votes.iter().collect();
    // Stable: of two votes alike but for their value, the later in `votes` stays later, and
    // wins the replay of the file as it wins that of `votes`.
    order.sort_by_key(|v| (v.tid, v.pid, v.time));
    let mut o = String::from("timestamp,datetime,comment-id,voter-id,vote,timestamp-ms\n");
    for v in order {
        let _ = writeln!(
            o,
            "{},{},{},{},{},{}",
            seconds(v.time),
            datetime(v.time),
            v.tid,
            v.pid,
            v.value.signum(),
            v.time
        );
    }
    o
}

/// `participant-votes.csv`: one row per participant with a vote, by number: their group (empty
/// when not in the conversation), how many statements they wrote, how many they voted on and
/// how, then their latest vote on each statement (empty where none). The statement columns are
/// every statement given and every statement voted on, by id.
pub fn participant_votes_csv(
    statements: &[StatementRecord],
    votes: &[Vote],
    map: &OpinionMap,
) -> String {
    write_participant_votes(statements, &latest(votes), map)
}

/// `comment-groups.csv`: one row per statement with a vote, by id, with the votes of each group
/// on it (their latest votes, members only) and the sums over the groups (so participants
/// outside the conversation are not counted, as in Polis, whose totals add up its groups).
/// Without groups, the header alone.
pub fn comment_groups_csv(statements: &[StatementRecord], map: &OpinionMap) -> String {
    let mut o =
        String::from("comment-id,comment,total-votes,total-agrees,total-disagrees,total-passes");
    for g in 0..map.groups.len() {
        let x = group_letter(g);
        let _ = write!(
            o,
            ",group-{x}-votes,group-{x}-agrees,group-{x}-disagrees,group-{x}-passes"
        );
    }
    o.push('\n');
    if map.groups.is_empty() {
        return o;
    }
    let texts = texts(statements);
    for (i, tid) in map.tids.iter().enumerate() {
        let counts: Vec<[u32; 4]> = map
            .groups
            .iter()
            .map(|g| {
                let c = g.counts[i];
                [c.seen, c.agree, c.disagree, c.seen - c.agree - c.disagree]
            })
            .collect();
        let total = counts.iter().fold([0u32; 4], |mut t, c| {
            t.iter_mut().zip(c).for_each(|(t, c)| *t += c);
            t
        });
        let text = texts.get(tid).copied().unwrap_or("");
        let _ = write!(o, "{tid},{}", text_field(text));
        for n in std::iter::once(total).chain(counts).flatten() {
            let _ = write!(o, ",{n}");
        }
        o.push('\n');
    }
    o
}

/// The latest vote of each participant on each statement, replayed as the map replays them.
fn latest(votes: &[Vote]) -> Matrix {
    Matrix::new(votes, &BTreeSet::new())
}

fn write_comments(statements: &[StatementRecord], latest: &Matrix) -> String {
    let mut tally: BTreeMap<u32, (u32, u32)> = BTreeMap::new();
    for r in 0..latest.pids.len() {
        for (c, v) in latest.row(r) {
            let t = tally.entry(latest.tids[c]).or_default();
            match v {
                1 => t.0 += 1,
                -1 => t.1 += 1,
                _ => {}
            }
        }
    }
    let mut order: Vec<&StatementRecord> = statements.iter().collect();
    order.sort_by_key(|s| s.statement.tid);
    let mut o = String::from(
        "timestamp,datetime,comment-id,author-id,agrees,disagrees,moderated,is-meta,\
         timestamp-ms,comment-body\n",
    );
    for s in order {
        let Statement {
            tid,
            moderation,
            is_meta,
        } = s.statement;
        let (agrees, disagrees) = tally.get(&tid).copied().unwrap_or_default();
        let _ = writeln!(
            o,
            "{},{},{tid},{},{agrees},{disagrees},{moderation},{is_meta},{},{}",
            seconds(s.time),
            datetime(s.time),
            s.author,
            s.time,
            text_field(&s.text)
        );
    }
    o
}

fn write_participant_votes(
    statements: &[StatementRecord],
    latest: &Matrix,
    map: &OpinionMap,
) -> String {
    let columns: Vec<u32> = statements
        .iter()
        .map(|s| s.statement.tid)
        .chain(latest.tids.iter().copied())
        .collect::<BTreeSet<u32>>()
        .into_iter()
        .collect();
    // The header column of each column of the matrix.
    let column_of: Vec<usize> = latest
        .tids
        .iter()
        .map(|t| columns.binary_search(t).unwrap_or_default())
        .collect();
    let mut written: BTreeMap<u32, usize> = BTreeMap::new();
    for s in statements {
        *written.entry(s.author).or_default() += 1;
    }
    let mut o = String::from("participant,group-id,n-comments,n-votes,n-agree,n-disagree");
    for t in &columns {
        let _ = write!(o, ",{t}");
    }
    o.push('\n');
    let mut row: Vec<Option<i8>> = vec![None; columns.len()];
    for (r, pid) in latest.pids.iter().enumerate() {
        row.fill(None);
        let (mut n, mut agree, mut disagree) = (0usize, 0usize, 0usize);
        for (c, v) in latest.row(r) {
            row[column_of[c]] = Some(v);
            n += 1;
            agree += usize::from(v == 1);
            disagree += usize::from(v == -1);
        }
        let group = map
            .group_of
            .get(pid)
            .map_or(String::new(), usize::to_string);
        let wrote = written.get(pid).copied().unwrap_or(0);
        let _ = write!(o, "{pid},{group},{wrote},{n},{agree},{disagree}");
        for cell in &row {
            o.push(',');
            if let Some(v) = cell {
                let _ = write!(o, "{v}");
            }
        }
        o.push('\n');
    }
    o
}

/// The text of each statement (the first record of an id).
fn texts(statements: &[StatementRecord]) -> BTreeMap<u32, &str> {
    let mut texts = BTreeMap::new();
    for s in statements {
        texts.entry(s.statement.tid).or_insert(s.text.as_str());
    }
    texts
}

/// Polis names group 0 `a`, 1 `b`…
fn group_letter(g: usize) -> char {
    u32::try_from(g)
        .ok()
        .and_then(|g| char::from_u32(u32::from(b'a') + g))
        .unwrap_or('?')
}

/// What starts a formula in a spreadsheet (the platform's list, as OWASP advises).
const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// A text with an apostrophe before it when a spreadsheet would take it for a formula. A text
/// that already starts with apostrophes then a formula character gets one more, so that
/// [`unguard`] gives back exactly any text (the platform's other exports do not need to).
pub(crate) fn guard(text: &str) -> String {
    if text.trim_start_matches('\'').starts_with(FORMULA_STARTS) {
        format!("'{text}")
    } else {
        text.to_string()
    }
}

/// The text [`guard`] was given.
pub(crate) fn unguard(text: &str) -> &str {
    let rest = text.trim_start_matches('\'');
    if rest.len() < text.len() && rest.starts_with(FORMULA_STARTS) {
        &text[1..]
    } else {
        text
    }
}

/// A free-text field: guarded, always quoted (as Polis writes texts), quotes doubled.
fn text_field(text: &str) -> String {
    format!("\"{}\"", guard(text).replace('"', "\"\""))
}

/// A typed field (an address): quoted only when it must be.
fn plain_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// Whole seconds of a time in milliseconds, rounded down as Polis' `Math.floor`.
fn seconds(ms: i64) -> i64 {
    ms.div_euclid(1000)
}

/// A time in milliseconds as JavaScript's `Date.toString()` prints it in UTC, as Polis' server
/// does when it runs in UTC: `Fri Aug 11 2023 07:52:41 GMT+0000 (Coordinated Universal Time)`;
/// `Invalid Date` beyond JavaScript's range of dates (±8.64 × 10¹⁵ ms).
fn datetime(ms: i64) -> String {
    const LIMIT: i64 = 8_640_000_000_000_000;
    if !(-LIMIT..=LIMIT).contains(&ms) {
        return "Invalid Date".into();
    }
    const WEEKDAYS: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let secs = seconds(ms);
    let (days, s) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let (year, month, day) = civil(days);
    // 1 January 1970 was a Thursday.
    let weekday = WEEKDAYS[(days + 4).rem_euclid(7) as usize];
    let sign = if year < 0 { "-" } else { "" };
    format!(
        "{weekday} {} {day:02} {sign}{:04} {:02}:{:02}:{:02} GMT+0000 (Coordinated Universal Time)",
        MONTHS[month as usize - 1],
        year.abs(),
        s / 3600,
        s / 60 % 60,
        s % 60
    )
}

/// The (proleptic Gregorian) year, month and day of a count of days since 1 January 1970
/// (Howard Hinnant's `civil_from_days`).
fn civil(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = (if mp < 10 { mp + 3 } else { mp - 9 }) as u32;
    (yoe + era * 400 + i64::from(month <= 2), month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_as_javascript_prints_them() {
        assert_eq!(
            datetime(1_691_740_361_800),
            "Fri Aug 11 2023 07:52:41 GMT+0000 (Coordinated Universal Time)"
        );
        assert_eq!(
            datetime(0),
            "Thu Jan 01 1970 00:00:00 GMT+0000 (Coordinated Universal Time)"
        );
        // Before 1970, seconds round down: −1 ms is the last second of 1969.
        assert_eq!(
            datetime(-1),
            "Wed Dec 31 1969 23:59:59 GMT+0000 (Coordinated Universal Time)"
        );
        assert_eq!(seconds(-1), -1);
        assert_eq!(
            datetime(951_782_400_000),
            "Tue Feb 29 2000 00:00:00 GMT+0000 (Coordinated Universal Time)"
        );
        assert_eq!(datetime(i64::MAX), "Invalid Date");
    }

    #[test]
    fn the_guard_is_undone_exactly() {
        for text in [
            "=1+1", "+33 6", "-", "@x", "\tx", "\rx", "'=x", "''@", "'", "", "it's", "a=b", "'a",
        ] {
            assert_eq!(unguard(&guard(text)), text, "{text:?}");
        }
        assert_eq!(guard("=1+1"), "'=1+1");
        assert_eq!(guard("'=x"), "''=x");
        assert_eq!(guard("it's"), "it's");
        assert_eq!(text_field("=a, \"b\"\nc"), "\"'=a, \"\"b\"\"\nc\"");
        assert_eq!(plain_field("https://x.fr/c"), "https://x.fr/c");
        assert_eq!(plain_field("a,b"), "\"a,b\"");
    }

    #[test]
    fn group_letters() {
        assert_eq!(
            (0..5).map(group_letter).collect::<String>(),
            "abcde".to_string()
        );
    }
}
