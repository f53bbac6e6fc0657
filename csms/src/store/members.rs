//! Members, their login tokens and their Green Cards in the store. Emails are stored
//! lowercased and unique; tokens only as hashes.

use chrono::{DateTime, Utc};
use sqlx::{Row, any::AnyRow};

use super::{Store, StoreError, parse_column};
use crate::{
    clock::{from_millis, to_millis},
    domain::{CardStatus, IdTag},
    domain::{Email, MemberId, Segment},
};

#[derive(Debug, Clone, PartialEq)]
pub struct NewMember {
    pub email: Email,
    pub password_hash: String,
    pub name: String,
    pub segment: Segment,
    pub bank_account: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct MemberRecord {
    pub id: MemberId,
    pub email: Email,
    pub password_hash: String,
    pub name: String,
    pub segment: Segment,
    pub bank_account: Option<String>,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct GreenCardRecord {
    pub id_tag: IdTag,
    pub member_id: MemberId,
    pub status: CardStatus,
    pub expires_at: Option<DateTime<Utc>>,
    /// Sessions paid with it so far (the loyalty count).
    pub paid_sessions: i64,
    /// From the ledger.
    pub balance_cents: i64,
    /// From the ledger.
    pub points: i64,
}

/// Green Cards a member may hold.
pub const CARDS_PER_MEMBER: i64 = 10;

/// Why a card was not issued.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CardRefused {
    TagInUse,
    TooMany,
}

/// Whether an insert met a unique key that already existed.
pub(crate) fn is_unique_violation(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(d) if d.is_unique_violation())
}

fn member(row: &AnyRow) -> Result<MemberRecord, StoreError> {
    let email: String = row.try_get("email")?;
    let segment: String = row.try_get("segment")?;
    Ok(MemberRecord {
        id: MemberId(row.try_get("id")?),
        email: Email::parse(&email).map_err(|e| StoreError::Corrupt(e.0))?,
        password_hash: row.try_get("password_hash")?,
        name: row.try_get("name")?,
        segment: parse_column(&segment, "segment")?,
        bank_account: row.try_get("bank_account")?,
        created_at: from_millis(row.try_get("created_at_ms")?),
    })
}

fn card(row: &AnyRow) -> Result<GreenCardRecord, StoreError> {
    let id_tag: String = row.try_get("id_tag")?;
    Ok(GreenCardRecord {
        id_tag: IdTag::parse(&id_tag).map_err(|e| StoreError::Corrupt(e.0))?,
        member_id: MemberId(row.try_get("member_id")?),
        status: parse_column(&row.try_get::<String, _>("status")?, "status")?,
        expires_at: row
            .try_get::<Option<i64>, _>("expires_at_ms")?
            .map(from_millis),
        paid_sessions: row.try_get("paid_sessions")?,
        balance_cents: row.try_get("balance_cents")?,
        points: row.try_get("points")?,
    })
}

const MEMBER_COLUMNS: &str = "id, email, password_hash, name, segment, bank_account, created_at_ms";
/// A card with its balances from the ledger.
const CARD_COLUMNS: &str = "g.id_tag, g.member_id, g.status, g.expires_at_ms, g.paid_sessions, \
     COALESCE((SELECT balance FROM ledger_accounts WHERE account = 'card:' || g.id_tag), 0) AS balance_cents, \
     COALESCE((SELECT balance FROM ledger_accounts WHERE account = 'points:' || g.id_tag), 0) AS points";

/// Login tokens a member keeps at once (devices signed in); a new login retires the oldest.
pub const TOKENS_PER_MEMBER: i64 = 20;

