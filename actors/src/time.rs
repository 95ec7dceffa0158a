//! Wire formats for timestamps: UTC ISO-8601 with exactly three fractional digits and `Z`
//! (`2025-10-24T12:34:56.789Z`), as the reference's JavaScript `Date#toJSON` wrote them.

use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serializer;

pub fn iso_millis(dt: &DateTime<Utc>) -> String {
    dt.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// `#[serde(serialize_with = "time::ser")]` for `DateTime<Utc>` fields.
pub fn ser<S: Serializer>(dt: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&iso_millis(dt))
}

/// Same for `Option<DateTime<Utc>>` (None → `null`).
pub fn ser_opt<S: Serializer>(dt: &Option<DateTime<Utc>>, s: S) -> Result<S::Ok, S::Error> {
    match dt {
        Some(d) => s.serialize_str(&iso_millis(d)),
        None => s.serialize_none(),
    }
}

/// Epoch milliseconds (the desktop client API and socket payloads use integers).
pub fn epoch_ms(dt: &DateTime<Utc>) -> i64 {
    dt.timestamp_millis()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn formats_with_exactly_three_fraction_digits_and_z() {
        let dt = Utc.with_ymd_and_hms(2025, 10, 24, 12, 34, 56).single().unwrap();
        assert_eq!(iso_millis(&dt), "2025-10-24T12:34:56.000Z");
        let dt = dt + chrono::Duration::microseconds(789_654);
        assert_eq!(iso_millis(&dt), "2025-10-24T12:34:56.789Z");
    }
}
