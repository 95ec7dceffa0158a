//! GUID parsing for the spellings clients actually send (`rest-api.md` §1.5).
//!
//! The reference validated uuids with Joi's `guid()` and then handed the raw string to
//! Postgres, so braces, colons or missing separators caused 500s. We accept the spellings
//! the spec lists — 8-4-4-4-12 hex digits in any case, with the separators all `-`, all
//! `:`, or absent, optionally wrapped in a *matching* pair of `{}` or `[]` — and return a
//! [`Uuid`], whose `Display` is the canonical lower-case hyphenated form used for every
//! lookup. (Joi 17's regex was looser: it also took `()` and let the 2nd–4th separators be
//! dropped once the first was present; the spec does not keep those, and no client sends
//! them.)
//!
//! `uuid::Uuid::parse_str` is deliberately not used: it accepts `urn:uuid:` prefixes and
//! rejects `:` separators and `[]`, which is a different language. Parsing works on bytes,
//! so arbitrary (including non-ASCII) input can never cause a slicing panic.

use uuid::Uuid;

/// Positions of the separators in the 36-character separated form.
const SEPARATOR_POSITIONS: [usize; 4] = [8, 13, 18, 23];

/// Parses a GUID in one of the accepted spellings; anything else gives `None`.
///
/// Rejected, among others: mixed separators, wrong group lengths, an opening bracket
/// without its matching closing one (or vice versa), surrounding whitespace, non-hex
/// digits, `()` wrappers and `urn:uuid:` prefixes.
pub fn parse_guid(s: &str) -> Option<Uuid> {
    let bytes = s.as_bytes();
    let inner = match (bytes.first(), bytes.last()) {
        (Some(b'{'), Some(b'}')) | (Some(b'['), Some(b']')) if bytes.len() >= 2 => bytes.get(1..bytes.len() - 1)?,
        _ => bytes,
    };
    match inner.len() {
        32 => hex_value(inner.iter()),
        36 => {
            let sep = *inner.get(SEPARATOR_POSITIONS[0])?;
            if sep != b'-' && sep != b':' {
                return None;
            }
            if SEPARATOR_POSITIONS.iter().any(|&i| inner.get(i) != Some(&sep)) {
                return None;
            }
            let digits = inner.iter().enumerate().filter(|(i, _)| !SEPARATOR_POSITIONS.contains(i)).map(|(_, b)| b);
            hex_value(digits)
        }
        _ => None,
    }
}

