//! Review by moderators, shared by the components whose items wait for one before they are
//! shown (directory actors, experience reports): where an item stands, a moderator's decision
//! with its reason, the revisions an owner proposes to a published item (kept with the revision
//! they started from, refused once the item changed meanwhile), the moderators' queue pieces
//! (the field diff, the decision forms' errors) and the mails that tell the authors.
//!
//! A reviewed item lives in a table with `id`, `state`, `revision` and `updated_at` columns;
//! its revisions in a table with `id`, the item's id, `base_revision`, `data` (the proposed
//! fields as JSON), `state`, `reason`, `by_user`, `created_at`, `decided_at` and `decided_by`.
//! A component describes both with a [`Reviewed`] and calls its methods inside its own writes.

use crate::accounts::User;
use crate::app::AppState;
use crate::db::{Db, Entity, Op, Write};
use crate::error::{Error, FieldError, FieldErrors};
use crate::ids::{new_id, now_ms};
use crate::mail::Letter;
use crate::web::{Form, PageCtx, SignedIn, redirect_with_flash, render, render_invalid};
use axum::extract::{Path, State as Extracted};
use axum::response::Response;
use sqlx::Row;

/// Where a reviewed item stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    /// Submitted, waiting for a moderator.
    Pending,
    /// Shown.
    Published,
    /// Refused by a moderator.
    Rejected,
}

impl State {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            State::Pending => "pending",
            State::Published => "published",
            State::Rejected => "rejected",
        }
    }

    /// The state of a stored name (anything unknown waits).
    pub fn parse(s: &str) -> Self {
        match s {
            "published" => State::Published,
            "rejected" => State::Rejected,
            _ => State::Pending,
        }
    }
}

/// A moderator's decision as posted: `approve`, or `reject` with its reason.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct DecisionForm {
    /// `approve` or `reject`.
    #[serde(default)]
    pub decision: String,
    /// Why, required to refuse (it is mailed to the authors).
    #[serde(default)]
    pub reason: String,
}

impl DecisionForm {
    /// Whether the decision approves; a refusal without a reason, or no decision, is a field
    /// error.
    pub fn approves(&self) -> Result<bool, FieldErrors> {
        match self.decision.as_str() {
            "approve" => Ok(true),
            "reject" if self.reason.trim().chars().count() >= 3 => Ok(false),
            "reject" => Err(FieldError::new("reason", "review.reason").into()),
            _ => Err(FieldError::new("decision", "review.decision").into()),
        }
    }

    /// The reason, trimmed.
    pub fn reason(&self) -> &str {
        self.reason.trim()
    }
}

/// One kind of reviewed item: where it and its revisions are stored, the codes of its refusals
/// and the mails of its decisions.
#[derive(Debug, Clone, Copy)]
pub struct Reviewed {
    /// The kind of entity, shared with its indexer; its name is the audit target and the
    /// prefix of the audit actions (`actor.publish`, `actor.revise`…).
    pub entity: Entity,
    /// The items' table.
    pub table: &'static str,
    /// The columns stamped with the time of a published change (`updated_at` at least).
    pub stamped: &'static str,
    /// The revisions' table.
    pub revisions: &'static str,
    /// The revisions' column naming their item.
    pub item_column: &'static str,
    /// The refusal of a decision on what was already decided.
    pub decided: &'static str,
    /// The refusal of a change made to an item that changed since.
    pub stale: &'static str,
    /// The texts of the mails that tell the authors.
    pub mails: Mails,
}

/// The texts (`{key}.subject`, `{key}.body`) of the mails of a decision.
#[derive(Debug, Clone, Copy)]
pub struct Mails {
    /// A proposed item published.
    pub published: &'static str,
    /// A proposed item refused.
    pub rejected: &'static str,
    /// A revision published.
    pub revision_approved: &'static str,
    /// A revision refused.
    pub revision_rejected: &'static str,
}

/// What a moderator decided on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decided {
    /// A proposed item.
    Item,
    /// A revision of a published item.
    Revision,
}

