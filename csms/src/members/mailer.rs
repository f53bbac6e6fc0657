//! Mail delivery of the members' outbox over SMTP, when `--smtp-url` is set. A task takes
//! undelivered messages in order, sends each to its member's address and marks it delivered;
//! a failure leaves it for the next round, so a message is sent at least once and, once
//! acknowledged by the server, never again.

use std::time::Duration;

use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor, message::Mailbox};
use sqlx::Row;
use tokio_util::sync::CancellationToken;

use crate::{app::AppState, clock::to_millis, store::StoreError};

const ROUND: Duration = Duration::from_secs(2);
const BATCH: i64 = 100;

/// The transport of `smtp://host[:port]`: plain SMTP to a relay (the local MTA, which does
/// TLS onwards). Checked at start, so a typo fails fast.
pub fn transport(url: &str) -> Result<AsyncSmtpTransport<Tokio1Executor>, String> {
    let bad = || format!("--smtp-url must be smtp://host[:port], not {url:?}");
    let rest = url
        .strip_prefix("smtp://")
        .ok_or_else(bad)?
        .trim_end_matches('/');
    let (host, port) = match rest.rsplit_once(':') {
        Some((host, port)) => (host, port.parse::<u16>().map_err(|_| bad())?),
        None => (rest, 25),
    };
    if host.is_empty() || host.contains('/') || host.contains('@') {
        return Err(bad());
    }
    Ok(
        AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host)
            .port(port)
            .timeout(Some(Duration::from_secs(10)))
            .build(),
    )
}

pub async fn run(
    state: AppState,
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    stop: CancellationToken,
) {
    let mut tick = tokio::time::interval(ROUND);
    loop {
        tokio::select! {
            () = stop.cancelled() => break,
            _ = tick.tick() => {
                if let Err(e) = deliver(&state, &transport, &from).await {
                    tracing::warn!(error = %e, "mail delivery round failed");
                }
            }
        }
    }
}

async fn deliver(
    state: &AppState,
    transport: &AsyncSmtpTransport<Tokio1Executor>,
    from: &Mailbox,
) -> Result<(), StoreError> {
    let rows = sqlx::query(
        "SELECT m.id, m.subject, m.body, p.email, p.name FROM member_messages m JOIN members p ON p.id = m.member_id \
         WHERE m.delivered_at_ms IS NULL ORDER BY m.id LIMIT $1",
    )
    .bind(BATCH)
    .fetch_all(state.store.pool())
    .await?;
    for row in rows {
        let (id, subject, body, email, name): (i64, String, String, String, String) = (
            row.try_get(0)?,
            row.try_get(1)?,
            row.try_get(2)?,
            row.try_get(3)?,
            row.try_get(4)?,
        );
        let Ok(to) = format!("{name} <{email}>")
            .parse::<Mailbox>()
            .or_else(|_| email.parse())
        else {
            tracing::warn!(message = id, "undeliverable address");
            continue;
        };
        let mail = Message::builder()
            .from(from.clone())
            .to(to)
            .subject(subject)
            .body(body);
        let mail = match mail {
            Ok(m) => m,
            Err(e) => {
                tracing::warn!(message = id, error = %e, "cannot build the mail");
                continue;
            }
        };
        if let Err(e) = transport.send(mail).await {
            tracing::warn!(message = id, error = %e, "SMTP send failed; will retry");
            return Ok(());
        }
        sqlx::query("UPDATE member_messages SET delivered_at_ms = $1 WHERE id = $2")
            .bind(to_millis(state.clock.now()))
            .bind(id)
            .execute(state.store.pool())
            .await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn smtp_urls_name_a_host_and_perhaps_a_port() {
        assert!(transport("smtp://127.0.0.1:2525").is_ok());
        assert!(transport("smtp://mail.citere.es").is_ok());
        for bad in [
            "http://x",
            "smtp://",
            "smtp://host:port",
            "smtp://user@host",
        ] {
            assert!(transport(bad).is_err(), "{bad}");
        }
    }
}
