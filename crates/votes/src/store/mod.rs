//! Votes: SQL. The voter roll (`vote_roll`), the ballot box (`vote_ballots`) and the receipts
//! (`vote_trackers`) are three tables that share no key, no order (each is stored in the order
//! of a random key) and no time finer than the day: nothing links a voter to a ballot.

use crate::error::StoreError;
use crate::model::*;
use kernel::db::{Db, Op, Write};
use kernel::ids::{new_id, new_token, now_ms};
use sqlx::Row;
use sqlx::any::AnyRow;

mod ballot_box;
mod results;

pub use ballot_box::*;
pub use results::*;

const SELECT: &str = "SELECT id, process_id, kind, title, description, opens_at, closes_at, closed_at, \
     eligibility, min_age, salt, budget, basket_max, rule, by_cost, sealed_at, published_at FROM votations";

/// Whether a connection (a write's transaction) is to PostgreSQL, where rows are locked by hand.
fn on_postgres(conn: &sqlx::AnyConnection) -> bool {
    conn.backend_name() == <sqlx::Postgres as sqlx::Database>::NAME
}

fn from_row(r: &AnyRow) -> Result<Votation, sqlx::Error> {
    let budget: Option<i64> = r.try_get("budget")?;
    Ok(Votation {
        id: r.try_get("id")?,
        process_id: r.try_get("process_id")?,
        kind: Kind::parse(&r.try_get::<String, _>("kind")?).unwrap_or(Kind::Votation),
        title: r.try_get("title")?,
        description: r.try_get("description")?,
        opens_at: r.try_get("opens_at")?,
        closes_at: r.try_get("closes_at")?,
        closed_at: r.try_get("closed_at")?,
        eligibility: Eligibility::parse(&r.try_get::<String, _>("eligibility")?)
            .unwrap_or(Eligibility::Accounts),
        min_age: r.try_get::<Option<i64>, _>("min_age")?.map(|a| a as i32),
        salt: r.try_get("salt")?,
        sealed: r.try_get::<Option<i64>, _>("sealed_at")?.is_some(),
        budget: match budget {
            Some(total) => Some(BudgetSettings {
                total,
                limit: match r.try_get::<Option<i64>, _>("basket_max")? {
                    Some(k) => BasketLimit::AtMost(k as usize),
                    None => BasketLimit::Fits,
                },
                rule: if r.try_get::<Option<String>, _>("rule")?.as_deref() == Some("greedy") {
                    Rule::Greedy
                } else {
                    Rule::EqualShares
                },
                by_cost: r.try_get::<Option<i64>, _>("by_cost")? != Some(0),
            }),
            None => None,
        },
        questions: Vec::new(),
        publication: kernel::publication::Publication::from_column(r.try_get("published_at")?),
    })
}

/// Creates a votation or a budget (with its one question) in a process, as a draft.
pub async fn create(
    db: &Db,
    process_id: &str,
    input: &VotationInput,
    by: &str,
) -> Result<String, StoreError> {
    let id = new_id();
    let now = now_ms();
    let b = input.budget;
    let mut w = db.write().await?;
    sqlx::query(
        "INSERT INTO votations (id, process_id, kind, title, description, opens_at, closes_at, eligibility, \
         min_age, salt, budget, basket_max, rule, by_cost, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)",
    )
    .bind(&id)
    .bind(process_id)
    .bind(input.kind.as_str())
    .bind(&input.title)
    .bind(&input.description)
    .bind(input.opens_at)
    .bind(input.closes_at)
    .bind(input.eligibility.as_str())
    .bind(input.min_age.map(i64::from))
    .bind(new_token())
    .bind(b.map(|b| b.total))
    .bind(b.and_then(|b| match b.limit {
        BasketLimit::AtMost(k) => Some(k as i64),
        BasketLimit::Fits => None,
    }))
    .bind(b.map(|b| match b.rule {
        Rule::Greedy => "greedy",
        Rule::EqualShares => "equal_shares",
    }))
    .bind(b.map(|b| i64::from(b.by_cost)))
    .bind(now)
    .execute(&mut *w)
    .await?;
    if input.kind == Kind::Budget {
        insert_question(&mut w, &id, 0, &input.title, &Method::Basket).await?;
    }
    w.changed(crate::VOTATION, &id, Op::Upsert).await?;
    w.audit(Some(by), "votation.create", "votation", &id, &input.title)
        .await?;
    w.commit().await?;
    Ok(id)
}

