//! The demo's network: the demo directory's actors of the participation kinds are members,
//! with the methods their kind practises and the départements they serve.

use crate::model::{JoinInput, PARTICIPATION_KINDS};
use crate::store;
use kernel::Error;
use kernel::db::Db;
use kernel::territories::TerritoryKind;
use sqlx::Row;

/// The methods a demo member of a kind practises.
fn methods_of(kind: &str) -> &'static [&'static str] {
    match kind {
        "civic_tech" => &[
            "conversation",
            "consultation-en-ligne",
            "budget-participatif",
        ],
        "participation_consultancy" => &[
            "assemblee-citoyenne",
            "debat-public",
            "ateliers",
            "evaluation",
        ],
        "public_body" => &["budget-participatif", "ateliers", "cartographie"],
        "research_lab" => &["evaluation", "cartographie", "conversation"],
        _ => &["debat-public", "ateliers"],
    }
}

/// Makes the demo's participation actors members, once.
pub async fn seed(db: Db) -> Result<(), Error> {
    let Some(by) = kernel::demo::admin(&db).await? else {
        return Ok(());
    };
    let any: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM network_members")
        .fetch_one(db.pool())
        .await?;
    if any > 0 {
        return Ok(());
    }
    let methods = store::methods(&db).await?;
    let departements = kernel::territories::store::names(&db, TerritoryKind::Departement).await?;
    let rows = sqlx::query(
        "SELECT id, kind, departement FROM actors WHERE state = 'published' \
         AND source = 'Données de démonstration' ORDER BY name_key, id",
    )
    .fetch_all(db.pool())
    .await?;
    for (n, r) in rows.iter().enumerate() {
        let kind: String = r.try_get("kind")?;
        if !PARTICIPATION_KINDS.contains(&kind.as_str()) {
            continue;
        }
        let id: String = r.try_get("id")?;
        let home: String = r.try_get("departement")?;
        // Its own département, and for consultancies and civic tech, two more around France.
        let mut served = vec![home];
        if matches!(kind.as_str(), "participation_consultancy" | "civic_tech") {
            served.push(["22", "35", "31", "69"][n % 4].to_string());
            served.push(["82", "44", "33", "75"][n % 4].to_string());
        }
        let mut pairs: Vec<(String, String)> = vec![
            ("actor".into(), id),
            ("charter".into(), "on".into()),
            ("territories".into(), served.join(", ")),
            (
                "references".into(),
                "Démarches accompagnées avec des communes de l'Ouest et du Sud-Ouest \
                 (données de démonstration)."
                    .into(),
            ),
        ];
        pairs.extend(
            methods_of(&kind)
                .iter()
                .map(|m| ("methods".to_string(), m.to_string())),
        );
        let input =
            JoinInput::parse(&pairs.as_slice(), &methods, &departements).map_err(Error::Invalid)?;
        let member = store::request(&db, &input, &by).await?;
        store::decide(&db, &member, true, "démonstration", &by).await?;
    }
    Ok(())
}
