//! Demo content: about fifty experience reports, ten kinds of approach each told by five real
//! territories of different sizes, published. Running `seed` again changes nothing.

use crate::model::ExperienceInput;
use crate::store;
use kernel::Error;

/// Real communes, by INSEE code (their names come from the referential).
const COMMUNES: &[&str] = &[
    "22113", "82121", "31555", "35238", "44109", "33063", "69123", "38185", "59350", "67482",
    "34172", "13055", "29019", "22278", "81004", "12202", "21231", "63113", "87085", "86194",
    "37261", "49007", "14118", "76540", "57463", "25056", "45234", "64445", "66136", "30189",
    "74010", "29232", "35288", "79191", "17300", "40192", "24322", "46042", "32013", "65440",
    "48095", "15014", "23096", "36044", "58194", "89024", "22050", "56121", "09122", "05061",
];

/// An approach: tools, themes, title (`{}` is the territory), context, approach, success
/// factors, points of vigilance, tips, budget band, months, results.
struct Story {
    tools: &'static [&'static str],
    themes: &'static [&'static str],
    title: &'static str,
    context: &'static str,
    approach: &'static str,
    factors: &'static [&'static str],
    vigilance: &'static [&'static str],
    tips: &'static [&'static str],
    budget: &'static str,
    months: i64,
    results: &'static str,
}

const STORIES: &[Story] = &[
    Story {
        tools: &["participatory_budget"],
        themes: &["participation", "environment"],
        title: "Un budget participatif à {}",
        context: "Les habitants demandaient à peser sur les investissements de proximité.",
        approach: "Une part du budget d'investissement est confiée aux habitants : dépôt des idées, étude de faisabilité par les services, vote en ligne et dans les mairies annexes.",
        factors: &[
            "Un engagement clair des élus à réaliser les projets lauréats",
            "Des services associés dès l'étude de faisabilité",
            "Un vote ouvert dès 11 ans",
        ],
        vigilance: &[
            "Les délais des marchés publics retardent les réalisations",
            "Les quartiers déjà mobilisés déposent l'essentiel des idées",
        ],
        tips: &[
            "Afficher l'avancement de chaque projet sur une carte",
            "Aller chercher les idées sur les marchés et à la sortie des écoles",
        ],
        budget: "50k_200k",
        months: 12,
        results: "Une trentaine de projets déposés, une dizaine réalisés la première année.",
    },
    Story {
        tools: &["participatory_mapping"],
        themes: &["mobility", "participation"],
        title: "Cartographier les trajets à vélo à {}",
        context: "Le plan vélo manquait de données sur les trajets réels et les points noirs.",
        approach: "Les cyclistes ont placé sur une carte en ligne leurs trajets, les passages dangereux et les stationnements manquants, puis les contributions ont été discutées en atelier.",
        factors: &[
            "Une carte simple, utilisable sur téléphone",
            "Des associations de cyclistes relais",
        ],
        vigilance: &["Les contributions viennent surtout des cyclistes déjà aguerris"],
        tips: &[
            "Ouvrir la carte au printemps, quand on roule le plus",
            "Répondre publiquement aux points signalés",
        ],
        budget: "lt_10k",
        months: 4,
        results: "Plus de 600 contributions, quinze points noirs traités dans l'année.",
    },
    Story {
        tools: &["reporting_app"],
        themes: &["safety", "e_administration"],
        title: "Une application de signalement de l'espace public à {}",
        context: "Les signalements arrivaient par téléphone et courrier, sans suivi pour les habitants.",
        approach: "Les habitants signalent nids-de-poule, dépôts sauvages ou éclairage en panne depuis leur téléphone ; chaque demande est routée vers le service compétent et suivie jusqu'à sa résolution.",
        factors: &[
            "Un routage automatique vers la bonne équipe",
            "Des réponses publiques à chaque étape",
        ],
        vigilance: &[
            "Prévoir la charge des équipes au lancement",
            "Garder un accueil téléphonique pour qui n'a pas de smartphone",
        ],
        tips: &[
            "Commencer avec quelques catégories seulement",
            "Publier les délais de traitement",
        ],
        budget: "10k_50k",
        months: 6,
        results: "Délai moyen de traitement divisé par deux ; 4 signalements sur 5 résolus en moins d'un mois.",
    },
    Story {
        tools: &["citizens_assembly", "workshop"],
        themes: &["environment", "energy"],
        title: "Une convention citoyenne pour le climat à {}",
        context: "Le plan climat devait être approprié par les habitants.",
        approach: "Quarante habitants tirés au sort ont travaillé six week-ends avec des experts et rendu des propositions, chacune suivie d'une réponse écrite de la collectivité.",
        factors: &[
            "Un tirage au sort stratifié",
            "Une indemnisation des participants",
            "Un engagement de réponse à chaque proposition",
        ],
        vigilance: &["Le temps long : garder les participants informés après la convention"],
        tips: &[
            "Confier l'animation à un tiers neutre",
            "Publier le suivi des propositions",
        ],
        budget: "50k_200k",
        months: 8,
        results: "Vingt-huit propositions, dont dix-neuf intégrées au plan climat.",
    },
    Story {
        tools: &["citizen_vote", "public_meeting"],
        themes: &["mobility"],
        title: "Une votation sur le plan de circulation à {}",
        context: "Le projet de plan de circulation divisait le centre-ville.",
        approach: "Après trois réunions publiques, deux scénarios ont été soumis au vote des habitants, en ligne et dans un bureau de vote en mairie.",
        factors: &[
            "Des scénarios précis et chiffrés",
            "Le vote au jugement majoritaire, mieux accepté",
        ],
        vigilance: &["Définir à l'avance le corps électoral et la valeur du vote"],
        tips: &["Publier les règles du vote avant son ouverture"],
        budget: "10k_50k",
        months: 5,
        results: "Une participation de 18 % ; le scénario retenu est appliqué depuis.",
    },
    Story {
        tools: &["idea_box"],
        themes: &["buildings", "participation"],
        title: "Une boîte à idées pour le centre-bourg de {}",
        context: "La revitalisation du centre-bourg manquait d'idées venues des habitants.",
        approach: "Une boîte à idées en ligne et en papier, des soutiens pour faire émerger les idées les plus partagées, et une réponse de la commune à chacune.",
        factors: &[
            "Une boîte physique dans les commerces",
            "Des réponses rapides",
        ],
        vigilance: &["Les idées hors compétence communale : savoir les orienter"],
        tips: &["Regrouper les idées proches avant de répondre"],
        budget: "lt_10k",
        months: 3,
        results: "150 idées, dont une halle couverte aujourd'hui en chantier.",
    },
    Story {
        tools: &["consultation", "workshop"],
        themes: &["education", "buildings"],
        title: "Concevoir la rénovation d'une école avec ses usagers à {}",
        context: "L'école devait être rénovée et les usages avaient changé.",
        approach: "Élèves, parents, enseignants et agents ont participé à des ateliers de conception avec l'architecte avant le concours.",
        factors: &[
            "Des ateliers avec les enfants eux-mêmes",
            "Un programme revu après les ateliers",
        ],
        vigilance: &["Ne pas promettre ce que le budget ne permet pas"],
        tips: &["Faire visiter d'autres écoles rénovées"],
        budget: "10k_50k",
        months: 10,
        results: "Une cour végétalisée et des salles modulables demandées par les usagers.",
    },
    Story {
        tools: &["citizen_panel", "survey"],
        themes: &["lighting", "energy"],
        title: "Éteindre l'éclairage la nuit : un panel citoyen à {}",
        context: "L'extinction nocturne de l'éclairage public suscitait des craintes.",
        approach: "Un questionnaire à tous les foyers puis un panel de vingt habitants ont défini les rues et les horaires d'extinction, testés six mois.",
        factors: &[
            "Une expérimentation réversible",
            "Des mesures de consommation publiées",
        ],
        vigilance: &["Le sentiment d'insécurité : en parler franchement"],
        tips: &["Commencer par les zones d'activité"],
        budget: "lt_10k",
        months: 7,
        results: "40 % d'économie sur la facture d'éclairage ; l'extinction est maintenue.",
    },
    Story {
        tools: &["open_data", "workshop"],
        themes: &["data_iot", "e_administration"],
        title: "Ouvrir les données de la collectivité à {}",
        context: "Les données publiques étaient dispersées et peu réutilisées.",
        approach: "Un inventaire des données, une publication sous Licence Ouverte et des ateliers avec les réutilisateurs locaux.",
        factors: &[
            "Un référent données dans chaque service",
            "Des jeux de données demandés par les réutilisateurs",
        ],
        vigilance: &["Les données personnelles : les écarter dès l'inventaire"],
        tips: &["Publier peu mais à jour plutôt que beaucoup et périmé"],
        budget: "10k_50k",
        months: 9,
        results: "Quarante jeux de données publiés, trois applications locales les réutilisent.",
    },
    Story {
        tools: &["workshop", "public_meeting"],
        themes: &["digital_inclusion"],
        title: "Des ateliers numériques pour tous à {}",
        context: "Une partie des habitants n'arrivait plus à faire ses démarches en ligne.",
        approach: "Des ateliers hebdomadaires en médiathèque et en mairie, animés par des conseillers numériques et des bénévoles.",
        factors: &[
            "Des ateliers près de chez soi",
            "Un accompagnement individuel possible",
        ],
        vigilance: &["Ne pas faire les démarches à la place des personnes sans leur accord"],
        tips: &["S'appuyer sur les associations de quartier pour faire connaître les ateliers"],
        budget: "10k_50k",
        months: 12,
        results: "Près de 800 personnes accompagnées la première année.",
    },
];

