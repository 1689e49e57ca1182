//! Dates and times as people in metropolitan France type and read them: the legal time of Paris
//! (UTC+1, UTC+2 from the last Sunday of March to the last Sunday of October, switching at
//! 01:00 UTC, the European rule). The database keeps UTC milliseconds.

use crate::error::FieldError;
use crate::i18n::Lang;
use time::{Date, Month, OffsetDateTime, PrimitiveDateTime, Time, Weekday};

fn last_sunday(year: i32, month: Month) -> Option<Date> {
    let mut d = Date::from_calendar_date(year, month, 31).ok()?;
    while d.weekday() != Weekday::Sunday {
        d = d.previous_day()?;
    }
    Some(d)
}

/// The offset of Paris from UTC, in seconds, at a UTC instant.
fn paris_offset(utc: OffsetDateTime) -> i64 {
    let year = utc.year();
    let switch = |month| {
        last_sunday(year, month)
            .map(|d| PrimitiveDateTime::new(d, Time::MIDNIGHT).assume_utc() + time::Duration::HOUR)
    };
    match (switch(Month::March), switch(Month::October)) {
        (Some(start), Some(end)) if utc >= start && utc < end => 7200,
        _ => 3600,
    }
}

/// The UTC milliseconds of a Paris local time typed as `YYYY-MM-DDTHH:MM` (an HTML
/// `datetime-local` value; seconds are accepted and ignored). In the hour that repeats in
/// October the first one is taken; a time in the hour skipped in March is read as summer time.
pub fn parse_local(raw: &str, field: &'static str) -> Result<i64, FieldError> {
    let s = raw.trim();
    if s.is_empty() {
        return Err(FieldError::new(field, "datetime.required"));
    }
    let fmt = time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]");
    let head: String = s.chars().take(16).collect();
    let local = PrimitiveDateTime::parse(&head, &fmt)
        .map_err(|_| FieldError::new(field, "datetime.format"))?;
    // Try winter time first: it is right unless the result falls in summer time.
    let winter = local.assume_utc() - time::Duration::HOUR;
    let utc = if paris_offset(winter) == 3600 {
        winter
    } else {
        local.assume_utc() - time::Duration::HOUR * 2
    };
    Ok(utc.unix_timestamp() * 1000)
}

/// The wall-clock time in Paris of a UTC instant (milliseconds).
pub fn local(ms: i64) -> PrimitiveDateTime {
    let utc = OffsetDateTime::from_unix_timestamp(ms.div_euclid(1000))
        .unwrap_or(OffsetDateTime::UNIX_EPOCH);
    let l = utc + time::Duration::seconds(paris_offset(utc));
    PrimitiveDateTime::new(l.date(), l.time())
}

/// A UTC instant as a `datetime-local` form value in Paris time.
pub fn form_value(ms: i64) -> String {
    let l = local(ms);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}",
        l.year(),
        u8::from(l.month()),
        l.day(),
        l.hour(),
        l.minute()
    )
}

/// A UTC instant for reading, in Paris time, as [`crate::i18n::Tr::datetime`] writes it:
/// `26 novembre 2026 à 14 h 30` or `26 November 2026 at 14:30`.
pub fn display(ms: i64, lang: Lang) -> String {
    crate::i18n::Tr(lang).datetime(ms)
}

/// A calendar date typed as `YYYY-MM-DD` (an HTML `date` value).
pub fn parse_date(raw: &str, field: &'static str) -> Result<Date, FieldError> {
    let fmt = time::macros::format_description!("[year]-[month]-[day]");
    Date::parse(raw.trim(), &fmt).map_err(|_| FieldError::new(field, "date.format"))
}

/// Age in whole years on a given day.
pub fn age_on(birth: Date, day: Date) -> i32 {
    let mut age = day.year() - birth.year();
    if (u8::from(day.month()), day.day()) < (u8::from(birth.month()), birth.day()) {
        age -= 1;
    }
    age
}

/// The Paris calendar date of a UTC instant.
pub fn local_date(ms: i64) -> Date {
    local(ms).date()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paris_time_follows_the_european_summer_time_rule() {
        // 2026: summer time from 29 March 01:00 UTC to 25 October 01:00 UTC.
        let winter = parse_local("2026-01-15T12:00", "t").unwrap();
        assert_eq!(crate::ids::iso_datetime(winter), "2026-01-15T11:00:00Z");
        let summer = parse_local("2026-07-14T12:00", "t").unwrap();
        assert_eq!(crate::ids::iso_datetime(summer), "2026-07-14T10:00:00Z");
        assert_eq!(form_value(summer), "2026-07-14T12:00");
        assert_eq!(form_value(winter), "2026-01-15T12:00");
        assert_eq!(display(summer, Lang::Fr), "14 juillet 2026 à 12\u{a0}h");
        let before = parse_local("2026-03-29T01:59", "t").unwrap();
        assert_eq!(crate::ids::iso_datetime(before), "2026-03-29T00:59:00Z");
        let after = parse_local("2026-03-29T03:00", "t").unwrap();
        assert_eq!(crate::ids::iso_datetime(after), "2026-03-29T01:00:00Z");
        assert_eq!(
            parse_local("demain", "t").unwrap_err().code,
            "datetime.format"
        );
        assert_eq!(parse_local("", "t").unwrap_err().code, "datetime.required");
    }

    #[test]
    fn age_counts_whole_years() {
        let b = parse_date("2010-06-15", "b").unwrap();
        assert_eq!(age_on(b, parse_date("2026-06-14", "d").unwrap()), 15);
        assert_eq!(age_on(b, parse_date("2026-06-15", "d").unwrap()), 16);
        assert!(parse_date("15/06/2010", "b").is_err());
    }
}
