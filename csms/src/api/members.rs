//! The member API: registration, the profile, and Green Cards (login and logout are in
//! [`super::auth`]). A member's bank account never leaves here whole: responses carry only
//! `bankAccountMasked`.

use axum::{extract::State, http::StatusCode};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{
    error::ApiError,
    extract::{ClientIp, Json, Path},
    member_auth::CurrentMember,
};
use crate::{
    app::AppState,
    domain::{CardStatus, IdTag},
    limits::Verdict,
    members::{Email, MemberId, Segment, check_iban, check_password, mask_account},
    store::members::{CARDS_PER_MEMBER, CardRefused, GreenCardRecord, MemberRecord, NewMember},
};

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Registration {
    email: Email,
    /// At least 10 characters.
    #[schema(min_length = 10)]
    password: String,
    name: String,
    segment: Segment,
    /// An IBAN, to pay by direct debit.
    bank_account: Option<String>,
    /// A flat-rate plan to start with.
    plan_id: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Profile {
    member_number: MemberId,
    email: Email,
    name: String,
    segment: Segment,
    /// The bank account with all but its last 4 characters hidden.
    bank_account_masked: Option<String>,
    created_at: DateTime<Utc>,
}

impl From<MemberRecord> for Profile {
    fn from(m: MemberRecord) -> Self {
        Profile {
            member_number: m.id,
            email: m.email,
            name: m.name,
            segment: m.segment,
            bank_account_masked: m.bank_account.as_deref().map(mask_account),
            created_at: m.created_at,
        }
    }
}

/// Registers a member (and sends the welcome message).
#[utoipa::path(
    post,
    path = "/api/v1/members",
    tag = "members",
    request_body = Registration,
    responses(
        (status = 201, description = "Registered.", body = Profile),
        (status = 400, description = "A malformed email or bank account, a password under 10 characters, a bad name, or an unknown plan."),
        (status = 409, description = "This email is registered already."),
        (status = 429, description = "Too many registrations from this address or for this email; `Retry-After` says when to try again.",
            headers(("Retry-After" = u64, description = "Seconds to wait."))),
        (status = 503, description = "The server is too busy to hash the password; `Retry-After` says when to try again."),
    )
)]
pub async fn register(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    Json(body): Json<Registration>,
) -> Result<(StatusCode, axum::Json<Profile>), ApiError> {
    check_password(&body.password).map_err(|e| ApiError::BadRequest(e.0))?;
    if let Verdict::Refused(wait) = state.auth.register(ip, body.email.as_str()).await {
        return Err(ApiError::TooManyRequests(wait.as_secs().max(1)));
    }
    let name = body.name.trim().to_owned();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(ApiError::BadRequest(
            "name must have 1 to 100 characters".into(),
        ));
    }
    if name.chars().any(char::is_control) {
        return Err(ApiError::BadRequest(
            "name must not contain control characters".into(),
        ));
    }
    let bank_account = body
        .bank_account
        .as_deref()
        .map(check_iban)
        .transpose()
        .map_err(|e| ApiError::BadRequest(e.0))?;
    if body.plan_id.is_some() && bank_account.is_none() {
        return Err(crate::billing::plans::PlanError::NoMandate.into());
    }
    let plan = match &body.plan_id {
        Some(id) => Some(
            state
                .store
                .plans()
                .await?
                .into_iter()
                .find(|(p, _)| p == id)
                .ok_or_else(|| ApiError::BadRequest(format!("there is no plan {id}")))?,
        ),
        None => None,
    };
    let member = NewMember {
        email: body.email,
        password_hash: state.auth.hasher.hash(body.password).await?,
        name,
        segment: body.segment,
        bank_account,
    };
    let created = state
        .store
        .insert_member(&member, state.clock.now())
        .await?
        .ok_or_else(|| ApiError::Conflict("this email is registered already".into()))?;
    tracing::info!(member = %created.id, "member registered");
    if let Some((plan_id, _)) = &plan {
        state.billing.subscribe(created.id, plan_id).await?;
    }
    let welcome = crate::members::welcome::Welcome {
        name: &created.name,
        member_number: created.id.0,
        segment: created.segment,
        bank_account: created.bank_account.as_deref(),
        plan: plan.as_ref().map(|(_, p)| p),
        tariff: state.store.get_tariff("default").await?,
    };
    let body = crate::members::welcome::body(&welcome);
    state
        .store
        .insert_message(
            created.id,
            "welcome",
            crate::members::welcome::SUBJECT,
            &body,
            state.clock.now(),
        )
        .await?;
    Ok((StatusCode::CREATED, axum::Json(created.into())))
}

