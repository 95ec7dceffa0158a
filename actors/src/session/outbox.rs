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
use std::task::{Context, Poll, Waker};

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

/// One item of [`Outbox::poll_drain`].
#[derive(Debug, PartialEq)]
pub enum OutFrame<'a> {
    /// An Engine.IO packet (websocket text frame).
    Text(&'a str),
    /// The answer to the client's latest websocket ping.
    Pong(&'a [u8]),
}

/// What [`Outbox::poll_drain`] ended with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Drained {
    /// Everything queued was handed over; more may come.
    Frames,
    /// The session is closing: write nothing more after what was handed over.
    Close(CloseReason),
}

/// Largest websocket control payload (RFC 6455 §5.5).
const MAX_PONG: usize = 125;

struct Inner {
    queue: VecDeque<ByteString>,
    bytes: usize,
    closing: Option<CloseReason>,
    /// The single consumer, waiting for frames or the close.
    writer: Option<Waker>,
    /// Payload of the client's latest websocket ping, not yet answered.
    pong: Option<Vec<u8>>,
}

pub struct Outbox {
    inner: Mutex<Inner>,
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
            inner: Mutex::new(Inner { queue: VecDeque::new(), bytes: 0, closing: None, writer: None, pong: None }),
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
            let writer = inner.writer.take();
            drop(inner);
            wake(writer);
            self.closed.notify_waiters();
            return Err(PushError::Full);
        }
        inner.bytes += frame.len();
        inner.queue.push_back(frame);
        // Only the first push after the writer found nothing wakes it.
        let writer = inner.writer.take();
        drop(inner);
        wake(writer);
        Ok(())
    }

    /// Queues the answer to a websocket ping (only the latest ping is answered, as RFC
    /// 6455 §5.5.3 allows); the payload is cut to 125 bytes.
    pub fn pong(&self, payload: &[u8]) {
        let mut inner = self.lock();
        if inner.closing.is_some() {
            return;
        }
        inner.pong = Some(payload[..payload.len().min(MAX_PONG)].to_vec());
        let writer = inner.writer.take();
        drop(inner);
        wake(writer);
    }

    /// Marks the session for closing (first reason wins) and wakes the writer.
    pub fn close(&self, reason: CloseReason) {
        let mut inner = self.lock();
        if inner.closing.is_none() {
            inner.closing = Some(reason);
        }
        let writer = inner.writer.take();
        drop(inner);
        wake(writer);
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
        take_batch(&mut self.lock())
    }

    /// The consumer's poll: a batch, or `Pending` with the consumer woken by the next push
    /// or the close.
    pub fn poll_batch(&self, cx: &mut Context<'_>) -> Poll<Batch> {
        let mut inner = self.lock();
        match take_batch(&mut inner) {
            Some(batch) => Poll::Ready(batch),
            None => {
                park(&mut inner, cx);
                Poll::Pending
            }
        }
    }

    /// Waits until there is something to write or the session is closing.
    pub async fn next_batch(&self) -> Batch {
        std::future::poll_fn(|cx| self.poll_batch(cx)).await
    }

    /// The websocket writer's poll: hands every queued frame (a pending pong first) to
    /// `each` without collecting them, then says whether the session is closing.
    /// `Pending` (consumer parked) only when there was nothing at all.
    pub fn poll_drain(&self, cx: &mut Context<'_>, mut each: impl FnMut(OutFrame<'_>)) -> Poll<Drained> {
        let mut inner = self.lock();
        let mut any = false;
        if let Some(pong) = inner.pong.take() {
            each(OutFrame::Pong(&pong));
            any = true;
        }
        if inner.closing == Some(CloseReason::SlowConsumer) {
            // A slow consumer's backlog is dropped: it is closed, not drained.
            inner.queue.clear();
            inner.bytes = 0;
            return Poll::Ready(Drained::Close(CloseReason::SlowConsumer));
        }
        if !inner.queue.is_empty() {
            inner.bytes = 0;
            for frame in inner.queue.drain(..) {
                each(OutFrame::Text(&frame));
            }
            any = true;
        }
        if let Some(reason) = inner.closing {
            return Poll::Ready(Drained::Close(reason));
        }
        if any {
            return Poll::Ready(Drained::Frames);
        }
        park(&mut inner, cx);
        Poll::Pending
    }

    /// Frames queued right now (tests, metrics).
    pub fn len(&self) -> usize {
        self.lock().queue.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

fn take_batch(inner: &mut Inner) -> Option<Batch> {
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

/// Registers the consumer's waker (kept when it would wake the same task).
fn park(inner: &mut Inner, cx: &mut Context<'_>) {
    match &inner.writer {
        Some(w) if w.will_wake(cx.waker()) => {}
        _ => inner.writer = Some(cx.waker().clone()),
    }
}

fn wake(writer: Option<Waker>) {
    if let Some(w) = writer {
        w.wake();
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

    struct Counter(std::sync::atomic::AtomicUsize);
    impl futures_util::task::ArcWake for Counter {
        fn wake_by_ref(arc: &std::sync::Arc<Self>) {
            arc.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        }
    }

    fn drain(o: &Outbox, cx: &mut Context<'_>) -> (Vec<String>, Poll<Drained>) {
        let mut out = Vec::new();
        let r = o.poll_drain(cx, |f| match f {
            OutFrame::Text(t) => out.push(t.to_string()),
            OutFrame::Pong(p) => out.push(format!("pong:{}", String::from_utf8_lossy(p))),
        });
        (out, r)
    }

    #[test]
    fn drain_parks_until_a_push_and_wakes_the_writer_once() {
        let counter = std::sync::Arc::new(Counter(Default::default()));
        let waker = futures_util::task::waker(counter.clone());
        let mut cx = Context::from_waker(&waker);
        let o = Outbox::new();
        assert_eq!(drain(&o, &mut cx), (vec![], Poll::Pending));
        o.push("a".into()).unwrap();
        o.push("b".into()).unwrap();
        // Two pushes, one wake: the second finds the writer already scheduled.
        assert_eq!(counter.0.load(std::sync::atomic::Ordering::SeqCst), 1);
        o.pong(b"p");
        assert_eq!(drain(&o, &mut cx), (vec!["pong:p".into(), "a".into(), "b".into()], Poll::Ready(Drained::Frames)));
        assert_eq!(drain(&o, &mut cx), (vec![], Poll::Pending));
        o.push("c".into()).unwrap();
        o.close(CloseReason::PingTimeout);
        assert_eq!(counter.0.load(std::sync::atomic::Ordering::SeqCst), 2);
        // Frames queued before the close still go out, with the close.
        assert_eq!(drain(&o, &mut cx), (vec!["c".into()], Poll::Ready(Drained::Close(CloseReason::PingTimeout))));
        o.pong(b"late");
        assert_eq!(drain(&o, &mut cx), (vec![], Poll::Ready(Drained::Close(CloseReason::PingTimeout))));
    }

    #[test]
    fn drain_drops_a_slow_consumers_backlog_and_cuts_long_pongs() {
        let waker = futures_util::task::noop_waker();
        let mut cx = Context::from_waker(&waker);
        let o = Outbox::new();
        o.pong(&[b'x'; 300]);
        let mut pong_len = 0;
        let _ = o.poll_drain(&mut cx, |f| {
            if let OutFrame::Pong(p) = f {
                pong_len = p.len();
            }
        });
        assert_eq!(pong_len, MAX_PONG);
        for _ in 0..MAX_PACKETS {
            o.push("x".into()).unwrap();
        }
        assert_eq!(o.push("x".into()), Err(PushError::Full));
        assert_eq!(drain(&o, &mut cx), (vec![], Poll::Ready(Drained::Close(CloseReason::SlowConsumer))));
        assert!(o.is_empty());
    }
}
