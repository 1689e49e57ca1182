//! The participatory-budget rules against the pabutools test vectors (tests/data/SOURCE.md).

use decide::pb::{self, Election, Project, Q, Satisfaction, parse_q};
use serde_json::Value;

fn load() -> Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/pb-pabutools-rule-vectors.json"
    );
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn number(v: &Value) -> Q {
    match v {
        Value::String(s) => parse_q(s).unwrap(),
        other => parse_q(&other.to_string()).unwrap(),
    }
}

fn election(case: &Value) -> Election {
    let projects = case["projects"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(id, cost)| Project {
            id: id.clone(),
            cost: number(cost),
        })
        .collect();
    let ballots: Vec<Vec<String>> = serde_json::from_value(case["ballots"].clone()).unwrap();
    Election::new(projects, number(&case["budget"]), &ballots).unwrap()
}

fn index_of(e: &Election, ids: &[String]) -> Vec<usize> {
    ids.iter()
        .map(|id| e.projects.iter().position(|p| &p.id == id).unwrap())
        .collect()
}

fn sat(name: &str) -> Option<Satisfaction> {
    match name {
        "Cost_Sat" => Some(Satisfaction::Cost),
        "Cardinality_Sat" => Some(Satisfaction::Cardinality),
        _ => None,
    }
}

fn mes_ids(e: &Election, s: Satisfaction) -> Vec<String> {
    let steps = pb::mes(e, s, &e.budget);
    e.ids(&steps.iter().map(|st| st.project).collect::<Vec<_>>())
}

#[test]
fn greedy_and_mes_give_one_of_the_expected_outcomes() {
    let v = load();
    let mut checked = 0;
    for case in v["elections"].as_array().unwrap() {
        let e = election(case);
        let initial: Vec<String> =
            serde_json::from_value(case["initial_allocation"].clone()).unwrap_or_default();
        let initial = index_of(&e, &initial);
        for exp in case["expected"].as_array().unwrap() {
            let Some(s) = exp["sat"].as_str().and_then(sat) else {
                continue;
            };
            let got = match exp["rule"].as_str().unwrap() {
                "greedy_utilitarian_welfare" => e.ids(&pb::greedy(&e, s, &initial)),
                "method_of_equal_shares" if initial.is_empty() => mes_ids(&e, s),
                _ => continue,
            };
            let expected: Vec<Vec<String>> =
                serde_json::from_value(exp["expected_irresolute"].clone()).unwrap();
            assert!(
                expected.contains(&got),
                "{} {} {}: got {got:?}, expected one of {expected:?}",
                case["name"],
                exp["rule"],
                exp["sat"]
            );
            checked += 1;
        }
    }
    assert_eq!(
        checked, 22,
        "every greedy and MES expectation of the file was checked"
    );
}

#[test]
fn mes_winners_of_the_analytics_cases() {
    let v = load();
    for case in v["mes_analytics"]["cases"].as_array().unwrap() {
        let e = election(case);
        let expected: Vec<String> =
            serde_json::from_value(case["expected_winners"].clone()).unwrap();
        let mut expected = expected;
        expected.sort();
        assert_eq!(mes_ids(&e, Satisfaction::Cost), expected, "{case}");
    }
}

#[test]
fn completion_and_exhaustion_match() {
    let v = load();
    let tests = v["other_tests"].as_array().unwrap();
    let find = |name: &str| tests.iter().find(|t| t["test"] == name).unwrap();
    let expected = |t: &Value, call: &str| -> Vec<String> {
        let mut e: Vec<String> = serde_json::from_value(
            t["checks"]
                .as_array()
                .unwrap()
                .iter()
                .find(|c| c["call"] == call)
                .unwrap()["expected"]
                .clone(),
        )
        .unwrap();
        e.sort();
        e
    };
    let t = find("test_iterated_exhaustion");
    let e = election(t);
    assert_eq!(
        mes_ids(&e, Satisfaction::Cost),
        expected(t, "method_of_equal_shares(sat=Cost_Sat)")
    );
    let ex = |step: &str| {
        e.ids(&pb::mes_exhausted(
            &e,
            Satisfaction::Cost,
            &parse_q(step).unwrap(),
        ))
    };
    assert_eq!(
        ex("1/24"),
        expected(
            t,
            "exhaustion_by_budget_increase(MES Cost_Sat, budget_step=1/24), exhaustive_stop true and false"
        )
    );
    assert_eq!(
        ex("5"),
        expected(
            t,
            "exhaustion_by_budget_increase(MES Cost_Sat, budget_step=5), exhaustive_stop true and false"
        )
    );

    let t = find("test_completion");
    let e = election(t);
    let mes = pb::mes(&e, Satisfaction::Cost, &e.budget)
        .into_iter()
        .map(|s| s.project)
        .collect::<Vec<_>>();
    assert_eq!(
        e.ids(&pb::greedy(&e, Satisfaction::Cost, &mes)),
        expected(
            t,
            "completion_by_rule_combination([MES Cost_Sat, greedy_utilitarian_welfare Cost_Sat])"
        )
    );
}
