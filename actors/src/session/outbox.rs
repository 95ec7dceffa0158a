//! The per-session outbound queue, bounded in packets and bytes.
//!
//! Producers (the session itself, room actors fanning out a broadcast, the heartbeat
//! wheel) never wait: [`Outbox::push`] either queues the frame or, when the client has
//! fallen behind by more than [`MAX_PACKETS`] packets or [`MAX_BYTES`] bytes, marks the
//! session for closing with [`CloseReason::SlowConsumer`] and drops the frame. The single
//! consumer — the transport's writer (websocket task or pending polling GET) — waits in
//! [`Outbox::next_batch`] and writes whatever is queued in one go.
//!
//! Frames are `ByteString`s: a broadcast is encoded once and every member's queue holds
//! a reference-counted clone of the same bytes.

use std::collections::VecDeque;
use std::sync::Mutex;

use bytestring::ByteString;
use tokio::sync::Notify;

/// Slow-consumer limits (`realtime.md` §3.7).
pub const MAX_PACKETS: usize = 1000;
pub const MAX_BYTES: usize = 4 * 1024 * 1024;

/// Why a session is being closed; the transport maps it to a websocket close code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CloseReason {
    /// Malformed packet, packet before CONNECT, duplicate CONNECT, binary frame: 1002.
    Protocol,
    /// Frame over `maxPayload`: 1009.
    TooBig,
    /// No namespace joined within the connect timeout: 1008.
    ConnectTimeout,
    /// No pong within `pingTimeout`: 1001.
    PingTimeout,
    /// Outbound queue over its limits: 1013.
    SlowConsumer,
    /// Instance shutting down: 1001.
    Shutdown,
    /// The client sent an Engine.IO close packet or closed the transport.
    ClientClosed,
    /// A second polling request while one was pending, or a polling request after upgrade.
    BadRequest,
    /// Kept sending events over the rate limit: 1008 (policy violation).
    RateLimited,
    /// A namespace CONNECT could not be served because a dependency failed (the database
    /// could not check the credential, the room registry did not answer): 1013 (try again
    /// later). Not a rejection: clients reconnect with their backoff.
    Unavailable,
}

