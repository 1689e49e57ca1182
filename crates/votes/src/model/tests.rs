use super::*;

fn fields() -> VotationFields {
    VotationFields {
        kind: "votation".into(),
        title: "Avenir de la ligne Montréjeau–Luchon".into(),
        opens_at: "2026-12-01T08:00".into(),
        closes_at: "2026-12-15T20:00".into(),
        eligibility: "census".into(),
        ..Default::default()
    }
}

#[test]
fn a_vote_closes_after_it_opens_and_in_the_future() {
    let now = kernel::clock::parse_local("2026-11-26T12:00", "n").unwrap();
    assert!(fields().parse(now).is_ok());
    let mut f = fields();
    f.closes_at = "2026-11-30T08:00".into();
    assert_eq!(
        f.parse(now).unwrap_err().on("closes_at"),
        Some("vote.closes_before_opening")
    );
    let later = kernel::clock::parse_local("2026-12-20T12:00", "n").unwrap();
    assert_eq!(
        fields().parse(later).unwrap_err().on("closes_at"),
        Some("vote.closes_in_past")
    );
}

#[test]
fn a_minimum_age_needs_the_census() {
    let now = 0;
    let mut f = fields();
    f.min_age = "16".into();
    assert_eq!(f.parse(now).unwrap().min_age, Some(16));
    f.eligibility = "codes".into();
    assert_eq!(
        f.parse(now).unwrap_err().on("min_age"),
        Some("vote.age_needs_census")
    );
}

#[test]
fn a_budget_needs_a_total_and_a_valid_rule() {
    let mut f = fields();
    f.kind = "budget".into();
    assert_eq!(f.parse(0).unwrap_err().on("budget"), Some("text.required"));
    f.budget = "500 000".into();
    f.basket = "at_most".into();
    f.max_projects = "5".into();
    let b = f.parse(0).unwrap().budget.unwrap();
    assert_eq!(b.total, 500_000);
    assert_eq!(b.limit, BasketLimit::AtMost(5));
    assert_eq!(b.rule, Rule::EqualShares);
    f.rule = "lottery".into();
    assert_eq!(f.parse(0).unwrap_err().on("rule"), Some("vote.rule"));
}

#[test]
fn questions_need_two_distinct_options_and_a_sound_scale() {
    let q = QuestionFields {
        title: "Quel avenir pour la ligne ?".into(),
        method: "judgment".into(),
        options: "Réouverture\nAutocar\n".into(),
        ..Default::default()
    }
    .parse()
    .unwrap();
    assert_eq!(
        q.method,
        Method::Judgment {
            grades: FRENCH_MENTIONS.iter().map(|g| g.to_string()).collect()
        }
    );
    let bad = QuestionFields {
        title: "Quel avenir ?".into(),
        method: "approval".into(),
        options: "A\nA\n".into(),
        min_choices: "2".into(),
        max_choices: "1".into(),
        ..Default::default()
    }
    .parse()
    .unwrap_err();
    assert_eq!(bad.on("options"), Some("vote.option_twice"));
    let scale = QuestionFields {
        title: "Quel avenir ?".into(),
        method: "judgment".into(),
        options: "A\nB".into(),
        grades: "Bien".into(),
        ..Default::default()
    }
    .parse()
    .unwrap_err();
    assert_eq!(scale.on("grades"), Some("vote.grades"));
}

#[test]
fn a_project_costs_at_most_the_budget() {
    let p = ProjectFields {
        title: "Pumptrack".into(),
        cost: "120000".into(),
        ..Default::default()
    };
    assert_eq!(p.parse(500_000).unwrap().cost, 120_000);
    assert_eq!(
        p.parse(100_000).unwrap_err().on("cost"),
        Some("vote.cost_over_budget")
    );
}
