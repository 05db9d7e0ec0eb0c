//! Cookie dates: the RFC 6265 §5.1.1 algorithm that browsers use to read `Expires`, and the
//! fixed HTTP date form (`Sun, 06 Nov 1994 08:49:37 GMT`) used to write one.
//!
//! Dates are unix seconds as `i64`: cookie dates go back to 1601 and forward to 9999.

/// Seconds in a day, as a signed number.
const DAY: i64 = 86_400;

const MONTHS: [&str; 12] = [
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
];
const MONTH_NAMES: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];
const WEEKDAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];

/// The `delimiter` of RFC 6265 §5.1.1: tab, and the printable ASCII that is not part of a token.
fn is_delimiter(b: u8) -> bool {
    matches!(b, 0x09 | 0x20..=0x2F | 0x3B..=0x40 | 0x5B..=0x60 | 0x7B..=0x7E)
}

/// Reads 1 to `max` digits at the start of `token`, then requires a non-digit (or the end).
fn leading_digits(token: &[u8], min: usize, max: usize) -> Option<(u32, &[u8])> {
    let count = token.iter().take_while(|b| b.is_ascii_digit()).count();
    if count < min || count > max {
        return None;
    }
    let (digits, rest) = token.split_at_checked(count)?;
    let value = digits
        .iter()
        .fold(0u32, |acc, d| acc * 10 + u32::from(d - b'0'));
    Some((value, rest))
}

/// `hms-time = time-field ":" time-field ":" time-field`, then optionally a non-digit and anything.
fn parse_time(token: &[u8]) -> Option<(u32, u32, u32)> {
    let (hour, rest) = leading_digits(token, 1, 2)?;
    let rest = rest.strip_prefix(b":")?;
    let (minute, rest) = leading_digits(rest, 1, 2)?;
    let rest = rest.strip_prefix(b":")?;
    let (second, _) = leading_digits(rest, 1, 2)?;
    Some((hour, minute, second))
}

fn parse_month(token: &[u8]) -> Option<u32> {
    let prefix = token.get(..3)?;
    MONTHS
        .iter()
        .position(|m| prefix.eq_ignore_ascii_case(m.as_bytes()))
        .and_then(|i| u32::try_from(i + 1).ok())
}

/// Days from 1970-01-01 to the given proleptic Gregorian date (H. Hinnant's algorithm).
pub(crate) fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date of a day number from 1970-01-01: (year, month, day).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = u32::try_from(doy - (153 * mp + 2) / 5 + 1).unwrap_or(1);
    let month = u32::try_from(if mp < 10 { mp + 3 } else { mp - 9 }).unwrap_or(1);
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Reads a cookie date with the RFC 6265 §5.1.1 algorithm, as browsers read `Expires`.
///
/// Returns unix seconds, or `None` when the date must be ignored (a part is missing, out of
/// range, before 1601, or the day does not exist in that month).
///
/// # Examples
///
/// ```
/// use cookie_charter::parse_cookie_date;
///
/// assert_eq!(parse_cookie_date("Wed, 21 Oct 2015 07:28:00 GMT"), Some(1_445_412_480));
/// // Browsers read loose dates too, and two-digit years.
/// assert_eq!(parse_cookie_date("21-Oct-15 07:28:00"), Some(1_445_412_480));
/// assert_eq!(parse_cookie_date("31 Feb 2015 00:00:00"), None);
/// ```
pub fn parse_cookie_date(text: &str) -> Option<i64> {
    let (mut time, mut day, mut month, mut year) = (None, None, None, None);
    for token in text
        .as_bytes()
        .split(|b| is_delimiter(*b))
        .filter(|t| !t.is_empty())
    {
        if time.is_none() {
            if let Some(t) = parse_time(token) {
                time = Some(t);
                continue;
            }
        }
        if day.is_none() {
            if let Some((d, _)) = leading_digits(token, 1, 2) {
                day = Some(d);
                continue;
            }
        }
        if month.is_none() {
            if let Some(m) = parse_month(token) {
                month = Some(m);
                continue;
            }
        }
        if year.is_none() {
            if let Some((y, _)) = leading_digits(token, 2, 4) {
                year = Some(y);
            }
        }
    }
    let ((hour, minute, second), day, month, year) = (time?, day?, month?, year?);
    let year = i64::from(match year {
        70..=99 => year + 1900,
        0..=69 => year + 2000,
        _ => year,
    });
    if !(1..=31).contains(&day) || year < 1601 || hour > 23 || minute > 59 || second > 59 {
        return None;
    }
    if day > days_in_month(year, month) {
        return None;
    }
    let days = days_from_civil(year, month, day);
    Some(days * DAY + i64::from(hour * 3600 + minute * 60 + second))
}

/// Writes unix seconds as an HTTP date: `Wdy, DD Mon YYYY HH:MM:SS GMT`.
///
/// # Examples
///
/// ```
/// use cookie_charter::{format_http_date, parse_cookie_date};
///
/// assert_eq!(format_http_date(1_445_412_480), "Wed, 21 Oct 2015 07:28:00 GMT");
/// assert_eq!(parse_cookie_date(&format_http_date(0)), Some(0));
/// ```
pub fn format_http_date(unix: i64) -> String {
    let days = unix.div_euclid(DAY);
    let secs = unix.rem_euclid(DAY);
    let (year, month, day) = civil_from_days(days);
    let weekday = WEEKDAYS
        .get(usize::try_from(days.rem_euclid(7)).unwrap_or(0))
        .unwrap_or(&"Thu");
    let month_name = MONTH_NAMES
        .get(usize::try_from(month).unwrap_or(1).saturating_sub(1))
        .unwrap_or(&"Jan");
    format!(
        "{weekday}, {day:02} {month_name} {year:04} {:02}:{:02}:{:02} GMT",
        secs / 3600,
        secs % 3600 / 60,
        secs % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_usual_forms() {
        assert_eq!(
            parse_cookie_date("Sun, 06 Nov 1994 08:49:37 GMT"),
            Some(784_111_777)
        );
        assert_eq!(
            parse_cookie_date("Sunday, 06-Nov-94 08:49:37 GMT"),
            Some(784_111_777)
        );
        assert_eq!(
            parse_cookie_date("Sun Nov  6 08:49:37 1994"),
            Some(784_111_777)
        );
        assert_eq!(parse_cookie_date("Thu, 01 Jan 1970 00:00:00 GMT"), Some(0));
    }

    #[test]
    fn rejects_impossible_dates() {
        for bad in [
            "",
            "Sun, 30 Feb 2020 00:00:00 GMT",
            "Sun, 06 Nov 1600 08:49:37 GMT",
            "Sun, 06 Nov 1994 24:00:00 GMT",
            "Sun, 06 Nov 1994",
        ] {
            assert_eq!(parse_cookie_date(bad), None, "{bad}");
        }
    }

    #[test]
    fn formats_round_trip() {
        for unix in [0, 784_111_777, -11_644_473_600, 253_402_300_799] {
            let text = format_http_date(unix);
            assert_eq!(parse_cookie_date(&text), Some(unix), "{text}");
        }
        assert_eq!(
            format_http_date(784_111_777),
            "Sun, 06 Nov 1994 08:49:37 GMT"
        );
    }
}
