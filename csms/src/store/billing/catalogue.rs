//! The operator's catalogue in the database: promotions and experience packs.

use sqlx::Row;

use crate::{
    clock::{from_millis, to_millis},
    domain::Segment,
    money::catalogue::{ExperiencePack, PromotionSpec},
    store::{Store, StoreError, parse_column},
};

/// Upserts a row keyed by `id`; returns whether it was created.
async fn upsert<'q>(
    store: &Store,
    table: &str,
    id: &str,
    insert: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>,
) -> Result<bool, StoreError> {
    let existed = sqlx::query(&format!("SELECT 1 FROM {table} WHERE id = $1"))
        .bind(id)
        .fetch_optional(store.pool())
        .await?
        .is_some();
    insert.execute(store.pool()).await?;
    Ok(!existed)
}

impl Store {
    pub async fn put_promotion(&self, id: &str, p: &PromotionSpec) -> Result<bool, StoreError> {
        let sql = "INSERT INTO promotions (id, name, campaign, percent, starts_at_ms, ends_at_ms, segment, max_member_number) \
                   VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (id) DO UPDATE SET name = excluded.name, \
                   campaign = excluded.campaign, percent = excluded.percent, starts_at_ms = excluded.starts_at_ms, \
                   ends_at_ms = excluded.ends_at_ms, segment = excluded.segment, max_member_number = excluded.max_member_number";
        let insert = sqlx::query(sql)
            .bind(id)
            .bind(&p.name)
            .bind(p.campaign.as_deref())
            .bind(p.percent)
            .bind(to_millis(p.starts_at))
            .bind(to_millis(p.ends_at))
            .bind(p.segment.map(Segment::as_str))
            .bind(p.max_member_number);
        upsert(self, "promotions", id, insert).await
    }

    pub async fn promotions(&self) -> Result<Vec<(String, PromotionSpec)>, StoreError> {
        let rows = sqlx::query("SELECT id, name, campaign, percent, starts_at_ms, ends_at_ms, segment, max_member_number FROM promotions ORDER BY starts_at_ms, id")
            .fetch_all(self.pool())
            .await?;
        rows.iter()
            .map(|r| {
                let segment: Option<String> = r.try_get(6)?;
                Ok((
                    r.try_get(0)?,
                    PromotionSpec {
                        name: r.try_get(1)?,
                        campaign: r.try_get(2)?,
                        percent: r.try_get(3)?,
                        starts_at: from_millis(r.try_get(4)?),
                        ends_at: from_millis(r.try_get(5)?),
                        segment: segment.map(|s| parse_column(&s, "segment")).transpose()?,
                        max_member_number: r.try_get(7)?,
                    },
                ))
            })
            .collect()
    }

    pub async fn put_pack(&self, id: &str, p: &ExperiencePack) -> Result<bool, StoreError> {
        let insert = sqlx::query(
            "INSERT INTO experience_packs (id, name, description, points) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (id) DO UPDATE SET name = excluded.name, description = excluded.description, points = excluded.points",
        )
        .bind(id)
        .bind(&p.name)
        .bind(&p.description)
        .bind(p.points);
        upsert(self, "experience_packs", id, insert).await
    }

    pub async fn packs(&self) -> Result<Vec<(String, ExperiencePack)>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, name, description, points FROM experience_packs ORDER BY points, id",
        )
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                Ok((
                    r.try_get(0)?,
                    ExperiencePack {
                        name: r.try_get(1)?,
                        description: r.try_get(2)?,
                        points: r.try_get(3)?,
                    },
                ))
            })
            .collect()
    }
}
