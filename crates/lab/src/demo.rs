//! Demo challenges: three needs of the story spaces, one of them decided with its winner, each
//! with responses from demo companies of the directory whose offers match.

use crate::model::{ChallengeInput, Criterion, ResponseInput};
use crate::store;
use kernel::error::Error;

/// A demo challenge: space, title, themes, area, need, expected results, budget, days left,
/// whether its outcome is published.
struct DemoChallenge {
    space: &'static str,
    title: &'static str,
    themes: &'static [&'static str],
    area: &'static str,
    need: &'static str,
    expected: &'static str,
    budget: &'static str,
    days: i64,
    decided: bool,
}

const CHALLENGES: &[DemoChallenge] = &[
    DemoChallenge {
        space: "lannion",
        title: "Réduire de moitié la consommation de l'éclairage public",
        themes: &["lighting", "energy"],
        area: "departement/22",
        need: "La ville éclaire 4 200 points lumineux, dont un tiers de lampes anciennes. Elle cherche une solution pour piloter l'éclairage à la demande dans les quartiers résidentiels, sans dégrader la sécurité des piétons.",
        expected: "Une expérimentation sur deux quartiers pendant six mois, avec un suivi mensuel des consommations et un questionnaire aux riverains.",
        budget: "50k_200k",
        days: 45,
        decided: false,
    },
    DemoChallenge {
        space: "montauban",
        title: "Orienter chaque signalement de voirie vers la bonne équipe du premier coup",
        themes: &["data_iot", "e_administration"],
        area: "region/76",
        need: "Un signalement sur cinq arrive au mauvais service et attend plusieurs jours avant d'être réorienté. La ville cherche une aide à la qualification des signalements à partir de leur description et de leurs photos.",
        expected: "Un prototype branché sur l'API Open311 de la ville, évalué sur trois mois de signalements réels.",
        budget: "10k_50k",
        days: 30,
        decided: false,
    },
    DemoChallenge {
        space: "occitanie",
        title: "Une plateforme pour la consultation régionale sur les mobilités",
        themes: &["participation", "mobility"],
        area: "",
        need: "La Région prépare son schéma des mobilités et veut recueillir l'avis des habitantes et des habitants des 13 départements, en ligne et lors de réunions publiques.",
        expected: "Une consultation en ligne accessible (RGAA), une synthèse publique des contributions et un accompagnement des réunions.",
        budget: "gt_200k",
        days: 20,
        decided: true,
    },
];

/// Adds the demo challenges once, by the demo administrator, who also evaluates them.
pub async fn seed(kernel::demo::Demo { db, .. }: kernel::demo::Demo) -> Result<(), Error> {
    let Some(admin) = kernel::demo::admin(&db).await? else {
        return Ok(());
    };
    let any: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM challenges")
        .fetch_one(db.pool())
        .await?;
    if any > 0 {
        return Ok(());
    }
    let now = kernel::ids::now_ms();
    for d in CHALLENGES {
        let Some(space) = kernel::spaces::store::get_by_slug(&db, d.space).await? else {
            continue;
        };
        let input = ChallengeInput {
            title: d.title.into(),
            need: d.need.into(),
            context: String::new(),
            themes: d.themes.iter().map(|t| t.to_string()).collect(),
            expected: d.expected.into(),
            budget: d.budget.into(),
            deadline: now + d.days * 86_400_000,
            criteria: vec![
                Criterion {
                    name: "Réponse au besoin".into(),
                    weight: 50,
                },
                Criterion {
                    name: "Références comparables".into(),
                    weight: 30,
                },
                Criterion {
                    name: "Coût".into(),
                    weight: 20,
                },
            ],
            evaluators: vec![admin.clone()],
            area: d.area.into(),
            attachments: Vec::new(),
        };
        let challenge = store::create(&db, &space.id, &input, &admin).await?;
        let offers = directory::offers::on_themes(&db, &input.themes, 3).await?;
        let mut responded = Vec::new();
        for (n, o) in offers.iter().enumerate() {
            if responded.contains(&o.actor_id) {
                continue;
            }
            let response = ResponseInput {
                actor_id: o.actor_id.clone(),
                summary: format!(
                    "Nous proposons « {} », avec un accompagnement sur toute la durée du projet.",
                    o.data.title
                ),
                description: o.data.description.clone(),
                offer_id: o.id.clone(),
                references: o.data.references.clone(),
                price: input.budget.clone(),
                attachments: Vec::new(),
            };
            let id = store::respond(&db, &challenge, &response, &admin).await?;
            responded.push(o.actor_id.clone());
            let grades: Vec<(i64, String)> = [8 - n as i64, 7, 6 + n as i64]
                .into_iter()
                .map(|g| (g.clamp(0, 10), String::new()))
                .collect();
            store::grade(&db, &id, &admin, &grades).await?;
            if d.decided && n == 0 {
                store::set_response_state(&db, &id, "selected", &admin).await?;
            }
        }
        if d.decided && !responded.is_empty() {
            store::decide(
                &db,
                &challenge,
                "La Région a retenu la proposition la mieux notée ; la consultation ouvrira au printemps.",
                &admin,
                &[],
            )
            .await?;
        }
    }
    Ok(())
}