/// Folds exactly 32 ASCII hex digits into a `Uuid`; `None` on any other byte.
fn hex_value<'a>(digits: impl Iterator<Item = &'a u8>) -> Option<Uuid> {
    let mut value: u128 = 0;
    let mut count = 0usize;
    for &b in digits {
        let nibble = char::from(b).to_digit(16)?;
        value = (value << 4) | u128::from(nibble);
        count += 1;
    }
    (count == 32).then(|| Uuid::from_u128(value))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const CANON: &str = "0b9c3f5e-2a7d-4e1f-9c8b-7a6d5e4f3a2b";

    #[test]
    fn accepts_every_listed_form() {
        let want = Uuid::parse_str(CANON).unwrap();
        let forms = [
            CANON.to_string(),
            CANON.to_uppercase(),
            "0B9c3F5e-2A7d-4E1f-9C8b-7A6d5E4f3A2b".to_string(),
            CANON.replace('-', ":"),
            CANON.replace('-', ":").to_uppercase(),
            CANON.replace('-', ""),
            CANON.replace('-', "").to_uppercase(),
        ];
        for form in &forms {
            for (open, close) in [("", ""), ("{", "}"), ("[", "]")] {
                let s = format!("{open}{form}{close}");
                assert_eq!(parse_guid(&s), Some(want), "{s}");
                assert_eq!(parse_guid(&s).unwrap().to_string(), CANON, "{s}");
            }
        }
        assert_eq!(parse_guid("00000000-0000-0000-0000-000000000000"), Some(Uuid::nil()));
        assert_eq!(parse_guid("FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF"), Some(Uuid::max()));
    }

    #[test]
    fn rejects_everything_else() {
        let rejected = [
            "",
            "{}",
            "[]",
            "{",
            "]",
            "not-a-guid",
            "0b9c3f5e-2a7d-4e1f-9c8b-7a6d5e4f3a2",   // 11 in the last group
            "0b9c3f5e-2a7d-4e1f-9c8b-7a6d5e4f3a2bb", // 13 in the last group
            "0b9c3f5e2-a7d-4e1f-9c8b-7a6d5e4f3a2b",  // 9-3-4-4-12
            "0b9c3f5e-2a7d4-e1f-9c8b-7a6d5e4f3a2b",  // 8-5-3-4-12
            "0b9c3f5e-2a7d-4e1f:9c8b-7a6d5e4f3a2b",  // mixed separators
            "0b9c3f5e:2a7d-4e1f-9c8b-7a6d5e4f3a2b",  // mixed separators
            "0b9c3f5e-2a7d4e1f9c8b7a6d5e4f3a2b",     // only the first separator
            "0b9c3f5e2a7d4e1f9c8b-7a6d5e4f3a2b",     // only the last separator
            "0b9c3f5e_2a7d_4e1f_9c8b_7a6d5e4f3a2b",  // other separator
            "0b9c3f5e 2a7d 4e1f 9c8b 7a6d5e4f3a2b",  // spaces as separators
            "0b9c3f5e-2a7d-4e1f-9c8b-7a6d5e4f3a2g",  // non-hex
            "0b9c3f5e2a7d4e1f9c8b7a6d5e4f3a2",       // 31 digits
            "0b9c3f5e2a7d4e1f9c8b7a6d5e4f3a2b0",     // 33 digits
            " 0b9c3f5e-2a7d-4e1f-9c8b-7a6d5e4f3a2b",
            "0b9c3f5e-2a7d-4e1f-9c8b-7a6d5e4f3a2b ",
            "0b9c3f5e-2a7d-4e1f-9c8b-7a6d5e4f3a2b\n",
            "{0b9c3f5e-2a7d-4e1f-9c8b-7a6d5e4f3a2b", // unmatched
            "0b9c3f5e-2a7d-4e1f-9c8b-7a6d5e4f3a2b}",
            "[0b9c3f5e-2a7d-4e1f-9c8b-7a6d5e4f3a2b",
            "0b9c3f5e-2a7d-4e1f-9c8b-7a6d5e4f3a2b]",
            "{0b9c3f5e-2a7d-4e1f-9c8b-7a6d5e4f3a2b]", // mismatched pair
            "[0b9c3f5e-2a7d-4e1f-9c8b-7a6d5e4f3a2b}",
            "(0b9c3f5e-2a7d-4e1f-9c8b-7a6d5e4f3a2b)", // parentheses not listed
            "{{0b9c3f5e-2a7d-4e1f-9c8b-7a6d5e4f3a2b}}",
            "{ 0b9c3f5e-2a7d-4e1f-9c8b-7a6d5e4f3a2b }",
            "urn:uuid:0b9c3f5e-2a7d-4e1f-9c8b-7a6d5e4f3a2b",
            "0b9c3f5e--2a7d-4e1f-9c8b-7a6d5e4f3a2",
            "+b9c3f5e-2a7d-4e1f-9c8b-7a6d5e4f3a2b",  // sign is not a digit
            "0b9c3f5e-2a7d-4e1f-9c8b-7a6d5e4f3aé",   // non-ASCII, 36 bytes
            "０b9c3f5e-2a7d-4e1f-9c8b-7a6d5e4f3a2b", // full-width digit
        ];
        for s in rejected {
            assert_eq!(parse_guid(s), None, "{s:?}");
        }
    }

    /// Builds an accepted spelling of `value` from the generated style choices.
    fn spell(value: u128, upper_mask: u32, sep: u8, wrap: u8) -> String {
        let hex = format!("{value:032x}");
        let mut out = String::new();
        for (i, c) in hex.chars().enumerate() {
            if sep != 0 && matches!(i, 8 | 12 | 16 | 20) {
                out.push(if sep == 1 { '-' } else { ':' });
            }
            let upper = upper_mask & (1 << i) != 0;
            out.push(if upper { c.to_ascii_uppercase() } else { c });
        }
        match wrap {
            1 => format!("{{{out}}}"),
            2 => format!("[{out}]"),
            _ => out,
        }
    }

    proptest! {
        #[test]
        fn arbitrary_strings_never_panic_and_round_trip(s in any::<String>()) {
            if let Some(u) = parse_guid(&s) {
                let canonical = u.to_string();
                prop_assert_eq!(parse_guid(&canonical), Some(u));
                let digits: String = s.chars().filter(char::is_ascii_hexdigit).collect();
                prop_assert_eq!(digits.to_lowercase(), u.simple().to_string());
            }
        }

        #[test]
        fn guid_like_strings_never_panic(s in "[\\[{]?[0-9a-fA-FxX:\\- ]{30,38}[\\]}]?") {
            if let Some(u) = parse_guid(&s) {
                prop_assert_eq!(parse_guid(&u.to_string()), Some(u));
            }
        }

        #[test]
        fn every_generated_accepted_form_parses(
            value in any::<u128>(),
            upper_mask in any::<u32>(),
            sep in 0u8..3,
            wrap in 0u8..3,
        ) {
            let s = spell(value, upper_mask, sep, wrap);
            let u = parse_guid(&s);
            prop_assert_eq!(u, Some(Uuid::from_u128(value)), "{}", s);
            let canonical = Uuid::from_u128(value).to_string();
            prop_assert_eq!(parse_guid(&canonical), u);
        }
    }
}
