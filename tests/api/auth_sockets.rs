//! Session tokens on the realtime transport (`realtime.md` §4): the desktop's handshake
//! cookie, Bearer, and the CONNECT `{token}` payload; refreshable tokens are accepted
//! without rotation, revoked ones refused.

use infinidream_actors::Role;

use crate::auth_support::*;
use crate::helpers::*;
use crate::rawsock::RawWs;

const UNAUTHORIZED: &str = r#"44/remote-control,{"message":"UNAUTHORIZED"}"#;

async fn connect(app: &TestApp, headers: &[(&'static str, &str)], payload: &str) -> String {
    let mut ws = RawWs::connect(app.port, headers).await;
    ws.open().await;
    ws.send(&format!("40/remote-control,{payload}")).await;
    ws.text().await
}

#[actix_web::test]
async fn session_tokens_authenticate_sockets_by_cookie_bearer_and_connect_payload() {
    let (app, sink) = spawn_auth_app(|env| {
        // Every token is immediately "refreshable": sockets must still accept it.
        env.insert("ACCESS_TOKEN_TTL_SECS".into(), "0".into());
    })
    .await;
    let user = app.create_user(Role::User).await;
    let token = login_with_code(&app, &sink, &user.email).await;
    let cookie = format!("wos-session={token}");
    let bearer = format!("Bearer {token}");
    assert!(connect(&app, &[("cookie", &cookie)], "").await.starts_with("40/remote-control,{\"sid\":"));
    assert!(connect(&app, &[("authorization", &bearer)], "").await.starts_with("40/remote-control,{\"sid\":"));
    let payload = format!("{{\"token\":\"{token}\"}}");
    assert!(connect(&app, &[], &payload).await.starts_with("40/remote-control,{\"sid\":"));
    let rotated: bool = db(&app)
        .await
        .query_one("SELECT rotated_at IS NOT NULL FROM auth_session WHERE user_id = $1", &[&user.id])
        .await
        .unwrap()
        .get(0);
    assert!(!rotated, "sockets never rotate");

    // After logout the same token is refused.
    app.client.get(app.url("/api/v2/auth/logout")).header("Cookie", &cookie).send().await.unwrap();
    assert_eq!(connect(&app, &[("cookie", &cookie)], "").await, UNAUTHORIZED);
    assert_eq!(connect(&app, &[], r#"{"token":"junk"}"#).await, UNAUTHORIZED);
}