/// How a method is stored: fewest and most choices, grades one a line.
fn method_columns(method: &Method) -> (Option<i64>, Option<i64>, String) {
    match method {
        Method::Approval { min, max } => (Some(*min as i64), Some(*max as i64), String::new()),
        Method::Judgment { grades } => (None, None, grades.join("\n")),
        Method::Single | Method::Basket => (None, None, String::new()),
    }
}

async fn insert_question(
    tx: &mut sqlx::AnyConnection,
    votation_id: &str,
    position: i64,
    title: &str,
    method: &Method,
) -> Result<String, StoreError> {
    let id = new_id();
    let (min, max, grades) = method_columns(method);
    sqlx::query(
        "INSERT INTO vote_questions (id, votation_id, position, title, method, min_choices, max_choices, grades) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(&id)
    .bind(votation_id)
    .bind(position)
    .bind(title)
    .bind(method.as_str())
    .bind(min)
    .bind(max)
    .bind(grades)
    .execute(&mut *tx)
    .await?;
    Ok(id)
}

async fn insert_option(
    tx: &mut sqlx::AnyConnection,
    question_id: &str,
    position: i64,
    title: &str,
    description: &str,
    cost: i64,
    area: &str,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO vote_options (id, question_id, position, title, description, cost, area) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(new_id())
    .bind(question_id)
    .bind(position)
    .bind(title)
    .bind(description)
    .bind(cost)
    .bind(area)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// Commits a change to a votation with its entry in the audit log.
async fn logged(
    mut w: Write,
    by: &str,
    action: &str,
    votation_id: &str,
    detail: &str,
) -> Result<(), StoreError> {
    w.audit(Some(by), action, "votation", votation_id, detail)
        .await?;
    w.commit().await?;
    Ok(())
}

fn editable(v: &Votation) -> Result<(), StoreError> {
    if v.phase(now_ms()) != Phase::Upcoming {
        return Err(StoreError::Locked);
    }
    Ok(())
}

/// Checks again, inside the write that changes a vote, that it has not opened: a change that
/// races its opening is refused whole.
async fn still_upcoming(w: &mut Write, votation_id: &str) -> Result<(), StoreError> {
    let upcoming = sqlx::query(
        "SELECT 1 FROM votations WHERE id = $1 AND opens_at > $2 AND closed_at IS NULL",
    )
    .bind(votation_id)
    .bind(now_ms())
    .fetch_optional(&mut **w)
    .await?
    .is_some();
    if upcoming {
        Ok(())
    } else {
        Err(StoreError::Locked)
    }
}

/// Changes the title, description, dates, eligibility (with the minimum age) and budget settings
/// of a vote that has not opened yet; its kind stays.
pub async fn update(
    db: &Db,
    v: &Votation,
    input: &VotationInput,
    by: &str,
) -> Result<(), StoreError> {
    editable(v)?;
    if let Some(b) = input.budget {
        let dearest = v
            .questions
            .iter()
            .flat_map(|q| q.options.iter().map(|o| o.cost))
            .max()
            .unwrap_or(0);
        if dearest > b.total {
            return Err(kernel::FieldError::new("budget", "vote.budget_below_project").into());
        }
    }
    let b = input.budget;
    let mut w = db.write().await?;
    still_upcoming(&mut w, &v.id).await?;
    sqlx::query(
        "UPDATE votations SET title = $1, description = $2, opens_at = $3, closes_at = $4, \
         eligibility = $5, min_age = $6, budget = $7, basket_max = $8, rule = $9, by_cost = $10 \
         WHERE id = $11",
    )
    .bind(&input.title)
    .bind(&input.description)
    .bind(input.opens_at)
    .bind(input.closes_at)
    .bind(input.eligibility.as_str())
    .bind(input.min_age.map(i64::from))
    .bind(b.map(|b| b.total))
    .bind(b.and_then(|b| match b.limit {
        BasketLimit::AtMost(k) => Some(k as i64),
        BasketLimit::Fits => None,
    }))
    .bind(b.map(|b| match b.rule {
        Rule::Greedy => "greedy",
        Rule::EqualShares => "equal_shares",
    }))
    .bind(b.map(|b| i64::from(b.by_cost)))
    .bind(&v.id)
    .execute(&mut *w)
    .await?;
    if v.kind == Kind::Budget {
        // The one question of a budget bears its title.
        sqlx::query("UPDATE vote_questions SET title = $1 WHERE votation_id = $2")
            .bind(&input.title)
            .bind(&v.id)
            .execute(&mut *w)
            .await?;
    }
    w.changed(crate::VOTATION, &v.id, Op::Upsert).await?;
    logged(w, by, "votation.update", &v.id, &input.title).await
}

/// Changes a question of a votation that has not opened yet: its title, method and options.
/// An option kept by its title keeps its details (description, picture); the others go.
pub async fn update_question(
    db: &Db,
    v: &Votation,
    question_id: &str,
    input: &QuestionInput,
    by: &str,
) -> Result<(), StoreError> {
    editable(v)?;
    let q = v
        .questions
        .iter()
        .find(|q| q.id == question_id && v.kind == Kind::Votation)
        .ok_or(StoreError::NotFound)?;
    let mut w = db.write().await?;
    still_upcoming(&mut w, &v.id).await?;
    let (min, max, grades) = method_columns(&input.method);
    sqlx::query(
        "UPDATE vote_questions SET title = $1, method = $2, min_choices = $3, max_choices = $4, \
         grades = $5 WHERE id = $6",
    )
    .bind(&input.title)
    .bind(input.method.as_str())
    .bind(min)
    .bind(max)
    .bind(grades)
    .bind(&q.id)
    .execute(&mut *w)
    .await?;
    for o in q
        .options
        .iter()
        .filter(|o| !input.options.contains(&o.title))
    {
        sqlx::query("DELETE FROM vote_options WHERE id = $1")
            .bind(&o.id)
            .execute(&mut *w)
            .await?;
    }
    for (i, title) in input.options.iter().enumerate() {
        match q.options.iter().find(|o| &o.title == title) {
            Some(kept) => {
                sqlx::query("UPDATE vote_options SET position = $1 WHERE id = $2")
                    .bind(i as i64)
                    .bind(&kept.id)
                    .execute(&mut *w)
                    .await?;
            }
            None => insert_option(&mut w, &q.id, i as i64, title, "", 0, "").await?,
        }
    }
    logged(w, by, "votation.question_update", &v.id, &input.title).await
}

/// Removes a question (with its options) of a votation that has not opened yet; the others keep
/// their order.
pub async fn remove_question(
    db: &Db,
    v: &Votation,
    question_id: &str,
    by: &str,
) -> Result<(), StoreError> {
    editable(v)?;
    if v.kind != Kind::Votation || !v.questions.iter().any(|q| q.id == question_id) {
        return Err(StoreError::NotFound);
    }
    let mut w = db.write().await?;
    still_upcoming(&mut w, &v.id).await?;
    sqlx::query("DELETE FROM vote_options WHERE question_id = $1")
        .bind(question_id)
        .execute(&mut *w)
        .await?;
    sqlx::query("DELETE FROM vote_questions WHERE id = $1")
        .bind(question_id)
        .execute(&mut *w)
        .await?;
    for (i, q) in v
        .questions
        .iter()
        .filter(|q| q.id != question_id)
        .enumerate()
    {
        sqlx::query("UPDATE vote_questions SET position = $1 WHERE id = $2")
            .bind(i as i64)
            .bind(&q.id)
            .execute(&mut *w)
            .await?;
    }
    logged(w, by, "votation.question_remove", &v.id, question_id).await
}

/// The project of a budget with this id.
fn project<'a>(v: &'a Votation, option_id: &str) -> Result<&'a VoteOption, StoreError> {
    v.questions
        .first()
        .filter(|_| v.kind == Kind::Budget)
        .and_then(|q| q.options.iter().find(|o| o.id == option_id))
        .ok_or(StoreError::NotFound)
}

