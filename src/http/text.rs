//! Free-text fields of the users, reports, invites, feature and dream endpoints.
//!
//! Any Unicode text is stored verbatim, except the NUL character, which PostgreSQL `text`
//! cannot hold: it is refused with a 400 here instead of surfacing as a database error
//! (500). Length limits count characters, as the reference's validator did.

use crate::error::Violation;
use crate::http::validate::Check;

/// `Check::string` plus the NUL rule.
pub fn text(check: &mut Check<'_>, key: &str, required: bool, max: Option<usize>, allow_empty: bool) -> Option<String> {
    let s = check.string(key, required, max, allow_empty)?;
    if s.contains('\0') {
        check.fail(key, "{} must not contain null characters");
        return None;
    }
    Some(s)
}

/// `"<key>" is not allowed` with the bare key as field, the form the user update uses
/// for unknown and admin-only keys (no `body` prefix, as in the reference).
pub fn not_allowed(key: &str) -> Violation {
    Violation { field: key.to_string(), message: format!("\"{key}\" is not allowed") }
}
