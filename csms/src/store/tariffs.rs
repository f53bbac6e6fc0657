//! Tariffs in the store: price per kWh, per minute and per session, in integer cents.
//! The tariff `default` applies to charge points without a tariff of their own.

use sqlx::Row;

use super::{Store, StoreError};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tariff {
    pub price_per_kwh_cents: i64,
    pub price_per_minute_cents: i64,
    pub session_fee_cents: i64,
}

impl Store {
    /// Creates or replaces a tariff; returns whether it was created.
    pub async fn put_tariff(&self, id: &str, tariff: &Tariff) -> Result<bool, StoreError> {
        let mut tx = self.pool.begin().await?;
        let existed = super::lock_row(&mut tx, "tariffs", "id", id).await?;
        sqlx::query(
            "INSERT INTO tariffs (id, price_per_kwh_cents, price_per_minute_cents, session_fee_cents) \
             VALUES ($1, $2, $3, $4) ON CONFLICT (id) DO UPDATE SET \
                 price_per_kwh_cents = excluded.price_per_kwh_cents, \
                 price_per_minute_cents = excluded.price_per_minute_cents, \
                 session_fee_cents = excluded.session_fee_cents",
        )
        .bind(id)
        .bind(tariff.price_per_kwh_cents)
        .bind(tariff.price_per_minute_cents)
        .bind(tariff.session_fee_cents)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(!existed)
    }

    pub async fn get_tariff(&self, id: &str) -> Result<Option<Tariff>, StoreError> {
        let row = sqlx::query(
            "SELECT price_per_kwh_cents, price_per_minute_cents, session_fee_cents \
             FROM tariffs WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| {
            Ok(Tariff {
                price_per_kwh_cents: r.try_get(0)?,
                price_per_minute_cents: r.try_get(1)?,
                session_fee_cents: r.try_get(2)?,
            })
        })
        .transpose()
    }
}
