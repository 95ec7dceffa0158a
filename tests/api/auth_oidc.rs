//! External OIDC tokens against a local JWKS server, with keys generated at test time.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use infinidream_actors::Role;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::json;

use crate::auth_support::*;
use crate::helpers::*;

const ISSUER: &str = "https://idp.example.test/pool";
const AUDIENCE: &str = "infinidream-web";

struct Idp {
    keys: TestKeys,
    jwks: JwksServer,
}

impl Idp {
    async fn start() -> Idp {
        let keys = TestKeys::generate();
        let jwks = JwksServer::start(keys.jwks("rsa-1", "ec-1")).await;
        Idp { keys, jwks }
    }

    fn token(&self, alg: Algorithm, kid: &str, claims: serde_json::Value) -> String {
        let mut h = Header::new(alg);
        h.kid = Some(kid.into());
        let key = match alg {
            Algorithm::RS256 => EncodingKey::from_rsa_pem(&self.keys.rsa_private_pem).unwrap(),
            Algorithm::ES256 => EncodingKey::from_ec_pem(&self.keys.ec_private_pem).unwrap(),
            // Algorithm confusion: the RSA *public* key used as an HMAC secret.
            _ => EncodingKey::from_secret(&self.keys.rsa_public_pem),
        };
        jsonwebtoken::encode(&h, &claims, &key).unwrap()
    }
}

fn claims_for(email: &str, sub: &str) -> serde_json::Value {
    let now = chrono::Utc::now().timestamp();
    json!({"iss": ISSUER, "sub": sub, "aud": AUDIENCE, "email": email, "given_name": "Grace",
           "family_name": "Hopper", "iat": now, "exp": now + 300})
}

async fn oidc_app(idp: &Idp) -> TestApp {
    let (app, _sink) = spawn_auth_app(|env| {
        env.insert("OIDC_ISSUER".into(), ISSUER.into());
        env.insert("OIDC_AUDIENCE".into(), AUDIENCE.into());
        env.insert("OIDC_JWKS_URL".into(), idp.jwks.url());
    })
    .await;
    app
}

async fn me(app: &TestApp, token: &str) -> reqwest::Response {
    get_with_bearer(app, "/api/v1/user/me", token).await
}

#[actix_web::test]
async fn rs256_and_es256_tokens_authenticate_and_create_the_user_once() {
    let idp = Idp::start().await;
    let app = oidc_app(&idp).await;
    let rs = idp.token(Algorithm::RS256, "rsa-1", claims_for("grace@example.com", "sub-grace"));
    let res = me(&app, &rs).await;
    assert_eq!(res.status(), 200);
    assert!(session_cookie(&res).is_none(), "no cookie for external tokens");
    let user = json(res).await["data"]["user"].clone();
    assert_eq!(user["email"], "grace@example.com");
    assert_eq!(user["name"], "Grace");
    assert_eq!(user["lastName"], "Hopper");
    assert_eq!(user["role"]["name"], "user-group");
    let es = idp.token(Algorithm::ES256, "ec-1", claims_for("grace@example.com", "sub-grace"));
    let again = json(me(&app, &es).await).await;
    assert_eq!(again["data"]["user"]["uuid"], user["uuid"]);
    let links: i64 = db(&app).await.query_one("SELECT count(*) FROM user_identity", &[]).await.unwrap().get(0);
    assert_eq!(links, 1);
}

#[actix_web::test]
async fn an_existing_user_is_matched_by_email() {
    let idp = Idp::start().await;
    let app = oidc_app(&idp).await;
    let existing = app.create_user(Role::Creator).await;
    let t = idp.token(Algorithm::RS256, "rsa-1", claims_for(&existing.email.to_uppercase(), "sub-x"));
    let body = json(me(&app, &t).await).await;
    assert_eq!(body["data"]["user"]["uuid"], existing.uuid.to_string());
}

