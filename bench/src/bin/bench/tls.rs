//! The boot storm over wss://: csms with a server certificate from a CA made here (rcgen), the
//! storm's chargers trusting that CA, in rounds alternating with the same storm over ws://. TLS
//! handshakes are what a reconnect storm costs in the field.

use std::path::{Path, PathBuf};

use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair, KeyUsagePurpose,
};
use simulator::{
    driver::tls::TlsOptions,
    load::{LoadOptions, Mix},
};

use super::{Args, Table, csms_with, load_options, ratio, run};

/// A CA and a server certificate for 127.0.0.1, as PEM files in `dir`: (ca, cert, key).
fn certificates(dir: &Path) -> anyhow::Result<(PathBuf, PathBuf, PathBuf)> {
    let mut ca = CertificateParams::new(Vec::<String>::new())?;
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.distinguished_name.push(DnType::CommonName, "bench CA");
    ca.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    let ca = CertifiedIssuer::self_signed(ca, KeyPair::generate()?)?;
    let key = KeyPair::generate()?;
    let server = CertificateParams::new(vec!["127.0.0.1".to_owned()])?.signed_by(&key, &ca)?;
    let paths = (
        dir.join("ca.pem"),
        dir.join("server.pem"),
        dir.join("server.key"),
    );
    std::fs::write(&paths.0, ca.pem())?;
    std::fs::write(&paths.1, server.pem())?;
    std::fs::write(&paths.2, key.serialize_pem())?;
    Ok(paths)
}

/// The storm over wss:// against the same over ws://, alternating rounds; the median of each.
pub(super) async fn boot_storm_tls(args: &Args, table: &mut Table) -> anyhow::Result<()> {
    let dir = std::env::temp_dir().join(format!("csms-bench-tls-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let (ca, cert, key) = certificates(&dir)?;
    let (cert, key) = (cert.display().to_string(), key.display().to_string());
    let tls = TlsOptions {
        ca_file: Some(ca),
        ..TlsOptions::default()
    };
    let mut rounds: [Vec<f64>; 2] = [Vec::new(), Vec::new()];
    for _ in 0..args.storm_rounds.max(1) {
        for (n, secure) in [true, false].into_iter().enumerate() {
            let extra: Vec<&str> = if secure {
                vec!["--tls-cert", &cert, "--tls-key", &key]
            } else {
                Vec::new()
            };
            let server = csms_with("storm-tls", &extra).await?;
            let url = if secure {
                server.ocpp.replacen("ws://", "wss://", 1)
            } else {
                server.ocpp.clone()
            };
            let options = if secure {
                tls.clone()
            } else {
                TlsOptions::default()
            };
            let report = run(LoadOptions {
                tls: options,
                ..load_options(&url, args.storm, args.storm_secs, 0.01, 1e9, Mix::Meter)
            })
            .await?;
            server.stop().await;
            let secs = report
                .all_booted_after
                .map_or(f64::INFINITY, |d| d.as_secs_f64());
            rounds[n].push(secs);
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    let [wss, ws] = rounds.map(|mut secs| {
        secs.sort_by(f64::total_cmp);
        secs[secs.len() / 2]
    });
    table.row(
        &format!(
            "boot storm over wss:// (TLS 1.3): seconds until all booted (median of {})",
            args.storm_rounds.max(1)
        ),
        format!("{wss:.2}"),
        format!("{ws:.2} (ws://)"),
        format!("{:.2}", ratio(wss, ws)),
    );
    Ok(())
}
