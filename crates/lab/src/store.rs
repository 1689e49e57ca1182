//! The challenges' SQL: challenges of a space, the responses of directory actors (private to
//! their authors, the evaluators and the space's administrators, stored in `challenge_answers`),
//! and the evaluators' grades. The actors' names and pages are the directory's to read.

use crate::error::StoreError;
use crate::model::{ChallengeInput, Criterion, ResponseInput};
use kernel::changes::Entry;
use kernel::db::{Db, Op};
use kernel::ids::{new_id, now_ms};
use sqlx::Row;
use sqlx::any::AnyRow;

/// A challenge as stored.
#[derive(Debug, Clone)]
pub struct Challenge {
    /// Opaque id.
    pub id: String,
    /// Its space.
    pub space_id: String,
    /// The space's address.
    pub space_slug: String,
    /// The space's name.
    pub space_name: String,
    /// Its address in the space.
    pub slug: String,
    /// `open`, or `decided` once the outcome is published.
    pub state: String,
    /// Its fields.
    pub data: ChallengeInput,
    /// The published outcome's text, when decided.
    pub outcome: String,
}

impl Challenge {
    /// Its page.
    pub fn url(&self) -> String {
        format!("/s/{}/challenges/{}", self.space_slug, self.slug)
    }
    /// Whether responses are still taken at `now`.
    pub fn open_at(&self, now: i64) -> bool {
        self.state == "open" && now < self.data.deadline
    }
}

fn split(s: &str) -> Vec<String> {
    s.split(',')
        .filter(|x| !x.is_empty())
        .map(String::from)
        .collect()
}

const SELECT: &str = "SELECT c.id, c.space_id, s.slug AS space_slug, c.slug, c.state, c.title, \
     c.need, c.context, c.themes, c.expected, c.budget, c.deadline, c.criteria, c.evaluators, \
     c.outcome, s.name AS space_name, c.area, c.attachments \
     FROM challenges c JOIN spaces s ON s.id = c.space_id";

fn from_row(r: &AnyRow) -> Result<Challenge, sqlx::Error> {
    Ok(Challenge {
        id: r.try_get("id")?,
        space_id: r.try_get("space_id")?,
        space_slug: r.try_get("space_slug")?,
        slug: r.try_get("slug")?,
        state: r.try_get("state")?,
        data: ChallengeInput {
            title: r.try_get("title")?,
            need: r.try_get("need")?,
            context: r.try_get("context")?,
            themes: split(&r.try_get::<String, _>("themes")?),
            expected: r.try_get("expected")?,
            budget: r.try_get("budget")?,
            deadline: r.try_get("deadline")?,
            criteria: serde_json::from_str::<Vec<Criterion>>(&r.try_get::<String, _>("criteria")?)
                .unwrap_or_default(),
            evaluators: split(&r.try_get::<String, _>("evaluators")?),
            area: r.try_get("area")?,
            attachments: serde_json::from_str(&r.try_get::<String, _>("attachments")?)
                .unwrap_or_default(),
        },
        outcome: r.try_get("outcome")?,
        space_name: r.try_get("space_name")?,
    })
}

/// A value as the JSON text of a column.
fn json(v: &impl serde::Serialize) -> Result<String, sqlx::Error> {
    serde_json::to_string(v).map_err(|e| sqlx::Error::Encode(Box::new(e)))
}