/// A revision of an item by one of its owners, waiting for a moderator.
#[derive(Debug, Clone)]
pub struct Revision<T> {
    /// Opaque id.
    pub id: String,
    /// The item's id.
    pub item: String,
    /// The item's revision it started from.
    pub base: i64,
    /// The proposed fields.
    pub data: T,
    /// Who proposed it.
    pub by: String,
    /// When (ms).
    pub created_at: i64,
}

/// Why a review step was refused, or failed.
#[derive(Debug)]
pub enum ReviewError {
    /// The item changed since the change started from it (its kind's code: `actor.stale`…).
    Stale(&'static str),
    /// Already decided, or not waiting (its kind's code: `actor.decided`…).
    Decided(&'static str),
    /// A revision whose stored fields no longer read as its kind's.
    Unreadable,
    /// The database failed.
    Database(sqlx::Error),
}

impl From<sqlx::Error> for ReviewError {
    fn from(e: sqlx::Error) -> Self {
        ReviewError::Database(e)
    }
}

impl std::fmt::Display for ReviewError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ReviewError::Stale(code) | ReviewError::Decided(code) => f.write_str(code),
            ReviewError::Unreadable => f.write_str("unreadable revision"),
            ReviewError::Database(e) => write!(f, "database: {e}"),
        }
    }
}

impl std::error::Error for ReviewError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ReviewError::Database(e) => Some(e),
            _ => None,
        }
    }
}

/// At the web edge: both refusals are conflicts with their kind's code.
impl From<ReviewError> for Error {
    fn from(e: ReviewError) -> Self {
        match e {
            ReviewError::Stale(code) | ReviewError::Decided(code) => Error::Conflict(code),
            ReviewError::Unreadable => Error::NotFound,
            ReviewError::Database(e) => e.into(),
        }
    }
}

impl Reviewed {
    fn action(&self, what: &str) -> String {
        format!("{}.{what}", self.entity.as_str())
    }

    /// Publishes or refuses a proposed item, logged with the reason, and queues `mails` (the
    /// authors told) with it; refused (`decided`) when it no longer waits.
    pub async fn decide(
        &self,
        db: &Db,
        id: &str,
        publish: bool,
        reason: &str,
        by: &str,
        mails: &[Letter],
    ) -> Result<(), ReviewError> {
        let state = if publish {
            State::Published
        } else {
            State::Rejected
        };
        let mut w = db.write().await?;
        let n = sqlx::query(sqlx::AssertSqlSafe(format!(
            "UPDATE {} SET state = $1, updated_at = $2 WHERE id = $3 AND state = 'pending'",
            self.table
        )))
        .bind(state.as_str())
        .bind(now_ms())
        .bind(id)
        .execute(&mut *w)
        .await?
        .rows_affected();
        if n == 0 {
            return Err(ReviewError::Decided(self.decided));
        }
        let action = self.action(if publish { "publish" } else { "reject" });
        w.audit(Some(by), &action, self.entity.as_str(), id, reason)
            .await?;
        w.changed(self.entity, id, Op::Upsert).await?;
        w.mails(mails).await?;
        w.commit().await?;
        Ok(())
    }

    /// An owner's edit of the item `id`, now at revision `current`, from a form opened at
    /// revision `base`: refused once stale; applied `at_once` (while the item waits for its
    /// first decision, or is trusted), `apply` writing its fields in the write that counts the
    /// change; else kept for a moderator. Returns whether it was applied.
    #[allow(clippy::too_many_arguments)]
    pub async fn edit<T, E>(
        &self,
        db: &Db,
        (id, current): (&str, i64),
        at_once: bool,
        base: i64,
        data: &T,
        by: &str,
        apply: impl AsyncFnOnce(&mut Write) -> Result<(), E>,
    ) -> Result<bool, E>
    where
        T: serde::Serialize,
        E: From<ReviewError> + From<sqlx::Error>,
    {
        self.check_base(current, base)?;
        if at_once {
            let mut w = db.write().await?;
            self.publish_change(&mut w, id, base, by).await?;
            apply(&mut w).await?;
            w.commit().await?;
            return Ok(true);
        }
        self.propose(db, id, base, data, by).await?;
        Ok(false)
    }

