//! NPS: members answer after each session and each contact with customer service (one answer
//! each); operators record contacts (which invites the member's answer) and read the score,
//! filtered by period and charge point, with its month-by-month course.

use axum::{extract::State, http::StatusCode};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{
    error::ApiError,
    extract::{Json, Path, Query},
    member_auth::CurrentMember,
};
use crate::{
    app::AppState,
    members::{
        MemberId,
        nps::{MonthScore, Score, by_month},
    },
    store::engagement::{NpsFilter, Subject},
};

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Answer {
    /// How likely the member is to recommend CITERE, 0 to 10.
    #[schema(minimum = 0, maximum = 10)]
    score: i64,
    /// At most 2000 characters.
    comment: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Answered {
    score: i64,
    /// `promoter` (9-10), `passive` (7-8) or `detractor` (0-6).
    class: &'static str,
}

fn check(answer: &Answer) -> Result<(), ApiError> {
    if !(0..=10).contains(&answer.score) {
        return Err(ApiError::BadRequest("score must lie in 0..=10".into()));
    }
    if answer
        .comment
        .as_ref()
        .is_some_and(|c| c.chars().count() > 2000)
    {
        return Err(ApiError::BadRequest(
            "a comment has at most 2000 characters".into(),
        ));
    }
    Ok(())
}

async fn record(
    state: &AppState,
    member: MemberId,
    subject: Subject,
    answer: Answer,
) -> Result<(StatusCode, axum::Json<Answered>), ApiError> {
    let comment = answer
        .comment
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty());
    if !state
        .store
        .insert_nps_answer(member, &subject, answer.score, comment, state.clock.now())
        .await?
    {
        return Err(ApiError::Conflict("this was answered already".into()));
    }
    let class = match answer.score {
        9..=10 => "promoter",
        7..=8 => "passive",
        _ => "detractor",
    };
    state
        .bus
        .publish(crate::events::DomainEvent::NpsAnswered { class });
    Ok((
        StatusCode::CREATED,
        axum::Json(Answered {
            score: answer.score,
            class,
        }),
    ))
}

/// The member rates a finished session of theirs (once).
#[utoipa::path(
    post,
    path = "/api/v1/me/sessions/{transactionId}/nps",
    tag = "nps",
    security(("member_token" = [])),
    params(("transactionId" = i64, Path, description = "The session's transaction id.")),
    request_body = Answer,
    responses(
        (status = 201, description = "Recorded.", body = Answered),
        (status = 400, description = "The body is malformed, the score outside 0..=10 or the comment too long."),
        (status = 404, description = "No such finished session of this member."),
        (status = 409, description = "This session was rated already."),
    )
)]
pub async fn answer_session(
    State(state): State<AppState>,
    member: CurrentMember,
    Path(raw): Path<String>,
    Json(answer): Json<Answer>,
) -> Result<(StatusCode, axum::Json<Answered>), ApiError> {
    let not_found = || ApiError::NotFound(format!("no session {raw} of yours"));
    let id: i64 = raw.parse().map_err(|_| not_found())?;
    let session = state
        .store
        .get_transaction(id)
        .await?
        .filter(|t| t.member_id == Some(member.id.0) && !t.is_active())
        .ok_or_else(not_found)?;
    check(&answer)?;
    let subject = Subject::Session {
        transaction_id: id,
        charge_point_id: session.charge_point_id,
    };
    record(&state, member.id, subject, answer).await
}

