//! The export in Polis' format (`decide::polis::export`): it reads back to the same votes,
//! statements and map, its headers are Polis', its texts are quoted and guarded, and its
//! per-participant and per-group files agree with the map.

use decide::polis::{self, Export, OpinionMap, Statement, StatementRecord, Summary, Vote};
use serde_json::Value;
use std::collections::BTreeMap;

const FIXTURES: [&str; 4] = [
    "below-100-ptpts",
    "50ptpt-3gp-strict-no-meta",
    "150ptpt-3gp-no-strict-no-meta",
    "25ptpt-3gp-no-strict-with-meta",
];

/// Polis' headers (compdemocracy/polis, `server/src/report.ts`), before the columns this export
/// adds: `is-meta` and `timestamp-ms` before `comment-body`, `timestamp-ms` after `vote`.
const POLIS_COMMENTS: &str =
    "timestamp,datetime,comment-id,author-id,agrees,disagrees,moderated,comment-body";
const POLIS_VOTES: &str = "timestamp,datetime,comment-id,voter-id,vote";
const PARTICIPANT_VOTES: &str = "participant,group-id,n-comments,n-votes,n-agree,n-disagree";
const COMMENT_GROUPS: &str =
    "comment-id,comment,total-votes,total-agrees,total-disagrees,total-passes";
const SUMMARY_KEYS: [&str; 8] = [
    "topic",
    "url",
    "voters",
    "voters-in-conv",
    "commenters",
    "comments",
    "groups",
    "conversation-description",
];

fn read(name: &str, file: &str) -> String {
    let path = format!(
        "{}/tests/data/polis/{name}/{file}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

struct Conversation {
    summary: Summary,
    votes: Vec<Vote>,
    statements: Vec<Statement>,
    records: Vec<StatementRecord>,
    map: OpinionMap,
}

/// A fixture, with the author and text of each statement from `comments.json` (times there
/// are dates or missing: a made-up time per statement, which the map does not read).
fn load(name: &str) -> Conversation {
    let votes = polis::votes_from_json(&read(name, "votes.json")).unwrap();
    let statements = polis::statements_from_json(&read(name, "comments.json")).unwrap();
    let json: Value = serde_json::from_str(&read(name, "comments.json")).unwrap();
    let records = statements
        .iter()
        .zip(json.as_array().unwrap())
        .map(|(s, c)| {
            let author = ["pid", "participant_id"]
                .iter()
                .find_map(|k| c[*k].as_u64())
                .unwrap() as u32;
            StatementRecord {
                statement: *s,
                author,
                time: 1_600_000_000_000 + i64::from(s.tid) * 1_234,
                text: c["txt"].as_str().unwrap().to_string(),
            }
        })
        .collect();
    let conversation: Value = serde_json::from_str(&read(name, "conversation.json")).unwrap();
    let summary = Summary {
        topic: conversation["topic"].as_str().unwrap_or("").to_string(),
        description: conversation["description"]
            .as_str()
            .unwrap_or("")
            .to_string(),
        url: format!("https://territoires.example/c/{name}"),
    };
    let map = polis::opinion_map(&votes, &statements);
    Conversation {
        summary,
        votes,
        statements,
        records,
        map,
    }
}

fn export(c: &Conversation) -> Export {
    polis::export(&c.summary, &c.records, &c.votes, &c.map)
}

/// RFC 4180 records, parsed independently of the crate's reader.
fn csv(text: &str) -> Vec<Vec<String>> {
    let (mut records, mut fields, mut field) = (Vec::new(), Vec::new(), String::new());
    let (mut quoted, mut chars) = (false, text.chars().peekable());
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            (true, '"') => quoted = false,
            (true, c) => field.push(c),
            (false, '"') if field.is_empty() => quoted = true,
            (false, ',') => fields.push(std::mem::take(&mut field)),
            (false, '\n') => {
                fields.push(std::mem::take(&mut field));
                records.push(std::mem::take(&mut fields));
            }
            (false, c) => field.push(c),
        }
    }
    assert!(!quoted, "a quoted field is not closed");
    if !field.is_empty() || !fields.is_empty() {
        fields.push(field);
        records.push(fields);
    }
    records
}

