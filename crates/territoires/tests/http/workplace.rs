//! "Mon espace de travail": staff land on it after signing in (unless they asked for a page),
//! citizens never see it, and its counters follow what waits at each desk and in each queue.

use crate::common::TestApp;
use crate::on_every_engine;
use kernel::accounts::Role;
use kernel::i18n::Lang;

/// Where signing in as `email` sends `client`, with the page asked for when there is one.
async fn landing(client: &TestApp, email: &str, next: Option<&str>) -> String {
    client.post_form("/logout", &[]).await;
    let mut fields = vec![("email", email), ("password", "Lannion-2026")];
    if let Some(next) = next {
        fields.push(("next", next));
    }
    let r = client.post_form("/login", &fields).await;
    assert_eq!(r.status(), 303, "sign-in of {email}");
    r.headers()["location"].to_str().unwrap().to_string()
}

on_every_engine!(
    staff_land_on_their_workplace_unless_they_asked_for_a_page,
    |app: TestApp| Box::pin(async move {
        let space = app
            .with_space("lannion", "Lannion participe", "commune/22113")
            .await;
        let (moderator, _) = app
            .signed_in("modo@lannion.bzh", "Modo", Role::Moderator, &space)
            .await;
        assert_eq!(
            landing(&moderator, "modo@lannion.bzh", None).await,
            "/workplace"
        );
        let (status, page) = moderator.get_text("/workplace").await;
        assert_eq!(status, 200);
        assert!(page.contains("Mon espace de travail"), "{page}");
        assert!(
            page.contains("href=\"/workplace\""),
            "the header links to it"
        );
        // A page asked for wins, and only an address of the platform is followed.
        assert_eq!(
            landing(&moderator, "modo@lannion.bzh", Some("/s/lannion")).await,
            "/s/lannion"
        );
        assert_eq!(
            landing(&moderator, "modo@lannion.bzh", Some("//ailleurs.example")).await,
            "/"
        );
        // A space's administrator manages it from there.
        let (admin, _) = app
            .signed_in("maire@lannion.bzh", "Maire", Role::SpaceAdmin, &space)
            .await;
        let (_, page) = admin.get_text("/workplace").await;
        assert!(page.contains("href=\"/s/lannion/admin\""), "{page}");
        // A citizen lands on the home page, never sees the link, and is refused the page.
        let citizen = app.other_client();
        citizen.register_and_login("anne@exemple.fr", "Anne").await;
        assert_eq!(landing(&citizen, "anne@exemple.fr", None).await, "/");
        let (status, page) = citizen.get_text("/s/lannion").await;
        assert_eq!(status, 200);
        assert!(!page.contains("href=\"/workplace\""));
        assert_eq!(citizen.get("/workplace").await.status(), 403);
        // Without a session, the sign-in page comes first.
        assert_eq!(app.other_client().get("/workplace").await.status(), 303);
    })
);

/// Files a pothole in Montauban through the demo's Open311 client, answering `danger` to « un
/// danger immédiat ? »; returns its id.
async fn file_pothole(app: &TestApp, danger: &str) -> String {
    let fields = [
        ("address_string", "2 rue de la Comédie"),
        ("description", "Un trou profond devant l'école."),
        ("attribute[DANGER]", danger),
    ];
    crate::reports::file_pothole(app, &fields).await
}

/// The number in the words of the card `title` of a workplace page (its first figure).
fn count_on(page: &str, title: &str) -> i64 {
    let card = page
        .split(title)
        .nth(1)
        .unwrap_or_else(|| panic!("no card {title}: {page}"));
    let count = card.split("class=\"count").nth(1).unwrap();
    let digits: String = count
        .chars()
        .skip_while(|c| !c.is_ascii_digit())
        .take_while(|c| c.is_ascii_digit() || *c == '\u{202f}')
        .filter(char::is_ascii_digit)
        .collect();
    digits.parse().unwrap()
}

/// The table of a page (the desk's, after its map).
fn table_of(page: &str) -> String {
    let start = page.find("<table").expect("a table");
    page[start..].to_string()
}

