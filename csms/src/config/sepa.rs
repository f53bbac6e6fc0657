//! Who collects plan fees by SEPA direct debit: the creditor's name, account (IBAN, and its
//! bank's BIC when the bank wants it) and SEPA creditor identifier, written into every
//! `pain.008` batch.

use clap::Args;

#[derive(Args, Debug, Clone, Default)]
pub struct SepaArgs {
    /// The SEPA creditor identifier the bank assigned, e.g. ES12ZZZB12345678.
    #[arg(long = "sepa-creditor-id", env = "CSMS_SEPA_CREDITOR_ID")]
    pub creditor_id: Option<String>,
    /// The creditor's name on members' statements.
    #[arg(
        long = "sepa-creditor-name",
        env = "CSMS_SEPA_CREDITOR_NAME",
        default_value = "CITERE S.A."
    )]
    pub creditor_name: String,
    /// The account the fees are collected into.
    #[arg(long = "sepa-creditor-iban", env = "CSMS_SEPA_CREDITOR_IBAN")]
    pub creditor_iban: Option<String>,
    /// That account's bank (BIC), when the bank asks for it.
    #[arg(long = "sepa-creditor-bic", env = "CSMS_SEPA_CREDITOR_BIC")]
    pub creditor_bic: Option<String>,
}

impl SepaArgs {
    /// The creditor, when configured; an error names what is wrong.
    pub fn creditor(&self) -> Result<Option<crate::billing::sepa::Creditor>, String> {
        let (Some(identifier), Some(iban)) = (&self.creditor_id, &self.creditor_iban) else {
            if self.creditor_id.is_some() || self.creditor_iban.is_some() {
                return Err("--sepa-creditor-id and --sepa-creditor-iban go together".into());
            }
            return Ok(None);
        };
        // AT-02: country, check digits, business code, national identifier; 8 to 35 characters.
        let id_ok = (8..=35).contains(&identifier.len())
            && identifier[..2].bytes().all(|b| b.is_ascii_uppercase())
            && identifier[2..4].bytes().all(|b| b.is_ascii_digit())
            && identifier.bytes().all(|b| b.is_ascii_alphanumeric());
        if !id_ok {
            return Err(format!(
                "--sepa-creditor-id {identifier:?} is not a SEPA creditor identifier"
            ));
        }
        let iban = crate::members::check_iban(iban)
            .map_err(|_| "--sepa-creditor-iban is not a valid IBAN".to_owned())?;
        if let Some(bic) = &self.creditor_bic {
            let bic_ok =
                matches!(bic.len(), 8 | 11) && bic.bytes().all(|b| b.is_ascii_alphanumeric());
            if !bic_ok {
                return Err(format!("--sepa-creditor-bic {bic:?} is not a BIC"));
            }
        }
        if self.creditor_name.trim().is_empty() {
            return Err("--sepa-creditor-name is empty".into());
        }
        Ok(Some(crate::billing::sepa::Creditor {
            name: self.creditor_name.clone(),
            iban,
            bic: self.creditor_bic.clone(),
            identifier: identifier.clone(),
        }))
    }
}