fn sorted_votes(mut votes: Vec<Vote>) -> Vec<(u32, u32, i64, i8)> {
    let mut v: Vec<_> = votes
        .drain(..)
        .map(|v| (v.pid, v.tid, v.time, v.value))
        .collect();
    v.sort_unstable();
    v
}

/// The latest vote of each participant on each statement: the last by time, then pid, then
/// tid, then input order.
fn latest(votes: &[Vote]) -> BTreeMap<(u32, u32), i8> {
    let mut order: Vec<&Vote> = votes.iter().collect();
    order.sort_by_key(|v| (v.time, v.pid, v.tid));
    order.iter().map(|v| ((v.pid, v.tid), v.value)).collect()
}

#[test]
fn fixtures_read_back_to_the_same_map() {
    for name in FIXTURES {
        let c = load(name);
        let out = export(&c);
        let votes = polis::votes_from_csv(&out.votes).unwrap();
        let statements = polis::statements_from_csv(&out.comments).unwrap();
        assert_eq!(sorted_votes(votes.clone()), sorted_votes(c.votes.clone()));
        let mut given = c.statements.clone();
        given.sort_by_key(|s| s.tid);
        assert_eq!(statements, given, "{name}");
        let mut records = c.records.clone();
        records.sort_by_key(|s| s.statement.tid);
        assert_eq!(
            polis::statement_records_from_csv(&out.comments).unwrap(),
            records,
            "{name}"
        );
        assert_eq!(
            polis::opinion_map(&votes, &statements).to_json(),
            c.map.to_json(),
            "{name}"
        );
        if name.contains("with-meta") {
            assert!(statements.iter().any(|s| s.is_meta));
        }
        // The same file without the added column (as Polis writes it) still reads, in seconds.
        let polis_votes: String = out
            .votes
            .lines()
            .map(|l| format!("{}\n", &l[..l.rfind(',').unwrap()]))
            .collect();
        let seconds = polis::votes_from_csv(&polis_votes).unwrap();
        assert_eq!(seconds.len(), c.votes.len());
        assert!(
            seconds
                .iter()
                .zip(&votes)
                .all(|(s, v)| s.time == v.time.div_euclid(1000))
        );
    }
}

#[test]
fn headers_are_polis() {
    let c = load("25ptpt-3gp-no-strict-with-meta");
    let out = export(&c);
    let first = |text: &str| text.lines().next().unwrap().to_string();

    let comments: Vec<String> = csv(&out.comments)[0].clone();
    let without_added: Vec<&str> = comments
        .iter()
        .map(String::as_str)
        .filter(|h| !["is-meta", "timestamp-ms"].contains(h))
        .collect();
    assert_eq!(without_added.join(","), POLIS_COMMENTS);
    assert_eq!(comments.last().unwrap(), "comment-body");
    assert_eq!(first(&out.votes), format!("{POLIS_VOTES},timestamp-ms"));

    let header = first(&out.participant_votes);
    let tids: Vec<u32> = header
        .strip_prefix(&format!("{PARTICIPANT_VOTES},"))
        .unwrap()
        .split(',')
        .map(|t| t.parse().unwrap())
        .collect();
    let mut all: Vec<u32> = c.records.iter().map(|s| s.statement.tid).collect();
    all.sort_unstable();
    assert_eq!(tids, all);

    let mut groups = COMMENT_GROUPS.to_string();
    for x in ["a", "b", "c", "d", "e"].iter().take(c.map.groups.len()) {
        groups +=
            &format!(",group-{x}-votes,group-{x}-agrees,group-{x}-disagrees,group-{x}-passes");
    }
    assert_eq!(first(&out.comment_groups), groups);

    // summary.csv: key,value lines, no header, no line break after the last.
    let summary = csv(&out.summary);
    let keys: Vec<&str> = summary.iter().map(|r| r[0].as_str()).collect();
    assert_eq!(keys, SUMMARY_KEYS);
    assert!(!out.summary.ends_with('\n'));
    let value = |k: &str| summary.iter().find(|r| r[0] == k).unwrap()[1].clone();
    assert_eq!(value("topic"), c.summary.topic);
    assert_eq!(value("voters"), c.map.participants.to_string());
    assert_eq!(value("voters-in-conv"), c.map.in_conv.len().to_string());
    assert_eq!(value("comments"), c.map.statements.to_string());
    assert_eq!(value("groups"), c.map.groups.len().to_string());
    assert!(out.summary.contains("\nconversation-description,\"\""));

    let names: Vec<&str> = out.files().iter().map(|(n, _)| *n).collect();
    assert_eq!(
        names,
        [
            "summary.csv",
            "comments.csv",
            "votes.csv",
            "participant-votes.csv",
            "comment-groups.csv"
        ]
    );
}

