//! # JSON as JavaScript writes it
//!
//! The reference server was Node.js: every payload it relayed had been parsed and written
//! again by `JSON.stringify`. Clients depend on that output form (`realtime.md` §3.1):
//!
//! * numbers are JavaScript numbers (IEEE doubles) printed by `Number.prototype.toString`:
//!   integral values are printed without a fraction (`240.0`, `2.4e2` → `240`, `-0.0` →
//!   `0`), other values with the shortest digits that round-trip, in plain notation for
//!   decimal exponents −7 < e < 21 and as `1.5e-7` / `1e+21` outside. The desktop's socket
//!   library maps `240.0` to a different message type and crashes on it, so serde_json's
//!   own float form (`240.0`) is not acceptable;
//! * integers that do not fit a double exactly are printed as the double they become in
//!   JavaScript (`12345678901234567890` → `12345678901234567000`);
//! * non-finite numbers (impossible from serde_json's parser, possible from code) are
//!   printed as `null`, as `JSON.stringify` does;
//! * strings escape exactly `"`, `\` and the C0 controls (`\b \f \n \r \t`, else `\u00xx`
//!   in lowercase hex); U+2028/U+2029 and everything else are written as they are.
//!
//! Object keys are written in the order the `serde_json::Map` iterates: insertion order
//! when serde_json's `preserve_order` feature is enabled somewhere in the build, sorted
//! otherwise. Nothing here depends on which.
//!
//! The writer recurses once per nesting level; values decoded from the wire are limited to
//! 128 levels by serde_json's parser, so the recursion is bounded for untrusted input.

use serde_json::{Number, Value};
use std::fmt::Write as _;

/// 2^53: integers up to this magnitude are exact doubles and printed as integers directly.
const MAX_EXACT: u64 = 1 << 53;

/// Serialises `v` as `JSON.stringify(v)` would, returning a new string.
pub fn to_js_string(v: &Value) -> String {
    let mut out = String::new();
    write_js(&mut out, v);
    out
}

/// Appends the `JSON.stringify` form of `v` to `out`.
pub fn write_js(out: &mut String, v: &Value) {
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(true) => out.push_str("true"),
        Value::Bool(false) => out.push_str("false"),
        Value::Number(n) => write_js_number(out, n),
        Value::String(s) => write_js_str(out, s),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_js(out, item);
            }
            out.push(']');
        }
        Value::Object(map) => {
            out.push('{');
            for (i, (k, item)) in map.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_js_str(out, k);
                out.push(':');
                write_js(out, item);
            }
            out.push('}');
        }
    }
}

/// Appends a JSON number in JavaScript's form (see the module docs).
pub fn write_js_number(out: &mut String, n: &Number) {
    if let Some(u) = n.as_u64() {
        if u <= MAX_EXACT {
            let _ = write!(out, "{u}");
        } else {
            write_js_f64(out, u as f64);
        }
    } else if let Some(i) = n.as_i64() {
        if i.unsigned_abs() <= MAX_EXACT {
            let _ = write!(out, "{i}");
        } else {
            write_js_f64(out, i as f64);
        }
    } else {
        match n.as_f64() {
            Some(f) => write_js_f64(out, f),
            None => out.push_str("null"),
        }
    }
}

