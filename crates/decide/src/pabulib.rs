//! Reading participatory budgets in the pabulib format (`.pb` files): sections `META`,
//! `PROJECTS` and `VOTES`, each a header line then rows, fields separated by `;` (quotes allowed).
//! Approval ballots only.

use crate::pb::{Election, Project, parse_q};
use std::collections::HashMap;

/// A problem in a `.pb` file: the line (from 1) and the reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PbError {
    /// Line number, from 1; 0 for the file as a whole.
    pub line: usize,
    /// What is wrong.
    pub reason: String,
}

impl std::fmt::Display for PbError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.line == 0 {
            write!(f, "{}", self.reason)
        } else {
            write!(f, "line {}: {}", self.line, self.reason)
        }
    }
}

impl std::error::Error for PbError {}

fn fail(line: usize, reason: impl Into<String>) -> PbError {
    PbError {
        line,
        reason: reason.into(),
    }
}

/// Splits a line at `;`, honouring double quotes (`""` inside quotes is a quote).
fn fields(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' if quoted && chars.peek() == Some(&'"') => {
                cur.push('"');
                chars.next();
            }
            '"' => quoted = !quoted,
            ';' if !quoted => out.push(std::mem::take(&mut cur)),
            c => cur.push(c),
        }
    }
    out.push(cur);
    out.into_iter().map(|f| f.trim().to_string()).collect()
}

#[derive(PartialEq)]
enum Section {
    None,
    Meta,
    Projects,
    Votes,
}

