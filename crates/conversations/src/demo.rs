//! Demo content: an open conversation in Lannion 2030, and one in the network. Its votes are those of a real pol.is
//! conversation (`demo/votes.csv`, see `demo/SOURCE.md`) given to statements about Lannion, so
//! that its opinion map shows the groups real people formed. Running it again changes nothing.

use crate::model::{ConversationInput, Moderation, ParticipantKey, StatementText, VoteValue};
use crate::store::{self, Imported};
use kernel::Error;
use kernel::db::Db;

/// The statements, by number; the three rejected ones keep the numbers the votes name.
const STATEMENTS: [(&str, bool); 29] = [
    (
        "Les efforts actuels de la ville pour le climat sont suffisants.",
        true,
    ),
    ("Je travaille dans le centre-ville de Lannion.", true),
    ("Je suis étudiant·e ou chercheur·se à Lannion.", true),
    (
        "Des aménagements simples suffiraient : des bancs, de l'ombre, des fontaines.",
        true,
    ),
    (
        "Les grands projets d'urbanisme peuvent marcher, mais ils prennent trop de temps.",
        true,
    ),
    (
        "Les équipements publics doivent pouvoir changer d'usage selon les besoins.",
        true,
    ),
    (
        "Chaque quartier doit avoir ses projets, dans un plan commun pour toute la ville.",
        true,
    ),
    (
        "Les décisions prises par quelques experts rendent la participation difficile.",
        true,
    ),
    (
        "Les projets doivent être conçus par les habitants et les associations, pas par des bureaux d'études.",
        true,
    ),
    ("Je suis bénévole dans une association lannionnaise.", true),
    ("Nous avons tiré les leçons des inondations passées.", true),
    (
        "La gestion des dernières tempêtes montre que la ville est mieux préparée.",
        true,
    ),
    (
        "Les dernières tempêtes ont montré des faiblesses dans l'organisation.",
        true,
    ),
    (
        "Le maire devrait décider seul, ce serait plus simple.",
        false,
    ),
    ("C'est aux habitants de tout faire eux-mêmes !!!", false),
    (
        "Il faut un vocabulaire commun entre élus, services et habitants.",
        true,
    ),
    ("Qui a eu l'idée de ce questionnaire ?", false),
    (
        "Les habitants devraient concevoir eux-mêmes les aménagements de leur quartier.",
        true,
    ),
    (
        "La ville évalue assez ses projets pour savoir ce qui marche.",
        true,
    ),
    ("Le problème, c'est seulement l'argent.", true),
    ("Je travaille dans le numérique ou les télécoms.", true),
    (
        "Multiplier les pistes cyclables suffira à réduire la place de la voiture.",
        true,
    ),
    ("Les conseils de quartier ont encore un rôle à jouer.", true),
    (
        "Avant de construire du neuf, il faut mieux utiliser les bâtiments existants.",
        true,
    ),
    (
        "Nous connaissons bien les besoins actuels des habitants.",
        true,
    ),
    ("Les projets trop ambitieux ne serviront à rien.", true),
    (
        "Les projets doivent être adaptés à chaque quartier : centre, Servel, Brélévenez, Loguivy.",
        true,
    ),
    (
        "Les aménagements doivent partir de ce qui existe déjà, comme le chemin de halage.",
        true,
    ),
    (
        "Bien poser les questions, c'est déjà la moitié du travail.",
        true,
    ),
];

/// The statements of the network's demo conversation.
const NETWORK_STATEMENTS: [&str; 8] = [
    "Un budget participatif réussi commence par des règles co-écrites avec les habitants.",
    "Les conventions citoyennes tirées au sort devraient devenir la norme pour les grands projets.",
    "Les outils numériques ne remplacent pas les réunions en présence.",
    "Rendre compte de ce que sont devenues les idées compte plus que le nombre de participants.",
    "Les petites communes ont besoin d'un accompagnement mutualisé à l'échelle de l'intercommunalité.",
    "Il faut former les élus à l'animation de la participation.",
    "Une démarche participative sans budget dédié ne devrait pas être lancée.",
    "Les jeunes se mobilisent mieux par des projets concrets que par des consultations.",
];

