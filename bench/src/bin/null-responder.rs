//! The null responder: accepts any `/ocpp/{id}` with subprotocol `ocpp1.6` or `ocpp2.0.1`
//! (the first offered; same tokio-tungstenite settings as csms: 4 KiB read buffer, eager
//! writes) and answers every CALL with a canned CALLRESULT valid in that version, keeping no
//! state and touching no disk. It is the ceiling of the benchmarks.

use std::net::SocketAddr;

use clap::Parser;
use futures_util::{SinkExt, StreamExt};
use ocpp_j::{Frame, MessageId, Version};
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tokio_tungstenite::tungstenite::{
    Message,
    handshake::server::{Request, Response},
    http::{HeaderValue, header},
    protocol::WebSocketConfig,
};

/// A stateless OCPP-J 1.6 and 2.0.1 responder.
#[derive(Parser, Debug)]
struct Args {
    /// Where to listen.
    #[arg(long, default_value = "127.0.0.1:9200")]
    addr: SocketAddr,
}

fn answer(action: &str) -> Value {
    let now = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    match action {
        "BootNotification" => json!({"status": "Accepted", "currentTime": now, "interval": 300}),
        "Heartbeat" => json!({"currentTime": now}),
        "Authorize" => json!({"idTagInfo": {"status": "Accepted"}}),
        "StartTransaction" => json!({"transactionId": 1, "idTagInfo": {"status": "Accepted"}}),
        "StopTransaction" => json!({"idTagInfo": {"status": "Accepted"}}),
        // 2.0.1 (BootNotification, Heartbeat and the rest answer as above).
        "TransactionEvent" => json!({"idTokenInfo": {"status": "Accepted"}}),
        "Authorize201" => json!({"idTokenInfo": {"status": "Accepted"}}),
        _ => json!({}),
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let socket = tokio::net::TcpSocket::new_v4()?;
    socket.set_reuseaddr(true)?;
    socket.bind(args.addr)?;
    let listener: TcpListener = socket.listen(4096)?;
    println!("null responder listening on {}", listener.local_addr()?);
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        let _ = stream.set_nodelay(true);
        tokio::spawn(async move {
            let config = WebSocketConfig::default()
                .read_buffer_size(4 * 1024)
                .write_buffer_size(0);
            let mut version = Version::V16;
            #[allow(clippy::result_large_err)]
            let callback = |request: &Request, mut response: Response| {
                let offered = request
                    .headers()
                    .get(header::SEC_WEBSOCKET_PROTOCOL)
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("ocpp1.6");
                version = offered
                    .split(',')
                    .find_map(|p| Version::from_subprotocol(p.trim()))
                    .unwrap_or(Version::V16);
                response.headers_mut().insert(
                    header::SEC_WEBSOCKET_PROTOCOL,
                    HeaderValue::from_static(version.subprotocol()),
                );
                Ok(response)
            };
            let Ok(mut ws) =
                tokio_tungstenite::accept_hdr_async_with_config(stream, callback, Some(config))
                    .await
            else {
                return;
            };
            while let Some(Ok(message)) = ws.next().await {
                let Message::Text(text) = message else {
                    continue;
                };
                if let Ok(Frame::Call { id, action, .. }) = Frame::parse(&text, version) {
                    let action = match (version, action.as_str()) {
                        (Version::V201, "Authorize") => "Authorize201",
                        (_, action) => action,
                    };
                    let reply = Frame::CallResult {
                        id: MessageId::new(id.as_str()).expect("valid"),
                        payload: answer(action),
                    };
                    if ws
                        .send(Message::Text(reply.to_text(version).into()))
                        .await
                        .is_err()
                    {
                        break;
                    }
                }
            }
        });
    }
}
