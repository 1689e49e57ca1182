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
         # test, crates/territoires/tests/http/access/).\n# {:<6} {:<width$} {:<sent$} {}\n",
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

mod world;
use world::*;

/// The demo content, as `territoires demo` makes it.
pub(crate) async fn seed_demo(app: &TestApp) {
    let db = app.state.db();
    kernel::demo::seed(db, 0, &|_, _| {}).await.unwrap();
    for add in territoires::components().into_iter().filter_map(|c| c.demo) {
        add(app.state.demo()).await.unwrap();
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
