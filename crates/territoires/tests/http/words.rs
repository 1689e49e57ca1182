//! Dates and counts as people read them: the demo is walked from its home page (and the list of
//! requests for support), following its own links, in French and in English, as a visitor and
//! as the administrator. No page shows an ISO date (`2026-12-06`) or a numeric one
//! (`06/12/2026`) outside the attributes that give machines the ISO form (`datetime`, `value`),
//! nor a plural in brackets ("contribution(s)"); the pages that show dates (a process, a
//! contribution, a vote, the reports, the directory, the library, the lab, the network…) write
//! them with the month in words.

use crate::common::{TestApp, spawn_app};
use std::collections::{BTreeMap, BTreeSet, VecDeque};

const FRENCH_MONTHS: [&str; 12] = [
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
];
const ENGLISH_MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// Pages walked per reader and language, and pages per shape of address.
const MOST: usize = 220;
const PER_SHAPE: usize = 3;

/// The pages that show a date, by the shape of their address: at least one page of each shape
/// must be walked and write a date with its month in words.
const DATED: [(&str, &str); 12] = [
    ("a process", "/s/*/processes/*"),
    ("a contribution", "/s/*/processes/*/contributions/*"),
    ("a vote", "/s/*/processes/*/votes/*"),
    ("the reports", "/s/*/reports"),
    ("a report", "/s/*/reports/*"),
    ("an actor of the directory", "/directory/actors/*"),
    ("a report of the library", "/library/*"),
    ("a challenge of the lab", "/s/*/challenges/*"),
    ("the network", "/commun"),
    ("a request for support", "/commun/requests/*"),
    ("a resource of the network", "/commun/resources/*"),
    ("the administration's journal", "/admin"),
];

/// Pages without a date of their own that the walk must reach all the same.
const WALKED: [(&str, &str); 5] = [
    ("the home page", "/"),
    ("a space", "/s/*"),
    ("a conversation", "/s/*/processes/*/conversations/*"),
    ("the network's conversations", "/commun/conversations"),
    ("the account", "/account"),
];

