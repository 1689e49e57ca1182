//! Opening hours in the OpenStreetMap `opening_hours` syntax: the subset that describes the
//! weekly hours of a place, which is what nearly every real entry uses.
//!
//! Accepted: `24/7`; rules separated by `;`, each an optional month selector (`Jan-Mar,Sep`),
//! an optional weekday selector (`Mo-Fr`, `Mo,We,Fr`, `PH`, `SH`), and time spans
//! (`09:00-12:00,14:00-18:00`, an end past midnight as `22:00-02:00` or `22:00-26:00`) or `off` /
//! `closed`. A selector alone means open all day.

use kernel::FieldError;

/// Valid opening hours, with their spacing normalised.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpeningHours(String);

const DAYS: [&str; 7] = ["Mo", "Tu", "We", "Th", "Fr", "Sa", "Su"];
const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

fn err() -> FieldError {
    FieldError::new("opening_hours", "opening_hours.format")
}

fn list_of(token: &str, names: &[&str], extra: &[&str]) -> bool {
    !token.is_empty()
        && token.split(',').all(|part| {
            if extra.contains(&part) {
                return true;
            }
            match part.split_once('-') {
                Some((a, b)) => names.contains(&a) && names.contains(&b),
                None => names.contains(&part),
            }
        })
}

fn minutes(hhmm: &str, max_hour: u32) -> Option<u32> {
    let (h, m) = hhmm.split_once(':')?;
    if h.len() != 2 || m.len() != 2 {
        return None;
    }
    let (h, m): (u32, u32) = (h.parse().ok()?, m.parse().ok()?);
    (h <= max_hour && m < 60 && h * 60 + m <= max_hour * 60).then_some(h * 60 + m)
}

fn times(token: &str) -> bool {
    !token.is_empty()
        && token.split(',').all(|span| {
            let Some((a, b)) = span.split_once('-') else {
                return false;
            };
            match (minutes(a, 24), minutes(b, 48)) {
                (Some(start), Some(end)) => start != end,
                _ => false,
            }
        })
}

impl OpeningHours {
    /// Parses opening hours.
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let raw = raw.trim();
        if raw.is_empty() || raw.len() > 500 {
            return Err(err());
        }
        let mut rules = Vec::new();
        for rule in raw.split(';') {
            let words: Vec<&str> = rule.split_whitespace().collect();
            if words.is_empty() {
                return Err(err());
            }
            if words == ["24/7"] {
                rules.push("24/7".to_string());
                continue;
            }
            let mut i = 0;
            if list_of(words[i], &MONTHS, &[]) {
                i += 1;
            }
            if i < words.len() && list_of(words[i], &DAYS, &["PH", "SH"]) {
                i += 1;
            }
            if i == 0 && words.len() > 1 {
                return Err(err());
            }
            match &words[i..] {
                [] if i > 0 => {}
                [state] if *state == "off" || *state == "closed" => {}
                [t] if times(t) => {}
                _ => return Err(err()),
            }
            rules.push(words.join(" "));
        }
        // The limit holds for the text as stored, so that it is accepted again when sent back.
        let text = rules.join("; ");
        if text.len() > 500 {
            return Err(err());
        }
        Ok(OpeningHours(text))
    }

    /// The normalised text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usual_weekly_hours_are_accepted_and_normalised() {
        for (raw, norm) in [
            ("24/7", "24/7"),
            ("Mo-Fr 09:00-18:00", "Mo-Fr 09:00-18:00"),
            (
                "Mo-Fr 09:00-12:00,14:00-18:00;  Sa 10:00-12:00",
                "Mo-Fr 09:00-12:00,14:00-18:00; Sa 10:00-12:00",
            ),
            (
                "Mo,We,Fr 08:30-12:30; PH off",
                "Mo,We,Fr 08:30-12:30; PH off",
            ),
            (
                "Jun-Aug Mo-Su 10:00-19:00; Sep-May Tu-Sa 14:00-18:00",
                "Jun-Aug Mo-Su 10:00-19:00; Sep-May Tu-Sa 14:00-18:00",
            ),
            ("Fr-Sa 22:00-02:00", "Fr-Sa 22:00-02:00"),
            ("Tu-Sa", "Tu-Sa"),
            ("Su closed", "Su closed"),
        ] {
            assert_eq!(OpeningHours::parse(raw).unwrap().as_str(), norm, "{raw}");
        }
    }

    #[test]
    fn malformed_hours_are_refused() {
        for bad in [
            "",
            "lundi 9h-18h",
            "Mo-Fr 9:00-18:00",
            "Mo-Fr 09:00-25:61",
            "Mo-Fr 09:00",
            "Mo-Xy 09:00-18:00",
            "Mo-Fr 09:00-18:00;",
            "09:00-09:00",
            "Mo-Fr 09:00-18:00 extra",
        ] {
            assert!(OpeningHours::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn hours_too_long_once_normalised_are_refused() {
        // 500 bytes as typed, 666 once a space follows each semicolon.
        let typed = vec!["Mo"; 167].join(";");
        assert_eq!(typed.len(), 500);
        assert!(OpeningHours::parse(&typed).is_err());
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        /// Texts made of the words and marks of the syntax, valid or not.
        fn opening_hours_like() -> impl Strategy<Value = String> {
            let token = prop_oneof![
                prop::sample::select(DAYS.to_vec()).prop_map(str::to_string),
                prop::sample::select(MONTHS.to_vec()).prop_map(str::to_string),
                prop::sample::select(vec![
                    "PH", "SH", "off", "closed", "24/7", ";", ",", "-", " ", ":", "; ", "é",
                ])
                .prop_map(str::to_string),
                "[0-9]{1,3}:[0-9]{1,3}",
                "[0-4][0-9]:[0-6][0-9]-[0-4][0-9]:[0-6][0-9]",
            ];
            prop::collection::vec(token, 0..24).prop_map(|t| t.concat())
        }

        fn normalised_text_is_read_the_same(raw: &str) -> Result<(), TestCaseError> {
            if let Ok(hours) = OpeningHours::parse(raw) {
                prop_assert_eq!(OpeningHours::parse(hours.as_str()), Ok(hours.clone()));
            }
            Ok(())
        }

        proptest! {

            #[test]
            fn any_text_is_read_without_panic(raw in any::<String>()) {
                normalised_text_is_read_the_same(&raw)?;
            }

            #[test]
            fn opening_hours_like_text_is_read_without_panic(raw in opening_hours_like()) {
                normalised_text_is_read_the_same(&raw)?;
            }
        }
    }
}
