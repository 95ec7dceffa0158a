//! HTTP long-polling transport (§2.5): GET waits for queued packets, POST delivers
//! packets to the session. At most one GET and one POST may be pending per session.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Instant;

use actix_web::http::header;
use actix_web::{web, HttpResponse};
use futures_util::StreamExt;
use infinidream_actors::protocol::engineio;
use infinidream_actors::session::outbox::{Batch, CloseReason};
use infinidream_actors::session::{Handshake, SessionHandle};

use super::engine::Engine;
use super::errors::EioError;
use super::{MAX_PAYLOAD, PING_INTERVAL_MS, PING_TIMEOUT_MS};

pub struct PollingSession {
    pub handle: SessionHandle,
    get_busy: AtomicBool,
    post_busy: AtomicBool,
    upgrading: AtomicBool,
    upgraded: AtomicBool,
}

impl PollingSession {
    pub fn is_upgrading_or_upgraded(&self) -> bool {
        self.upgrading.load(Ordering::Acquire) || self.upgraded.load(Ordering::Acquire)
    }

    /// Claims the upgrade (false when one is already under way or done).
    pub fn begin_upgrade(&self) -> bool {
        !self.upgraded.load(Ordering::Acquire)
            && self.upgrading.compare_exchange(false, true, Ordering::AcqRel, Ordering::Acquire).is_ok()
    }

    pub fn abort_upgrade(&self) {
        self.upgrading.store(false, Ordering::Release);
    }

    pub fn finish_upgrade(&self) {
        self.upgraded.store(true, Ordering::Release);
        self.upgrading.store(false, Ordering::Release);
    }
}

/// Resets a busy flag on every exit path, including a client that goes away mid-request.
struct Busy<'a>(&'a AtomicBool);

impl<'a> Busy<'a> {
    fn claim(flag: &'a AtomicBool) -> Option<Busy<'a>> {
        flag.compare_exchange(false, true, Ordering::AcqRel, Ordering::Acquire).ok().map(|_| Busy(flag))
    }
}

impl Drop for Busy<'_> {
    fn drop(&mut self) {
        self.0.store(false, Ordering::Release);
    }
}

fn text_response(body: String) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/plain; charset=UTF-8")
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(body)
}

/// The handshake GET: creates the session and answers the open packet.
pub fn handshake(engine: &Engine, handshake: Handshake) -> HttpResponse {
    let shared = engine.new_session();
    let sid = shared.sid.clone();
    let handle = SessionHandle::start(engine.realtime.clone(), shared, handshake);
    let session = Arc::new(PollingSession {
        handle,
        get_busy: AtomicBool::new(false),
        post_busy: AtomicBool::new(false),
        upgrading: AtomicBool::new(false),
        upgraded: AtomicBool::new(false),
    });
    engine.insert_polling(sid.clone(), session);
    text_response(engineio::encode_open(&sid, &["websocket"], PING_INTERVAL_MS, PING_TIMEOUT_MS, MAX_PAYLOAD as u64))
}

/// Closes a session for a protocol violation and answers `Bad request`.
fn reject(engine: &Engine, session: &PollingSession) -> HttpResponse {
    session.handle.shared.outbox.close(CloseReason::BadRequest);
    engine.remove_polling(&session.handle.shared.sid);
    EioError::BadRequest.json()
}

pub async fn get(engine: &Engine, session: Arc<PollingSession>) -> HttpResponse {
    if session.upgraded.load(Ordering::Acquire) {
        return reject(engine, &session);
    }
    let Some(_busy) = Busy::claim(&session.get_busy) else {
        return reject(engine, &session);
    };
    match session.handle.shared.outbox.next_batch().await {
        Batch::Frames(frames) => text_response(engineio::join_payload(frames.iter().map(|f| &**f))),
        Batch::Close(_) => {
            engine.remove_polling(&session.handle.shared.sid);
            text_response("1".to_string())
        }
    }
}

pub async fn post(engine: &Engine, session: Arc<PollingSession>, mut body: web::Payload) -> HttpResponse {
    if session.upgraded.load(Ordering::Acquire) {
        return reject(engine, &session);
    }
    let Some(_busy) = Busy::claim(&session.post_busy) else {
        return reject(engine, &session);
    };
    let mut buf = web::BytesMut::new();
    while let Some(chunk) = body.next().await {
        let Ok(chunk) = chunk else { return reject(engine, &session) };
        if buf.len() + chunk.len() > MAX_PAYLOAD {
            session.handle.shared.outbox.close(CloseReason::TooBig);
            engine.remove_polling(&session.handle.shared.sid);
            return HttpResponse::PayloadTooLarge().finish();
        }
        buf.extend_from_slice(&chunk);
    }
    let arrived = Instant::now();
    let Ok(packets) = engineio::split_payload(&buf) else {
        return reject(engine, &session);
    };
    for packet in packets {
        session.handle.inbound(packet.to_string().into(), arrived).await;
        if session.handle.shared.outbox.is_closing() {
            break;
        }
    }
    HttpResponse::Ok().content_type("text/html").body("ok")
}
