//! The route × role test: every route of the assembled application, for every role, answers
//! the status that the component's table (`crates/<component>/routes.txt`, beside its routes)
//! says. A route without its row, a row without its route, or a method a route answers that its
//! rows do not list fails the test.
//!
//! The world is the demo content, with Montauban as space A and Lannion as space B. Each
//! request carries the role's session, its CSRF token and, for the API, its bearer token, and
//! nothing else: a write is answered before any field is read (403, a redirect to the sign-in
//! page) or refused for its missing fields (400, 422). Rows run in the order of the tables.
//!
//! `TERRITOIRES_RECORD_ROUTES=1 cargo test -p territoires --test http route_table` writes the
//! tables as observed instead: read the difference before committing it.

use crate::common::{TestApp, spawn_app};
use std::collections::{BTreeMap, HashMap};

/// The roles, in the order of a table's columns.
const ROLES: [&str; 9] = [
    "anonymous",
    "citizen",
    "owner",
    "agent-a",
    "agent-b",
    "moderator",
    "admin-a",
    "admin-b",
    "admin",
];

/// The methods probed on every path.
const METHODS: [&str; 5] = ["GET", "POST", "PUT", "PATCH", "DELETE"];

/// One row of a table: a method on a route, what it sends, and the status each role gets.
#[derive(Debug, Clone, PartialEq)]
struct Row {
    method: String,
    path: String,
    body: Body,
    statuses: Vec<u16>,
}

/// What a request sends besides its CSRF token: nothing (`-` in a table, or no column),
/// form fields (`form:a=1&b=2`), an empty multipart form (`multipart`) or JSON (`json:{…}`,
/// without spaces). A write that reads its fields before asking who writes needs them for the
/// row to tell the roles apart.
#[derive(Debug, Clone, PartialEq)]
enum Body {
    Nothing,
    Form(String),
    Multipart,
    Json(String),
}

impl Body {
    fn parse(cell: &str) -> Body {
        match cell {
            "-" => Body::Nothing,
            "multipart" => Body::Multipart,
            _ => {
                if let Some(f) = cell.strip_prefix("form:") {
                    Body::Form(f.to_string())
                } else if let Some(j) = cell.strip_prefix("json:") {
                    Body::Json(j.to_string())
                } else {
                    panic!("a body is -, multipart, form:… or json:…, not {cell}")
                }
            }
        }
    }

    fn cell(&self) -> String {
        match self {
            Body::Nothing => "-".into(),
            Body::Form(f) => format!("form:{f}"),
            Body::Multipart => "multipart".into(),
            Body::Json(j) => format!("json:{j}"),
        }
    }
}

fn table_file(component: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join(component)
        .join("routes.txt")
}

fn read_table(component: &str) -> Vec<Row> {
    let text = std::fs::read_to_string(table_file(component)).unwrap_or_default();
    text.lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|l| {
            let cells: Vec<&str> = l.split_whitespace().collect();
            assert_eq!(cells.len(), 3 + ROLES.len(), "a row of {component}: {l}");
            Row {
                method: cells[0].to_string(),
                path: cells[1].to_string(),
                body: Body::parse(cells[2]),
                statuses: cells[3..].iter().map(|c| c.parse().unwrap()).collect(),
            }
        })
        .collect()
}

fn write_table(component: &str, rows: &[Row]) {
    let width = rows.iter().map(|r| r.path.len()).max().unwrap_or(0);
    let sent = rows
        .iter()
        .map(|r| r.body.cell().len())
        .max()
        .unwrap_or(0)
        .max(4);
    let mut text = format!(
        "# Who may use the routes of `{component}`: the status each role gets (see the route × role\n\
         # test, crates/territoires/tests/http/access.rs).\n# {:<6} {:<width$} {:<sent$} {}\n",
        "method",
        "route",
        "sent",
        ROLES.join(" ")
    );
    for r in rows {
        let statuses: Vec<String> = r
            .statuses
            .iter()
            .zip(ROLES)
            .map(|(s, role)| format!("{s:<w$}", w = role.len()))
            .collect();
        text.push_str(&format!(
            "{:<8} {:<width$} {:<sent$} {}\n",
            r.method,
            r.path,
            r.body.cell(),
            statuses.join(" ").trim_end()
        ));
    }
    std::fs::write(table_file(component), text).unwrap();
}

