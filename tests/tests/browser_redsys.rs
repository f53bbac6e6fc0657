//! The drivers' page tops up a Green Card through the card provider in headless Chromium
//! (Debian's, driven by Selenium from `tests/browser/redsys_test.py`): the browser is sent to
//! a stand-in of Redsys's payment page with our signed form, pays there and comes back, and
//! the page shows the new balance once Redsys's notification reached the CSMS.

use std::{path::Path, process::Stdio, time::Duration};

use serde_json::Value;
use tests::{
    python,
    redsys::{RedsysStandIn, csms_paying_through, test_merchant},
};
use tokio::{
    io::{AsyncBufReadExt, BufReader},
    process::Command,
};

const CHROMIUM: [&str; 2] = ["/usr/bin/chromium", "/usr/bin/chromedriver"];

#[tokio::test]
async fn the_page_tops_up_a_card_through_the_providers_page() {
    for binary in CHROMIUM {
        assert!(
            Path::new(binary).exists(),
            "{binary} is missing: run scripts/browser.sh (`make test` does)"
        );
    }
    let standin = RedsysStandIn::start(test_merchant()).await;
    let csms = csms_paying_through(&standin).await;
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("browser/redsys_test.py");
    let mut child = Command::new(python())
        .arg(script)
        .arg(&csms.http)
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("python runs");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut next = async |step: &str| -> Value {
        let line = tokio::time::timeout(Duration::from_secs(45), lines.next_line())
            .await
            .unwrap_or_else(|_| panic!("the browser reports {step} within 45 s"))
            .unwrap()
            .unwrap_or_else(|| panic!("the browser script ended before {step}"));
        let report: Value = serde_json::from_str(&line).unwrap();
        assert_eq!(report["step"], step, "the browser script: {report}");
        report
    };
    let at = next("at-provider").await;
    let provider = standin.url.trim_end_matches("/sis/realizarPago");
    assert!(
        at["url"].as_str().unwrap().starts_with(provider),
        "the browser is at the provider: {at}"
    );
    let paid = next("paid").await;
    assert!(
        paid["url"].as_str().unwrap().starts_with(&csms.http),
        "back on the page: {paid}"
    );
    assert_eq!(standin.notified(), vec![200], "{:?}", standin.refusals());
    let status = tokio::time::timeout(Duration::from_secs(10), child.wait())
        .await
        .expect("the browser script ends")
        .unwrap();
    assert!(status.success());
    csms.stop().await;
    standin.stop().await;
}
