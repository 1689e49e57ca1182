//! Demo content: in Lannion, a process with a participatory map inside the town's perimeter
//! and an idea box, contributions with supports, comments and official answers; in
//! Montauban, an idea box for the town centre. Running it again changes nothing.

use crate::model::{
    AnswerFields, CategoryFields, ComponentFields, ContributionFields, PhaseFields, Process,
    ProcessComponent, ProcessFields,
};
use crate::store;
use crate::store::follows::Notices;
use kernel::Error;
use kernel::db::Db;

/// The demo citizens (kernel demo accounts) who contribute, comment and support.
const PEOPLE: [&str; 4] = [
    "camille.martin@demo.territoires.fr",
    "yann.le-gall@demo.territoires.fr",
    "agent.voirie@demo.territoires.fr",
    "admin@demo.territoires.fr",
];

/// Lannion's contributions: title, text, category (index), latitude, longitude.
const LANNION: [(&str, &str, usize, f64, f64); 16] = [
    (
        "Un abri vélo sécurisé à la gare",
        "Les arceaux actuels sont pleins dès 8 h. Un abri fermé, accessible avec la carte de transport, éviterait les vols.",
        0,
        48.7312,
        -3.4567,
    ),
    (
        "Passage piéton dangereux rue de Tréguier",
        "Les voitures arrivent vite dans la descente et le passage est mal éclairé le soir.",
        3,
        48.7351,
        -3.4601,
    ),
    (
        "Restaurer le lavoir de Loguivy",
        "Le lavoir est couvert de lierre ; un chantier participatif avec l'association du quartier pourrait le remettre en valeur.",
        2,
        48.7402,
        -3.4815,
    ),
    (
        "Des bancs le long du Léguer",
        "Entre le quai d'Aiguillon et la passerelle, il n'y a aucun endroit pour s'asseoir.",
        0,
        48.7325,
        -3.4622,
    ),
    (
        "Trottoir trop étroit avenue Ernest Renan",
        "Impossible de passer avec une poussette ou un fauteuil roulant quand les poubelles sont sorties.",
        1,
        48.7289,
        -3.4525,
    ),
    (
        "Un jardin partagé à Ker Uhel",
        "La pelouse derrière les immeubles pourrait accueillir des bacs potagers gérés par les habitants.",
        0,
        48.7458,
        -3.4703,
    ),
    (
        "Éclairage du parking de la piscine",
        "Le parking est plongé dans le noir l'hiver à la sortie des entraînements.",
        3,
        48.7267,
        -3.4469,
    ),
    (
        "Mettre en valeur les escaliers de Brélévenez",
        "Un parcours avec des panneaux sur l'histoire de l'église et des Templiers attirerait les visiteurs.",
        2,
        48.7381,
        -3.4548,
    ),
    (
        "Zone de rencontre place du Général Leclerc",
        "Partager la place entre piétons, vélos et voitures à 20 km/h rendrait le centre plus agréable.",
        0,
        48.7316,
        -3.4588,
    ),
    (
        "Nids-de-poule route de Perros",
        "Plusieurs trous profonds sur la piste cyclable, dangereux pour les vélos.",
        1,
        48.7498,
        -3.4631,
    ),
    (
        "Fontaine à eau au parc de Sainte-Anne",
        "Avec les chaleurs d'été, un point d'eau potable serait bienvenu près des jeux.",
        0,
        48.7336,
        -3.4498,
    ),
    (
        "Signalétique des chemins de randonnée",
        "Les balisages du GR34 vers le centre sont effacés à plusieurs endroits.",
        1,
        48.7411,
        -3.4662,
    ),
    (
        "Boîte à livres au marché",
        "Une boîte à livres près des halles, entretenue par la médiathèque.",
        0,
        48.7321,
        -3.4575,
    ),
    (
        "Ralentisseur devant l'école de Servel",
        "Les enfants traversent sans visibilité à la sortie de l'école.",
        3,
        48.7552,
        -3.4901,
    ),
    (
        "Ouvrir la chapelle Saint-Roch aux journées du patrimoine",
        "La chapelle est fermée toute l'année ; les habitants aimeraient la visiter.",
        2,
        48.7244,
        -3.4602,
    ),
    (
        "Stationnement vélo devant la médiathèque",
        "Il manque des arceaux, les vélos sont attachés aux grilles.",
        0,
        48.7330,
        -3.4560,
    ),
];

/// Idea box contributions (Lannion, not located): title, text.
const IDEAS: [(&str, &str); 6] = [
    (
        "Un conseil citoyen de la jeunesse",
        "Donner la parole aux 15-25 ans sur les projets de la ville, avec un petit budget à gérer.",
    ),
    (
        "Des horaires de bus plus tardifs",
        "Le dernier bus part trop tôt pour ceux qui travaillent en soirée.",
    ),
    (
        "Réparer plutôt que jeter",
        "Un repair café mensuel dans une salle municipale, avec des bénévoles.",
    ),
    (
        "Composteurs de quartier",
        "Des composteurs collectifs dans chaque quartier, avec un référent formé.",
    ),
    (
        "Fête des voisins soutenue par la ville",
        "Prêter tables et chaises aux associations de quartier pour la fête des voisins.",
    ),
    (
        "Cours de numérique pour les seniors",
        "Des ateliers à la médiathèque pour aider à faire les démarches en ligne.",
    ),
];