/// The open reports of the road team's categories, and the urgent ones among them.
async fn open_road_reports(app: &TestApp) -> (i64, i64) {
    let row: (i64, i64) = sqlx::query_as(
        "SELECT COUNT(*), COALESCE(SUM(CASE WHEN r.urgent <> 0 THEN 1 ELSE 0 END), 0) FROM reports r \
         JOIN report_categories c ON c.id = r.category_id JOIN report_teams t ON t.id = c.team_id \
         WHERE t.name = 'Service voirie' AND r.status IN ('new', 'acknowledged', 'in_progress')",
    )
    .fetch_one(app.state.db().pool())
    .await
    .unwrap();
    row
}

on_every_engine!(
    an_agents_workplace_counts_the_open_and_urgent_reports_of_their_team,
    |app: TestApp| Box::pin(async move {
        let space = crate::reports::montauban(&app).await;
        let (agent, agent_id) = app
            .signed_in("agent@montauban.fr", "Agent Voirie", Role::Agent, &space)
            .await;
        let teams = reports::store::teams(app.state.db(), &space).await.unwrap();
        let road = teams.iter().find(|t| t.name == "Service voirie").unwrap();
        reports::store::add_member(app.state.db(), &road.id, &agent_id)
            .await
            .unwrap();
        let (open, urgent) = open_road_reports(&app).await;
        assert!(
            open > 0 && urgent > 0,
            "the demo has open and urgent potholes"
        );
        let (status, page) = agent.get_text("/workplace").await;
        assert_eq!(status, 200);
        assert!(page.contains("Montauban signale"), "{page}");
        assert!(
            page.contains("href=\"/s/montauban/reports/desk\""),
            "{page}"
        );
        assert_eq!(count_on(&page, "Signalements à traiter"), open);
        assert!(page.contains(&format!("{urgent} urgent")), "{page}");
        assert!(page.contains("Le plus ancien : il y a "), "{page}");
        // A report filed now counts at once; one of another team's category does not.
        file_pothole(&app, "non").await;
        let (_, page) = agent.get_text("/workplace").await;
        assert_eq!(count_on(&page, "Signalements à traiter"), open + 1);
        assert!(page.contains(&format!("{urgent} urgent")), "{page}");
        file_pothole(&app, "oui").await;
        let (_, page) = agent.get_text("/workplace").await;
        assert_eq!(count_on(&page, "Signalements à traiter"), open + 2);
        assert!(page.contains(&format!("{} urgents", urgent + 1)), "{page}");
        // In English, with the same numbers.
        let (_, page) = agent.get_text("/lang/en?back=/workplace").await;
        let _ = page;
        let (_, page) = agent.get_text("/workplace").await;
        assert!(page.contains("My workplace"), "{page}");
        assert_eq!(count_on(&page, "Reports to handle"), open + 2);
    })
);

