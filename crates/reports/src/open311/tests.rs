use super::*;

fn pairs(p: &[(&str, &str)]) -> Vec<(String, String)> {
    p.iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

fn size() -> Attribute {
    Attribute {
        code: "SIZE".into(),
        datatype: "singlevaluelist".into(),
        required: true,
        description: "Taille du nid-de-poule".into(),
        order: 1,
        values: vec![("s".into(), "Petit".into()), ("l".into(), "Grand".into())],
        urgent: vec![],
    }
}

#[test]
fn documents_render_in_both_formats() {
    let v = Value::List(
        "service",
        vec![Value::Record(vec![
            ("service_code", "VOIRIE-01".into()),
            ("service_name", "Nid-de-poule & chaussée".into()),
            ("metadata", Value::Bool(true)),
            ("group", Value::Null),
        ])],
    );
    assert_eq!(
        render(Format::Json, "services", &v),
        r#"[{"group":null,"metadata":true,"service_code":"VOIRIE-01","service_name":"Nid-de-poule & chaussée"}]"#
    );
    assert_eq!(
        render(Format::Xml, "services", &v),
        r#"<?xml version="1.0" encoding="utf-8"?><services><service><service_code>VOIRIE-01</service_code><service_name>Nid-de-poule &amp; chaussée</service_name><metadata>true</metadata><group/></service></services>"#
    );
    assert_eq!(
        errors(Format::Json, &[Problem::bad("service_code: required")]),
        r#"[{"code":400,"description":"service_code: required"}]"#
    );
    assert_eq!(
        errors(
            Format::Xml,
            &[Problem {
                code: 403,
                description: "api_key: invalid".into()
            }]
        ),
        r#"<?xml version="1.0" encoding="utf-8"?><errors><error><code>403</code><description>api_key: invalid</description></error></errors>"#
    );
    assert_eq!(
        Format::split("services.xml"),
        Some(("services", Format::Xml))
    );
    assert_eq!(Format::split("services.html"), None);
}

#[test]
fn a_submission_is_read_and_checked_against_its_attributes() {
    let s = Submission::read(&pairs(&[
        ("jurisdiction_id", "montauban"),
        ("api_key", "k"),
        ("service_code", "VOIRIE-01"),
        ("lat", "44.0176"),
        ("long", "1.3550"),
        ("description", "Trou profond devant l'école"),
        ("first_name", "Anne"),
        ("last_name", "Martin"),
        ("attribute[SIZE]", "l"),
    ]))
    .unwrap();
    assert_eq!(s.position, Some((44.0176, 1.355)));
    assert_eq!(s.name, "Anne Martin");
    assert!(s.check_attributes(&[size()]).is_empty());
    let missing = Submission {
        attributes: BTreeMap::new(),
        ..s.clone()
    };
    assert_eq!(
        missing.check_attributes(&[size()]),
        vec![Problem::bad("attribute[SIZE]: required")]
    );
    let mut wrong = s.clone();
    wrong.attributes.insert("SIZE".into(), vec!["xl".into()]);
    wrong
        .attributes
        .insert("COLOR".into(), vec!["rouge".into()]);
    let p = wrong.check_attributes(&[size()]);
    assert!(p.contains(&Problem::bad("attribute[COLOR]: unknown attribute")));
    assert!(p.contains(&Problem::bad(
        "attribute[SIZE]: not a valid singlevaluelist"
    )));
}

#[test]
fn bad_submissions_name_every_field() {
    let p = Submission::read(&pairs(&[
        ("lat", "95"),
        ("long", "1"),
        ("description", "<b>trou</b>"),
    ]))
    .unwrap_err();
    assert!(p.contains(&Problem::bad("service_code: required")));
    assert!(p.contains(&Problem::bad("lat, long: out of range")));
    assert!(p.contains(&Problem::bad("description: plain text only, no HTML")));
    let long = "a".repeat(4001);
    let p = Submission::read(&pairs(&[("service_code", "X"), ("description", &long)])).unwrap_err();
    assert!(p.contains(&Problem::bad("lat, long: a position is required")));
    assert!(p.contains(&Problem::bad("description: longer than 4000 characters")));
    assert!(!looks_like_html("3 < 4 et 5 > 2"));
    assert!(looks_like_html("<script>alert(1)</script>"));
}

#[test]
fn datetimes_are_w3c_with_a_zone() {
    assert_eq!(
        parse_datetime("2026-11-26T10:00:00+01:00"),
        Some(1_795_683_600_000)
    );
    assert_eq!(datetime(1_795_683_600_000), "2026-11-26T09:00:00Z");
    assert_eq!(parse_datetime("2026-11-26 10:00"), None);
}

mod properties {
    use super::*;
    use proptest::prelude::*;

    fn key() -> impl Strategy<Value = String> {
        prop_oneof![
            prop::sample::select(vec![
                "jurisdiction_id",
                "api_key",
                "service_code",
                "lat",
                "long",
                "address_string",
                "email",
                "first_name",
                "last_name",
                "phone",
                "description",
                "device_id",
                "attribute[",
                "attribute[]",
                "attribute[][]",
            ])
            .prop_map(str::to_string),
            "attribute\\[[A-Z\\[\\]]{0,4}\\](\\[\\])?",
            ".{0,12}",
        ]
    }

    fn value() -> impl Strategy<Value = String> {
        prop_oneof![
            prop::sample::select(vec![
                "",
                " ",
                "NaN",
                "inf",
                "-inf",
                "1e400",
                "-90",
                "180.0000001",
                "s",
                "l",
                "<b>",
                "&#60;",
                "a@b.fr",
                "2026-11-26T10:00:00+01:00",
                "\r\n",
            ])
            .prop_map(str::to_string),
            "-?[0-9]{1,3}(\\.[0-9]{1,8})?",
            ".{0,16}",
        ]
    }

    /// A service's questions, of every datatype and some unknown ones.
    fn attributes() -> impl Strategy<Value = Vec<Attribute>> {
        let datatype = prop::sample::select(vec![
            "string",
            "number",
            "datetime",
            "text",
            "singlevaluelist",
            "multivaluelist",
            "other",
        ]);
        let attribute =
            ("[A-Z]{0,3}", datatype, any::<bool>()).prop_map(|(code, d, required)| Attribute {
                code,
                datatype: d.to_string(),
                required,
                description: String::new(),
                order: 1,
                values: vec![("s".into(), "Petit".into()), ("l".into(), "Grand".into())],
                urgent: vec![],
            });
        prop::collection::vec(attribute, 0..4)
    }

    proptest! {

        #[test]
        fn any_form_is_read_without_panic(
            pairs in prop::collection::vec((key(), value()), 0..16),
            attributes in attributes(),
        ) {
            match Submission::read(&pairs) {
                Ok(s) => {
                    prop_assert!(!s.service_code.is_empty());
                    let (lat, long) = s.position.unwrap();
                    prop_assert!(lat.abs() <= 90.0 && long.abs() <= 180.0);
                    prop_assert!(s.description.chars().count() <= MAX_DESCRIPTION);
                    prop_assert!(!looks_like_html(&s.description));
                    let _ = s.check_attributes(&attributes);
                }
                Err(problems) => prop_assert!(!problems.is_empty()),
            }
        }

        #[test]
        fn an_attribute_field_names_its_code(code in "[A-Za-z0-9_-]{0,12}", many in any::<bool>()) {
            let field = format!("attribute[{code}]{}", if many { "[]" } else { "" });
            prop_assert_eq!(attribute_code(&field), Some(code.as_str()));
        }

        #[test]
        fn any_datetime_text_is_read_without_panic(text in ".{0,40}") {
            let _ = parse_datetime(&text);
        }

        #[test]
        fn a_written_datetime_is_read_back(ms in 0i64..253_402_300_799_000) {
            prop_assert_eq!(parse_datetime(&datetime(ms)), Some(ms - ms % 1000));
        }
    }
}
