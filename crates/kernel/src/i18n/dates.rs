//! Dates and times in words, as people read them: `6 décembre 2026`, `1er mars 2027 à 9 h 05`,
//! `du 6 novembre 2026 au 4 février 2027` in French; `6 December 2026`, `1 March 2027 at 09:05`,
//! `6 November 2026 – 4 February 2027` in English. Instants are shown in the legal time of
//! mainland France (see [`crate::clock`]); month names and linking words come from the locale
//! files (`date.*`). Machine formats (open data, the API, `datetime` attributes, form values)
//! stay ISO 8601 and are not made here.

use super::Tr;
use crate::clock;
use std::borrow::Borrow;
use std::fmt;
use time::Date;

/// How much of a day [`Tr::day`] writes: a range leaves out of its first day what its last day
/// says again.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Parts {
    Day,
    DayMonth,
    DayMonthYear,
}

impl Tr {
    fn day_parts(&self, d: Date, parts: Parts) -> String {
        let day = if d.day() == 1 {
            self.t("date.first").to_string()
        } else {
            d.day().to_string()
        };
        let month = self.t(format!("date.month.{}", u8::from(d.month())));
        let year = d.year().to_string();
        match parts {
            Parts::Day => day,
            Parts::DayMonth => self.f("date.day_month", &[("day", &day), ("month", month)]),
            Parts::DayMonthYear => self.f(
                "date.day",
                &[("day", &day), ("month", month), ("year", &year)],
            ),
        }
    }

    /// A calendar day in words: `6 décembre 2026`, `1er mars 2027` / `6 December 2026`.
    pub fn day(&self, d: impl Borrow<Date>) -> String {
        self.day_parts(*d.borrow(), Parts::DayMonthYear)
    }

    /// The day of an instant (UTC milliseconds), in words, as the calendar of Paris has it.
    pub fn date(&self, ms: impl Borrow<i64>) -> String {
        self.day(clock::local_date(*ms.borrow()))
    }

    /// The time of day of an instant in Paris: `14 h 05`, `9 h` / `14:05`, `09:00` (French
    /// joins its parts with no-break spaces, so a line never ends inside a time).
    pub fn time_of_day(&self, ms: impl Borrow<i64>) -> String {
        let local = clock::local(*ms.borrow());
        let (hour, minute) = (local.hour(), local.minute());
        let key = if minute == 0 {
            "date.time_on_the_hour"
        } else {
            "date.time"
        };
        self.f(
            key,
            &[
                ("hour", &hour.to_string()),
                ("hour2", &format!("{hour:02}")),
                ("minute", &format!("{minute:02}")),
            ],
        )
    }

    /// An instant's day and time in Paris: `6 décembre 2026 à 14 h 05` / `6 December 2026 at
    /// 14:05`.
    pub fn datetime(&self, ms: impl Borrow<i64>) -> String {
        let ms = *ms.borrow();
        self.f(
            "date.datetime",
            &[("date", &self.date(ms)), ("time", &self.time_of_day(ms))],
        )
    }

    /// The first and the last day of a period, the first shortened by what the last says again:
    /// `du 6 novembre 2026 au 4 février 2027`, `du 6 au 20 novembre 2026`, `6 – 20 November
    /// 2026`; one day when both are the same.
    pub fn days(&self, from: impl Borrow<Date>, to: impl Borrow<Date>) -> String {
        let (from, to) = (*from.borrow(), *to.borrow());
        if from == to {
            return self.day(from);
        }
        self.f(
            "date.range",
            &[
                ("from", &self.day_parts(from, range_start(from, to))),
                ("to", &self.day(to)),
            ],
        )
    }

    /// The days of two instants in Paris, as [`Tr::days`].
    pub fn date_range(&self, from: impl Borrow<i64>, to: impl Borrow<i64>) -> String {
        self.days(
            clock::local_date(*from.borrow()),
            clock::local_date(*to.borrow()),
        )
    }

    /// A day kept as `YYYY-MM-DD` text, in words; the text as it is when it is no such day.
    pub fn day_text(&self, iso: &str) -> String {
        match clock::parse_date(iso, "date") {
            Ok(d) => self.day(d),
            Err(_) => iso.to_string(),
        }
    }

