//! Results and verification: counting once per closed vote, the result views and charts, the
//! published trackers, ballots and results.

use super::*;

/// One row of a result table, ready to show.
pub struct ResultRow {
    /// Option or project title.
    pub title: String,
    /// Rank (1 = first).
    pub rank: usize,
    /// The main figure: votes, baskets, or the median grade's name.
    pub value: String,
    /// For budgets: cost, and the explanation key.
    pub cost: i64,
    /// Explanation key (budgets), empty otherwise.
    pub why: &'static str,
    /// Whether it is funded / first.
    pub winner: bool,
    /// Judgments per grade, best grade first (majority judgment).
    pub profile: Vec<u64>,
}

/// A question's result, ready to show.
pub struct ResultView {
    /// The question.
    pub title: String,
    /// The chart.
    pub svg: String,
    /// The rows, in result order.
    pub rows: Vec<ResultRow>,
    /// Grade names, best first (majority judgment).
    pub grades: Vec<String>,
    /// Whether this is a budget.
    pub budget: bool,
    /// Whether this is a majority judgment.
    pub judgment: bool,
    /// What the funded projects cost (budgets).
    pub spent: i64,
}

pub(super) fn views(v: &Votation, r: &Results, tr: Tr) -> Vec<ResultView> {
    v.questions
        .iter()
        .zip(&r.questions)
        .map(|(q, res)| match res {
            QuestionResult::Counts { counts, order } => {
                let best = order.first().map(|o| counts[*o]).unwrap_or(0);
                let rows: Vec<ResultRow> = order
                    .iter()
                    .map(|o| ResultRow {
                        title: q.options[*o].title.clone(),
                        rank: 1 + counts.iter().filter(|c| **c > counts[*o]).count(),
                        value: tr.num(counts[*o] as i64),
                        cost: 0,
                        why: "",
                        winner: counts[*o] == best && best > 0,
                        profile: Vec::new(),
                    })
                    .collect();
                let svg = crate::svg::bars(
                    &q.title,
                    &order
                        .iter()
                        .map(|o| (q.options[*o].title.clone(), counts[*o], counts[*o] == best))
                        .collect::<Vec<_>>(),
                );
                ResultView {
                    title: q.title.clone(),
                    svg,
                    rows,
                    grades: Vec::new(),
                    budget: false,
                    judgment: false,
                    spent: 0,
                }
            }
            QuestionResult::Judgment {
                tallies,
                ranks,
                medians,
                order,
            } => {
                let grades = match &q.method {
                    Method::Judgment { grades } => grades.clone(),
                    _ => Vec::new(),
                };
                let n = grades.len();
                let rows = order
                    .iter()
                    .map(|o| ResultRow {
                        title: q.options[*o].title.clone(),
                        rank: ranks[*o],
                        value: grades
                            .get(n.saturating_sub(1 + medians[*o]))
                            .cloned()
                            .unwrap_or_default(),
                        cost: 0,
                        why: "",
                        winner: ranks[*o] == 1,
                        profile: tallies[*o].iter().rev().copied().collect(),
                    })
                    .collect();
                let svg = crate::svg::merit_profiles(
                    &q.title,
                    &order
                        .iter()
                        .map(|o| (q.options[*o].title.clone(), tallies[*o].clone()))
                        .collect::<Vec<_>>(),
                    &grades,
                );
                ResultView {
                    title: q.title.clone(),
                    svg,
                    rows,
                    grades,
                    budget: false,
                    judgment: true,
                    spent: 0,
                }
            }
            QuestionResult::Budget {
                approvals,
                outcomes,
                spent,
                order,
            } => {
                let rows = order
                    .iter()
                    .enumerate()
                    .map(|(i, o)| ResultRow {
                        title: q.options[*o].title.clone(),
                        rank: i + 1,
                        value: tr.num(approvals[*o] as i64),
                        cost: q.options[*o].cost,
                        why: outcomes[*o].key(),
                        winner: outcomes[*o].funded(),
                        profile: Vec::new(),
                    })
                    .collect();
                let svg = crate::svg::bars(
                    &q.title,
                    &order
                        .iter()
                        .map(|o| {
                            (
                                q.options[*o].title.clone(),
                                approvals[*o],
                                outcomes[*o].funded(),
                            )
                        })
                        .collect::<Vec<_>>(),
                );
                ResultView {
                    title: q.title.clone(),
                    svg,
                    rows,
                    grades: Vec::new(),
                    budget: true,
                    judgment: false,
                    spent: *spent,
                }
            }
        })
        .collect()
}

