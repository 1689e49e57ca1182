//! The world the route table runs in: the demo content's items for the routes' parameters,
//! a client per role, and the status one of them gets.

use super::*;

/// What the demo content gives the routes' parameters.
pub(super) struct World {
    values: HashMap<&'static str, String>,
}

impl World {
    pub(super) async fn of(app: &TestApp) -> World {
        let db = app.state.db();
        let first = |sql: &'static str| async move {
            sqlx::query_scalar::<_, String>(sql)
                .fetch_optional(db.pool())
                .await
                .unwrap()
                .unwrap_or_else(|| "missing".into())
        };
        let mut values = HashMap::new();
        values.insert("space", "montauban".to_string());
        values.insert("space-b", "lannion".to_string());
        // A published contribution of Montauban, the one most commented, and its process and
        // component.
        let row: Option<(String, String, String)> = sqlx::query_as(
            "SELECT k.id, p.slug, c.id FROM contributions k \
             JOIN process_components c ON c.id = k.component_id \
             JOIN processes p ON p.id = c.process_id JOIN spaces s ON s.id = p.space_id \
             WHERE s.slug = 'montauban' AND k.state = 'published' \
             ORDER BY k.comments DESC, k.title",
        )
        .fetch_optional(db.pool())
        .await
        .unwrap();
        let (contribution, process, component) = row.expect("a contribution in the demo");
        values.insert("contribution", contribution);
        values.insert("process", process);
        values.insert("component", component);
        let comment: Option<String> = sqlx::query_scalar(
            "SELECT id FROM comments WHERE contribution_id = $1 ORDER BY body, created_at",
        )
        .bind(&values["contribution"])
        .fetch_optional(db.pool())
        .await
        .unwrap();
        values.insert("comment", comment.unwrap_or_else(|| "missing".into()));
        values.insert(
            "phase",
            first("SELECT ph.id FROM process_phases ph JOIN processes p ON p.id = ph.process_id JOIN spaces s ON s.id = p.space_id WHERE s.slug = 'montauban' ORDER BY p.slug, ph.starts_on").await,
        );
        values.insert(
            "report",
            first("SELECT r.id FROM reports r JOIN report_categories c ON c.id = r.category_id JOIN report_teams t ON t.id = c.team_id WHERE t.name = 'Service voirie' ORDER BY r.description").await,
        );
        // A challenge of Montauban with an answer, the answer, and the actor that gave it (whose
        // owner is a role).
        let answered: Option<(String, String, String, String)> = sqlx::query_as(
            "SELECT c.slug, a.id, ac.slug, ac.id FROM challenge_answers a \
             JOIN challenges c ON c.id = a.challenge_id JOIN spaces s ON s.id = c.space_id \
             JOIN actors ac ON ac.id = a.actor_id \
             WHERE s.slug = 'montauban' AND ac.state = 'published' ORDER BY c.title, a.summary",
        )
        .fetch_optional(db.pool())
        .await
        .unwrap();
        let (challenge, answer, actor, actor_id) = answered.expect("an answer in the demo");
        values.insert("challenge", challenge);
        values.insert("answer", answer);
        values.insert("actor", actor);
        values.insert("actor-id", actor_id);
        let offer: Option<String> =
            sqlx::query_scalar("SELECT id FROM offers WHERE actor_id = $1 ORDER BY title")
                .bind(&values["actor-id"])
                .fetch_optional(db.pool())
                .await
                .unwrap();
        values.insert("offer", offer.unwrap_or_else(|| "missing".into()));
        // The network's member of the world's actor (whose owner is a role) when it is one,
        // else the first member.
        let member: Option<String> = sqlx::query_scalar(
            "SELECT id FROM network_members WHERE state = 'published' \
             ORDER BY CASE WHEN actor_id = $1 THEN 0 ELSE 1 END, created_at, id",
        )
        .bind(&values["actor-id"])
        .fetch_optional(db.pool())
        .await
        .unwrap();
        values.insert("member", member.unwrap_or_else(|| "missing".into()));
        values.insert(
            "resource",
            first("SELECT id FROM network_resources WHERE state = 'published' ORDER BY title, id")
                .await,
        );
        // The demo's request for support (Lannion's, space B) and its chosen answer.
        values.insert(
            "network-request",
            first("SELECT id FROM network_requests ORDER BY created_at, id").await,
        );
        values.insert(
            "network-answer",
            first(
                "SELECT a.id FROM network_request_answers a \
                 JOIN network_requests r ON r.chosen_answer = a.id ORDER BY a.id",
            )
            .await,
        );
        values.insert(
            "experience",
            first("SELECT slug FROM experiences WHERE state = 'published' ORDER BY title").await,
        );
        values.insert(
            "experience-id",
            first("SELECT id FROM experiences WHERE state = 'published' ORDER BY title").await,
        );
        values.insert(
            "experience-revision",
            first("SELECT id FROM experience_revisions ORDER BY created_at, id").await,
        );
        values.insert(
            "actor-revision",
            first("SELECT id FROM actor_revisions ORDER BY created_at, id").await,
        );
        values.insert(
            "vote",
            first("SELECT v.id FROM votations v JOIN processes p ON p.id = v.process_id JOIN spaces s ON s.id = p.space_id WHERE s.slug = 'lannion' ORDER BY v.title").await,
        );
        values.insert(
            "option",
            first("SELECT o.id FROM vote_options o JOIN vote_questions q ON q.id = o.question_id JOIN votations v ON v.id = q.votation_id JOIN processes p ON p.id = v.process_id JOIN spaces s ON s.id = p.space_id WHERE s.slug = 'lannion' ORDER BY v.title, q.position, o.position").await,
        );
        values.insert(
            "question",
            first("SELECT q.id FROM vote_questions q JOIN votations v ON v.id = q.votation_id JOIN processes p ON p.id = v.process_id JOIN spaces s ON s.id = p.space_id WHERE s.slug = 'lannion' ORDER BY v.title, q.position").await,
        );
        values.insert(
            "vote-process",
            first("SELECT p.slug FROM votations v JOIN processes p ON p.id = v.process_id JOIN spaces s ON s.id = p.space_id WHERE s.slug = 'lannion' ORDER BY v.title").await,
        );
        values.insert(
            "conversation",
            first("SELECT c.id FROM conversations c JOIN processes p ON p.id = c.process_id JOIN spaces s ON s.id = p.space_id WHERE s.slug = 'lannion' ORDER BY c.created_at").await,
        );
        values.insert(
            "conversation-process",
            first("SELECT p.slug FROM conversations c JOIN processes p ON p.id = c.process_id JOIN spaces s ON s.id = p.space_id WHERE s.slug = 'lannion' ORDER BY c.created_at").await,
        );
        values.insert(
            "statement",
            first("SELECT st.id FROM conversation_statements st JOIN conversations c ON c.id = st.conversation_id JOIN processes p ON p.id = c.process_id JOIN spaces s ON s.id = p.space_id WHERE s.slug = 'lannion' AND st.moderation = 1 ORDER BY c.created_at, st.tid").await,
        );
        // The demo's network conversation, hosted by the world's member (whose owner is a
        // role), and one of its statements.
        sqlx::query("UPDATE conversations SET member_id = $1 WHERE member_id IS NOT NULL")
            .bind(&values["member"])
            .execute(db.pool())
            .await
            .unwrap();
        values.insert(
            "network-conversation",
            first("SELECT id FROM conversations WHERE member_id IS NOT NULL ORDER BY created_at")
                .await,
        );
        values.insert(
            "network-statement",
            first("SELECT st.id FROM conversation_statements st JOIN conversations c ON c.id = st.conversation_id WHERE c.member_id IS NOT NULL ORDER BY c.created_at, st.tid").await,
        );
        values.insert(
            "theme",
            first("SELECT code FROM directory_terms WHERE vocabulary = 'themes' ORDER BY code")
                .await,
        );
        values.insert(
            "vocabulary",
            first("SELECT vocabulary FROM directory_terms ORDER BY vocabulary, code").await,
        );
        values.insert(
            "term",
            first("SELECT code FROM directory_terms ORDER BY vocabulary, code").await,
        );
        // A change to the world's library report waiting for a moderator, proposed by its
        // author.
        sqlx::query(
            "INSERT INTO experience_revisions \
             (id, experience_id, base_revision, data, state, reason, by_user, created_at) \
             SELECT 'revision-of-the-routes', id, revision, data, 'pending', '', author, 0 \
             FROM experiences WHERE id = $1",
        )
        .bind(&values["experience-id"])
        .execute(db.pool())
        .await
        .unwrap();
        values.insert("experience-revision", "revision-of-the-routes".into());
        // A change to the world's network resource waiting for a moderator, by its author.
        sqlx::query(
            "INSERT INTO network_resource_revisions \
             (id, resource_id, base_revision, data, state, reason, by_user, created_at) \
             SELECT 'resource-revision-of-the-routes', id, revision, data, 'pending', '', \
             author, 0 FROM network_resources WHERE id = $1",
        )
        .bind(&values["resource"])
        .execute(db.pool())
        .await
        .unwrap();
        values.insert(
            "resource-revision",
            "resource-revision-of-the-routes".into(),
        );
        // A PDF attached to the world's challenge, its answer, its library report, its network
        // resource and their revisions, so that the rows of private files tell who may read
        // them.
        let file = format!("{}.pdf", "a".repeat(32));
        app.state
            .uploads()
            .files()
            .put_bytes(
                &kernel::uploads::FileKey::attachment(&file).unwrap(),
                b"%PDF-1.4\n%%EOF\n".to_vec().into(),
            )
            .await
            .unwrap();
        let list = serde_json::json!([{ "file": file, "name": "Annexe.pdf", "bytes": 16 }]);
        for (sql, id) in [
            (
                "UPDATE challenges SET attachments = $1 WHERE slug = $2",
                &values["challenge"],
            ),
            (
                "UPDATE challenge_answers SET attachments = $1 WHERE id = $2",
                &values["answer"],
            ),
        ] {
            sqlx::query(sql)
                .bind(list.to_string())
                .bind(id)
                .execute(db.pool())
                .await
                .unwrap();
        }
        for (table, id) in [
            ("experiences", &values["experience-id"]),
            ("experience_revisions", &values["experience-revision"]),
            ("network_resources", &values["resource"]),
            ("network_resource_revisions", &values["resource-revision"]),
        ] {
            let data: String = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
                "SELECT data FROM {table} WHERE id = $1"
            )))
            .bind(id)
            .fetch_one(db.pool())
            .await
            .unwrap();
            let mut data: serde_json::Value = serde_json::from_str(&data).unwrap();
            data["attachments"] = list.clone();
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "UPDATE {table} SET data = $1 WHERE id = $2"
            )))
            .bind(data.to_string())
            .bind(id)
            .execute(db.pool())
            .await
            .unwrap();
        }
        values.insert("attachment", file);
        World { values }
    }

    fn get(&self, key: &str) -> &str {
        self.values
            .get(key)
            .unwrap_or_else(|| panic!("the world has no {key}"))
    }

    /// The address a route's template takes in this world: each parameter is named after the
    /// segment before it.
    pub(super) fn address(&self, template: &str) -> String {
        let segments: Vec<&str> = template.split('/').collect();
        let mut out = Vec::new();
        for (i, seg) in segments.iter().enumerate() {
            let Some(param) = seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')) else {
                out.push(seg.to_string());
                continue;
            };
            let before = if i > 0 { segments[i - 1] } else { "" };
            let value: String = match (template, before, param) {
                (_, _, "*path") => "site.css".into(),
                (t, _, "space") if t.starts_with("/data/processes") => self.get("space").into(),
                (t, _, "process") if t.starts_with("/data/processes") => self.get("process").into(),
                (t, _, "file") if t.starts_with("/data/processes") => "contributions.csv".into(),
                (t, _, "file") if t.starts_with("/data/reports") => "reports.csv".into(),
                (t, _, "file") if t.starts_with("/open311") => match before {
                    "requests" => format!("{}.json", self.get("report")),
                    "services" => "services.json".into(),
                    "tokens" => "unknown.json".into(),
                    _ => "services.json".into(),
                },
                (_, "attachments", "file") => self.get("attachment").into(),
                (t, _, "file") if t.starts_with("/data/conversations") => "summary.csv".into(),
                (t, "s", _) if t.contains("/votes/") => self.get("space-b").into(),
                (t, "s", _) if t.contains("/conversations/") => self.get("space-b").into(),
                (_, "s", _) => self.get("space").into(),
                (t, "processes", _) if t.contains("/votes/") => self.get("vote-process").into(),
                (t, "processes", _) if t.contains("/conversations/") => {
                    self.get("conversation-process").into()
                }
                (_, "processes", _) => self.get("process").into(),
                (_, "c", _) => self.get("component").into(),
                (_, "contributions", _) => self.get("contribution").into(),
                (_, "comments", _) => self.get("comment").into(),
                (_, "phases", _) => self.get("phase").into(),
                (_, "confirm", _) | (_, "reset", _) | (_, "link", _) => "unknown-token".into(),
                // The suite's instance has no provider: a name is not found.
                (_, "auth", "name") => "franceconnect".into(),
                (_, "reports", _) => self.get("report").into(),
                (_, "challenges", _) => self.get("challenge").into(),
                (t, "requests", _) if t.starts_with("/commun") => {
                    self.get("network-request").into()
                }
                (t, "answers", _) if t.starts_with("/commun") => self.get("network-answer").into(),
                (_, "answers", _) => self.get("answer").into(),
                (_, "library", _) => self.get("experience").into(),
                (_, "experiences", _) => self.get("experience-id").into(),
                (t, "revisions", _) if t.starts_with("/library") => {
                    self.get("experience-revision").into()
                }
                (t, "revisions", _) if t.starts_with("/commun") => {
                    self.get("resource-revision").into()
                }
                (_, "revisions", _) => self.get("actor-revision").into(),
                (t, "actors", _) if t.starts_with("/directory/actors") => self.get("actor").into(),
                (_, "actors", _) => self.get("actor-id").into(),
                (_, "offers", _) => self.get("offer").into(),
                (_, "members", _) => self.get("member").into(),
                (_, "resources", _) => self.get("resource").into(),
                (_, "votes", _) => self.get("vote").into(),
                (t, "conversations", _) if t.starts_with("/commun") => {
                    self.get("network-conversation").into()
                }
                (_, "conversations", _) => self.get("conversation").into(),
                (t, "moderation", "statement") if t.starts_with("/commun") => {
                    self.get("network-statement").into()
                }
                (_, "moderation", "statement") => self.get("statement").into(),
                (_, "options", _) | (_, "projects", _) => self.get("option").into(),
                (_, "questions", _) => self.get("question").into(),
                (_, "outbox", _) => "unknown".into(),
                (_, "spaces", _) => self.get("space").into(),
                (_, "territories", "kind") => "commune".into(),
                (_, "{kind}", "code") => "82121".into(),
                (_, "themes", _) => self.get("theme").into(),
                (_, "taxonomy", _) => self.get("vocabulary").into(),
                (t, _, "code") if t.starts_with("/directory/taxonomy") => self.get("term").into(),
                (_, "lang", _) => "en".into(),
                (_, "uploads", _) => "missing.jpg".into(),
                (_, "moderation", "kind") => "contribution".into(),
                (_, "{kind}", "id") => self.get("contribution").into(),
                _ => panic!("no value for {{{param}}} in {template}: add it to World::address"),
            };
            // The value of a parameter may stand for several segments (a territory).
            out.push(value);
        }
        out.join("/")
    }
}

