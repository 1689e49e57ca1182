//! The demo's network: the demo directory's actors of the participation kinds are members,
//! with the methods their kind practises and the départements they serve; three of them publish
//! a resource (without attachments); the Lannion space asked for support for a citizens'
//! assembly, two members answered and one was chosen.

use crate::model::{
    AnswerInput, JoinInput, PARTICIPATION_KINDS, ResourceInput, SupportRequestInput,
};
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

/// Makes the demo's participation actors members, and three of them publish a resource, once.
pub async fn seed(kernel::demo::Demo { db, .. }: kernel::demo::Demo) -> Result<(), Error> {
    let Some(by) = kernel::demo::admin(&db).await? else {
        return Ok(());
    };
    seed_members(&db, &by).await?;
    seed_resources(&db, &by).await?;
    seed_request(&db, &by).await
}

/// The Lannion space's answered request for support, once: two demo members answer, the first
/// is chosen. Nothing when there is no Lannion space or fewer than two demo members.
async fn seed_request(db: &Db, by: &str) -> Result<(), Error> {
    let any: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM network_requests")
        .fetch_one(db.pool())
        .await?;
    if any > 0 {
        return Ok(());
    }
    let Some(lannion) = kernel::spaces::store::get_by_slug(db, "lannion").await? else {
        return Ok(());
    };
    // The members practising the assembly first.
    let members: Vec<String> = sqlx::query_scalar(
        "SELECT m.id FROM network_members m JOIN actors a ON a.id = m.actor_id \
         WHERE m.state = 'published' AND a.source = 'Données de démonstration' \
         ORDER BY CASE WHEN (',' || m.methods || ',') LIKE '%,assemblee-citoyenne,%' \
         THEN 0 ELSE 1 END, a.name_key, m.id LIMIT 2",
    )
    .fetch_all(db.pool())
    .await?;
    if members.len() < 2 {
        return Ok(());
    }
    let requester: Option<String> =
        sqlx::query_scalar("SELECT id FROM users WHERE email = 'yann.le-gall@demo.territoires.fr'")
            .fetch_optional(db.pool())
            .await?;
    let requester = requester.unwrap_or_else(|| by.to_string());
    let methods = store::methods(db).await?;
    let departements = kernel::territories::store::names(db, TerritoryKind::Departement).await?;
    let pairs: Vec<(String, String)> = [
        ("space", lannion.id.as_str()),
        (
            "title",
            "Accompagner une assemblée citoyenne sur les mobilités",
        ),
        (
            "need",
            "La ville réunit en 2027 une assemblée de quarante habitantes et habitants tirés au \
             sort pour proposer un plan des mobilités. Nous cherchons un accompagnement pour le \
             tirage au sort, l'animation des six séances et la restitution au conseil municipal.",
        ),
        ("methods", "assemblee-citoyenne"),
        ("departement", "22"),
        ("starts_on", "2027-02-01"),
        ("ends_on", "2027-06-30"),
        ("budget_band", "20k_50k"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    let input = SupportRequestInput::parse(&pairs.as_slice(), &methods, &departements)
        .map_err(Error::Invalid)?;
    let request = store::requests::create(db, &input, &requester, |_| Vec::new()).await?;
    let texts = [
        (
            "Nous avons accompagné trois assemblées citoyennes tirées au sort en Bretagne. Nous \
             proposons un tirage stratifié, six séances animées par deux personnes et une \
             restitution publique.",
            "850 € HT par jour, environ 28 000 € au total",
        ),
        (
            "Notre équipe peut animer les séances et outiller les participants entre deux \
             rencontres avec une plateforme de contributions en ligne.",
            "Environ 35 000 €",
        ),
    ];
    let mut answers = Vec::new();
    for (member, (text, estimate)) in members.iter().zip(texts) {
        let input = AnswerInput {
            member_id: member.clone(),
            text: text.to_string(),
            estimate: estimate.to_string(),
        };
        answers.push(store::requests::answer(db, &request, &input, by).await?);
    }
    store::requests::choose(db, &request, &answers[0], &requester, &[]).await?;
    Ok(())
}

/// A demo resource's fields, as its form has them.
struct DemoResource {
    title: &'static str,
    summary: &'static str,
    body: &'static str,
    kind: &'static str,
    methods: &'static [&'static str],
    licence: &'static str,
}

/// The demo's resources.
const RESOURCES: &[DemoResource] = &[
    DemoResource {
        title: "Guide : lancer un budget participatif en cinq étapes",
        summary: "Les étapes d'un premier budget participatif communal, du vote de l'enveloppe à \
         l'inauguration des projets, avec les délais à prévoir.",
        body: "**Avant de commencer**\n\nFaites voter par le conseil municipal le montant de \
         l'enveloppe et le règlement : qui peut déposer un projet, qui vote, quels projets sont \
         recevables.\n\n**Les étapes**\n\n1. Annoncer la démarche et son calendrier\n2. \
         Recueillir les idées pendant six semaines\n3. Étudier leur faisabilité avec les \
         services\n4. Faire voter les habitants\n5. Réaliser et montrer les projets lauréats\n\n\
         **Conseil** : publiez l'avancement de chaque projet, c'est ce qui donne envie de \
         participer l'année suivante.",
        kind: "guide",
        methods: &["budget-participatif"],
        licence: "cc_by_sa_4",
    },
    DemoResource {
        title: "Modèle de charte d'une assemblée citoyenne tirée au sort",
        summary: "Une charte à adapter : le mandat de l'assemblée, le tirage au sort, l'indemnisation \
         des participants et l'engagement des élus à répondre à chaque proposition.",
        body: "La charte tient en une page. Elle dit **ce qui est mis en débat** et ce qui ne l'est \
         pas, comment les membres sont tirés au sort (listes électorales, quotas d'âge et de \
         quartier), ce qu'ils reçoivent pour leur temps, et le délai dans lequel le conseil \
         municipal répond publiquement à chaque proposition.",
        kind: "template",
        methods: &["assemblee-citoyenne", "debat-public"],
        licence: "etalab_2",
    },
    DemoResource {
        title: "Grille d'évaluation d'une démarche participative",
        summary: "Une grille de douze questions pour évaluer une concertation : qui a participé, ce qui \
         a été retenu, ce qui a changé dans la décision.",
        body: "La grille se remplit avec l'équipe projet à la fin de la démarche, puis six mois \
         après. Elle compare les participants à la population (âge, quartier), compte les \
         propositions retenues et demande aux participants s'ils ont compris ce qui a été fait \
         de leur contribution.",
        kind: "tool",
        methods: &["evaluation", "consultation-en-ligne"],
        licence: "cc_by_4",
    },
];

/// Three accepted demo members each publish a resource, once.
async fn seed_resources(db: &Db, by: &str) -> Result<(), Error> {
    let any: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM network_resources")
        .fetch_one(db.pool())
        .await?;
    if any > 0 {
        return Ok(());
    }
    let members: Vec<String> = sqlx::query_scalar(
        "SELECT m.id FROM network_members m JOIN actors a ON a.id = m.actor_id \
         WHERE m.state = 'published' AND a.source = 'Données de démonstration' \
         ORDER BY a.name_key, m.id",
    )
    .fetch_all(db.pool())
    .await?;
    let methods = store::methods(db).await?;
    for (member, r) in members.iter().zip(RESOURCES) {
        let mut pairs: Vec<(String, String)> = vec![
            ("title".into(), r.title.to_string()),
            ("summary".into(), r.summary.to_string()),
            ("body".into(), r.body.to_string()),
            ("kind".into(), r.kind.to_string()),
            ("licence".into(), r.licence.to_string()),
        ];
        pairs.extend(
            r.methods
                .iter()
                .map(|c| ("methods".to_string(), c.to_string())),
        );
        let input = ResourceInput::parse(&pairs.as_slice(), &methods).map_err(Error::Invalid)?;
        let id = store::resources::submit(db, member, &input, by).await?;
        store::resources::decide(db, &id, true, "démonstration", by, &[]).await?;
    }
    Ok(())
}

/// Makes the demo's participation actors members, once.
async fn seed_members(db: &Db, by: &str) -> Result<(), Error> {
    let (db, by) = (db.clone(), by.to_string());
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
        store::decide(&db, &member, true, "démonstration", &by, &[]).await?;
    }
    Ok(())
}