impl CloseReason {
    /// Websocket close code. Never 1000 and never "no status": the desktop client does
    /// not reconnect after those.
    pub fn ws_code(self) -> u16 {
        match self {
            CloseReason::Protocol => 1002,
            CloseReason::TooBig => 1009,
            CloseReason::ConnectTimeout => 1008,
            CloseReason::PingTimeout | CloseReason::Shutdown | CloseReason::ClientClosed => 1001,
            CloseReason::SlowConsumer | CloseReason::Unavailable => 1013,
            CloseReason::BadRequest => 1002,
            CloseReason::RateLimited => 1008,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            CloseReason::Protocol => "protocol error",
            CloseReason::TooBig => "message too big",
            CloseReason::ConnectTimeout => "connect timeout",
            CloseReason::PingTimeout => "ping timeout",
            CloseReason::SlowConsumer => "slow consumer",
            CloseReason::Shutdown => "server shutting down",
            CloseReason::ClientClosed => "client closed",
            CloseReason::BadRequest => "bad request",
            CloseReason::RateLimited => "rate limit exceeded",
            CloseReason::Unavailable => "service unavailable",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PushError {
    /// Limits exceeded: the session is now closing as a slow consumer.
    Full,
    /// The session is already closing or closed.
    Closed,
}

/// What the writer gets from [`Outbox::next_batch`].
#[derive(Debug, PartialEq)]
pub enum Batch {
    Frames(Vec<ByteString>),
    /// Write nothing more (frames queued before the close are returned first).
    Close(CloseReason),
}

struct Inner {
    queue: VecDeque<ByteString>,
    bytes: usize,
    closing: Option<CloseReason>,
}

pub struct Outbox {
    inner: Mutex<Inner>,
    /// Wakes the single writer (new frames or closing).
    notify: Notify,
    /// Wakes everyone waiting in [`Outbox::closed`] (the transport's reader).
    closed: Notify,
}

impl Default for Outbox {
    fn default() -> Self {
        Outbox::new()
    }
}

impl Outbox {
    pub fn new() -> Outbox {
        Outbox {
            inner: Mutex::new(Inner { queue: VecDeque::new(), bytes: 0, closing: None }),
            notify: Notify::new(),
            closed: Notify::new(),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // A poisoned lock only means another thread panicked while holding it; the
        // queue itself is still consistent (every mutation is a single push/drain).
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Queues one frame without waiting.
    pub fn push(&self, frame: ByteString) -> Result<(), PushError> {
        let mut inner = self.lock();
        if inner.closing.is_some() {
            return Err(PushError::Closed);
        }
        if inner.queue.len() >= MAX_PACKETS || inner.bytes + frame.len() > MAX_BYTES {
            inner.closing = Some(CloseReason::SlowConsumer);
            drop(inner);
            self.notify.notify_one();
            self.closed.notify_waiters();
            return Err(PushError::Full);
        }
        inner.bytes += frame.len();
        inner.queue.push_back(frame);
        drop(inner);
        self.notify.notify_one();
        Ok(())
    }

    /// Marks the session for closing (first reason wins) and wakes the writer.
    pub fn close(&self, reason: CloseReason) {
        let mut inner = self.lock();
        if inner.closing.is_none() {
            inner.closing = Some(reason);
        }
        drop(inner);
        self.notify.notify_one();
        self.closed.notify_waiters();
    }

    /// Resolves once the session is closing (for readers that must stop waiting on a
    /// client that sends nothing).
    pub async fn closed(&self) {
        loop {
            let notified = self.closed.notified();
            if self.is_closing() {
                return;
            }
            notified.await;
        }
    }

    pub fn is_closing(&self) -> bool {
        self.lock().closing.is_some()
    }

    pub fn close_reason(&self) -> Option<CloseReason> {
        self.lock().closing
    }

    /// Takes everything queued now (possibly nothing), without waiting.
    pub fn try_batch(&self) -> Option<Batch> {
        let mut inner = self.lock();
        if !inner.queue.is_empty() {
            inner.bytes = 0;
            // A slow consumer's backlog is dropped: it is closed, not drained.
            if inner.closing == Some(CloseReason::SlowConsumer) {
                inner.queue.clear();
                return Some(Batch::Close(CloseReason::SlowConsumer));
            }
            return Some(Batch::Frames(inner.queue.drain(..).collect()));
        }
        inner.closing.map(Batch::Close)
    }

    /// Waits until there is something to write or the session is closing.
    pub async fn next_batch(&self) -> Batch {
        loop {
            let notified = self.notify.notified();
            if let Some(batch) = self.try_batch() {
                return batch;
            }
            notified.await;
        }
    }

    /// Frames queued right now (tests, metrics).
    pub fn len(&self) -> usize {
        self.lock().queue.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn frames_come_out_in_order_in_one_batch() {
        let o = Outbox::new();
        o.push("a".into()).unwrap();
        o.push("b".into()).unwrap();
        assert_eq!(o.next_batch().await, Batch::Frames(vec!["a".into(), "b".into()]));
        o.close(CloseReason::Shutdown);
        assert_eq!(o.next_batch().await, Batch::Close(CloseReason::Shutdown));
        assert_eq!(o.push("c".into()), Err(PushError::Closed));
    }

    #[tokio::test]
    async fn exceeding_the_packet_limit_closes_as_slow_consumer_without_blocking() {
        let o = Outbox::new();
        for _ in 0..MAX_PACKETS {
            o.push("x".into()).unwrap();
        }
        assert_eq!(o.push("x".into()), Err(PushError::Full));
        assert_eq!(o.next_batch().await, Batch::Close(CloseReason::SlowConsumer));
    }

    #[tokio::test]
    async fn exceeding_the_byte_limit_closes_as_slow_consumer() {
        let o = Outbox::new();
        let big: ByteString = "y".repeat(MAX_BYTES / 2).into();
        o.push(big.clone()).unwrap();
        o.push(big.clone()).unwrap();
        assert_eq!(o.push("z".into()), Err(PushError::Full));
        assert_eq!(o.close_reason(), Some(CloseReason::SlowConsumer));
    }

    #[tokio::test]
    async fn closed_wakes_every_waiter() {
        let o = std::sync::Arc::new(Outbox::new());
        let waiters: Vec<_> = (0..3)
            .map(|_| {
                let o = o.clone();
                tokio::spawn(async move { o.closed().await })
            })
            .collect();
        tokio::task::yield_now().await;
        o.close(CloseReason::PingTimeout);
        for w in waiters {
            w.await.unwrap();
        }
    }

    #[tokio::test]
    async fn a_waiting_writer_is_woken_by_a_push_from_another_task() {
        let o = std::sync::Arc::new(Outbox::new());
        let o2 = o.clone();
        let writer = tokio::spawn(async move { o2.next_batch().await });
        tokio::task::yield_now().await;
        o.push("late".into()).unwrap();
        assert_eq!(writer.await.unwrap(), Batch::Frames(vec!["late".into()]));
    }
}
