//! The ISO 20022 `pain.008.001.02` document of a batch of SEPA core direct debits, as Spanish
//! banks take it: one payment information block per sequence type (`FRST` for a mandate's
//! first debit, `RCUR` after), each debit with its mandate and the member's IBAN (written as
//! `xml.rs` writes every SEPA document).

use chrono::{DateTime, NaiveDate, Utc};
use quick_xml::events::{BytesDecl, BytesStart, BytesText, Event};

use super::xml::{agent, clip, euros};

use crate::store::billing::direct_debits::PendingDebit;

pub const NAMESPACE: &str = "urn:iso:std:iso:20022:tech:xsd:pain.008.001.02";

/// Who collects: the creditor's name, account and SEPA creditor identifier.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Creditor {
    pub name: String,
    pub iban: String,
    /// Its bank's BIC; `None`: `NOTPROVIDED` (IBAN-only, as SEPA allows).
    pub bic: Option<String>,
    /// The SEPA creditor identifier, e.g. `ES12ZZZB12345678`.
    pub identifier: String,
}

/// The document of `debits` (none empty), to be collected on `collection`.
pub fn document(
    batch_id: &str,
    created: DateTime<Utc>,
    collection: NaiveDate,
    creditor: &Creditor,
    debits: &[PendingDebit],
) -> String {
    let mut x = super::xml::new();
    x.event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)));
    let mut document = BytesStart::new("Document");
    document.push_attribute(("xmlns", NAMESPACE));
    x.event(Event::Start(document));
    x.open("CstmrDrctDbtInitn");
    x.open("GrpHdr");
    x.leaf("MsgId", batch_id);
    x.leaf("CreDtTm", &created.format("%Y-%m-%dT%H:%M:%S").to_string());
    x.leaf("NbOfTxs", &debits.len().to_string());
    x.leaf(
        "CtrlSum",
        &euros(debits.iter().map(|d| d.amount_cents).sum()),
    );
    x.path(&["InitgPty", "Nm"], &clip(&creditor.name, 70));
    x.close("GrpHdr");
    for (sequence, first) in [("FRST", true), ("RCUR", false)] {
        let group: Vec<&PendingDebit> = debits.iter().filter(|d| d.first == first).collect();
        if group.is_empty() {
            continue;
        }
        x.open("PmtInf");
        x.leaf("PmtInfId", &format!("{batch_id}-{sequence}"));
        x.leaf("PmtMtd", "DD");
        x.leaf("BtchBookg", "true");
        x.leaf("NbOfTxs", &group.len().to_string());
        x.leaf(
            "CtrlSum",
            &euros(group.iter().map(|d| d.amount_cents).sum()),
        );
        x.open("PmtTpInf");
        x.path(&["SvcLvl", "Cd"], "SEPA");
        x.path(&["LclInstrm", "Cd"], "CORE");
        x.leaf("SeqTp", sequence);
        x.close("PmtTpInf");
        x.leaf("ReqdColltnDt", &collection.format("%Y-%m-%d").to_string());
        x.path(&["Cdtr", "Nm"], &clip(&creditor.name, 70));
        x.path(&["CdtrAcct", "Id", "IBAN"], &creditor.iban);
        agent(&mut x, "CdtrAgt", creditor.bic.as_deref());
        x.leaf("ChrgBr", "SLEV");
        for name in ["CdtrSchmeId", "Id", "PrvtId", "Othr"] {
            x.open(name);
        }
        x.leaf("Id", &creditor.identifier);
        x.path(&["SchmeNm", "Prtry"], "SEPA");
        for name in ["Othr", "PrvtId", "Id", "CdtrSchmeId"] {
            x.close(name);
        }
        for d in group {
            x.open("DrctDbtTxInf");
            x.path(&["PmtId", "EndToEndId"], &d.end_to_end_id);
            let mut amount = BytesStart::new("InstdAmt");
            amount.push_attribute(("Ccy", "EUR"));
            x.event(Event::Start(amount));
            x.event(Event::Text(BytesText::new(&euros(d.amount_cents))));
            x.close("InstdAmt");
            x.open("DrctDbtTx");
            x.open("MndtRltdInf");
            x.leaf("MndtId", &d.mandate_reference);
            x.leaf(
                "DtOfSgntr",
                &d.mandate_signed_at.format("%Y-%m-%d").to_string(),
            );
            x.close("MndtRltdInf");
            x.close("DrctDbtTx");
            agent(&mut x, "DbtrAgt", None);
            x.path(&["Dbtr", "Nm"], &clip(&d.debtor_name, 70));
            x.path(&["DbtrAcct", "Id", "IBAN"], &d.iban);
            x.path(&["RmtInf", "Ustrd"], &clip(&d.description, 140));
            x.close("DrctDbtTxInf");
        }
        x.close("PmtInf");
    }
    x.close("CstmrDrctDbtInitn");
    x.close("Document");
    x.finish()
}
