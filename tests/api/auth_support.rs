//! Auth test support: a real SMTP sink, a JWKS server, keys generated at test time with
//! the `openssl` CLI (never committed), and token helpers.

#![allow(dead_code)]

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;
use tokio::sync::Notify;

use crate::helpers::*;

pub const SECRET: &str = "test-session-secret-0123456789abcdef0123456789";

#[derive(Debug, Clone)]
pub struct Mail {
    pub to: Vec<String>,
    pub data: String,
}

/// A minimal SMTP server (HELO/EHLO, MAIL, RCPT, DATA, RSET, NOOP, QUIT) that keeps every
/// message it accepts.
#[derive(Clone)]
pub struct SmtpSink {
    pub port: u16,
    mails: Arc<Mutex<Vec<Mail>>>,
    notify: Arc<Notify>,
}

impl SmtpSink {
    pub async fn start() -> SmtpSink {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let sink = SmtpSink { port, mails: Arc::default(), notify: Arc::new(Notify::new()) };
        let s = sink.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let s = s.clone();
                tokio::spawn(async move {
                    let _ = s.session(stream).await;
                });
            }
        });
        sink
    }

    async fn session(&self, stream: tokio::net::TcpStream) -> std::io::Result<()> {
        let (r, mut w) = stream.into_split();
        let mut lines = BufReader::new(r).lines();
        w.write_all(b"220 sink ESMTP\r\n").await?;
        let mut to = Vec::new();
        while let Some(line) = lines.next_line().await? {
            let upper = line.to_ascii_uppercase();
            if upper.starts_with("EHLO") || upper.starts_with("HELO") {
                w.write_all(b"250 sink\r\n").await?;
            } else if upper.starts_with("RCPT TO:") {
                to.push(line[8..].trim().trim_start_matches('<').trim_end_matches('>').to_lowercase());
                w.write_all(b"250 OK\r\n").await?;
            } else if upper == "DATA" {
                w.write_all(b"354 end with .\r\n").await?;
                let mut data = String::new();
                while let Some(l) = lines.next_line().await? {
                    if l == "." {
                        break;
                    }
                    data.push_str(if l.starts_with("..") { &l[1..] } else { &l });
                    data.push('\n');
                }
                self.mails.lock().unwrap().push(Mail { to: std::mem::take(&mut to), data });
                self.notify.notify_waiters();
                w.write_all(b"250 OK queued\r\n").await?;
            } else if upper == "QUIT" {
                w.write_all(b"221 bye\r\n").await?;
                return Ok(());
            } else {
                // MAIL FROM, RSET, NOOP and anything else.
                w.write_all(b"250 OK\r\n").await?;
            }
        }
        Ok(())
    }

    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// Removes and returns the oldest message to `to`, waiting up to 10 s for it.
    pub async fn next_mail(&self, to: &str) -> Mail {
        let to = to.to_lowercase();
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        loop {
            let notified = self.notify.notified();
            {
                let mut mails = self.mails.lock().unwrap();
                if let Some(i) = mails.iter().position(|m| m.to.contains(&to)) {
                    return mails.remove(i);
                }
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                panic!("no email to {to} within 10 s");
            }
        }
    }

    pub fn count_to(&self, to: &str) -> usize {
        self.mails.lock().unwrap().iter().filter(|m| m.to.contains(&to.to_lowercase())).count()
    }

    /// The 6-digit code of the next message to `to`.
    pub async fn next_code(&self, to: &str) -> String {
        let mail = self.next_mail(to).await;
        code_in(&mail.data).unwrap_or_else(|| panic!("no code in {}", mail.data))
    }
}

pub fn code_in(data: &str) -> Option<String> {
    let at = data.find("code is: ")? + "code is: ".len();
    let code: String = data[at..].chars().take_while(char::is_ascii_digit).collect();
    (code.len() == 6).then_some(code)
}

