//! Demo content: some fifty actors of the innovation ecosystem in real communes (fablabs,
//! tiers-lieux, technopoles, civic-tech companies, smart-city companies…), published, and
//! `scale(n)` for n more with generated names. Running `seed` again changes nothing.

use crate::actor::{ActorFields, taxonomy};
use crate::store;
use kernel::Error;
use kernel::db::Db;

/// Real communes: INSEE code, name, and the position of their centre.
const COMMUNES: &[(&str, &str, f64, f64)] = &[
    ("22113", "Lannion", 48.7326, -3.4566),
    ("82121", "Montauban", 44.0176, 1.3550),
    ("31555", "Toulouse", 43.6045, 1.4440),
    ("35238", "Rennes", 48.1113, -1.6800),
    ("44109", "Nantes", 47.2184, -1.5536),
    ("33063", "Bordeaux", 44.8378, -0.5792),
    ("69123", "Lyon", 45.7640, 4.8357),
    ("38185", "Grenoble", 45.1885, 5.7245),
    ("59350", "Lille", 50.6292, 3.0573),
    ("67482", "Strasbourg", 48.5734, 7.7521),
    ("34172", "Montpellier", 43.6108, 3.8767),
    ("13055", "Marseille", 43.2965, 5.3698),
    ("29019", "Brest", 48.3904, -4.4861),
    ("22278", "Saint-Brieuc", 48.5141, -2.7603),
    ("81004", "Albi", 43.9289, 2.1464),
    ("12202", "Rodez", 44.3506, 2.5750),
    ("21231", "Dijon", 47.3220, 5.0415),
    ("63113", "Clermont-Ferrand", 45.7772, 3.0870),
    ("87085", "Limoges", 45.8336, 1.2611),
    ("86194", "Poitiers", 46.5802, 0.3404),
    ("37261", "Tours", 47.3941, 0.6848),
    ("49007", "Angers", 47.4784, -0.5632),
    ("14118", "Caen", 49.1829, -0.3707),
    ("76540", "Rouen", 49.4432, 1.0999),
    ("57463", "Metz", 49.1193, 6.1757),
    ("25056", "Besançon", 47.2378, 6.0241),
    ("45234", "Orléans", 47.9030, 1.9093),
    ("64445", "Pau", 43.2951, -0.3708),
    ("66136", "Perpignan", 42.6887, 2.8948),
    ("30189", "Nîmes", 43.8367, 4.3601),
    ("74010", "Annecy", 45.8992, 6.1294),
];

/// A demo actor: name pattern, kind, themes, activities, publics, short description.
type DemoActor = (
    &'static str,
    &'static str,
    &'static [&'static str],
    &'static [&'static str],
    &'static [&'static str],
    &'static str,
);

/// The demo actors: name pattern (`{}` is the commune), kind, themes, activities, publics,
/// short description.
const ACTORS: &[DemoActor] = &[
    (
        "Fablab de {}",
        "fablab",
        &["education", "data_iot"],
        &["training", "equipment"],
        &["citizens", "students"],
        "Un atelier de fabrication numérique ouvert à tous : impression 3D, découpe laser, électronique.",
    ),
    (
        "Technopole {}",
        "accelerator",
        &["data_iot", "mobility"],
        &["coaching", "networking", "events"],
        &["startups", "smes"],
        "La technopole accompagne les entreprises innovantes du territoire, de l'idée à la croissance.",
    ),
    (
        "La Fabrique citoyenne de {}",
        "civic_tech",
        &["participation", "e_administration"],
        &["experimentation"],
        &["public_bodies"],
        "Des outils numériques libres pour la participation citoyenne des collectivités.",
    ),
    (
        "Tiers-lieu La Coopérative ({})",
        "third_place",
        &["digital_inclusion", "culture_tourism"],
        &["events", "training", "equipment"],
        &["citizens"],
        "Un tiers-lieu associatif : café, atelier partagé, permanences numériques et coworking.",
    ),
    (
        "{} Smart Lumière",
        "company",
        &["lighting", "energy"],
        &["experimentation"],
        &["public_bodies"],
        "Éclairage public intelligent : détection de présence et télégestion pour réduire la consommation.",
    ),
    (
        "Incubateur universitaire de {}",
        "incubator",
        &["health", "education"],
        &["coaching", "funding"],
        &["students", "startups"],
        "L'incubateur accompagne les projets d'entreprise issus des laboratoires et des étudiants.",
    ),
    (
        "Living Lab Mobilités {}",
        "living_lab",
        &["mobility", "environment"],
        &["experimentation", "events"],
        &["citizens", "public_bodies", "startups"],
        "Un laboratoire à ciel ouvert pour tester avec les habitants de nouveaux services de mobilité.",
    ),
    (
        "Espace de coworking Le Quai ({})",
        "coworking",
        &["digital_inclusion"],
        &["networking", "equipment"],
        &["smes", "startups"],
        "Des bureaux partagés en centre-ville, une salle de réunion et des événements chaque mois.",
    ),
    (
        "{} Eau Connectée",
        "company",
        &["water", "data_iot"],
        &["experimentation"],
        &["public_bodies", "large_groups"],
        "Capteurs et tableaux de bord pour suivre les fuites et la qualité des réseaux d'eau.",
    ),
    (
        "Association Concertation et Territoires ({})",
        "participation_consultancy",
        &["participation"],
        &["training", "coaching"],
        &["public_bodies"],
        "Conseil et formation pour conduire des démarches de concertation et des budgets participatifs.",
    ),
    (
        "Pôle Déchets et Économie circulaire de {}",
        "cluster",
        &["waste", "environment"],
        &["networking", "events"],
        &["smes", "large_groups"],
        "Le pôle fédère entreprises et collectivités autour du réemploi et du tri des déchets.",
    ),
    (
        "Laboratoire Ville et Données ({})",
        "research_lab",
        &["data_iot", "buildings"],
        &["experimentation"],
        &["public_bodies", "students"],
        "Recherche sur les données urbaines ouvertes et les jumeaux numériques des villes.",
    ),
    (
        "Pépinière ESS de {}",
        "ess_nursery",
        &["participation", "digital_inclusion"],
        &["coaching", "funding"],
        &["startups", "citizens"],
        "Hébergement et accompagnement des jeunes entreprises de l'économie sociale et solidaire.",
    ),
    (
        "{} Énergies Partagées",
        "company",
        &["energy", "buildings"],
        &["funding"],
        &["citizens", "public_bodies"],
        "Centrales solaires citoyennes sur les toits des bâtiments publics, financées par les habitants.",
    ),
    (
        "Hub numérique de {}",
        "innovation_hub",
        &["digital_inclusion", "e_administration"],
        &["training", "networking"],
        &["public_bodies", "citizens"],
        "Le hub forme les médiateurs numériques et outille les collectivités pour l'inclusion numérique.",
    ),
    (
        "Service Innovation de {}",
        "public_body",
        &["e_administration", "participation"],
        &["experimentation", "events"],
        &["citizens"],
        "L'équipe d'innovation publique de la ville expérimente de nouveaux services avec les usagers.",
    ),
];

