//! Joi's value rules, as the reference's schemas applied them (abort-early, `convert` on).
//!
//! Clients see Joi's exact wording (`"fps" must be a safe number`) and rely on Joi's
//! conversions (`"12"` is a valid number, `"TRUE"` a valid boolean), so the field-level
//! checks copy Joi's behaviour rather than Rust's parsers: `f64::from_str` would accept
//! `inf` and `NaN`, `char::is_whitespace` is not JavaScript's `\s`, and a Rust map does
//! not enumerate keys the way `Object.keys` does. Conversions only decide validity; the
//! callers keep the original JSON value.

use serde_json::{Map, Value};

/// Largest magnitude Joi calls safe (`Number.MAX_SAFE_INTEGER`, 2^53 − 1). Every f64
/// strictly inside ±2^53 is at most this, so "within ±2^53" and Joi agree.
const MAX_SAFE: f64 = 9_007_199_254_740_991.0;

/// `"<label>" <rest>`: Joi's message shape (the label wrapped in double quotes).
pub(crate) fn msg(label: &str, rest: &str) -> String {
    format!("\"{label}\" {rest}")
}

/// Joi `string()`: a non-empty JSON string (`null` and every other type are rejected).
pub(crate) fn check_string<'a>(label: &str, value: &'a Value) -> Result<&'a str, String> {
    match value {
        Value::String(s) if s.is_empty() => Err(msg(label, "is not allowed to be empty")),
        Value::String(s) => Ok(s),
        _ => Err(msg(label, "must be a string")),
    }
}

/// Joi `number()` (optionally `.integer()`) with conversion: base type, then safety, then
/// integrality — the order Joi reports them in.
pub(crate) fn check_number(label: &str, value: &Value, integer: bool) -> Result<(), String> {
    let n = match value {
        Value::Number(n) => n.as_f64().unwrap_or(f64::INFINITY),
        Value::String(s) => js_numeric_string(s).ok_or_else(|| msg(label, "must be a number"))?,
        _ => return Err(msg(label, "must be a number")),
    };
    if !n.is_finite() || n.abs() > MAX_SAFE {
        return Err(msg(label, "must be a safe number"));
    }
    if integer && n.fract() != 0.0 {
        return Err(msg(label, "must be an integer"));
    }
    Ok(())
}

/// Joi's string → number coercion: `^\s*[+-]?(\d+(\.\d*)?|\.\d+)(e[+-]?\d+)?\s*$` (case
/// insensitive), then `parseFloat`. May return ±infinity for huge exponents, which the
/// caller reports as unsafe. Joi 17 also called a numeric *string* unsafe when it does not
/// round-trip (`"0.10000000000000001"`, and by a quirk `".0"`); the spec defines unsafe as
/// non-finite or beyond ±2^53 only, and the original string is what gets relayed, so that
/// check is not reproduced.
fn js_numeric_string(s: &str) -> Option<f64> {
    let t = s.trim_matches(is_js_whitespace);
    let b = t.as_bytes();
    let digits_from = |i: usize| b.iter().skip(i).take_while(|c| c.is_ascii_digit()).count();
    let mut i = usize::from(matches!(b.first(), Some(b'+' | b'-')));
    let int_digits = digits_from(i);
    i += int_digits;
    let mut frac_digits = 0;
    if b.get(i) == Some(&b'.') {
        frac_digits = digits_from(i + 1);
        i += 1 + frac_digits;
    }
    if int_digits == 0 && frac_digits == 0 {
        return None;
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        let sign = usize::from(matches!(b.get(i + 1), Some(b'+' | b'-')));
        let exp_digits = digits_from(i + 1 + sign);
        if exp_digits == 0 {
            return None;
        }
        i += 1 + sign + exp_digits;
    }
    if i != b.len() {
        return None;
    }
    t.parse::<f64>().ok()
}

/// JavaScript's `\s` (WhiteSpace and LineTerminator), which differs from Rust's
/// `char::is_whitespace` (U+0085 is not in it; U+FEFF is).
fn is_js_whitespace(c: char) -> bool {
    const SINGLES: &[char] = &[
        '\t', '\n', '\u{0B}', '\u{0C}', '\r', ' ', '\u{A0}', '\u{1680}', '\u{2028}', '\u{2029}', '\u{202F}',
        '\u{205F}', '\u{3000}', '\u{FEFF}',
    ];
    SINGLES.contains(&c) || ('\u{2000}'..='\u{200A}').contains(&c)
}

/// Joi `boolean()` with conversion: JSON booleans and `"true"`/`"false"` in any case.
pub(crate) fn check_boolean(label: &str, value: &Value) -> Result<(), String> {
    match value {
        Value::Bool(_) => Ok(()),
        Value::String(s) if s.eq_ignore_ascii_case("true") || s.eq_ignore_ascii_case("false") => Ok(()),
        _ => Err(msg(label, "must be a boolean")),
    }
}

/// The first key outside the schema in JavaScript enumeration order: array-index keys
/// (canonical decimal below 2^32 − 1) ascending, then the rest in map iteration order.
pub(crate) fn first_unknown_key<'a>(obj: &'a Map<String, Value>, known: &[&str]) -> Option<&'a str> {
    obj.keys()
        .filter(|k| !known.contains(&k.as_str()))
        .enumerate()
        .min_by_key(|(pos, k)| match array_index(k) {
            Some(n) => (0, u64::from(n)),
            None => (1, *pos as u64),
        })
        .map(|(_, k)| k.as_str())
}

