//! Criterion benches of the hot paths that do not need a network: packet decode/encode,
//! event validation, bridge envelope encode/decode, and fan-out of one frame into the
//! outboxes of a room of N sessions.
//!
//! Run: `cargo bench --bench protocol` (HTML reports in target/criterion).

use std::hint::black_box;
use std::sync::Arc;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use infinidream_actors::bridge::Envelope;
use infinidream_actors::protocol::{engineio, jsjson, socketio};
use infinidream_actors::remote::validate::validate_remote_control;
use infinidream_actors::session::outbox::Batch;
use infinidream_actors::session::shared::SessionShared;
use serde_json::json;

const EVENT: &str = r#"42/remote-control,["new_remote_control_event",{"event":"play_dream","uuid":"7f28a9d2-0000-4000-8000-000000000000","name":"x","frameNumber":240,"isWebClientEvent":true}]"#;

fn codec(c: &mut Criterion) {
    let mut g = c.benchmark_group("codec");
    g.throughput(Throughput::Bytes(EVENT.len() as u64));
    g.bench_function("decode_event", |b| {
        b.iter(|| {
            let Ok(engineio::EioPacket::Message(m)) = engineio::decode(black_box(EVENT)) else { unreachable!() };
            black_box(socketio::decode(m).ok())
        })
    });
    let payload = json!({"event": "play_dream", "uuid": "7f28a9d2-0000-4000-8000-000000000000", "frameNumber": 240.0, "fps": 29.97});
    g.bench_function("encode_event", |b| {
        b.iter(|| {
            black_box(socketio::encode_event(
                "/remote-control",
                "new_remote_control_event",
                std::slice::from_ref(black_box(&payload)),
            ))
        })
    });
    g.bench_function("js_json_number_form", |b| b.iter(|| black_box(jsjson::to_js_string(black_box(&payload)))));
    g.finish();
}

fn validation(c: &mut Criterion) {
    let payload = json!({"event": "play_dream", "uuid": "{7F28A9D2-0000-4000-8000-000000000000}", "frameNumber": "240", "isWebClientEvent": "true"});
    c.bench_function("validate_remote_control", |b| {
        b.iter(|| black_box(validate_remote_control(Some(black_box(&payload))).is_ok()))
    });
}

fn envelope(c: &mut Criterion) {
    let env = Envelope::emit(
        "abcdEFGH",
        42,
        vec!["USER:4".into()],
        vec!["AAAAAAAAAAAAAAAAAAAA".into()],
        EVENT[1..].to_string(),
    );
    let encoded = env.encode();
    let mut g = c.benchmark_group("bridge_envelope");
    g.bench_function("encode", |b| b.iter(|| black_box(black_box(&env).encode())));
    g.bench_function("decode", |b| b.iter(|| black_box(Envelope::decode(black_box(encoded.as_bytes())).is_ok())));
    g.finish();
}

/// The fan-out loop a room runs for one broadcast: one reference-counted frame pushed
/// into every member's outbox (then drained, as the writers would).
fn fanout(c: &mut Criterion) {
    let mut g = c.benchmark_group("fanout");
    for n in [2usize, 10, 100, 1000] {
        let members: Vec<Arc<SessionShared>> =
            (0..n).map(|i| Arc::new(SessionShared::new(format!("sid{i}")))).collect();
        let frame: bytestring::ByteString = EVENT.into();
        g.throughput(Throughput::Elements(n as u64));
        g.bench_with_input(BenchmarkId::from_parameter(n), &n, |b, _| {
            b.iter(|| {
                for m in &members {
                    let _ = m.outbox.push(frame.clone());
                }
                for m in &members {
                    if let Some(Batch::Frames(f)) = m.outbox.try_batch() {
                        black_box(f);
                    }
                }
            })
        });
    }
    g.finish();
}

criterion_group!(benches, codec, validation, envelope, fanout);
criterion_main!(benches);
