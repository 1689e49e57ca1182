//! An open vote ready for load: used by the durability test and the ballot benchmark, which
//! drive a real server from outside.

use crate::model::{QuestionFields, VotationFields};
use crate::store;
use kernel::Error;
use kernel::db::Db;

/// A vote open now, with invitation codes.
pub struct OpenVote {
    /// The vote's page.
    pub url: String,
    /// Its id.
    pub id: String,
    /// The codes, as printed.
    pub codes: Vec<String>,
    /// The ids of the options of its one single-choice question.
    pub options: Vec<String>,
}

/// Creates the space `charge`, a process and a single-choice vote open now with `codes`
/// invitation codes.
pub async fn open_vote_with_codes(db: &Db, codes: usize) -> Result<OpenVote, Error> {
    let space = kernel::spaces::model::SpaceFields {
        slug: "charge".into(),
        name: "Essais de charge".into(),
        territory: "commune/22113".into(),
        ..Default::default()
    }
    .parse()?;
    let space = kernel::spaces::store::create(db, &space, None, None).await?;
    // Recorded as the actor in the audit log.
    let admin = "load-test";
    let process = participation::ProcessFields {
        slug: "votation".into(),
        title: "Votation de charge".into(),
        ..Default::default()
    }
    .parse()?;
    let process = participation::store::create(db, &space.id, &process, admin).await?;
    participation::store::publish(db, &process.id, admin).await?;
    let now = kernel::ids::now_ms();
    let input = VotationFields {
        kind: "votation".into(),
        title: "Horaires de la médiathèque".into(),
        opens_at: kernel::clock::form_value(now + 3_600_000),
        closes_at: kernel::clock::form_value(now + 7 * 86_400_000),
        eligibility: "codes".into(),
        ..Default::default()
    }
    .parse(now)?;
    let id = store::create(db, &process.id, &input, admin).await?;
    let vote = store::get(db, &id).await?.ok_or(Error::NotFound)?;
    store::publish(db, &vote, admin).await?;
    let question = QuestionFields {
        title: "Quels horaires préférez-vous ?".into(),
        method: "single".into(),
        options: "Matin\nMidi\nSoir".into(),
        ..Default::default()
    }
    .parse()?;
    store::add_question(db, &vote, &question, admin).await?;
    let plain: Vec<String> = (0..codes).map(|_| kernel::ids::new_id()).collect();
    let hashes: Vec<String> = plain.iter().map(|c| kernel::ids::hash_secret(c)).collect();
    store::add_codes(db, &vote, &hashes, admin).await?;
    sqlx::query("UPDATE votations SET opens_at = $1 WHERE id = $2")
        .bind(now - 1000)
        .bind(&id)
        .execute(db.pool())
        .await?;
    let vote = store::get(db, &id).await?.ok_or(Error::NotFound)?;
    Ok(OpenVote {
        url: format!("{}/votes/{id}", process.url()),
        id,
        codes: plain.iter().map(|c| crate::ballot::grouped(c)).collect(),
        options: vote.questions[0]
            .options
            .iter()
            .map(|o| o.id.clone())
            .collect(),
    })
}
