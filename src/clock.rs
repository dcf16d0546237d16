//! UTC calendar time from Unix time, for names and log lines (run folders,
//! flanneld-style log headers), without a date crate.

/// A UTC date and time of day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Utc {
    pub year: i64,
    pub month: u32,
    pub day: u32,
    pub hour: u32,
    pub minute: u32,
    pub second: u32,
}

impl Utc {
    /// The calendar time of `secs` seconds after the Unix epoch
    /// (Howard Hinnant's civil_from_days).
    pub fn from_unix(secs: u64) -> Utc {
        let (days, rem) = (secs / 86_400, secs % 86_400);
        let z = days as i64 + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
        let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
        Utc {
            year: yoe + era * 400 + i64::from(month <= 2),
            month,
            day,
            hour: (rem / 3600) as u32,
            minute: (rem % 3600 / 60) as u32,
            second: (rem % 60) as u32,
        }
    }

    /// `2026-11-27T02:45:01Z`.
    pub fn rfc3339(&self) -> String {
        format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
            self.year, self.month, self.day, self.hour, self.minute, self.second
        )
    }

    /// Now.
    pub fn now() -> Utc {
        Utc::from_unix(unix_now())
    }
}

/// Seconds since the Unix epoch, now (0 before it).
pub fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_dates() {
        assert_eq!(
            Utc::from_unix(0),
            Utc {
                year: 1970,
                month: 1,
                day: 1,
                hour: 0,
                minute: 0,
                second: 0
            }
        );
        // 2000-02-29 (a leap day) and 2026-11-27 02:45:01.
        assert_eq!(
            (
                Utc::from_unix(951_782_400).month,
                Utc::from_unix(951_782_400).day
            ),
            (2, 29)
        );
        assert_eq!(
            Utc::from_unix(1_795_747_501),
            Utc {
                year: 2026,
                month: 11,
                day: 27,
                hour: 2,
                minute: 45,
                second: 1
            }
        );
    }
}
