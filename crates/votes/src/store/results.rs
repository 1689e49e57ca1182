//! The results of closed votes, counted once and stored (`vote_results`): in the write that
//! closes a vote by its administrator's hand, or, for a vote closed by its date, by the first
//! node that finds it uncounted. Every node then serves the stored results; none counts again.

use crate::ballot::Ballot;
use crate::count::{self, Results};
use crate::error::StoreError;
use crate::model::Votation;
use kernel::db::{Db, Write};
use kernel::ids::now_ms;

/// The stored results of a vote; `None` while it is not counted.
pub async fn stored_results(db: &Db, votation_id: &str) -> Result<Option<Results>, StoreError> {
    let text: Option<String> =
        sqlx::query_scalar("SELECT results FROM vote_results WHERE votation_id = $1")
            .bind(votation_id)
            .fetch_optional(db.pool())
            .await?;
    text.map(|t| {
        serde_json::from_str(&t).map_err(|e| {
            StoreError::Stopped(format!(
                "the stored results of {votation_id} are unreadable: {e}"
            ))
        })
    })
    .transpose()
}

/// Counts the ballots of a closed vote and stores its results, in `w` (the write that closes
/// it, or one of its own): false, and nothing counted, when they are stored already. The row
/// is claimed before the count, so that on PostgreSQL a second node counting the same vote at
/// the same moment waits for the first and then finds it done.
///
/// On PostgreSQL the vote's row is locked `FOR UPDATE` first: the count waits for the ballots
/// being written (each holds the row `FOR SHARE`, see [`super::open_boxes`]) and reads the box
/// once they are committed; the ballots that come after find the vote counted and are refused.
/// On SQLite the write transaction alone does the same.
pub async fn count_in(w: &mut Write, v: &Votation) -> Result<bool, StoreError> {
    if super::on_postgres(w) {
        sqlx::query("SELECT id FROM votations WHERE id = $1 FOR UPDATE")
            .bind(&v.id)
            .execute(&mut **w)
            .await?;
    }
    let claimed = sqlx::query(
        "INSERT INTO vote_results (votation_id, counted_at, ballots, results) \
         VALUES ($1, $2, 0, '') ON CONFLICT (votation_id) DO NOTHING",
    )
    .bind(&v.id)
    .bind(now_ms())
    .execute(&mut **w)
    .await?;
    if claimed.rows_affected() == 0 {
        return Ok(false);
    }
    let texts: Vec<String> =
        sqlx::query_scalar("SELECT content FROM vote_ballots WHERE votation_id = $1 ORDER BY id")
            .bind(&v.id)
            .fetch_all(&mut **w)
            .await?;
    let vote = v.clone();
    let results = tokio::task::spawn_blocking(move || {
        let ballots: Vec<Ballot> = texts
            .iter()
            .filter_map(|t| Ballot::decode(&vote, t))
            .collect();
        count::count(&vote, &ballots)
    })
    .await
    .map_err(|e| StoreError::Stopped(e.to_string()))?;
    let text = serde_json::to_string(&results)
        .map_err(|e| StoreError::Stopped(format!("the results could not be written: {e}")))?;
    sqlx::query("UPDATE vote_results SET ballots = $1, results = $2 WHERE votation_id = $3")
        .bind(results.ballots as i64)
        .bind(text)
        .bind(&v.id)
        .execute(&mut **w)
        .await?;
    Ok(true)
}

/// Counts a closed vote once (see [`count_in`]), in a write of its own.
pub async fn count_once(db: &Db, v: &Votation) -> Result<bool, StoreError> {
    let mut w = db.write().await?;
    let counted = count_in(&mut w, v).await?;
    w.commit().await?;
    Ok(counted)
}

/// The votes closed at `now` (by their date or by hand) whose results are not stored yet.
pub async fn uncounted(db: &Db, now: i64) -> Result<Vec<String>, StoreError> {
    Ok(sqlx::query_scalar(
        "SELECT v.id FROM votations v WHERE (v.closes_at <= $1 OR v.closed_at IS NOT NULL) \
         AND NOT EXISTS (SELECT 1 FROM vote_results r WHERE r.votation_id = v.id) ORDER BY v.id",
    )
    .bind(now)
    .fetch_all(db.pool())
    .await?)
}

/// Counts every vote closed at `now` and not counted yet; returns how many this node counted.
pub async fn count_closed(db: &Db, now: i64) -> Result<usize, StoreError> {
    let mut counted = 0;
    for id in uncounted(db, now).await? {
        if let Some(v) = super::get(db, &id).await?
            && count_once(db, &v).await?
        {
            counted += 1;
        }
    }
    Ok(counted)
}

/// The equal shares of a budget's result, stored with their floats written out in full (Rust's
/// shortest text that reads back to the same number), so that a stored result reads back
/// exactly as it was counted.
pub(crate) mod exact_shares {
    use decide::pb::Shares;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    #[derive(Serialize, Deserialize)]
    struct Stored {
        share: String,
        price: Vec<Option<String>>,
        left: Vec<String>,
        unspent: String,
    }

    fn read<E: serde::de::Error>(text: &str) -> Result<f64, E> {
        text.parse()
            .map_err(|_| E::custom(format!("not a number: {text}")))
    }

    /// Writes the shares.
    pub fn serialize<S: Serializer>(shares: &Option<Shares>, s: S) -> Result<S::Ok, S::Error> {
        shares
            .as_ref()
            .map(|sh| Stored {
                share: sh.share.to_string(),
                price: sh.price.iter().map(|p| p.map(|p| p.to_string())).collect(),
                left: sh.left.iter().map(f64::to_string).collect(),
                unspent: sh.unspent.to_string(),
            })
            .serialize(s)
    }

    /// Reads the shares back.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Shares>, D::Error> {
        let Some(stored) = Option::<Stored>::deserialize(d)? else {
            return Ok(None);
        };
        Ok(Some(Shares {
            share: read(&stored.share)?,
            price: stored
                .price
                .iter()
                .map(|p| p.as_deref().map(read).transpose())
                .collect::<Result<_, _>>()?,
            left: stored
                .left
                .iter()
                .map(|l| read(l))
                .collect::<Result<_, _>>()?,
            unspent: read(&stored.unspent)?,
        }))
    }
}

#[cfg(test)]
mod tests {
    use crate::count::{Outcome, QuestionResult, Results};
    use decide::pb::Shares;

    #[test]
    fn a_stored_result_reads_back_exactly_as_counted() {
        let third = 1.0 / 3.0;
        let results = Results {
            ballots: 3,
            questions: vec![
                QuestionResult::Budget {
                    approvals: vec![3, 1],
                    outcomes: vec![Outcome::FundedByShares, Outcome::SharesShort],
                    spent: 1000,
                    order: vec![0, 1],
                    shares: Some(Shares {
                        share: 0.1 + 0.2,
                        price: vec![Some(third), None],
                        left: vec![f64::MIN_POSITIVE, 123_456_789.123_456_78],
                        unspent: 1e-300,
                    }),
                },
                QuestionResult::Counts {
                    counts: vec![2, 1],
                    order: vec![0, 1],
                },
            ],
        };
        let text = serde_json::to_string(&results).unwrap();
        let back: Results = serde_json::from_str(&text).unwrap();
        assert_eq!(back, results);
    }
}