/// Publishes a challenge in a space. Returns it.
pub async fn create(
    db: &Db,
    space_id: &str,
    c: &ChallengeInput,
    by: &str,
) -> Result<Challenge, StoreError> {
    let id = new_id();
    let mut w = db.write().await?;
    sqlx::query(
        "INSERT INTO challenges (id, space_id, slug, state, title, need, context, themes, expected, \
         budget, deadline, criteria, evaluators, outcome, created_by, created_at, area, \
         attachments) \
         VALUES ($1, $2, $3, 'open', $4, $5, $6, $7, $8, $9, $10, $11, $12, '', $13, $14, $15, $16)",
    )
    .bind(&id)
    .bind(space_id)
    .bind(kernel::text::slug(&c.title))
    .bind(&c.title)
    .bind(&c.need)
    .bind(&c.context)
    .bind(c.themes.join(","))
    .bind(&c.expected)
    .bind(&c.budget)
    .bind(c.deadline)
    .bind(json(&c.criteria)?)
    .bind(c.evaluators.join(","))
    .bind(by)
    .bind(now_ms())
    .bind(&c.area)
    .bind(json(&c.attachments)?)
    .execute(&mut *w)
    .await?;
    w.audit(Some(by), "challenge.create", "challenge", &id, &c.title)
        .await?;
    w.changed(crate::CHALLENGE, &id, Op::Upsert).await?;
    w.commit().await?;
    get(db, &id).await?.ok_or(StoreError::NotFound)
}

/// One challenge.
pub async fn get(db: &Db, id: &str) -> Result<Option<Challenge>, StoreError> {
    let query = sqlx::query(sqlx::AssertSqlSafe(format!("{SELECT} WHERE c.id = $1"))).bind(id);
    Ok(db.fetch_optional_with(query, from_row).await?)
}

/// A challenge by its space's and its own address.
pub async fn by_slug(db: &Db, space: &str, slug: &str) -> Result<Option<Challenge>, StoreError> {
    let query = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{SELECT} WHERE s.slug = $1 AND c.slug = $2"
    )))
    .bind(space)
    .bind(slug);
    Ok(db.fetch_optional_with(query, from_row).await?)
}

/// The challenges of a space, the latest first.
pub async fn of_space(db: &Db, space_id: &str) -> Result<Vec<Challenge>, StoreError> {
    let query = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{SELECT} WHERE c.space_id = $1 ORDER BY c.created_at DESC LIMIT 50"
    )))
    .bind(space_id);
    Ok(db.fetch_all_with(query, from_row).await?)
}

/// An open challenge with the responses it received, for the workplace of those who read them.
#[derive(Debug, Clone)]
pub struct Received {
    /// The challenge.
    pub challenge: Challenge,
    /// How many responses it received.
    pub responses: i64,
    /// When the first of them came (ms).
    pub oldest: Option<i64>,
}

