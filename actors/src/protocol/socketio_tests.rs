//! Tests of the Socket.IO codec (unit and property tests).

use super::*;
use crate::protocol::engineio::{self, EioPacket};
use crate::protocol::jsjson::tests::{arb_value, same};
use crate::protocol::jsjson::to_js_string;
use proptest::prelude::*;
use serde_json::json;

fn pkt(kind: SioType, nsp: &str, ack_id: Option<u64>, payload: Option<Value>) -> SioPacket<'_> {
    SioPacket { kind, nsp, ack_id, payload }
}

const RC: &str = "/remote-control";

/// A one-line summary of a decode result: `kind nsp ack payload` or `Err …`.
fn show(text: &str) -> String {
    match decode(text) {
        Ok(p) => format!(
            "{:?} {} {} {}",
            p.kind,
            p.nsp,
            p.ack_id.map_or("-".to_string(), |id| id.to_string()),
            p.payload.map_or("-".to_string(), |v| to_js_string(&v))
        ),
        Err(ProtocolError::InvalidJson(_)) => "Err InvalidJson".to_string(),
        Err(e) => format!("Err {e:?}"),
    }
}

fn check(cases: &[(&str, &str)]) {
    for (input, want) in cases {
        assert_eq!(show(input), *want, "input {input:?}");
    }
}

