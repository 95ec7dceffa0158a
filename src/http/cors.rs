//! CORS exactly as `rest-api.md` §1.8: no `Origin`, `FRONTEND_URL`, an exact entry of
//! `CORS_ALLOWED_ORIGINS`, or `https://<anything>.<suffix>` for a configured suffix.

use crate::config::Settings;

#[derive(Debug, PartialEq, Eq)]
pub enum CorsDecision {
    /// No `Origin` header: not a cross-origin browser request.
    NoOrigin,
    Allowed,
    Denied,
}

pub const ALLOWED_METHODS: &str = "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS";
pub const ALLOWED_HEADERS: &str = "Content-Type, Authorization, Access-Control-Allow-Origin, \
Access-Control-Allow-Credentials, E-Dream-Client-Type, Edream-Client-Type, E-Dream-Client-Version, \
Edream-Client-Version";

pub fn decide(settings: &Settings, origin: Option<&str>) -> CorsDecision {
    let Some(origin) = origin else { return CorsDecision::NoOrigin };
    let bare = origin.strip_suffix('/').unwrap_or(origin);
    if bare == settings.frontend_url || settings.cors_allowed_origins.iter().any(|o| o.trim_end_matches('/') == bare) {
        return CorsDecision::Allowed;
    }
    if let Some(host) = bare.strip_prefix("https://") {
        let host_ok = !host.is_empty() && !host.contains(['/', '?', '#', '@']);
        let matches = settings
            .cors_allowed_origin_suffixes
            .iter()
            .any(|suffix| host.strip_suffix(suffix.as_str()).is_some_and(|head| head.len() > 1 && head.ends_with('.')));
        if host_ok && matches {
            return CorsDecision::Allowed;
        }
    }
    CorsDecision::Denied
}

/// True when `origin` names this very server (`Host` of the request), as for the pages the
/// server serves itself (`/remote`, the API docs). Such requests are not cross-origin, so
/// they pass without CORS headers whatever the allowlist says.
pub fn same_origin(origin: &str, host: Option<&str>) -> bool {
    let Some(host) = host.filter(|h| !h.is_empty()) else { return false };
    let authority = origin.strip_prefix("http://").or_else(|| origin.strip_prefix("https://"));
    authority.is_some_and(|a| a.trim_end_matches('/').eq_ignore_ascii_case(host))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn settings() -> Settings {
        let vars: HashMap<String, String> = [
            ("DATABASE_URL", "postgres://x/y"),
            ("FRONTEND_URL", "https://alpha.infinidream.ai"),
            ("CORS_ALLOWED_ORIGINS", "http://localhost:5173"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        Settings::from_map(&vars).unwrap()
    }

    #[test]
    fn same_origin_compares_the_authority_with_host() {
        assert!(same_origin("http://127.0.0.1:8080", Some("127.0.0.1:8080")));
        assert!(same_origin("https://API.example.com", Some("api.example.com")));
        assert!(!same_origin("http://127.0.0.1:8081", Some("127.0.0.1:8080")));
        assert!(!same_origin("http://evil.example/127.0.0.1:8080", Some("127.0.0.1:8080")));
        assert!(!same_origin("null", Some("127.0.0.1:8080")));
        assert!(!same_origin("http://127.0.0.1:8080", None));
    }

    #[test]
    fn origins_follow_the_spec_rules() {
        let s = settings();
        assert_eq!(decide(&s, None), CorsDecision::NoOrigin);
        assert_eq!(decide(&s, Some("https://alpha.infinidream.ai")), CorsDecision::Allowed);
        assert_eq!(decide(&s, Some("http://localhost:5173")), CorsDecision::Allowed);
        assert_eq!(decide(&s, Some("https://deploy-preview-1.netlify.app")), CorsDecision::Allowed);
        assert_eq!(decide(&s, Some("https://a.b.e-dream.ai/")), CorsDecision::Allowed);
        assert_eq!(decide(&s, Some("https://infinidream.ai")), CorsDecision::Denied, "bare apex");
        assert_eq!(decide(&s, Some("http://x.infinidream.ai")), CorsDecision::Denied, "plain http");
        assert_eq!(decide(&s, Some("https://evilinfinidream.ai")), CorsDecision::Denied);
        assert_eq!(decide(&s, Some("https://evil.com")), CorsDecision::Denied);
        assert_eq!(decide(&s, Some("null")), CorsDecision::Denied);
    }
}
