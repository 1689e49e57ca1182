//! Property tests of the census list a vote's manager uploads: `parse_census` lives in the web
//! layer, so it is tested here through the crate's public API.

use proptest::prelude::*;
use votes::ballot::census_hash;
use votes::parse_census;

/// A resident: identifier, and birth date as (year, month, day).
fn resident() -> impl Strategy<Value = (String, (i32, u8, u8))> {
    (
        "[A-Za-z0-9]{1,10}( [A-Za-z0-9]{1,4})?",
        (1900i32..2024, 1u8..=12, 1u8..=28),
    )
}

/// The characters of census lists, valid or not.
fn census_like() -> impl Strategy<Value = String> {
    let token = prop::sample::select(vec![
        ";",
        ",",
        "\t",
        "/",
        "-",
        "\"",
        "\n",
        "\r\n",
        "\u{feff}",
        " ",
        "AB12",
        "é",
        "1990",
        "05",
        "4",
        "31",
        "2024-02-30",
        "00/00/0000",
        "+1990",
    ]);
    prop::collection::vec(token, 0..40).prop_map(|t| t.concat())
}

fn bounded(text: &str, result: &Result<Vec<String>, (usize, &str)>) -> Result<(), TestCaseError> {
    match result {
        Ok(hashes) => {
            prop_assert!(!hashes.is_empty());
            prop_assert!(
                hashes
                    .iter()
                    .all(|h| h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit()))
            );
        }
        Err((line, _)) => prop_assert!(*line <= text.lines().count()),
    }
    Ok(())
}

proptest! {

    #[test]
    fn any_text_is_read_without_panic(text in any::<String>()) {
        bounded(&text, &parse_census("sel", &text))?;
    }

    #[test]
    fn census_like_text_is_read_without_panic(text in census_like()) {
        bounded(&text, &parse_census("sel", &text))?;
    }

    #[test]
    fn every_resident_of_a_list_is_hashed(
        residents in prop::collection::vec(resident(), 1..12),
        separator in prop::sample::select(vec![";", ",", "\t"]),
        french_dates in any::<bool>(),
        quotes in any::<bool>(),
        header in any::<bool>(),
    ) {
        let mut text = String::from("\u{feff}");
        if header {
            text.push_str(&format!("identifiant{separator}date de naissance\r\n"));
        }
        for (id, (y, m, d)) in &residents {
            let date = if french_dates { format!("{d}/{m}/{y}") } else { format!("{y}-{m:02}-{d:02}") };
            let id = if quotes { format!("\"{id}\"") } else { id.clone() };
            text.push_str(&format!("{id}{separator}{date}\n"));
        }
        let expected: Vec<String> = residents
            .iter()
            .map(|(id, (y, m, d))| {
                let month = time::Month::try_from(*m).unwrap();
                census_hash("sel", id, &time::Date::from_calendar_date(*y, month, *d).unwrap())
            })
            .collect();
        prop_assert_eq!(parse_census("sel", &text), Ok(expected));
    }
}
