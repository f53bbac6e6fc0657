//! What the OCPP port does under abuse: idle and half-sent sockets neither keep a charger out
//! nor stay open, one address cannot take every socket, and a charger that stops reading is
//! dropped instead of stalling everyone who wants to reach it.

use std::{net::SocketAddr, time::Duration};

use futures_util::SinkExt;
use serde_json::json;
use tokio::{
    io::AsyncWriteExt,
    net::{TcpSocket, TcpStream},
};
use tokio_tungstenite::tungstenite::Message;

use crate::helpers::*;

fn ocpp_addr(app: &TestApp) -> SocketAddr {
    app.ocpp
        .trim_start_matches("ws://")
        .trim_end_matches("/ocpp")
        .parse()
        .unwrap()
}

/// A TCP connection to the OCPP port from the loopback address `from`.
async fn connect_from(from: &str, to: SocketAddr) -> TcpStream {
    let socket = TcpSocket::new_v4().unwrap();
    socket.bind(format!("{from}:0").parse().unwrap()).unwrap();
    socket.connect(to).await.unwrap()
}

#[tokio::test]
async fn a_thousand_idle_sockets_neither_keep_a_charger_out_nor_stay_open() {
    // Idle sockets used to hold the handshake permits until their timeout (5 s here); a real
    // charger now gets in at once.
    let app = spawn_app_with(csms::Config {
        handshake_timeout_secs: 5,
        ..test_config(&temp_db())
    })
    .await;
    let to = ocpp_addr(&app);
    let mut idle = Vec::new();
    for n in 0..1000 {
        let from = format!("127.0.0.{}", 2 + n % 4);
        let mut stream = connect_from(&from, to).await;
        if n % 2 == 0 {
            // Half of them send half a request, and nothing more.
            stream
                .write_all(b"GET /ocpp/CP-IDLE HTTP/1.1\r\nHost: x\r\n")
                .await
                .unwrap();
        }
        idle.push(stream);
    }
    app.put_charge_point("CP-REAL", Some(PASSWORD)).await;
    let started = std::time::Instant::now();
    let mut charger = tokio::time::timeout(
        Duration::from_secs(3),
        TestCharger::connect(&app.ocpp, "CP-REAL", Some(PASSWORD)),
    )
    .await
    .expect("a real charger gets in at once")
    .unwrap();
    charger.boot().await;
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    for stream in &mut idle {
        assert!(
            server_closed(stream, Duration::from_secs(8)).await,
            "an idle socket outlived the handshake timeout"
        );
    }
    charger.call_ok("Heartbeat", json!({})).await;
    app.shutdown().await;
}

#[tokio::test]
async fn one_address_gets_its_share_of_sockets_and_no_more() {
    let app = spawn_app_with(csms::Config {
        max_connections_per_address: 3,
        ..test_config(&temp_db())
    })
    .await;
    let to = ocpp_addr(&app);
    let mut held = Vec::new();
    for _ in 0..3 {
        held.push(connect_from("127.0.0.9", to).await);
    }
    let mut fourth = connect_from("127.0.0.9", to).await;
    assert!(server_closed(&mut fourth, Duration::from_millis(500)).await);
    // Another address is not affected; a slot comes back when its socket closes.
    app.put_charge_point("CP-NEIGHBOUR", None).await;
    let charger = TestCharger::connect(&app.ocpp, "CP-NEIGHBOUR", None).await;
    assert!(charger.is_ok());
    drop(held.pop());
    tokio::time::sleep(Duration::from_millis(100)).await;
    let mut again = connect_from("127.0.0.9", to).await;
    assert!(!server_closed(&mut again, Duration::from_millis(300)).await);
    let metrics = app.metrics().await;
    assert!(
        metrics.contains(r#"csms_ocpp_handshakes_total{result="per_address_limit"} 1"#),
        "{metrics}"
    );
    app.shutdown().await;
}

#[tokio::test]
async fn a_charger_that_stops_reading_is_dropped_and_commands_to_it_do_not_hang() {
    let app = spawn_app_with(csms::Config {
        write_timeout_secs: 1,
        call_timeout_secs: 1,
        ..test_config(&temp_db())
    })
    .await;
    let mut charger = app.booted_charger("CP-DEAF").await;
    // It sends and sends and never reads the answers, until the server's writes block.
    let flood = async {
        for n in 0..200_000 {
            let call = json!([2, format!("h{n}"), "Heartbeat", {}]).to_string();
            if charger.ws.send(Message::Text(call.into())).await.is_err() {
                break;
            }
        }
    };
    let _ = tokio::time::timeout(Duration::from_secs(4), flood).await;
    let started = std::time::Instant::now();
    let command = app.command("CP-DEAF", "ClearCache", json!({})).await;
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "the command waited {:?}",
        started.elapsed()
    );
    // Not connected, no answer in time, or the connection closed under it: never a hang.
    assert!(
        [404, 502, 504].contains(&command.status().as_u16()),
        "{}",
        command.status()
    );
    assert_eventually("the deaf charger is dropped", || async {
        app.get_charge_point("CP-DEAF").await["connected"] == false
    })
    .await;
    app.shutdown().await;
}