/// The member's profile.
#[utoipa::path(
    get,
    path = "/api/v1/me",
    tag = "members",
    security(("member_token" = [])),
    responses((status = 200, description = "The profile.", body = Profile))
)]
pub async fn me(
    State(state): State<AppState>,
    member: CurrentMember,
) -> Result<axum::Json<Profile>, ApiError> {
    let record = state
        .store
        .member(member.id)
        .await?
        .ok_or(ApiError::Unauthorized)?;
    Ok(axum::Json(record.into()))
}

#[derive(Debug, Deserialize, Default, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NewCard {
    /// The RFID uid of the card; generated when absent.
    id_tag: Option<IdTag>,
}

/// A Green Card, with its balance and points.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CardView {
    #[serde(skip_serializing_if = "Option::is_none")]
    expires_at: Option<DateTime<Utc>>,
    id_tag: IdTag,
    /// `Active` once issued.
    status: CardStatus,
    balance_cents: i64,
    points: i64,
}

impl From<GreenCardRecord> for CardView {
    fn from(c: GreenCardRecord) -> Self {
        CardView {
            expires_at: c.expires_at,
            id_tag: c.id_tag,
            status: c.status,
            balance_cents: c.balance_cents,
            points: c.points,
        }
    }
}

/// A card uid for a member who has no RFID card yet: 14 hex digits, like a 7-byte NFC uid.
fn generated_id_tag() -> IdTag {
    use rand::RngCore;
    let mut bytes = [0u8; 7];
    rand::rng().fill_bytes(&mut bytes);
    let hex: String = bytes.iter().map(|b| format!("{b:02X}")).collect();
    IdTag::parse(&hex).expect("14 characters")
}

/// Issues a Green Card to the member.
#[utoipa::path(
    post,
    path = "/api/v1/me/green-cards",
    tag = "members",
    security(("member_token" = [])),
    request_body = NewCard,
    responses(
        (status = 201, description = "Issued.", body = CardView),
        (status = 400, description = "The body or the id tag is malformed."),
        (status = 409, description = "The id tag is in use, or the member holds the most cards allowed (10)."),
    )
)]
pub async fn issue_card(
    State(state): State<AppState>,
    member: CurrentMember,
    Json(body): Json<NewCard>,
) -> Result<(StatusCode, axum::Json<CardView>), ApiError> {
    let id_tag = body.id_tag.unwrap_or_else(generated_id_tag);
    if state.store.get_id_tag(&id_tag).await?.is_some() {
        return Err(ApiError::Conflict(format!("the id tag {id_tag} is in use")));
    }
    let card = state
        .store
        .insert_green_card(&id_tag, member.id, state.clock.now())
        .await?
        .map_err(|refused| match refused {
            CardRefused::TagInUse => ApiError::Conflict(format!("the id tag {id_tag} is in use")),
            CardRefused::TooMany => ApiError::Conflict(format!(
                "you hold {CARDS_PER_MEMBER} Green Cards, the most allowed"
            )),
        })?;
    Ok((StatusCode::CREATED, axum::Json(card.into())))
}

/// A card of the calling member; another member's card is 404, never 403.
pub(crate) async fn own_card(
    state: &AppState,
    member: &CurrentMember,
    raw: &str,
) -> Result<GreenCardRecord, ApiError> {
    let not_found = || ApiError::NotFound(format!("no card {raw}"));
    let id_tag = IdTag::parse(raw).map_err(|_| not_found())?;
    state
        .store
        .green_card(&id_tag)
        .await?
        .filter(|c| c.member_id == member.id)
        .ok_or_else(not_found)
}

/// One of the member's Green Cards.
#[utoipa::path(
    get,
    path = "/api/v1/me/green-cards/{idTag}",
    tag = "members",
    security(("member_token" = [])),
    params(("idTag" = String, Path, description = "The card's id tag.")),
    responses(
        (status = 200, description = "The card.", body = CardView),
        (status = 404, description = "No such card of this member."),
    )
)]
pub async fn card(
    State(state): State<AppState>,
    member: CurrentMember,
    Path(raw): Path<String>,
) -> Result<axum::Json<CardView>, ApiError> {
    Ok(axum::Json(own_card(&state, &member, &raw).await?.into()))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CardList {
    green_cards: Vec<CardView>,
}

/// The member's Green Cards.
#[utoipa::path(
    get,
    path = "/api/v1/me/green-cards",
    tag = "members",
    security(("member_token" = [])),
    responses((status = 200, description = "The member's cards.", body = CardList))
)]
pub async fn cards(
    State(state): State<AppState>,
    member: CurrentMember,
) -> Result<axum::Json<CardList>, ApiError> {
    let cards = state.store.member_green_cards(member.id).await?;
    Ok(axum::Json(CardList {
        green_cards: cards.into_iter().map(Into::into).collect(),
    }))
}
