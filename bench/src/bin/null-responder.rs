//! The null responder: accepts any `/ocpp/{id}` with subprotocol `ocpp1.6` (same tokio-tungstenite
//! settings as csms: 4 KiB read buffer, eager writes) and answers every CALL with a canned
//! CALLRESULT, keeping no state and touching no disk. It is the ceiling of the benchmarks.

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

/// A stateless OCPP-J 1.6 responder.
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
            #[allow(clippy::result_large_err)]
            let callback = |_: &Request, mut response: Response| {
                response.headers_mut().insert(
                    header::SEC_WEBSOCKET_PROTOCOL,
                    HeaderValue::from_static("ocpp1.6"),
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
                if let Ok(Frame::Call { id, action, .. }) = Frame::parse(&text, Version::V16) {
                    let reply = Frame::CallResult {
                        id: MessageId::new(id.as_str()).expect("valid"),
                        payload: answer(&action),
                    };
                    if ws
                        .send(Message::Text(reply.to_text(Version::V16).into()))
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