/// Appends `Number.prototype.toString(x)` for a finite `x`, `null` for NaN and ±Infinity
/// (what `JSON.stringify` writes for them).
///
/// Follows ECMA-262 Number::toString: with the shortest round-trip digits `d` (k of them)
/// and `n` such that x = 0.d × 10^n, the form is `ddd000` for k ≤ n ≤ 21, `dd.ddd` for
/// 0 < n ≤ 21, `0.000ddd` for −6 < n ≤ 0, and `d.ddde±X` otherwise.
pub fn write_js_f64(out: &mut String, x: f64) {
    if !x.is_finite() {
        out.push_str("null");
        return;
    }
    if x == 0.0 {
        // Covers -0.0, which JavaScript prints as "0".
        out.push('0');
        return;
    }
    if x < 0.0 {
        out.push('-');
    }
    let (digits, n) = shortest_digits(x.abs());
    let k = i32::try_from(digits.len()).unwrap_or(i32::MAX);
    // `digits` is ASCII, so every byte index is a char boundary.
    let split = |at: i32| digits.split_at(usize::try_from(at).unwrap_or(0).min(digits.len()));
    if k <= n && n <= 21 {
        out.push_str(&digits);
        (k..n).for_each(|_| out.push('0'));
    } else if 0 < n && n <= 21 {
        let (int, frac) = split(n);
        out.push_str(int);
        out.push('.');
        out.push_str(frac);
    } else if -6 < n && n <= 0 {
        out.push_str("0.");
        (n..0).for_each(|_| out.push('0'));
        out.push_str(&digits);
    } else {
        let (first, rest) = split(1);
        out.push_str(first);
        if !rest.is_empty() {
            out.push('.');
            out.push_str(rest);
        }
        let e = n - 1;
        let _ = write!(out, "e{}{}", if e < 0 { '-' } else { '+' }, e.unsigned_abs());
    }
}

/// The shortest round-trip decimal digits of a finite `x > 0` (no trailing zeros) and `n`
/// such that x ≈ 0.digits × 10^n, with JavaScript's tie rule.
///
/// Rust's `{:e}` gives the shortest digits, but when two candidates of that length are
/// exactly equally close to `x` it takes the upper one, where ECMA-262 takes the even one
/// (`233115890514796.125` → JS `…796.12`, Rust `…796.13`). Such ties need `x` to be exactly
/// the midpoint, which is checked in integer arithmetic.
fn shortest_digits(x: f64) -> (String, i32) {
    let sci = format!("{x:e}");
    let (mantissa, exp) = sci.split_once('e').unwrap_or((sci.as_str(), "0"));
    let exp = exp.parse::<i32>().unwrap_or(0);
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let k = i32::try_from(digits.len()).unwrap_or(i32::MAX);
    let n = exp + 1;
    let Ok(d) = digits.parse::<u64>() else {
        return (digits, n);
    };
    if d % 2 == 1 {
        for cand in [d - 1, d + 1] {
            let mid = u128::from(d + cand) * 5;
            let unit = n - k;
            // A tie: x is exactly halfway between `d` and `cand`, and `cand` reads back as x.
            if cand > 0 && equals_decimal(x, mid, unit - 1) && format!("{cand}e{unit}").parse::<f64>() == Ok(x) {
                let mut text = cand.to_string();
                let n = n + i32::try_from(text.len()).unwrap_or(0) - k;
                while text.len() > 1 && text.ends_with('0') {
                    text.pop();
                }
                return (text, n);
            }
        }
    }
    (digits, n)
}

/// Whether the finite `x > 0` equals `m × 10^q` exactly.
fn equals_decimal(x: f64, m: u128, q: i32) -> bool {
    let bits = x.to_bits();
    let biased = i32::try_from((bits >> 52) & 0x7ff).unwrap_or(0);
    let frac = u128::from(bits & ((1 << 52) - 1));
    let (mant, e2) = if biased == 0 { (frac, -1074) } else { (frac | (1 << 52), biased - 1075) };
    // mant < 2^53 and m ≤ 10^18 keep every product that can be equal within u128;
    // larger powers of 5 overflow `checked_*` and correctly answer "not equal".
    if q >= 0 {
        // mant × 2^e2 == m × 5^q × 2^q
        let Some(rhs) = pow5(q).and_then(|p| m.checked_mul(p)) else {
            return false;
        };
        equals_shifted(mant, e2, rhs, q)
    } else {
        // mant × 5^-q × 2^(e2-q) == m
        let Some(lhs) = pow5(-q).and_then(|p| mant.checked_mul(p)) else {
            return false;
        };
        equals_shifted(lhs, e2 - q, m, 0)
    }
}

fn pow5(e: i32) -> Option<u128> {
    5u128.checked_pow(u32::try_from(e).ok()?)
}

