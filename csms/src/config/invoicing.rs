//! Who issues members' invoices, as each invoice must say (Spain's invoicing rules): the
//! issuer's legal name, tax identifier (NIF) and address.

use clap::Args;

#[derive(Args, Debug, Clone)]
pub struct IssuerArgs {
    /// The issuer's legal name on invoices.
    #[arg(
        long = "invoice-issuer-name",
        env = "CSMS_INVOICE_ISSUER_NAME",
        default_value = "CITERE S.A."
    )]
    pub name: String,
    /// The issuer's tax identifier (NIF/CIF), printed on every invoice; set it before issuing
    /// real invoices.
    #[arg(long = "invoice-issuer-tax-id", env = "CSMS_INVOICE_ISSUER_TAX_ID")]
    pub tax_id: Option<String>,
    /// The issuer's address, one line.
    #[arg(
        long = "invoice-issuer-address",
        env = "CSMS_INVOICE_ISSUER_ADDRESS",
        default_value = "Gijón, Asturias, España"
    )]
    pub address: String,
}
