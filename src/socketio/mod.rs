//! The Engine.IO v4 / Socket.IO v5 transport at `/socket.io/` (`realtime.md` §2).
//!
//! This module only moves packets: it answers the HTTP side of Engine.IO (handshake,
//! long-polling GET/POST, websocket upgrade, the error answers of §2.7) and feeds every
//! inbound packet to the session actor of the `infinidream-actors` crate, which owns all
//! protocol state above Engine.IO framing. Outbound packets are drained from the
//! session's bounded outbox by exactly one writer at a time: the websocket task, or the
//! pending polling GET.

mod auth;
mod engine;
mod errors;
mod forward;
mod notify;
mod polling;
mod ws;

pub use auth::StateAuthenticator;
pub use engine::Engine;
pub use notify::OpsNotifier;

use actix_web::web;

/// `pingInterval`, `pingTimeout` (ms) and `maxPayload` (bytes) announced in the open packet.
pub const PING_INTERVAL_MS: u64 = 25_000;
pub const PING_TIMEOUT_MS: u64 = 20_000;
pub const MAX_PAYLOAD: usize = 1_000_000;

pub fn configure(cfg: &mut web::ServiceConfig) {
    // Clients send `/socket.io/` (the canonical Engine.IO path, kept as is by the edge's
    // path normalisation); `/socket.io` is the same endpoint. Two static routes: a single
    // resource with two patterns would be matched by a regex set.
    cfg.route(crate::http::edge::ENGINE_IO_PATH, web::route().to(engine::entry))
        .route("/socket.io", web::route().to(engine::entry));
}