    /// A moderator's decision on an owner's revision, in one write with `mails` (the authors
    /// told): approved, the item's change is counted and `apply` writes its fields; either way
    /// the revision is closed (refused, `decided`, when it no longer waits).
    #[allow(clippy::too_many_arguments)]
    pub async fn decide_revision<T, E>(
        &self,
        db: &Db,
        rev: &Revision<T>,
        approve: bool,
        reason: &str,
        by: &str,
        mails: &[Letter],
        apply: impl AsyncFnOnce(&mut Write) -> Result<(), E>,
    ) -> Result<(), E>
    where
        E: From<ReviewError> + From<sqlx::Error>,
    {
        let mut w = db.write().await?;
        if approve {
            self.publish_change(&mut w, &rev.item, rev.base, by).await?;
            apply(&mut w).await?;
        }
        self.close_revision(&mut w, rev, approve, reason, by)
            .await?;
        w.mails(mails).await?;
        w.commit().await?;
        Ok(())
    }

    /// Refuses a change started from revision `base` of an item now at `current`.
    pub fn check_base(&self, current: i64, base: i64) -> Result<(), ReviewError> {
        if current == base {
            Ok(())
        } else {
            Err(ReviewError::Stale(self.stale))
        }
    }

    /// Counts a published change of an item still at revision `base` (refused, `stale`, if it
    /// is not), logged and recorded in the feed; the caller writes the fields in the same
    /// write.
    pub async fn publish_change(
        &self,
        w: &mut Write,
        id: &str,
        base: i64,
        by: &str,
    ) -> Result<(), ReviewError> {
        let stamp = self
            .stamped
            .split(',')
            .map(|c| format!("{} = $1", c.trim()))
            .collect::<Vec<_>>()
            .join(", ");
        let n = sqlx::query(sqlx::AssertSqlSafe(format!(
            "UPDATE {} SET revision = revision + 1, {stamp} WHERE id = $2 AND revision = $3",
            self.table
        )))
        .bind(now_ms())
        .bind(id)
        .bind(base)
        .execute(&mut **w)
        .await?
        .rows_affected();
        if n == 0 {
            return Err(ReviewError::Stale(self.stale));
        }
        w.audit(
            Some(by),
            &self.action("update"),
            self.entity.as_str(),
            id,
            "",
        )
        .await?;
        w.changed(self.entity, id, Op::Upsert).await?;
        Ok(())
    }

