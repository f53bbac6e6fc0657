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

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Answer {
    score: i64,
    comment: Option<String>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Answered {
    score: i64,
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
    Ok((
        StatusCode::CREATED,
        axum::Json(Answered {
            score: answer.score,
            class,
        }),
    ))
}

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

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ContactBody {
    channel: String,
    summary: String,
}

#[derive(Debug, Serialize)]
pub struct ContactCreated {
    id: i64,
}

const CHANNELS: &[&str] = &["chat", "phone", "whatsapp", "email", "charger"];

/// An operator records a contact with a member; the member is invited to rate it.
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

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NpsQuery {
    from: Option<DateTime<Utc>>,
    to: Option<DateTime<Utc>>,
    charge_point_id: Option<String>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NpsReport {
    #[serde(flatten)]
    score: Score,
    by_month: Vec<MonthScore>,
}

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
