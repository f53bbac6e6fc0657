//! The plain table of id tags that Authorize consults until Green Cards take over: each tag's
//! status, optional expiry and parent tag.

use chrono::{DateTime, Utc};
use sqlx::Row;

use super::{Store, StoreError, parse_column};
use crate::{
    clock::{from_millis, to_millis},
    domain::{AuthorizationStatus, IdTag},
};

#[derive(Debug, Clone, PartialEq)]
pub struct IdTagRecord {
    pub id_tag: IdTag,
    pub status: AuthorizationStatus,
    pub expires_at: Option<DateTime<Utc>>,
    pub parent_id_tag: Option<IdTag>,
}

impl Store {
    /// Creates or replaces an id tag; returns whether it was created.
    pub async fn put_id_tag(&self, tag: &IdTagRecord) -> Result<bool, StoreError> {
        let mut tx = self.pool.begin().await?;
        let existed = super::lock_row(&mut tx, "id_tags", "id_tag", tag.id_tag.as_str()).await?;
        sqlx::query(
            "INSERT INTO id_tags (id_tag, status, expires_at_ms, parent_id_tag) \
             VALUES ($1, $2, $3, $4) ON CONFLICT (id_tag) DO UPDATE SET status = excluded.status, \
                 expires_at_ms = excluded.expires_at_ms, parent_id_tag = excluded.parent_id_tag",
        )
        .bind(tag.id_tag.as_str())
        .bind(tag.status.as_str())
        .bind(tag.expires_at.map(to_millis))
        .bind(tag.parent_id_tag.as_ref().map(IdTag::as_str))
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(!existed)
    }

    pub async fn get_id_tag(&self, id_tag: &IdTag) -> Result<Option<IdTagRecord>, StoreError> {
        let row = sqlx::query(
            "SELECT status, expires_at_ms, parent_id_tag FROM id_tags WHERE id_tag = $1",
        )
        .bind(id_tag.as_str())
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let status: String = row.try_get(0)?;
        let expires: Option<i64> = row.try_get(1)?;
        let parent: Option<String> = row.try_get(2)?;
        Ok(Some(IdTagRecord {
            id_tag: id_tag.clone(),
            status: parse_column(&status, "status")?,
            expires_at: expires.map(from_millis),
            parent_id_tag: parent
                .map(|p| IdTag::parse(&p).map_err(|e| StoreError::Corrupt(e.0)))
                .transpose()?,
        }))
    }
}
