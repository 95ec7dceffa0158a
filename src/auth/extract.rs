//! `Caller`: the extractor that authenticates a request (any role), and the one place
//! where role and ownership checks live (`rest-api.md` §3.6). A token rotated while
//! authenticating is handed to the edge as a request extension (`cookie::RotatedSession`).

use actix_web::dev::Payload;
use actix_web::{web, FromRequest, HttpMessage, HttpRequest};
use futures_util::future::LocalBoxFuture;
use infinidream_actors::domain::users::AuthUser;

use super::cookie::RotatedSession;
use super::{authenticate, SESSION_COOKIE};
use crate::error::ApiError;
use crate::state::AppState;

/// The authenticated caller. Add it as a handler argument to require authentication.
pub struct Caller(pub AuthUser);

impl Caller {
    /// 403 unless the caller is an admin.
    pub fn require_admin(&self) -> Result<(), ApiError> {
        if self.0.role.is_admin() {
            Ok(())
        } else {
            Err(ApiError::Forbidden)
        }
    }

    /// 403 unless the caller is a creator or an admin.
    pub fn require_creator(&self) -> Result<(), ApiError> {
        if self.0.role.is_creator_or_admin() {
            Ok(())
        } else {
            Err(ApiError::Forbidden)
        }
    }

    /// owner-or-admin (`rest-api.md` §3.6), checked after loading the entity.
    pub fn require_owner_or_admin(&self, owner_id: i32) -> Result<(), ApiError> {
        if self.0.id.0 == owner_id || self.0.role.is_admin() {
            Ok(())
        } else {
            Err(ApiError::Forbidden)
        }
    }
}

impl FromRequest for Caller {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Caller, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let headers = req.headers().clone();
        let cookie = req.cookie(SESSION_COOKIE).map(|c| c.value().to_string());
        let req = req.clone();
        Box::pin(async move {
            let state = state.ok_or_else(|| ApiError::Internal("AppState missing".into()))?;
            let (user, rotated) = authenticate(&state, &headers, cookie).await?;
            if let Some(token) = rotated {
                req.extensions_mut().insert(RotatedSession(token));
            }
            Ok(Caller(user))
        })
    }
}
