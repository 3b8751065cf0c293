//! Dates and week numbers as weekly reports write them.

use chrono::{Datelike, Duration, NaiveDate, Weekday};
use regex::Regex;
use std::sync::LazyLock;

use crate::config::WeekConvention;

/// A concrete week-numbering convention (after `auto` has been resolved).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Weeks {
    /// ISO 8601: weeks start Monday, week 1 holds the first Thursday.
    Iso,
    /// Weeks start Monday and 1 January is always in week 1 (the samples' way,
    /// and what most Chinese calendars and spreadsheets print).
    Jan1,
}

impl Weeks {
    /// The (week-year, week) a date falls in.
    pub fn week_of(self, date: NaiveDate) -> (i32, u32) {
        match self {
            Weeks::Iso => {
                let w = date.iso_week();
                (w.year(), w.week())
            }
            Weeks::Jan1 => {
                let jan1 = NaiveDate::from_ymd_opt(date.year(), 1, 1).expect("1 January exists");
                let shift = jan1.weekday().num_days_from_monday();
                (date.year(), (date.ordinal0() + shift) / 7 + 1)
            }
        }
    }

    /// The Monday that starts `week` of `year` (it may fall in the previous year).
    pub fn monday_of(self, year: i32, week: u32) -> Option<NaiveDate> {
        match self {
            Weeks::Iso => NaiveDate::from_isoywd_opt(year, week, Weekday::Mon),
            Weeks::Jan1 => {
                let jan1 = NaiveDate::from_ymd_opt(year, 1, 1)?;
                let first_monday =
                    jan1 - Duration::days(jan1.weekday().num_days_from_monday() as i64);
                let d = first_monday + Duration::weeks(week.checked_sub(1)? as i64);
                (d.year() <= year && week <= 54).then_some(d)
            }
        }
    }

    pub fn resolve(conv: WeekConvention, votes_iso: usize, votes_jan1: usize) -> Weeks {
        match conv {
            WeekConvention::Iso => Weeks::Iso,
            WeekConvention::Jan1 => Weeks::Jan1,
            // Ties go to ISO: it is the international standard and what
            // chrono, Hugo and spreadsheets call "the" week number.
            WeekConvention::Auto if votes_jan1 > votes_iso => Weeks::Jan1,
            WeekConvention::Auto => Weeks::Iso,
        }
    }
}

// ASCII and full-width digits (`２０２３年４月１４日`), not `\d`: it takes
// every script's digits, which `parse` cannot read (a full-width date was
// reported as a bad one), and its large class made each title's search
// slower.
static FULL_DATE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"([0-9０-９]{4})\s*(?:[-/.]|年)\s*([0-9０-９]{1,2})\s*(?:[-/.]|月)\s*([0-9０-９]{1,2})",
    )
    .unwrap()
});

/// The value of a run of ASCII or full-width digits.
fn digits_value(s: &str) -> u32 {
    s.chars()
        .filter_map(|c| match c {
            '0'..='9' => Some(c as u32 - '0' as u32),
            '０'..='９' => Some(c as u32 - '０' as u32),
            _ => None,
        })
        .fold(0, |n, d| n * 10 + d)
}

/// Finds the first full date (`2023-04-14`, `2023/4/14`, `2023.04.14`,
/// `2023年4月14日`, or the date part of an RFC 3339 datetime, which is its
/// local date whatever the offset). `Err` carries text that looks like a date
/// but is not one (`2023-13-45`), so it can be reported rather than ignored.
pub fn find_date(text: &str) -> Result<Option<NaiveDate>, String> {
    let Some(c) = FULL_DATE.captures(text) else {
        return Ok(None);
    };
    let num = |i: usize| digits_value(&c[i]);
    NaiveDate::from_ymd_opt(num(1) as i32, num(2), num(3))
        .map(Some)
        .ok_or_else(|| c[0].to_string())
}

/// The nearest date to `anchor` with the given month and day: a December
/// report that says `1/9` means next January.
pub fn nearest_date(anchor: NaiveDate, month: u32, day: u32) -> Option<NaiveDate> {
    [anchor.year() - 1, anchor.year(), anchor.year() + 1]
        .into_iter()
        .filter_map(|y| NaiveDate::from_ymd_opt(y, month, day))
        .min_by_key(|d| (*d - anchor).num_days().abs())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn sample_weeks_follow_jan1_convention() {
        for (date, week) in [
            ("2023-04-14", 16),
            ("2023-04-21", 17),
            ("2023-05-27", 22),
            ("2023-09-22", 39),
            ("2023-12-09", 50),
        ] {
            assert_eq!(Weeks::Jan1.week_of(d(date)), (2023, week), "{date}");
            assert_eq!(Weeks::Iso.week_of(d(date)).1, week - 1, "{date}");
        }
    }

    #[test]
    fn jan1_is_always_week_one() {
        assert_eq!(Weeks::Jan1.week_of(d("2023-01-01")), (2023, 1));
        assert_eq!(Weeks::Jan1.week_of(d("2023-01-02")), (2023, 2));
        assert_eq!(Weeks::Iso.week_of(d("2023-01-01")), (2022, 52));
        assert_eq!(Weeks::Iso.week_of(d("2024-12-30")), (2025, 1));
        assert_eq!(Weeks::Jan1.week_of(d("2024-12-30")), (2024, 53));
    }

    #[test]
    fn monday_of_round_trips() {
        for conv in [Weeks::Iso, Weeks::Jan1] {
            for s in ["2023-04-14", "2024-01-03", "2020-12-31", "2027-06-30"] {
                let (y, w) = conv.week_of(d(s));
                let monday = conv.monday_of(y, w).unwrap();
                assert_eq!(monday.weekday(), Weekday::Mon);
                assert!(
                    monday <= d(s) && d(s) - monday < Duration::days(7),
                    "{conv:?} {s}"
                );
            }
        }
    }

    #[test]
    fn finds_dates_in_many_spellings() {
        assert_eq!(find_date("第16周 2023-04-14"), Ok(Some(d("2023-04-14"))));
        assert_eq!(find_date("第19周 2023/05/05"), Ok(Some(d("2023-05-05"))));
        assert_eq!(find_date("2023年5月13日 10:00"), Ok(Some(d("2023-05-13"))));
        assert_eq!(
            find_date("2023-04-14T23:30:00-07:00"),
            Ok(Some(d("2023-04-14")))
        );
        assert_eq!(find_date("no date"), Ok(None));
        assert!(find_date("2023-13-45").is_err());
        // Full-width digits, as an IME types them, are a date too.
        assert_eq!(
            find_date("第１６周 ２０２３年４月１４日"),
            Ok(Some(d("2023-04-14")))
        );
        assert_eq!(find_date("２０２３-０５-０５"), Ok(Some(d("2023-05-05"))));
    }

    #[test]
    fn nearest_crosses_year() {
        assert_eq!(nearest_date(d("2023-12-09"), 1, 9), Some(d("2024-01-09")));
        assert_eq!(nearest_date(d("2024-01-05"), 12, 28), Some(d("2023-12-28")));
        assert_eq!(nearest_date(d("2023-04-14"), 4, 18), Some(d("2023-04-18")));
    }
}