const COMMENTS: [&str; 6] = [
    "Tout à fait d'accord, c'est un vrai problème au quotidien.",
    "Bonne idée ! Il faudrait en parler au conseil de quartier.",
    "Je passe là tous les jours : je confirme.",
    "Et pourquoi pas un essai pendant l'été pour voir ?",
    "Attention au coût d'entretien, mais l'idée me plaît.",
    "Merci pour cette proposition.",
];

/// Adds the demo processes (when their spaces exist and the processes do not).
pub async fn seed(demo: kernel::demo::Demo) -> Result<(), Error> {
    let db = demo.db.clone();
    let mut people = Vec::new();
    for email in PEOPLE {
        let email = kernel::accounts::Email::parse(email)?;
        if let Some(u) = kernel::accounts::store::user_by_email(&db, &email).await? {
            people.push(u.id);
        }
    }
    if people.is_empty() {
        return Ok(());
    }
    lannion(&demo, &people).await?;
    montauban(&demo, &people).await
}

/// The demo's process `fields.slug` in the space `space`, created when missing, published and
/// with a banner in the space's colour; `None` when the space does not exist or the process
/// existed already (other components' demo content makes its processes with it).
pub async fn new_process(
    demo: &kernel::demo::Demo,
    space: &str,
    fields: ProcessFields,
) -> Result<Option<Process>, Error> {
    let db = &demo.db;
    let Some(space) = kernel::spaces::store::get_by_slug(db, space).await? else {
        return Ok(None);
    };
    if store::get_by_slug(db, &space.slug, &fields.slug)
        .await?
        .is_some()
    {
        return Ok(None);
    }
    let input = fields.parse()?;
    let created = store::create(db, &space.id, &input, "demo").await?;
    // The demo's processes are public, each with its image.
    store::publish(db, &created.id, "demo").await?;
    let seed = created
        .slug
        .bytes()
        .fold(0u64, |h, b| h.wrapping_mul(31) + u64::from(b));
    let banner = kernel::demo::banner(&space.accent_color, seed);
    let image = demo.uploads.put_image("image", &banner, 1600).await?;
    store::set_image(db, &created.id, &image).await?;
    Ok(store::get(db, &created.id).await?)
}

async fn component(
    db: &Db,
    process: &Process,
    kind: &str,
    title: &str,
    phases: Vec<String>,
) -> Result<ProcessComponent, Error> {
    let all = store::phases(db, &process.id).await?;
    let fields = ComponentFields {
        kind: kind.into(),
        title: title.into(),
        phases,
        ..ComponentFields::fresh()
    };
    let id = store::add_component(db, &process.id, &fields.parse(&all)?, "demo").await?;
    store::component(db, &id).await?.ok_or(Error::NotFound)
}

/// Adds a contribution with a few comments, supports and, for some, an answer.
async fn contribute(
    db: &Db,
    process: &Process,
    component: &ProcessComponent,
    people: &[String],
    n: usize,
    fields: ContributionFields,
) -> Result<(), Error> {
    let categories = store::categories(db, &component.id).await?;
    let input = fields.parse(component, &categories, process.perimeter.as_ref())?;
    let author = &people[n % people.len()];
    let quiet = |_: &str| Notices::default();
    let (id, _) =
        store::contributions::create(db, (process, component), author, &input, quiet).await?;
    let c = store::contributions::get(db, &id)
        .await?
        .ok_or(Error::NotFound)?;
    for (i, who) in people
        .iter()
        .enumerate()
        .filter(|(i, _)| !(i + n).is_multiple_of(3))
    {
        if who != author {
            store::contributions::support(db, &c, who, 0).await?;
        }
        if i < n % 4 {
            let key = kernel::ids::sha256_hex(format!("{id}/{i}").as_bytes())[..32].to_string();
            let body = COMMENTS[(n + i) % COMMENTS.len()];
            let quiet = Notices::default();
            let first = store::comments::add(db, (&id, None), who, (body, &key), &quiet).await?;
            if i == 0 && n.is_multiple_of(2) {
                let key =
                    kernel::ids::sha256_hex(format!("{id}/reply").as_bytes())[..32].to_string();
                let reply = "Merci pour votre retour !";
                let on = (id.as_str(), Some(first.as_str()));
                store::comments::add(db, on, author, (reply, &key), &quiet).await?;
            }
        }
    }
    let answer = match n % 5 {
        1 => Some((
            "studying",
            "La proposition est transmise au service concerné pour étude.",
            "0",
        )),
        2 => Some((
            "accepted",
            "La proposition est retenue et sera inscrite au programme de travaux de l'an prochain.",
            "20",
        )),
        3 => Some((
            "implemented",
            "C'est fait ! Merci pour cette proposition.",
            "100",
        )),
        _ => None,
    };
    if let Some((state, text, progress)) = answer {
        let a = AnswerFields {
            state: state.into(),
            text: text.into(),
            progress: progress.into(),
        }
        .parse()?;
        store::contributions::answer(db, &id, &a, "demo", &Notices::default()).await?;
    }
    Ok(())
}

