//! What the HTTP port does under abuse: half-sent requests and idle connections are closed,
//! connections and event-stream clients are capped, slow requests are cut off, logins and
//! registrations are limited per address as well as per email, and a flood of failed logins
//! does not grow the process.

use std::{net::SocketAddr, time::Duration};

use serde_json::json;
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
};

use crate::helpers::*;

fn http_addr(app: &TestApp) -> SocketAddr {
    app.base.trim_start_matches("http://").parse().unwrap()
}

#[tokio::test]
async fn half_sent_requests_and_idle_connections_are_closed() {
    let app = spawn_app_with(csms::Config {
        http_header_timeout_secs: 1,
        max_http_connections_per_address: 1000,
        ..test_config(&temp_db())
    })
    .await;
    let mut half = Vec::new();
    for _ in 0..300 {
        let mut stream = TcpStream::connect(http_addr(&app)).await.unwrap();
        stream
            .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
            .await
            .unwrap();
        half.push(stream);
    }
    let mut kept_alive = TcpStream::connect(http_addr(&app)).await.unwrap();
    kept_alive
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    let mut buf = [0u8; 1024];
    let n = kept_alive.read(&mut buf).await.unwrap();
    assert!(buf[..n].starts_with(b"HTTP/1.1 200"));
    for stream in &mut half {
        assert!(
            server_closed(stream, Duration::from_secs(3)).await,
            "a half-sent request stayed open"
        );
    }
    assert!(
        server_closed(&mut kept_alive, Duration::from_secs(3)).await,
        "an idle connection stayed open"
    );
    app.shutdown().await;
}

#[tokio::test]
async fn connections_beyond_the_cap_are_closed_at_once() {
    let app = spawn_app_with(csms::Config {
        max_http_connections: 5,
        ..test_config(&temp_db())
    })
    .await;
    let mut held = Vec::new();
    for _ in 0..5 {
        held.push(TcpStream::connect(http_addr(&app)).await.unwrap());
    }
    tokio::time::sleep(Duration::from_millis(100)).await;
    let mut sixth = TcpStream::connect(http_addr(&app)).await.unwrap();
    assert!(server_closed(&mut sixth, Duration::from_millis(500)).await);
    drop(held.pop());
    assert_eventually("a freed place takes a new connection", || async {
        reqwest::get(app.url("/healthz"))
            .await
            .is_ok_and(|r| r.status() == 200)
    })
    .await;
    app.shutdown().await;
}

#[tokio::test]
async fn a_request_whose_body_never_comes_is_cut_off() {
    let app = spawn_app_with(csms::Config {
        http_request_timeout_secs: 3,
        ..test_config(&temp_db())
    })
    .await;
    let mut stream = TcpStream::connect(http_addr(&app)).await.unwrap();
    stream
        .write_all(
            b"POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"email\":",
        )
        .await
        .unwrap();
    let mut answer = vec![0u8; 4096];
    let n = tokio::time::timeout(Duration::from_secs(5), stream.read(&mut answer))
        .await
        .expect("an answer within the request timeout")
        .unwrap();
    let answer = String::from_utf8_lossy(&answer[..n]);
    assert!(answer.starts_with("HTTP/1.1 503"), "{answer}");
    assert!(answer.to_lowercase().contains("retry-after"), "{answer}");
    app.shutdown().await;
}

#[tokio::test]
async fn the_event_stream_takes_as_many_clients_as_allowed() {
    let app = spawn_app_with(csms::Config {
        max_sse_clients: 2,
        ..test_config(&temp_db())
    })
    .await;
    let open = || app.http.get(app.url("/api/v1/availability/events")).send();
    let first = open().await.unwrap();
    let second = open().await.unwrap();
    assert_eq!(
        (first.status().as_u16(), second.status().as_u16()),
        (200, 200)
    );
    let third = open().await.unwrap();
    assert_eq!(third.status(), 503);
    assert!(third.headers().contains_key("retry-after"));
    drop(first);
    assert_eventually("a place is freed", || async {
        open().await.unwrap().status() == 200
    })
    .await;
    app.shutdown().await;
}