/// A role's client: its cookies, its CSRF token and its API token.
pub(super) struct Visitor {
    client: TestApp,
    csrf: String,
    api_token: Option<String>,
}

pub(super) async fn visitors(app: &TestApp, world: &World) -> Vec<Visitor> {
    use kernel::accounts::{Role, store};
    let db = app.state.db();
    let space = |slug: &'static str| async move {
        kernel::spaces::store::get_by_slug(db, slug)
            .await
            .unwrap()
            .unwrap()
            .id
    };
    let (a, b) = (space("montauban").await, space("lannion").await);
    let demo = |email: &'static str| async move {
        store::user_by_email(db, &kernel::accounts::Email::parse(email).unwrap())
            .await
            .unwrap()
            .unwrap()
            .id
    };
    let hash = kernel::accounts::hash_password(
        &kernel::accounts::Password::parse("Route-Role-2026").unwrap(),
    )
    .unwrap();
    let account = |email: &'static str| {
        let hash = hash.clone();
        async move {
            let id = store::create_user(
                db,
                &kernel::accounts::Email::parse(email).unwrap(),
                &hash,
                &kernel::accounts::DisplayName::parse(email.split('@').next().unwrap()).unwrap(),
                Default::default(),
            )
            .await
            .unwrap();
            sqlx::query("UPDATE users SET confirmed_at = $1 WHERE id = $2")
                .bind(kernel::ids::now_ms())
                .bind(&id)
                .execute(db.pool())
                .await
                .unwrap();
            id
        }
    };
    let citizen = account("citoyenne@routes.fr").await;
    let owner = account("proprietaire@routes.fr").await;
    sqlx::query("INSERT INTO actor_owners (actor_id, user_id) VALUES ($1, $2)")
        .bind(world.get("actor-id"))
        .bind(&owner)
        .execute(db.pool())
        .await
        .unwrap();
    let agent_a = demo("agent.voirie@demo.territoires.fr").await;
    let agent_b = account("agent.proprete@routes.fr").await;
    let cleaning: String =
        sqlx::query_scalar("SELECT id FROM report_teams WHERE name = 'Service propreté'")
            .fetch_one(db.pool())
            .await
            .unwrap();
    reports::store::add_member(db, &cleaning, &agent_b)
        .await
        .unwrap();
    store::grant(db, &agent_b, Role::Agent, Some(&a), None)
        .await
        .unwrap();
    let moderator = account("moderatrice@routes.fr").await;
    store::grant(db, &moderator, Role::Moderator, Some(&a), None)
        .await
        .unwrap();
    let admin_a = account("admin.montauban@routes.fr").await;
    store::grant(db, &admin_a, Role::SpaceAdmin, Some(&a), None)
        .await
        .unwrap();
    let admin_b = account("admin.lannion@routes.fr").await;
    store::grant(db, &admin_b, Role::SpaceAdmin, Some(&b), None)
        .await
        .unwrap();
    let admin = demo(kernel::demo::DEMO_ADMIN).await;
    let mut out = Vec::new();
    for user in [
        None,
        Some(citizen),
        Some(owner),
        Some(agent_a),
        Some(agent_b),
        Some(moderator),
        Some(admin_a),
        Some(admin_b),
        Some(admin),
    ] {
        let client = app.other_client();
        let mut api_token = None;
        if let Some(user) = user {
            let session = store::create_session(db, &user).await.unwrap();
            client.jar.add_cookie_str(
                &format!("{}={session}; Path=/", kernel::web::SESSION_COOKIE),
                &app.base.parse().unwrap(),
            );
            api_token = Some(store::create_api_token(db, &user, "routes").await.unwrap());
        }
        let csrf = client.csrf().await;
        out.push(Visitor {
            client,
            csrf,
            api_token,
        });
    }
    out
}