fn key(n: usize) -> String {
    format!("{:032x}", 0xde00 + n)
}

async fn lannion(demo: &kernel::demo::Demo, people: &[String]) -> Result<(), Error> {
    let db = &demo.db;
    let Some(process) = new_process(
        demo,
        "lannion",
        ProcessFields {
            slug: "lannion-2030".into(),
            title: "Lannion 2030 : imaginons la ville ensemble".into(),
            summary: "Déposez vos idées et vos remarques sur la carte de la ville : aménagements, patrimoine, lieux dangereux. La ville répond à chacune.".into(),
            description: "La démarche se déroule en deux étapes : le dépôt des contributions, puis leur étude par les services et les élus.\n\nChaque contribution reçoit une réponse publique.".into(),
            themes: "cadre de vie, mobilité, patrimoine".into(),
            perimeter: "48.760, -3.500\n48.760, -3.420\n48.715, -3.420\n48.715, -3.500".into(),
        },
    )
    .await?
    else {
        return Ok(());
    };
    let today = kernel::clock::local_date(kernel::ids::now_ms());
    let day = |d: i64| (today + time::Duration::days(d)).to_string();
    for (name, from, to) in [
        ("Dépôt des contributions", day(-30), day(60)),
        ("Étude et réponses", day(61), day(120)),
    ] {
        let input = PhaseFields {
            name: name.into(),
            starts_on: from,
            ends_on: to,
            ..Default::default()
        }
        .parse()?;
        store::add_phase(db, &process.id, &input, "demo").await?;
    }
    let phases = store::phases(db, &process.id).await?;
    let map = component(
        db,
        &process,
        "map",
        "Carte participative",
        vec![phases[0].id.clone()],
    )
    .await?;
    for (name, colour, icon) in [
        ("Idée", "#1f6feb", "idea"),
        ("Problème", "#bf3989", "problem"),
        ("Patrimoine", "#8250df", "heritage"),
        ("Danger", "#cf222e", "danger"),
    ] {
        let input = CategoryFields {
            name: name.into(),
            colour: colour.into(),
            icon: icon.into(),
        }
        .parse()?;
        store::add_category(db, &map.id, &input, "demo").await?;
    }
    let categories = store::categories(db, &map.id).await?;
    for (n, (title, body, cat, lat, lon)) in LANNION.iter().enumerate() {
        let fields = ContributionFields {
            title: (*title).into(),
            body: (*body).into(),
            category: categories[*cat].id.clone(),
            lat: lat.to_string(),
            lon: lon.to_string(),
            form_key: key(n),
            ..Default::default()
        };
        contribute(db, &process, &map, people, n, fields).await?;
    }
    let ideas = component(db, &process, "ideas", "Boîte à idées", Vec::new()).await?;
    for (n, (title, body)) in IDEAS.iter().enumerate() {
        let fields = ContributionFields {
            title: (*title).into(),
            body: (*body).into(),
            form_key: key(100 + n),
            ..Default::default()
        };
        contribute(db, &process, &ideas, people, n + 1, fields).await?;
    }
    Ok(())
}

async fn montauban(demo: &kernel::demo::Demo, people: &[String]) -> Result<(), Error> {
    let db = &demo.db;
    let Some(process) = new_process(
        demo,
        "montauban",
        ProcessFields {
            slug: "coeur-de-ville".into(),
            title: "Cœur de ville : vos idées".into(),
            summary:
                "Comment rendre le centre historique plus vivant ? Proposez, soutenez, commentez."
                    .into(),
            themes: "commerce, cadre de vie".into(),
            ..Default::default()
        },
    )
    .await?
    else {
        return Ok(());
    };
    let ideas = component(
        db,
        &process,
        "ideas",
        "Boîte à idées du centre-ville",
        Vec::new(),
    )
    .await?;
    for (n, (title, body)) in [
        (
            "Un marché de producteurs le soir",
            "Un marché en fin de journée place Nationale, l'été, pour ceux qui travaillent.",
        ),
        (
            "Végétaliser la place Nationale",
            "Des arbres en bacs et des tonnelles pour l'ombre sous les arcades.",
        ),
        (
            "Navette électrique gratuite",
            "Une petite navette entre les parkings et le centre historique.",
        ),
        (
            "Vitrines vides pour les artistes",
            "Prêter les vitrines vacantes aux artistes et artisans locaux.",
        ),
    ]
    .iter()
    .enumerate()
    {
        let fields = ContributionFields {
            title: (*title).into(),
            body: (*body).into(),
            form_key: key(200 + n),
            ..Default::default()
        };
        contribute(db, &process, &ideas, people, n, fields).await?;
    }
    Ok(())
}