/// What the demo content gives the routes' parameters.
struct World {
    values: HashMap<&'static str, String>,
}

impl World {
    async fn of(app: &TestApp) -> World {
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
            "vote-process",
            first("SELECT p.slug FROM votations v JOIN processes p ON p.id = v.process_id JOIN spaces s ON s.id = p.space_id WHERE s.slug = 'lannion' ORDER BY v.title").await,
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
        // A PDF attached to the world's challenge, its answer, its library report and a
        // revision, so that the rows of private files tell who may read them.
        let file = format!("{}.pdf", "a".repeat(32));
        let dir = app.data_dir.join("uploads").join("attachments");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(&file), b"%PDF-1.4\n%%EOF\n").unwrap();
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
    fn address(&self, template: &str) -> String {
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
                (t, "s", _) if t.contains("/votes/") => self.get("space-b").into(),
                (_, "s", _) => self.get("space").into(),
                (t, "processes", _) if t.contains("/votes/") => self.get("vote-process").into(),
                (_, "processes", _) => self.get("process").into(),
                (_, "c", _) => self.get("component").into(),
                (_, "contributions", _) => self.get("contribution").into(),
                (_, "comments", _) => self.get("comment").into(),
                (_, "phases", _) => self.get("phase").into(),
                (_, "confirm", _) | (_, "reset", _) => "unknown-token".into(),
                (_, "reports", _) => self.get("report").into(),
                (_, "challenges", _) => self.get("challenge").into(),
                (_, "answers", _) => self.get("answer").into(),
                (_, "library", _) => self.get("experience").into(),
                (_, "experiences", _) => self.get("experience-id").into(),
                (t, "revisions", _) if t.starts_with("/library") => {
                    self.get("experience-revision").into()
                }
                (_, "revisions", _) => self.get("actor-revision").into(),
                (t, "actors", _) if t.starts_with("/directory/actors") => self.get("actor").into(),
                (_, "actors", _) => self.get("actor-id").into(),
                (_, "offers", _) => self.get("offer").into(),
                (_, "votes", _) => self.get("vote").into(),
                (_, "options", _) => self.get("option").into(),
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
struct Visitor {
    client: TestApp,
    csrf: String,
    api_token: Option<String>,
}

async fn visitors(app: &TestApp, world: &World) -> Vec<Visitor> {
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
async fn status(visitor: &Visitor, method: &str, address: &str, body: &Body) -> u16 {
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
async fn settle(app: &TestApp) {
    let db = app.state.db();
    for _ in 0..1000 {
        if app.state.applier().applied() >= db.last_change().await.unwrap() {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    panic!("the indexes did not catch up with the writes");
}

/// The demo content, as `territoires demo` makes it.
async fn seed_demo(app: &TestApp) {
    let db = app.state.db();
    kernel::demo::seed(db, 0, &|_, _| {}).await.unwrap();
    for add in territoires::components().into_iter().filter_map(|c| c.demo) {
        add(db.clone()).await.unwrap();
    }
}

/// When a row runs: after the others when it withdraws the world's contribution, last when it
/// ends the visitor's session or account.
fn ends_the_visit(row: &Row) -> u8 {
    match row.path.as_str() {
        "/logout" | "/account/delete" => 2,
        p if p.ends_with("/withdraw") => 1,
        _ => 0,
    }
}

#[tokio::test]
async fn route_table() {
    let record = std::env::var("TERRITOIRES_RECORD_ROUTES").is_ok_and(|v| v == "1");
    for engine in kernel::testing::engines() {
        let app = spawn_app(engine).await;
        seed_demo(&app).await;
        let world = World::of(&app).await;
        let people = visitors(&app, &world).await;
        let paths = app
            .state
            .extension::<kernel::web::routes::RoutePaths>(|_| unreachable!())
            .0
            .clone();
        let mut by_component: BTreeMap<&str, Vec<String>> = BTreeMap::new();
        for (component, path) in &paths {
            by_component
                .entry(component)
                .or_default()
                .push(path.clone());
        }
        let mut problems = Vec::new();
        let mut all_rows: Vec<(&str, Row)> = Vec::new();
        for (component, templates) in &by_component {
            let table = read_table(component);
            for row in &table {
                if !templates.contains(&row.path) {
                    problems.push(format!(
                        "{component}: a row for no route: {} {}",
                        row.method, row.path
                    ));
                }
            }
            for template in templates {
                let listed: Vec<&Row> = table.iter().filter(|r| &r.path == template).collect();
                // The methods the route answers: anything but 405 to a visitor.
                let address = world.address(template);
                let mut answered = Vec::new();
                for method in METHODS {
                    if status(&people[0], method, &address, &Body::Nothing).await != 405 {
                        answered.push(method);
                    }
                }
                for method in &answered {
                    match listed.iter().find(|r| r.method == *method) {
                        Some(row) => all_rows.push((component, (*row).clone())),
                        None if record => all_rows.push((
                            component,
                            Row {
                                method: method.to_string(),
                                path: template.clone(),
                                body: Body::Nothing,
                                statuses: Vec::new(),
                            },
                        )),
                        None => problems.push(format!(
                            "{component}: {method} {template} has no row in {}",
                            table_file(component).display()
                        )),
                    }
                }
                for row in &listed {
                    if !answered.contains(&row.method.as_str()) {
                        problems.push(format!(
                            "{component}: {} {template} is listed but not answered",
                            row.method
                        ));
                    }
                }
            }
        }
        all_rows.sort_by(|(a, x), (b, y)| {
            (ends_the_visit(x), a, &x.path, &x.method).cmp(&(
                ends_the_visit(y),
                b,
                &y.path,
                &y.method,
            ))
        });
        let mut observed: BTreeMap<&str, Vec<Row>> = BTreeMap::new();
        for (component, row) in &all_rows {
            let address = world.address(&row.path);
            let mut statuses = Vec::new();
            for visitor in &people {
                // What the rows before wrote is in the indexes first (`/readyz`, lists and
                // search read them), however busy the machine.
                settle(&app).await;
                statuses.push(status(visitor, &row.method, &address, &row.body).await);
            }
            if !record && statuses != row.statuses {
                problems.push(format!(
                    "{component}: {} {} ({address}): expected {:?}, got {:?}",
                    row.method, row.path, row.statuses, statuses
                ));
            }
            observed.entry(component).or_default().push(Row {
                statuses,
                ..row.clone()
            });
        }
        if record {
            for (component, mut rows) in observed {
                rows.sort_by(|a, b| (&a.path, &a.method).cmp(&(&b.path, &b.method)));
                write_table(component, &rows);
            }
            return;
        }
        assert!(
            problems.is_empty(),
            "{engine}: the routes differ from their tables:\n{}",
            problems.join("\n")
        );
    }
}

/// `Error::Forbidden` is built by the kernel and the components' policies only: a handler asks a
/// policy, it never refuses on its own.
#[test]
fn refusals_come_from_the_policies_only() {
    fn walk(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }
    let crates = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut files = Vec::new();
    for entry in std::fs::read_dir(&crates).unwrap() {
        let krate = entry.unwrap().path();
        if krate.ends_with("kernel") {
            continue;
        }
        let src = krate.join("src");
        if src.is_dir() {
            walk(&src, &mut files);
        }
    }
    let offenders: Vec<String> = files
        .iter()
        .filter(|f| !f.ends_with("policy.rs"))
        .filter(|f| {
            std::fs::read_to_string(f)
                .unwrap()
                .contains(concat!("Error::", "Forbidden"))
        })
        .map(|f| f.display().to_string())
        .collect();
    assert!(
        offenders.is_empty(),
        "refusing outside a policy: {offenders:?}"
    );
}