#[test]
fn awkward_texts_are_quoted_guarded_and_read_back() {
    let awkward = "=HYPERLINK(\"http://x\"), say \"no\"\nthen, a second line";
    let texts = [
        awkward,
        "-1 point",
        "'=already",
        "plain",
        "@once\r\nmore",
        "",
    ];
    let records: Vec<StatementRecord> = texts
        .iter()
        .enumerate()
        .map(|(i, t)| StatementRecord {
            statement: Statement {
                tid: i as u32,
                moderation: [1, 0, -1][i % 3],
                is_meta: i == 3,
            },
            author: 7,
            time: 1_700_000_000_123 + i as i64,
            text: t.to_string(),
        })
        .collect();
    let votes: Vec<Vote> = (0..4u32)
        .flat_map(|p| {
            (0..texts.len() as u32).map(move |t| Vote {
                pid: p,
                tid: t,
                value: [-1, 0, 1][((p + t) % 3) as usize],
                time: i64::from(p * 100 + t),
            })
        })
        .collect();
    let statements: Vec<Statement> = records.iter().map(|r| r.statement).collect();
    let map = polis::opinion_map(&votes, &statements);
    let summary = Summary {
        topic: "=cmd|' /C calc'!A0, \"quoted\"".into(),
        description: "two\nlines".into(),
        url: "https://territoires.example/c/1".into(),
    };
    let out = polis::export(&summary, &records, &votes, &map);

    assert!(
        out.comments
            .contains(",\"'=HYPERLINK(\"\"http://x\"\"), say \"\"no\"\"\nthen,")
    );
    assert!(out.comments.contains(",\"'-1 point\"\n"));
    assert!(out.comments.contains(",\"''=already\"\n"));
    assert!(out.comments.contains(",\"plain\"\n"));
    assert!(out.comment_groups.contains(",\"'@once\r\nmore\","));
    assert!(
        out.summary
            .starts_with("topic,\"'=cmd|' /C calc'!A0, \"\"quoted\"\"\"\n")
    );
    assert!(
        out.summary
            .ends_with("conversation-description,\"two\nlines\"")
    );
    // Numbers are never guarded: a disagree stays -1.
    assert!(out.votes.lines().skip(1).any(|l| l.contains(",-1,")));
    assert!(!out.votes.contains('\''));

    // Every cell a spreadsheet sees starts with no formula character, but numbers.
    for (name, text) in out.files() {
        for record in csv(text) {
            for field in record {
                let formula = field.starts_with(['=', '+', '@', '\t', '\r'])
                    || (field.starts_with('-') && field.parse::<i64>().is_err());
                assert!(!formula, "{name}: {field:?}");
            }
        }
    }

    let back = polis::statement_records_from_csv(&out.comments).unwrap();
    assert_eq!(back, records);
    assert_eq!(
        polis::statements_from_csv(&out.comments).unwrap(),
        statements
    );
    let read_votes = polis::votes_from_csv(&out.votes).unwrap();
    assert_eq!(
        sorted_votes(read_votes.clone()),
        sorted_votes(votes.clone())
    );
    assert_eq!(
        polis::opinion_map(&read_votes, &statements).to_json(),
        map.to_json()
    );
}

