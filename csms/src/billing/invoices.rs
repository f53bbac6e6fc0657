//! Members' monthly invoices: once a month is over, each member who owed something in it (the
//! sessions their Green Cards paid, the plan fees still due) gets one invoice, numbered in the
//! one series without gaps, its VAT shown (prices include it). Issuing again changes nothing.

use chrono::{Datelike, NaiveDate, TimeZone, Utc};

use super::Billing;
use crate::{
    domain::MemberId,
    store::{
        StoreError,
        billing::invoices::{self, Invoice},
    },
};

#[derive(Debug, thiserror::Error)]
pub enum InvoiceError {
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl Billing {
    /// Issues the invoices of `month` (`YYYY-MM`, a month that is over); returns the numbers
    /// issued now.
    pub async fn issue_invoices(&self, month: &str) -> Result<Vec<String>, InvoiceError> {
        let bad = || InvoiceError::Invalid(format!("month {month:?} is not YYYY-MM"));
        let first =
            NaiveDate::parse_from_str(&format!("{month}-01"), "%Y-%m-%d").map_err(|_| bad())?;
        if month.len() != 7 {
            return Err(bad());
        }
        let next = if first.month() == 12 {
            NaiveDate::from_ymd_opt(first.year() + 1, 1, 1)
        } else {
            NaiveDate::from_ymd_opt(first.year(), first.month() + 1, 1)
        }
        .ok_or_else(bad)?;
        let at = |d: NaiveDate| Utc.from_utc_datetime(&d.and_hms_opt(0, 0, 0).expect("midnight"));
        let (from, until) = (at(first), at(next));
        let now = self.clock.now();
        if until > now {
            return Err(InvoiceError::Invalid(format!(
                "month {month} is not over: it is invoiced once it is"
            )));
        }
        // Each member's invoice is its own short commit (its number taken inside it), so
        // chargers' acknowledgements never wait behind a month of invoicing.
        let mut issued = Vec::new();
        for (member, lines) in self.store.owed(from, until).await? {
            let (month, vat) = (month.to_owned(), self.rules.vat_percent);
            let number = self
                .committer
                .run(move |conn| {
                    Box::pin(async move {
                        invoices::issue(conn, member, &month, vat, &lines, now).await
                    })
                })
                .await?;
            issued.extend(number);
        }
        Ok(issued)
    }

    /// A member's invoices, newest first.
    pub async fn invoices(&self, member: MemberId) -> Result<Vec<Invoice>, StoreError> {
        self.store.invoices(member).await
    }

    /// One of a member's invoices as a PDF, issued by `issuer`; `None` when the member has no
    /// invoice of that number.
    pub async fn invoice_pdf(
        &self,
        member: MemberId,
        number: &str,
        issuer: &crate::config::invoicing::IssuerArgs,
    ) -> Result<Option<Vec<u8>>, StoreError> {
        let Some(invoice) = self.store.invoice(member, number).await? else {
            return Ok(None);
        };
        let record = self
            .store
            .member(member)
            .await?
            .ok_or_else(|| StoreError::Corrupt(format!("invoice {number} of no member")))?;
        let customer = super::invoice_pdf::Customer {
            name: record.name,
            email: record.email.as_str().to_owned(),
        };
        Ok(Some(super::invoice_pdf::render(
            &invoice, issuer, &customer,
        )))
    }
}
