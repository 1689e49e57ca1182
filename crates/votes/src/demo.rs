//! Demo content: an open votation in Occitanie (majority judgment, any confirmed account) and a
//! closed participatory budget in Lannion with its ballots, so that the results show. Running it
//! again changes nothing.

use crate::ballot::{Ballot, Mark};
use crate::model::{ProjectFields, QuestionFields, VotationFields};
use crate::store;
use kernel::Error;
use kernel::db::Db;

/// Adds the demo votes to the story spaces (when they exist and the votes do not).
pub async fn seed(demo: kernel::demo::Demo) -> Result<(), Error> {
    votation(&demo).await?;
    budget(&demo).await
}

/// The demo's process `slug` of the space `space` (see [`participation::demo::new_process`]).
async fn new_process(
    demo: &kernel::demo::Demo,
    space: &str,
    slug: &str,
    title: &str,
    summary: &str,
) -> Result<Option<participation::Process>, Error> {
    let fields = participation::ProcessFields {
        slug: slug.into(),
        title: title.into(),
        summary: summary.into(),
        ..Default::default()
    };
    participation::demo::new_process(demo, space, fields).await
}

/// Creates a vote that opens later, so that it can be filled; the caller then moves its dates.
async fn new_vote(db: &Db, process: &str, fields: VotationFields) -> Result<String, Error> {
    let now = kernel::ids::now_ms();
    let fields = VotationFields {
        opens_at: kernel::clock::form_value(now + 3_600_000),
        closes_at: kernel::clock::form_value(now + 30 * 86_400_000),
        ..fields
    };
    let id = store::create(db, process, &fields.parse(now)?, "demo").await?;
    // The demo's votes are public.
    let vote = store::get(db, &id).await?.ok_or(Error::NotFound)?;
    store::publish(db, &vote, "demo").await?;
    Ok(id)
}

async fn set_dates(db: &Db, id: &str, opens_at: i64, closes_at: i64) -> Result<(), Error> {
    sqlx::query("UPDATE votations SET opens_at = $1, closes_at = $2 WHERE id = $3")
        .bind(opens_at)
        .bind(closes_at)
        .bind(id)
        .execute(db.pool())
        .await?;
    Ok(())
}

async fn votation(demo: &kernel::demo::Demo) -> Result<(), Error> {
    let db = &demo.db;
    let Some(process) = new_process(
        demo,
        "occitanie",
        "votation-citoyenne",
        "Votation citoyenne : l'avenir des petites lignes",
        "La Région consulte ses habitants sur l'avenir des lignes ferroviaires de desserte fine du territoire.",
    )
    .await?
    else {
        return Ok(());
    };
    let id = new_vote(
        db,
        &process.id,
        VotationFields {
            kind: "votation".into(),
            title: "Quel avenir pour la ligne Montréjeau – Luchon ?".into(),
            description: "Chaque scénario reçoit une mention de votre part, d'Excellent à À rejeter. \
                          Le scénario retenu est celui dont la mention majoritaire est la meilleure."
                .into(),
            eligibility: "accounts".into(),
            ..Default::default()
        },
    )
    .await?;
    let vote = store::get(db, &id).await?.ok_or(Error::NotFound)?;
    let question = QuestionFields {
        title: "Que pensez-vous de chaque scénario ?".into(),
        method: "judgment".into(),
        options: "Réouverture aux voyageurs avec un train à hydrogène\nCars express cadencés\nVoie verte pour les vélos\nStatu quo".into(),
        ..Default::default()
    }
    .parse()?;
    store::add_question(db, &vote, &question, "demo").await?;
    let now = kernel::ids::now_ms();
    set_dates(db, &id, now - 86_400_000, now + 30 * 86_400_000).await
}

/// The projects of the Lannion budget: title, cost, area, and how popular each is.
const PROJECTS: &[(&str, &str, &str, u64)] = &[
    ("Aire de jeux inclusive au Stanco", "85000", "Stanco", 60),
    ("Jardin partagé de Ker Uhel", "32000", "Ker Uhel", 45),
    ("Boîtes à livres dans les quartiers", "8000", "", 55),
    ("Pumptrack de Brélévenez", "120000", "Brélévenez", 35),
    ("Bancs et ombrières sur les quais", "46000", "Centre", 40),
    ("Fresques participatives", "15000", "Centre", 25),
    ("Composteurs collectifs", "12000", "", 30),
    (
        "Éclairage du chemin de halage",
        "70000",
        "Bords du Léguer",
        20,
    ),
];

async fn budget(demo: &kernel::demo::Demo) -> Result<(), Error> {
    let db = &demo.db;
    let Some(process) = new_process(
        demo,
        "lannion",
        "budget-participatif-2026",
        "Budget participatif 2026",
        "250 000 € pour des projets proposés et choisis par les habitants.",
    )
    .await?
    else {
        return Ok(());
    };
    let id = new_vote(
        db,
        &process.id,
        VotationFields {
            kind: "budget".into(),
            title: "Budget participatif 2026".into(),
            description:
                "Les habitants ont composé leur panier de projets dans la limite de 250 000 €."
                    .into(),
            eligibility: "codes".into(),
            budget: "250000".into(),
            rule: "equal_shares".into(),
            ..Default::default()
        },
    )
    .await?;
    for (title, cost, area, _) in PROJECTS {
        let vote = store::get(db, &id).await?.ok_or(Error::NotFound)?;
        let input = ProjectFields {
            title: (*title).into(),
            cost: (*cost).into(),
            area: (*area).into(),
            ..Default::default()
        }
        .parse(250_000)?;
        store::add_project(db, &vote, &input, "demo").await?;
    }
    // 400 baskets, the same every time (a small linear congruential sequence), that fit the
    // budget; cast directly, as the writer would.
    let vote = store::get(db, &id).await?.ok_or(Error::NotFound)?;
    let mut seed: u64 = 2026;
    let mut next = |n: u64| {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (seed >> 33) % n
    };
    for voter in 0..400 {
        let mut basket = Vec::new();
        let mut spent = 0;
        for (i, (_, cost, _, popularity)) in PROJECTS.iter().enumerate() {
            let cost: i64 = cost.parse().unwrap_or(0);
            if next(100) < *popularity && spent + cost <= 250_000 {
                basket.push(i);
                spent += cost;
            }
        }
        if basket.is_empty() {
            basket.push(2);
        }
        let ballot = Ballot(vec![Mark::Choices(basket)]);
        store::cast(db, &vote.id, &format!("demo:{voter}"), &ballot.encode()).await?;
    }
    let now = kernel::ids::now_ms();
    set_dates(db, &id, now - 30 * 86_400_000, now - 86_400_000).await?;
    // Counted as it closes, as the nodes count a vote closed by its date.
    store::count_once(db, &vote).await?;
    Ok(())
}
