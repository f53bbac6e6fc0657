//! Meter samples in the store: an append-only log of readings, written many rows per
//! statement, and each running transaction's last reading moved forward with them.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sqlx::AnyConnection;

use crate::{
    clock::to_millis,
    domain::{
        ChargePointId,
        meter::{Reading, energy_register_wh},
    },
    store::{
        StoreError,
        script::{Param, Script},
    },
};

/// One MeterValue element as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct MeterSample {
    pub charge_point_id: ChargePointId,
    pub connector_id: u32,
    pub transaction_id: Option<i64>,
    pub sampled_at: DateTime<Utc>,
    /// `Energy.Active.Import.Register` in Wh, when the sample carries it.
    pub energy_wh: Option<i64>,
    /// The readings, as JSON (an array of [`Reading`]s).
    pub sampled_values: String,
}

impl MeterSample {
    /// A sample of `readings`, its energy register read from them.
    pub fn new(
        charge_point_id: ChargePointId,
        connector_id: u32,
        transaction_id: Option<i64>,
        sampled_at: DateTime<Utc>,
        readings: &[Reading],
    ) -> MeterSample {
        MeterSample {
            charge_point_id,
            connector_id,
            transaction_id,
            sampled_at,
            energy_wh: energy_register_wh(readings),
            sampled_values: serde_json::to_string(readings).expect("readings serialize"),
        }
    }
}

/// Samples per INSERT statement (6 parameters each, far below both servers' limits).
const SAMPLES_PER_STATEMENT: usize = 200;

/// Stores meter samples (inside the caller's database transaction); see [`sample_statements`].
pub(crate) async fn record_samples(
    conn: &mut AnyConnection,
    samples: &[MeterSample],
) -> Result<(), StoreError> {
    let mut script = Script::new(conn);
    sample_statements(&mut script, samples);
    script.run(conn).await
}

/// The statements that store meter samples, many rows per statement (the group commit hands
/// it every sample of a batch at once), and move each running transaction's last reading
/// forward with one more: the samples themselves are an append-only log, so a batch dirties a
/// few pages of the log and of the running transactions, not one page per sample.
pub(crate) fn sample_statements<'a>(
    script: &mut Script<'a>,
    samples: impl IntoIterator<Item = &'a MeterSample> + Clone,
) {
    let rows = samples.clone().into_iter().map(|s| {
        [
            Param::Text(s.charge_point_id.as_str()),
            Param::Int(i64::from(s.connector_id)),
            Param::MaybeInt(s.transaction_id),
            Param::Int(to_millis(s.sampled_at)),
            Param::MaybeInt(s.energy_wh),
            Param::Text(s.sampled_values.as_str()),
        ]
    });
    script.push_rows(SAMPLES_PER_STATEMENT, rows, |values| {
        format!(
            "INSERT INTO meter_values (charge_point_id, connector_id, transaction_id, sampled_at_ms, \
                 energy_wh, sampled_values) VALUES {values}"
        )
    });
    // The highest register of each transaction in this batch. A sample names its own charge
    // point's transaction to count: another's id is stored, and moves nothing.
    let mut readings: HashMap<(i64, &str), i64> = HashMap::new();
    for s in samples {
        if let (Some(transaction_id), Some(wh)) = (s.transaction_id, s.energy_wh) {
            let highest = readings
                .entry((transaction_id, s.charge_point_id.as_str()))
                .or_insert(wh);
            *highest = (*highest).max(wh);
        }
    }
    let rows = readings
        .into_iter()
        .map(|((transaction_id, charge_point_id), wh)| {
            [
                Param::Int(transaction_id),
                Param::Text(charge_point_id),
                Param::Int(wh),
            ]
        });
    script.push_rows(SAMPLES_PER_STATEMENT, rows, |values| {
        format!(
            "WITH v (id, charge_point_id, wh) AS (VALUES {values}) \
             UPDATE transactions SET last_meter_wh = v.wh FROM v \
             WHERE transactions.id = v.id AND transactions.charge_point_id = v.charge_point_id \
                 AND transactions.stopped_at_ms IS NULL \
                 AND (transactions.last_meter_wh IS NULL OR transactions.last_meter_wh < v.wh)"
        )
    });
}