/// Whether a × 2^ea == b × 2^eb for non-zero a, b.
fn equals_shifted(a: u128, ea: i32, b: u128, eb: i32) -> bool {
    let (shifted, fixed, shift) = if ea >= eb { (a, b, ea - eb) } else { (b, a, eb - ea) };
    match u32::try_from(shift) {
        Ok(s) if s <= shifted.leading_zeros() => shifted << s == fixed,
        _ => false,
    }
}

/// Appends `s` as a quoted JSON string escaped exactly like `JSON.stringify`.
pub fn write_js_str(out: &mut String, s: &str) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push('"');
    let mut start = 0;
    for (i, b) in s.bytes().enumerate() {
        let esc: &str = match b {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            0x08 => "\\b",
            0x0c => "\\f",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0x00..=0x1f => "",
            _ => continue,
        };
        // Escaped bytes are ASCII, so `start..i` always lies on char boundaries.
        out.push_str(&s[start..i]);
        if esc.is_empty() {
            out.push_str("\\u00");
            out.push(char::from(HEX[usize::from(b >> 4)]));
            out.push(char::from(HEX[usize::from(b & 0xf)]));
        } else {
            out.push_str(esc);
        }
        start = i + 1;
    }
    out.push_str(&s[start..]);
    out.push('"');
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
pub(crate) mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    fn num(text: &str) -> String {
        to_js_string(&serde_json::from_str::<Value>(text).unwrap())
    }

    fn f(x: f64) -> String {
        let mut s = String::new();
        write_js_f64(&mut s, x);
        s
    }

    #[test]
    fn integral_numbers_have_no_fraction() {
        assert_eq!(num("240.0"), "240");
        assert_eq!(num("2.4e2"), "240");
        assert_eq!(num("240"), "240");
        assert_eq!(num("-0.0"), "0");
        assert_eq!(num("-0"), "0");
        assert_eq!(num("1.0e0"), "1");
        assert_eq!(num("-12.000"), "-12");
        assert_eq!(num("9007199254740992"), "9007199254740992");
        assert_eq!(num("-9007199254740992"), "-9007199254740992");
        assert_eq!(num("9007199254740992.0"), "9007199254740992");
        assert_eq!(num("1e20"), "100000000000000000000");
        assert_eq!(f(-0.0), "0");
    }

    #[test]
    fn large_integers_are_printed_as_doubles() {
        assert_eq!(num("12345678901234567890"), "12345678901234567000");
        assert_eq!(num("18446744073709551615"), "18446744073709552000");
        assert_eq!(num("-9223372036854775808"), "-9223372036854776000");
        assert_eq!(num("9007199254740993"), "9007199254740992");
        assert_eq!(to_js_string(&json!(i64::MAX)), "9223372036854776000");
    }

    #[test]
    fn fractions_and_exponents_follow_javascript() {
        assert_eq!(num("1.50"), "1.5");
        assert_eq!(num("1e21"), "1e+21");
        assert_eq!(num("1.5e21"), "1.5e+21");
        assert_eq!(num("-1e21"), "-1e+21");
        assert_eq!(num("1.5e-7"), "1.5e-7");
        assert_eq!(num("0.000001"), "0.000001");
        assert_eq!(num("0.0000015"), "0.0000015");
        assert_eq!(num("1e-7"), "1e-7");
        assert_eq!(num("0.1"), "0.1");
        assert_eq!(num("123.456"), "123.456");
        assert_eq!(num("-0.5"), "-0.5");
        assert_eq!(num("123e-20"), "1.23e-18");
        assert_eq!(f(0.1 + 0.2), "0.30000000000000004");
        assert_eq!(f(f64::MAX), "1.7976931348623157e+308");
        assert_eq!(f(5e-324), "5e-324");
        assert_eq!(f(f64::MIN_POSITIVE), "2.2250738585072014e-308");
        assert_eq!(f(123456789012345680000.0), "123456789012345680000");
        assert_eq!(f(f64::from_bits(0x42ea_8090_bb0f_6d84)), "233115890514796.12");
        assert_eq!(f(f64::from_bits(0xc31c_b54f_6b43_4481)), "-2020163013628192.2");
        assert_eq!(f(f64::NAN), "null");
        assert_eq!(f(f64::INFINITY), "null");
        assert_eq!(f(f64::NEG_INFINITY), "null");
    }

    #[test]
    fn strings_are_escaped_like_json_stringify() {
        let s = "a\"b\\c\u{8}\u{c}\n\r\t\u{0}\u{1f}\u{7f}\u{2028}\u{2029}é😀/";
        assert_eq!(to_js_string(&json!(s)), "\"a\\\"b\\\\c\\b\\f\\n\\r\\t\\u0000\\u001f\u{7f}\u{2028}\u{2029}é😀/\"");
        assert_eq!(to_js_string(&json!("")), "\"\"");
    }

    #[test]
    fn structures_are_compact() {
        let v = json!({"event": "next", "list": [1.0, null, true, false, {}, []]});
        let out = to_js_string(&v);
        assert!(
            out == r#"{"event":"next","list":[1,null,true,false,{},[]]}"#
                || out == r#"{"list":[1,null,true,false,{},[]],"event":"next"}"#
        );
        assert_eq!(to_js_string(&json!([])), "[]");
        assert_eq!(to_js_string(&json!({})), "{}");
    }

    #[test]
    fn write_js_appends() {
        let mut out = String::from("x");
        write_js(&mut out, &json!([1.5]));
        assert_eq!(out, "x[1.5]");
    }

    /// Doubles equal or a few ULPs apart: serde_json parses floats exactly only with its
    /// `float_roundtrip` feature; without it some inputs land 1–2 ULPs away. Exactness of
    /// the text itself is checked by `doubles_round_trip_exactly` with Rust's exact parser.
    fn close(x: Option<f64>, y: Option<f64>) -> bool {
        match (x, y) {
            (Some(x), Some(y)) => x == y || (x.signum() == y.signum() && x.to_bits().abs_diff(y.to_bits()) <= 4),
            _ => false,
        }
    }

    /// Structural equality with numbers compared as doubles.
    pub(crate) fn same(a: &Value, b: &Value) -> bool {
        match (a, b) {
            (Value::Number(x), Value::Number(y)) => close(x.as_f64(), y.as_f64()),
            (Value::Array(x), Value::Array(y)) => x.len() == y.len() && x.iter().zip(y).all(|(p, q)| same(p, q)),
            (Value::Object(x), Value::Object(y)) => {
                x.len() == y.len() && x.iter().all(|(k, p)| y.get(k).is_some_and(|q| same(p, q)))
            }
            _ => a == b,
        }
    }

    pub(crate) fn arb_value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<u64>().prop_map(|n| json!(n)),
            any::<i64>().prop_map(|n| json!(n)),
            any::<f64>().prop_filter_map("finite", |x| { serde_json::Number::from_f64(x).map(Value::Number) }),
            (-1_000_000i64..1_000_000, 0u32..4).prop_map(|(m, d)| json!(m as f64 / 10f64.powi(d as i32))),
            any::<String>().prop_map(Value::String),
        ];
        leaf.prop_recursive(4, 48, 6, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
                prop::collection::vec((any::<String>(), inner), 0..6)
                    .prop_map(|kv| Value::Object(kv.into_iter().collect())),
            ]
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        #[test]
        fn output_parses_back_to_the_same_value(v in arb_value()) {
            let text = to_js_string(&v);
            let back: Value = serde_json::from_str(&text).unwrap();
            prop_assert!(same(&v, &back), "{} -> {} -> {}", v, text, back);
        }

        #[test]
        fn doubles_round_trip_exactly(x in any::<f64>().prop_filter("finite", |x| x.is_finite())) {
            let text = f(x);
            let back: f64 = text.parse().unwrap();
            prop_assert_eq!(back, x, "{}", text);
            if x.fract() == 0.0 && x.abs() < 1e21 {
                prop_assert!(!text.contains('.') && !text.contains('e'), "{}", text);
            }
        }

        #[test]
        fn strings_round_trip(s in any::<String>()) {
            let text = to_js_string(&Value::String(s.clone()));
            prop_assert_eq!(serde_json::from_str::<String>(&text).unwrap(), s);
            prop_assert!(!text.bytes().any(|b| b < 0x20));
        }
    }
}