/// The shape of an address: its segments that name an item (digits, ids, slugs of items) as
/// `*`, the ones the routes spell kept.
fn shape(path: &str) -> String {
    const WORDS: [&str; 46] = [
        "s",
        "processes",
        "contributions",
        "votes",
        "reports",
        "directory",
        "actors",
        "offers",
        "library",
        "challenges",
        "commun",
        "requests",
        "resources",
        "conversations",
        "c",
        "admin",
        "account",
        "moderation",
        "desk",
        "answers",
        "new",
        "edit",
        "propose",
        "join",
        "taxonomy",
        "themes",
        "territories",
        "map",
        "settings",
        "stats",
        "setup",
        "trackers",
        "report",
        "answer",
        "login",
        "register",
        "search",
        "spaces",
        "password",
        "forgot",
        "delete",
        "outbox",
        "handle",
        "revisions",
        "phases",
        "members",
    ];
    path.split('/')
        .map(|s| {
            if s.is_empty() || WORDS.contains(&s) {
                s.to_string()
            } else {
                "*".to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// Whether the walk follows a link to `path`: pages only, nothing that signs out or changes.
fn walkable(path: &str) -> bool {
    let skipped = [
        "/api", "/data", "/open311", "/assets", "/uploads", "/lang", "/logout", "/auth", "/embed",
    ];
    let ends = [
        ".csv", ".json", ".geojson", ".xml", ".atom", ".ics", ".svg", ".png", ".jpg", ".pdf",
        ".txt", ".jsonld",
    ];
    path.starts_with('/')
        && !path.starts_with("//")
        && !skipped
            .iter()
            .any(|s| path == *s || path.starts_with(&format!("{s}/")))
        && !ends.iter().any(|e| path.ends_with(e))
        && !["/attachments/", "/export", "/download", "/confirm/"]
            .iter()
            .any(|s| path.contains(s))
}

/// What a reader sees of a page: the text outside the tags, scripts and styles, and the words
/// of the attributes read aloud or shown (`aria-label`, `title`, `alt`, `placeholder`).
fn visible(html: &str) -> String {
    let mut out = String::new();
    let mut rest = html;
    while let Some(open) = rest.find('<') {
        out.push_str(&rest[..open]);
        rest = &rest[open..];
        if let Some(after) = rest.strip_prefix("<!--") {
            rest = after.split_once("-->").map_or("", |(_, r)| r);
            continue;
        }
        let Some(close) = rest.find('>') else { break };
        let tag = &rest[1..close];
        for attribute in ["aria-label=\"", "title=\"", "alt=\"", "placeholder=\""] {
            if let Some(at) = tag.find(attribute)
                && (at == 0 || tag.as_bytes()[at - 1] == b' ')
            {
                let value = &tag[at + attribute.len()..];
                out.push(' ');
                out.push_str(value.split('"').next().unwrap_or(""));
                out.push(' ');
            }
        }
        rest = &rest[close + 1..];
        let name: String = tag
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect::<String>()
            .to_ascii_lowercase();
        if name == "script" || name == "style" {
            let end = format!("</{name}");
            rest = rest.find(&end).map_or("", |e| &rest[e..]);
        }
        out.push(' ');
    }
    out.push_str(rest);
    out.replace("&nbsp;", "\u{a0}").replace("&#39;", "'")
}

/// The dates written with digits only: `2026-12-06` or `06/12/2026`.
fn numeric_dates(text: &str) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    let digits = |from: usize, n: usize| {
        from + n <= chars.len() && chars[from..from + n].iter().all(char::is_ascii_digit)
    };
    let mut found = Vec::new();
    for i in 0..chars.len() {
        if i > 0 && chars[i - 1].is_ascii_digit() {
            continue;
        }
        let iso = digits(i, 4)
            && chars.get(i + 4) == Some(&'-')
            && digits(i + 5, 2)
            && chars.get(i + 7) == Some(&'-')
            && digits(i + 8, 2);
        let slashed = digits(i, 2)
            && chars.get(i + 2) == Some(&'/')
            && digits(i + 3, 2)
            && chars.get(i + 5) == Some(&'/')
            && digits(i + 6, 4);
        if iso || slashed {
            found.push(chars[i..(i + 10).min(chars.len())].iter().collect());
        }
    }
    found
}

/// Whether `text` writes a date with its month in words: a day (`6`, `1er`) then a month.
fn has_worded_date(text: &str, months: &[&str; 12]) -> bool {
    months.iter().any(|month| {
        text.match_indices(month).any(|(at, _)| {
            let before = text[..at].trim_end_matches([' ', '\u{a0}']);
            let spaced = before.len() < at;
            spaced && (before.ends_with(|c: char| c.is_ascii_digit()) || before.ends_with("1er"))
        })
    })
}

/// One reader's walk in one language: the problems met, and for each shape of [`DATED`]
/// whether one of its pages wrote a date in words.
struct Walk {
    problems: Vec<String>,
    dated: BTreeMap<&'static str, bool>,
    walked: usize,
}

async fn walk(reader: &TestApp, lang: &str) -> Walk {
    reader.jar.add_cookie_str(
        &format!("lang={lang}; Path=/"),
        &reader.base.parse().unwrap(),
    );
    let months = if lang == "fr" {
        &FRENCH_MONTHS
    } else {
        &ENGLISH_MONTHS
    };
    // The requests for support are linked from the pages of their members, not from the home.
    let starts = ["/".to_string(), "/commun/requests".to_string()];
    let mut seen = BTreeSet::from(starts.clone());
    let mut shapes: BTreeMap<String, usize> = BTreeMap::new();
    let mut queue = VecDeque::from(starts);
    let mut out = Walk {
        problems: Vec::new(),
        dated: BTreeMap::new(),
        walked: 0,
    };
    while let Some(path) = queue.pop_front() {
        if out.walked >= MOST {
            break;
        }
        let response = reader.get(&path).await;
        let html_page = response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("text/html"));
        if response.status() != 200 || !html_page {
            continue;
        }
        out.walked += 1;
        let html = response.text().await.unwrap();
        let text = visible(&html);
        for date in numeric_dates(&text) {
            out.problems
                .push(format!("{lang} {path}: a date in digits, {date:?}"));
        }
        if let Some(at) = text.find("(s)") {
            let from = text[..at]
                .char_indices()
                .rev()
                .nth(30)
                .map_or(0, |(i, _)| i);
            out.problems.push(format!(
                "{lang} {path}: a plural in brackets, {:?}",
                &text[from..at + 3]
            ));
        }
        let bare = path.split('?').next().unwrap_or("");
        for (name, dated) in DATED {
            if shape(bare) == dated {
                *out.dated.entry(name).or_default() |= has_worded_date(&text, months);
            }
        }
        for (name, walked) in WALKED {
            if shape(bare) == walked {
                out.dated.entry(name).or_default();
            }
        }
        for href in html.split("href=\"").skip(1) {
            let href = href.split('"').next().unwrap_or("").replace("&amp;", "&");
            let next = href.split('#').next().unwrap_or("").to_string();
            let bare = next.split('?').next().unwrap_or("");
            if seen.contains(&next) || !walkable(bare) {
                continue;
            }
            let count = shapes.entry(shape(bare)).or_default();
            if *count >= PER_SHAPE {
                continue;
            }
            *count += 1;
            seen.insert(next.clone());
            queue.push_back(next);
        }
    }
    out
}

#[test]
fn the_checks_see_what_a_reader_sees() {
    let page = r#"<p title="Reçu le 2026-12-06">Mise à jour <time datetime="2026-12-06">6 décembre 2026</time></p><input type="date" value="2026-12-01"><script>let d = "2026-01-01";</script> 3 offre(s), 07/12/2026"#;
    let text = visible(page);
    assert_eq!(numeric_dates(&text), ["2026-12-06", "07/12/2026"]);
    assert!(text.contains("(s)"));
    assert!(has_worded_date(&text, &FRENCH_MONTHS));
    assert!(has_worded_date("le 1er\u{a0}mars", &FRENCH_MONTHS));
    assert!(!has_worded_date("Rien en mai", &FRENCH_MONTHS));
    assert!(!has_worded_date("Mardi gras", &FRENCH_MONTHS));
    assert_eq!(
        shape("/s/lannion/processes/velo/contributions/01H"),
        "/s/*/processes/*/contributions/*"
    );
}

#[tokio::test]
async fn pages_write_dates_in_words_and_counts_without_brackets() {
    for engine in kernel::testing::engines() {
        let app = spawn_app(engine).await;
        crate::access::seed_demo(&app).await;
        let mut problems = Vec::new();
        for lang in ["fr", "en"] {
            let visitor = app.other_client();
            let admin = app.other_client();
            admin
                .login(kernel::demo::DEMO_ADMIN, kernel::demo::DEMO_PASSWORD)
                .await;
            admin
                .pass_second_factor(kernel::demo::DEMO_ADMIN, kernel::demo::DEMO_ADMIN_TOTP)
                .await;
            let mut dated: BTreeMap<&str, bool> = BTreeMap::new();
            for (who, reader) in [("visitor", &visitor), ("administrator", &admin)] {
                let walk = walk(reader, lang).await;
                assert!(walk.walked > 60, "{who} walked {} pages", walk.walked);
                problems.extend(walk.problems.into_iter().map(|p| format!("{who}, {p}")));
                for (name, words) in walk.dated {
                    *dated.entry(name).or_default() |= words;
                }
            }
            for (name, _) in WALKED {
                if !dated.contains_key(name) {
                    problems.push(format!("{lang}: {name} was not walked"));
                }
            }
            for (name, _) in DATED {
                match dated.get(name) {
                    None => problems.push(format!("{lang}: {name} was not walked")),
                    Some(false) => problems.push(format!("{lang}: {name} has no date in words")),
                    Some(true) => {}
                }
            }
        }
        problems.sort();
        problems.dedup();
        assert!(
            problems.is_empty(),
            "{engine}: {} problems:\n{}",
            problems.len(),
            problems.join("\n")
        );
    }
}