impl Store {
    /// Registers a member; `None` when the email is taken.
    pub async fn insert_member(
        &self,
        m: &NewMember,
        now: DateTime<Utc>,
    ) -> Result<Option<MemberRecord>, StoreError> {
        let sql = format!(
            "INSERT INTO members (email, password_hash, name, segment, bank_account, created_at_ms, \
                 mandate_signed_at_ms) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) \
             RETURNING {MEMBER_COLUMNS}"
        );
        let inserted = sqlx::query(&sql)
            .bind(m.email.as_str())
            .bind(&m.password_hash)
            .bind(&m.name)
            .bind(m.segment.as_str())
            .bind(m.bank_account.as_deref())
            .bind(to_millis(now))
            // The mandate is signed with the IBAN the member gives.
            .bind(m.bank_account.is_some().then(|| to_millis(now)))
            .fetch_one(&self.pool)
            .await;
        match inserted {
            Ok(row) => Ok(Some(member(&row)?)),
            Err(e) if is_unique_violation(&e) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    pub async fn member_by_email(&self, email: &Email) -> Result<Option<MemberRecord>, StoreError> {
        let sql = format!("SELECT {MEMBER_COLUMNS} FROM members WHERE email = $1");
        let row = sqlx::query(&sql)
            .bind(email.as_str())
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(member).transpose()
    }

    pub async fn member(&self, id: MemberId) -> Result<Option<MemberRecord>, StoreError> {
        let sql = format!("SELECT {MEMBER_COLUMNS} FROM members WHERE id = $1");
        let row = sqlx::query(&sql)
            .bind(id.0)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(member).transpose()
    }

    pub async fn insert_token(
        &self,
        token_hash: &str,
        member: MemberId,
        now: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "INSERT INTO member_tokens (token_hash, member_id, created_at_ms, expires_at_ms) \
             VALUES ($1, $2, $3, $4)",
        )
        .bind(token_hash)
        .bind(member.0)
        .bind(to_millis(now))
        .bind(to_millis(expires_at))
        .execute(&mut *tx)
        .await?;
        // A member's expired tokens go, and so do all but the newest few: logging in again
        // and again never grows the table.
        sqlx::query(
            "DELETE FROM member_tokens WHERE member_id = $1 AND (expires_at_ms <= $2 OR token_hash NOT IN \
                 (SELECT token_hash FROM member_tokens WHERE member_id = $1 \
                  ORDER BY created_at_ms DESC, token_hash LIMIT $3))",
        )
        .bind(member.0)
        .bind(to_millis(now))
        .bind(TOKENS_PER_MEMBER)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The member a token belongs to, unless it expired.
    pub async fn token_member(
        &self,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<MemberId>, StoreError> {
        let row = sqlx::query(
            "SELECT member_id FROM member_tokens WHERE token_hash = $1 AND expires_at_ms > $2",
        )
        .bind(token_hash)
        .bind(to_millis(now))
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(|r| r.try_get(0)).transpose()?.map(MemberId))
    }

    pub async fn delete_token(&self, token_hash: &str) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM member_tokens WHERE token_hash = $1")
            .bind(token_hash)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Issues a Green Card; `None` when the id tag already belongs to a card.
    /// Issues a card, unless its tag is taken (by a card or a one-off direct payment) or the
    /// member has [`CARDS_PER_MEMBER`] already.
    pub async fn insert_green_card(
        &self,
        id_tag: &IdTag,
        member: MemberId,
        now: DateTime<Utc>,
    ) -> Result<Result<GreenCardRecord, CardRefused>, StoreError> {
        let inserted = sqlx::query(
            "INSERT INTO green_cards (id_tag, member_id, status, created_at_ms) \
             SELECT $1, $2, 'Active', $3 \
             WHERE (SELECT COUNT(*) FROM green_cards WHERE member_id = $2) < $4 \
                 AND NOT EXISTS (SELECT 1 FROM direct_payments WHERE id_tag = $1)",
        )
        .bind(id_tag.as_str())
        .bind(member.0)
        .bind(to_millis(now))
        .bind(CARDS_PER_MEMBER)
        .execute(&self.pool)
        .await;
        match inserted {
            Ok(done) if done.rows_affected() == 1 => {
                Ok(self.green_card(id_tag).await?.ok_or(CardRefused::TagInUse))
            }
            Ok(_) if self.member_green_cards(member).await?.len() as i64 >= CARDS_PER_MEMBER => {
                Ok(Err(CardRefused::TooMany))
            }
            Ok(_) => Ok(Err(CardRefused::TagInUse)),
            Err(e) if is_unique_violation(&e) => Ok(Err(CardRefused::TagInUse)),
            Err(e) => Err(e.into()),
        }
    }

    pub async fn green_card(&self, id_tag: &IdTag) -> Result<Option<GreenCardRecord>, StoreError> {
        let sql = format!("SELECT {CARD_COLUMNS} FROM green_cards g WHERE g.id_tag = $1");
        let row = sqlx::query(&sql)
            .bind(id_tag.as_str())
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(card).transpose()
    }

    pub async fn member_green_cards(
        &self,
        member: MemberId,
    ) -> Result<Vec<GreenCardRecord>, StoreError> {
        let sql = format!(
            "SELECT {CARD_COLUMNS} FROM green_cards g WHERE g.member_id = $1 ORDER BY g.created_at_ms, g.id_tag"
        );
        let rows = sqlx::query(&sql)
            .bind(member.0)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(card).collect()
    }
}