/// Changes a project's title, cost and area, in a budget that has not opened yet (its
/// description, picture and place are its details, see [`set_option_details`]).
pub async fn update_project(
    db: &Db,
    v: &Votation,
    option_id: &str,
    input: &ProjectInput,
    by: &str,
) -> Result<(), StoreError> {
    editable(v)?;
    project(v, option_id)?;
    let mut w = db.write().await?;
    still_upcoming(&mut w, &v.id).await?;
    sqlx::query("UPDATE vote_options SET title = $1, cost = $2, area = $3 WHERE id = $4")
        .bind(&input.title)
        .bind(input.cost)
        .bind(&input.area)
        .bind(option_id)
        .execute(&mut *w)
        .await?;
    logged(w, by, "votation.project_update", &v.id, &input.title).await
}

/// Removes a project of a budget that has not opened yet; the others keep their order.
pub async fn remove_project(
    db: &Db,
    v: &Votation,
    option_id: &str,
    by: &str,
) -> Result<(), StoreError> {
    editable(v)?;
    project(v, option_id)?;
    let mut w = db.write().await?;
    still_upcoming(&mut w, &v.id).await?;
    sqlx::query("DELETE FROM vote_options WHERE id = $1")
        .bind(option_id)
        .execute(&mut *w)
        .await?;
    let others = v.questions[0].options.iter().filter(|o| o.id != option_id);
    for (i, o) in others.enumerate() {
        sqlx::query("UPDATE vote_options SET position = $1 WHERE id = $2")
            .bind(i as i64)
            .bind(&o.id)
            .execute(&mut *w)
            .await?;
    }
    logged(w, by, "votation.project_remove", &v.id, option_id).await
}

