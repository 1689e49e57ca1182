//! Requests for support and their answers. A request's wanted methods are kept as
//! comma-separated codes on its row, as members' are; its answers are private rows, one per
//! member, read only by who the policy lets (the web layer asks before reading them).

use crate::error::StoreError;
use crate::model::requests::{AnswerInput, RequestState, SupportRequestInput};
use kernel::db::{Db, Op};
use kernel::ids::{new_id, now_ms};
use sqlx::Row;
use sqlx::any::AnyRow;

/// A request for support, as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct SupportRequest {
    /// Opaque id.
    pub id: String,
    /// The space it comes from.
    pub space_id: String,
    /// Its title.
    pub title: String,
    /// The need, paragraphs.
    pub need: String,
    /// The codes of the methods wanted.
    pub methods: Vec<String>,
    /// The département's code.
    pub departement: String,
    /// The wished start, `YYYY-MM-DD`.
    pub starts_on: String,
    /// The wished end, `YYYY-MM-DD`.
    pub ends_on: String,
    /// A code of `BUDGET_BANDS`.
    pub budget_band: String,
    /// Where it stands.
    pub state: RequestState,
    /// The answer picked, once answered.
    pub chosen_answer: Option<String>,
    /// Who asked.
    pub created_by: String,
    /// When it was asked (ms).
    pub created_at: i64,
    /// Its last change (ms).
    pub updated_at: i64,
}

impl SupportRequest {
    /// Its page.
    pub fn url(&self) -> String {
        format!("/commun/requests/{}", self.id)
    }
}

/// A member's answer to a request.
#[derive(Debug, Clone, PartialEq)]
pub struct Answer {
    /// Opaque id.
    pub id: String,
    /// The request answered.
    pub request_id: String,
    /// The member answering.
    pub member_id: String,
    /// Its actor.
    pub actor_id: String,
    /// That actor's name.
    pub actor_name: String,
    /// That actor's page.
    pub actor_url: String,
    /// The answer, paragraphs.
    pub text: String,
    /// A day rate or an estimate, may be empty.
    pub estimate: String,
    /// When it was given (ms).
    pub created_at: i64,
}

const SELECT: &str = "SELECT id, space_id, title, need, methods, departement, starts_on, ends_on, \
     budget_band, state, chosen_answer, created_by, created_at, updated_at FROM network_requests";

const ANSWERS: &str = "SELECT r.id, r.request_id, r.member_id, r.body, r.estimate, r.created_at, \
     m.actor_id, a.name AS actor_name, a.slug AS actor_slug \
     FROM network_request_answers r JOIN network_members m ON m.id = r.member_id \
     JOIN actors a ON a.id = m.actor_id";

/// Most requests a list or a data set holds.
pub const ALL_MAX: i64 = 10_000;

fn from_row(r: &AnyRow) -> Result<SupportRequest, sqlx::Error> {
    Ok(SupportRequest {
        id: r.try_get("id")?,
        space_id: r.try_get("space_id")?,
        title: r.try_get("title")?,
        need: r.try_get("need")?,
        methods: super::codes(&r.try_get::<String, _>("methods")?),
        departement: r.try_get("departement")?,
        starts_on: r.try_get("starts_on")?,
        ends_on: r.try_get("ends_on")?,
        budget_band: r.try_get("budget_band")?,
        state: RequestState::parse(&r.try_get::<String, _>("state")?),
        chosen_answer: r.try_get("chosen_answer")?,
        created_by: r.try_get("created_by")?,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
    })
}

fn answer_row(r: &AnyRow) -> Result<Answer, sqlx::Error> {
    Ok(Answer {
        id: r.try_get("id")?,
        request_id: r.try_get("request_id")?,
        member_id: r.try_get("member_id")?,
        actor_id: r.try_get("actor_id")?,
        actor_name: r.try_get("actor_name")?,
        actor_url: directory::store::actor_url(&r.try_get::<String, _>("actor_slug")?),
        text: r.try_get("body")?,
        estimate: r.try_get("estimate")?,
        created_at: r.try_get("created_at")?,
    })
}

/// Records a request for support, open, with the mails that `mails` makes for its id (the
/// members suggested, told). Returns its id.
pub async fn create(
    db: &Db,
    input: &SupportRequestInput,
    by: &str,
    mails: impl FnOnce(&str) -> Vec<kernel::mail::Letter>,
) -> Result<String, StoreError> {
    let (id, now) = (new_id(), now_ms());
    let mut w = db.write().await?;
    sqlx::query(
        "INSERT INTO network_requests (id, space_id, title, need, methods, departement, \
         starts_on, ends_on, budget_band, state, chosen_answer, created_by, created_at, \
         updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'open', NULL, $10, $11, $11)",
    )
    .bind(&id)
    .bind(&input.space_id)
    .bind(&input.title)
    .bind(&input.need)
    .bind(input.methods.join(","))
    .bind(&input.departement)
    .bind(&input.starts_on)
    .bind(&input.ends_on)
    .bind(&input.budget_band)
    .bind(by)
    .bind(now)
    .execute(&mut *w)
    .await?;
    w.changed(crate::REQUEST, &id, Op::Upsert).await?;
    w.audit(
        Some(by),
        "network_request.create",
        "network_request",
        &id,
        &input.space_id,
    )
    .await?;
    w.mails(&mails(&id)).await?;
    w.commit().await?;
    Ok(id)
}

/// A request by id.
pub async fn get(db: &Db, id: &str) -> Result<Option<SupportRequest>, StoreError> {
    let query = sqlx::query(sqlx::AssertSqlSafe(format!("{SELECT} WHERE id = $1"))).bind(id);
    Ok(db.fetch_optional_with(query, from_row).await?)
}

