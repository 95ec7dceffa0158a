//! `infinidream-echo-floor`: the floor the load generator compares the server with — a
//! minimal websocket server on the same stack (actix-web + actix-ws) that speaks just
//! enough Engine.IO/Socket.IO for the generator (open packet, CONNECT ack, one presence
//! frame) and echoes every event frame to its sender. No actors, rooms or database: what
//! the machine can do at all with this stack.
//!
//! `infinidream-echo-floor 127.0.0.1:9000`

use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use futures_util::StreamExt;

async fn ws(req: HttpRequest, body: web::Payload) -> Result<HttpResponse, actix_web::Error> {
    let (res, mut session, mut stream) = actix_ws::handle(&req, body)?;
    actix_web::rt::spawn(async move {
        let open = r#"0{"sid":"FLOORFLOORFLOORFLOOR","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}"#;
        if session.text(open).await.is_err() {
            return;
        }
        while let Some(Ok(msg)) = stream.next().await {
            let actix_ws::Message::Text(text) = msg else { continue };
            let reply = if text.starts_with("40/remote-control,") {
                let _ = session.text(r#"40/remote-control,{"sid":"FLOORSOCKETFLOORSOCK"}"#).await;
                Some(r#"42/remote-control,["client_presence",{"connectedDevices":1,"hasWebPlayer":false}]"#.into())
            } else if text.starts_with("42") {
                Some(text)
            } else {
                None
            };
            if let Some(r) = reply {
                if session.text(r).await.is_err() {
                    return;
                }
            }
        }
    });
    Ok(res)
}

fn main() -> std::io::Result<()> {
    let addr = std::env::args().nth(1).unwrap_or_else(|| "127.0.0.1:9000".into());
    let workers = std::env::var("WORKERS").ok().and_then(|w| w.parse().ok()).unwrap_or(2);
    // The same allocator set-up as the server, so that memory figures compare.
    infinidream_server::alloc::init();
    actix_web::rt::System::new().block_on(async move {
        HttpServer::new(|| App::new().route("/socket.io/", web::get().to(ws)))
            .workers(workers)
            .tcp_nodelay(true)
            .bind(addr)?
            .run()
            .await
    })
}
