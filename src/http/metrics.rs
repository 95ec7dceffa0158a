//! `GET /metrics`: Prometheus text exposition (version 0.0.4). When `METRICS_TOKEN` is
//! set, only `Authorization: Bearer <token>` may scrape (constant-time comparison).
//!
//! Counters are atomics maintained where things happen (sessions, rooms, bridge, the
//! edge middleware); gauges are read at scrape time.

use std::collections::HashMap;
use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, LazyLock, Mutex};

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use infinidream_actors::bridge::BridgeStats;
use infinidream_actors::metrics as m;
use subtle::ConstantTimeEq;

use crate::socketio::Engine;
use crate::state::AppState;

/// HTTP requests by (route pattern, status). Bounded: routes × statuses.
static HTTP: LazyLock<Mutex<HashMap<(String, u16), u64>>> = LazyLock::new(|| Mutex::new(HashMap::new()));
/// New realtime handshakes refused by admission control.
pub static REFUSED_FULL: AtomicU64 = AtomicU64::new(0);
pub static REFUSED_DRAINING: AtomicU64 = AtomicU64::new(0);

/// Called by the edge middleware for every response.
pub fn record_http(route: Option<&str>, status: u16) {
    let route = route.unwrap_or("unmatched").to_string();
    let mut map = HTTP.lock().unwrap_or_else(|p| p.into_inner());
    *map.entry((route, status)).or_insert(0) += 1;
}

fn line(out: &mut String, name: &str, help: &str, kind: &str, samples: &[(String, f64)]) {
    let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
    for (labels, value) in samples {
        let _ = writeln!(out, "{name}{labels} {value}");
    }
}

fn single(out: &mut String, name: &str, help: &str, kind: &str, value: f64) {
    line(out, name, help, kind, &[(String::new(), value)]);
}

/// A latency histogram in seconds (Prometheus `_bucket`/`_sum`/`_count`).
fn histogram(out: &mut String, name: &str, help: &str, h: &m::Histogram) {
    let (buckets, count, sum_us) = h.snapshot();
    let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} histogram");
    for (bound, n) in m::LATENCY_BUCKETS_US.iter().zip(buckets) {
        let _ = writeln!(out, "{name}_bucket{{le=\"{}\"}} {n}", *bound as f64 / 1e6);
    }
    let _ = writeln!(out, "{name}_bucket{{le=\"+Inf\"}} {count}");
    let _ = writeln!(out, "{name}_sum {}", sum_us as f64 / 1e6);
    let _ = writeln!(out, "{name}_count {count}");
}

/// Marks the internal metrics listener (`METRICS_ADDR`): when one is configured, the
/// public port does not serve `/metrics`.
pub struct Internal;

fn label(key: &str, value: &str) -> String {
    format!("{{{key}=\"{}\"}}", value.replace('\\', "\\\\").replace('"', "\\\""))
}

