//! Who may charge: a member's Green Card (active, not expired, with money or a plan, and not
//! charging elsewhere already), a one-off direct-payment tag not yet used, or a tag of the
//! operator's table. Unknown tags are `Invalid`.

use chrono::{DateTime, Utc};
use sqlx::Row;

use super::{ledger, settlement::plan_allowance};
use crate::{
    app::AppState,
    charging::Authorization,
    clock::from_millis,
    domain::{AuthorizationStatus, CardStatus, IdTag},
    store::{StoreError, parse_column},
};

fn status(status: AuthorizationStatus) -> Authorization {
    Authorization {
        status,
        expires_at: None,
        parent_id_tag: None,
    }
}

/// The decision for a card or direct-payment tag; `None` when the tag is neither.
pub async fn authorize(state: &AppState, tag: &IdTag) -> Result<Option<Authorization>, StoreError> {
    let now = state.clock.now();
    let mut conn = state.charging.pool().acquire().await?;
    let card =
        sqlx::query("SELECT member_id, status, expires_at_ms FROM green_cards WHERE id_tag = $1")
            .bind(tag.as_str())
            .fetch_optional(&mut *conn)
            .await?;
    if let Some(card) = card {
        let member: i64 = card.try_get(0)?;
        let card_status: CardStatus = parse_column(&card.try_get::<String, _>(1)?, "status")?;
        let expires_at: Option<DateTime<Utc>> = card.try_get::<Option<i64>, _>(2)?.map(from_millis);
        let decision = if card_status != CardStatus::Active {
            AuthorizationStatus::Blocked
        } else if expires_at.is_some_and(|at| at <= now) {
            AuthorizationStatus::Expired
        } else if running(&mut conn, tag).await? {
            AuthorizationStatus::ConcurrentTx
        } else {
            let balance = ledger::balance(&mut conn, ledger::Account::Card(tag)).await?;
            let covered = plan_allowance(&mut conn, member, now)
                .await?
                .is_some_and(|left| left > 0);
            if balance > 0 || covered {
                AuthorizationStatus::Accepted
            } else {
                AuthorizationStatus::Blocked
            }
        };
        return Ok(Some(Authorization {
            expires_at,
            ..status(decision)
        }));
    }
    let direct = sqlx::query("SELECT captured_cents FROM direct_payments WHERE id_tag = $1")
        .bind(tag.as_str())
        .fetch_optional(&mut *conn)
        .await?;
    if let Some(direct) = direct {
        // Spent once captured, or once a session of it has ended (one flagged for an operator
        // is captured only when the operator settles it).
        let used = direct.try_get::<Option<i64>, _>(0)?.is_some() || ended(&mut conn, tag).await?;
        let decision = if used {
            AuthorizationStatus::Invalid
        } else if running(&mut conn, tag).await? {
            AuthorizationStatus::ConcurrentTx
        } else {
            AuthorizationStatus::Accepted
        };
        return Ok(Some(status(decision)));
    }
    Ok(None)
}

async fn ended(conn: &mut sqlx::AnyConnection, tag: &IdTag) -> Result<bool, StoreError> {
    let row = sqlx::query(
        "SELECT 1 FROM transactions WHERE id_tag = $1 AND stopped_at_ms IS NOT NULL AND auth_status = 'Accepted' LIMIT 1",
    )
    .bind(tag.as_str())
    .fetch_optional(&mut *conn)
    .await?;
    Ok(row.is_some())
}

async fn running(conn: &mut sqlx::AnyConnection, tag: &IdTag) -> Result<bool, StoreError> {
    let row = sqlx::query(
        "SELECT 1 FROM transactions WHERE id_tag = $1 AND stopped_at_ms IS NULL AND auth_status = 'Accepted' LIMIT 1",
    )
    .bind(tag.as_str())
    .fetch_optional(&mut *conn)
    .await?;
    Ok(row.is_some())
}