/// Whose challenges.
#[derive(Debug, Clone, Copy)]
pub enum Whose<'a> {
    /// A space's, by id.
    OfSpace(&'a str),
    /// Those an evaluator grades, by their account's id.
    GradedBy(&'a str),
}

/// The challenges not decided yet (still taking responses, or past their deadline and being
/// evaluated) of a space or of an evaluator, the nearest deadline first, with their responses.
pub async fn received(db: &Db, whose: Whose<'_>) -> Result<Vec<Received>, StoreError> {
    // The challenge's own columns, and what it received.
    let select = SELECT.replacen(
        "SELECT ",
        "SELECT (SELECT COUNT(*) FROM challenge_answers x WHERE x.challenge_id = c.id) AS answers, \
         (SELECT MIN(x.created_at) FROM challenge_answers x WHERE x.challenge_id = c.id) AS first_answer, ",
        1,
    );
    let order = "ORDER BY c.deadline, c.id";
    let query = match whose {
        Whose::OfSpace(space_id) => sqlx::query(sqlx::AssertSqlSafe(format!(
            "{select} WHERE c.state = 'open' AND c.space_id = $1 {order}"
        )))
        .bind(space_id.to_string()),
        // The evaluators are a comma-separated list: the pattern finds the candidates, the
        // list read whole keeps the evaluator's own.
        Whose::GradedBy(user_id) => sqlx::query(sqlx::AssertSqlSafe(format!(
            "{select} WHERE c.state = 'open' AND c.evaluators LIKE $1 {order}"
        )))
        .bind(format!("%{user_id}%")),
    };
    let mut list = db
        .fetch_all_with(query, |r| {
            Ok(Received {
                challenge: from_row(r)?,
                responses: r.try_get("answers")?,
                oldest: r.try_get("first_answer")?,
            })
        })
        .await?;
    if let Whose::GradedBy(user_id) = whose {
        list.retain(|r| r.challenge.data.evaluators.iter().any(|e| e == user_id));
    }
    Ok(list)
}

/// A response as stored (a row of `challenge_answers`), with its actor's name and page.
#[derive(Debug, Clone)]
pub struct Response {
    /// Opaque id.
    pub id: String,
    /// The challenge.
    pub challenge_id: String,
    /// The responding actor's name.
    pub actor_name: String,
    /// Its page.
    pub actor_url: String,
    /// `submitted`, `shortlisted`, `selected`.
    pub state: String,
    /// Its fields.
    pub data: ResponseInput,
    /// Submission or last change (ms).
    pub updated_at: i64,
}

const RESPONSE: &str = "SELECT x.id, x.challenge_id, x.state, x.actor_id, x.summary, \
     x.description, x.offer_id, x.refs, x.price, x.updated_at, x.attachments \
     FROM challenge_answers x";

/// A response without its actor's name and page, which [`with_actors`] fills in.
fn response_from_row(r: &AnyRow) -> Result<Response, sqlx::Error> {
    Ok(Response {
        id: r.try_get("id")?,
        challenge_id: r.try_get("challenge_id")?,
        actor_name: String::new(),
        actor_url: String::new(),
        state: r.try_get("state")?,
        data: ResponseInput {
            actor_id: r.try_get("actor_id")?,
            summary: r.try_get("summary")?,
            description: r.try_get("description")?,
            offer_id: r.try_get("offer_id")?,
            references: split(&r.try_get::<String, _>("refs")?),
            price: r.try_get("price")?,
            attachments: serde_json::from_str(&r.try_get::<String, _>("attachments")?)
                .unwrap_or_default(),
        },
        updated_at: r.try_get("updated_at")?,
    })
}

/// Fills in the responses' actors' names and pages, read from the directory in one query; a
/// response whose actor the directory does not have is left out.
async fn with_actors(db: &Db, mut list: Vec<Response>) -> Result<Vec<Response>, StoreError> {
    let ids: Vec<String> = list.iter().map(|r| r.data.actor_id.clone()).collect();
    let links = directory::store::links(db, &ids).await?;
    list.retain_mut(|r| match links.get(&r.data.actor_id) {
        Some(link) => {
            r.actor_name = link.name.clone();
            r.actor_url = link.url.clone();
            true
        }
        None => false,
    });
    Ok(list)
}

/// Stores an actor's response, or replaces its earlier one, while the challenge is open: the
/// deadline is checked in the same transaction as the write ([`StoreError::Closed`] once past).
pub async fn respond(
    db: &Db,
    c: &Challenge,
    r: &ResponseInput,
    by: &str,
) -> Result<String, StoreError> {
    let now = now_ms();
    let mut w = db.write().await?;
    let open: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM challenges WHERE id = $1 AND state = 'open' AND deadline > $2",
    )
    .bind(&c.id)
    .bind(now)
    .fetch_one(&mut *w)
    .await?;
    if open == 0 {
        return Err(StoreError::Closed);
    }
    let existing: Option<String> = sqlx::query_scalar(
        "SELECT id FROM challenge_answers WHERE challenge_id = $1 AND actor_id = $2",
    )
    .bind(&c.id)
    .bind(&r.actor_id)
    .fetch_optional(&mut *w)
    .await?;
    let id = existing.clone().unwrap_or_else(new_id);
    let files = json(&r.attachments)?;
    if existing.is_some() {
        sqlx::query(
            "UPDATE challenge_answers SET summary = $1, description = $2, offer_id = $3, refs = $4, \
             price = $5, by_user = $6, updated_at = $7, attachments = $8 WHERE id = $9",
        )
        .bind(&r.summary)
        .bind(&r.description)
        .bind(&r.offer_id)
        .bind(r.references.join(","))
        .bind(&r.price)
        .bind(by)
        .bind(now)
        .bind(&files)
        .bind(&id)
        .execute(&mut *w)
        .await?;
    } else {
        sqlx::query(
            "INSERT INTO challenge_answers (id, challenge_id, actor_id, state, summary, description, \
             offer_id, refs, price, by_user, created_at, updated_at, attachments) \
             VALUES ($1, $2, $3, 'submitted', $4, $5, $6, $7, $8, $9, $10, $10, $11)",
        )
        .bind(&id)
        .bind(&c.id)
        .bind(&r.actor_id)
        .bind(&r.summary)
        .bind(&r.description)
        .bind(&r.offer_id)
        .bind(r.references.join(","))
        .bind(&r.price)
        .bind(by)
        .bind(now)
        .bind(&files)
        .execute(&mut *w)
        .await?;
    }
    w.audit(Some(by), "challenge.answer", "challenge_answer", &id, "")
        .await?;
    w.commit().await?;
    Ok(id)
}

