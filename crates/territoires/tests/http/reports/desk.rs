//! The agents' desk: assignment, duplicates, areas, and a change of several reports in one
//! write.

use super::*;

/// An agent of the space `space` (Montauban's demo) in its « Service voirie » team: the agent's
/// client, account id and team.
async fn road_agent(app: &TestApp, space: &str) -> (TestApp, String, reports::model::Team) {
    let (agent, agent_id) = app
        .signed_in(
            "agent@montauban.fr",
            "Agent Voirie",
            kernel::accounts::Role::Agent,
            space,
        )
        .await;
    let teams = reports::store::teams(app.state.db(), space).await.unwrap();
    let voirie = teams
        .into_iter()
        .find(|t| t.name == "Service voirie")
        .unwrap();
    reports::store::add_member(app.state.db(), &voirie.id, &agent_id)
        .await
        .unwrap();
    (agent, agent_id, voirie)
}

on_every_engine!(
    agents_assign_reports_link_duplicates_and_filter_by_area,
    |app: TestApp| Box::pin(async move {
        let space = montauban(&app).await;
        let (agent, agent_id, _) = road_agent(&app, &space).await;
        let ids: Vec<String> = sqlx::query_scalar(
            "SELECT r.id FROM reports r JOIN report_categories c ON c.id = r.category_id \
             WHERE c.code = 'VOIRIE-01' ORDER BY r.created_at LIMIT 2",
        )
        .fetch_all(app.state.db().pool())
        .await
        .unwrap();
        let (first, second) = (&ids[0], &ids[1]);
        // Assigned to a member of the team only.
        let r = agent
            .post_form(
                &format!("/s/montauban/reports/{first}/assign"),
                &[("agent", "quelqu-un")],
            )
            .await;
        assert_eq!(r.status(), 400);
        let r = agent
            .post_form(
                &format!("/s/montauban/reports/{first}/assign"),
                &[("agent", &agent_id)],
            )
            .await;
        assert_eq!(r.status(), 303);
        let (_, mine) = agent.get_text("/s/montauban/reports/desk?mine=1").await;
        assert!(mine.contains(&format!("/s/montauban/reports/{first}/handle")));
        assert!(!mine.contains(&format!("/s/montauban/reports/{second}/handle")));
        assert!(mine.contains("1 signalement<"), "{mine}");
        // A duplicate must be rejected and name another report of the space; then both link.
        let r = agent
            .post_form(
                "/s/montauban/reports/desk/status",
                &[
                    ("report", second.as_str()),
                    ("status", "acknowledged"),
                    ("duplicate_of", first.as_str()),
                ],
            )
            .await;
        assert_eq!(r.status(), 400);
        let r = agent
            .post_form(
                "/s/montauban/reports/desk/status",
                &[
                    ("report", second.as_str()),
                    ("status", "rejected"),
                    ("duplicate_of", "inconnu"),
                ],
            )
            .await;
        assert_eq!(r.status(), 400);
        let r = agent
            .post_form(
                "/s/montauban/reports/desk/status",
                &[
                    ("report", second.as_str()),
                    ("status", "rejected"),
                    ("public_note", "Déjà signalé."),
                    (
                        "duplicate_of",
                        &format!("http://exemple/s/montauban/reports/{first}"),
                    ),
                ],
            )
            .await;
        assert_eq!(r.status(), 303);
        let (_, dup) = app
            .get_text(&format!("/s/montauban/reports/{second}"))
            .await;
        assert!(
            dup.contains("Ce signalement est un doublon.")
                && dup.contains(&format!("/s/montauban/reports/{first}"))
        );
        let (_, original) = app.get_text(&format!("/s/montauban/reports/{first}")).await;
        assert!(original.contains(&format!("/s/montauban/reports/{second}")));
        // The area filter keeps the reports inside the box.
        let (_, all) = agent.get_text("/s/montauban/reports/desk").await;
        let (_, none) = agent
            .get_text("/s/montauban/reports/desk?west=2.0&south=45.0&east=2.1&north=45.1")
            .await;
        assert!(all.contains("Nid-de-poule"));
        assert!(none.contains("0 signalement<"), "{none}");
        let (status, _) = agent
            .get_text("/s/montauban/reports/desk?west=2.0&south=x&east=1&north=3")
            .await;
        assert_eq!(status, 400);
    })
);