/// Adds the demo conversations: one in Lannion 2030, one in the network.
pub async fn seed(kernel::demo::Demo { db, .. }: kernel::demo::Demo) -> Result<(), Error> {
    seed_lannion(&db).await?;
    seed_network(&db).await
}

/// A conversation of the network hosted by its first member (when there is one and the
/// network has none): what makes a participation approach work, open to all.
async fn seed_network(db: &Db) -> Result<(), Error> {
    if !store::of_network(db).await?.is_empty() {
        return Ok(());
    }
    let Some(member) = network::store::all_listed(db, &Default::default())
        .await?
        .into_iter()
        .next()
    else {
        return Ok(());
    };
    let pairs: Vec<(String, String)> = [
        (
            "question",
            "Qu'est-ce qui fait réussir une démarche participative dans une commune ?",
        ),
        (
            "description",
            "Praticiens, associations, chercheurs et collectivités du réseau : partagez ce que              vous avez appris. La carte des opinions montrera nos points d'accord et nos              débats ; le compte rendu deviendra une ressource du réseau.",
        ),
        ("statements_allowed", "on"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    let input = ConversationInput::parse(&pairs.as_slice()).map_err(Error::Invalid)?;
    let id = store::create(db, store::NewHome::Network(&member.id), &input, "demo").await?;
    let now = kernel::ids::now_ms();
    let statements = NETWORK_STATEMENTS
        .iter()
        .map(|text| {
            Ok(Imported {
                text: StatementText::parse(text)?,
                moderation: Moderation::Accepted,
                is_meta: false,
                created_at: now,
            })
        })
        .collect::<Result<Vec<_>, kernel::FieldError>>()?;
    store::import(db, &id, &statements, &[], "demo").await?;
    Ok(())
}

/// Adds the demo conversation to Lannion 2030 (when the process exists and has none).
async fn seed_lannion(db: &Db) -> Result<(), Error> {
    let db = db.clone();
    let Some(process) = participation::store::get_by_slug(&db, "lannion", "lannion-2030").await?
    else {
        return Ok(());
    };
    if !store::of_process(&db, &process.id).await?.is_empty() {
        return Ok(());
    }
    let pairs: Vec<(String, String)> = [
        (
            "question",
            "Lannion en 2030 : qu'est-ce qui compte pour vous ?",
        ),
        (
            "description",
            "Donnez votre avis sur les propositions des autres habitants, une à la fois, et \
             ajoutez les vôtres. La carte des opinions montre les points de vue qui se \
             dessinent et ce qui rassemble tout le monde.\n\nLa synthèse nourrira le plan \
             « Lannion 2030 » présenté au conseil municipal.",
        ),
        ("strict_moderation", "on"),
        ("statements_allowed", "on"),
        ("anonymous_allowed", "on"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    let input = ConversationInput::parse(&pairs.as_slice()).map_err(Error::Invalid)?;
    let id = store::create(&db, store::NewHome::Process(&process.id), &input, "demo").await?;
    // The conversation opened eight days ago; its votes keep their pace.
    let start = kernel::ids::now_ms() - 8 * 86_400_000;
    let statements = STATEMENTS
        .iter()
        .map(|(text, accepted)| {
            Ok(Imported {
                text: StatementText::parse(text)?,
                moderation: if *accepted {
                    Moderation::Accepted
                } else {
                    Moderation::Rejected
                },
                is_meta: false,
                created_at: start,
            })
        })
        .collect::<Result<Vec<_>, kernel::FieldError>>()?;
    let mut votes = Vec::new();
    for line in include_str!("../demo/votes.csv").lines().skip(1) {
        let cells: Vec<&str> = line.split(',').collect();
        let number = |i: usize| cells.get(i).and_then(|c| c.parse::<i64>().ok());
        let (Some(pid), Some(tid), Some(vote), Some(seconds)) =
            (number(0), number(1), number(2), number(3))
        else {
            return Err(Error::internal(format!("demo vote unreadable: {line}")));
        };
        votes.push((
            ParticipantKey::imported(&format!("demo-{pid}")),
            tid as u32,
            VoteValue::from_i64(vote),
            start + seconds * 1000,
        ));
    }
    store::import(&db, &id, &statements, &votes, "demo").await?;
    Ok(())
}