/// Results of closed votes, counted once per node: nothing changes a closed ballot box.
#[derive(Default)]
pub(super) struct Counted(Mutex<HashMap<String, Arc<Results>>>);

/// The results of a closed vote.
pub async fn results(state: &AppState, v: &Votation) -> Result<Arc<Results>, Error> {
    let counted = state.extension(|_| Counted::default());
    if let Ok(cache) = counted.0.lock()
        && let Some(r) = cache.get(&v.id)
    {
        return Ok(r.clone());
    }
    store::seal(state.db(), v).await?;
    let texts = store::ballots(state.db(), v).await?;
    let vote = v.clone();
    let results = tokio::task::spawn_blocking(move || {
        let ballots: Vec<Ballot> = texts
            .iter()
            .filter_map(|t| Ballot::decode(&vote, t))
            .collect();
        count::count(&vote, &ballots)
    })
    .await
    .map_err(Error::internal)?;
    let results = Arc::new(results);
    if let Ok(mut cache) = counted.0.lock() {
        cache.insert(v.id.clone(), results.clone());
    }
    Ok(results)
}

#[derive(Deserialize)]
pub(super) struct TrackersQuery {
    page: Option<i64>,
    #[serde(default)]
    tracker: String,
}

#[derive(Template)]
#[template(path = "votes/trackers.html")]
pub(super) struct TrackersPage {
    page: PageCtx,
    vote: Votation,
    url: String,
    trackers: Vec<String>,
    pager: Pager,
    asked: String,
    found: Option<bool>,
}

pub(super) async fn trackers(
    State(state): State<AppState>,
    page: PageCtx,
    Path((space, process, id)): Path<VotePath>,
    Query(q): Query<TrackersQuery>,
) -> Result<Response, Error> {
    let l = locate(&state, &space, &process, &id).await?;
    closed(&l.vote)?;
    let url = l.url();
    let mut pager = Pager::new(q.page, 200, format!("{url}/trackers?"));
    let (list, total) =
        store::trackers(state.db(), &l.vote, pager.offset(), pager.per_page).await?;
    pager.total = total;
    let asked = ballot::normalize_code(&q.tracker);
    let found = if asked.is_empty() {
        None
    } else {
        Some(store::tracker_counted(state.db(), &l.vote, &asked).await?)
    };
    render(&TrackersPage {
        page,
        vote: l.vote,
        url,
        trackers: list.iter().map(|t| ballot::grouped(t)).collect(),
        pager,
        asked: q.tracker,
        found,
    })
}

/// A closed vote by id, sealed; `vote.not_closed` before.
pub async fn public_vote(state: &AppState, id: &str) -> Result<Votation, Error> {
    let v = store::get(state.db(), id).await?.ok_or(Error::NotFound)?;
    closed(&v)?;
    store::seal(state.db(), &v).await?;
    Ok(v)
}

pub(super) fn csv_response(name: String, body: String) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("inline; filename=\"{name}\""),
            ),
        ],
        body,
    )
        .into_response()
}