/// The form of one demo actor in a commune, `n` varying what varies.
fn fields(pattern: usize, commune: usize, n: usize) -> ActorFields {
    let (name, kind, themes, activities, publics, short) = ACTORS[pattern % ACTORS.len()];
    let (code, town, lat, lon) = COMMUNES[commune % COMMUNES.len()];
    // Spread around the centre (up to about 1.5 km), the same every run.
    let jitter = |k: usize| ((k * 7919 + n * 104_729) % 2000) as f64 / 2000.0 - 0.5;
    let mut pairs: Vec<(String, String)> = vec![
        ("name".into(), name.replace("{}", town)),
        ("kind".into(), kind.into()),
        ("short_description".into(), short.into()),
        (
            "description".into(),
            format!("{short}\n\nContact et horaires sur notre site."),
        ),
        ("website".into(), format!("https://exemple.fr/{}", n + 1)),
        (
            "address".into(),
            format!("{} rue de la République", 1 + n % 80),
        ),
        ("commune".into(), code.into()),
        ("lat".into(), format!("{:.5}", lat + jitter(1) * 0.025)),
        ("lon".into(), format!("{:.5}", lon + jitter(2) * 0.035)),
        ("opening_hours".into(), "Mo-Fr 09:00-18:00".into()),
        ("source".into(), "Données de démonstration".into()),
    ];
    if n.is_multiple_of(3) {
        pairs.push((
            "social".into(),
            format!("https://social.exemple.fr/@acteur{}", n + 1),
        ));
    }
    for (list, codes) in [
        ("themes", themes),
        ("activities", activities),
        ("publics", publics),
    ] {
        pairs.extend(codes.iter().map(|c| (list.to_string(), c.to_string())));
    }
    ActorFields::from_pairs(&pairs)
}

/// Proposes and publishes one actor; skipped when its commune is not in the referential.
async fn add(db: &Db, by: &str, f: &ActorFields) -> Result<bool, Error> {
    Ok(add_actor(db, by, f).await?.is_some())
}

/// Proposes and publishes one actor, returning its id; none when its commune is not in the
/// referential.
async fn add_actor(db: &Db, by: &str, f: &ActorFields) -> Result<Option<String>, Error> {
    if store::place_of(db, f.get("commune")).await?.is_none() {
        return Ok(None);
    }
    let input = store::parse_actor(db, &crate::terms::Taxonomy::seeded(), f).await??;
    let actor = store::propose(db, &input, by).await?;
    store::decide(db, &actor.id, true, "démonstration", by, &[]).await?;
    Ok(Some(actor.id))
}

/// A demo offer: title, themes, sizes of territory, status, description.
type DemoOffer = (
    &'static str,
    &'static [&'static str],
    &'static [&'static str],
    &'static str,
    &'static str,
);

