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
}
