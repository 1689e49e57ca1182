//! The published test vectors of the Mieux Voter majority-judgment libraries (see
//! tests/data/SOURCE.md).

use decide::mj::{self, Fill};
use serde_json::Value;

fn load(name: &str) -> Value {
    let path = format!("{}/tests/data/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn ranks_match_the_reference_assertions() {
    let cases = load("mj-assertions.json");
    for case in cases.as_array().unwrap() {
        let title = case["title"].as_str().unwrap();
        let tallies: Vec<Vec<u64>> = serde_json::from_value(case["tallies"].clone()).unwrap();
        let participants = case["participants"].as_u64().unwrap();
        let fill = match case["mode"].as_str() {
            None | Some("None") => Fill::None,
            Some("StaticDefault") => Fill::Static {
                participants,
                grade: case["default"].as_u64().unwrap_or(0) as usize,
            },
            Some("MedianDefault") => Fill::Median { participants },
            Some("Normalized") => Fill::Normalized,
            Some(other) => panic!("unknown mode {other}"),
        };
        let expected: Vec<usize> = serde_json::from_value(case["ranks"].clone()).unwrap();
        assert_eq!(mj::rank(&tallies, fill).unwrap(), expected, "{title}");
    }
}

#[test]
fn the_python_doctests_hold() {
    let v = load("mj-python-doctest-vectors.json");
    for case in v["majority_judgment"].as_array().unwrap() {
        let votes = case["votes"].as_object().unwrap();
        let reverse = case["reverse"].as_bool().unwrap();
        let names: Vec<&String> = votes.keys().collect();
        let raw: Vec<Vec<usize>> = names
            .iter()
            .map(|n| {
                votes[*n]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|g| g.as_u64().unwrap() as usize)
                    .collect()
            })
            .collect();
        let top = raw.iter().flatten().max().copied().unwrap_or(0);
        let tallies: Vec<Vec<u64>> = raw
            .iter()
            .map(|g| {
                let oriented: Vec<usize> = g
                    .iter()
                    .map(|x| if reverse { top - x } else { *x })
                    .collect();
                mj::tally(&oriented, top + 1)
            })
            .collect();
        let ranks = mj::rank(&tallies, Fill::None).unwrap();
        for (name, rank) in names.iter().zip(ranks) {
            assert_eq!(
                rank - 1,
                case["expected_rank"][name.as_str()].as_u64().unwrap() as usize,
                "{name} in {case}"
            );
        }
    }
    for case in v["majority_values"].as_array().unwrap() {
        let votes: Vec<usize> = serde_json::from_value(case["votes"].clone()).unwrap();
        let expected: Vec<usize> = serde_json::from_value(case["expected"].clone()).unwrap();
        let top = *votes.iter().max().unwrap();
        let profile = mj::profiles(&[mj::tally(&votes, top + 1)], Fill::None)
            .unwrap()
            .remove(0);
        assert_eq!(mj::majority_values(&profile), expected);
    }
}