/// An app with a fixed session secret whose mail goes to a fresh SMTP sink.
pub async fn spawn_auth_app(configure: impl FnOnce(&mut HashMap<String, String>)) -> (TestApp, SmtpSink) {
    let sink = SmtpSink::start().await;
    let url = sink.url();
    let app = spawn_app_with(|env| {
        env.insert("SESSION_SECRET".into(), SECRET.into());
        env.insert("SMTP_URL".into(), url);
        configure(env);
    })
    .await;
    (app, sink)
}

/// Signs in through the emailed code and returns the session token.
pub async fn login_with_code(app: &TestApp, sink: &SmtpSink, email: &str) -> String {
    let res =
        app.client.post(app.url("/api/v2/auth/magic")).json(&serde_json::json!({"email": email})).send().await.unwrap();
    assert_eq!(res.status(), 200, "{:?}", res.text().await);
    let code = sink.next_code(email).await;
    let res = app
        .client
        .post(app.url("/api/v2/auth/magic"))
        .json(&serde_json::json!({"email": email, "code": code}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let body = json(res).await;
    body["data"]["sealedSession"].as_str().unwrap().to_string()
}

/// The claims of a token, read without verification.
pub fn claims(token: &str) -> serde_json::Value {
    let payload = token.split('.').nth(1).unwrap();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap()
}

/// The `wos-session` value in a response's `Set-Cookie`, read the way the desktop reads
/// it: split at the first `=`, cut at the first `;`, trimmed.
pub fn session_cookie(res: &reqwest::Response) -> Option<String> {
    res.headers().get_all("set-cookie").iter().find_map(|v| {
        let s = v.to_str().ok()?;
        let (name, rest) = s.split_once('=')?;
        (name.trim() == "wos-session").then(|| rest.split(';').next().unwrap_or("").trim().to_string())
    })
}

pub fn set_cookie_header(res: &reqwest::Response) -> Option<String> {
    res.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|s| s.starts_with("wos-session="))
        .map(str::to_string)
}

pub async fn get_with_cookie(app: &TestApp, path: &str, token: &str) -> reqwest::Response {
    app.client.get(app.url(path)).header("Cookie", format!("wos-session={token}")).send().await.unwrap()
}

pub async fn get_with_bearer(app: &TestApp, path: &str, token: &str) -> reqwest::Response {
    app.client.get(app.url(path)).header("Authorization", format!("Bearer {token}")).send().await.unwrap()
}

pub async fn db(app: &TestApp) -> tokio_postgres::Client {
    let (client, conn) = tokio_postgres::connect(&pg_url(&app.db_name), tokio_postgres::NoTls).await.unwrap();
    tokio::spawn(conn);
    client
}

/// Keys generated now by the `openssl` CLI in a temporary directory.
pub struct TestKeys {
    pub rsa_private_pem: Vec<u8>,
    pub rsa_public_pem: Vec<u8>,
    pub rsa_n: String,
    pub ec_private_pem: Vec<u8>,
    pub ec_x: String,
    pub ec_y: String,
}

fn openssl(args: &[&str]) -> Vec<u8> {
    let out = std::process::Command::new("openssl").args(args).output().expect("openssl CLI");
    assert!(out.status.success(), "openssl {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    out.stdout
}

impl TestKeys {
    pub fn generate() -> TestKeys {
        let dir = std::env::temp_dir().join(format!("infini-keys-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = |f: &str| dir.join(f).to_string_lossy().into_owned();
        openssl(&["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", &p("rsa.pem")]);
        let rsa_public_pem = openssl(&["pkey", "-in", &p("rsa.pem"), "-pubout"]);
        let modulus = String::from_utf8(openssl(&["rsa", "-in", &p("rsa.pem"), "-noout", "-modulus"])).unwrap();
        let n = hex::decode(modulus.trim().trim_start_matches("Modulus=")).unwrap();
        openssl(&["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", &p("ec.pem")]);
        let der = openssl(&["pkey", "-in", &p("ec.pem"), "-pubout", "-outform", "DER"]);
        let point = &der[der.len() - 65..];
        assert_eq!(point[0], 4);
        let keys = TestKeys {
            rsa_private_pem: std::fs::read(p("rsa.pem")).unwrap(),
            rsa_public_pem,
            rsa_n: URL_SAFE_NO_PAD.encode(n),
            ec_private_pem: std::fs::read(p("ec.pem")).unwrap(),
            ec_x: URL_SAFE_NO_PAD.encode(&point[1..33]),
            ec_y: URL_SAFE_NO_PAD.encode(&point[33..]),
        };
        let _ = std::fs::remove_dir_all(&dir);
        keys
    }

    pub fn jwks(&self, rsa_kid: &str, ec_kid: &str) -> String {
        serde_json::json!({"keys": [
            {"kty": "RSA", "kid": rsa_kid, "use": "sig", "alg": "RS256", "n": self.rsa_n, "e": "AQAB"},
            {"kty": "EC", "kid": ec_kid, "use": "sig", "alg": "ES256", "crv": "P-256", "x": self.ec_x, "y": self.ec_y},
        ]})
        .to_string()
    }
}

/// A tiny identity provider over HTTP: `/.well-known/openid-configuration` (discovery),
/// `/jwks` (the current JWKS; fetches counted) and `POST /token` (answers the preset ID
/// token and keeps the form it received).
#[derive(Clone)]
pub struct JwksServer {
    pub port: u16,
    pub body: Arc<Mutex<String>>,
    pub hits: Arc<Mutex<usize>>,
    pub id_token: Arc<Mutex<String>>,
    pub token_requests: Arc<Mutex<Vec<String>>>,
}

impl JwksServer {
    pub async fn start(body: String) -> JwksServer {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let server = JwksServer {
            port,
            body: Arc::new(Mutex::new(body)),
            hits: Arc::default(),
            id_token: Arc::default(),
            token_requests: Arc::default(),
        };
        let s = server.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let s = s.clone();
                tokio::spawn(async move {
                    let _ = s.serve(stream).await;
                });
            }
        });
        server
    }

    async fn serve(&self, stream: tokio::net::TcpStream) -> std::io::Result<()> {
        use tokio::io::AsyncReadExt;
        let (r, mut w) = stream.into_split();
        let mut reader = BufReader::new(r);
        let mut request_line = String::new();
        reader.read_line(&mut request_line).await?;
        let mut length = 0usize;
        loop {
            let mut line = String::new();
            reader.read_line(&mut line).await?;
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            if let Some((k, v)) = line.split_once(':') {
                if k.eq_ignore_ascii_case("content-length") {
                    length = v.trim().parse().unwrap_or(0);
                }
            }
        }
        let mut form = vec![0u8; length];
        reader.read_exact(&mut form).await?;
        let path = request_line.split_whitespace().nth(1).unwrap_or("/").to_string();
        let base = self.issuer();
        let body = if path.ends_with("/.well-known/openid-configuration") {
            serde_json::json!({"issuer": base, "jwks_uri": format!("{base}/jwks"), "token_endpoint": format!("{base}/token")})
                .to_string()
        } else if path == "/token" {
            self.token_requests.lock().unwrap().push(String::from_utf8_lossy(&form).into_owned());
            serde_json::json!({"id_token": *self.id_token.lock().unwrap(), "token_type": "Bearer"}).to_string()
        } else {
            *self.hits.lock().unwrap() += 1;
            self.body.lock().unwrap().clone()
        };
        let res = format!(
            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
            body.len()
        );
        w.write_all(res.as_bytes()).await?;
        w.shutdown().await
    }

    /// The server's base URL, usable as an issuer with discovery.
    pub fn issuer(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn url(&self) -> String {
        format!("{}/jwks", self.issuer())
    }

    pub fn hits(&self) -> usize {
        *self.hits.lock().unwrap()
    }
}