/// The demo offers.
const OFFERS: &[DemoOffer] = &[
    (
        "Plateforme de participation citoyenne",
        &["participation", "e_administration"],
        &["2k_10k", "10k_50k", "50k_200k"],
        "available",
        "Consultations, boîtes à idées et budgets participatifs en ligne, hébergés en France, avec un accompagnement au lancement.",
    ),
    (
        "Éclairage public piloté à la demande",
        &["lighting", "energy"],
        &["lt_2k", "2k_10k", "10k_50k"],
        "available",
        "Des luminaires qui baissent la nuit et s'allument au passage : jusqu'à 60 % d'énergie en moins.",
    ),
    (
        "Capteurs de qualité de l'air dans les écoles",
        &["health", "data_iot", "education"],
        &["10k_50k", "50k_200k", "gt_200k"],
        "pilot",
        "Des capteurs de CO2 et de particules dans les classes, les données ouvertes sur un tableau de bord public.",
    ),
    (
        "Télérelève des compteurs d'eau",
        &["water", "data_iot"],
        &["2k_10k", "10k_50k", "50k_200k"],
        "development",
        "Détecter les fuites en quelques heures grâce à la relève à distance des compteurs.",
    ),
];

/// Adds one or two offers to a demo company, deployed in its commune and a neighbour's.
async fn add_offers(db: &Db, by: &str, actor_id: &str, n: usize) -> Result<(), Error> {
    for k in 0..=(n % 2) {
        let (title, themes, sizes, status, description) = OFFERS[(n + k) % OFFERS.len()];
        let references = [n % COMMUNES.len(), (n * 3 + 1) % COMMUNES.len()]
            .iter()
            .map(|i| format!("commune/{}", COMMUNES[*i].0))
            .collect::<Vec<_>>();
        let mut refs: Vec<String> = Vec::new();
        for r in references {
            let code = &r["commune/".len()..];
            if !refs.contains(&r) && store::place_of(db, code).await?.is_some() {
                refs.push(r);
            }
        }
        let offer = crate::offers::OfferInput {
            title: title.to_string(),
            themes: themes.iter().map(|t| t.to_string()).collect(),
            description: description.to_string(),
            sizes: sizes.iter().map(|t| t.to_string()).collect(),
            references: refs,
            status: status.to_string(),
        };
        crate::offers::create(db, actor_id, &offer, by).await?;
    }
    Ok(())
}

/// Adds the demo actors once: each kind of actor in a few communes (about fifty).
pub async fn seed(kernel::demo::Demo { db, .. }: kernel::demo::Demo) -> Result<(), Error> {
    let Some(by) = kernel::demo::admin(&db).await? else {
        return Ok(());
    };
    let any: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM actors WHERE source = 'Données de démonstration'")
            .fetch_one(db.pool())
            .await?;
    if any > 0 {
        return Ok(());
    }
    for n in 0..48 {
        let f = fields(n, n * 7 + n / ACTORS.len(), n);
        let sells = matches!(
            f.get("kind"),
            "company" | "civic_tech" | "participation_consultancy"
        );
        if let Some(id) = add_actor(&db, &by, &f).await?
            && sells
        {
            add_offers(&db, &by, &id, n).await?;
        }
    }
    Ok(())
}

/// The source of generated actors.
const GENERATED: &str = "Données de démonstration générées";

/// Makes `n` generated actors exist (names, kinds and themes varied, in real communes): adds
/// those missing, so that running it again adds nothing; `progress` is told after each.
pub async fn scale(db: &Db, n: usize, progress: &dyn Fn(usize)) -> Result<usize, Error> {
    let Some(by) = kernel::demo::admin(db).await? else {
        return Ok(0);
    };
    let start: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM actors WHERE source = $1")
        .bind(GENERATED)
        .fetch_one(db.pool())
        .await?;
    let mut added = 0;
    for i in 0..n.saturating_sub(start as usize) {
        let k = start as usize + i;
        let mut f = fields(k * 5 + 3, k * 11 + 1, k);
        let words = [
            "Nova",
            "Civitas",
            "Territoria",
            "Urbalab",
            "Kerlab",
            "Agora",
            "Solis",
            "Hydra",
        ];
        let kind = taxonomy::KINDS[k % taxonomy::KINDS.len()];
        for (key, v) in f.values.iter_mut() {
            match key.as_str() {
                "name" => *v = format!("{} {}", words[k % words.len()], v),
                "kind" => *v = kind.to_string(),
                "source" => *v = GENERATED.to_string(),
                _ => {}
            }
        }
        if add(db, &by, &f).await? {
            added += 1;
        }
        progress(i + 1);
    }
    Ok(added)
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_demo_actor_form_is_valid() {
        for n in 0..super::ACTORS.len() * 2 {
            let f = super::fields(n, n, n);
            let commune = f.get("commune").to_string();
            let departement = commune[..2].to_string();
            f.parse(&crate::terms::Taxonomy::seeded(), |c| {
                (c == commune).then(|| departement.clone())
            })
            .unwrap();
        }
    }
}
