//! Mail delivery through a real SMTP exchange with a local relay: each message once; one the
//! relay refuses for good is given up on and refused-for-now ones wait, so neither holds back
//! the messages behind them; an address no mail can reach is refused at registration.

use std::sync::{Arc, Mutex};

use serde_json::json;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

use crate::{
    engagement::{IBAN, register},
    helpers::*,
};

/// A local SMTP relay: refuses recipients named `bounce…` for good (550) and `busy…` for now
/// (451), accepts every other mail and keeps (recipient, text).
async fn smtp_sink() -> (String, Arc<Mutex<Vec<(String, String)>>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("smtp://{}", listener.local_addr().unwrap());
    let mails: Arc<Mutex<Vec<(String, String)>>> = Arc::default();
    let kept = mails.clone();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let kept = kept.clone();
            tokio::spawn(async move {
                let (read, mut write) = stream.into_split();
                let mut lines = BufReader::new(read).lines();
                write.write_all(b"220 sink ESMTP\r\n").await.unwrap();
                let (mut rcpt, mut data, mut in_data) = (String::new(), String::new(), false);
                while let Ok(Some(line)) = lines.next_line().await {
                    if in_data {
                        if line == "." {
                            in_data = false;
                            kept.lock()
                                .unwrap()
                                .push((std::mem::take(&mut rcpt), std::mem::take(&mut data)));
                            write.write_all(b"250 kept\r\n").await.unwrap();
                        } else {
                            data.push_str(&line);
                            data.push('\n');
                        }
                        continue;
                    }
                    let verb = line.to_ascii_uppercase();
                    let reply: &[u8] = if verb.starts_with("EHLO") || verb.starts_with("HELO") {
                        b"250 sink\r\n"
                    } else if verb.starts_with("RCPT TO:") {
                        rcpt = line[8..].trim().to_owned();
                        if rcpt.contains("bounce") {
                            b"550 no such mailbox\r\n"
                        } else if rcpt.contains("busy") {
                            b"451 try again later\r\n"
                        } else {
                            b"250 ok\r\n"
                        }
                    } else if verb == "DATA" {
                        in_data = true;
                        b"354 go on\r\n"
                    } else if verb == "QUIT" {
                        write.write_all(b"221 bye\r\n").await.unwrap();
                        break;
                    } else {
                        b"250 ok\r\n"
                    };
                    write.write_all(reply).await.unwrap();
                }
            });
        }
    });
    (url, mails)
}

#[tokio::test]
async fn messages_are_delivered_by_smtp_when_a_relay_is_configured() {
    let (url, mails) = smtp_sink().await;
    let db = temp_db();
    let app = spawn_app_with(csms::Config {
        smtp_url: Some(url),
        ..test_config(&db)
    })
    .await;
    register(&app, "mail@example.es", json!({})).await;
    assert_eventually("the welcome mail reaches the relay", || {
        let got = mails.lock().unwrap().clone();
        async move {
            got.iter()
                .any(|(to, text)| to.contains("mail@example.es") && text.contains("CITERE"))
        }
    })
    .await;
    let sent = mails.lock().unwrap().clone();
    assert_eq!(sent.len(), 1, "delivered once");
    assert!(!sent[0].1.contains(IBAN));
    app.shutdown().await;
}

#[tokio::test]
async fn a_refused_message_holds_back_nobody() {
    let (url, mails) = smtp_sink().await;
    let app = spawn_app_with(csms::Config {
        smtp_url: Some(url),
        ..test_config(&temp_db())
    })
    .await;
    // Registered first, so their welcome messages are the oldest in the outbox.
    register(&app, "bounce@example.es", json!({})).await;
    register(&app, "busy@example.es", json!({})).await;
    register(&app, "after@example.es", json!({})).await;
    assert_eventually("the messages behind the refused ones are delivered", || {
        let got = mails.lock().unwrap().clone();
        async move { got.iter().any(|(to, _)| to.contains("after@example.es")) }
    })
    .await;
    assert_eq!(mails.lock().unwrap().len(), 1, "only the deliverable one");
    app.shutdown().await;
}

#[tokio::test]
async fn an_address_no_mail_can_reach_is_refused_at_registration() {
    let app = spawn_app().await;
    let body = json!({"email": "a<b@example.es", "password": "correct horse battery", "name": "X",
                      "segment": "private"});
    let r = app
        .http
        .post(app.url("/api/v1/members"))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    app.shutdown().await;
}
