//! What the operator offers: promotions (a percent off in a date window, perhaps for one
//! segment or the first members) and the experience packs points can be redeemed for.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::Segment;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PromotionSpec {
    pub name: String,
    pub campaign: Option<String>,
    pub percent: i64,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub segment: Option<Segment>,
    pub max_member_number: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ExperiencePack {
    pub name: String,
    pub description: String,
    pub points: i64,
}