/// Adds a question with its options to a votation that has not opened yet.
pub async fn add_question(
    db: &Db,
    v: &Votation,
    input: &QuestionInput,
    by: &str,
) -> Result<(), StoreError> {
    editable(v)?;
    if v.kind != Kind::Votation {
        return Err(StoreError::NotAVotation);
    }
    if v.questions.len() >= crate::ballot::MAX_QUESTIONS {
        return Err(kernel::FieldError::new("title", "vote.questions_count").into());
    }
    let mut w = db.write().await?;
    let qid = insert_question(
        &mut w,
        &v.id,
        v.questions.len() as i64,
        &input.title,
        &input.method,
    )
    .await?;
    for (i, o) in input.options.iter().enumerate() {
        insert_option(&mut w, &qid, i as i64, o, "", 0, "").await?;
    }
    logged(w, by, "votation.question", &v.id, &input.title).await
}

/// Adds a project to a budget that has not opened yet.
pub async fn add_project(
    db: &Db,
    v: &Votation,
    input: &ProjectInput,
    by: &str,
) -> Result<(), StoreError> {
    editable(v)?;
    let Some(q) = v.questions.first().filter(|_| v.kind == Kind::Budget) else {
        return Err(StoreError::NotABudget);
    };
    if q.options.len() >= 500 {
        return Err(kernel::FieldError::new("title", "vote.projects_count").into());
    }
    let mut w = db.write().await?;
    insert_option(
        &mut w,
        &q.id,
        q.options.len() as i64,
        &input.title,
        &input.description,
        input.cost,
        &input.area,
    )
    .await?;
    logged(w, by, "votation.project", &v.id, &input.title).await
}

