//! Protocol edge cases with raw frames (`realtime.md` §2–§3): what a well-behaved
//! client library never sends, and the exact bytes the server answers with.

use std::time::Duration;

use infinidream_actors::Role;
use serde_json::json;

use crate::helpers::*;
use crate::rawsock::*;

#[actix_web::test]
async fn the_websocket_open_packet_has_the_spec_values() {
    let app = spawn_app().await;
    let mut ws = RawWs::connect(app.port, &[]).await;
    let open = ws.open().await;
    let sid = open["sid"].as_str().unwrap();
    assert_eq!(sid.len(), 20);
    assert!(sid.starts_with(&app.state.settings.instance_id), "sid names its instance");
    assert_eq!(open["upgrades"], json!([]));
    assert_eq!(open["pingInterval"], 25000);
    assert_eq!(open["pingTimeout"], 20000);
    assert_eq!(open["maxPayload"], 1000000);
}

#[actix_web::test]
async fn connect_relays_echo_and_acks_over_raw_frames() {
    let app = spawn_app().await;
    let user = app.create_user(Role::User).await;
    let (mut a, sid_a) = RawWs::remote_control(app.port, &user.api_key).await;
    assert_eq!(sid_a.len(), 20);
    assert_eq!(a.text().await, r#"42/remote-control,["client_presence",{"connectedDevices":1,"hasWebPlayer":false}]"#);
    let (mut b, _) = RawWs::remote_control(app.port, &user.api_key).await;
    let presence = r#"42/remote-control,["client_presence",{"connectedDevices":2,"hasWebPlayer":false}]"#;
    assert_eq!(b.text().await, presence);
    assert_eq!(a.text().await, presence);

    a.send(r#"42/remote-control,7["new_remote_control_event",{"event":"pause","frameNumber":"12","fps":240.0}]"#).await;
    let echo = r#"42/remote-control,["new_remote_control_event",{"event":"pause","frameNumber":"12","fps":240}]"#;
    assert_eq!(a.text().await, echo, "echo to the sender first, numbers in JS form");
    assert_eq!(a.text().await, r#"43/remote-control,7[{"event":"pause","frameNumber":"12","fps":240}]"#);
    assert_eq!(b.text().await, echo);
}

#[actix_web::test]
async fn protocol_violations_close_the_session_with_1002() {
    let app = spawn_app().await;
    let user = app.create_user(Role::User).await;
    let cases: Vec<(&str, Vec<String>)> = vec![
        ("unknown engine.io type", vec!["9".into()]),
        ("client-initiated ping", vec!["2".into()]),
        ("upgrade outside an upgrade", vec!["5".into()]),
        ("malformed socket.io packet", vec!["4x".into()]),
        ("event before connect", vec![r#"42/remote-control,["ping"]"#.into()]),
        (
            "invalid json",
            vec![
                format!("40/remote-control,{{\"apiKey\":\"{}\"}}", user.api_key),
                r#"42/remote-control,["ping",{]"#.into(),
            ],
        ),
        (
            "reserved event name",
            vec![
                format!("40/remote-control,{{\"apiKey\":\"{}\"}}", user.api_key),
                r#"42/remote-control,["disconnect"]"#.into(),
            ],
        ),
        (
            "binary event",
            vec![
                format!("40/remote-control,{{\"apiKey\":\"{}\"}}", user.api_key),
                r#"451-/remote-control,["x",{"_placeholder":true,"num":0}]"#.into(),
            ],
        ),
        (
            "duplicate connect",
            vec![
                format!("40/remote-control,{{\"apiKey\":\"{}\"}}", user.api_key),
                format!("40/remote-control,{{\"apiKey\":\"{}\"}}", user.api_key),
            ],
        ),
        ("connect payload not an object", vec![r#"40/remote-control,"key""#.into()]),
    ];
    for (why, packets) in cases {
        let mut ws = RawWs::connect(app.port, &[]).await;
        ws.open().await;
        for p in &packets {
            ws.send(p).await;
        }
        assert_eq!(ws.close_code().await, Some(1002), "{why}");
    }
}

#[actix_web::test]
async fn binary_frames_are_a_protocol_error_and_oversize_frames_get_1009() {
    let app = spawn_app().await;
    let mut ws = RawWs::connect(app.port, &[]).await;
    ws.open().await;
    ws.send_binary(vec![4, 1, 2, 3]).await;
    assert_eq!(ws.close_code().await, Some(1002));

    let mut ws = RawWs::connect(app.port, &[]).await;
    ws.open().await;
    ws.send(&format!("42/remote-control,[\"x\",\"{}\"]", "a".repeat(1_000_001))).await;
    assert_eq!(ws.close_code().await, Some(1009));
}

#[actix_web::test]
async fn websocket_pings_are_answered_with_their_payload_and_the_session_goes_on() {
    let app = spawn_app().await;
    let user = app.create_user(Role::User).await;
    let mut ws = RawWs::connect(app.port, &[]).await;
    ws.open().await;
    assert_eq!(ws.ping(b"before connect").await.as_deref(), Some(&b"before connect"[..]));
    ws.send(&format!("40/remote-control,{{\"apiKey\":\"{}\"}}", user.api_key)).await;
    ws.text_until(|t| t.starts_with("40/remote-control,")).await;
    ws.text_until(|t| t.contains("client_presence")).await;
    assert_eq!(ws.ping(b"").await.as_deref(), Some(&b""[..]));
    // Still a live session: an event is answered.
    ws.send("42/remote-control,1[\"ping\"]").await;
    ws.text_until(|t| t.starts_with("43/remote-control,1")).await;
}

#[actix_web::test]
async fn a_bad_namespace_or_credential_is_refused_but_the_session_stays_open() {
    let app = spawn_app().await;
    let user = app.create_user(Role::User).await;
    let mut ws = RawWs::connect(app.port, &[]).await;
    ws.open().await;
    ws.send("40/nope,").await;
    assert_eq!(ws.text().await, r#"44/nope,{"message":"Invalid namespace"}"#);
    ws.send(r#"40/remote-control,{"apiKey":"wrong"}"#).await;
    assert_eq!(ws.text().await, r#"44/remote-control,{"message":"UNAUTHORIZED"}"#);
    ws.send("40/remote-control,").await;
    assert_eq!(ws.text().await, r#"44/remote-control,{"message":"UNAUTHORIZED"}"#, "no credentials at all");
    ws.send(&format!("40/remote-control,{{\"apiKey\":\"{}\"}}", user.api_key)).await;
    assert!(ws.text().await.starts_with("40/remote-control,{\"sid\":"));
}

#[actix_web::test]
async fn handshake_headers_authenticate_like_the_desktop() {
    let app = spawn_app().await;
    let user = app.create_user(Role::User).await;
    let auth = format!("Api-Key {}", user.api_key);
    let mut ws = RawWs::connect(app.port, &[("authorization", &auth), ("edream-client-type", "native macOS")]).await;
    ws.open().await;
    ws.send("40/remote-control,").await;
    assert!(ws.text().await.starts_with("40/remote-control,{\"sid\":"));
    // An invalid payload credential is not followed by the valid header (§4).
    let mut ws = RawWs::connect(app.port, &[("authorization", &auth)]).await;
    ws.open().await;
    ws.send(r#"40/remote-control,{"apiKey":"bad"}"#).await;
    assert_eq!(ws.text().await, r#"44/remote-control,{"message":"UNAUTHORIZED"}"#);
}

#[actix_web::test]
async fn the_root_namespace_requires_auth_and_ignores_events() {
    let app = spawn_app().await;
    let user = app.create_user(Role::User).await;
    let mut ws = RawWs::connect(app.port, &[]).await;
    ws.open().await;
    ws.send("40").await;
    assert_eq!(ws.text().await, r#"44{"message":"UNAUTHORIZED"}"#);
    ws.send(&format!("40{{\"apiKey\":\"{}\"}}", user.api_key)).await;
    assert!(ws.text().await.starts_with("40{\"sid\":"));
    ws.send(r#"425["new_remote_control_event",{"event":"next"}]"#).await;
    assert_eq!(ws.text().await, "435[]");
}

#[actix_web::test]
async fn client_disconnect_leaves_the_room_and_keeps_the_session() {
    let app = spawn_app().await;
    let user = app.create_user(Role::User).await;
    let (mut a, _) = RawWs::remote_control(app.port, &user.api_key).await;
    a.text().await;
    let (mut b, _) = RawWs::remote_control(app.port, &user.api_key).await;
    b.text().await;
    a.text().await;
    b.send("41/remote-control,").await;
    assert_eq!(a.text().await, r#"42/remote-control,["client_presence",{"connectedDevices":1,"hasWebPlayer":false}]"#);
    // The Engine.IO session is still open: b can connect again.
    b.send(&format!("40/remote-control,{{\"apiKey\":\"{}\"}}", user.api_key)).await;
    assert!(b.text().await.starts_with("40/remote-control,"));
}

#[actix_web::test]
async fn closing_the_transport_updates_presence_for_the_other_devices() {
    let app = spawn_app().await;
    let user = app.create_user(Role::User).await;
    let (mut a, _) = RawWs::remote_control(app.port, &user.api_key).await;
    a.text().await;
    let (mut b, _) = RawWs::remote_control(app.port, &user.api_key).await;
    a.text().await;
    b.send("1").await;
    assert_eq!(a.text().await, r#"42/remote-control,["client_presence",{"connectedDevices":1,"hasWebPlayer":false}]"#);
    drop(b);
}

#[actix_web::test]
async fn the_desktops_automatic_next_after_connect_is_dropped_once() {
    let app = spawn_app().await;
    let user = app.create_user(Role::User).await;
    let (mut web, _) = RawWs::remote_control(app.port, &user.api_key).await;
    web.text().await;
    let mut desktop = RawWs::connect(app.port, &[]).await;
    desktop.open().await;
    // The desktop's queue, flushed back to back right after CONNECT.
    desktop.send(&format!("40/remote-control,{{\"apiKey\":\"{}\"}}", user.api_key)).await;
    desktop.send(r#"42/remote-control,["ping"]"#).await;
    desktop.send(r#"42/remote-control,["new_remote_control_event",{"event":"next"}]"#).await;
    desktop.send(r#"42/remote-control,["new_remote_control_event",{"event":"next"}]"#).await;
    // The web device sees: presence (2 devices), the ping, presence again, then only the
    // second next.
    let frame = web.text_until(|f| is_event(f, "new_remote_control_event")).await;
    assert_eq!(frame, r#"42/remote-control,["new_remote_control_event",{"event":"next"}]"#);
    web.silent_for(Duration::from_millis(400)).await;
}

#[actix_web::test]
async fn http_errors_follow_engine_io() {
    let app = spawn_app().await;
    let c = &app.client;
    let get = |q: &str| c.get(format!("http://127.0.0.1:{}/socket.io/?{q}", app.port)).send();
    let res = get("EIO=4&transport=carrier-pigeon").await.unwrap();
    assert_eq!(res.status(), 400);
    assert_eq!(json(res).await, json!({"code": 0, "message": "Transport unknown"}));
    let res = get("EIO=3&transport=polling").await.unwrap();
    assert_eq!(json(res).await, json!({"code": 5, "message": "Unsupported protocol version"}));
    let res = get("EIO=4&transport=polling&sid=AAAAAAAAAAAAAAAAAAAA").await.unwrap();
    assert_eq!(res.status(), 400);
    assert_eq!(json(res).await, json!({"code": 1, "message": "Session ID unknown"}));
    let res = get("EIO=4&transport=websocket").await.unwrap();
    assert_eq!(json(res).await, json!({"code": 3, "message": "Bad request"}), "websocket without Upgrade");
    let res = c.post(polling_url(app.port, "")).body("x").send().await.unwrap();
    assert_eq!(json(res).await, json!({"code": 2, "message": "Bad handshake method"}));
    let err = RawWs::connect_url(&ws_url(app.port, "&sid=AAAAAAAAAAAAAAAAAAAA"), &[]).await.err().expect("refused");
    assert!(err.to_string().contains("400"), "{err}");
    let res = c.get(polling_url(app.port, "")).header("Origin", "https://evil.example").send().await.unwrap();
    assert_eq!(json(res).await, json!({"code": 3, "message": "Bad request"}));
    let err =
        RawWs::connect_url(&ws_url(app.port, ""), &[("origin", "https://evil.example")]).await.err().expect("refused");
    match err {
        tokio_tungstenite::tungstenite::Error::Http(res) => {
            assert_eq!(res.status(), 400);
            assert_eq!(res.body().as_deref(), Some(&b"Bad request"[..]));
        }
        other => panic!("expected a raw 400, got {other}"),
    }
}

#[actix_web::test]
async fn long_polling_handshake_connect_events_and_limits() {
    let app = spawn_app().await;
    let user = app.create_user(Role::User).await;
    let c = &app.client;
    let res = c.get(polling_url(app.port, "")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.headers()["content-type"].to_str().unwrap().starts_with("text/plain"));
    let open = res.text().await.unwrap();
    let v: serde_json::Value = serde_json::from_str(&open[1..]).unwrap();
    assert_eq!(v["upgrades"], json!(["websocket"]));
    let sid = v["sid"].as_str().unwrap().to_string();
    let q = format!("&sid={sid}");

    let res = c
        .post(polling_url(app.port, &q))
        .body(format!("40/remote-control,{{\"apiKey\":\"{}\"}}", user.api_key))
        .send()
        .await
        .unwrap();
    assert_eq!(res.text().await.unwrap(), "ok");
    let body = c.get(polling_url(app.port, &q)).send().await.unwrap().text().await.unwrap();
    let packets: Vec<&str> = body.split('\u{1e}').collect();
    assert!(packets[0].starts_with("40/remote-control,{\"sid\":"), "{body}");
    let rest = if packets.len() > 1 {
        packets[1].to_string()
    } else {
        c.get(polling_url(app.port, &q)).send().await.unwrap().text().await.unwrap()
    };
    assert!(rest.contains("client_presence"), "{rest}");

    // Two packets in one POST, separated by the record separator.
    let batch = "42/remote-control,1[\"new_remote_control_event\",{\"event\":\"help\"}]\u{1e}42/remote-control,2[\"ping_redis\"]";
    assert_eq!(c.post(polling_url(app.port, &q)).body(batch).send().await.unwrap().text().await.unwrap(), "ok");
    let body = c.get(polling_url(app.port, &q)).send().await.unwrap().text().await.unwrap();
    assert!(body.contains("43/remote-control,1[{\"event\":\"help\"}]"), "{body}");

    // Two GETs at once: whichever comes second gets 400 and the session is closed (the
    // other is answered with the close packet).
    let url = polling_url(app.port, &q);
    let (r1, r2) = tokio::join!(c.get(&url).send(), c.get(&url).send());
    let mut outcomes = Vec::new();
    for r in [r1.unwrap(), r2.unwrap()] {
        let status = r.status().as_u16();
        outcomes.push((status, r.text().await.unwrap()));
    }
    outcomes.sort();
    assert_eq!(outcomes[0], (200, "1".to_string()), "{outcomes:?}");
    assert_eq!(outcomes[1].0, 400, "{outcomes:?}");
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&outcomes[1].1).unwrap(),
        json!({"code": 3, "message": "Bad request"})
    );
    let res = c.get(&url).send().await.unwrap();
    assert_eq!(json(res).await["code"], 1, "the session is gone");
}

#[actix_web::test]
async fn an_oversize_polling_post_gets_413_and_closes_the_session() {
    let app = spawn_app().await;
    let c = &app.client;
    let open = c.get(polling_url(app.port, "")).send().await.unwrap().text().await.unwrap();
    let sid = serde_json::from_str::<serde_json::Value>(&open[1..]).unwrap()["sid"].as_str().unwrap().to_string();
    let q = format!("&sid={sid}");
    let res = c.post(polling_url(app.port, &q)).body("4".repeat(1_000_001)).send().await.unwrap();
    assert_eq!(res.status(), 413);
    let res = c.get(polling_url(app.port, &q)).send().await.unwrap();
    assert_eq!(json(res).await["code"], 1);
}

#[actix_web::test]
async fn upgrade_probe_then_polling_requests_are_refused_and_a_second_upgrade_too() {
    let app = spawn_app().await;
    let user = app.create_user(Role::User).await;
    let c = &app.client;
    let open = c.get(polling_url(app.port, "")).send().await.unwrap().text().await.unwrap();
    let sid = serde_json::from_str::<serde_json::Value>(&open[1..]).unwrap()["sid"].as_str().unwrap().to_string();
    let q = format!("&sid={sid}");
    c.post(polling_url(app.port, &q))
        .body(format!("40/remote-control,{{\"apiKey\":\"{}\"}}", user.api_key))
        .send()
        .await
        .unwrap();

    let mut ws = RawWs::connect_url(&ws_url(app.port, &q), &[]).await.unwrap();
    ws.send("2probe").await;
    assert_eq!(ws.text().await, "3probe");
    ws.send("5").await;
    // Queued packets (connect ack, presence, the noop) now flow over the websocket.
    let ack = ws.text_until(|f| f.starts_with("40/remote-control,")).await;
    assert!(ack.contains("\"sid\""));
    ws.send(r#"42/remote-control,["new_remote_control_event",{"event":"credit"}]"#).await;
    ws.text_until(|f| f.contains("credit")).await;

    let res = c.post(polling_url(app.port, &q)).body("6").send().await.unwrap();
    assert_eq!(res.status(), 400, "polling POST on an upgraded session");
    let err = RawWs::connect_url(&ws_url(app.port, &q), &[]).await.err();
    assert!(err.is_some(), "a second upgrade of the same sid is refused");
}

#[actix_web::test]
async fn shutdown_closes_websockets_with_1001_and_answers_pending_polls_with_close() {
    let app = spawn_app().await;
    let user = app.create_user(Role::User).await;
    let (mut ws, _) = RawWs::remote_control(app.port, &user.api_key).await;
    ws.text().await;
    let c = app.client.clone();
    let open = c.get(polling_url(app.port, "")).send().await.unwrap().text().await.unwrap();
    let sid = serde_json::from_str::<serde_json::Value>(&open[1..]).unwrap()["sid"].as_str().unwrap().to_string();
    let url = polling_url(app.port, &format!("&sid={sid}"));
    let pending = tokio::spawn(async move { c.get(url).send().await.unwrap().text().await.unwrap() });
    tokio::task::yield_now().await;
    app.shutdown().await;
    assert_eq!(ws.close_code().await, Some(1001));
    assert_eq!(pending.await.unwrap(), "1");
}

#[actix_web::test]
async fn a_client_that_stops_reading_is_dropped_and_others_carry_on() {
    // The flood must not be stopped by the event rate limit first.
    let app = spawn_app_with(|env| {
        env.insert("SOCKET_EVENT_RATE".into(), "100000".into());
        env.insert("SOCKET_EVENT_BURST".into(), "100000".into());
    })
    .await;
    let user = app.create_user(Role::User).await;
    let (mut a, _) = RawWs::remote_control(app.port, &user.api_key).await;
    a.text().await;
    // b never reads again.
    let (_b, _) = RawWs::remote_control(app.port, &user.api_key).await;
    a.text().await;
    let big = "x".repeat(8_000);
    // a reads what has arrived after each send, like a live client (state_sync is echoed
    // to its sender too: a flood without reading would make a the slow consumer).
    let left_alone = |f: &str| f.contains("client_presence") && f.contains("\"connectedDevices\":1");
    let mut seen = false;
    for i in 0..1500 {
        a.send(&format!("42/remote-control,[\"state_sync\",{{\"n\":{i},\"pad\":\"{big}\"}}]")).await;
        seen |= a.ready_texts().iter().any(|f| left_alone(f));
    }
    // b's outbox overflowed: it is closed as a slow consumer and leaves the room.
    if !seen {
        a.text_until(left_alone).await;
    }
    a.send(r#"42/remote-control,9["new_remote_control_event",{"event":"help"}]"#).await;
    a.text_until(|f| f.starts_with("43/remote-control,9")).await;
}

#[actix_web::test]
async fn a_socket_report_is_stored_once_and_mailed_to_ops() {
    let (app, sink) = crate::auth_support::spawn_auth_app(|env| {
        env.insert("OPS_EMAIL".into(), "ops@example.com".into());
    })
    .await;
    let user = app.create_user(Role::User).await;
    let db = crate::fixtures::db(&app).await;
    let dream = crate::fixtures::insert_dream(&db, user.id, Some("Reported Dream"), false, "processed").await;
    let (mut ws, _) = RawWs::remote_control(app.port, &user.api_key).await;
    ws.send(&format!(
        "42/remote-control,[\"new_remote_control_event\",{{\"event\":\"report\",\"uuid\":\"{}\"}}]",
        dream.uuid
    ))
    .await;
    let echo = ws.text_until(|f| is_event(f, "new_remote_control_event")).await;
    assert!(echo.contains(r#""name":"Reported Dream""#), "{echo}");
    let mail = sink.next_mail("ops@example.com").await;
    assert!(mail.data.contains("Reported Dream"), "{}", mail.data);
    assert!(mail.data.contains(&dream.uuid.to_string()));
    assert_eq!(crate::fixtures::reports_for(&db, dream.id).await.len(), 1);
}