/// The responses of a challenge, without their actors, in the order they came.
async fn rows_of(db: &Db, challenge_id: &str) -> Result<Vec<Response>, StoreError> {
    let query = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{RESPONSE} WHERE x.challenge_id = $1 ORDER BY x.created_at, x.id"
    )))
    .bind(challenge_id);
    Ok(db.fetch_all_with(query, response_from_row).await?)
}

/// The responses of a challenge, in the order they came.
pub async fn responses(db: &Db, challenge_id: &str) -> Result<Vec<Response>, StoreError> {
    with_actors(db, rows_of(db, challenge_id).await?).await
}

/// The responses of some actors to a challenge.
pub async fn responses_of(
    db: &Db,
    challenge_id: &str,
    actor_ids: &[String],
) -> Result<Vec<Response>, StoreError> {
    let mut list = rows_of(db, challenge_id).await?;
    list.retain(|r| actor_ids.contains(&r.data.actor_id));
    with_actors(db, list).await
}

/// One response.
pub async fn get_response(db: &Db, id: &str) -> Result<Option<Response>, StoreError> {
    let query = sqlx::query(sqlx::AssertSqlSafe(format!("{RESPONSE} WHERE x.id = $1"))).bind(id);
    let found = db.fetch_optional_with(query, response_from_row).await?;
    Ok(with_actors(db, found.into_iter().collect())
        .await?
        .into_iter()
        .next())
}