/// Sets the details of an option or project of a vote that has not opened yet; the picture
/// only when a new one is given.
pub async fn set_option_details(
    db: &Db,
    v: &Votation,
    option_id: &str,
    details: &OptionDetails,
    image: Option<&str>,
    by: &str,
) -> Result<(), StoreError> {
    editable(v)?;
    if !v
        .questions
        .iter()
        .any(|q| q.options.iter().any(|o| o.id == option_id))
    {
        return Err(StoreError::NotFound);
    }
    let query = sqlx::query(
        "UPDATE vote_options SET description = $1, image = COALESCE($2, image), lat = $3, lon = $4 WHERE id = $5",
    )
    .bind(&details.description)
    .bind(image)
    .bind(details.position.map(|p| p.lat))
    .bind(details.position.map(|p| p.lon))
    .bind(option_id);
    db.execute_audited(
        query,
        Some(by),
        "votation.option",
        "votation",
        &v.id,
        option_id,
    )
    .await?;
    Ok(())
}

/// The votation with this id, with its questions and options.
pub async fn get(db: &Db, id: &str) -> Result<Option<Votation>, StoreError> {
    let Some(row) = sqlx::query(sqlx::AssertSqlSafe(format!("{SELECT} WHERE id = $1")))
        .bind(id)
        .fetch_optional(db.pool())
        .await?
    else {
        return Ok(None);
    };
    let mut v = from_row(&row)?;
    let questions = sqlx::query(
        "SELECT id, title, method, min_choices, max_choices, grades FROM vote_questions \
         WHERE votation_id = $1 ORDER BY position",
    )
    .bind(id)
    .fetch_all(db.pool())
    .await?;
    let options = sqlx::query(
        "SELECT o.question_id, o.id, o.title, o.description, o.cost, o.area, o.image, o.lat, o.lon FROM vote_options o \
         JOIN vote_questions q ON q.id = o.question_id WHERE q.votation_id = $1 ORDER BY o.position",
    )
    .bind(id)
    .fetch_all(db.pool())
    .await?;
    // Each option with its question's id.
    let options: Vec<(String, VoteOption)> = options
        .iter()
        .map(|o| {
            let position = match (
                o.try_get::<Option<f64>, _>("lat")?,
                o.try_get::<Option<f64>, _>("lon")?,
            ) {
                (Some(lat), Some(lon)) => Some(kernel::geo::Position { lat, lon }),
                _ => None,
            };
            Ok((
                o.try_get("question_id")?,
                VoteOption {
                    id: o.try_get("id")?,
                    title: o.try_get("title")?,
                    description: o.try_get("description")?,
                    cost: o.try_get("cost")?,
                    area: o.try_get("area")?,
                    image: o.try_get("image")?,
                    position,
                },
            ))
        })
        .collect::<Result<_, sqlx::Error>>()?;
    for q in &questions {
        let qid: String = q.try_get("id")?;
        let method = match q.try_get::<String, _>("method")?.as_str() {
            "approval" => Method::Approval {
                min: q.try_get::<Option<i64>, _>("min_choices")?.unwrap_or(0) as usize,
                max: q.try_get::<Option<i64>, _>("max_choices")?.unwrap_or(0) as usize,
            },
            "judgment" => Method::Judgment {
                grades: q
                    .try_get::<String, _>("grades")?
                    .lines()
                    .map(str::to_string)
                    .collect(),
            },
            "basket" => Method::Basket,
            _ => Method::Single,
        };
        v.questions.push(Question {
            options: options
                .iter()
                .filter(|(question, _)| *question == qid)
                .map(|(_, o)| o.clone())
                .collect(),
            id: qid,
            title: q.try_get("title")?,
            method,
        });
    }
    Ok(Some(v))
}

