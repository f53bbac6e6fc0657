//! MeterValues: samples from a connector, usually of a running transaction, put in the core's
//! words ([`Reading`]s). Stored durably before we answer; the energy register moves the
//! transaction's last reading forward.

use ocpp_j::v16::{MeterValue, MeterValuesRequest, MeterValuesResponse, SampledValue, ValueFormat};

use super::OcppError;
use crate::{
    app::AppState,
    domain::{
        ChargePointId,
        meter::{ENERGY_REGISTER, Reading},
    },
    store::transactions::MeterSample,
};

pub(super) async fn handle(
    state: &AppState,
    id: &ChargePointId,
    request: MeterValuesRequest,
) -> Result<MeterValuesResponse, OcppError> {
    let transaction_id = request.transaction_id.map(i64::from);
    let samples = samples(
        id,
        request.connector_id,
        transaction_id,
        request.meter_value,
    );
    state.charging.meter_values(samples).await?;
    Ok(MeterValuesResponse {})
}

/// Turns 1.6 meter values into samples of readings.
pub(super) fn samples(
    id: &ChargePointId,
    connector_id: u32,
    transaction_id: Option<i64>,
    values: Vec<MeterValue>,
) -> Vec<MeterSample> {
    values
        .into_iter()
        .map(|value| {
            let readings: Vec<Reading> = value.sampled_value.iter().map(reading).collect();
            MeterSample::new(
                id.clone(),
                connector_id,
                transaction_id,
                value.timestamp.0,
                &readings,
            )
        })
        .collect()
}

/// One 1.6 sampled value as a reading. An absent measurand means the energy register, and an
/// absent unit means Wh (OCPP 1.6 §7.31); a `SignedData` value is kept as signed data.
fn reading(s: &SampledValue) -> Reading {
    let signed = s.format == Some(ValueFormat::SignedData);
    let value = if signed {
        None
    } else {
        s.value.trim().parse::<f64>().ok().filter(|v| v.is_finite())
    };
    Reading {
        measurand: s.measurand.map_or(ENERGY_REGISTER, |m| wire(&m)).into(),
        phase: s.phase.map(|p| wire(&p).into()),
        location: s.location.map(|l| wire(&l).into()),
        context: s.context.map(|c| wire(&c).into()),
        unit: s.unit.map_or("Wh", |u| wire(&u)).into(),
        value,
        text: value.is_none().then(|| s.value.clone()),
        signed,
    }
}

/// A 1.6 enum's wire spelling, which the readings keep.
fn wire<T: serde::Serialize>(value: &T) -> &'static str {
    ocpp_j::wire_name(value).expect("1.6's sample enums are unit variants")
}

#[cfg(test)]
mod tests {
    use ocpp_j::v16::{Measurand, Phase, SampledValue, UnitOfMeasure, ValueFormat};

    use super::reading;

    fn sampled(value: &str) -> SampledValue {
        SampledValue {
            value: value.into(),
            context: None,
            format: None,
            measurand: None,
            phase: None,
            location: None,
            unit: None,
        }
    }

    #[test]
    fn readings_take_16s_defaults_and_keep_what_is_not_a_number() {
        let plain = reading(&sampled(" 1234.5 "));
        assert_eq!(plain.measurand, "Energy.Active.Import.Register");
        assert_eq!(
            (plain.unit.as_ref(), plain.value, plain.text),
            ("Wh", Some(1234.5), None)
        );
        for odd in ["12,5", "NaN", "inf", ""] {
            let r = reading(&sampled(odd));
            assert_eq!(
                (r.value, r.text.as_deref(), r.signed),
                (None, Some(odd), false)
            );
        }
        let signed = reading(&SampledValue {
            format: Some(ValueFormat::SignedData),
            ..sampled("1234")
        });
        assert_eq!(
            (signed.value, signed.text.as_deref(), signed.signed),
            (None, Some("1234"), true)
        );
        let phase = reading(&SampledValue {
            measurand: Some(Measurand::CurrentImport),
            phase: Some(Phase::L1N),
            unit: Some(UnitOfMeasure::A),
            ..sampled("16")
        });
        assert_eq!(
            (
                phase.measurand.as_ref(),
                phase.phase.as_deref(),
                phase.unit.as_ref()
            ),
            ("Current.Import", Some("L1-N"), "A")
        );
    }
}