pub(super) async fn ballots_csv(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, Error> {
    let v = public_vote(&state, &id).await?;
    let mut out = String::new();
    let header: Vec<String> = (0..v.questions.len())
        .map(|i| ballot::field(i).to_string())
        .collect();
    out.push_str(&header.join(";"));
    out.push('\n');
    // The box is read in the order of its random keys: a random order, unrelated to the roll.
    for text in store::ballots(state.db(), &v).await? {
        out.push_str(&text);
        out.push('\n');
    }
    Ok(csv_response(format!("ballots-{id}.csv"), out))
}

pub(super) async fn trackers_csv(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, Error> {
    let v = public_vote(&state, &id).await?;
    let (list, _) = store::trackers(state.db(), &v, 0, i64::MAX).await?;
    let mut out = String::from("tracker\n");
    for t in list {
        out.push_str(&ballot::grouped(&t));
        out.push('\n');
    }
    Ok(csv_response(format!("trackers-{id}.csv"), out))
}

pub(super) async fn results_json(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, Error> {
    let v = public_vote(&state, &id).await?;
    Ok(axum::Json(results_body(&state, &v).await?).into_response())
}

/// The published results of a closed vote, as in `/data/votes/{id}/results.json`.
pub async fn results_body(state: &AppState, v: &Votation) -> Result<serde_json::Value, Error> {
    let r = results(state, v).await?;
    let roll = store::roll_count(state.db(), v).await?;
    let questions: Vec<serde_json::Value> = v
        .questions
        .iter()
        .zip(&r.questions)
        .map(|(q, res)| {
            let options: Vec<serde_json::Value> = q
                .options
                .iter()
                .enumerate()
                .map(|(i, o)| {
                    let mut j = serde_json::json!({"index": i, "id": o.id, "title": o.title});
                    match res {
                        QuestionResult::Counts { counts, .. } => j["votes"] = counts[i].into(),
                        QuestionResult::Judgment {
                            tallies,
                            ranks,
                            medians,
                            ..
                        } => {
                            j["tally_worst_first"] = tallies[i].clone().into();
                            j["rank"] = ranks[i].into();
                            j["median"] = medians[i].into();
                        }
                        QuestionResult::Budget {
                            approvals,
                            outcomes,
                            ..
                        } => {
                            j["cost"] = o.cost.into();
                            j["approvals"] = approvals[i].into();
                            j["funded"] = outcomes[i].funded().into();
                            j["outcome"] = outcome_name(outcomes[i]).into();
                        }
                    }
                    j
                })
                .collect();
            let mut j = serde_json::json!({
                "title": q.title,
                "method": q.method.as_str(),
                "options": options,
            });
            if let Method::Judgment { grades } = &q.method {
                j["grades_worst_first"] = grades.iter().rev().cloned().collect::<Vec<_>>().into();
            }
            j
        })
        .collect();
    let body = serde_json::json!({
        "id": v.id,
        "title": v.title,
        "kind": v.kind.as_str(),
        "opens_at": kernel::ids::iso_datetime(v.opens_at),
        "closed_at": kernel::ids::iso_datetime(v.closing()),
        "ballots": r.ballots,
        "roll": roll,
        "budget": v.budget.map(|b| serde_json::json!({
            "total": b.total,
            "rule": match b.rule { Rule::Greedy => "greedy", Rule::EqualShares => "equal_shares" },
            "satisfaction": if b.by_cost { "cost" } else { "cardinality" },
        })),
        "questions": questions,
    });
    Ok(body)
}

pub(super) fn outcome_name(o: Outcome) -> &'static str {
    o.key().trim_start_matches("vote.outcome.")
}

/// The published data of every closed vote, for the catalogue.
pub async fn datasets(state: AppState) -> Result<Vec<kernel::catalog::Dataset>, Error> {
    use kernel::catalog::{Dataset, Distribution};
    Ok(store::closed(state.db(), now_ms())
        .await?
        .into_iter()
        .map(|(v, space)| {
            let file = |name: &str| format!("/data/votes/{}/{name}", v.id);
            Dataset {
                id: format!("vote-{}", v.id),
                title: format!("Résultats — {}", v.title),
                description: "Les résultats, les bulletins dans un ordre aléatoire et les numéros de suivi comptés.".into(),
                publisher: space,
                keywords: vec!["vote".into(), "participation citoyenne".into()],
                modified: Some(v.closing()),
                distributions: vec![
                    Distribution { path: file("results.json"), media_type: "application/json", format: "JSON", schema: None },
                    Distribution { path: file("ballots.csv"), media_type: "text/csv", format: "CSV", schema: None },
                    Distribution { path: file("trackers.csv"), media_type: "text/csv", format: "CSV", schema: None },
                ],
            }
        })
        .collect())
}
