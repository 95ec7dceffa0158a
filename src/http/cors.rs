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