#[actix_web::test]
async fn invalid_external_tokens_are_rejected() {
    let idp = Idp::start().await;
    let app = oidc_app(&idp).await;
    let now = chrono::Utc::now().timestamp();
    let base = claims_for("x@example.com", "sub-x");
    let with = |edit: &dyn Fn(&mut serde_json::Value)| {
        let mut c = base.clone();
        edit(&mut c);
        c
    };
    let cases = vec![
        ("expired", idp.token(Algorithm::RS256, "rsa-1", with(&|c| c["exp"] = json!(now - 120)))),
        ("not yet valid", idp.token(Algorithm::RS256, "rsa-1", with(&|c| c["nbf"] = json!(now + 600)))),
        ("wrong audience", idp.token(Algorithm::RS256, "rsa-1", with(&|c| c["aud"] = json!("someone-else")))),
        ("unknown kid", idp.token(Algorithm::RS256, "rsa-9", base.clone())),
        ("key type mismatch", idp.token(Algorithm::RS256, "ec-1", base.clone())),
        ("algorithm confusion", idp.token(Algorithm::HS256, "rsa-1", base.clone())),
        (
            "alg none",
            format!(
                "{}.{}.",
                URL_SAFE_NO_PAD.encode(r#"{"alg":"none","kid":"rsa-1"}"#),
                URL_SAFE_NO_PAD.encode(base.to_string())
            ),
        ),
        ("tampered payload", {
            let t = idp.token(Algorithm::RS256, "rsa-1", base.clone());
            let mut parts: Vec<String> = t.split('.').map(str::to_string).collect();
            parts[1] = URL_SAFE_NO_PAD.encode(with(&|c| c["email"] = json!("admin@example.com")).to_string());
            parts.join(".")
        }),
    ];
    for (why, token) in cases {
        let res = me(&app, &token).await;
        assert_eq!(res.status(), 401, "{why}");
        assert_eq!(json(res).await["message"], "Authentication failed.", "{why}");
    }
    // Within the 60 s leeway an expired token is still accepted.
    let t = idp.token(Algorithm::RS256, "rsa-1", with(&|c| c["exp"] = json!(now - 10)));
    assert_eq!(me(&app, &t).await.status(), 200);
}

#[actix_web::test]
async fn unknown_kids_refetch_the_jwks_at_most_once_a_minute() {
    let idp = Idp::start().await;
    let app = oidc_app(&idp).await;
    let good = idp.token(Algorithm::RS256, "rsa-1", claims_for("k@example.com", "sub-k"));
    assert_eq!(me(&app, &good).await.status(), 200);
    assert_eq!(idp.jwks.hits(), 1);
    for i in 0..5 {
        let t = idp.token(Algorithm::RS256, &format!("unknown-{i}"), claims_for("k@example.com", "sub-k"));
        assert_eq!(me(&app, &t).await.status(), 401);
    }
    assert_eq!(idp.jwks.hits(), 1, "unknown kids inside a minute do not refetch");
}

#[actix_web::test]
async fn socket_credentials_accept_external_tokens() {
    let idp = Idp::start().await;
    let app = oidc_app(&idp).await;
    let t = idp.token(Algorithm::ES256, "ec-1", claims_for("s@example.com", "sub-s"));
    let u = infinidream_server::auth::authenticate_socket_token(&app.state, &t).await.unwrap();
    assert_eq!(u.email, "s@example.com");
}

#[actix_web::test]
async fn the_callback_exchanges_the_code_through_discovery_and_signs_in() {
    let idp = Idp::start().await;
    let issuer = idp.jwks.issuer();
    let (app, _sink) = spawn_auth_app(|env| {
        env.insert("OIDC_ISSUER".into(), issuer.clone());
        env.insert("OIDC_CLIENT_ID".into(), "client-1".into());
        env.insert("OIDC_CLIENT_SECRET".into(), "client-secret".into());
        env.insert("OIDC_REDIRECT_URI".into(), "https://alpha.infinidream.ai/callback".into());
    })
    .await;
    let now = chrono::Utc::now().timestamp();
    let id_claims = json!({"iss": issuer, "sub": "cb-sub", "aud": "client-1", "email": "cb@example.com",
                           "name": "Callback", "iat": now, "exp": now + 300});
    *idp.jwks.id_token.lock().unwrap() = idp.token(Algorithm::RS256, "rsa-1", id_claims.clone());
    let res = app.client.get(app.url("/api/v2/auth/callback?code=the-code")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let cookie = session_cookie(&res).unwrap();
    let body = json(res).await;
    assert_eq!(body["message"], "User logged in successfully.");
    assert_eq!(body["data"]["sealedSession"], cookie);
    assert_eq!(body["data"]["user"]["email"], "cb@example.com");
    let form = idp.jwks.token_requests.lock().unwrap()[0].clone();
    assert!(form.contains("code=the-code") && form.contains("client_id=client-1"), "{form}");
    assert!(form.contains("grant_type=authorization_code"));
    // An ID token for another audience is refused.
    let mut wrong = id_claims;
    wrong["aud"] = json!("another-client");
    *idp.jwks.id_token.lock().unwrap() = idp.token(Algorithm::RS256, "rsa-1", wrong);
    let res = app.client.get(app.url("/api/v2/auth/callback?code=x")).send().await.unwrap();
    assert_eq!(res.status(), 400);
    assert_eq!(json(res).await, json!({"success": false, "message": "Authentication failed."}));
}
