//! The merchant settings of `--payments redsys`: Redsys's payment page, the merchant's number,
//! terminal and secret key, and the addresses Redsys sends the notification and the driver's
//! browser back to.

use clap::Args;

#[derive(Args, Clone, Default)]
pub struct RedsysArgs {
    /// Redsys's payment page, where the driver's browser posts the signed form (the test
    /// environment: https://sis-t.redsys.es:25443/sis/realizarPago).
    #[arg(
        long = "redsys-url",
        env = "CSMS_REDSYS_URL",
        default_value = "https://sis.redsys.es/sis/realizarPago"
    )]
    pub url: String,
    /// The merchant's number (FUC), 9 digits.
    #[arg(long = "redsys-merchant-code", env = "CSMS_REDSYS_MERCHANT_CODE")]
    pub merchant_code: Option<String>,
    /// The terminal, 1 to 3 digits.
    #[arg(
        long = "redsys-terminal",
        env = "CSMS_REDSYS_TERMINAL",
        default_value = "1"
    )]
    pub terminal: String,
    /// The merchant's secret key (SHA-256), Base64 as Redsys's back office shows it. Prefer
    /// the environment variable: a flag shows in the process list.
    #[arg(long = "redsys-key", env = "CSMS_REDSYS_KEY", hide_env_values = true)]
    pub key: Option<String>,
    /// This CSMS's public URL of `/api/v1/payments/redsys/notifications`, where Redsys posts
    /// its signed notifications (https://…).
    #[arg(long = "redsys-notification-url", env = "CSMS_REDSYS_NOTIFICATION_URL")]
    pub notification_url: Option<String>,
    /// Redsys's REST interface, where refunds are asked for; by default the
    /// `…/sis/rest/trataPeticionREST` beside `--redsys-url`.
    #[arg(long = "redsys-rest-url", env = "CSMS_REDSYS_REST_URL")]
    pub rest_url: Option<String>,
    /// Where the driver's browser returns after paying.
    #[arg(long = "redsys-url-ok", env = "CSMS_REDSYS_URL_OK")]
    pub url_ok: Option<String>,
    /// Where the driver's browser returns when the payment failed.
    #[arg(long = "redsys-url-ko", env = "CSMS_REDSYS_URL_KO")]
    pub url_ko: Option<String>,
}

/// Redsys's published test key: anyone may sign with it.
const PUBLIC_TEST_KEY: &str = "sq7HjrUOBfKmC576ILgskD5srU870gJ7";

/// The key never shows in a debug print of the configuration.
impl std::fmt::Debug for RedsysArgs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedsysArgs")
            .field("url", &self.url)
            .field("merchant_code", &self.merchant_code)
            .field("terminal", &self.terminal)
            .field("key", &self.key.as_ref().map(|_| "…"))
            .field("notification_url", &self.notification_url)
            .field("rest_url", &self.rest_url)
            .field("url_ok", &self.url_ok)
            .field("url_ko", &self.url_ko)
            .finish()
    }
}

/// Whether `url` is on this machine (tests and local stand-ins may use plain http there).
fn local(url: &str) -> bool {
    ["http://127.0.0.1", "http://localhost", "http://[::1]"]
        .iter()
        .any(|prefix| url.starts_with(prefix))
}

impl RedsysArgs {
    /// The merchant's settings, checked; an error names what is missing or wrong.
    pub fn merchant(&self) -> Result<crate::billing::redsys::Redsys, String> {
        let missing = |flag: &str| format!("--payments redsys needs {flag}");
        let merchant_code = self
            .merchant_code
            .clone()
            .ok_or_else(|| missing("--redsys-merchant-code"))?;
        if merchant_code.len() != 9 || !merchant_code.bytes().all(|b| b.is_ascii_digit()) {
            return Err("--redsys-merchant-code has 9 digits".into());
        }
        if !(1..=3).contains(&self.terminal.len())
            || !self.terminal.bytes().all(|b| b.is_ascii_digit())
        {
            return Err("--redsys-terminal has 1 to 3 digits".into());
        }
        let key = self.key.as_deref().ok_or_else(|| missing("--redsys-key"))?;
        let key = crate::billing::redsys::MerchantKey::from_base64(key)?;
        let notification_url = self
            .notification_url
            .clone()
            .ok_or_else(|| missing("--redsys-notification-url"))?;
        let rest_url = self
            .rest_url
            .clone()
            .or_else(|| crate::billing::redsys::rest::Rest::beside(&self.url))
            .ok_or_else(|| missing("--redsys-rest-url"))?;
        for (flag, url) in [
            ("--redsys-url", Some(&self.url)),
            ("--redsys-rest-url", Some(&rest_url)),
            ("--redsys-notification-url", Some(&notification_url)),
            ("--redsys-url-ok", self.url_ok.as_ref()),
            ("--redsys-url-ko", self.url_ko.as_ref()),
        ] {
            if let Some(url) = url
                && !(url.starts_with("https://") || local(url))
            {
                return Err(format!(
                    "{flag} must be an https:// URL (http:// only on this machine), not {url:?}"
                ));
            }
        }
        if crate::api::web::origin(&self.url).is_none() {
            return Err(format!("--redsys-url {:?} has no plain origin", self.url));
        }
        let testing = [&self.url, &rest_url]
            .iter()
            .all(|url| url.starts_with("https://sis-t.redsys.es") || local(url));
        if self.key.as_deref().map(str::trim) == Some(PUBLIC_TEST_KEY) && !testing {
            return Err(
                "--redsys-key is Redsys's public test key: anyone could sign notifications with it; use it only with the test environment (--redsys-url https://sis-t.redsys.es:25443/…)".into(),
            );
        }
        Ok(crate::billing::redsys::Redsys {
            url: self.url.clone(),
            merchant_code,
            terminal: self.terminal.clone(),
            key,
            notification_url,
            url_ok: self.url_ok.clone(),
            url_ko: self.url_ko.clone(),
            rest: crate::billing::redsys::rest::Rest::new(rest_url)?,
        })
    }
}