on_every_engine!(
    the_desk_lists_an_urgent_recent_report_above_an_old_ordinary_one,
    |app: TestApp| Box::pin(async move {
        let space = crate::reports::montauban(&app).await;
        let (agent, agent_id) = app
            .signed_in("agent@montauban.fr", "Agent Voirie", Role::Agent, &space)
            .await;
        let teams = reports::store::teams(app.state.db(), &space).await.unwrap();
        let road = teams.iter().find(|t| t.name == "Service voirie").unwrap();
        reports::store::add_member(app.state.db(), &road.id, &agent_id)
            .await
            .unwrap();
        let ordinary = file_pothole(&app, "non").await;
        let urgent = file_pothole(&app, "oui").await;
        let oldest: String = sqlx::query_scalar(
            "SELECT r.id FROM reports r JOIN report_categories c ON c.id = r.category_id \
             WHERE c.code = 'VOIRIE-02' AND r.urgent = 0 AND r.status IN ('new', 'acknowledged', 'in_progress') \
             ORDER BY r.created_at LIMIT 1",
        )
        .fetch_one(app.state.db().pool())
        .await
        .unwrap();
        let (status, desk) = agent.get_text("/s/montauban/reports/desk?status=").await;
        assert_eq!(status, 200);
        let desk = table_of(&desk);
        let at = |id: &str| {
            desk.find(&format!("/s/montauban/reports/{id}/handle"))
                .unwrap_or_else(|| panic!("{id} not on the desk"))
        };
        assert!(at(&urgent) < at(&oldest), "urgent first");
        assert!(at(&oldest) < at(&ordinary), "then the oldest");
        // Its place, its age in words, its priority and its status in words with a colour.
        let row = &desk[at(&urgent)..];
        let row = &row[..row.find("</tr>").unwrap()];
        assert!(row.contains("2 rue de la Comédie"), "{row}");
        assert!(row.contains("à l&#39;instant"), "{row}");
        assert!(row.contains("class=\"badge badge-urgent\">Urgent"), "{row}");
        assert!(row.contains("class=\"badge status-new\">Nouveau"), "{row}");
        // Without an address, the report is placed in its commune.
        let row = &desk[at(&oldest)..];
        let row = &row[..row.find("</tr>").unwrap()];
        assert!(row.contains("Montauban"), "{row}");
        assert!(row.contains("il y a "), "{row}");
        // Once closed, an urgent report no longer comes first.
        let r = agent
            .post_form(
                "/s/montauban/reports/desk/status",
                &[("report", urgent.as_str()), ("status", "resolved")],
            )
            .await;
        assert_eq!(r.status(), 303);
        let (_, desk) = agent.get_text("/s/montauban/reports/desk").await;
        let desk = table_of(&desk);
        let at = |id: &str| {
            desk.find(&format!("/s/montauban/reports/{id}/handle"))
                .unwrap()
        };
        assert!(
            at(&oldest) < at(&urgent),
            "a closed report comes after the open ones"
        );
        // The public page shows the same status in words and colour.
        let (_, public) = app
            .other_client()
            .get_text(&format!("/s/montauban/reports/{urgent}"))
            .await;
        assert!(
            public.contains("class=\"badge status-resolved\">Résolu"),
            "{public}"
        );
    })
);

on_every_engine!(
    a_moderators_workplace_counts_the_contributions_waiting_for_review,
    |app: TestApp| Box::pin(async move {
        let (_, component) = crate::participation::setup(&app, &[("moderated_before", "1")]).await;
        let idea = crate::participation::category(&app, &component, "Idée").await;
        let space = kernel::spaces::store::get_by_slug(app.state.db(), "lannion")
            .await
            .unwrap()
            .unwrap();
        let (moderator, _) = app
            .signed_in("modo@lannion.bzh", "Modo", Role::Moderator, &space.id)
            .await;
        let queue = "Modération des contributions";
        let (_, page) = moderator.get_text("/workplace").await;
        assert_eq!(count_on(&page, queue), 0);
        assert!(page.contains("href=\"/s/lannion/moderation\""), "{page}");
        assert!(page.contains("Rien ne vous attend"), "{page}");
        let anne = app.other_client();
        anne.register_and_login("anne@test.fr", "Anne").await;
        crate::participation::propose(
            &anne,
            &component,
            &idea,
            ("Une fontaine au parc", "Pour l'été."),
            ("48.7336", "-3.4498"),
            "0123456789abcdef0123456789abcdef",
        )
        .await;
        let (_, page) = moderator.get_text("/workplace").await;
        assert_eq!(count_on(&page, queue), 1);
        assert!(page.contains("1 élément vous attend."), "{page}");
        // The moderator of a space sees none of the instance's queues; its administrator does.
        assert!(!page.contains("Modération de la bibliothèque"), "{page}");
        let (_, page) = app.get_text("/workplace").await;
        assert_eq!(count_on(&page, queue), 1);
        assert_eq!(count_on(&page, "Modération de la bibliothèque"), 0);
        assert_eq!(count_on(&page, "Ressources proposées au réseau"), 0);
        assert!(page.contains("href=\"/directory/moderation\""), "{page}");
        assert!(page.contains("href=\"/admin\""), "{page}");
        // The dashboards count the same, with a link to each queue: the instance's all of
        // them, a space's its own.
        let (_, admin) = app.get_text("/admin").await;
        assert!(admin.contains("À traiter"), "{admin}");
        assert!(
            admin.contains("href=\"/s/lannion/moderation\">Modération des contributions</a> · Lannion participe : <span class=\"count\">1 contribution ou commentaire à examiner</span>"),
            "{admin}"
        );
        assert!(admin.contains("href=\"/library/moderation\""), "{admin}");
        let (_, space_admin) = app.get_text("/s/lannion/admin").await;
        assert!(
            space_admin.contains("href=\"/s/lannion/moderation\">Modération des contributions</a> : <span class=\"count\">1 contribution"),
            "{space_admin}"
        );
        assert!(
            !space_admin.contains("/library/moderation"),
            "{space_admin}"
        );
    })
);

