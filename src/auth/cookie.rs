//! The `wos-session` cookie (`rest-api.md` §3.2), rendered in one place.
//!
//! Handlers and errors only say *what* the cookie should hold (a token, or empty to clear
//! it); [`finalize`], called by the edge middleware on every REST response, writes it with
//! the configured attributes (`Max-Age`/`Expires` = `SESSION_TTL_SECS`, `Path=/`,
//! `HttpOnly`, `SameSite=Lax`, `Secure` per `COOKIE_SECURE`, `Domain` per `COOKIE_DOMAIN`).
//! A token rotated while authenticating the request (stored by the `Caller` extractor as
//! a [`RotatedSession`] request extension) becomes the cookie unless the handler already
//! set one (login, refresh and logout decide themselves).

use actix_web::body::BoxBody;
use actix_web::cookie::time::{Duration as CookieDuration, OffsetDateTime};
use actix_web::cookie::{Cookie, SameSite};
use actix_web::dev::ServiceResponse;
use actix_web::http::header::{HeaderValue, SET_COOKIE};
use actix_web::HttpMessage;

use super::settings::AuthSettings;
use super::SESSION_COOKIE;

/// A token rotated while authenticating this request.
#[derive(Clone)]
pub struct RotatedSession(pub String);

/// The cookie carrying `token` (empty: the clearing cookie), with every attribute.
pub fn render(settings: &AuthSettings, token: &str) -> Cookie<'static> {
    let mut c = Cookie::new(SESSION_COOKIE, token.to_string());
    c.set_path("/");
    c.set_http_only(true);
    c.set_same_site(SameSite::Lax);
    c.set_secure(settings.cookie_secure);
    if let Some(domain) = &settings.cookie_domain {
        c.set_domain(domain.clone());
    }
    if token.is_empty() {
        c.set_max_age(CookieDuration::ZERO);
        c.set_expires(OffsetDateTime::UNIX_EPOCH);
    } else {
        let secs = i64::try_from(settings.session_ttl.as_secs()).unwrap_or(i64::MAX / 4);
        c.set_max_age(CookieDuration::seconds(secs));
        c.set_expires(OffsetDateTime::now_utc() + CookieDuration::seconds(secs));
    }
    c
}

/// Rewrites `wos-session` cookies with the configured attributes and adds the rotated one.
pub fn finalize(res: &mut ServiceResponse<BoxBody>, settings: &AuthSettings) {
    let rotated = res.request().extensions().get::<RotatedSession>().cloned();
    let headers = res.headers_mut();
    let all: Vec<HeaderValue> = headers.get_all(SET_COOKIE).cloned().collect();
    let mut session_values = Vec::new();
    let mut others = Vec::new();
    for v in all {
        match v.to_str().ok().and_then(|s| Cookie::parse(s.to_string()).ok()) {
            Some(c) if c.name() == SESSION_COOKIE => session_values.push(c.value().to_string()),
            _ => others.push(v),
        }
    }
    if session_values.is_empty() {
        match rotated {
            Some(r) => session_values.push(r.0),
            None => return,
        }
    }
    headers.remove(SET_COOKIE);
    for v in others {
        headers.append(SET_COOKIE, v);
    }
    // The last decision wins (a handler that set a cookie after a clear).
    if let Some(value) = session_values.last() {
        if let Ok(v) = HeaderValue::from_str(&render(settings, value).to_string()) {
            headers.append(SET_COOKIE, v);
        }
    }
}
