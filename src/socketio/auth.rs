//! Socket authentication (`realtime.md` §4): the first credential present decides, in
//! this order — CONNECT payload `apiKey`, CONNECT payload `token`, handshake
//! `Authorization: Api-Key`, handshake `Authorization: Bearer`, handshake cookie
//! `wos-session`. An invalid credential is not followed by the next one.

use infinidream_actors::domain::users::AuthUser;
use infinidream_actors::session::{AuthFailure, AuthFuture, Handshake, SocketAuthenticator};
use serde_json::Value;

use crate::auth::{authenticate_socket_token, verify_api_key};
use crate::error::ApiError;
use crate::state::AppState;

pub struct StateAuthenticator {
    state: AppState,
}

impl StateAuthenticator {
    pub fn new(state: AppState) -> StateAuthenticator {
        StateAuthenticator { state }
    }
}

/// A credential taken from the handshake or the CONNECT payload.
#[derive(Debug, PartialEq)]
enum SocketCredential {
    ApiKey(String),
    /// A session token or an external OIDC JWT.
    Token(String),
    None,
}

fn pick(handshake: &Handshake, connect_auth: Option<&Value>) -> SocketCredential {
    if let Some(auth) = connect_auth {
        if let Some(key) = auth.get("apiKey") {
            return SocketCredential::ApiKey(key.as_str().unwrap_or_default().to_string());
        }
        if let Some(token) = auth.get("token") {
            let token = token.as_str().unwrap_or_default();
            if let Some(key) = token.strip_prefix("Api-Key ") {
                return SocketCredential::ApiKey(key.trim().to_string());
            }
            let token = token.strip_prefix("Bearer ").unwrap_or(token);
            return SocketCredential::Token(token.trim().to_string());
        }
    }
    if let Some(authz) = &handshake.authorization {
        if let Some(key) = authz.strip_prefix("Api-Key ") {
            return SocketCredential::ApiKey(key.trim().to_string());
        }
        if let Some(token) = authz.strip_prefix("Bearer ") {
            return SocketCredential::Token(token.trim().to_string());
        }
    }
    match &handshake.session_cookie {
        Some(c) => SocketCredential::Token(c.clone()),
        None => SocketCredential::None,
    }
}

impl SocketAuthenticator for StateAuthenticator {
    fn authenticate(&self, handshake: &Handshake, connect_auth: Option<&Value>) -> AuthFuture {
        let credential = pick(handshake, connect_auth);
        let state = self.state.clone();
        Box::pin(async move {
            let user: Result<AuthUser, ApiError> = match credential {
                SocketCredential::ApiKey(key) => verify_api_key(&state, &key).await,
                // Valid or refreshable session tokens (never rotated here) and external JWTs.
                SocketCredential::Token(token) => authenticate_socket_token(&state, &token).await,
                SocketCredential::None => return Err(AuthFailure::Rejected),
            };
            user.map_err(failure)
        })
    }
}

/// A server fault is not a wrong credential: the client is told to come back later.
fn failure(e: ApiError) -> AuthFailure {
    match e {
        ApiError::Unavailable(cause) | ApiError::Internal(cause) => {
            tracing::warn!(error = %cause, "socket credential could not be checked");
            AuthFailure::Unavailable
        }
        _ => AuthFailure::Rejected,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn hs(authorization: Option<&str>, cookie: Option<&str>) -> Handshake {
        Handshake {
            authorization: authorization.map(str::to_string),
            session_cookie: cookie.map(str::to_string),
            ..Handshake::default()
        }
    }

    #[test]
    fn credential_order_follows_the_spec() {
        let both = hs(Some("Api-Key header"), Some("cookie"));
        assert_eq!(pick(&both, Some(&json!({"apiKey": "payload"}))), SocketCredential::ApiKey("payload".into()));
        assert_eq!(pick(&both, Some(&json!({"token": "Api-Key k2"}))), SocketCredential::ApiKey("k2".into()));
        assert_eq!(pick(&both, Some(&json!({"token": "Bearer t"}))), SocketCredential::Token("t".into()));
        assert_eq!(pick(&both, Some(&json!({}))), SocketCredential::ApiKey("header".into()));
        assert_eq!(pick(&hs(Some("Bearer b"), Some("c")), None), SocketCredential::Token("b".into()));
        assert_eq!(pick(&hs(Some("Basic x"), Some("c")), None), SocketCredential::Token("c".into()));
        assert_eq!(pick(&hs(None, None), None), SocketCredential::None);
        assert_eq!(pick(&hs(None, None), Some(&json!({"apiKey": 5}))), SocketCredential::ApiKey(String::new()));
    }
}