/// The card `title` of a workplace page, up to its end.
fn card<'a>(page: &'a str, title: &str) -> &'a str {
    let start = page
        .find(title)
        .unwrap_or_else(|| panic!("no card {title}: {page}"));
    let card = &page[start..];
    &card[..card.find("</li>").unwrap()]
}

/// The id of the space `slug`.
async fn space_id(app: &TestApp, slug: &str) -> String {
    kernel::spaces::store::get_by_slug(app.state.db(), slug)
        .await
        .unwrap()
        .unwrap()
        .id
}

on_every_engine!(
    a_space_administrator_counts_the_processes_being_prepared_until_published,
    |app: TestApp| Box::pin(async move {
        let first = app
            .with_draft_process("avenir", "L'avenir du centre-ville")
            .await;
        let space = space_id(&app, "lannion").await;
        let (mayor, _) = app
            .signed_in("maire@lannion.bzh", "Maire", Role::SpaceAdmin, &space)
            .await;
        let (moderator, _) = app
            .signed_in("modo@lannion.bzh", "Modo", Role::Moderator, &space)
            .await;
        let queue = "Démarches en préparation";
        let (_, page) = mayor.get_text("/workplace").await;
        assert_eq!(count_on(&page, queue), 1);
        assert!(
            card(&page, queue).contains("1 démarche en brouillon"),
            "{page}"
        );
        assert!(
            page.contains(&format!("<a href=\"/s/lannion\">{queue}</a>")),
            "it leads to the space's page, which lists its processes: {page}"
        );
        assert!(card(&page, queue).contains("Le plus ancien : à l&#39;instant"));
        let r = app
            .post_form(
                "/s/lannion/processes/new",
                &[("title", "Budget participatif 2027"), ("slug", "budget")],
            )
            .await;
        assert_eq!(r.status(), 303);
        let (_, page) = mayor.get_text("/workplace").await;
        assert_eq!(count_on(&page, queue), 2);
        assert!(page.contains("2 éléments vous attendent."), "{page}");
        // Published, a process no longer waits; the queue stays, empty, while the space has any.
        let r = app.post_form(&format!("{first}/publish"), &[]).await;
        assert_eq!(r.status(), 303);
        let (_, page) = mayor.get_text("/workplace").await;
        assert_eq!(count_on(&page, queue), 1);
        let r = app
            .post_form("/s/lannion/processes/budget/publish", &[])
            .await;
        assert_eq!(r.status(), 303);
        let (_, page) = mayor.get_text("/workplace").await;
        assert_eq!(count_on(&page, queue), 0);
        assert!(
            card(&page, queue).contains("0 démarche en brouillon"),
            "{page}"
        );
        // A moderator prepares no process; in English, the same queue in its words.
        let (_, page) = moderator.get_text("/workplace").await;
        assert!(!page.contains(queue), "{page}");
        let r = app
            .post_form(
                "/s/lannion/processes/new",
                &[("title", "Plan vélo"), ("slug", "velo")],
            )
            .await;
        assert_eq!(r.status(), 303);
        mayor.get_text("/lang/en?back=/workplace").await;
        let (_, page) = mayor.get_text("/workplace").await;
        assert_eq!(count_on(&page, "Processes being prepared"), 1);
        assert!(page.contains("1 draft process"), "{page}");
    })
);

