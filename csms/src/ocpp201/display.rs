//! Guidance on a 2.0.1 station's screen, as the commercial plan promises: what the driver
//! should do next, in their language. A reserved EVSE shows whom it waits for and until when
//! (SetDisplayMessage, cleared when the hold ends), and an accepted Green Card that pays from
//! its balance carries a personal message with what is left, with a warning when little is.
//! Members have no language of their own yet, so the messages are in Spanish, the network's.
//! Times are the network's local time (Europe/Madrid).

use chrono::{DateTime, Utc};
use ocpp_j::v201::{
    ComponentType, EVSEType, MessageContentType, MessageFormatEnumType, MessageInfoType,
    MessagePriorityEnumType, Timestamp,
};

use crate::charging::Authorization;

/// The network's time zone, for the times drivers read.
pub const ZONE: chrono_tz::Tz = chrono_tz::Europe::Madrid;
/// The language of the messages.
pub const LANGUAGE: &str = "es";
/// Below this balance, in cents, the driver is told to top up.
pub const LOW_BALANCE_CENTS: i64 = 500;

fn content(text: String) -> MessageContentType {
    MessageContentType {
        language: Some(LANGUAGE.to_owned()),
        ..MessageContentType::new(text, MessageFormatEnumType::UTF8)
    }
}

/// `18:40`, in the network's local time.
pub fn local_time(at: DateTime<Utc>) -> String {
    at.with_timezone(&ZONE).format("%H:%M").to_string()
}

/// What an EVSE held for a reservation shows until the hold ends (the message's id is the
/// reservation's).
pub fn reserved(reservation_id: i32, evse: i32, until: DateTime<Utc>) -> MessageInfoType {
    let text = format!(
        "Reservado hasta las {}. Acerque su Green Card para cargar.",
        local_time(until)
    );
    let display = ComponentType {
        evse: Some(EVSEType::new(evse)),
        ..ComponentType::new("Display".into())
    };
    MessageInfoType {
        end_date_time: Some(Timestamp(until)),
        display: Some(display),
        ..MessageInfoType::new(
            reservation_id,
            content(text),
            MessagePriorityEnumType::InFront,
        )
    }
}

/// `12,30 €`.
fn euros(cents: i64) -> String {
    crate::billing::invoice_pdf::importe(cents)
}

/// The personal message of an accepted Green Card that pays from its balance.
pub fn personal(authorization: &Authorization) -> Option<MessageContentType> {
    let balance = authorization.balance_cents?;
    let text = if balance < LOW_BALANCE_CENTS {
        format!(
            "Saldo bajo: {}. Recargue su Green Card en el cargador o en la app.",
            euros(balance)
        )
    } else {
        format!("Saldo de su Green Card: {}.", euros(balance))
    };
    Some(content(text))
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};

    use super::*;
    use crate::domain::AuthorizationStatus;

    #[test]
    fn times_are_gijons_and_a_low_balance_says_so() {
        let winter = Utc.with_ymd_and_hms(2026, 12, 2, 17, 40, 0).unwrap();
        let summer = Utc.with_ymd_and_hms(2026, 7, 2, 16, 40, 0).unwrap();
        assert_eq!(
            (local_time(winter), local_time(summer)),
            ("18:40".into(), "18:40".into())
        );
        let message = reserved(7, 2, winter);
        assert!(message.message.content.contains("18:40"), "{message:?}");
        let mut card = Authorization::status(AuthorizationStatus::Accepted);
        assert_eq!(personal(&card), None, "no balance to show");
        card.balance_cents = Some(320);
        let low = personal(&card).unwrap();
        assert!(low.content.starts_with("Saldo bajo: 3,20 €"), "{low:?}");
        card.balance_cents = Some(4_600);
        assert!(personal(&card).unwrap().content.contains("46,00 €"));
    }
}