pub async fn metrics(req: HttpRequest, state: web::Data<AppState>, engine: web::Data<Arc<Engine>>) -> HttpResponse {
    if state.settings.metrics_addr.is_some() && req.app_data::<web::Data<Internal>>().is_none() {
        return crate::http::not_found().await;
    }
    if let Some(token) = &state.settings.metrics_token {
        let given = req
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "));
        let ok = given.is_some_and(|g| bool::from(g.as_bytes().ct_eq(token.as_bytes())));
        if !ok {
            return HttpResponse::Unauthorized().json(crate::error::error_body(crate::error::NO_CREDENTIALS, None));
        }
    }
    let mut out = String::with_capacity(4096);
    single(
        &mut out,
        "infinidream_sessions",
        "Live Engine.IO sessions on this instance",
        "gauge",
        engine.live_sessions() as f64,
    );
    if let Some(heap) = crate::alloc::heap_stats() {
        single(
            &mut out,
            "infinidream_heap_allocated_bytes",
            "Bytes of heap the server holds in live allocations (jemalloc)",
            "gauge",
            heap.allocated as f64,
        );
        single(
            &mut out,
            "infinidream_heap_active_bytes",
            "Bytes in pages holding live allocations; minus allocated: fragmentation (jemalloc)",
            "gauge",
            heap.active as f64,
        );
        single(
            &mut out,
            "infinidream_heap_resident_bytes",
            "Bytes of physical memory held by the allocator (jemalloc)",
            "gauge",
            heap.resident as f64,
        );
    }
    if let Ok((users, dreams)) = state.actors.rooms.stats().await {
        single(&mut out, "infinidream_user_rooms", "USER rooms with local members", "gauge", users as f64);
        single(&mut out, "infinidream_dream_rooms", "DREAM rooms with local members", "gauge", dreams as f64);
    }
    let events: Vec<(String, f64)> =
        m::EVENT_NAMES.iter().zip(m::EVENTS_IN.iter()).map(|(n, c)| (label("event", n), m::get(c) as f64)).collect();
    line(&mut out, "infinidream_events_in_total", "Socket events received, by name", "counter", &events);
    let out_events: Vec<(String, f64)> = m::OUT_EVENT_NAMES
        .iter()
        .zip(m::EVENTS_OUT.iter())
        .map(|(n, c)| (label("event", n), m::get(c) as f64))
        .collect();
    line(
        &mut out,
        "infinidream_events_out_total",
        "Socket events emitted by this instance, by name (once per emission, not per recipient)",
        "counter",
        &out_events,
    );
    histogram(
        &mut out,
        "infinidream_relay_latency_seconds",
        "From a socket event's arrival to its relay reaching every local recipient's queue",
        &m::RELAY_LATENCY,
    );
    histogram(
        &mut out,
        "infinidream_bridge_lag_seconds",
        "From publication by another instance to reception here (wall clocks)",
        &m::BRIDGE_LAG,
    );
    single(
        &mut out,
        "infinidream_presence_failures_total",
        "Presence updates that failed: Redis error, unreachable, or no answer within 1 s (local counts were used)",
        "counter",
        m::get(&m::PRESENCE_FAILURES) as f64,
    );
    single(
        &mut out,
        "infinidream_events_rate_limited_total",
        "Socket events refused by the rate limit",
        "counter",
        m::get(&m::EVENTS_RATE_LIMITED) as f64,
    );
    let connects = [
        (label("outcome", "accepted"), m::get(&m::CONNECTS_ACCEPTED) as f64),
        (label("outcome", "unauthorized"), m::get(&m::CONNECTS_UNAUTHORIZED) as f64),
        (label("outcome", "too_many"), m::get(&m::CONNECTS_TOO_MANY) as f64),
        (label("outcome", "unavailable"), m::get(&m::CONNECTS_UNAVAILABLE) as f64),
    ];
    line(&mut out, "infinidream_socket_connects_total", "Namespace CONNECTs by outcome", "counter", &connects);
    let keys = state.actors.users.key_lookups();
    let keys = [
        (label("answer", "cache"), keys.cached as f64),
        (label("answer", "shared"), keys.shared as f64),
        (label("answer", "query"), keys.queried as f64),
    ];
    line(
        &mut out,
        "infinidream_api_key_lookups_total",
        "API-key lookups: from the cache, sharing a concurrent lookup's query, by a query of their own",
        "counter",
        &keys,
    );
    let hellos = state.actors.client.hello_counts();
    let hellos = [(label("by", "read"), hellos.reads as f64), (label("by", "statement"), hellos.statements as f64)];
    line(
        &mut out,
        "infinidream_client_hello_total",
        "client/hello reads, and the database statements that answered them (concurrent reads share one)",
        "counter",
        &hellos,
    );
    let refused = [
        (label("reason", "full"), REFUSED_FULL.load(Ordering::Relaxed) as f64),
        (label("reason", "draining"), REFUSED_DRAINING.load(Ordering::Relaxed) as f64),
    ];
    line(
        &mut out,
        "infinidream_connections_refused_total",
        "Realtime handshakes refused, by reason",
        "counter",
        &refused,
    );
    single(
        &mut out,
        "infinidream_slow_consumers_total",
        "Sessions closed as slow consumers",
        "counter",
        m::get(&m::SLOW_CONSUMERS) as f64,
    );
    single(
        &mut out,
        "infinidream_protocol_errors_total",
        "Sessions closed for protocol errors",
        "counter",
        m::get(&m::PROTOCOL_ERRORS) as f64,
    );

    let b = &state.actors.bridge.stats;
    let bridge = [
        ("published", &b.published),
        ("publish_failed", &b.publish_failed),
        ("dropped_queue_full", &b.dropped_queue_full),
        ("received", &b.received),
        ("dropped_invalid", &b.dropped_invalid),
        ("dropped_own", &b.dropped_own),
        ("reconnects", &b.reconnects),
        ("skipped_alone", &b.skipped_alone),
        ("announcements", &b.announcements),
    ];
    let bridge: Vec<(String, f64)> =
        bridge.iter().map(|(k, c)| (label("kind", k), BridgeStats::get(c) as f64)).collect();
    line(&mut out, "infinidream_bridge_messages_total", "Cluster bridge messages, by outcome", "counter", &bridge);
    single(
        &mut out,
        "infinidream_bridge_subscriptions",
        "Room channels subscribed",
        "gauge",
        state.actors.bridge.subscriptions() as f64,
    );

    let pool = state.actors.pool.status();
    line(
        &mut out,
        "infinidream_db_pool_connections",
        "PostgreSQL pool connections",
        "gauge",
        &[
            (label("state", "open"), pool.size as f64),
            (label("state", "idle"), pool.available as f64),
            (label("state", "waiting"), pool.waiting as f64),
        ],
    );
    if let Some(s) = state.redis.as_ref().and_then(|r| r.state()) {
        line(
            &mut out,
            "infinidream_redis_pool_connections",
            "Redis command pool connections",
            "gauge",
            &[(label("state", "open"), s.connections as f64), (label("state", "idle"), s.idle_connections as f64)],
        );
    }
    single(
        &mut out,
        "infinidream_db_in_flight",
        "Domain operations running now",
        "gauge",
        infinidream_actors::domain::in_flight() as f64,
    );

    let http: Vec<(String, f64)> = {
        let map = HTTP.lock().unwrap_or_else(|p| p.into_inner());
        let mut v: Vec<_> = map.iter().collect();
        v.sort();
        v.into_iter()
            .map(|((route, status), n)| {
                (format!("{{route=\"{}\",status=\"{status}\"}}", route.replace('"', "")), *n as f64)
            })
            .collect()
    };
    line(&mut out, "infinidream_http_requests_total", "HTTP requests by route and status", "counter", &http);
    HttpResponse::Ok().content_type("text/plain; version=0.0.4; charset=utf-8").body(out)
}