    /// Keeps an owner's revision of a published item for a moderator.
    pub async fn propose<T: serde::Serialize>(
        &self,
        db: &Db,
        item: &str,
        base: i64,
        data: &T,
        by: &str,
    ) -> Result<(), ReviewError> {
        let data = serde_json::to_string(data)
            .map_err(|e| ReviewError::Database(sqlx::Error::Encode(Box::new(e))))?;
        let mut w = db.write().await?;
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "INSERT INTO {} (id, {}, base_revision, data, state, reason, by_user, created_at) \
             VALUES ($1, $2, $3, $4, 'pending', '', $5, $6)",
            self.revisions, self.item_column
        )))
        .bind(new_id())
        .bind(item)
        .bind(base)
        .bind(data)
        .bind(by)
        .bind(now_ms())
        .execute(&mut *w)
        .await?;
        w.audit(
            Some(by),
            &self.action("revise"),
            self.entity.as_str(),
            item,
            "",
        )
        .await?;
        w.commit().await?;
        Ok(())
    }

    fn select_revisions(&self) -> String {
        format!(
            "SELECT id, {} AS item, base_revision, data, by_user, created_at FROM {} \
             WHERE state = 'pending'",
            self.item_column, self.revisions
        )
    }

    /// What waits for a moderator, for their workplace: how many proposed items and revisions,
    /// and when the oldest of them arrived (an item's last change, a revision's creation).
    pub async fn waiting(&self, db: &Db) -> Result<(i64, Option<i64>), ReviewError> {
        let mut count = 0;
        let mut oldest: Option<i64> = None;
        for sql in [
            format!(
                "SELECT COUNT(*) AS n, MIN(updated_at) AS oldest FROM {} WHERE state = 'pending'",
                self.table
            ),
            format!(
                "SELECT COUNT(*) AS n, MIN(created_at) AS oldest FROM {} WHERE state = 'pending'",
                self.revisions
            ),
        ] {
            let row = sqlx::query(sqlx::AssertSqlSafe(sql))
                .fetch_one(db.pool())
                .await?;
            count += row.try_get::<i64, _>("n")?;
            if let Some(at) = row.try_get::<Option<i64>, _>("oldest")? {
                oldest = Some(oldest.map_or(at, |o| o.min(at)));
            }
        }
        Ok((count, oldest))
    }

    /// The revisions waiting for a moderator, oldest first (at most `limit`).
    pub async fn pending_revisions<T: serde::de::DeserializeOwned>(
        &self,
        db: &Db,
        limit: i64,
    ) -> Result<Vec<Revision<T>>, ReviewError> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "{} ORDER BY created_at, id LIMIT $1",
            self.select_revisions()
        )))
        .bind(limit)
        .fetch_all(db.pool())
        .await?;
        Ok(rows.iter().filter_map(revision_from_row).collect())
    }

    /// A revision still waiting for a moderator, or `decided`.
    pub async fn pending_revision<T: serde::de::DeserializeOwned>(
        &self,
        db: &Db,
        id: &str,
    ) -> Result<Revision<T>, ReviewError> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "{} AND id = $1",
            self.select_revisions()
        )))
        .bind(id)
        .fetch_optional(db.pool())
        .await?
        .ok_or(ReviewError::Decided(self.decided))?;
        revision_from_row(&row).ok_or(ReviewError::Unreadable)
    }

    /// Records a moderator's decision on a revision, in the write that applies it when it is
    /// approved; refused (`decided`) when it no longer waits.
    pub async fn close_revision<T>(
        &self,
        w: &mut Write,
        rev: &Revision<T>,
        approve: bool,
        reason: &str,
        by: &str,
    ) -> Result<(), ReviewError> {
        let n = sqlx::query(sqlx::AssertSqlSafe(format!(
            "UPDATE {} SET state = $1, reason = $2, decided_at = $3, decided_by = $4 \
             WHERE id = $5 AND state = 'pending'",
            self.revisions
        )))
        .bind(if approve { "approved" } else { "rejected" })
        .bind(reason)
        .bind(now_ms())
        .bind(by)
        .bind(&rev.id)
        .execute(&mut **w)
        .await?
        .rows_affected();
        if n == 0 {
            return Err(ReviewError::Decided(self.decided));
        }
        let action = self.action(if approve {
            "revision_approve"
        } else {
            "revision_reject"
        });
        w.audit(Some(by), &action, self.entity.as_str(), &rev.item, reason)
            .await?;
        Ok(())
    }

    /// The text of the mail that tells the authors of a decision.
    pub fn mail(&self, decided: Decided, approved: bool) -> &'static str {
        match (decided, approved) {
            (Decided::Item, true) => self.mails.published,
            (Decided::Item, false) => self.mails.rejected,
            (Decided::Revision, true) => self.mails.revision_approved,
            (Decided::Revision, false) => self.mails.revision_rejected,
        }
    }
}

fn revision_from_row<T: serde::de::DeserializeOwned>(r: &sqlx::any::AnyRow) -> Option<Revision<T>> {
    Some(Revision {
        id: r.try_get("id").ok()?,
        item: r.try_get("item").ok()?,
        base: r.try_get("base_revision").ok()?,
        data: serde_json::from_str(&r.try_get::<String, _>("data").ok()?).ok()?,
        by: r.try_get("by_user").ok()?,
        created_at: r.try_get("created_at").ok()?,
    })
}

/// A field that differs between two versions of an item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldChange {
    /// The field's form name.
    pub field: String,
    /// Its text before.
    pub before: String,
    /// Its text after.
    pub after: String,
}

