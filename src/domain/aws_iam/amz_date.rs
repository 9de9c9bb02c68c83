//! SigV4's `X-Amz-Date` (`YYYYMMDDTHHMMSSZ`, UTC) as seconds since the Unix epoch, computed
//! without a date library (the domain has none).

/// Seconds since the Unix epoch of `text`, or `None` unless it is exactly `YYYYMMDDTHHMMSSZ`
/// with a real calendar date and time (years 1970 to 9999).
#[must_use]
pub(super) fn parse_amz_date(text: &str) -> Option<u64> {
    let bytes = text.as_bytes();
    if bytes.len() != 16 || bytes.get(8) != Some(&b'T') || bytes.get(15) != Some(&b'Z') {
        return None;
    }
    let number = |from: usize, to: usize| -> Option<u64> {
        let part = text.get(from..to)?;
        if !part.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        part.parse().ok()
    };
    let (year, month, day) = (number(0, 4)?, number(4, 6)?, number(6, 8)?);
    let (hour, minute, second) = (number(9, 11)?, number(11, 13)?, number(13, 15)?);
    if year < 1970 || !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
        return None;
    }
    if hour > 23 || minute > 59 || second > 59 {
        return None;
    }
    let days = days_from_civil(year, month, day);
    Some(days * 86_400 + hour * 3_600 + minute * 60 + second)
}

fn is_leap(year: u64) -> bool {
    (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400)
}

fn days_in_month(year: u64, month: u64) -> u64 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days from 1970-01-01 (Howard Hinnant's `days_from_civil`, for years from 1970 on).
fn days_from_civil(year: u64, month: u64, day: u64) -> u64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y / 400;
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amz_dates_convert_to_unix_seconds() {
        let table = [
            ("19700101T000000Z", Some(0)),
            ("20000229T120000Z", Some(951_825_600)),
            ("20261204T143000Z", Some(1_796_394_600)),
            ("20240101T000000Z", Some(1_704_067_200)),
        ];
        for (text, expected) in table {
            assert_eq!(parse_amz_date(text), expected, "{text}");
        }
    }

    #[test]
    fn malformed_amz_dates_are_refused() {
        for text in [
            "",
            "20261204T143000",
            "20261204 143000Z",
            "2026-12-04T14:30:00Z",
            "20261304T143000Z",
            "20260230T143000Z",
            "20261204T243000Z",
            "19691231T235959Z",
            "2026120AT143000Z",
            "+0261204T143000Z",
            "20261204T143000Zx",
        ] {
            assert_eq!(parse_amz_date(text), None, "{text:?}");
        }
    }
}