/// The desk's change of several reports at once is one write: a report that cannot change
/// (here, one that does not exist) leaves every other as it was.
#[tokio::test]
async fn a_bulk_status_change_is_all_or_nothing() {
    for engine in kernel::testing::engines() {
        let app = crate::common::spawn_app(engine).await;
        montauban(&app).await;
        let db = app.state.db();
        let first: String = sqlx::query_scalar("SELECT id FROM reports ORDER BY id")
            .fetch_one(db.pool())
            .await
            .unwrap();
        let status = |id: String| async move {
            sqlx::query_scalar::<_, String>("SELECT status FROM reports WHERE id = $1")
                .bind(id)
                .fetch_one(db.pool())
                .await
                .unwrap()
        };
        let resolve = |ids: Vec<String>| async move {
            let status = reports::model::Status::Resolved;
            reports::store::set_statuses(db, &ids, status, ("Réparé.", ""), None, None, &[]).await
        };
        let before = status(first.clone()).await;
        let events = app.count("report_events").await;
        let r = resolve(vec![first.clone(), "no-such-report".to_string()]).await;
        assert!(
            matches!(r, Err(reports::error::StoreError::NotFound)),
            "{engine}"
        );
        assert_eq!(status(first.clone()).await, before);
        assert_eq!(app.count("report_events").await, events);
        resolve(vec![first.clone()]).await.unwrap();
        assert_eq!(status(first).await, "resolved");
        assert_eq!(app.count("report_events").await, events + 1);
    }
}

on_every_engine!(
    an_agent_marks_a_report_urgent_and_the_desk_lists_it_first,
    |app: TestApp| Box::pin(async move {
        let space = montauban(&app).await;
        let (agent, _, voirie) = road_agent(&app, &space).await;
        // The newest open report of the team that nobody marked urgent.
        let newest: String = sqlx::query_scalar(
            "SELECT r.id FROM reports r JOIN report_categories c ON c.id = r.category_id \
             WHERE c.team_id = $1 AND r.urgent = 0 AND r.status IN ('new', 'acknowledged', 'in_progress') \
             ORDER BY r.created_at DESC, r.id DESC LIMIT 1",
        )
        .bind(&voirie.id)
        .fetch_one(app.state.db().pool())
        .await
        .unwrap();
        let url = format!("/s/montauban/reports/{newest}/urgency");
        // Whether the report is among the urgent rows that head the desk.
        let heads = |desk: &str| {
            let body = &desk[desk.find("<tbody>").unwrap()..desk.find("</tbody>").unwrap()];
            body.split("</tr>")
                .take_while(|row| row.contains("badge-urgent"))
                .any(|row| row.contains(&format!("/reports/{newest}/handle")))
        };
        let (_, desk) = agent.get_text("/s/montauban/reports/desk").await;
        assert!(desk.contains(&newest) && !heads(&desk), "not urgent before");
        // A priority that is neither is refused; a citizen or an agent of no team may not.
        assert_eq!(
            agent.post_form(&url, &[("urgent", "2")]).await.status(),
            400
        );
        let citizen = app.other_client();
        citizen.register_and_login("anne@exemple.fr", "Anne").await;
        assert_eq!(
            citizen.post_form(&url, &[("urgent", "1")]).await.status(),
            403
        );
        let r = agent.post_form(&url, &[("urgent", "1")]).await;
        assert_eq!(r.status(), 303);
        let (_, desk) = agent.get_text("/s/montauban/reports/desk").await;
        assert!(heads(&desk), "{desk}");
        // The history says who did it, as an internal note, and the public page shows nothing.
        let (_, handle) = agent
            .get_text(&format!("/s/montauban/reports/{newest}/handle"))
            .await;
        assert!(handle.contains("Marqué urgent."), "{handle}");
        assert!(handle.contains("Retirer l&#39;urgence"), "{handle}");
        let (_, public) = app
            .other_client()
            .get_text(&format!("/s/montauban/reports/{newest}"))
            .await;
        assert!(!public.contains("Marqué urgent"));
        // And back to ordinary.
        let r = agent.post_form(&url, &[("urgent", "0")]).await;
        assert_eq!(r.status(), 303);
        let (_, desk) = agent.get_text("/s/montauban/reports/desk").await;
        assert!(desk.contains(&newest) && !heads(&desk));
        let audits: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM audit_log WHERE action = 'report.urgency' AND target_id = $1",
        )
        .bind(&newest)
        .fetch_one(app.state.db().pool())
        .await
        .unwrap();
        assert_eq!(audits, 2);
    })
);