/// The fields that differ between two versions of an item, each version given as (field,
/// value) pairs in form order (a list has one pair per value, joined by ", "). Values are
/// compared as given and shown through `shown` (a file by its name, say).
pub fn diff(
    before: &[(String, String)],
    after: &[(String, String)],
    shown: impl Fn(&str, &str) -> String,
) -> Vec<FieldChange> {
    let mut fields: Vec<&str> = Vec::new();
    for (f, _) in before.iter().chain(after) {
        if !fields.contains(&f.as_str()) {
            fields.push(f);
        }
    }
    let values = |pairs: &[(String, String)], field: &str| -> Vec<String> {
        pairs
            .iter()
            .filter(|(f, _)| f == field)
            .map(|(_, v)| v.clone())
            .collect()
    };
    let show = |field: &str, vs: &[String]| -> String {
        vs.iter()
            .map(|v| shown(field, v))
            .collect::<Vec<_>>()
            .join(", ")
    };
    fields
        .into_iter()
        .filter_map(|field| {
            let (a, b) = (values(before, field), values(after, field));
            (a.join(", ") != b.join(", ")).then(|| FieldChange {
                field: field.to_string(),
                before: show(field, &a),
                after: show(field, &b),
            })
        })
        .collect()
}

/// The decision forms of a moderators' queue: the refused one's errors, and the ids its fields
/// carry so that the errors' summary links to them.
#[derive(Debug, Clone, Default)]
pub struct Decisions {
    /// Why the last decision was refused.
    pub errors: FieldErrors,
    /// The item (or revision) whose decision was refused.
    pub failed: String,
}

impl Decisions {
    /// A queue shown again after a refused decision on `failed`.
    pub fn refused(errors: FieldErrors, failed: &str) -> Self {
        Decisions {
            errors,
            failed: failed.to_string(),
        }
    }

    /// The id of an item's reason field: `reason` for the refused one.
    pub fn reason_id(&self, id: &str) -> String {
        if self.failed == id {
            "reason".into()
        } else {
            format!("reason-{id}")
        }
    }

    /// The id of an item's decision fieldset: `decision` for the refused one.
    pub fn decision_id(&self, id: &str) -> String {
        if self.failed == id {
            "decision".into()
        } else {
            format!("decision-{id}")
        }
    }
}

/// A component whose items moderators review from a queue page: the queue and the decisions'
/// handlers are [`queue`], [`decide_item`] and [`decide_revision`], the same for every such
/// component.
pub trait Moderation: Send + Sync + 'static {
    /// The queue page.
    type Queue: askama::Template + Send;
    /// The queue's address.
    const QUEUE: &'static str;
    /// The flash text once a decision is recorded.
    const DECIDED: &'static str;
    /// Refused unless `user` moderates the component (its policy).
    fn check(user: &User) -> Result<(), Error>;
    /// The queue as it stands, with these decision forms.
    fn queue(
        state: &AppState,
        page: PageCtx,
        decisions: Decisions,
    ) -> impl Future<Output = Result<Self::Queue, Error>> + Send;
    /// Publishes or refuses a proposed item and tells its authors.
    fn decide_item(
        state: &AppState,
        id: &str,
        publish: bool,
        reason: &str,
        by: &str,
    ) -> impl Future<Output = Result<(), Error>> + Send;
    /// Approves (applies) or refuses a revision and tells its authors; a revision whose item
    /// changed since is refused as a field error on its reason (see [`stale_revision`]).
    fn decide_revision(
        state: &AppState,
        id: &str,
        approve: bool,
        reason: &str,
        by: &str,
    ) -> impl Future<Output = Result<(), Error>> + Send;
}

/// The moderators' queue of a component.
pub async fn queue<M: Moderation>(
    Extracted(state): Extracted<AppState>,
    page: PageCtx,
    SignedIn(user): SignedIn,
) -> Result<Response, Error> {
    M::check(&user)?;
    render(&M::queue(&state, page, Decisions::default()).await?)
}

/// A moderator's decision on a proposed item.
pub async fn decide_item<M: Moderation>(
    Extracted(state): Extracted<AppState>,
    page: PageCtx,
    SignedIn(user): SignedIn,
    Path(id): Path<String>,
    Form(f): Form<DecisionForm>,
) -> Result<Response, Error> {
    decide::<M>(&state, page, &user, &id, &f, Decided::Item).await
}

