//! Cookie lifetimes as a policy declares them: `session`, `30 days`, `13 months`, `1 year`.

use std::fmt;

use crate::error::{Error, ErrorKind, Result};

/// Seconds in a day.
pub const DAY: u64 = 86_400;
/// A month counts 30 days (spec §3).
pub const MONTH: u64 = 30 * DAY;
/// A year counts 365 days (spec §3).
pub const YEAR: u64 = 365 * DAY;

/// How long a cookie lives.
///
/// # Examples
///
/// ```
/// use cookie_charter::{DAY, Lifetime, MONTH};
///
/// let lifetime = Lifetime::parse("13 months")?;
/// assert_eq!(lifetime, Lifetime::Seconds(13 * MONTH));
/// assert_eq!(lifetime.seconds(), Some(390 * DAY));
/// assert!(lifetime.at_most(13 * MONTH) && !lifetime.at_most(12 * MONTH));
/// assert_eq!(lifetime.to_string(), "13 months");
/// assert_eq!(Lifetime::parse("session")?.seconds(), None);
/// assert!(Lifetime::Session.at_most(0));
/// # Ok::<(), cookie_charter::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Lifetime {
    /// Until the browser session ends.
    Session,
    /// A fixed number of seconds.
    Seconds(u64),
}

impl Lifetime {
    /// Reads `session` or `<count> <unit>` (seconds, minutes, hours, days, weeks, months, years;
    /// singular or plural).
    ///
    /// # Examples
    ///
    /// ```
    /// use cookie_charter::{ErrorKind, Lifetime, YEAR};
    ///
    /// assert_eq!(Lifetime::parse("1 year")?, Lifetime::Seconds(YEAR));
    /// assert_eq!(Lifetime::parse("90 minutes")?, Lifetime::Seconds(5_400));
    /// assert_eq!(Lifetime::parse("11 years").unwrap_err().kind(), ErrorKind::InvalidLifetime);
    /// assert!(Lifetime::parse("forever").is_err());
    /// # Ok::<(), cookie_charter::Error>(())
    /// ```
    pub fn parse(text: &str) -> Result<Self> {
        let invalid = || {
            Error::new(
                ErrorKind::InvalidLifetime,
                format!(
                    "lifetime `{}` is not `session` or `<count> <unit>` such as `13 months`",
                    text.escape_debug()
                ),
            )
        };
        let trimmed = text.trim();
        if trimmed == "session" {
            return Ok(Self::Session);
        }
        let mut words = trimmed.split_whitespace();
        let (Some(count), Some(unit), None) = (words.next(), words.next(), words.next()) else {
            return Err(invalid());
        };
        if !count.bytes().all(|b| b.is_ascii_digit()) {
            return Err(invalid());
        }
        // Digits only, so `parse` fails only past `u64::MAX`: longer than any limit below.
        let count: u64 = count.parse().unwrap_or(u64::MAX);
        let unit_secs = match unit.strip_suffix('s').unwrap_or(unit) {
            "second" => 1,
            "minute" => 60,
            "hour" => 3_600,
            "day" => DAY,
            "week" => 7 * DAY,
            "month" => MONTH,
            "year" => YEAR,
            _ => return Err(invalid()),
        };
        // Ten years is far beyond any browser's cap; larger values are surely mistakes.
        count
            .checked_mul(unit_secs)
            .filter(|s| *s <= 10 * YEAR)
            .map(Self::Seconds)
            .ok_or_else(|| {
                Error::new(
                    ErrorKind::InvalidLifetime,
                    format!("lifetime `{}` is longer than 10 years", text.escape_debug()),
                )
            })
    }

    /// The lifetime in seconds; `None` for a session cookie.
    pub fn seconds(self) -> Option<u64> {
        match self {
            Self::Session => None,
            Self::Seconds(s) => Some(s),
        }
    }

    /// Whether the lifetime is at most `limit` seconds (a session cookie always is).
    pub fn at_most(self, limit: u64) -> bool {
        self.seconds().is_none_or(|s| s <= limit)
    }
}

impl fmt::Display for Lifetime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Self::Seconds(s) = *self else {
            return f.write_str("session");
        };
        for (unit, secs) in [
            ("year", YEAR),
            ("month", MONTH),
            ("week", 7 * DAY),
            ("day", DAY),
            ("hour", 3_600),
            ("minute", 60),
        ] {
            if s >= secs && s % secs == 0 {
                let n = s / secs;
                return write!(f, "{n} {unit}{}", if n == 1 { "" } else { "s" });
            }
        }
        write!(f, "{s} second{}", if s == 1 { "" } else { "s" })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_units() {
        assert_eq!(Lifetime::parse("session").unwrap(), Lifetime::Session);
        assert_eq!(
            Lifetime::parse("13 months").unwrap(),
            Lifetime::Seconds(13 * MONTH)
        );
        assert_eq!(Lifetime::parse("1 year").unwrap(), Lifetime::Seconds(YEAR));
        assert_eq!(
            Lifetime::parse(" 2 weeks ").unwrap(),
            Lifetime::Seconds(14 * DAY)
        );
        assert_eq!(
            Lifetime::parse("30 days").unwrap(),
            Lifetime::Seconds(30 * DAY)
        );
        assert_eq!(Lifetime::parse("1 second").unwrap(), Lifetime::Seconds(1));
    }

    #[test]
    fn rejects_nonsense() {
        for bad in [
            "",
            "forever",
            "-1 days",
            "+1 day",
            "1",
            "1 fortnight",
            "1 day extra",
            "99999999999999999999 years",
            "11 years",
        ] {
            assert_eq!(
                Lifetime::parse(bad).unwrap_err().code(),
                "invalid_lifetime",
                "{bad}"
            );
        }
    }

    #[test]
    fn counts_past_any_integer_are_too_long_not_malformed() {
        for long in [
            "11 years",
            "18446744073709551615 seconds",
            "18446744073709551616 seconds",
            "99999999999999999999999 days",
        ] {
            let error = Lifetime::parse(long).unwrap_err();
            assert_eq!(error.code(), "invalid_lifetime", "{long}");
            assert!(
                error.message().ends_with("is longer than 10 years"),
                "{long}: {error}"
            );
        }
        assert!(
            Lifetime::parse("99999999999999999999999 fortnights")
                .unwrap_err()
                .message()
                .contains("is not `session`")
        );
    }

    #[test]
    fn displays_round_trip() {
        for text in [
            "session",
            "13 months",
            "1 year",
            "2 weeks",
            "1 day",
            "90 minutes",
        ] {
            let l = Lifetime::parse(text).unwrap();
            assert_eq!(Lifetime::parse(&l.to_string()).unwrap(), l);
        }
    }

    #[test]
    fn bounds() {
        assert!(Lifetime::Session.at_most(0));
        assert!(Lifetime::Seconds(13 * MONTH).at_most(13 * MONTH));
        assert!(!Lifetime::Seconds(13 * MONTH + 1).at_most(13 * MONTH));
    }
}