async fn login_from(app: &TestApp, ip: &str, email: &str) -> reqwest::Response {
    app.http
        .post(app.url("/api/v1/auth/login"))
        .header("X-Forwarded-For", ip)
        .json(&json!({"email": email, "password": "not the password"}))
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn logins_and_registrations_are_limited_per_address_as_well_as_per_email() {
    let app = spawn_app_with(csms::Config {
        logins_per_address: 10,
        registrations_per_address: 3,
        trusted_proxies: vec!["127.0.0.1".parse().unwrap()],
        ..test_config(&temp_db())
    })
    .await;
    for n in 0..10 {
        let r = login_from(&app, "198.51.100.7", &format!("guess{n}@example.es")).await;
        assert_eq!(r.status(), 401);
    }
    let refused = login_from(&app, "198.51.100.7", "guess10@example.es").await;
    assert_eq!(refused.status(), 429);
    assert!(
        refused.headers()["retry-after"]
            .to_str()
            .unwrap()
            .parse::<u64>()
            .unwrap()
            > 0
    );
    let elsewhere = login_from(&app, "198.51.100.8", "guess10@example.es").await;
    assert_eq!(elsewhere.status(), 401, "another address is not limited");

    let register = |n: u32| {
        app.http
            .post(app.url("/api/v1/members"))
            .header("X-Forwarded-For", "203.0.113.5")
            .json(
                &json!({"email": format!("bulk{n}@example.es"), "password": "correct horse battery",
                          "name": "Bulk", "segment": "private"}),
            )
            .send()
    };
    for n in 0..3 {
        assert_eq!(register(n).await.unwrap().status(), 201);
    }
    assert_eq!(register(3).await.unwrap().status(), 429);
    app.shutdown().await;
}

/// The peak resident memory of a process, in KiB.
fn peak_rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap()
}

#[tokio::test]
async fn a_flood_of_failed_logins_does_not_grow_the_process() {
    let db = temp_db();
    let running = crate::process::start_binary_with(&db, &["--logins-per-address", "10000"]).await;
    let pid = running.child.id().unwrap();
    let before = peak_rss_kib(pid);
    let client = reqwest::Client::new();
    let logins = (0..62).map(|n| {
        let long_email = format!("{}{n}@example.es", "x".repeat(200));
        client
            .post(format!("{}/api/v1/auth/login", running.http))
            .json(&json!({"email": long_email, "password": "wrong password, again"}))
            .send()
    });
    for answer in futures_util::future::join_all(logins).await {
        assert!([401, 503].contains(&answer.unwrap().status().as_u16()));
    }
    let grown = peak_rss_kib(pid).saturating_sub(before);
    assert!(
        grown < 200 * 1024,
        "62 failed logins grew the process by {grown} KiB"
    );
}

#[tokio::test]
async fn logging_in_again_and_again_keeps_a_bounded_number_of_tokens() {
    let app = spawn_app().await;
    let first = app.member("again@example.es").await;
    let mut last = String::new();
    for _ in 0..csms::store::members::TOKENS_PER_MEMBER {
        last = app
            .login("again@example.es", "correct horse battery")
            .await
            .unwrap();
    }
    let me = |token: String| {
        let request = app.as_member(&token, reqwest::Method::GET, "/api/v1/me");
        async move { request.send().await.unwrap().status().as_u16() }
    };
    assert_eq!(me(last).await, 200);
    assert_eq!(me(first).await, 401, "the oldest token was retired");
    app.shutdown().await;
}

#[tokio::test]
async fn one_address_gets_its_share_of_http_connections() {
    let app = spawn_app_with(csms::Config {
        max_http_connections_per_address: 3,
        ..test_config(&temp_db())
    })
    .await;
    let to = http_addr(&app);
    let connect_from = |ip: &'static str| async move {
        let socket = tokio::net::TcpSocket::new_v4().unwrap();
        socket.bind(format!("{ip}:0").parse().unwrap()).unwrap();
        socket.connect(to).await.unwrap()
    };
    let mut held = Vec::new();
    for _ in 0..3 {
        held.push(connect_from("127.0.0.21").await);
    }
    tokio::time::sleep(Duration::from_millis(100)).await;
    let mut fourth = connect_from("127.0.0.21").await;
    assert!(server_closed(&mut fourth, Duration::from_millis(500)).await);
    let mut other = connect_from("127.0.0.22").await;
    other
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    let mut buf = [0u8; 256];
    let n = other.read(&mut buf).await.unwrap();
    assert!(
        buf[..n].starts_with(b"HTTP/1.1 200"),
        "another address is served"
    );
    app.shutdown().await;
}

#[tokio::test]
async fn a_member_holds_a_bounded_number_of_green_cards() {
    let app = spawn_app().await;
    let token = app.member("cards@example.es").await;
    let issue = || {
        app.as_member(&token, reqwest::Method::POST, "/api/v1/me/green-cards")
            .json(&json!({}))
            .send()
    };
    for _ in 0..csms::store::members::CARDS_PER_MEMBER {
        assert_eq!(issue().await.unwrap().status(), 201);
    }
    assert_eq!(issue().await.unwrap().status(), 409);
    app.shutdown().await;
}