/// A moderator's decision on a revision.
pub async fn decide_revision<M: Moderation>(
    Extracted(state): Extracted<AppState>,
    page: PageCtx,
    SignedIn(user): SignedIn,
    Path(id): Path<String>,
    Form(f): Form<DecisionForm>,
) -> Result<Response, Error> {
    decide::<M>(&state, page, &user, &id, &f, Decided::Revision).await
}

/// A moderator's decision on what `id` names: back to the queue once recorded, or the queue
/// again with why it was refused.
async fn decide<M: Moderation>(
    state: &AppState,
    page: PageCtx,
    user: &User,
    id: &str,
    f: &DecisionForm,
    what: Decided,
) -> Result<Response, Error> {
    M::check(user)?;
    let decided = match (f.approves(), what) {
        (Ok(yes), Decided::Item) => M::decide_item(state, id, yes, f.reason(), &user.id).await,
        (Ok(yes), Decided::Revision) => {
            M::decide_revision(state, id, yes, f.reason(), &user.id).await
        }
        (Err(errors), _) => Err(Error::Invalid(errors)),
    };
    decided_or_shown_again::<M>(state, page, id, decided).await
}

/// A revision whose item changed since, as the field error its decision form shows.
pub fn stale_revision(code: &'static str) -> Error {
    Error::Invalid(FieldError::new("reason", code).into())
}

/// Back to the queue once decided; or the queue again with why the decision on `id` was
/// refused (no decision, a refusal without its reason, a revision whose item changed since).
async fn decided_or_shown_again<M: Moderation>(
    state: &AppState,
    page: PageCtx,
    id: &str,
    decided: Result<(), Error>,
) -> Result<Response, Error> {
    let errors: FieldErrors = match decided {
        Ok(()) => return Ok(redirect_with_flash(M::QUEUE, M::DECIDED)),
        Err(Error::Invalid(errors)) => errors,
        Err(e) => return Err(e),
    };
    render_invalid(&M::queue(state, page, Decisions::refused(errors, id)).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refusal_needs_its_reason() {
        let form = |d: &str, r: &str| DecisionForm {
            decision: d.into(),
            reason: r.into(),
        };
        assert_eq!(form("approve", "").approves(), Ok(true));
        assert_eq!(form("reject", "Doublon").approves(), Ok(false));
        assert_eq!(
            form("reject", " ").approves().unwrap_err().on("reason"),
            Some("review.reason")
        );
        assert!(
            form("", "")
                .approves()
                .unwrap_err()
                .on("decision")
                .is_some()
        );
        assert_eq!(State::parse(State::Published.as_str()), State::Published);
    }

    #[test]
    fn a_diff_names_the_fields_that_changed() {
        let pairs = |v: &[(&str, &str)]| -> Vec<(String, String)> {
            v.iter()
                .map(|(a, b)| (a.to_string(), b.to_string()))
                .collect()
        };
        let before = pairs(&[
            ("name", "Atelier"),
            ("themes", "a"),
            ("themes", "b"),
            ("file", "x1"),
        ]);
        let after = pairs(&[
            ("name", "Atelier"),
            ("themes", "a"),
            ("file", "x2"),
            ("phone", "05"),
        ]);
        let d = diff(&before, &after, |f, v| {
            if f == "file" {
                "plan.pdf".into()
            } else {
                v.into()
            }
        });
        let fields: Vec<&str> = d.iter().map(|c| c.field.as_str()).collect();
        assert_eq!(fields, ["themes", "file", "phone"]);
        assert_eq!((d[0].before.as_str(), d[0].after.as_str()), ("a, b", "a"));
        // Two files of the same name differ: they are compared as stored, shown by name.
        assert_eq!(
            (d[1].before.as_str(), d[1].after.as_str()),
            ("plan.pdf", "plan.pdf")
        );
        assert_eq!((d[2].before.as_str(), d[2].after.as_str()), ("", "05"));
    }

    #[test]
    fn the_refused_decision_carries_the_ids_its_errors_link_to() {
        let d = Decisions::refused(FieldError::new("reason", "review.reason").into(), "r1");
        assert_eq!(d.reason_id("r1"), "reason");
        assert_eq!(d.reason_id("r2"), "reason-r2");
        assert_eq!(d.decision_id("r1"), "decision");
    }
}