/// A vote of the process at `process`, created through its form by the administrator's client
/// and left a draft, opening in two hours, closing in two days, with one question; returns its
/// address.
async fn draft_vote(app: &TestApp, process: &str, title: &str) -> String {
    let at = |hours: i64| kernel::clock::form_value(kernel::ids::now_ms() + hours * 3_600_000);
    let (opens, closes) = (at(2), at(48));
    let r = app
        .post_form(
            &format!("{process}/votes/new"),
            &[
                ("kind", "votation"),
                ("title", title),
                ("eligibility", "accounts"),
                ("opens_at", opens.as_str()),
                ("closes_at", closes.as_str()),
            ],
        )
        .await;
    let url = crate::common::redirected_to(r)
        .await
        .trim_end_matches("/admin")
        .to_string();
    let r = app
        .post_form(
            &format!("{url}/admin/questions"),
            &[
                ("title", "Quels horaires ?"),
                ("method", "single"),
                ("options", "Matin\nSoir"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    url
}

/// The vote at `url`, as stored.
async fn stored_vote(app: &TestApp, url: &str) -> votes::model::Votation {
    let id = url.rsplit('/').next().unwrap();
    votes::store::get(app.state.db(), id)
        .await
        .unwrap()
        .unwrap()
}

on_every_engine!(
    a_votes_preparers_follow_it_from_draft_to_open_with_its_ballots_until_it_closes,
    |app: TestApp| Box::pin(async move {
        let process = app.with_process("avenir", "L'avenir du centre-ville").await;
        let url = draft_vote(&app, &process, "Horaires de la piscine").await;
        let space = space_id(&app, "lannion").await;
        let (mayor, _) = app
            .signed_in("maire@lannion.bzh", "Maire", Role::SpaceAdmin, &space)
            .await;
        let title = "Horaires de la piscine";
        let opens = kernel::clock::display(stored_vote(&app, &url).await.opens_at, Lang::Fr);
        let (_, page) = mayor.get_text("/workplace").await;
        assert!(
            page.contains(&format!("<a href=\"{url}/admin\">{title}</a>")),
            "{page}"
        );
        let vote = card(&page, title);
        assert!(vote.contains(">Brouillon<"), "{vote}");
        assert!(vote.contains(&format!("Ouverture le {opens}")), "{vote}");
        assert!(!vote.contains("bulletin"), "{vote}");
        // Published, it waits for its opening.
        let r = app.post_form(&format!("{url}/admin/publish"), &[]).await;
        assert_eq!(r.status(), 303);
        let (_, page) = mayor.get_text("/workplace").await;
        assert!(!card(&page, title).contains("Brouillon"), "{page}");
        // Open: until when, and the ballots cast so far, which are no work waiting.
        sqlx::query("UPDATE votations SET opens_at = $1 WHERE id = $2")
            .bind(kernel::ids::now_ms() - 1000)
            .bind(stored_vote(&app, &url).await.id)
            .execute(app.state.db().pool())
            .await
            .unwrap();
        let vote = stored_vote(&app, &url).await;
        let closes = kernel::clock::display(vote.closes_at, Lang::Fr);
        let (_, page) = mayor.get_text("/workplace").await;
        let card_of = card(&page, title);
        assert!(
            card_of.contains(&format!("Ouvert jusqu&#39;au {closes}")),
            "{card_of}"
        );
        assert!(card_of.contains("0 bulletin<"), "{card_of}");
        assert!(page.contains("Rien ne vous attend"), "{page}");
        let option = vote.questions[0].options[0].id.clone();
        for (n, email) in [(1, "lea@test.fr"), (2, "paul@test.fr")] {
            let voter = app.other_client();
            voter.register_and_login(email, "Votant").await;
            let r = voter
                .post_form(&format!("{url}/cast"), &[("q1", option.as_str())])
                .await;
            assert_eq!(r.status(), 200, "{:?}", r.text().await);
            let (_, page) = mayor.get_text("/workplace").await;
            let words = if n == 1 {
                "1 bulletin<"
            } else {
                "2 bulletins<"
            };
            assert!(card(&page, title).contains(words), "{page}");
        }
        mayor.get_text("/lang/en?back=/workplace").await;
        let (_, page) = mayor.get_text("/workplace").await;
        assert!(card(&page, title).contains("2 ballots<"), "{page}");
        // A moderator prepares no vote; once closed, the vote leaves the workplace.
        let (moderator, _) = app
            .signed_in("modo@lannion.bzh", "Modo", Role::Moderator, &space)
            .await;
        let (_, page) = moderator.get_text("/workplace").await;
        assert!(!page.contains(title), "{page}");
        let r = app.post_form(&format!("{url}/admin/close"), &[]).await;
        assert_eq!(r.status(), 303);
        let (_, page) = mayor.get_text("/workplace").await;
        assert!(!page.contains(title), "{page}");
    })
);

on_every_engine!(
    a_moderator_finds_each_conversation_with_statements_waiting_until_decided,
    |app: TestApp| Box::pin(async move {
        let process = app.with_process("avenir", "L'avenir du centre-ville").await;
        let url = crate::common::redirected_to(
            app.post_form(
                &format!("{process}/conversations/new"),
                &[
                    ("question", "Que changer au centre-ville ?"),
                    ("statements_allowed", "on"),
                    ("strict_moderation", "on"),
                ],
            )
            .await,
        )
        .await;
        let space = space_id(&app, "lannion").await;
        let (moderator, _) = app
            .signed_in("modo@lannion.bzh", "Modo", Role::Moderator, &space)
            .await;
        let queue = "Modération de la conversation « Que changer au centre-ville ? »";
        let (_, page) = moderator.get_text("/workplace").await;
        assert!(!page.contains(queue), "nothing waits: {page}");
        let lea = app.other_client();
        lea.register_and_login("lea@test.fr", "Léa").await;
        for body in ["Plus d'arbres sur les places.", "Un marché le dimanche."] {
            let r = lea
                .post_form(&format!("{url}/statements"), &[("body", body)])
                .await;
            assert_eq!(r.status(), 303, "{:?}", r.text().await);
        }
        let (_, page) = moderator.get_text("/workplace").await;
        assert_eq!(count_on(&page, queue), 2);
        assert!(
            page.contains(&format!("<a href=\"{url}/moderation\">{queue}</a>")),
            "{page}"
        );
        assert!(card(&page, queue).contains("2 propositions à modérer"));
        assert!(page.contains("2 éléments vous attendent."), "{page}");
        // Each decision takes one out; the conversation leaves once none waits.
        let waiting: Vec<String> = sqlx::query_scalar(
            "SELECT id FROM conversation_statements WHERE moderation = 0 ORDER BY tid",
        )
        .fetch_all(app.state.db().pool())
        .await
        .unwrap();
        for (id, decision, left) in [(&waiting[0], "accept", 1), (&waiting[1], "reject", 0)] {
            let r = moderator
                .post_form(&format!("{url}/moderation/{id}"), &[("decision", decision)])
                .await;
            assert_eq!(r.status(), 303);
            let (_, page) = moderator.get_text("/workplace").await;
            if left > 0 {
                assert_eq!(count_on(&page, queue), left);
            } else {
                assert!(!page.contains(queue), "{page}");
            }
        }
        // The moderator of another space sees none of this one's.
        let other = app
            .with_space("perros", "Perros-Guirec participe", "commune/22168")
            .await;
        let (stranger, _) = app
            .signed_in("modo@perros.bzh", "Modo", Role::Moderator, &other)
            .await;
        lea.post_form(&format!("{url}/statements"), &[("body", "Des bancs.")])
            .await;
        let (_, page) = moderator.get_text("/workplace").await;
        assert_eq!(count_on(&page, queue), 1);
        let (_, page) = stranger.get_text("/workplace").await;
        assert!(!page.contains("Que changer"), "{page}");
    })
);

on_every_engine!(
    a_space_follows_the_answers_its_open_challenges_receive_until_decided,
    |app: TestApp| Box::pin(async move {
        let admin = crate::lab::lannion_space(&app).await;
        let space = space_id(&app, "lannion").await;
        let anne = app.other_client();
        anne.register_and_login("anne@test.fr", "Anne").await;
        let eve = app.other_client();
        let eve_id = eve.register_and_login("eve@test.fr", "Ève").await;
        let lumiere = crate::lab::company(&app, &admin, &anne, "Lumière Trégor").await;
        let deadline = kernel::clock::form_value(kernel::ids::now_ms() + 30 * 86_400_000);
        let r = admin
            .post_multipart(
                "/s/lannion/challenges/new",
                &[
                    ("title", "Mieux éclairer nos rues"),
                    (
                        "need",
                        "Réduire la consommation de l'éclairage public sans nuire à la sécurité.",
                    ),
                    ("themes", "lighting"),
                    ("budget", "50k_200k"),
                    ("deadline", deadline.as_str()),
                    ("criteria", "Pertinence ; 75\nCoût ; 25"),
                    ("evaluators", "eve@test.fr"),
                ],
                &[],
            )
            .await;
        assert_eq!(r.status(), 303, "{:?}", r.text().await);
        let url = r.headers()["location"].to_str().unwrap().to_string();
        let (mayor, _) = app
            .signed_in("maire@lannion.bzh", "Maire", Role::SpaceAdmin, &space)
            .await;
        let queue = "Réponses à « Mieux éclairer nos rues »";
        let (_, page) = mayor.get_text("/workplace").await;
        assert_eq!(count_on(&page, queue), 0);
        assert!(
            page.contains(&format!("<a href=\"{url}/answers\">{queue}</a>")),
            "{page}"
        );
        let offer: String = sqlx::query_scalar("SELECT id FROM offers WHERE actor_id = $1")
            .bind(&lumiere)
            .fetch_one(app.state.db().pool())
            .await
            .unwrap();
        let r = anne
            .post_multipart(
                &format!("{url}/answer"),
                &[
                    ("actor", lumiere.as_str()),
                    ("summary", "Des luminaires qui baissent la nuit."),
                    (
                        "description",
                        "Détection de présence et pilotage à distance.",
                    ),
                    ("offer", offer.as_str()),
                    ("references", "Lannion"),
                    ("price", "10k_50k"),
                ],
                &[],
            )
            .await;
        assert_eq!(r.status(), 303, "{:?}", r.text().await);
        let (_, page) = mayor.get_text("/workplace").await;
        assert_eq!(count_on(&page, queue), 1);
        assert!(card(&page, queue).contains("1 réponse reçue"), "{page}");
        // Its evaluator finds it too, once staff; the moderator of the space does not.
        let other = app
            .with_space("perros", "Perros-Guirec participe", "commune/22168")
            .await;
        kernel::accounts::store::grant(
            app.state.db(),
            &eve_id,
            Role::Moderator,
            Some(&other),
            None,
        )
        .await
        .unwrap();
        let (_, page) = eve.get_text("/workplace").await;
        assert_eq!(count_on(&page, queue), 1);
        let (moderator, _) = app
            .signed_in("modo@lannion.bzh", "Modo", Role::Moderator, &space)
            .await;
        let (_, page) = moderator.get_text("/workplace").await;
        assert!(!page.contains("Mieux éclairer"), "{page}");
        // Decided, the challenge leaves the workplace.
        let answer: String = sqlx::query_scalar("SELECT id FROM challenge_answers")
            .fetch_one(app.state.db().pool())
            .await
            .unwrap();
        let r = admin
            .post_form(
                &format!("{url}/answers/{answer}/state"),
                &[("state", "selected")],
            )
            .await;
        assert_eq!(r.status(), 303);
        let r = admin
            .post_form(
                &format!("{url}/decide"),
                &[("outcome", "La solution de Lumière Trégor est retenue.")],
            )
            .await;
        assert_eq!(r.status(), 303);
        let (_, page) = mayor.get_text("/workplace").await;
        assert!(!page.contains("Mieux éclairer"), "{page}");
        // A citizen has no workplace.
        assert_eq!(anne.get("/workplace").await.status(), 403);
    })
);