/// Every request, newest first (the instance's administrators, the open data).
pub async fn all(db: &Db) -> Result<Vec<SupportRequest>, StoreError> {
    let query = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{SELECT} ORDER BY created_at DESC, id LIMIT $1"
    )))
    .bind(ALL_MAX);
    Ok(db.fetch_all_with(query, from_row).await?)
}

/// The open requests, newest first (what members' owners are offered).
pub async fn open(db: &Db) -> Result<Vec<SupportRequest>, StoreError> {
    let query = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{SELECT} WHERE state = 'open' ORDER BY created_at DESC, id LIMIT $1"
    )))
    .bind(ALL_MAX);
    Ok(db.fetch_all_with(query, from_row).await?)
}

/// The requests of a space, newest first.
pub async fn of_space(db: &Db, space_id: &str) -> Result<Vec<SupportRequest>, StoreError> {
    let query = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{SELECT} WHERE space_id = $1 ORDER BY created_at DESC, id LIMIT $2"
    )))
    .bind(space_id)
    .bind(ALL_MAX);
    Ok(db.fetch_all_with(query, from_row).await?)
}

/// Records a member's answer to an open request; refused when the request is no longer open
/// (`RequestNotOpen`) or the member answered it already (`AlreadyAnswered`). Returns its id.
pub async fn answer(
    db: &Db,
    request_id: &str,
    input: &AnswerInput,
    by: &str,
) -> Result<String, StoreError> {
    let (id, now) = (new_id(), now_ms());
    let mut w = db.write().await?;
    let state: Option<String> =
        sqlx::query_scalar("SELECT state FROM network_requests WHERE id = $1")
            .bind(request_id)
            .fetch_optional(&mut *w)
            .await?;
    match state.as_deref().map(RequestState::parse) {
        None => return Err(StoreError::NotFound),
        Some(RequestState::Open) => {}
        Some(_) => return Err(StoreError::RequestNotOpen),
    }
    let inserted = sqlx::query(
        "INSERT INTO network_request_answers (id, request_id, member_id, body, estimate, \
         by_user, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(&id)
    .bind(request_id)
    .bind(&input.member_id)
    .bind(&input.text)
    .bind(&input.estimate)
    .bind(by)
    .bind(now)
    .execute(&mut *w)
    .await;
    match inserted {
        Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {
            return Err(StoreError::AlreadyAnswered);
        }
        r => r?,
    };
    sqlx::query("UPDATE network_requests SET updated_at = $1 WHERE id = $2")
        .bind(now)
        .bind(request_id)
        .execute(&mut *w)
        .await?;
    w.changed(crate::REQUEST, request_id, Op::Upsert).await?;
    w.audit(
        Some(by),
        "network_request.answer",
        "network_request",
        request_id,
        &input.member_id,
    )
    .await?;
    w.commit().await?;
    Ok(id)
}

/// The answers to a request, oldest first.
pub async fn answers(db: &Db, request_id: &str) -> Result<Vec<Answer>, StoreError> {
    let query = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{ANSWERS} WHERE r.request_id = $1 ORDER BY r.created_at, r.id"
    )))
    .bind(request_id);
    Ok(db.fetch_all_with(query, answer_row).await?)
}

/// The requester picks an answer of an open request, which becomes answered, with the `mails`
/// that tell those who answered; refused when it is no longer open (`RequestNotOpen`) or the
/// answer is not one of its (`NotFound`).
pub async fn choose(
    db: &Db,
    request_id: &str,
    answer_id: &str,
    by: &str,
    mails: &[kernel::mail::Letter],
) -> Result<(), StoreError> {
    let mut w = db.write().await?;
    let found: Option<String> = sqlx::query_scalar(
        "SELECT member_id FROM network_request_answers WHERE id = $1 AND request_id = $2",
    )
    .bind(answer_id)
    .bind(request_id)
    .fetch_optional(&mut *w)
    .await?;
    let Some(member_id) = found else {
        return Err(StoreError::NotFound);
    };
    let n = sqlx::query(
        "UPDATE network_requests SET state = 'answered', chosen_answer = $1, updated_at = $2 \
         WHERE id = $3 AND state = 'open'",
    )
    .bind(answer_id)
    .bind(now_ms())
    .bind(request_id)
    .execute(&mut *w)
    .await?
    .rows_affected();
    if n == 0 {
        return Err(StoreError::RequestNotOpen);
    }
    w.changed(crate::REQUEST, request_id, Op::Upsert).await?;
    w.audit(
        Some(by),
        "network_request.choose",
        "network_request",
        request_id,
        &member_id,
    )
    .await?;
    w.mails(mails).await?;
    w.commit().await?;
    Ok(())
}

/// The requester closes a request (open or answered); refused (`RequestNotOpen`) when it is
/// closed already.
pub async fn close(db: &Db, request_id: &str, by: &str) -> Result<(), StoreError> {
    let mut w = db.write().await?;
    let n = sqlx::query(
        "UPDATE network_requests SET state = 'closed', updated_at = $1 \
         WHERE id = $2 AND state IN ('open', 'answered')",
    )
    .bind(now_ms())
    .bind(request_id)
    .execute(&mut *w)
    .await?
    .rows_affected();
    if n == 0 {
        return Err(StoreError::RequestNotOpen);
    }
    w.changed(crate::REQUEST, request_id, Op::Upsert).await?;
    w.audit(
        Some(by),
        "network_request.close",
        "network_request",
        request_id,
        "",
    )
    .await?;
    w.commit().await?;
    Ok(())
}

/// The last change of a request (the catalogue's date), if any.
pub async fn last_change(db: &Db) -> Result<Option<i64>, StoreError> {
    Ok(
        sqlx::query_scalar("SELECT MAX(updated_at) FROM network_requests")
            .fetch_one(db.pool())
            .await?,
    )
}
