//! Mail delivery of the members' outbox over SMTP, when `--smtp-url` is set. A task takes
//! the messages due, oldest first, sends each to its member's address and marks it delivered.
//! A message the relay refuses for good (a 5xx answer), or whose address no mail can reach, is
//! marked failed and never tried again; one refused for now (a 4xx answer) waits and is tried
//! again, with a doubling wait, up to [`MAX_ATTEMPTS`] times, so no message holds back the
//! ones behind it. When the relay cannot be reached at all, the round ends and the next one
//! tries again. A message is sent at least once and, once the relay took it, never again.

use std::time::Duration;

use chrono::{DateTime, Utc};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor, message::Mailbox};
use tokio_util::sync::CancellationToken;

use crate::{
    clock::{Clock, SharedClock},
    store::{Store, StoreError, messages::Outgoing},
};

const ROUND: Duration = Duration::from_secs(2);
const BATCH: i64 = 100;
/// Attempts before a message the relay keeps refusing for now is given up on.
pub const MAX_ATTEMPTS: i64 = 8;
/// The first wait before trying a refused message again; it doubles with each attempt.
const FIRST_RETRY: chrono::Duration = chrono::Duration::minutes(1);

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
    store: Store,
    clock: SharedClock,
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    gate: crate::cluster::leases::Gate,
    stop: CancellationToken,
) {
    let mut tick = tokio::time::interval(ROUND);
    loop {
        tokio::select! {
            () = stop.cancelled() => break,
            _ = tick.tick() => {
                // In a cluster, one node delivers (the one holding the lease).
                if !gate.open().await {
                    continue;
                }
                if let Err(e) = deliver(&store, &*clock, &transport, &from).await {
                    tracing::warn!(error = %e, "mail delivery round failed");
                }
            }
        }
    }
}

/// What became of one message.
enum Outcome {
    Delivered,
    /// Never deliverable: marked failed.
    Failed(String),
    /// Refused for now: tried again later.
    Later(String),
    /// The relay could not be reached: the round ends.
    Unreachable(String),
}

async fn deliver(
    store: &Store,
    clock: &dyn Clock,
    transport: &AsyncSmtpTransport<Tokio1Executor>,
    from: &Mailbox,
) -> Result<(), StoreError> {
    let now = clock.now();
    for message in store.undelivered(now, BATCH).await? {
        let id = message.id;
        match send(transport, from, &message).await {
            Outcome::Delivered => store.message_delivered(id, clock.now()).await?,
            Outcome::Failed(error) => {
                tracing::warn!(message = id, %error, "undeliverable: given up");
                store.message_failed(id, &error, now).await?;
            }
            Outcome::Later(error) if message.attempts + 1 >= MAX_ATTEMPTS => {
                tracing::warn!(message = id, %error, "refused too many times: given up");
                store.message_failed(id, &error, now).await?;
            }
            Outcome::Later(error) => {
                tracing::info!(message = id, %error, "refused for now: will retry");
                let next = retry_at(now, message.attempts);
                store.message_retry(id, &error, next).await?;
            }
            Outcome::Unreachable(error) => {
                // Not the message's fault, most likely: it is never given up on for this. It
                // waits, longer each time, so that a message that fails this way every time
                // cannot hold back the outbox; the round ends, the relay being down.
                tracing::warn!(message = id, %error, "the SMTP relay cannot be reached; will retry");
                let next = retry_at(now, message.attempts);
                store.message_retry(id, &error, next).await?;
                return Ok(());
            }
        }
    }
    Ok(())
}

/// When a message refused `attempts + 1` times is tried again.
fn retry_at(now: DateTime<Utc>, attempts: i64) -> DateTime<Utc> {
    let exponent = u32::try_from(attempts.clamp(0, 12)).expect("clamped");
    now + FIRST_RETRY * 2i32.pow(exponent)
}

async fn send(
    transport: &AsyncSmtpTransport<Tokio1Executor>,
    from: &Mailbox,
    message: &Outgoing,
) -> Outcome {
    let Ok(to) = format!("{} <{}>", message.name, message.email)
        .parse::<Mailbox>()
        .or_else(|_| message.email.parse())
    else {
        return Outcome::Failed(format!("no mail can reach {:?}", message.email));
    };
    let mail = Message::builder()
        .from(from.clone())
        .to(to)
        .subject(message.subject.clone())
        .body(message.body.clone());
    let mail = match mail {
        Ok(mail) => mail,
        Err(e) => return Outcome::Failed(format!("cannot build the mail: {e}")),
    };
    match transport.send(mail).await {
        Ok(_) => Outcome::Delivered,
        Err(e) if e.is_permanent() => Outcome::Failed(e.to_string()),
        Err(e) if e.is_transient() => Outcome::Later(e.to_string()),
        Err(e) => Outcome::Unreachable(e.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refused_message_waits_longer_each_time() {
        let now = Utc::now();
        let waits: Vec<i64> = (0..4)
            .map(|n| (retry_at(now, n) - now).num_minutes())
            .collect();
        assert_eq!(waits, [1, 2, 4, 8]);
        assert!(retry_at(now, 1000) - now <= chrono::Duration::days(3));
    }

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
