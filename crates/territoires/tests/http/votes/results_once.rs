//! A closed vote is counted once, and every node serves the results stored then: closed by its
//! administrator, in the write that closes it; closed by its date, by the first node that finds
//! it.

use super::*;
use crate::across_nodes::beside;

/// Casts one ballot with each code, for the options in turn; returns how many.
async fn cast_all(app: &TestApp, url: &str, codes: &[String], opts: &[String]) -> usize {
    let voter = app.other_client();
    for (i, code) in codes.iter().enumerate() {
        let r = voter
            .post_form(
                &format!("{url}/cast"),
                &[("code", code), ("q1", &opts[i % 3])],
            )
            .await;
        assert_eq!(r.status(), 200);
    }
    codes.len()
}

/// The vote's stored results: how many rows, and the ballots they counted.
async fn stored(app: &TestApp, id: &str) -> (i64, i64) {
    let row = sqlx::query(
        "SELECT COUNT(*) AS n, COALESCE(MAX(ballots), -1) AS ballots FROM vote_results \
         WHERE votation_id = $1",
    )
    .bind(id)
    .fetch_one(app.state.db().pool())
    .await
    .unwrap();
    (row.get("n"), row.get("ballots"))
}

on_every_engine!(
    a_vote_closed_by_hand_is_counted_as_it_closes_and_both_nodes_serve_the_same_results,
    |app: TestApp| Box::pin(async move {
        let (url, codes, opts) = codes_vote(&app, 7).await;
        let cast = cast_all(&app, &url, &codes, &opts).await;
        let other = beside(&app).await;
        let id = vote_id(&url);
        assert_eq!(stored(&app, &id).await, (0, -1));
        close_now(&app, &url).await;
        assert_eq!(stored(&app, &id).await, (1, cast as i64));
        let path = format!("/api/v1/votes/{id}/results");
        let here = app.get_json(&path).await;
        let there = other.get_json(&path).await;
        assert_eq!(here["ballots"], 7);
        assert_eq!(here, there);
        assert_eq!(
            app.get_text(&format!("/data/votes/{id}/results.json"))
                .await,
            other
                .get_text(&format!("/data/votes/{id}/results.json"))
                .await
        );
        // Counting again changes nothing.
        let vote = votes::store::get(app.state.db(), &id)
            .await
            .unwrap()
            .unwrap();
        assert!(
            !votes::store::count_once(other.state.db(), &vote)
                .await
                .unwrap()
        );
        assert_eq!(stored(&app, &id).await, (1, 7));
    })
);

on_every_engine!(
    a_vote_closed_by_its_date_is_counted_once_by_one_of_two_nodes,
    |app: TestApp| Box::pin(async move {
        let (url, codes, opts) = codes_vote(&app, 5).await;
        cast_all(&app, &url, &codes, &opts).await;
        let other = beside(&app).await;
        let id = vote_id(&url);
        sqlx::query("UPDATE votations SET closes_at = $1 WHERE id = $2")
            .bind(kernel::ids::now_ms() - 1000)
            .bind(&id)
            .execute(app.state.db().pool())
            .await
            .unwrap();
        let now = kernel::ids::now_ms();
        let (here, there) = tokio::join!(
            votes::store::count_closed(app.state.db(), now),
            votes::store::count_closed(other.state.db(), now)
        );
        // Both nodes may find it at once; one counts it (or, once in a while, the nodes' own
        // task counted it first).
        assert!(here.unwrap() + there.unwrap() <= 1);
        assert_eq!(stored(&app, &id).await, (1, 5));
        let path = format!("/api/v1/votes/{id}/results");
        let here = app.get_json(&path).await;
        assert_eq!(here["ballots"], 5);
        assert_eq!(here, other.get_json(&path).await);
        assert!(
            votes::store::uncounted(app.state.db(), kernel::ids::now_ms())
                .await
                .unwrap()
                .is_empty()
        );
    })
);
