//! A raw Engine.IO client for protocol edge cases: websocket frames via
//! tokio-tungstenite and long-polling via reqwest, with bounded waits.

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

pub const WAIT: Duration = Duration::from_secs(5);

#[derive(Debug, PartialEq)]
pub enum Frame {
    Text(String),
    Binary,
    /// Close frame with its status code (None: no status).
    Close(Option<u16>),
    /// The connection ended without a close frame.
    Ended,
}

pub struct RawWs {
    ws: WebSocketStream<MaybeTlsStream<TcpStream>>,
}

pub fn ws_url(port: u16, query: &str) -> String {
    format!("ws://127.0.0.1:{port}/socket.io/?EIO=4&transport=websocket{query}")
}

impl RawWs {
    pub async fn connect(port: u16, headers: &[(&'static str, &str)]) -> RawWs {
        Self::connect_url(&ws_url(port, ""), headers).await.expect("websocket handshake")
    }

    pub async fn connect_url(
        url: &str,
        headers: &[(&'static str, &str)],
    ) -> Result<RawWs, tokio_tungstenite::tungstenite::Error> {
        let mut req = url.into_client_request()?;
        for (k, v) in headers {
            req.headers_mut().insert(*k, HeaderValue::from_str(v).unwrap());
        }
        let (ws, _) = tokio_tungstenite::connect_async(req).await?;
        Ok(RawWs { ws })
    }

    pub async fn send(&mut self, text: &str) {
        self.ws.send(Message::Text(text.into())).await.expect("send text");
    }

    pub async fn send_binary(&mut self, bytes: Vec<u8>) {
        self.ws.send(Message::Binary(bytes.into())).await.expect("send binary");
    }

    /// Sends a websocket ping and returns the payload of the next pong (text frames in
    /// between are skipped); `None` when none arrives within `WAIT`.
    pub async fn ping(&mut self, payload: &[u8]) -> Option<Vec<u8>> {
        self.ws.send(Message::Ping(payload.to_vec().into())).await.expect("send ping");
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            match tokio::time::timeout(left, self.ws.next()).await.ok()?? {
                Ok(Message::Pong(p)) => return Some(p.to_vec()),
                Ok(Message::Text(_) | Message::Ping(_) | Message::Frame(_)) => continue,
                Ok(Message::Binary(_) | Message::Close(_)) | Err(_) => return None,
            }
        }
    }

    /// The text frames already received, read without waiting (a client that keeps up
    /// with its socket); panics on a close or the end of the stream.
    pub fn ready_texts(&mut self) -> Vec<String> {
        use futures_util::FutureExt;
        let mut texts = Vec::new();
        while let Some(item) = self.ws.next().now_or_never() {
            match item {
                Some(Ok(Message::Text(t))) => texts.push(t.to_string()),
                Some(Ok(Message::Ping(_) | Message::Pong(_) | Message::Frame(_))) => {}
                other => panic!("expected text frames, got {other:?}"),
            }
        }
        texts
    }

    /// Next frame, skipping websocket pings; `None` when nothing arrives within `wait`.
    pub async fn next(&mut self, wait: Duration) -> Option<Frame> {
        loop {
            let item = tokio::time::timeout(wait, self.ws.next()).await.ok()?;
            return Some(match item {
                Some(Ok(Message::Text(t))) => Frame::Text(t.to_string()),
                Some(Ok(Message::Binary(_))) => Frame::Binary,
                Some(Ok(Message::Close(c))) => Frame::Close(c.map(|c| u16::from(c.code))),
                Some(Ok(Message::Ping(_) | Message::Pong(_) | Message::Frame(_))) => continue,
                Some(Err(_)) | None => Frame::Ended,
            });
        }
    }

    /// Next text frame (panics on anything else).
    pub async fn text(&mut self) -> String {
        match self.next(WAIT).await {
            Some(Frame::Text(t)) => t,
            other => panic!("expected a text frame, got {other:?}"),
        }
    }

    /// Reads text frames until one satisfies `pred` (bounded).
    pub async fn text_until(&mut self, pred: impl Fn(&str) -> bool) -> String {
        self.text_until_within(pred, WAIT).await
    }

    /// Like `text_until` with an explicit bound (multi-process tests on a loaded machine).
    pub async fn text_until_within(&mut self, pred: impl Fn(&str) -> bool, wait: Duration) -> String {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            match self.next(left).await {
                Some(Frame::Text(t)) if pred(&t) => return t,
                Some(Frame::Text(_)) => continue,
                other => panic!("expected a matching text frame, got {other:?}"),
            }
        }
    }

    /// Waits for the close frame and returns its code.
    pub async fn close_code(&mut self) -> Option<u16> {
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            match self.next(left).await {
                Some(Frame::Text(_)) => continue,
                Some(Frame::Close(code)) => return code,
                other => panic!("expected a close frame, got {other:?}"),
            }
        }
    }

    /// Asserts that no text frame arrives within `wait`.
    pub async fn silent_for(&mut self, wait: Duration) {
        if let Some(f) = self.next(wait).await {
            panic!("expected silence, got {f:?}");
        }
    }

    /// Asserts that no event called `name` arrives within `wait` (other frames ignored).
    pub async fn no_event_for(&mut self, name: &str, wait: Duration) {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            match self.next(left).await {
                None => return,
                Some(Frame::Text(f)) if is_event(&f, name) => panic!("unexpected {name}: {f}"),
                Some(Frame::Text(_)) => continue,
                Some(other) => panic!("unexpected frame {other:?}"),
            }
        }
    }

    /// Open packet → JSON.
    pub async fn open(&mut self) -> serde_json::Value {
        let open = self.text().await;
        assert!(open.starts_with('0'), "{open}");
        serde_json::from_str(&open[1..]).unwrap()
    }

    /// Opens a session and connects `/remote-control` with an API key in the CONNECT
    /// payload; returns the socket id. The first presence frame is left unread.
    pub async fn remote_control(port: u16, api_key: &str) -> (RawWs, String) {
        let mut ws = RawWs::connect(port, &[]).await;
        ws.open().await;
        ws.send(&format!("40/remote-control,{{\"apiKey\":\"{api_key}\"}}")).await;
        let ack = ws.text().await;
        let prefix = "40/remote-control,";
        assert!(ack.starts_with(prefix), "{ack}");
        let v: serde_json::Value = serde_json::from_str(&ack[prefix.len()..]).unwrap();
        (ws, v["sid"].as_str().unwrap().to_string())
    }
}

/// Parses `42/remote-control,[name, …]` into (name, args).
pub fn event(frame: &str) -> Option<(String, Vec<serde_json::Value>)> {
    let body = frame.strip_prefix("42/remote-control,")?;
    let mut v: Vec<serde_json::Value> = serde_json::from_str(body).ok()?;
    let name = v.remove(0).as_str()?.to_string();
    Some((name, v))
}

pub fn is_event(frame: &str, name: &str) -> bool {
    event(frame).is_some_and(|(n, _)| n == name)
}

pub fn polling_url(port: u16, query: &str) -> String {
    format!("http://127.0.0.1:{port}/socket.io/?EIO=4&transport=polling{query}")
}