    /// Two days kept as `YYYY-MM-DD` text, as [`Tr::days`]; the texts as they are, joined by a
    /// dash, when either is no such day.
    pub fn days_text(&self, from: &str, to: &str) -> String {
        match (clock::parse_date(from, "from"), clock::parse_date(to, "to")) {
            (Ok(a), Ok(b)) => self.days(a, b),
            _ => format!("{from} – {to}"),
        }
    }

    /// [`Tr::day`] in a `<time>` element that gives the day to machines.
    pub fn day_tag(&self, d: impl Borrow<Date>) -> TimeTag {
        let d = *d.borrow();
        TimeTag::new(d.to_string(), self.day(d))
    }

    /// [`Tr::date`] in a `<time>` element that gives the day to machines.
    pub fn date_tag(&self, ms: impl Borrow<i64>) -> TimeTag {
        self.day_tag(clock::local_date(*ms.borrow()))
    }

    /// [`Tr::datetime`] in a `<time>` element that gives the instant (UTC) to machines.
    pub fn datetime_tag(&self, ms: impl Borrow<i64>) -> TimeTag {
        let ms = *ms.borrow();
        TimeTag::new(crate::ids::iso_datetime(ms), self.datetime(ms))
    }

    /// [`Tr::days`] with each day in a `<time>` element.
    pub fn days_tag(&self, from: impl Borrow<Date>, to: impl Borrow<Date>) -> TimeTag {
        let (from, to) = (*from.borrow(), *to.borrow());
        if from == to {
            return self.day_tag(from);
        }
        let first = TimeTag::new(
            from.to_string(),
            self.day_parts(from, range_start(from, to)),
        );
        let last = self.day_tag(to);
        let html = crate::text::escape_html(self.t("date.range"))
            .replace("{from}", &first.to_string())
            .replace("{to}", &last.to_string());
        TimeTag(html)
    }

    /// [`Tr::day_text`] in a `<time>` element; the text alone when it is no day.
    pub fn day_text_tag(&self, iso: &str) -> TimeTag {
        match clock::parse_date(iso, "date") {
            Ok(d) => self.day_tag(d),
            Err(_) => TimeTag(crate::text::escape_html(iso)),
        }
    }

    /// [`Tr::days_text`] with each day in a `<time>` element.
    pub fn days_text_tag(&self, from: &str, to: &str) -> TimeTag {
        match (clock::parse_date(from, "from"), clock::parse_date(to, "to")) {
            (Ok(a), Ok(b)) => self.days_tag(a, b),
            _ => TimeTag(crate::text::escape_html(&self.days_text(from, to))),
        }
    }
}

/// What a range writes of its first day: no year when both days are in one year, no month
/// either when they are in one month.
fn range_start(from: Date, to: Date) -> Parts {
    if from.year() != to.year() {
        Parts::DayMonthYear
    } else if from.month() != to.month() {
        Parts::DayMonth
    } else {
        Parts::Day
    }
}

/// A date or a period as HTML: the words people read in `<time>` elements whose `datetime`
/// gives machines the ISO form. Pages write it as it is (it is escaped when made).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimeTag(String);

impl TimeTag {
    fn new(iso: String, words: String) -> TimeTag {
        TimeTag(format!(
            "<time datetime=\"{}\">{}</time>",
            crate::text::escape_html(&iso),
            crate::text::escape_html(&words)
        ))
    }
}