/// Reads a `.pb` file.
pub fn parse(text: &str) -> Result<Election, PbError> {
    let mut section = Section::None;
    let mut header: Option<Vec<String>> = None;
    let mut meta: HashMap<String, String> = HashMap::new();
    let mut projects: Vec<Project> = Vec::new();
    let mut ballots: Vec<Vec<String>> = Vec::new();
    let mut seen_ids = HashMap::new();
    for (i, raw) in text.lines().enumerate() {
        let n = i + 1;
        let line = raw.trim_end_matches('\r');
        if line.trim().is_empty() {
            continue;
        }
        match line.trim() {
            "META" => {
                section = Section::Meta;
                header = None;
                continue;
            }
            "PROJECTS" => {
                section = Section::Projects;
                header = None;
                continue;
            }
            "VOTES" => {
                section = Section::Votes;
                header = None;
                continue;
            }
            _ => {}
        }
        if section == Section::None {
            return Err(fail(n, "expected META, PROJECTS or VOTES"));
        }
        let f = fields(line);
        let Some(h) = &header else {
            header = Some(f.iter().map(|s| s.to_ascii_lowercase()).collect());
            continue;
        };
        if f.len() < 2 && section != Section::Meta {
            return Err(fail(
                n,
                format!(
                    "expected {} fields separated by ';', found {}",
                    h.len(),
                    f.len()
                ),
            ));
        }
        let col = |name: &str| h.iter().position(|x| x == name);
        match section {
            Section::Meta => {
                if f.len() < 2 {
                    return Err(fail(n, "expected key;value"));
                }
                meta.insert(f[0].to_ascii_lowercase(), f[1].clone());
            }
            Section::Projects => {
                let (Some(ci), Some(ki)) = (col("project_id"), col("cost")) else {
                    return Err(fail(n - 1, "the PROJECTS header needs project_id and cost"));
                };
                let id = f.get(ci).cloned().unwrap_or_default();
                if id.is_empty() {
                    return Err(fail(n, "empty project_id"));
                }
                let cost = f
                    .get(ki)
                    .and_then(|c| parse_q(c))
                    .filter(|c| *c >= num_traits::Zero::zero())
                    .ok_or_else(|| {
                        fail(n, format!("the cost of project {id} is not a number ≥ 0"))
                    })?;
                if seen_ids.insert(id.clone(), n).is_some() {
                    return Err(fail(n, format!("project {id} is listed twice")));
                }
                projects.push(Project { id, cost });
            }
            Section::Votes => {
                let Some(vi) = col("vote") else {
                    return Err(fail(n - 1, "the VOTES header needs a vote column"));
                };
                let vote = f.get(vi).cloned().unwrap_or_default();
                let ids: Vec<String> = vote
                    .split(',')
                    .map(|s| s.trim().to_string())
                    .filter(|s| !s.is_empty())
                    .collect();
                if let Some(unknown) = ids.iter().find(|id| !seen_ids.contains_key(*id)) {
                    return Err(fail(n, format!("unknown project {unknown}")));
                }
                ballots.push(ids);
            }
            Section::None => {}
        }
    }
    let vote_type = meta
        .get("vote_type")
        .map(String::as_str)
        .unwrap_or("approval");
    if vote_type != "approval" {
        return Err(fail(
            0,
            format!("vote_type {vote_type} is not supported: approval ballots only"),
        ));
    }
    let budget = meta
        .get("budget")
        .and_then(|b| parse_q(b))
        .ok_or_else(|| fail(0, "META needs a numeric budget"))?;
    if projects.is_empty() {
        return Err(fail(0, "no PROJECTS section, or no project"));
    }
    Election::new(projects, budget, &ballots).map_err(|e| fail(0, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SMALL: &str = "META\nkey;value\ndescription;\"Lannion; quartier Nord\"\nbudget;10\nvote_type;approval\nPROJECTS\nproject_id;cost;name\n1;6;Jardin\n2;4;Bancs\n3;5.5;Éclairage\nVOTES\nvoter_id;vote\n1;1,2\n2;1\n3;3,2\n";

    #[test]
    fn a_small_file_is_read() {
        let e = parse(SMALL).unwrap();
        assert_eq!(e.projects.len(), 3);
        assert_eq!(e.voters(), 3);
        assert_eq!(e.budget, parse_q("10").unwrap());
        assert_eq!(e.projects[2].cost, parse_q("5.5").unwrap());
    }

    #[test]
    fn errors_name_their_line() {
        let bad = SMALL.replace("2;4;Bancs", "2;quatre;Bancs");
        assert_eq!(parse(&bad).unwrap_err().line, 9);
        let bad = SMALL.replace("3;3,2", "3;3,9");
        let e = parse(&bad).unwrap_err();
        assert_eq!((e.line, e.reason.as_str()), (15, "unknown project 9"));
        let bad = SMALL.replace("vote_type;approval", "vote_type;ordinal");
        assert!(
            parse(&bad)
                .unwrap_err()
                .to_string()
                .contains("approval ballots only")
        );
        assert_eq!(parse("hello").unwrap_err().line, 1);
        let bad = SMALL.replace("budget;10", "budget;dix");
        assert!(parse(&bad).unwrap_err().reason.contains("budget"));
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        /// A field as pabulib files hold them, or something close to one.
        fn field() -> impl Strategy<Value = String> {
            prop_oneof![
                Just("project_id".to_string()),
                Just("cost".to_string()),
                Just("vote".to_string()),
                Just("voter_id".to_string()),
                Just("budget".to_string()),
                Just("vote_type".to_string()),
                Just("approval".to_string()),
                Just("\"a;b\"".to_string()),
                Just("\"".to_string()),
                Just("1/0".to_string()),
                Just("-.".to_string()),
                "-?[0-9]{0,4}(\\.[0-9]{0,3})?(/-?[0-9]{1,3})?",
                "[0-9]{1,2}(,[0-9]{0,2}){0,4}",
                ".{0,6}",
            ]
        }

        /// Section names and `;`-separated rows, in any order.
        fn pabulib_like() -> impl Strategy<Value = String> {
            let line = prop_oneof![
                1 => Just("META".to_string()),
                1 => Just("PROJECTS".to_string()),
                1 => Just("VOTES".to_string()),
                6 => prop::collection::vec(field(), 0..5).prop_map(|f| f.join(";")),
            ];
            prop::collection::vec(line, 0..30).prop_map(|l| l.join("\n"))
        }

        /// A valid file: costs, a budget, and ballots naming projects by their index.
        fn valid_file() -> impl Strategy<Value = (Vec<u32>, u32, Vec<Vec<usize>>)> {
            (1usize..8).prop_flat_map(|n| {
                (
                    prop::collection::vec(0u32..1000, n),
                    0u32..5000,
                    prop::collection::vec(prop::collection::vec(0..n, 0..n + 1), 0..12),
                )
            })
        }

        proptest! {

            #[test]
            fn any_bytes_are_read_without_panic(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
                let text = String::from_utf8_lossy(&bytes);
                if let Err(e) = parse(&text) {
                    prop_assert!(e.line <= text.lines().count());
                }
            }

            #[test]
            fn any_text_is_read_without_panic(text in any::<String>()) {
                let _ = parse(&text);
            }

            #[test]
            fn pabulib_like_lines_are_read_without_panic(text in pabulib_like()) {
                if let Err(e) = parse(&text) {
                    prop_assert!(e.line <= text.lines().count());
                }
            }

            #[test]
            fn a_valid_file_is_read_whole((costs, budget, ballots) in valid_file()) {
                let mut text = format!("META\nkey;value\nbudget;{budget}\nvote_type;approval\n");
                text.push_str("PROJECTS\nproject_id;cost;name\n");
                for (i, cost) in costs.iter().enumerate() {
                    text.push_str(&format!("p{i};{cost};\"Projet {i}; quartier\"\n"));
                }
                text.push_str("VOTES\nvoter_id;vote\n");
                for (v, ballot) in ballots.iter().enumerate() {
                    let ids: Vec<String> = ballot.iter().map(|i| format!("p{i}")).collect();
                    text.push_str(&format!("{v};{}\n", ids.join(",")));
                }
                let e = parse(&text).map_err(|e| TestCaseError::fail(e.to_string()))?;
                prop_assert_eq!(e.projects.len(), costs.len());
                prop_assert_eq!(e.voters(), ballots.len() as u64);
                prop_assert_eq!(&e.budget, &parse_q(&budget.to_string()).unwrap());
                for (p, cost) in e.projects.iter().zip(&costs) {
                    prop_assert_eq!(&p.cost, &parse_q(&cost.to_string()).unwrap());
                }
            }

            #[test]
            fn unquoted_fields_split_at_every_semicolon(parts in prop::collection::vec("[^;\"]{0,8}", 1..6)) {
                let trimmed: Vec<String> = parts.iter().map(|p| p.trim().to_string()).collect();
                prop_assert_eq!(fields(&parts.join(";")), trimmed);
            }
        }
    }
}