/// The value of the first `name="…"` attribute of `page`, its entities decoded.
fn attribute(page: &str, name: &str) -> String {
    let start = page.find(&format!("{name}=\"")).expect(name) + name.len() + 2;
    let end = start + page[start..].find('"').unwrap();
    page[start..end]
        .replace("&quot;", "\"")
        .replace("&#34;", "\"")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

on_every_engine!(
    the_desk_map_draws_its_area_and_the_handling_page_maps_its_report,
    |app: TestApp| Box::pin(async move {
        let space = montauban(&app).await;
        let (agent, _, _) = road_agent(&app, &space).await;
        // The desk's map draws the area its inputs hold; its moves fill nothing.
        let (status, desk) = agent
            .get_text("/s/montauban/reports/desk?west=1.2&south=43.9&east=1.5&north=44.1")
            .await;
        assert_eq!(status, 200);
        assert_eq!(attribute(&desk, "data-draw-area"), "west,south,east,north");
        assert!(!desk.contains("data-bounds="), "{desk}");
        assert!(desk.contains("data-draw-area-start") && desk.contains("data-draw-area-clear"));
        // The coordinates stay in the form, for the keyboard and without JavaScript, in a
        // closed block.
        let details = &desk[desk.find("<details>").unwrap()..desk.find("</details>").unwrap()];
        assert!(details.contains("Coordonnées de la zone"), "{details}");
        for (side, value) in [
            ("west", "1.2"),
            ("south", "43.9"),
            ("east", "1.5"),
            ("north", "44.1"),
        ] {
            let input = &details[details.find(&format!("id=\"{side}\"")).expect(side)..];
            assert_eq!(attribute(input, "value"), value, "{side}");
        }
        // The handling page maps the report's point, and says where it is.
        let (id, lat, lon): (String, f64, f64) = sqlx::query_as(
            "SELECT r.id, r.lat, r.lon FROM reports r JOIN report_categories c \
             ON c.id = r.category_id WHERE c.code = 'VOIRIE-01' ORDER BY r.created_at LIMIT 1",
        )
        .fetch_one(app.state.db().pool())
        .await
        .unwrap();
        let (status, handle) = agent
            .get_text(&format!("/s/montauban/reports/{id}/handle"))
            .await;
        assert_eq!(status, 200);
        let points: serde_json::Value =
            serde_json::from_str(&attribute(&handle, "data-points")).unwrap();
        assert_eq!(points.as_array().unwrap().len(), 1, "{points}");
        let near = |v: &serde_json::Value, x: f64| (v.as_f64().unwrap() - x).abs() < 1e-9;
        assert!(
            near(&points[0][0], lat) && near(&points[0][1], lon),
            "{points}"
        );
        assert!(handle.contains("leaflet/leaflet.js") && handle.contains("map.js"));
        assert!(handle.contains("<p class=\"place\">Lieu : "), "{handle}");
    })
);
