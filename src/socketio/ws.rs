//! Websocket transport: one reader task (frames → session actor, in order) and one
//! writer task (outbox → frames) per connection. Either side ending closes the other:
//! the reader marks the outbox closed, the writer then sends the close frame.

use std::sync::Arc;
use std::time::{Duration, Instant};

use actix_web::{web, HttpRequest, HttpResponse};
use actix_ws::{AggregatedMessage, AggregatedMessageStream, CloseCode, ProtocolError};
use bytestring::ByteString;
use futures_util::StreamExt;
use infinidream_actors::protocol::engineio;
use infinidream_actors::session::outbox::{Batch, CloseReason};
use infinidream_actors::session::shared::SessionShared;
use infinidream_actors::session::{Handshake, SessionHandle};

use super::engine::Engine;
use super::polling::PollingSession;
use super::{MAX_PAYLOAD, PING_INTERVAL_MS, PING_TIMEOUT_MS};

/// Time a polling client has to finish the upgrade probe (§2.6).
const UPGRADE_TIMEOUT: Duration = Duration::from_secs(10);

fn open(
    req: &HttpRequest,
    body: web::Payload,
) -> Result<(HttpResponse, actix_ws::Session, AggregatedMessageStream), actix_web::Error> {
    let (response, session, stream) = actix_ws::handle(req, body)?;
    let stream = stream.max_frame_size(MAX_PAYLOAD).aggregate_continuations().max_continuation_size(MAX_PAYLOAD);
    Ok((response, session, stream))
}

/// A brand-new websocket session (`transport=websocket`, no sid).
pub fn fresh(req: &HttpRequest, body: web::Payload, engine: &Engine, handshake: Handshake) -> HttpResponse {
    let (response, session, stream) = match open(req, body) {
        Ok(parts) => parts,
        Err(_) => return super::errors::EioError::BadRequest.upgrade(),
    };
    let shared = engine.new_session();
    let sid = shared.sid.clone();
    let open = engineio::encode_open(&sid, &[], PING_INTERVAL_MS, PING_TIMEOUT_MS, MAX_PAYLOAD as u64);
    let _ = shared.outbox.push(open.into());
    let handle = SessionHandle::start(engine.realtime.clone(), shared.clone(), handshake);
    actix_web::rt::spawn(write_loop(session.clone(), shared));
    actix_web::rt::spawn(async move {
        read_loop(stream, session, &handle).await;
        // Dropping the handle stops the session actor, which leaves its rooms.
        drop(handle);
    });
    response
}

/// Upgrade of a long-polling session (§2.6): probe, then the websocket takes over.
pub fn upgrade(
    req: &HttpRequest,
    body: web::Payload,
    engine: Arc<Engine>,
    polling: Arc<PollingSession>,
) -> HttpResponse {
    if !polling.begin_upgrade() {
        return super::errors::EioError::BadRequest.upgrade();
    }
    let (response, mut session, mut stream) = match open(req, body) {
        Ok(parts) => parts,
        Err(_) => {
            polling.abort_upgrade();
            return super::errors::EioError::BadRequest.upgrade();
        }
    };
    actix_web::rt::spawn(async move {
        let shared = polling.handle.shared.clone();
        let probe = tokio::time::timeout(UPGRADE_TIMEOUT, async {
            if !matches!(stream.next().await, Some(Ok(AggregatedMessage::Text(t))) if &*t == "2probe") {
                return false;
            }
            if session.text("3probe").await.is_err() {
                return false;
            }
            // Release a pending polling GET so the client can send the upgrade packet.
            let _ = shared.outbox.push(ByteString::from_static("6"));
            matches!(stream.next().await, Some(Ok(AggregatedMessage::Text(t))) if &*t == "5")
        })
        .await;
        if probe != Ok(true) {
            polling.abort_upgrade();
            let _ = session.close(Some((CloseCode::from(1002), "upgrade failed").into())).await;
            return;
        }
        polling.finish_upgrade();
        actix_web::rt::spawn(write_loop(session.clone(), shared.clone()));
        read_loop(stream, session, &polling.handle).await;
        engine.remove_polling(&shared.sid);
    });
    response
}

async fn write_loop(mut ws: actix_ws::Session, shared: Arc<SessionShared>) {
    loop {
        match shared.outbox.next_batch().await {
            Batch::Frames(frames) => {
                for frame in frames {
                    if ws.text(frame).await.is_err() {
                        shared.outbox.close(CloseReason::ClientClosed);
                        return;
                    }
                }
            }
            Batch::Close(reason) => {
                let close = actix_ws::CloseReason {
                    code: CloseCode::from(reason.ws_code()),
                    description: Some(reason.as_str().to_string()),
                };
                let _ = ws.close(Some(close)).await;
                return;
            }
        }
    }
}

async fn read_loop(mut stream: AggregatedMessageStream, mut ws: actix_ws::Session, handle: &SessionHandle) {
    let shared = handle.shared.clone();
    loop {
        let item = tokio::select! {
            item = stream.next() => item,
            // Closed by the heartbeat, a slow-consumer overflow or shutdown while the
            // client sends nothing: stop reading so the session leaves its rooms now.
            () = shared.outbox.closed() => break,
        };
        let Some(item) = item else { break };
        match item {
            Ok(AggregatedMessage::Text(text)) => handle.inbound(text, Instant::now()).await,
            Ok(AggregatedMessage::Binary(_)) => shared.outbox.close(CloseReason::Protocol),
            Ok(AggregatedMessage::Ping(bytes)) => {
                let _ = ws.pong(&bytes).await;
            }
            Ok(AggregatedMessage::Pong(_)) => {}
            Ok(AggregatedMessage::Close(_)) => shared.outbox.close(CloseReason::ClientClosed),
            Err(ProtocolError::Overflow) => shared.outbox.close(CloseReason::TooBig),
            Err(e) => {
                tracing::debug!(error = %e, "websocket protocol error");
                shared.outbox.close(CloseReason::Protocol);
            }
        }
        if shared.outbox.is_closing() {
            break;
        }
    }
    shared.outbox.close(CloseReason::ClientClosed);
}
