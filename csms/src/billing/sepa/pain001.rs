//! The ISO 20022 `pain.001.001.03` document of a batch of SEPA credit transfers: plan fees
//! given back under the first-month guarantee, from the creditor's account to each member's.

use chrono::{DateTime, NaiveDate, Utc};
use quick_xml::events::{BytesDecl, BytesStart, BytesText, Event};

use super::{
    pain008::Creditor,
    xml::{agent, clip, euros},
};
use crate::store::billing::refunds::DueRefund;

pub const NAMESPACE: &str = "urn:iso:std:iso:20022:tech:xsd:pain.001.001.03";

/// The document of `refunds` (none empty), to be executed on `execution`.
pub fn document(
    batch_id: &str,
    created: DateTime<Utc>,
    execution: NaiveDate,
    debtor: &Creditor,
    refunds: &[DueRefund],
) -> String {
    let mut x = super::xml::new();
    x.event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)));
    let mut document = BytesStart::new("Document");
    document.push_attribute(("xmlns", NAMESPACE));
    x.event(Event::Start(document));
    x.open("CstmrCdtTrfInitn");
    let total = euros(refunds.iter().map(|r| r.amount_cents).sum());
    x.open("GrpHdr");
    x.leaf("MsgId", batch_id);
    x.leaf("CreDtTm", &created.format("%Y-%m-%dT%H:%M:%S").to_string());
    x.leaf("NbOfTxs", &refunds.len().to_string());
    x.leaf("CtrlSum", &total);
    x.path(&["InitgPty", "Nm"], &clip(&debtor.name, 70));
    x.close("GrpHdr");
    x.open("PmtInf");
    x.leaf("PmtInfId", &format!("{batch_id}-TRF"));
    x.leaf("PmtMtd", "TRF");
    x.leaf("BtchBookg", "true");
    x.leaf("NbOfTxs", &refunds.len().to_string());
    x.leaf("CtrlSum", &total);
    x.path(&["PmtTpInf", "SvcLvl", "Cd"], "SEPA");
    x.leaf("ReqdExctnDt", &execution.format("%Y-%m-%d").to_string());
    x.path(&["Dbtr", "Nm"], &clip(&debtor.name, 70));
    x.path(&["DbtrAcct", "Id", "IBAN"], &debtor.iban);
    agent(&mut x, "DbtrAgt", debtor.bic.as_deref());
    x.leaf("ChrgBr", "SLEV");
    for r in refunds {
        x.open("CdtTrfTxInf");
        x.path(&["PmtId", "EndToEndId"], &r.end_to_end_id);
        x.open("Amt");
        let mut amount = BytesStart::new("InstdAmt");
        amount.push_attribute(("Ccy", "EUR"));
        x.event(Event::Start(amount));
        x.event(Event::Text(BytesText::new(&euros(r.amount_cents))));
        x.close("InstdAmt");
        x.close("Amt");
        x.path(&["Cdtr", "Nm"], &clip(&r.creditor_name, 70));
        x.path(&["CdtrAcct", "Id", "IBAN"], &r.iban);
        x.path(
            &["RmtInf", "Ustrd"],
            &clip(&format!("CITERE first-month guarantee {}", r.debit), 140),
        );
        x.close("CdtTrfTxInf");
    }
    x.close("PmtInf");
    x.close("CstmrCdtTrfInitn");
    x.close("Document");
    x.finish()
}