/// The vote with this id when the public may see it: published, in a published process.
pub async fn get_public(db: &Db, id: &str) -> Result<Option<Votation>, StoreError> {
    let Some(v) = get(db, id).await?.filter(|v| !v.publication.is_draft()) else {
        return Ok(None);
    };
    let process_public =
        sqlx::query("SELECT 1 FROM processes WHERE id = $1 AND published_at IS NOT NULL")
            .bind(&v.process_id)
            .fetch_optional(db.pool())
            .await?
            .is_some();
    Ok(process_public.then_some(v))
}

/// Publishes a draft vote. Publishing a published vote changes nothing.
pub async fn publish(db: &Db, v: &Votation, by: &str) -> Result<(), StoreError> {
    let mut w = db.write().await?;
    let n = sqlx::query(
        "UPDATE votations SET published_at = $1 WHERE id = $2 AND published_at IS NULL",
    )
    .bind(now_ms())
    .bind(&v.id)
    .execute(&mut *w)
    .await?
    .rows_affected();
    if n == 0 {
        return Ok(());
    }
    w.changed(crate::VOTATION, &v.id, Op::Upsert).await?;
    logged(w, by, "votation.publish", &v.id, "").await
}

/// Makes a published vote a draft again, while it has not opened (no ballot depends on it).
pub async fn unpublish(db: &Db, v: &Votation, by: &str) -> Result<(), StoreError> {
    let mut w = db.write().await?;
    let n = sqlx::query(
        "UPDATE votations SET published_at = NULL WHERE id = $1 AND opens_at > $2 \
         AND closed_at IS NULL",
    )
    .bind(&v.id)
    .bind(now_ms())
    .execute(&mut *w)
    .await?
    .rows_affected();
    if n == 0 {
        return Err(StoreError::Locked);
    }
    w.changed(crate::VOTATION, &v.id, Op::Upsert).await?;
    logged(w, by, "votation.unpublish", &v.id, "").await
}

/// The votations of a process, without their questions, in opening order; with the drafts when
/// `drafts`.
pub async fn of_process(
    db: &Db,
    process_id: &str,
    drafts: bool,
) -> Result<Vec<Votation>, StoreError> {
    let query = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{SELECT} WHERE process_id = $1 AND ($2 = 1 OR published_at IS NOT NULL) \
         ORDER BY opens_at, id"
    )))
    .bind(process_id)
    .bind(i64::from(drafts));
    Ok(db.fetch_all_with(query, from_row).await?)
}

/// A vote not closed yet, for its preparers' workplace: the addresses of its pages and how
/// many ballots it holds.
#[derive(Debug, Clone)]
pub struct Ongoing {
    /// The vote, without its questions.
    pub vote: Votation,
    /// Its space's address.
    pub space_slug: String,
    /// Its process's address in the space.
    pub process_slug: String,
    /// The ballots cast so far (the voters on the roll).
    pub ballots: i64,
}