/// Records an evaluator's grades of a response (replacing theirs).
pub async fn grade(
    db: &Db,
    response_id: &str,
    evaluator: &str,
    grades: &[(i64, String)],
) -> Result<(), StoreError> {
    let mut w = db.write().await?;
    sqlx::query("DELETE FROM challenge_grades WHERE answer_id = $1 AND evaluator_id = $2")
        .bind(response_id)
        .bind(evaluator)
        .execute(&mut *w)
        .await?;
    for (i, (g, comment)) in grades.iter().enumerate() {
        sqlx::query(
            "INSERT INTO challenge_grades (answer_id, evaluator_id, criterion, grade, comment, graded_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(response_id)
        .bind(evaluator)
        .bind(i as i64)
        .bind(*g)
        .bind(comment)
        .bind(now_ms())
        .execute(&mut *w)
        .await?;
    }
    w.audit(
        Some(evaluator),
        "challenge.grade",
        "challenge_answer",
        response_id,
        "",
    )
    .await?;
    w.commit().await?;
    Ok(())
}

/// One evaluator's grades of a response.
#[derive(Debug, Clone)]
pub struct Grades {
    /// The evaluator's name.
    pub evaluator: String,
    /// The evaluator's id.
    pub evaluator_id: String,
    /// (grade, comment) per criterion, in order.
    pub grades: Vec<(i64, String)>,
}

/// Every evaluator's grades of a response.
pub async fn grades_of(db: &Db, response_id: &str) -> Result<Vec<Grades>, StoreError> {
    let rows = sqlx::query(
        "SELECT g.evaluator_id, u.display_name, g.criterion, g.grade, g.comment FROM challenge_grades g \
         JOIN users u ON u.id = g.evaluator_id WHERE g.answer_id = $1 ORDER BY u.display_name, g.evaluator_id, g.criterion",
    )
    .bind(response_id)
    .fetch_all(db.pool())
    .await?;
    let mut out: Vec<Grades> = Vec::new();
    for r in rows {
        let id: String = r.try_get("evaluator_id")?;
        if out.last().is_none_or(|g| g.evaluator_id != id) {
            out.push(Grades {
                evaluator: r.try_get("display_name")?,
                evaluator_id: id,
                grades: Vec::new(),
            });
        }
        if let Some(last) = out.last_mut() {
            last.grades
                .push((r.try_get("grade")?, r.try_get("comment")?));
        }
    }
    Ok(out)
}

/// Sets a response's place in the selection: `submitted`, `shortlisted` or `selected`.
pub async fn set_response_state(
    db: &Db,
    id: &str,
    state: &str,
    by: &str,
) -> Result<(), StoreError> {
    let query = sqlx::query("UPDATE challenge_answers SET state = $1 WHERE id = $2")
        .bind(state)
        .bind(id);
    db.execute_audited(
        query,
        Some(by),
        "challenge.answer_state",
        "challenge_answer",
        id,
        state,
    )
    .await?;
    Ok(())
}

/// Publishes a challenge's outcome: its selected responses become public, and the `mails` that
/// tell those who answered are queued with it. Once only: a second decision is
/// [`StoreError::Decided`].
pub async fn decide(
    db: &Db,
    c: &Challenge,
    outcome: &str,
    by: &str,
    mails: &[kernel::mail::Letter],
) -> Result<(), StoreError> {
    let mut w = db.write().await?;
    let n = sqlx::query(
        "UPDATE challenges SET state = 'decided', outcome = $1 WHERE id = $2 AND state = 'open'",
    )
    .bind(outcome)
    .bind(&c.id)
    .execute(&mut *w)
    .await?
    .rows_affected();
    if n == 0 {
        return Err(StoreError::Decided);
    }
    w.audit(Some(by), "challenge.decide", "challenge", &c.id, "")
        .await?;
    w.changed(crate::CHALLENGE, &c.id, Op::Upsert).await?;
    w.mails(mails).await?;
    w.commit().await?;
    Ok(())
}

/// The owners' addresses of an actor.
pub async fn owner_emails(db: &Db, actor_id: &str) -> Result<Vec<String>, StoreError> {
    Ok(directory::store::owner_emails(db, actor_id).await?)
}

/// A challenge's entry in the search index.
fn entry(r: &AnyRow) -> Result<Entry, sqlx::Error> {
    let c = from_row(r)?;
    Ok(Entry {
        doc: Some(kernel::search::SearchDoc {
            kind: "challenge",
            id: c.id.clone(),
            url: c.url(),
            title: c.data.title.clone(),
            body: format!(
                "{} {} {} {}",
                kernel::markdown::to_plain(&c.data.need),
                kernel::markdown::to_plain(&c.data.context),
                kernel::markdown::to_plain(&c.data.expected),
                c.outcome
            ),
            tag: "search.tag.challenge",
            subtitle: String::new(),
            boost: 1.0,
            region: String::new(),
            date: None,
        }),
        point: None,
        sublayer: None,
    })
}

/// Every challenge as an index entry (challenges are public; responses are never indexed).
pub async fn index_entries(db: Db) -> Result<Vec<Entry>, sqlx::Error> {
    db.fetch_all_with(sqlx::query(SELECT), entry).await
}

/// The index entry of one challenge.
pub async fn index_entry(db: Db, id: String) -> Result<Option<Entry>, sqlx::Error> {
    let query = sqlx::query(sqlx::AssertSqlSafe(format!("{SELECT} WHERE c.id = $1"))).bind(id);
    db.fetch_optional_with(query, entry).await
}