fn array_index(k: &str) -> Option<u32> {
    let canonical = k == "0" || (!k.starts_with('0') && k.bytes().all(|b| b.is_ascii_digit()));
    if !canonical {
        return None;
    }
    k.parse::<u32>().ok().filter(|&n| n != u32::MAX)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    #[test]
    fn numeric_strings_follow_joi_grammar() {
        let accepted = [
            ("12", 12.0),
            ("-1.5", -1.5),
            ("1e3", 1000.0),
            ("1E-3", 0.001),
            ("+7", 7.0),
            (".5", 0.5),
            ("5.", 5.0),
            ("-0", 0.0),
            ("00012", 12.0),
            (" \t12\n", 12.0),
            ("\u{A0}\u{2003}5\u{FEFF}\u{3000}", 5.0),
            ("1.5e+2", 150.0),
        ];
        for (s, want) in accepted {
            assert_eq!(js_numeric_string(s), Some(want), "{s:?}");
        }
        assert_eq!(js_numeric_string("1e400"), Some(f64::INFINITY));
        let rejected = [
            "",
            " ",
            ".",
            "+",
            "-",
            "e3",
            ".e3",
            "1e",
            "1e+",
            "--1",
            "+-1",
            "1..2",
            "1.2.3",
            "0x10",
            "0b1",
            "1_000",
            "1,5",
            "Infinity",
            "-Infinity",
            "inf",
            "NaN",
            "1 2",
            "12abc",
            "1e3.5",
            "\u{85}1",
            "１２",
        ];
        for s in rejected {
            assert_eq!(js_numeric_string(s), None, "{s:?}");
        }
    }

    #[test]
    fn number_checks_report_type_then_safety_then_integrality() {
        let cases = [
            (json!(12), true, None),
            (json!(12.0), true, None),
            (json!("12"), true, None),
            (json!("12.5"), false, None),
            (json!(9_007_199_254_740_991_i64), true, None),
            (json!(-9_007_199_254_740_991_i64), true, None),
            (json!("12.5"), true, Some("must be an integer")),
            (json!(0.1), true, Some("must be an integer")),
            (json!(9_007_199_254_740_992_i64), true, Some("must be a safe number")),
            (json!(-9_007_199_254_740_992_i64), false, Some("must be a safe number")),
            (json!(u64::MAX), false, Some("must be a safe number")),
            (json!(1.5e300), true, Some("must be a safe number")),
            (json!("1e400"), true, Some("must be a safe number")),
            (json!("-1e400"), false, Some("must be a safe number")),
            (json!("9007199254740992.5"), false, Some("must be a safe number")),
            (json!(null), false, Some("must be a number")),
            (json!(true), false, Some("must be a number")),
            (json!([]), true, Some("must be a number")),
            (json!({}), false, Some("must be a number")),
            (json!(""), true, Some("must be a number")),
            (json!("NaN"), false, Some("must be a number")),
        ];
        for (value, integer, want) in cases {
            let got = check_number("n", &value, integer).err();
            assert_eq!(got, want.map(|w| msg("n", w)), "{value} integer={integer}");
        }
    }

    #[test]
    fn booleans_accept_true_false_strings_in_any_case_only() {
        for v in [json!(true), json!(false), json!("true"), json!("FALSE"), json!("tRuE")] {
            assert_eq!(check_boolean("b", &v), Ok(()), "{v}");
        }
        for v in [json!("yes"), json!("1"), json!(1), json!(0), json!(""), json!(" true"), json!(null)] {
            assert_eq!(check_boolean("b", &v), Err(msg("b", "must be a boolean")), "{v}");
        }
    }

    #[test]
    fn strings_must_be_non_empty_strings() {
        assert_eq!(check_string("s", &json!("x")), Ok("x"));
        assert_eq!(check_string("s", &json!(" ")), Ok(" "));
        assert_eq!(check_string("s", &json!("")), Err(msg("s", "is not allowed to be empty")));
        for v in [json!(null), json!(1), json!(false), json!([]), json!({})] {
            assert_eq!(check_string("s", &v), Err(msg("s", "must be a string")), "{v}");
        }
    }

    #[test]
    fn unknown_keys_enumerate_like_object_keys() {
        // `<payload> => <first unknown key>`; `-` for none. Every case has one answer under
        // both map orders (sorted, or payload order with `preserve_order`).
        let cases = r#"
            {"event":1,"name":2} => -
            {"event":1,"foo":2} => foo
            {"b":1,"10":1,"9":1} => 9
            {"b":1,"4294967294":1} => 4294967294
            {"4294967295":1,"b":1} => 4294967295
            {"4294967295":1,"4294967294":1} => 4294967294
            {"01":1,"-1":1,"1":1} => 1
        "#;
        for line in cases.lines().map(str::trim).filter(|l| !l.is_empty()) {
            let (payload, want) = line.split_once(" => ").unwrap();
            let payload: Value = serde_json::from_str(payload).unwrap();
            let got = first_unknown_key(payload.as_object().unwrap(), &["event", "name"]);
            assert_eq!(got.unwrap_or("-"), want, "{line}");
        }
        assert_eq!(array_index("0"), Some(0));
        assert_eq!(array_index("4294967294"), Some(u32::MAX - 1));
        for k in ["", "01", "+1", "-1", "1.0", "4294967295", "99999999999", " 1"] {
            assert_eq!(array_index(k), None, "{k:?}");
        }
    }

    proptest! {
        #[test]
        fn numeric_strings_never_panic(s in "\\PC{0,12}|[ +\\-.0-9eE]{0,12}") {
            let _ = js_numeric_string(&s);
        }

        #[test]
        fn displayed_finite_numbers_are_numeric_strings(f in any::<f64>()) {
            prop_assume!(f.is_finite());
            prop_assert_eq!(js_numeric_string(&f.to_string()), Some(f));
            prop_assert_eq!(js_numeric_string(&format!("{f:e}")), Some(f));
        }
    }
}