/// The votes of a space's processes not closed at `now`, drafts included, the next to change
/// first (an open vote by its closing, the others by their opening); at most `limit`.
pub async fn ongoing(
    db: &Db,
    space_id: &str,
    now: i64,
    limit: i64,
) -> Result<Vec<Ongoing>, StoreError> {
    let query = sqlx::query(
        "SELECT v.id, v.process_id, v.kind, v.title, v.description, v.opens_at, v.closes_at, v.closed_at, \
         v.eligibility, v.min_age, v.salt, v.budget, v.basket_max, v.rule, v.by_cost, v.sealed_at, \
         v.published_at, s.slug AS space_slug, p.slug AS process_slug, \
         (SELECT COUNT(*) FROM vote_roll r WHERE r.votation_id = v.id) AS ballots \
         FROM votations v JOIN processes p ON p.id = v.process_id JOIN spaces s ON s.id = p.space_id \
         WHERE p.space_id = $1 AND v.closed_at IS NULL AND v.closes_at > $2 \
         ORDER BY CASE WHEN v.opens_at <= $2 THEN v.closes_at ELSE v.opens_at END, v.id LIMIT $3",
    )
    .bind(space_id)
    .bind(now)
    .bind(limit);
    Ok(db
        .fetch_all_with(query, |r| {
            Ok(Ongoing {
                vote: from_row(r)?,
                space_slug: r.try_get("space_slug")?,
                process_slug: r.try_get("process_slug")?,
                ballots: r.try_get("ballots")?,
            })
        })
        .await?)
}

/// Inserts hashes of a vote into a table of (votation_id, hash column), 500 rows a statement;
/// with `skip_repeats`, a hash already there is skipped.
async fn insert_hashes(
    tx: &mut sqlx::AnyConnection,
    table: &'static str,
    column: &'static str,
    votation_id: &str,
    hashes: &[String],
    skip_repeats: bool,
) -> Result<(), StoreError> {
    for chunk in hashes.chunks(500) {
        let marks: Vec<String> = (0..chunk.len())
            .map(|i| format!("($1, ${})", i + 2))
            .collect();
        let mut sql = format!(
            "INSERT INTO {table} (votation_id, {column}) VALUES {}",
            marks.join(",")
        );
        if skip_repeats {
            sql.push_str(" ON CONFLICT DO NOTHING");
        }
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(votation_id);
        for h in chunk {
            q = q.bind(h);
        }
        q.execute(&mut *tx).await?;
    }
    Ok(())
}

/// Replaces the census list of a votation that has not opened yet with these salted hashes.
pub async fn set_census(
    db: &Db,
    v: &Votation,
    hashes: &[String],
    by: &str,
) -> Result<(), StoreError> {
    editable(v)?;
    let mut w = db.write().await?;
    sqlx::query("DELETE FROM vote_census WHERE votation_id = $1")
        .bind(&v.id)
        .execute(&mut *w)
        .await?;
    insert_hashes(&mut w, "vote_census", "entry_hash", &v.id, hashes, true).await?;
    logged(w, by, "votation.census", &v.id, &hashes.len().to_string()).await
}

/// Stores the hashes of new invitation codes (the codes themselves are shown once and never
/// kept). Codes may be added while the vote is open, for latecomers.
pub async fn add_codes(
    db: &Db,
    v: &Votation,
    hashes: &[String],
    by: &str,
) -> Result<(), StoreError> {
    if v.phase(now_ms()) == Phase::Closed {
        return Err(StoreError::Closed);
    }
    let mut w = db.write().await?;
    insert_hashes(&mut w, "vote_codes", "code_hash", &v.id, hashes, false).await?;
    logged(w, by, "votation.codes", &v.id, &hashes.len().to_string()).await
}

/// Sets one of a vote's times (`opens_at`, `closed_at`) to now, logged as `action`.
async fn stamp(
    db: &Db,
    v: &Votation,
    column: &'static str,
    action: &str,
    by: &str,
) -> Result<(), StoreError> {
    let mut w = db.write().await?;
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "UPDATE votations SET {column} = $1 WHERE id = $2"
    )))
    .bind(now_ms())
    .bind(&v.id)
    .execute(&mut *w)
    .await?;
    w.changed(crate::VOTATION, &v.id, Op::Upsert).await?;
    logged(w, by, action, &v.id, "").await
}

/// Opens a vote now, ahead of its planned opening, once it is complete and published.
pub async fn open(db: &Db, v: &Votation, by: &str) -> Result<(), StoreError> {
    editable(v)?;
    if v.publication.is_draft() {
        return Err(StoreError::Draft);
    }
    if !v.is_complete() {
        return Err(StoreError::Incomplete);
    }
    stamp(db, v, "opens_at", "votation.open", by).await
}