#[test]
fn decodes_the_spec_examples() {
    let frames = [
        ("40/remote-control,", "Connect /remote-control - -"),
        (r#"40/remote-control,{"apiKey":"k"}"#, r#"Connect /remote-control - {"apiKey":"k"}"#),
        (
            r#"42/remote-control,["new_remote_control_event",{"event":"next"}]"#,
            r#"Event /remote-control - ["new_remote_control_event",{"event":"next"}]"#,
        ),
        (r#"42/remote-control,17["ping"]"#, r#"Event /remote-control 17 ["ping"]"#),
        ("41/remote-control,", "Disconnect /remote-control - -"),
        (
            r#"451-/remote-control,["x",{"_placeholder":true,"num":0}]"#,
            r#"BinaryEvent /remote-control - ["x",{"_placeholder":true,"num":0}]"#,
        ),
        (r#"42["x"]"#, r#"Event / - ["x"]"#),
        ("40", "Connect / - -"),
        (r#"40{"token":"t"}"#, r#"Connect / - {"token":"t"}"#),
        ("41", "Disconnect / - -"),
    ];
    for (frame, want) in frames {
        // The session layer's path: Engine.IO message first, then Socket.IO.
        let Ok(EioPacket::Message(inner)) = engineio::decode(frame) else {
            panic!("{frame:?} is not an Engine.IO message");
        };
        assert_eq!(show(inner), want, "frame {frame:?}");
    }
}

#[test]
fn decodes_the_other_forms() {
    check(&[
        ("0/remote-control", "Connect /remote-control - -"),
        ("3/remote-control,12[]", "Ack /remote-control 12 []"),
        (r#"312[1,"a"]"#, r#"Ack / 12 [1,"a"]"#),
        (r#"4/x,{"message":"m"}"#, r#"ConnectError /x - {"message":"m"}"#),
        (r#"4"oops""#, r#"ConnectError / - "oops""#),
        (r#"61-/nsp,5[{"_placeholder":true}]"#, r#"BinaryAck /nsp 5 [{"_placeholder":true}]"#),
        (r#"512-["x"]"#, r#"BinaryEvent / - ["x"]"#),
        (r#"2/a/b,["x"]"#, r#"Event /a/b - ["x"]"#),
        (r#"2/,["x"]"#, r#"Event / - ["x"]"#),
        (r#"2007["x"]"#, r#"Event / 7 ["x"]"#),
        (r#"29007199254740992["x"]"#, r#"Event / 9007199254740992 ["x"]"#),
        (r#"2 ["x"] "#, r#"Event / - ["x"]"#),
        (r#"2["é",1.50,2.4e2,"12"]"#, r#"Event / - ["é",1.5,240,"12"]"#),
        (r#"2["Connect"]"#, r#"Event / - ["Connect"]"#),
    ]);
    let ev = decode(r#"2/remote-control,["new_remote_control_event",{"event":"next"}]"#).unwrap();
    assert_eq!(ev.event_name(), Some("new_remote_control_event"));
    assert_eq!(ev.args(), &[json!({"event": "next"})]);
    let ack = decode(r#"312[1,"a"]"#).unwrap();
    assert_eq!((ack.event_name(), ack.args()), (None, &[json!(1), json!("a")][..]));
    assert!(decode(r#"2["ping"]"#).unwrap().args().is_empty());
    assert!(decode("0").unwrap().args().is_empty());
}

#[test]
fn rejects_malformed_packets() {
    check(&[
        ("", "Err Empty"),
        ("7[]", "Err UnknownType('7')"),
        ("x", "Err UnknownType('x')"),
        ("é", "Err UnknownType('é')"),
        (r#" 2["x"]"#, "Err UnknownType(' ')"),
        ("5", "Err IllegalAttachments"),
        (r#"5-["x"]"#, "Err IllegalAttachments"),
        (r#"51["x"]"#, "Err IllegalAttachments"),
        (r#"5a-["x"]"#, "Err IllegalAttachments"),
        ("6/nsp,[]", "Err IllegalAttachments"),
        (r#"599999999999999999999-["x"]"#, "Err IllegalAttachments"),
        // An unterminated namespace runs to the end: nothing is left for the payload.
        ("2/remote-control", "Err InvalidPayload(Event)"),
        (r#"2/remote-control["x"]"#, "Err InvalidPayload(Event)"),
        (r#"2/n,99999999999999999999999["x"]"#, "Err AckIdOutOfRange"),
        (r#"29007199254740993["x"]"#, "Err AckIdOutOfRange"),
        ("318446744073709551616[]", "Err AckIdOutOfRange"),
        (r#"2["x""#, "Err InvalidJson"),
        (r#"2["x"]x"#, "Err InvalidJson"),
        ("2 ", "Err InvalidJson"),
        ("0{", "Err InvalidJson"),
        (r#"0/nsp,{"a":}"#, "Err InvalidJson"),
        ("2/n,1x", "Err InvalidJson"),
        (r#"2["x",1e400]"#, "Err InvalidJson"),
        ("2['x']", "Err InvalidJson"),
    ]);
    let deep = format!(r#"2["x",{}{}]"#, "[".repeat(200), "]".repeat(200));
    assert_eq!(show(&deep), "Err InvalidJson");
    assert_eq!(show(&format!("2{}", "[".repeat(100_000))), "Err InvalidJson");
}

#[test]
fn rejects_wrong_payload_shapes() {
    let connect = ["0[]", r#"0"x""#, "0null", "0/n,1[1]", "0 1"];
    let disconnect = ["1{}", "1/n,[]", "1null", r#"1"x""#];
    let connect_error = ["4", "4/n,", "4[]", "41", "4null"];
    let event = ["2", "2/n,", "2/n,5", "2[]", "2{}", "2[1]", "2[null]", r#"2"x""#, r#"2[["x"]]"#];
    let ack = ["3", "3/n,5", "3/n,5{}", r#"3"x""#, "3null"];
    let groups = [
        (&connect[..], "Connect"),
        (&disconnect[..], "Disconnect"),
        (&connect_error[..], "ConnectError"),
        (&event[..], "Event"),
        (&ack[..], "Ack"),
        (&["51-", "51-[]", "51-{}"][..], "BinaryEvent"),
        (&["61-", "61-{}"][..], "BinaryAck"),
    ];
    for (inputs, kind) in groups {
        for input in inputs {
            assert_eq!(show(input), format!("Err InvalidPayload({kind})"), "input {input:?}");
        }
    }
    for name in RESERVED_EVENTS {
        let text = format!(r#"2/remote-control,["{name}",1]"#);
        assert_eq!(show(&text), format!("Err ReservedEvent({name:?})"));
    }
}

#[test]
fn reserved_names() {
    assert!(RESERVED_EVENTS.iter().all(|n| is_reserved_event(n)));
    for name in ["ping", "Connect", "", "new_remote_control_event", "connected"] {
        assert!(!is_reserved_event(name));
    }
}

#[test]
fn encodes_exact_bytes() {
    let status = [json!({"event": "status", "fps": 240.0})];
    let cases = [
        (encode_connect_ok(RC, "abc"), r#"0/remote-control,{"sid":"abc"}"#),
        (encode_connect_ok("/", "abc"), r#"0{"sid":"abc"}"#),
        (encode_connect_error(RC, "UNAUTHORIZED"), r#"4/remote-control,{"message":"UNAUTHORIZED"}"#),
        (encode_connect_error("/foo", "Invalid namespace"), r#"4/foo,{"message":"Invalid namespace"}"#),
        (encode_event("/", "x", &[]), r#"2["x"]"#),
        (encode_event(RC, "ping", &[]), r#"2/remote-control,["ping"]"#),
        (encode_event(RC, "e", &status), r#"2/remote-control,["e",{"event":"status","fps":240}]"#),
        (encode_event(RC, "a\"b", &[json!(1.5), json!(null)]), r#"2/remote-control,["a\"b",1.5,null]"#),
        (encode_event_raw(RC, "s", &[r#"{"a":1}"#, "2"]), r#"2/remote-control,["s",{"a":1},2]"#),
        (encode_event_raw("/", "x", &[]), r#"2["x"]"#),
        (encode_ack(RC, 12, &[]), "3/remote-control,12[]"),
        (encode_ack(RC, 12, &[json!(2.0), json!("s")]), r#"3/remote-control,12[2,"s"]"#),
        (encode_ack("/", 0, &[json!(true)]), "30[true]"),
        (encode_ack_raw(RC, 3, &["1", "{}"]), "3/remote-control,3[1,{}]"),
        (encode_ack_raw(RC, 3, &[]), "3/remote-control,3[]"),
        (encode(&pkt(SioType::Disconnect, RC, None, None)), "1/remote-control,"),
        (encode(&pkt(SioType::BinaryEvent, "/", None, Some(json!(["x"])))), r#"50-["x"]"#),
    ];
    for (got, want) in cases {
        assert_eq!(got, want);
    }
}

fn arb_nsp() -> impl Strategy<Value = String> {
    prop_oneof![Just("/".to_string()), Just(RC.to_string()), "/[^,]{0,12}"]
}

fn arb_name() -> impl Strategy<Value = String> {
    any::<String>().prop_filter("reserved", |n| !is_reserved_event(n))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn decode_never_panics_on_any_str(s in any::<String>()) {
        let _ = decode(&s);
    }

    #[test]
    fn decode_never_panics_on_any_bytes(b in prop::collection::vec(any::<u8>(), 0..64)) {
        let s = String::from_utf8_lossy(&b);
        let _ = decode(&s);
        let _ = engineio::decode(&s).map(|p| if let EioPacket::Message(m) = p { let _ = decode(m); });
    }

    #[test]
    fn decode_never_panics_on_packet_like_text(
        s in "[0-7]([0-9]{0,22}-?)?(/[a-z,é]{0,6})?,?[0-9]{0,22}(\\[|\\]|\\{|\\}|\"|:|,|[0-9]|x|é|-){0,12}"
    ) {
        if let Ok(p) = decode(&s) {
            prop_assert!(p.nsp.starts_with('/'));
            prop_assert!(p.ack_id.is_none_or(|id| id <= MAX_ACK_ID));
        }
    }

    #[test]
    fn events_round_trip(
        nsp in arb_nsp(),
        id in prop::option::of(0..=MAX_ACK_ID),
        name in arb_name(),
        args in prop::collection::vec(arb_value(), 0..4),
    ) {
        let mut items = vec![Value::String(name.clone())];
        items.extend(args.iter().cloned());
        let packet = pkt(SioType::Event, &nsp, id, Some(Value::Array(items)));
        let text = encode(&packet);
        if id.is_none() {
            prop_assert_eq!(&text, &encode_event(&nsp, &name, &args));
        }
        let back = decode(&text).unwrap();
        prop_assert_eq!((back.kind, back.nsp, back.ack_id), (SioType::Event, nsp.as_str(), id));
        prop_assert!(same(back.payload.as_ref().unwrap(), packet.payload.as_ref().unwrap()), "{}", text);
        prop_assert_eq!(back.event_name(), Some(name.as_str()));
    }

    #[test]
    fn acks_round_trip(nsp in arb_nsp(), id in 0..=MAX_ACK_ID, args in prop::collection::vec(arb_value(), 0..4)) {
        let text = encode_ack(&nsp, id, &args);
        let back = decode(&text).unwrap();
        prop_assert_eq!((back.kind, back.nsp, back.ack_id), (SioType::Ack, nsp.as_str(), Some(id)));
        prop_assert!(same(back.payload.as_ref().unwrap(), &Value::Array(args)), "{}", text);
    }

    #[test]
    fn connect_packets_round_trip(nsp in arb_nsp(), sid in any::<String>(), msg in any::<String>()) {
        let ok_text = encode_connect_ok(&nsp, &sid);
        let ok = decode(&ok_text).unwrap();
        prop_assert_eq!((ok.kind, ok.nsp), (SioType::Connect, nsp.as_str()));
        prop_assert_eq!(ok.payload, Some(json!({"sid": sid})));
        let err_text = encode_connect_error(&nsp, &msg);
        let err = decode(&err_text).unwrap();
        prop_assert_eq!((err.kind, err.nsp), (SioType::ConnectError, nsp.as_str()));
        prop_assert_eq!(err.payload, Some(json!({"message": msg})));
    }
}
