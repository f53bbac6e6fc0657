//! The ISO 20022 `pain.008.001.02` document of a batch of SEPA core direct debits, as Spanish
//! banks take it: one payment information block per sequence type (`FRST` for a mandate's
//! first debit, `RCUR` after), each debit with its mandate and the member's IBAN. Written with
//! quick-xml, which escapes every value; names and texts are first put in the SEPA character
//! set, so that no member's name (a control character, another script) can make a bank
//! refuse the whole file.

use chrono::{DateTime, NaiveDate, Utc};
use quick_xml::{
    Writer,
    events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event},
};

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

struct Xml(Writer<Vec<u8>>);

impl Xml {
    fn event(&mut self, event: Event<'_>) {
        self.0
            .write_event(event)
            .expect("writing to memory never fails");
    }

    fn open(&mut self, name: &str) {
        self.event(Event::Start(BytesStart::new(name)));
    }

    fn close(&mut self, name: &str) {
        self.event(Event::End(BytesEnd::new(name)));
    }

    fn leaf(&mut self, name: &str, text: &str) {
        self.open(name);
        self.event(Event::Text(BytesText::new(text)));
        self.close(name);
    }

    /// `<a><b>…<last>text</last>…</b></a>`.
    fn path(&mut self, names: &[&str], text: &str) {
        let (last, outer) = names.split_last().expect("a path has a leaf");
        for name in outer {
            self.open(name);
        }
        self.leaf(last, text);
        for name in outer.iter().rev() {
            self.close(name);
        }
    }
}

/// `12.30`: the decimal euros the schema's amounts are.
fn euros(cents: i64) -> String {
    format!("{}.{:02}", cents / 100, cents % 100)
}

/// `text` in the SEPA character set (the Latin letters, digits and `/-?:().,'+` and space
/// every bank takes): accents and other scripts transliterated (deunicode), anything else a
/// space; at most `max` characters (the schema's MaxNText), never empty.
fn clip(text: &str, max: usize) -> String {
    let latin = deunicode::deunicode(text);
    let sepa: String = latin
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "/-?:().,'+ ".contains(c) {
                c
            } else {
                ' '
            }
        })
        .collect();
    let words: Vec<&str> = sepa.split_whitespace().collect();
    let joined: String = words.join(" ").chars().take(max).collect();
    if joined.trim().is_empty() {
        "NOTPROVIDED".into()
    } else {
        joined.trim_end().to_owned()
    }
}

/// The document of `debits` (none empty), to be collected on `collection`.
pub fn document(
    batch_id: &str,
    created: DateTime<Utc>,
    collection: NaiveDate,
    creditor: &Creditor,
    debits: &[PendingDebit],
) -> String {
    let mut x = Xml(Writer::new_with_indent(Vec::new(), b' ', 1));
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
    String::from_utf8(x.0.into_inner()).expect("quick-xml writes UTF-8")
}

/// A bank: its BIC, or `NOTPROVIDED`.
fn agent(x: &mut Xml, name: &str, bic: Option<&str>) {
    x.open(name);
    x.open("FinInstnId");
    match bic {
        Some(bic) => x.leaf("BIC", bic),
        None => x.path(&["Othr", "Id"], "NOTPROVIDED"),
    }
    x.close("FinInstnId");
    x.close(name);
}

#[cfg(test)]
mod tests {
    use super::clip;

    #[test]
    fn texts_are_put_in_the_sepa_character_set() {
        assert_eq!(clip("Ana García-Öst", 70), "Ana Garcia-Ost");
        assert_eq!(clip("CITERE S.A. <Gijón> & Co", 70), "CITERE S.A. Gijon Co");
        assert_eq!(clip("bad\u{1}name\u{b}", 70), "bad name");
        assert_eq!(clip("李小龍", 70), "Li Xiao Long");
        assert_eq!(clip("\u{1}\u{2}", 70), "NOTPROVIDED");
        assert_eq!(clip(&"x".repeat(200), 140).len(), 140);
    }
}
