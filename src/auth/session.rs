//! Session lifecycle (`rest-api.md` §3.2): issue at login, verify on every request,
//! rotate refreshable tokens, detect refresh-secret reuse.
//!
//! Verification outcome, in order: signature/issuer/kid → the session row exists, is live
//! and belongs to a live user whose uuid is `sub` → `exp` ahead: valid → else the `rt`
//! is the current secret, or the previous one inside the grace window: refreshable →
//! else reuse: the whole session (every token of the family) is revoked.
//!
//! Rotation stores `SHA-256(next)` by compare-and-set on the current hash; `next` is an
//! HMAC of the current secret, so parallel requests carrying the same expired token all
//! produce the same new token and none of them logs the user out.

use infinidream_actors::domain::auth::{NewSession, SessionRecord};
use infinidream_actors::domain::users::AuthUser;
use infinidream_actors::UserId;
use uuid::Uuid;

use super::tokens::{now_secs, random_secret, refresh_hash, RefreshSecret, SessionClaims};
use crate::error::ApiError;
use crate::state::AppState;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenState {
    /// `exp` ahead.
    Valid,
    /// Expired, refresh secret current (or previous inside the grace window).
    Refreshable,
}

pub struct VerifiedSession {
    pub user: AuthUser,
    pub claims: SessionClaims,
    pub state: TokenState,
    rt: RefreshSecret,
    record: SessionRecord,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionFailure {
    /// Not a token of ours: bad format, signature, algorithm, key id or issuer.
    Malformed,
    /// Well-formed but not usable: unknown/revoked/expired session, deleted user.
    Invalid,
    /// A stale refresh secret was replayed; the session has been revoked.
    Reused,
}

/// Verifies a session token without rotating it.
pub async fn verify(state: &AppState, token: &str) -> Result<Result<VerifiedSession, SessionFailure>, ApiError> {
    let now = now_secs();
    let Ok((claims, rt)) = state.auth.keys.parse(token, now) else {
        return Ok(Err(SessionFailure::Malformed));
    };
    let grace = state.settings.auth.refresh_grace.as_secs_f64();
    let Some(record) = state.actors.auth.session(claims.sid, grace).await? else {
        return Ok(Err(SessionFailure::Invalid));
    };
    if !record.live || record.user.uuid != claims.sub {
        return Ok(Err(SessionFailure::Invalid));
    }
    let token_state = if claims.exp > now {
        TokenState::Valid
    } else {
        let h = refresh_hash(&rt);
        let current = super::ct_eq(&h, &record.refresh_hash);
        let previous = record.prev_in_grace && record.prev_refresh_hash.as_deref().is_some_and(|p| super::ct_eq(&h, p));
        if !(current || previous) {
            tracing::warn!(sid = %claims.sid, user = %record.user.id, "refresh secret reused: session revoked");
            state.actors.auth.revoke_session(claims.sid).await?;
            return Ok(Err(SessionFailure::Reused));
        }
        TokenState::Refreshable
    };
    Ok(Ok(VerifiedSession { user: record.user.clone(), claims, state: token_state, rt, record }))
}

/// Rotates a verified session and returns the new token; `None` when the token's secret
/// is no longer the one to rotate from (it was already rotated past it).
pub async fn rotate(state: &AppState, v: &VerifiedSession) -> Result<Option<String>, ApiError> {
    let keys = &state.auth.keys;
    let sid = v.claims.sid;
    let h = refresh_hash(&v.rt);
    let next = keys.next_secret(sid, &v.rt);
    let next_h = refresh_hash(&next);
    if super::ct_eq(&h, &v.record.refresh_hash) {
        if !state.actors.auth.rotate_session(sid, h, next_h).await? {
            return Ok(None);
        }
    } else {
        let prev_ok =
            v.record.prev_in_grace && v.record.prev_refresh_hash.as_deref().is_some_and(|p| super::ct_eq(&h, p));
        if !prev_ok || !super::ct_eq(&next_h, &v.record.refresh_hash) {
            return Ok(None);
        }
    }
    sign(state, v.claims.sub, sid, &next).map(Some)
}

fn sign(state: &AppState, sub: Uuid, sid: Uuid, rt: &RefreshSecret) -> Result<String, ApiError> {
    let ttl = i64::try_from(state.settings.auth.access_token_ttl.as_secs()).unwrap_or(i64::MAX / 4);
    state.auth.keys.sign(sub, sid, rt, now_secs(), ttl).map_err(ApiError::internal)
}

/// Creates a new session for a login and returns its first token.
pub async fn issue(
    state: &AppState,
    user: &AuthUser,
    client_type: Option<String>,
    user_agent: Option<String>,
) -> Result<String, ApiError> {
    let sid = Uuid::new_v4();
    let rt = random_secret();
    state
        .actors
        .auth
        .create_session(NewSession {
            id: sid,
            user: user.id,
            refresh_hash: refresh_hash(&rt),
            ttl_secs: state.settings.auth.session_ttl.as_secs_f64(),
            client_type,
            user_agent: user_agent.map(|ua| ua.chars().take(256).collect()),
        })
        .await?;
    tracing::info!(target: "analytics", event = "user_logged_in", user_uuid = %user.uuid, "user_logged_in");
    sign(state, user.uuid, sid, &rt)
}

/// Revokes the session a token names if its signature is good, even when expired (logout).
pub async fn revoke_by_token(state: &AppState, token: &str) -> Result<(), ApiError> {
    if let Ok((claims, _)) = state.auth.keys.parse(token, now_secs()) {
        state.actors.auth.revoke_session(claims.sid).await?;
    }
    Ok(())
}

/// Revokes every session of a user (password change).
pub async fn revoke_all(state: &AppState, user: UserId) -> Result<(), ApiError> {
    Ok(state.actors.auth.revoke_user_sessions(user).await?)
}
