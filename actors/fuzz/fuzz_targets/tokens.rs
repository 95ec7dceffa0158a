//! Session tokens and the unverified issuer peek of external JWTs.
#![no_main]
use std::collections::HashMap;
use std::sync::LazyLock;

use infinidream_server::auth::{oidc, tokens::SessionKeys};
use infinidream_server::config::Settings;
use libfuzzer_sys::fuzz_target;

static KEYS: LazyLock<SessionKeys> = LazyLock::new(|| {
    let vars: HashMap<String, String> =
        [("DATABASE_URL", "postgres://fuzz/fuzz"), ("SESSION_SECRET", "fuzz-secret-fuzz-secret-fuzz-secret-0123")]
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
    let settings = Settings::from_map(&vars).expect("settings");
    SessionKeys::new(&settings.auth)
});

fuzz_target!(|token: &str| {
    let _ = KEYS.parse(token, 1_800_000_000);
    let _ = oidc::unverified_issuer(token);
});
