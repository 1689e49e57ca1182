//! Demo content: Montauban's service teams, categories (one with extra questions), a client
//! application whose key is published with the demo, and sixty reports in the town with their
//! handling. Running it again changes nothing.

use crate::model::Status;
use crate::open311::{Attribute, Submission};
use crate::store::{self, CategoryInput};
use kernel::Error;

/// The key of the demo's Open311 client application (demo instances only).
pub const DEMO_API_KEY: &str = "demo-montauban-open311-2026";

/// Adds the demo reporting content to the `montauban` space, once.
pub async fn seed(kernel::demo::Demo { db, .. }: kernel::demo::Demo) -> Result<(), Error> {
    let Some(space) = kernel::spaces::store::get_by_slug(&db, "montauban").await? else {
        return Ok(());
    };
    if !store::categories(&db, &space.id).await?.is_empty() {
        return Ok(());
    }
    // The commune of Montauban, framed.
    store::set_area(
        &db,
        &space.id,
        &crate::model::Area {
            west: 1.24,
            south: 43.93,
            east: 1.47,
            north: 44.10,
        },
    )
    .await?;
    let voirie =
        store::create_team(&db, &space.id, "Service voirie", "voirie@demo.montauban.fr").await?;
    let proprete = store::create_team(
        &db,
        &space.id,
        "Service propreté",
        "proprete@demo.montauban.fr",
    )
    .await?;
    let eclairage = store::create_team(
        &db,
        &space.id,
        "Éclairage public",
        "eclairage@demo.montauban.fr",
    )
    .await?;
    // The demo's road agent works in the road team.
    if let Ok(email) = kernel::accounts::Email::parse("agent.voirie@demo.territoires.fr")
        && let Some(agent) = kernel::accounts::store::user_by_email(&db, &email).await?
    {
        store::add_member(&db, &voirie.id, &agent.id).await?;
    }
    let size = Attribute {
        code: "TAILLE".into(),
        datatype: "singlevaluelist".into(),
        required: true,
        description: "Quelle est la taille du trou ?".into(),
        order: 1,
        values: vec![
            ("petit".into(), "Moins de 20 cm".into()),
            ("moyen".into(), "De 20 à 50 cm".into()),
            ("grand".into(), "Plus de 50 cm".into()),
        ],
        urgent: vec![],
    };
    let danger = Attribute {
        code: "DANGER".into(),
        datatype: "singlevaluelist".into(),
        required: false,
        description: "Présente-t-il un danger immédiat ?".into(),
        order: 2,
        values: vec![("oui".into(), "Oui".into()), ("non".into(), "Non".into())],
        urgent: vec!["oui".into()],
    };
    let categories = [
        (
            "VOIRIE-01",
            "Nid-de-poule",
            "Voirie",
            "trou,chaussée,route",
            "Un trou dans la chaussée ou le trottoir.",
            &voirie.id,
            vec![size, danger],
        ),
        (
            "VOIRIE-02",
            "Signalisation abîmée",
            "Voirie",
            "panneau,feu",
            "Un panneau tombé, un marquage effacé.",
            &voirie.id,
            vec![],
        ),
        (
            "PROPRETE-01",
            "Dépôt sauvage",
            "Propreté",
            "déchets,encombrants",
            "Des déchets abandonnés sur la voie publique.",
            &proprete.id,
            vec![],
        ),
        (
            "PROPRETE-02",
            "Tag ou graffiti",
            "Propreté",
            "tag,graffiti",
            "Un tag sur un bâtiment public ou du mobilier urbain.",
            &proprete.id,
            vec![],
        ),
        (
            "ECLAIRAGE-01",
            "Lampadaire en panne",
            "Éclairage public",
            "lampadaire,lumière,nuit",
            "Un lampadaire éteint ou qui clignote.",
            &eclairage.id,
            vec![],
        ),
    ];
    let mut ids = Vec::new();
    for (code, name, group, keywords, description, team, attributes) in &categories {
        store::create_category(
            &db,
            &space.id,
            &CategoryInput {
                code,
                name,
                group,
                keywords,
                description,
                team_id: team,
                attributes,
            },
        )
        .await?;
        ids.push(*code);
    }
    let client = store::create_client(
        &db,
        &space.id,
        "Application mobile de démonstration",
        Some(DEMO_API_KEY),
    )
    .await?;
    let client_id = store::client_by_key(&db, &space.id, &client)
        .await?
        .ok_or(Error::NotFound)?;
    // Sixty reports around the centre of Montauban over the last two months, the same each time.
    let mut seed: u64 = 82121;
    let mut next = |n: u64| {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (seed >> 33) % n
    };
    let texts = [
        "Trou profond au milieu de la voie, les voitures font un écart.",
        "Panneau stop penché après le coup de vent.",
        "Sacs de déchets et un vieux matelas au pied du conteneur.",
        "Tag sur le mur de l'école.",
        "Lampadaire éteint depuis trois soirs, la rue est très sombre.",
    ];
    for i in 0..60u64 {
        let k = (next(5)) as usize;
        let category = store::category_by_code(&db, &space.id, ids[k])
            .await?
            .ok_or(Error::NotFound)?;
        let mut attributes = std::collections::BTreeMap::new();
        if k == 0 {
            attributes.insert(
                "TAILLE".to_string(),
                vec![["petit", "moyen", "grand"][next(3) as usize].to_string()],
            );
            // One pothole in five is a danger (from the report's number, so that the rest of
            // the demo stays as it was).
            let danger = if i % 5 == 0 { "oui" } else { "non" };
            attributes.insert("DANGER".to_string(), vec![danger.to_string()]);
        }
        let submission = Submission {
            service_code: ids[k].into(),
            position: Some((
                44.0176 + (next(2000) as f64 - 1000.0) / 50_000.0,
                1.3550 + (next(2000) as f64 - 1000.0) / 40_000.0,
            )),
            description: texts[k].into(),
            attributes,
            ..Default::default()
        };
        let id = store::create_from_client(&db, &category, &client_id, None, &submission).await?;
        let age = (next(60) as i64 + 1) * 86_400_000 + i as i64 * 60_000;
        sqlx::query("UPDATE reports SET created_at = created_at - $1, updated_at = updated_at - $1 WHERE id = $2")
            .bind(age)
            .bind(&id)
            .execute(db.pool())
            .await?;
        match next(4) {
            0 => {}
            1 => {
                store::set_status(
                    &db,
                    &id,
                    Status::Acknowledged,
                    "Pris en compte par le service.",
                    "",
                    None,
                )
                .await?
            }
            2 => {
                store::set_status(
                    &db,
                    &id,
                    Status::InProgress,
                    "Intervention programmée cette semaine.",
                    "Équipe B",
                    None,
                )
                .await?
            }
            _ => {
                store::set_status(
                    &db,
                    &id,
                    Status::Resolved,
                    "Réparé, merci pour votre signalement.",
                    "",
                    None,
                )
                .await?
            }
        }
    }
    Ok(())
}
