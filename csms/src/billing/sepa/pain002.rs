//! Reading a bank's `pain.002` payment status report: the direct debits it rejected (each
//! `TxInfAndSts` with `TxSts` `RJCT`), by their end-to-end id, with the ISO reason code
//! (`AC04` account closed, `MD01` no mandate, `AM04` insufficient funds, …). Parsed with
//! quick-xml, namespaces ignored (banks send pain.002.001.03 and later versions alike).

use quick_xml::{Reader, events::Event};

/// One rejected debit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    pub end_to_end_id: String,
    pub reason: String,
}

/// The largest report read: a month's returns of a big fleet fit many times over.
pub const MAX_REPORT_BYTES: usize = 4 << 20;

/// The rejections of a report, or why it is not one.
pub fn rejections(xml: &str) -> Result<Vec<Rejection>, String> {
    if xml.len() > MAX_REPORT_BYTES {
        return Err(format!("a report has at most {MAX_REPORT_BYTES} bytes"));
    }
    let mut reader = Reader::from_str(xml);
    reader.config_mut().trim_text(true);
    let mut path: Vec<String> = Vec::new();
    let mut out = Vec::new();
    let mut seen_report = false;
    // The transaction being read: its end-to-end id, status and reason.
    let mut tx: Option<(String, String, String)> = None;
    loop {
        match reader.read_event().map_err(|e| format!("not XML: {e}"))? {
            Event::Start(start) => {
                let name = String::from_utf8_lossy(start.local_name().as_ref()).into_owned();
                if name == "CstmrPmtStsRpt" {
                    seen_report = true;
                }
                if name == "TxInfAndSts" {
                    tx = Some(Default::default());
                }
                path.push(name);
                if path.len() > 32 {
                    return Err("nested too deep".into());
                }
            }
            Event::End(_) => {
                if path.pop().as_deref() == Some("TxInfAndSts")
                    && let Some((id, status, reason)) = tx.take()
                    && status == "RJCT"
                {
                    if id.is_empty() {
                        return Err("a rejected transaction without OrgnlEndToEndId".into());
                    }
                    out.push(Rejection {
                        end_to_end_id: id,
                        reason: if reason.is_empty() {
                            "NARR".into()
                        } else {
                            reason
                        },
                    });
                }
            }
            Event::Text(text) => {
                let Some((id, status, reason)) = tx.as_mut() else {
                    continue;
                };
                let value = text
                    .decode()
                    .map_err(|e| format!("not text: {e}"))?
                    .into_owned();
                let leaf = path.last().map(String::as_str);
                let parent = path.iter().rev().nth(1).map(String::as_str);
                match (parent, leaf) {
                    (_, Some("OrgnlEndToEndId")) => *id = value,
                    (_, Some("TxSts")) => *status = value,
                    (Some("Rsn"), Some("Cd")) => *reason = value,
                    _ => {}
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if !seen_report {
        return Err("not a pain.002 payment status report (no CstmrPmtStsRpt)".into());
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const REPORT: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.002.001.03">
 <CstmrPmtStsRpt>
  <GrpHdr><MsgId>BANK-1</MsgId><CreDtTm>2026-12-12T09:00:00</CreDtTm></GrpHdr>
  <OrgnlGrpInfAndSts><OrgnlMsgId>CITERE-1</OrgnlMsgId><OrgnlMsgNmId>pain.008.001.02</OrgnlMsgNmId></OrgnlGrpInfAndSts>
  <OrgnlPmtInfAndSts>
   <OrgnlPmtInfId>CITERE-1-RCUR</OrgnlPmtInfId>
   <TxInfAndSts>
    <OrgnlEndToEndId>FEE-7-202612</OrgnlEndToEndId><TxSts>RJCT</TxSts>
    <StsRsnInf><Rsn><Cd>AC04</Cd></Rsn></StsRsnInf>
   </TxInfAndSts>
   <TxInfAndSts>
    <OrgnlEndToEndId>FEE-8-202612</OrgnlEndToEndId><TxSts>ACCP</TxSts>
   </TxInfAndSts>
   <TxInfAndSts><OrgnlEndToEndId>TERM-9</OrgnlEndToEndId><TxSts>RJCT</TxSts></TxInfAndSts>
  </OrgnlPmtInfAndSts>
 </CstmrPmtStsRpt>
</Document>"#;

    #[test]
    fn rejected_debits_are_read_with_their_reasons() {
        assert_eq!(
            rejections(REPORT).unwrap(),
            vec![
                Rejection {
                    end_to_end_id: "FEE-7-202612".into(),
                    reason: "AC04".into()
                },
                Rejection {
                    end_to_end_id: "TERM-9".into(),
                    reason: "NARR".into()
                },
            ]
        );
    }

    #[test]
    fn what_is_not_a_report_is_refused() {
        assert!(rejections("not xml <<<").is_err());
        assert!(rejections("<Document><Other/></Document>").is_err());
        let deep = "<a>".repeat(40) + &"</a>".repeat(40);
        assert!(rejections(&deep).is_err());
    }
}
