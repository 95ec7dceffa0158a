//! Websocket transport, with no task of its own per connection: the session actor reads
//! actix-ws's message stream itself (one packet at a time, in order), and the writing
//! side is the response body: [`OutboxBody`] encodes the session's outbox into websocket
//! frames whenever actix-http's dispatcher polls it. So an inbound frame crosses no task
//! between the dispatcher and the actor, and an outbound one none between the
//! producer's push and the socket write. Either side ending closes the other: the actor
//! marks the outbox closed when the stream ends or the client misbehaves, the body then
//! sends the close frame; the stream ends once the outbox closes (heartbeat, slow
//! consumer, shutdown); a dropped body (connection gone) closes the outbox.
//!
//! A polling session upgraded to websocket keeps a reader task and actix-ws's own writer
//! (a task draining the outbox into `actix_ws::Session`), which the upgrade probe needs.

use std::convert::Infallible;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use actix_http::ws::{CloseReason as WsCloseReason, OpCode, Parser};
use actix_web::body::{BodySize, BoxBody, MessageBody};
use actix_web::{web, HttpRequest, HttpResponse};
use actix_ws::{AggregatedMessage, AggregatedMessageStream, CloseCode, ProtocolError};
use bytes::{Bytes, BytesMut};
use bytestring::ByteString;
use futures_util::StreamExt;
use infinidream_actors::protocol::engineio;
use infinidream_actors::session::outbox::{Batch, CloseReason, Drained, OutFrame};
use infinidream_actors::session::shared::SessionShared;
use infinidream_actors::session::{Handshake, SessionHandle, WsIn};

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
    // actix-ws's `Session` (its outbound channel) is not used: the outbox is the body.
    let (response, _, stream) = match open(req, body) {
        Ok(parts) => parts,
        Err(_) => return super::errors::EioError::BadRequest.upgrade(),
    };
    let shared = engine.new_session();
    let sid = shared.sid.clone();
    let open = engineio::encode_open(&sid, &[], PING_INTERVAL_MS, PING_TIMEOUT_MS, MAX_PAYLOAD as u64);
    // Queued before the 101 is returned: the dispatcher writes both in one go.
    let _ = shared.outbox.push(open.into());
    let closing = {
        let shared = shared.clone();
        async move { shared.outbox.closed().await }
    };
    let frames = stream.take_until(closing).map(ws_in);
    SessionHandle::start_reading(engine.realtime.clone(), shared.clone(), handshake, frames);
    response.map_body(|_, ws_body| OutboxBody { shared, closed: false, _ws_body: ws_body }).map_into_boxed_body()
}

/// The body of a websocket response: the session's outbox, encoded as server frames
/// (unmasked) when the dispatcher asks for more. Every frame queued since the last poll
/// goes into one chunk, hence one write.
struct OutboxBody {
    shared: Arc<SessionShared>,
    closed: bool,
    /// actix-ws's own body, never polled; dropping it ends actix-ws's inbound stream,
    /// so it lives exactly as long as this body (the connection).
    _ws_body: BoxBody,
}

impl MessageBody for OutboxBody {
    type Error = Infallible;

    fn size(&self) -> BodySize {
        BodySize::Stream
    }

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Bytes, Infallible>>> {
        let this = self.get_mut();
        if this.closed {
            return Poll::Ready(None);
        }
        let mut buf = BytesMut::new();
        let drained = this.shared.outbox.poll_drain(cx, |frame| match frame {
            OutFrame::Text(text) => Parser::write_message(&mut buf, text, OpCode::Text, true, false),
            OutFrame::Pong(payload) => Parser::write_message(&mut buf, payload, OpCode::Pong, true, false),
        });
        match drained {
            Poll::Pending => return Poll::Pending,
            Poll::Ready(Drained::Frames) => {}
            Poll::Ready(Drained::Close(reason)) => {
                let close = WsCloseReason {
                    code: CloseCode::from(reason.ws_code()),
                    description: Some(reason.as_str().to_string()),
                };
                Parser::write_close(&mut buf, Some(close), false);
                this.closed = true;
            }
        }
        Poll::Ready(Some(Ok(buf.freeze())))
    }
}

impl Drop for OutboxBody {
    fn drop(&mut self) {
        // The connection is gone (or the close frame went out): stop the reader.
        self.shared.outbox.close(CloseReason::ClientClosed);
    }
}

/// What the session does with one websocket message.
fn ws_in(item: Result<AggregatedMessage, ProtocolError>) -> WsIn {
    match item {
        Ok(AggregatedMessage::Text(text)) => WsIn::Text(text, Instant::now()),
        Ok(AggregatedMessage::Binary(_)) => WsIn::Close(CloseReason::Protocol),
        Ok(AggregatedMessage::Ping(bytes)) => WsIn::Ping(bytes),
        Ok(AggregatedMessage::Pong(_)) => WsIn::Ignore,
        Ok(AggregatedMessage::Close(_)) => WsIn::Close(CloseReason::ClientClosed),
        Err(ProtocolError::Overflow) => WsIn::Close(CloseReason::TooBig),
        Err(e) => {
            tracing::debug!(error = %e, "websocket protocol error");
            WsIn::Close(CloseReason::Protocol)
        }
    }
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
        match ws_in(item) {
            WsIn::Text(text, arrived) => handle.inbound(text, arrived).await,
            WsIn::Ping(bytes) => {
                let _ = ws.pong(&bytes).await;
            }
            WsIn::Ignore => {}
            WsIn::Close(reason) => shared.outbox.close(reason),
        }
        if shared.outbox.is_closing() {
            break;
        }
    }
    shared.outbox.close(CloseReason::ClientClosed);
}
