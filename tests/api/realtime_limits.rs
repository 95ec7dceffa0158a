//! Abuse limits of the realtime side: per-socket event rate, sockets per user, and
//! admission control per instance. Each is configurable; others stay unaffected.

use std::time::Duration;

use infinidream_actors::Role;

use crate::helpers::*;
use crate::rawsock::*;

#[actix_web::test]
async fn a_socket_over_its_event_rate_gets_errors_then_is_disconnected() {
    let app = spawn_app_with(|env| {
        env.insert("SOCKET_EVENT_RATE".into(), "1".into());
        env.insert("SOCKET_EVENT_BURST".into(), "3".into());
        env.insert("SOCKET_ABUSE_DISCONNECT_AFTER".into(), "20".into());
    })
    .await;
    let user = app.create_user(Role::User).await;
    let (mut calm, _) = RawWs::remote_control(app.port, &user.api_key).await;
    let (mut flood, _) = RawWs::remote_control(app.port, &user.api_key).await;
    for i in 0..5 {
        flood.send(&format!("42/remote-control,{i}[\"new_remote_control_event\",{{\"event\":\"help\"}}]")).await;
    }
    // The burst of 3 passes; the 4th is refused with the documented error and ack.
    let refused = flood.text_until(|f| is_event(f, "Error")).await;
    assert_eq!(refused, r#"42/remote-control,["Error",{"error":"Too many requests."}]"#);
    assert_eq!(flood.text().await, r#"43/remote-control,3[{"error":"Too many requests."}]"#);
    // Repeated abuse: closed with 1008 (policy violation).
    for _ in 0..30 {
        flood.send(r#"42/remote-control,["new_remote_control_event",{"event":"help"}]"#).await;
    }
    assert_eq!(flood.close_code().await, Some(1008));
    // The other device of the same user is unaffected.
    calm.send(r#"42/remote-control,9["new_remote_control_event",{"event":"credit"}]"#).await;
    calm.text_until(|f| f.starts_with("43/remote-control,9")).await;
}

#[actix_web::test]
async fn a_user_cannot_hold_more_sockets_than_the_limit() {
    let app = spawn_app_with(|env| {
        env.insert("MAX_SOCKETS_PER_USER".into(), "2".into());
    })
    .await;
    let user = app.create_user(Role::User).await;
    let other = app.create_user(Role::User).await;
    let (mut a, _) = RawWs::remote_control(app.port, &user.api_key).await;
    let (_b, _) = RawWs::remote_control(app.port, &user.api_key).await;
    let mut c = RawWs::connect(app.port, &[]).await;
    c.open().await;
    c.send(&format!("40/remote-control,{{\"apiKey\":\"{}\"}}", user.api_key)).await;
    assert_eq!(c.text().await, r#"44/remote-control,{"message":"Too many connections"}"#);
    // Another user is not affected, and the existing sockets keep working.
    RawWs::remote_control(app.port, &other.api_key).await;
    a.send(r#"42/remote-control,5["new_remote_control_event",{"event":"web"}]"#).await;
    a.text_until(|f| f.starts_with("43/remote-control,5")).await;
}

#[actix_web::test]
async fn a_full_instance_refuses_new_handshakes_early_and_keeps_existing_ones() {
    let app = spawn_app_with(|env| {
        env.insert("MAX_CONNECTIONS".into(), "2".into());
    })
    .await;
    let user = app.create_user(Role::User).await;
    let (mut a, _) = RawWs::remote_control(app.port, &user.api_key).await;
    let (_b, _) = RawWs::remote_control(app.port, &user.api_key).await;
    let err = RawWs::connect_url(&ws_url(app.port, ""), &[]).await.err().expect("refused");
    assert!(err.to_string().contains("503"), "{err}");
    let res = app.client.get(polling_url(app.port, "")).send().await.unwrap();
    assert_eq!(res.status(), 503);
    assert!(res.headers().contains_key("retry-after"));
    a.send(r#"42/remote-control,1["new_remote_control_event",{"event":"help"}]"#).await;
    a.text_until(|f| f.starts_with("43/remote-control,1")).await;
    // A place frees up when a session ends.
    drop(_b);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    loop {
        if RawWs::connect_url(&ws_url(app.port, ""), &[]).await.is_ok() {
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "slot never freed");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
