//! One-time codes: 6 random digits, stored as HMACs (`data-model.md` §4.2), emailed to
//! the user. At most `AUTH_CODE_MAX_PER_HOUR` codes per email per hour; 5 attempts each.

use infinidream_actors::domain::auth::{CodeCheck, CodePurpose, IssueOutcome, NewCode};
use rand::RngExt;

use crate::auth::limits::TOO_MANY;
use crate::error::ApiError;
use crate::state::AppState;

/// Wrong guesses allowed per code.
const MAX_ATTEMPTS: i32 = 5;

pub const INVALID_CODE: &str = "Invalid verification code provided.";

/// Issues a code for `email` and emails it. 429 when the hourly limit is reached; an SMTP
/// failure is a 500 (the caller decides whether to swallow it).
pub async fn issue_and_send(state: &AppState, email: &str, purpose: CodePurpose) -> Result<(), ApiError> {
    let email = email.trim().to_lowercase();
    let code = format!("{:06}", rand::rng().random_range(0..1_000_000u32));
    let cfg = &state.settings.auth;
    let outcome = state
        .actors
        .auth
        .issue_code(NewCode {
            email: email.clone(),
            purpose,
            code_hash: state.auth.keys.code_hash(purpose.as_str(), &email, &code),
            ttl_secs: cfg.code_ttl.as_secs_f64(),
            max_per_hour: i64::from(cfg.code_max_per_hour),
        })
        .await?;
    if let IssueOutcome::TooMany { retry_after_secs } = outcome {
        return Err(ApiError::TooManyRequests { message: TOO_MANY, retry_after_secs });
    }
    let minutes = cfg.code_ttl.as_secs().div_ceil(60);
    let (subject, body) = match purpose {
        CodePurpose::Login => (
            "Your infinidream sign-in code",
            format!(
                "Your infinidream sign-in code is: {code}\n\nIt is valid for {minutes} minutes and can be used once.\n\
                 If you did not ask to sign in, you can ignore this email.\n"
            ),
        ),
        CodePurpose::PasswordReset => (
            "Reset your infinidream password",
            format!(
                "Your infinidream password reset code is: {code}\n\nIt is valid for {minutes} minutes and can be used once.\n\
                 Enter it together with your new password on the password reset page.\n\
                 If you did not ask to reset your password, you can ignore this email.\n"
            ),
        ),
    };
    state.mailer.send(&email, subject, body).await.map_err(ApiError::internal)
}

/// True when `code` is the latest unconsumed code of `email` for `purpose` (then consumed).
pub async fn check(state: &AppState, email: &str, purpose: CodePurpose, code: &str) -> Result<bool, ApiError> {
    let code = code.trim();
    if code.is_empty() || !code.bytes().all(|b| b.is_ascii_digit()) || code.len() > 16 {
        return Ok(false);
    }
    let email = email.trim().to_lowercase();
    let candidate_hash = state.auth.keys.code_hash(purpose.as_str(), &email, code);
    Ok(state.actors.auth.verify_code(CodeCheck { email, purpose, candidate_hash, max_attempts: MAX_ATTEMPTS }).await?)
}