impl fmt::Display for TimeTag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl askama::filters::HtmlSafe for TimeTag {}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::Lang;

    const FR: Tr = Tr(Lang::Fr);
    const EN: Tr = Tr(Lang::En);

    fn day(s: &str) -> Date {
        clock::parse_date(s, "d").unwrap()
    }

    fn at(local: &str) -> i64 {
        clock::parse_local(local, "t").unwrap()
    }

    #[test]
    fn a_day_is_written_in_words_with_the_first_of_the_month_as_french_writes_it() {
        assert_eq!(FR.day(day("2026-12-06")), "6 décembre 2026");
        assert_eq!(EN.day(day("2026-12-06")), "6 December 2026");
        assert_eq!(FR.day(day("2027-03-01")), "1er mars 2027");
        assert_eq!(EN.day(day("2027-03-01")), "1 March 2027");
        assert_eq!(FR.day(day("2027-08-15")), "15 août 2027");
        assert_eq!(FR.day_text("2026-02-01"), "1er février 2026");
        assert_eq!(FR.day_text("bientôt"), "bientôt");
    }

    #[test]
    fn every_month_has_its_name_in_both_languages() {
        for m in 1..=12 {
            let d = Date::from_calendar_date(2026, time::Month::try_from(m).unwrap(), 10).unwrap();
            for tr in [FR, EN] {
                let words = tr.day(d);
                assert!(!words.contains('?') && words.len() > 8, "{words}");
            }
        }
    }

    #[test]
    fn times_are_in_paris_legal_time_in_winter_and_in_summer() {
        // 14:05 in Paris: 13:05 UTC in winter, 12:05 UTC in summer.
        let winter = at("2026-12-06T14:05");
        assert_eq!(crate::ids::iso_datetime(winter), "2026-12-06T13:05:00Z");
        assert_eq!(FR.datetime(winter), "6 décembre 2026 à 14\u{a0}h\u{a0}05");
        assert_eq!(EN.datetime(winter), "6 December 2026 at 14:05");
        let summer = at("2026-07-01T09:00");
        assert_eq!(crate::ids::iso_datetime(summer), "2026-07-01T07:00:00Z");
        assert_eq!(FR.datetime(summer), "1er juillet 2026 à 9\u{a0}h");
        assert_eq!(EN.datetime(summer), "1 July 2026 at 09:00");
    }

    #[test]
    fn the_clock_changes_on_the_last_sundays_of_march_and_october_at_one_utc() {
        let utc = |s: &str| {
            time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339)
                .unwrap()
                .unix_timestamp()
                * 1000
        };
        // 2026: 29 March and 25 October.
        assert_eq!(
            FR.time_of_day(utc("2026-03-29T00:59:59Z")),
            "1\u{a0}h\u{a0}59"
        );
        assert_eq!(FR.time_of_day(utc("2026-03-29T01:00:00Z")), "3\u{a0}h");
        assert_eq!(EN.time_of_day(utc("2026-10-25T00:59:59Z")), "02:59");
        assert_eq!(EN.time_of_day(utc("2026-10-25T01:00:00Z")), "02:00");
        // Late in the evening of 31 December UTC is already New Year's Day in Paris.
        assert_eq!(FR.date(utc("2026-12-31T23:30:00Z")), "1er janvier 2027");
        assert_eq!(EN.date(utc("2026-06-30T22:30:00Z")), "1 July 2026");
    }

    #[test]
    fn a_period_says_again_only_what_differs() {
        let (a, b) = (day("2026-11-06"), day("2027-02-04"));
        assert_eq!(FR.days(a, b), "du 6 novembre 2026 au 4 février 2027");
        assert_eq!(EN.days(a, b), "6 November 2026 – 4 February 2027");
        let (a, b) = (day("2026-11-06"), day("2026-12-01"));
        assert_eq!(FR.days(a, b), "du 6 novembre au 1er décembre 2026");
        assert_eq!(EN.days(a, b), "6 November – 1 December 2026");
        let (a, b) = (day("2026-11-01"), day("2026-11-20"));
        assert_eq!(FR.days(a, b), "du 1er au 20 novembre 2026");
        assert_eq!(EN.days(a, b), "1 – 20 November 2026");
        assert_eq!(FR.days(a, a), "1er novembre 2026");
        assert_eq!(
            FR.days_text("2026-11-06", "2027-02-04"),
            "du 6 novembre 2026 au 4 février 2027"
        );
        assert_eq!(
            FR.date_range(at("2026-11-06T10:00"), at("2027-02-04T18:00")),
            "du 6 novembre 2026 au 4 février 2027"
        );
    }

    #[test]
    fn time_elements_give_machines_the_iso_form() {
        assert_eq!(
            FR.day_tag(day("2026-12-06")).to_string(),
            "<time datetime=\"2026-12-06\">6 décembre 2026</time>"
        );
        assert_eq!(
            EN.datetime_tag(at("2026-12-06T14:05")).to_string(),
            "<time datetime=\"2026-12-06T13:05:00Z\">6 December 2026 at 14:05</time>"
        );
        assert_eq!(
            FR.days_text_tag("2026-11-06", "2027-02-04").to_string(),
            "du <time datetime=\"2026-11-06\">6 novembre 2026</time> au \
             <time datetime=\"2027-02-04\">4 février 2027</time>"
        );
        assert_eq!(
            FR.day_text_tag("<b>").to_string(),
            "&lt;b&gt;",
            "what is no day is escaped"
        );
    }
}