/// Adds the demo experiences once, published, by the demo administrator.
pub async fn seed(kernel::demo::Demo { db, .. }: kernel::demo::Demo) -> Result<(), Error> {
    let Some(admin) = kernel::demo::admin(&db).await? else {
        return Ok(());
    };
    let any: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM experiences")
        .fetch_one(db.pool())
        .await?;
    if any > 0 {
        return Ok(());
    }
    for (n, code) in COMMUNES.iter().enumerate() {
        let Some(t) =
            kernel::territories::store::get(&db, kernel::territories::TerritoryKind::Commune, code)
                .await?
        else {
            continue;
        };
        let s = &STORIES[n % STORIES.len()];
        let list = |items: &[&str]| items.iter().map(|i| i.to_string()).collect::<Vec<_>>();
        let experience = ExperienceInput {
            title: s.title.replace("{}", &t.name),
            territory: format!("commune/{code}"),
            themes: list(s.themes),
            tools: list(s.tools),
            context: s.context.to_string(),
            approach: s.approach.to_string(),
            success_factors: list(s.factors),
            vigilance: list(s.vigilance),
            tips: list(s.tips),
            budget: s.budget.to_string(),
            duration_months: s.months,
            results: s.results.to_string(),
            contact_name: format!("Service participation de {}", t.name),
            contact_email: String::new(),
            contact_consent: n % 2 == 0,
            actors: Vec::new(),
            processes: Vec::new(),
            attachments: Vec::new(),
        };
        let e = store::submit(&db, &experience, &admin).await?;
        store::decide(&db, &e.id, true, "démonstration", &admin, &[]).await?;
    }
    Ok(())
}
