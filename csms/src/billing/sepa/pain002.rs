//! Reading a bank's `pain.002` payment status report: the direct debits it rejected (each
//! `TxInfAndSts` with `TxSts` `RJCT`, by end-to-end id), the payment information blocks it
//! rejected whole (`PmtInfSts` `RJCT`) and a file rejected whole (`GrpSts` `RJCT`), with the
//! ISO reason code (`AC04` account closed, `MD01` no mandate, `AM04` insufficient funds, …).
//! Parsed with quick-xml (which expands no DTD entity), namespaces ignored (banks send
//! pain.002.001.03 and later versions alike); an element's text is read whole, references
//! and CDATA included.

use quick_xml::{Reader, events::Event};

/// One rejected debit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    pub end_to_end_id: String,
    pub reason: String,
}

/// What a report rejects: single debits, a whole payment information block (a batch's `FRST`
/// or `RCUR` debits, by its `PmtInfId`), or the whole file (by our batch's `MsgId`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    pub rejections: Vec<Rejection>,
    /// `(PmtInfId, reason)` of blocks rejected whole.
    pub rejected_blocks: Vec<(String, String)>,
    /// `(MsgId, reason)` when the whole file was rejected.
    pub rejected_file: Option<(String, String)>,
}

/// The largest report read (the HTTP body limit is the same).
pub const MAX_REPORT_BYTES: usize = 2 << 20;

/// What a report rejects, or why it is not a report.
pub fn read(xml: &str) -> Result<Report, String> {
    if xml.len() > MAX_REPORT_BYTES {
        return Err(format!("a report has at most {MAX_REPORT_BYTES} bytes"));
    }
    let mut reader = Reader::from_str(xml);
    reader.config_mut().trim_text(true);
    let mut path: Vec<String> = Vec::new();
    let mut text = String::new();
    let mut seen_report = false;
    let mut report = Report::default();
    // The group, block and transaction being read: (id, status, reason) each.
    let (mut group, mut block, mut tx) = (Fields::default(), Fields::default(), Fields::default());
    loop {
        match reader.read_event().map_err(|e| format!("not XML: {e}"))? {
            Event::Start(start) => {
                let name = String::from_utf8_lossy(start.local_name().as_ref()).into_owned();
                match name.as_str() {
                    "CstmrPmtStsRpt" => seen_report = true,
                    "OrgnlPmtInfAndSts" => block = Fields::default(),
                    "TxInfAndSts" => tx = Fields::default(),
                    _ => {}
                }
                path.push(name);
                text.clear();
                if path.len() > 32 {
                    return Err("nested too deep".into());
                }
            }
            Event::Text(t) => text.push_str(&t.decode().map_err(|e| format!("not text: {e}"))?),
            Event::CData(t) => text.push_str(&String::from_utf8_lossy(&t.into_inner())),
            Event::GeneralRef(r) => {
                if let Some(c) = r
                    .resolve_char_ref()
                    .map_err(|e| format!("bad reference: {e}"))?
                {
                    text.push(c);
                } else {
                    let name = r.decode().map_err(|e| format!("bad reference: {e}"))?;
                    let value = quick_xml::escape::resolve_predefined_entity(&name)
                        .ok_or_else(|| format!("unknown entity &{name};"))?;
                    text.push_str(value);
                }
            }
            Event::End(_) => {
                let leaf = path.pop().unwrap_or_default();
                let value = std::mem::take(&mut text).trim().to_owned();
                let within = |name: &str| path.iter().any(|p| p == name);
                let target = if within("TxInfAndSts") {
                    Some(&mut tx)
                } else if within("OrgnlPmtInfAndSts") {
                    Some(&mut block)
                } else if within("OrgnlGrpInfAndSts") {
                    Some(&mut group)
                } else {
                    None
                };
                if let Some(fields) = target {
                    match (leaf.as_str(), path.last().map(String::as_str)) {
                        ("OrgnlEndToEndId" | "OrgnlPmtInfId" | "OrgnlMsgId", _) => {
                            fields.id = value
                        }
                        ("TxSts" | "PmtInfSts" | "GrpSts", _) => fields.status = value,
                        ("Cd", Some("Rsn")) => fields.reason = value,
                        _ => {}
                    }
                }
                match leaf.as_str() {
                    "TxInfAndSts" if tx.status == "RJCT" => {
                        if tx.id.is_empty() {
                            return Err("a rejected transaction without OrgnlEndToEndId".into());
                        }
                        let t = std::mem::take(&mut tx);
                        report.rejections.push(Rejection {
                            reason: t.reason_or_narr(),
                            end_to_end_id: t.id,
                        });
                    }
                    "OrgnlPmtInfAndSts" if block.status == "RJCT" => {
                        let b = std::mem::take(&mut block);
                        let reason = b.reason_or_narr();
                        report.rejected_blocks.push((b.id, reason));
                    }
                    "OrgnlGrpInfAndSts" if group.status == "RJCT" => {
                        let reason = group.reason_or_narr();
                        report.rejected_file = Some((group.id.clone(), reason));
                    }
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
    Ok(report)
}

#[derive(Debug, Default)]
struct Fields {
    id: String,
    status: String,
    reason: String,
}

impl Fields {
    fn reason_or_narr(&self) -> String {
        if self.reason.is_empty() {
            "NARR".into()
        } else {
            self.reason.clone()
        }
    }
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
            read(REPORT).unwrap().rejections,
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
    fn whole_files_and_blocks_are_rejected_too_and_references_are_read_whole() {
        let file = r#"<Document><CstmrPmtStsRpt><OrgnlGrpInfAndSts><OrgnlMsgId>CITERE-1</OrgnlMsgId>
            <GrpSts>RJCT</GrpSts><StsRsnInf><Rsn><Cd>FF01</Cd></Rsn></StsRsnInf></OrgnlGrpInfAndSts>
            </CstmrPmtStsRpt></Document>"#;
        assert_eq!(
            read(file).unwrap().rejected_file,
            Some(("CITERE-1".into(), "FF01".into()))
        );
        let block = r#"<Document><CstmrPmtStsRpt><OrgnlPmtInfAndSts><OrgnlPmtInfId>CITERE-1-FRST</OrgnlPmtInfId>
            <PmtInfSts>RJCT</PmtInfSts></OrgnlPmtInfAndSts>
            <OrgnlPmtInfAndSts><OrgnlPmtInfId>CITERE-1-RCUR</OrgnlPmtInfId><PmtInfSts>ACCP</PmtInfSts>
            <TxInfAndSts><OrgnlEndToEndId>FEE-&#55;-2026&amp;12</OrgnlEndToEndId><TxSts>RJCT</TxSts></TxInfAndSts>
            </OrgnlPmtInfAndSts></CstmrPmtStsRpt></Document>"#;
        let report = read(block).unwrap();
        assert_eq!(
            report.rejected_blocks,
            vec![("CITERE-1-FRST".to_owned(), "NARR".to_owned())]
        );
        assert_eq!(report.rejections[0].end_to_end_id, "FEE-7-2026&12");
        assert_eq!(report.rejected_file, None);
    }

    #[test]
    fn what_is_not_a_report_is_refused() {
        assert!(read("not xml <<<").is_err());
        assert!(read("<Document><Other/></Document>").is_err());
        let deep = "<a>".repeat(40) + &"</a>".repeat(40);
        assert!(read(&deep).is_err());
        let entity = "<Document><CstmrPmtStsRpt>&custom;</CstmrPmtStsRpt></Document>";
        assert!(read(entity).is_err());
    }
}
