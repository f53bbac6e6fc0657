//! Meter values in 2.0.1's words as the core's samples: a sampled value is a number already,
//! its unit (`Wh` when absent) scaled by `10^multiplier`; signed meter data is kept as signed
//! text beside the number. MeterValues outside a transaction are stored the same way.

use chrono::{DateTime, Utc};
use ocpp_j::v201::{
    MeterValueType, MeterValuesRequest, MeterValuesResponse, ReadingContextEnumType,
    SampledValueType,
};

use super::status::evse;
use crate::{
    app::AppState,
    domain::{
        ChargePointId,
        meter::{ENERGY_REGISTER, Reading},
    },
    ocpp16::OcppError,
    store::transactions::MeterSample,
};

pub(super) async fn meter_values(
    state: &AppState,
    id: &ChargePointId,
    request: MeterValuesRequest,
) -> Result<MeterValuesResponse, OcppError> {
    let connector = evse(request.evse_id)?;
    let samples = samples(id, connector, None, &request.meter_value);
    state.charging.meter_values(samples).await?;
    Ok(MeterValuesResponse::default())
}

/// 2.0.1 meter values as samples of readings.
pub(super) fn samples(
    id: &ChargePointId,
    connector: u32,
    transaction_id: Option<i64>,
    values: &[MeterValueType],
) -> Vec<MeterSample> {
    values
        .iter()
        .map(|value| {
            let readings: Vec<Reading> = value.sampled_value.iter().map(reading).collect();
            MeterSample::new(
                id.clone(),
                connector,
                transaction_id,
                value.timestamp.0,
                &readings,
            )
        })
        .collect()
}

/// The energy register in Wh among `values`, the last one sent.
pub(super) fn energy_wh(values: &[MeterValueType]) -> Option<i64> {
    values.iter().rev().find_map(|value| {
        let readings: Vec<Reading> = value.sampled_value.iter().map(reading).collect();
        crate::domain::meter::energy_register_wh(&readings)
    })
}

/// Where and when the meter started among `values`: the energy register sampled at
/// `Transaction.Begin`, else the first one sent.
pub(super) fn begin_wh(values: &[MeterValueType]) -> Option<(i64, DateTime<Utc>)> {
    let register = |value: &MeterValueType, begin_only: bool| {
        let readings: Vec<Reading> = value
            .sampled_value
            .iter()
            .filter(|s| !begin_only || s.context == Some(ReadingContextEnumType::TransactionBegin))
            .map(reading)
            .collect();
        crate::domain::meter::energy_register_wh(&readings).map(|wh| (wh, value.timestamp.0))
    };
    values
        .iter()
        .find_map(|v| register(v, true))
        .or_else(|| values.iter().find_map(|v| register(v, false)))
}

/// One sampled value as a reading: the measurand defaults to the energy register and the unit
/// to Wh (2.0.1 §2.1.x, as 1.6); the multiplier is applied.
fn reading(s: &SampledValueType) -> Reading {
    let unit = s.unit_of_measure.as_ref();
    let multiplier = unit.and_then(|u| u.multiplier).unwrap_or(0).clamp(-9, 9);
    let value = s.value * 10f64.powi(multiplier);
    let signed = s.signed_meter_value.as_ref();
    Reading {
        measurand: s.measurand.map_or(ENERGY_REGISTER, |m| m.as_str()).into(),
        phase: s.phase.map(|p| p.as_str().into()),
        location: s.location.map(|l| l.as_str().into()),
        context: s.context.map(|c| c.as_str().into()),
        unit: unit
            .and_then(|u| u.unit.clone())
            .map_or("Wh".into(), Into::into),
        value: value.is_finite().then_some(value),
        text: signed.map(|m| m.signed_meter_data.clone()),
        signed: signed.is_some(),
    }
}

#[cfg(test)]
mod tests {
    use ocpp_j::v201::{MeasurandEnumType, SampledValueType, UnitOfMeasureType};

    use super::reading;

    #[test]
    fn a_sampled_value_takes_its_defaults_and_its_multiplier() {
        let plain = reading(&SampledValueType::new(1234.5));
        assert_eq!(plain.measurand, "Energy.Active.Import.Register");
        assert_eq!((plain.unit.as_ref(), plain.value), ("Wh", Some(1234.5)));
        let kilo = reading(&SampledValueType {
            measurand: Some(MeasurandEnumType::PowerActiveImport),
            unit_of_measure: Some(UnitOfMeasureType {
                unit: Some("W".into()),
                multiplier: Some(3),
                custom_data: None,
            }),
            ..SampledValueType::new(7.4)
        });
        assert_eq!(kilo.measurand, "Power.Active.Import");
        assert_eq!((kilo.unit.as_ref(), kilo.value), ("W", Some(7400.0)));
    }
}
