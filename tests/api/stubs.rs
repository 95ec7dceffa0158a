//! Real components the dream tests need besides PostgreSQL and Redis:
//!
//! * [`S3Server`]: a local S3-compatible server (moto's `moto_server`, installed by
//!   `.ci/s3.sh` from PyPI) on a free 127.0.0.1 port, one per test. It runs under a
//!   `sh` guard that kills it when our end of its stdin closes, so it cannot outlive the
//!   test process even when a test panics or is killed.
//! * [`ProcessingStub`]: a stand-in for the external processing service that records
//!   every `POST /process-video` (headers and body) on a channel.

use std::io::Write;
use std::net::TcpListener;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::time::Duration;

use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use serde_json::Value;
use tokio::sync::mpsc;

/// Moto accepts parts this small (real S3: 5 MiB), so tests move kilobytes, not megabytes.
pub const MIN_PART_SIZE: usize = 1024;

pub struct S3Server {
    pub endpoint: String,
    pub bucket: String,
    guard: Child,
    stdin: Option<ChildStdin>,
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

impl S3Server {
    /// Starts the server, waits until it answers, and creates one bucket.
    pub async fn start() -> S3Server {
        let port = free_port();
        let bin = std::env::var("MOTO_SERVER").unwrap_or_else(|_| "moto_server".into());
        let script = format!("{bin} -H 127.0.0.1 -p {port} >/dev/null 2>&1 & pid=$!; read _; kill $pid; wait $pid");
        let mut guard = Command::new("sh")
            .arg("-c")
            .arg(script)
            .env("S3_UPLOAD_PART_MIN_SIZE", MIN_PART_SIZE.to_string())
            .stdin(Stdio::piped())
            .spawn()
            .expect("start moto_server (run .ci/s3.sh to install it)");
        let stdin = guard.stdin.take();
        let endpoint = format!("http://127.0.0.1:{port}");
        let client = reqwest::Client::new();
        let mut up = false;
        for _ in 0..300 {
            if client.get(&endpoint).send().await.is_ok() {
                up = true;
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert!(up, "moto_server did not come up on {endpoint}");
        let bucket = "infinidream-test".to_string();
        let res = client.put(format!("{endpoint}/{bucket}")).send().await.unwrap();
        assert!(res.status().is_success(), "create bucket: {}", res.status());
        S3Server { endpoint, bucket, guard, stdin }
    }

    /// The settings a server needs to use this storage.
    pub fn configure(&self, env: &mut std::collections::HashMap<String, String>) {
        env.insert("S3_ENDPOINT".into(), self.endpoint.clone());
        env.insert("S3_REGION".into(), "us-east-1".into());
        env.insert("S3_ACCESS_KEY_ID".into(), "test".into());
        env.insert("S3_SECRET_ACCESS_KEY".into(), "test".into());
        env.insert("S3_BUCKET".into(), self.bucket.clone());
        env.insert("S3_FORCE_PATH_STYLE".into(), "true".into());
    }

    /// In-progress multipart uploads of the bucket (`ListMultipartUploads`).
    pub async fn open_uploads(&self) -> usize {
        let body =
            reqwest::get(format!("{}/{}?uploads", self.endpoint, self.bucket)).await.unwrap().text().await.unwrap();
        body.matches("<UploadId>").count()
    }
}

impl Drop for S3Server {
    fn drop(&mut self) {
        if let Some(mut stdin) = self.stdin.take() {
            let _ = stdin.write_all(b"\n");
        }
        let _ = self.guard.wait();
    }
}

/// One recorded hand-off call.
#[derive(Debug)]
pub struct HandOffCall {
    pub authorization: Option<String>,
    pub body: Value,
}

pub struct ProcessingStub {
    pub url: String,
    pub calls: mpsc::UnboundedReceiver<HandOffCall>,
}

impl ProcessingStub {
    /// Starts the stand-in on a free port; it answers 200 to every hand-off.
    pub fn start() -> ProcessingStub {
        let (tx, calls) = mpsc::unbounded_channel();
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let server = HttpServer::new(move || {
            let tx = tx.clone();
            App::new().route(
                "/process-video",
                web::post().to(move |req: HttpRequest, body: web::Json<Value>| {
                    let tx = tx.clone();
                    async move {
                        let authorization =
                            req.headers().get("authorization").and_then(|v| v.to_str().ok()).map(str::to_string);
                        let _ = tx.send(HandOffCall { authorization, body: body.into_inner() });
                        HttpResponse::Ok().json(serde_json::json!({"queued": true}))
                    }
                }),
            )
        })
        .workers(1)
        .disable_signals()
        .listen(listener)
        .unwrap()
        .run();
        actix_web::rt::spawn(server);
        ProcessingStub { url: format!("http://127.0.0.1:{port}"), calls }
    }

    /// The next recorded call (fails the test after 10 s).
    pub async fn next_call(&mut self) -> HandOffCall {
        tokio::time::timeout(Duration::from_secs(10), self.calls.recv())
            .await
            .expect("no hand-off call within 10 s")
            .expect("stub stopped")
    }
}