#[test]
fn participant_votes_have_each_participant_their_group_and_votes() {
    for name in FIXTURES {
        let c = load(name);
        let out = export(&c);
        let rows = csv(&out.participant_votes);
        let tids: Vec<u32> = rows[0][6..].iter().map(|t| t.parse().unwrap()).collect();
        let latest = latest(&c.votes);
        let mut voters: Vec<u32> = latest.keys().map(|(p, _)| *p).collect();
        voters.dedup();
        assert_eq!(rows.len() - 1, voters.len(), "{name}");
        assert_eq!(voters.len(), c.map.participants);
        let mut wrote: BTreeMap<u32, usize> = BTreeMap::new();
        for s in &c.records {
            *wrote.entry(s.author).or_default() += 1;
        }
        for (row, pid) in rows[1..].iter().zip(&voters) {
            assert_eq!(row.len(), 6 + tids.len());
            assert_eq!(row[0], pid.to_string());
            let group = c
                .map
                .group_of
                .get(pid)
                .map_or(String::new(), |g| g.to_string());
            assert_eq!(row[1], group, "{name}: participant {pid}");
            assert_eq!(!row[1].is_empty(), c.map.in_conv.contains(pid));
            assert_eq!(row[2], wrote.get(pid).copied().unwrap_or(0).to_string());
            let mine: Vec<i8> = latest
                .range((*pid, 0)..=(*pid, u32::MAX))
                .map(|(_, v)| *v)
                .collect();
            assert_eq!(row[3], mine.len().to_string());
            assert_eq!(row[4], mine.iter().filter(|v| **v == 1).count().to_string());
            assert_eq!(
                row[5],
                mine.iter().filter(|v| **v == -1).count().to_string()
            );
            for (cell, tid) in row[6..].iter().zip(&tids) {
                let want = latest
                    .get(&(*pid, *tid))
                    .map_or(String::new(), i8::to_string);
                assert_eq!(*cell, want, "{name}: participant {pid}, statement {tid}");
            }
        }
    }
}

#[test]
fn comment_groups_count_as_the_map() {
    for name in FIXTURES {
        let c = load(name);
        let out = export(&c);
        let rows = csv(&out.comment_groups);
        let k = c.map.groups.len();
        assert!(k >= 2, "{name}");
        assert_eq!(rows.len() - 1, c.map.tids.len(), "{name}");
        let texts: BTreeMap<u32, &str> = c
            .records
            .iter()
            .map(|s| (s.statement.tid, s.text.as_str()))
            .collect();
        for (i, row) in rows[1..].iter().enumerate() {
            let tid = c.map.tids[i];
            assert_eq!(row[0], tid.to_string());
            assert_eq!(row.len(), 6 + 4 * k);
            let n: Vec<u32> = row[2..].iter().map(|x| x.parse().unwrap()).collect();
            let mut total = [0u32; 4];
            for (g, group) in c.map.groups.iter().enumerate() {
                let counts = group.counts[i];
                let want = [
                    counts.seen,
                    counts.agree,
                    counts.disagree,
                    counts.seen - counts.agree - counts.disagree,
                ];
                assert_eq!(n[4 + 4 * g..8 + 4 * g], want, "{name}: {tid}, group {g}");
                for (t, w) in total.iter_mut().zip(want) {
                    *t += w;
                }
            }
            assert_eq!(n[..4], total);
            let text = texts.get(&tid).copied().unwrap_or("");
            let guarded = text.starts_with(['=', '+', '-', '@', '\t', '\r']);
            assert_eq!(
                row[1]
                    .strip_prefix('\'')
                    .filter(|_| guarded)
                    .unwrap_or(&row[1]),
                text
            );
        }
    }
}

#[test]
fn an_empty_conversation_exports_headers() {
    let map = polis::opinion_map(&[], &[]);
    let out = polis::export(&Summary::default(), &[], &[], &map);
    assert_eq!(out.comments.lines().count(), 1);
    assert_eq!(out.votes.lines().count(), 1);
    assert_eq!(out.participant_votes, format!("{PARTICIPANT_VOTES}\n"));
    assert_eq!(out.comment_groups, format!("{COMMENT_GROUPS}\n"));
    assert!(polis::votes_from_csv(&out.votes).unwrap().is_empty());
    assert!(
        polis::statements_from_csv(&out.comments)
            .unwrap()
            .is_empty()
    );
}

/// Why `timestamp-ms` is there: on this conversation, votes read in Polis' whole seconds are
/// replayed in another order, and another set of participants comes into the conversation.
#[test]
fn seconds_alone_lose_the_order() {
    let c = load("below-100-ptpts");
    let out = export(&c);
    let polis_votes: String = out
        .votes
        .lines()
        .map(|l| format!("{}\n", &l[..l.rfind(',').unwrap()]))
        .collect();
    let seconds = polis::votes_from_csv(&polis_votes).unwrap();
    assert_ne!(
        polis::opinion_map(&seconds, &c.statements).to_json(),
        c.map.to_json()
    );
}
