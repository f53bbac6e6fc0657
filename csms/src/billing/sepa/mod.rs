//! SEPA for plan fees: the month's debits exported as one `pain.008` batch for the bank, the
//! bank's `pain.002` rejections imported (each rejected debit's fee is booked back and its
//! subscription suspended, once, however often the report is imported), and fees given back
//! under the first-month guarantee exported as one `pain.001` credit transfer batch. A fee is
//! never shown as collected on our word alone: `Sent` means it went to the bank.

pub mod pain001;
pub mod pain002;
pub mod pain008;
mod xml;

use chrono::NaiveDate;
use rand::Rng;

use super::Billing;
use crate::store::{
    StoreError,
    billing::direct_debits::{self, Return},
};
pub use pain008::Creditor;

#[derive(Debug, thiserror::Error)]
pub enum SepaError {
    #[error("no SEPA creditor is configured (--sepa-creditor-id, --sepa-creditor-iban)")]
    NoCreditor,
    #[error("{0}")]
    Invalid(String),
    #[error("another batch took some of these debits meanwhile: try again")]
    Raced,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A batch made for the bank.
#[derive(Debug, Clone)]
pub struct Batch {
    pub batch_id: String,
    pub debits: usize,
    pub total_cents: i64,
    /// The pain.008 document.
    pub document: String,
}

/// What an imported report did.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ReturnsReport {
    /// Booked back now, their subscriptions suspended.
    pub returned: usize,
    /// Returned by an earlier import: nothing more done.
    pub already_returned: usize,
    /// End-to-end ids of no debit we sent.
    pub unknown: Vec<String>,
}

impl Billing {
    /// Exports every pending debit as one batch to be collected on `collection` (from
    /// tomorrow: banks take core debits a business day ahead at least). `None`: none pending.
    pub async fn export_debits(&self, collection: NaiveDate) -> Result<Option<Batch>, SepaError> {
        let creditor = self.creditor.as_ref().ok_or(SepaError::NoCreditor)?;
        let now = self.clock.now();
        if collection <= now.date_naive() {
            return Err(SepaError::Invalid(format!(
                "collectionDate {collection} must be after today"
            )));
        }
        let debits = self.store.pending_debits().await?;
        if debits.is_empty() {
            return Ok(None);
        }
        let suffix: u32 = rand::rng().random_range(0..10_000);
        let batch_id = format!("CITERE-{}-{suffix:04}", now.format("%Y%m%d%H%M%S"));
        let document = pain008::document(&batch_id, now, collection, creditor, &debits);
        let recorded = self
            .store
            .record_batch(&batch_id, &collection.to_string(), &debits, &document, now)
            .await?;
        if !recorded {
            return Err(SepaError::Raced);
        }
        tracing::info!(%batch_id, debits = debits.len(), "SEPA batch exported");
        Ok(Some(Batch {
            total_cents: debits.iter().map(|d| d.amount_cents).sum(),
            debits: debits.len(),
            batch_id,
            document,
        }))
    }

    /// Imports a bank's pain.002 report: its rejected debits (one by one, a whole block of a
    /// batch, or a whole batch) are booked back once each.
    pub async fn import_returns(&self, xml: &str) -> Result<ReturnsReport, SepaError> {
        let read = pain002::read(xml).map_err(SepaError::Invalid)?;
        let mut rejected: Vec<(String, String)> = read
            .rejections
            .into_iter()
            .map(|r| (r.end_to_end_id, r.reason))
            .collect();
        if let Some((batch, reason)) = read.rejected_file {
            for id in self.store.debits_of_batch(&batch, None).await? {
                rejected.push((id, reason.clone()));
            }
        }
        for (block, reason) in read.rejected_blocks {
            let split = block
                .rsplit_once('-')
                .filter(|(_, s)| matches!(*s, "FRST" | "RCUR"));
            let Some((batch, sequence)) = split else {
                return Err(SepaError::Invalid(format!(
                    "block {block} is none of ours: reject its debits one by one"
                )));
            };
            for id in self.store.debits_of_batch(batch, Some(sequence)).await? {
                rejected.push((id, reason.clone()));
            }
        }
        let mut report = ReturnsReport::default();
        for (id, reason) in rejected {
            let now = self.clock.now();
            let key = id.clone();
            let outcome = self
                .committer
                .run(move |conn| {
                    Box::pin(async move { direct_debits::returned(conn, &key, &reason, now).await })
                })
                .await?;
            match outcome {
                Return::Booked => {
                    tracing::warn!(end_to_end_id = %id, "a direct debit was returned: its plan is suspended");
                    report.returned += 1;
                }
                Return::Again => report.already_returned += 1,
                Return::Unknown => report.unknown.push(id),
            }
        }
        Ok(report)
    }

    /// Exports every refund due as one pain.001 credit transfer batch from the creditor's
    /// account, executed on `execution` (today or later). `None`: none due.
    pub async fn export_refunds(&self, execution: NaiveDate) -> Result<Option<Batch>, SepaError> {
        let creditor = self.creditor.as_ref().ok_or(SepaError::NoCreditor)?;
        let now = self.clock.now();
        if execution < now.date_naive() {
            return Err(SepaError::Invalid(format!(
                "executionDate {execution} must not be in the past"
            )));
        }
        let refunds = self.store.due_refunds().await?;
        if refunds.is_empty() {
            return Ok(None);
        }
        let suffix: u32 = rand::rng().random_range(0..10_000);
        let batch_id = format!("CITERE-R{}-{suffix:04}", now.format("%Y%m%d%H%M%S"));
        let document = pain001::document(&batch_id, now, execution, creditor, &refunds);
        let recorded = self
            .store
            .record_refund_batch(&batch_id, &execution.to_string(), &refunds, &document, now)
            .await?;
        if !recorded {
            return Err(SepaError::Raced);
        }
        tracing::info!(%batch_id, refunds = refunds.len(), "SEPA refunds exported");
        Ok(Some(Batch {
            total_cents: refunds.iter().map(|r| r.amount_cents).sum(),
            debits: refunds.len(),
            batch_id,
            document,
        }))
    }

    /// A batch's pain.008 document again (a download that got lost).
    pub async fn batch_document(&self, batch_id: &str) -> Result<Option<String>, SepaError> {
        Ok(self.store.batch_document(batch_id).await?)
    }
}
