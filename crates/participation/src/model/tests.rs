use super::*;

#[test]
fn a_process_needs_an_address_and_a_title() {
    let f = ProcessFields {
        slug: "Budget 2027".into(),
        title: "B".into(),
        ..Default::default()
    };
    let e = f.parse().unwrap_err();
    assert_eq!(e.on("slug"), Some("slug.format"));
    assert_eq!(e.on("title"), Some("text.too_short"));
    let ok = ProcessFields {
        slug: "budget-2027".into(),
        title: "Budget participatif 2027".into(),
        ..Default::default()
    }
    .parse()
    .unwrap();
    assert_eq!(ok.slug.as_str(), "budget-2027");
}

fn map_component(settings: Settings) -> ProcessComponent {
    ProcessComponent {
        id: "m".into(),
        process_id: "p".into(),
        kind: ComponentKind::Map,
        title: "Carte".into(),
        phases: vec!["depot".into()],
        settings,
    }
}

#[test]
fn a_perimeter_is_typed_point_by_point_and_contains_what_is_inside() {
    let p = Perimeter::parse("48.760, -3.500\n48.760; -3.420\n48.715 -3.420\n48.715,-3.500")
        .unwrap()
        .unwrap();
    assert!(p.contains(Position {
        lat: 48.73,
        lon: -3.46
    }));
    assert!(!p.contains(Position {
        lat: 48.80,
        lon: -3.46
    }));
    assert!(!p.contains(Position {
        lat: 48.73,
        lon: -3.40
    }));
    assert_eq!(Perimeter::from_json(&p.to_json()), Some(p.clone()));
    assert_eq!(Perimeter::parse("").unwrap(), None);
    assert_eq!(
        Perimeter::parse("48.7, -3.5\n48.8, -3.4").unwrap_err().code,
        "process.perimeter_points"
    );
    assert_eq!(
        Perimeter::parse("48.7, -3.5\nnord\n1, 2").unwrap_err().code,
        "process.perimeter_format"
    );
    // A concave outline: the notch is outside.
    let l = Perimeter::parse("0, 0\n0, 10\n10, 10\n10, 5\n5, 5\n5, 0")
        .unwrap()
        .unwrap();
    assert!(l.contains(Position { lat: 2.0, lon: 2.0 }));
    assert!(!l.contains(Position { lat: 7.0, lon: 2.0 }));
}

#[test]
fn a_component_is_active_in_its_phases_only() {
    let day = |s: &str| clock::parse_date(s, "d").unwrap();
    let phases = vec![
        Phase {
            id: "depot".into(),
            process_id: "p".into(),
            name: "Dépôt".into(),
            starts_on: day("2027-03-01"),
            ends_on: day("2027-03-31"),
            description: String::new(),
        },
        Phase {
            id: "etude".into(),
            process_id: "p".into(),
            name: "Étude".into(),
            starts_on: day("2027-04-01"),
            ends_on: day("2027-05-31"),
            description: String::new(),
        },
    ];
    let c = map_component(Settings::default());
    assert!(c.takes_contributions(&phases, day("2027-03-31")));
    assert!(!c.takes_contributions(&phases, day("2027-04-01")));
    assert!(!c.takes_contributions(&phases, day("2026-12-01")));
    let closed = map_component(Settings {
        contributions_open: false,
        ..Settings::default()
    });
    assert!(!closed.takes_contributions(&phases, day("2027-03-10")));
    let always = ProcessComponent {
        phases: Vec::new(),
        ..map_component(Settings::default())
    };
    assert!(always.takes_contributions(&phases, day("2030-01-01")));
    let e = PhaseFields {
        name: "Dépôt".into(),
        starts_on: "2027-03-10".into(),
        ends_on: "2027-03-01".into(),
        ..Default::default()
    }
    .parse()
    .unwrap_err();
    assert_eq!(e.on("ends_on"), Some("phase.ends_before"));
    let e = ComponentFields {
        kind: "forum".into(),
        title: "Débat".into(),
        phases: vec!["inconnue".into()],
        supports_limit: "0".into(),
        ..ComponentFields::fresh()
    }
    .parse(&phases)
    .unwrap_err();
    assert_eq!(e.on("kind"), Some("component.kind"));
    assert_eq!(e.on("phases"), Some("component.phase"));
    assert_eq!(e.on("supports_limit"), Some("component.number"));
}

#[test]
fn a_contribution_on_a_map_is_located_inside_the_perimeter() {
    let c = map_component(Settings {
        anonymous_allowed: false,
        ..Settings::default()
    });
    let perimeter =
        Perimeter::parse("48.76, -3.50\n48.76, -3.42\n48.71, -3.42\n48.71, -3.50").unwrap();
    let categories = vec![Category {
        id: "idee".into(),
        component_id: "m".into(),
        name: "Idée".into(),
        colour: "#1f6feb".into(),
        icon: String::new(),
    }];
    let good = ContributionFields {
        title: "Des bancs le long du Léguer".into(),
        body: "Il n'y a aucun banc.".into(),
        category: "idee".into(),
        lat: "48,7325".into(),
        lon: "-3.4622".into(),
        form_key: "0123456789abcdef0123456789abcdef".into(),
        ..Default::default()
    };
    let ok = good.parse(&c, &categories, perimeter.as_ref()).unwrap();
    assert_eq!(
        ok.position,
        Some(Position {
            lat: 48.7325,
            lon: -3.4622
        })
    );
    let bad = ContributionFields {
        lat: "48.80".into(),
        category: "autre".into(),
        anonymous: true,
        form_key: "x".into(),
        ..good.clone()
    };
    let e = bad.parse(&c, &categories, perimeter.as_ref()).unwrap_err();
    assert_eq!(e.on("position"), Some("contribution.outside"));
    assert_eq!(e.on("category"), Some("contribution.category"));
    assert_eq!(e.on("anonymous"), Some("contribution.anonymous"));
    assert_eq!(e.on("form"), Some("contribution.form_key"));
    let unplaced = ContributionFields {
        lat: String::new(),
        lon: String::new(),
        ..good
    };
    let e = unplaced.parse(&c, &categories, None).unwrap_err();
    assert_eq!(e.on("position"), Some("contribution.position_required"));
    // An idea box takes unlocated contributions.
    let ideas = ProcessComponent {
        kind: ComponentKind::Ideas,
        ..map_component(Settings::default())
    };
    assert!(
        unplaced
            .parse(&ideas, &categories, None)
            .unwrap()
            .position
            .is_none()
    );
}

#[test]
fn answers_have_a_state_and_a_progress_from_0_to_100() {
    let a = AnswerFields {
        state: "implemented".into(),
        text: "Fait.".into(),
        progress: "100".into(),
    }
    .parse()
    .unwrap();
    assert_eq!(a.state, AnswerState::Implemented);
    let e = AnswerFields {
        state: "peut-être".into(),
        progress: "140".into(),
        ..Default::default()
    }
    .parse()
    .unwrap_err();
    assert_eq!(e.on("state"), Some("answer.state"));
    assert_eq!(e.on("progress"), Some("answer.progress"));
    assert_eq!(
        parse_themes("mobilité, Mobilité, patrimoine")
            .unwrap()
            .len(),
        2
    );
    assert_eq!(parse_comment("  ").unwrap_err().code, "text.required");
}