/// The member rates a contact with customer service (once).
#[utoipa::path(
    post,
    path = "/api/v1/me/contacts/{id}/nps",
    tag = "nps",
    security(("member_token" = [])),
    params(("id" = i64, Path, description = "The contact's id (from the invitation message).")),
    request_body = Answer,
    responses(
        (status = 201, description = "Recorded.", body = Answered),
        (status = 400, description = "The body is malformed, the score outside 0..=10 or the comment too long."),
        (status = 404, description = "No such contact of this member."),
        (status = 409, description = "This contact was rated already."),
    )
)]
pub async fn answer_contact(
    State(state): State<AppState>,
    member: CurrentMember,
    Path(raw): Path<String>,
    Json(answer): Json<Answer>,
) -> Result<(StatusCode, axum::Json<Answered>), ApiError> {
    let not_found = || ApiError::NotFound(format!("no contact {raw} of yours"));
    let id: i64 = raw.parse().map_err(|_| not_found())?;
    if state.store.contact_member(id).await? != Some(member.id) {
        return Err(not_found());
    }
    check(&answer)?;
    record(&state, member.id, Subject::Contact(id), answer).await
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ContactBody {
    /// `chat`, `phone`, `whatsapp`, `email` or `charger`.
    channel: String,
    /// 1 to 2000 characters.
    summary: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ContactCreated {
    id: i64,
}

const CHANNELS: &[&str] = &["chat", "phone", "whatsapp", "email", "charger"];

/// Records a contact with a member, who is invited to rate it (operator).
#[utoipa::path(
    post,
    path = "/members/{memberNumber}/contacts",
    tag = "operator",
    params(("memberNumber" = i64, Path, description = "The member's number.")),
    request_body = ContactBody,
    responses(
        (status = 201, description = "Recorded; the member has an invitation to rate it.", body = ContactCreated),
        (status = 400, description = "The body is malformed, or the channel or summary is invalid."),
        (status = 404, description = "No such member."),
    )
)]
pub async fn record_contact(
    State(state): State<AppState>,
    Path(raw): Path<String>,
    Json(body): Json<ContactBody>,
) -> Result<(StatusCode, axum::Json<ContactCreated>), ApiError> {
    let member = raw
        .parse::<i64>()
        .ok()
        .map(MemberId)
        .ok_or_else(|| ApiError::NotFound(format!("no member {raw}")))?;
    if state.store.member(member).await?.is_none() {
        return Err(ApiError::NotFound(format!("no member {raw}")));
    }
    if !CHANNELS.contains(&body.channel.as_str()) {
        return Err(ApiError::BadRequest(format!(
            "channel is one of {}",
            CHANNELS.join(", ")
        )));
    }
    if body.summary.trim().is_empty() || body.summary.chars().count() > 2000 {
        return Err(ApiError::BadRequest(
            "summary must have 1 to 2000 characters".into(),
        ));
    }
    let now = state.clock.now();
    let id = state
        .store
        .insert_contact(member, &body.channel, body.summary.trim(), now)
        .await?;
    let invitation = format!(
        "Thank you for contacting us ({}). How likely are you to recommend CITERE to a friend, from 0 to 10? \
         Answer in the app or on the web for contact {id}.",
        body.channel
    );
    state
        .store
        .insert_message(member, "nps", "How did we do?", &invitation, now)
        .await?;
    Ok((StatusCode::CREATED, axum::Json(ContactCreated { id })))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct NpsQuery {
    /// Only answers given at or after this time.
    from: Option<DateTime<Utc>>,
    /// Only answers given before this time.
    to: Option<DateTime<Utc>>,
    /// Only answers about sessions at this charge point.
    charge_point_id: Option<String>,
}

/// The score (`nps` = round(100 × (promoters − detractors) / responses), 0 when there are
/// none) and its course, month by month.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct NpsReport {
    #[serde(flatten)]
    score: Score,
    by_month: Vec<MonthScore>,
}

/// The Net Promoter Score, filtered by period and charge point (operator).
#[utoipa::path(
    get,
    path = "/nps",
    tag = "operator",
    params(NpsQuery),
    responses(
        (status = 200, description = "The score.", body = NpsReport),
        (status = 400, description = "A malformed filter, or `to` not after `from`."),
    )
)]
pub async fn report(
    State(state): State<AppState>,
    Query(q): Query<NpsQuery>,
) -> Result<axum::Json<NpsReport>, ApiError> {
    if let (Some(from), Some(to)) = (q.from, q.to)
        && to <= from
    {
        return Err(ApiError::BadRequest("`to` must come after `from`".into()));
    }
    let filter = NpsFilter {
        from: q.from,
        to: q.to,
        charge_point_id: q.charge_point_id,
    };
    let answers = state.store.nps_answers(&filter).await?;
    Ok(axum::Json(NpsReport {
        score: Score::of(answers.iter().map(|(_, s)| *s)),
        by_month: by_month(&answers),
    }))
}