/// Closes an open vote now, and counts it in the same write: its results are stored with its
/// closing (see [`count_in`]).
pub async fn close(db: &Db, v: &Votation, by: &str) -> Result<(), StoreError> {
    if v.phase(now_ms()) != Phase::Open {
        return Err(StoreError::NotOpen);
    }
    let mut w = db.write().await?;
    let closed =
        sqlx::query("UPDATE votations SET closed_at = $1 WHERE id = $2 AND closed_at IS NULL")
            .bind(now_ms())
            .bind(&v.id)
            .execute(&mut *w)
            .await?;
    if closed.rows_affected() == 0 {
        return Err(StoreError::NotOpen);
    }
    count_in(&mut w, v).await?;
    w.changed(crate::VOTATION, &v.id, Op::Upsert).await?;
    logged(w, by, "votation.close", &v.id, "").await
}

/// How many census entries and invitation codes a vote has.
pub async fn eligible_counts(db: &Db, v: &Votation) -> Result<(i64, i64), StoreError> {
    let census: i64 = sqlx::query("SELECT COUNT(*) AS n FROM vote_census WHERE votation_id = $1")
        .bind(&v.id)
        .fetch_one(db.pool())
        .await?
        .try_get("n")?;
    let codes: i64 = sqlx::query("SELECT COUNT(*) AS n FROM vote_codes WHERE votation_id = $1")
        .bind(&v.id)
        .fetch_one(db.pool())
        .await?
        .try_get("n")?;
    Ok((census, codes))
}

/// Whether a table of (votation_id, column) holds this value for a vote.
async fn holds(
    db: &Db,
    table: &'static str,
    column: &'static str,
    v: &Votation,
    value: &str,
) -> Result<bool, StoreError> {
    Ok(sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT 1 FROM {table} WHERE votation_id = $1 AND {column} = $2"
    )))
    .bind(&v.id)
    .bind(value)
    .fetch_optional(db.pool())
    .await?
    .is_some())
}

/// Whether the census of a vote holds this hash.
pub async fn census_has(db: &Db, v: &Votation, hash: &str) -> Result<bool, StoreError> {
    holds(db, "vote_census", "entry_hash", v, hash).await
}

/// Whether an invitation code of a vote has this hash.
pub async fn code_exists(db: &Db, v: &Votation, hash: &str) -> Result<bool, StoreError> {
    holds(db, "vote_codes", "code_hash", v, hash).await
}

/// Whether this voter is on the roll already.
pub async fn has_voted(db: &Db, v: &Votation, voter_key: &str) -> Result<bool, StoreError> {
    holds(db, "vote_roll", "voter_key", v, voter_key).await
}

/// The closed public votes (published, in a published process) of the instance with their
/// space's name, most recently opened first.
pub async fn closed(db: &Db, now: i64) -> Result<Vec<(Votation, String)>, StoreError> {
    let query = sqlx::query(
        "SELECT v.id, v.process_id, v.kind, v.title, v.description, v.opens_at, v.closes_at, v.closed_at, \
         v.eligibility, v.min_age, v.salt, v.budget, v.basket_max, v.rule, v.by_cost, v.sealed_at, \
         v.published_at, sp.name AS space_name \
         FROM votations v JOIN processes p ON p.id = v.process_id JOIN spaces sp ON sp.id = p.space_id \
         WHERE (v.closes_at <= $1 OR v.closed_at <= $1) \
         AND v.published_at IS NOT NULL AND p.published_at IS NOT NULL \
         ORDER BY v.opens_at DESC, v.id",
    )
    .bind(now);
    Ok(db
        .fetch_all_with(query, |r| {
            Ok((from_row(r)?, r.try_get::<String, _>("space_name")?))
        })
        .await?)
}