/// The status one visitor gets for a method on an address.
pub(super) async fn status(visitor: &Visitor, method: &str, address: &str, body: &Body) -> u16 {
    let c = &visitor.client;
    let mut request = c
        .client
        .request(method.parse().unwrap(), c.url(address))
        .header("x-csrf-token", &visitor.csrf);
    request = match body {
        Body::Nothing if method == "GET" => request,
        Body::Nothing => request.form(&[("_csrf", visitor.csrf.as_str())]),
        Body::Form(fields) => request
            .header("content-type", "application/x-www-form-urlencoded")
            .body(format!("{fields}&_csrf={}", visitor.csrf)),
        Body::Multipart => request.multipart(reqwest::multipart::Form::new()),
        Body::Json(json) => request
            .header("content-type", "application/json")
            .body(json.clone()),
    };
    if let (Some(token), true) = (&visitor.api_token, address.starts_with("/api/")) {
        request = request.bearer_auth(token);
    }
    request.send().await.unwrap().status().as_u16()
}

/// Waits until this node's indexes hold every change written so far (at most ten seconds).
pub(super) async fn settle(app: &TestApp) {
    let db = app.state.db();
    for _ in 0..1000 {
        if app.state.applier().applied() >= db.last_change().await.unwrap() {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    panic!("the indexes did not catch up with the writes");
}
