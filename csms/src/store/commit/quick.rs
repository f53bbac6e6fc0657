//! The quick part of a group commit: meter samples and facts, a few multi-row statements in
//! one database transaction, with each write tried on its own when the batch is refused.

use sqlx::Connection;

use super::{
    Reply,
    facts::Facts,
    writer::{Writer, answer, finish},
};
use crate::store::{
    StoreError,
    script::Script,
    transactions::{self, MeterSample},
};

/// A batch's meter samples: each write's, with its waiter.
type SampleWrites = Vec<(Vec<MeterSample>, Reply<()>)>;

/// Samples and facts: a few statements, no savepoints, sent as one script where the database
/// allows it (each statement would otherwise be a round trip, and a batch's latency is mostly
/// round trips). They cannot clash with one another; should the script fail all the same (one
/// row the database refuses), and the database still answer, each write is tried again on its
/// own, so that one bad row fails its own write and nobody else's.
pub(super) async fn commit_quick(writer: &mut Writer, samples: SampleWrites, mut facts: Facts) {
    let outcome: Result<(), StoreError> = async {
        let conn = writer.conn().await?;
        let mut script = Script::new(conn);
        transactions::sample_statements(&mut script, samples.iter().flat_map(|(s, _)| s));
        facts.statements(&mut script);
        script.commit(conn).await
    }
    .await;
    writer.after(&outcome);
    let Err(error) = outcome else {
        let replies = samples.into_iter().map(|(_, reply)| reply);
        for reply in replies.chain(facts.take_replies()) {
            let _ = reply.send(Ok(()));
        }
        return;
    };
    if !writer.reachable().await {
        let finishes = samples
            .into_iter()
            .map(|(_, reply)| reply)
            .chain(facts.take_replies())
            .map(|reply| finish(reply, Ok(())))
            .collect();
        let _ = answer(Err(error), finishes);
        return;
    }
    tracing::warn!(%error, "a batch of samples and facts failed; writing them one by one");
    for (samples, reply) in samples {
        let outcome = commit_alone(writer, |script| {
            transactions::sample_statements(script, &samples)
        })
        .await;
        let _ = answer(outcome, vec![finish(reply, Ok(()))]);
    }
    for mut fact in facts.split() {
        let outcome = commit_alone(writer, |script| fact.statements(script)).await;
        let finishes = fact
            .take_replies()
            .map(|reply| finish(reply, Ok(())))
            .collect();
        let _ = answer(outcome, finishes);
    }
}

/// One write's statements in a database transaction of their own (rolled back when they fail,
/// keeping the connection).
async fn commit_alone<'a>(
    writer: &mut Writer,
    statements: impl FnOnce(&mut Script<'a>),
) -> Result<(), StoreError> {
    let conn = writer.conn().await?;
    let mut script = Script::new(conn);
    statements(&mut script);
    let mut tx = Connection::begin(conn).await?;
    script.run(&mut tx).await?;
    tx.commit().await?;
    Ok(())
}
