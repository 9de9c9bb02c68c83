//! Civil dates without a date crate: days since 1970-01-01 ↔ `YYYY-MM-DD`
//! (H. Hinnant's `days_from_civil` / `civil_from_days`, proleptic Gregorian).

use super::super::keys::now_secs;

pub(crate) fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let yoe = year.rem_euclid(400);
    let month = i64::from(month);
    let shifted = if month > 2 { month - 3 } else { month + 9 };
    let doy = (153 * shifted + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

pub(crate) fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (
        year,
        u32::try_from(month).unwrap_or(1),
        u32::try_from(day).unwrap_or(1),
    )
}

/// `YYYY-MM-DD` of a day number.
pub(crate) fn format_date(days: i64) -> String {
    let (year, month, day) = civil_from_days(days);
    format!("{year:04}-{month:02}-{day:02}")
}

/// Reads `YYYY-MM-DD`, also with a time part (`2024-01-01T00:00:00.000Z`, as the OpenAPI
/// examples write dates), into the canonical `YYYY-MM-DD`; `None` when it is no real date.
pub(crate) fn parse_date(text: &str) -> Option<String> {
    let date = text.get(..10)?;
    let rest = text.get(10..)?;
    if !(rest.is_empty() || rest.starts_with('T') || rest.starts_with(' ')) {
        return None;
    }
    let mut parts = date.split('-');
    let (year, month, day) = (parts.next()?, parts.next()?, parts.next()?);
    if year.len() != 4 || month.len() != 2 || day.len() != 2 {
        return None;
    }
    let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if !(all_digits(year) && all_digits(month) && all_digits(day)) {
        return None;
    }
    let (year, month, day) = (year.parse().ok()?, month.parse().ok()?, day.parse().ok()?);
    let round_trip = civil_from_days(days_from_civil(year, month, day));
    (round_trip == (year, month, day)).then(|| date.to_owned())
}

/// Today (UTC) as `YYYY-MM-DD`.
pub(crate) fn today() -> String {
    let days = i64::try_from(now_secs() / 86_400).unwrap_or(0);
    format_date(days)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn day_numbers_round_trip_through_civil_dates() {
        for days in [-1, 0, 19_723, 20_088, 20_453, 60_000] {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
        assert_eq!(format_date(19_723), "2024-01-01");
        assert_eq!(format_date(19_723 + 59), "2024-02-29");
    }

    #[test]
    fn only_real_iso_dates_parse() {
        assert_eq!(parse_date("2024-02-29").as_deref(), Some("2024-02-29"));
        assert_eq!(
            parse_date("2024-01-01T00:00:00.000Z").as_deref(),
            Some("2024-01-01")
        );
        for bad in [
            "2025-02-29",
            "2024-13-01",
            "2024-1-01",
            "yesterday",
            "2024-01-01x",
            "",
        ] {
            assert_eq!(parse_date(bad), None, "{bad}");
        }
    }
}
