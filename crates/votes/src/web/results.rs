//! Results and verification: the stored results of closed votes, the result views and charts, the
//! published trackers, ballots and results.

use super::*;
use crate::svg;

/// One row of a result, ready to show in its chart and its table.
pub struct ResultRow {
    /// Option or project title.
    pub title: String,
    /// Rank (1 = first).
    pub rank: usize,
    /// The main figure: votes, baskets, or the median grade's name.
    pub value: String,
    /// For budgets: cost.
    pub cost: i64,
    /// Why a project is funded or not, in the numbers of the case (budgets), empty otherwise.
    pub why: String,
    /// Whether it is funded / first.
    pub winner: bool,
    /// Judgments per grade, best grade first (majority judgment).
    pub profile: Vec<u64>,
    /// Its bar in the chart.
    pub bar: String,
}

/// A question's result, ready to show.
pub struct ResultView {
    /// The question.
    pub title: String,
    /// The rows, in result order.
    pub rows: Vec<ResultRow>,
    /// Grade names, best first (majority judgment).
    pub grades: Vec<String>,
    /// The chart's legend: colours and what they stand for.
    pub legend: Vec<(String, String)>,
    /// What the bars' lengths measure.
    pub axis: String,
    /// How the rule decided, in plain words and the numbers of the case (budgets).
    pub rule: String,
    /// Whether this is a budget.
    pub budget: bool,
    /// Whether this is a majority judgment.
    pub judgment: bool,
    /// What the funded projects cost (budgets).
    pub spent: i64,
}

fn euros(tr: Tr, n: f64) -> String {
    format!("{}\u{a0}€", tr.num(n.floor() as i64))
}

/// Why a project of a budget is funded or not, with its numbers.
fn why(
    tr: Tr,
    outcome: Outcome,
    cost: i64,
    rest: i64,
    shares: Option<(&decide::pb::Shares, usize)>,
) -> String {
    let money = |n: f64| euros(tr, n);
    let (price, left) = match shares {
        Some((s, p)) => (s.price[p].unwrap_or(0.0), s.left[p]),
        None => (0.0, 0.0),
    };
    tr.f(
        outcome.key(),
        &[
            ("cost", money(cost as f64).as_str()),
            ("rest", money(rest as f64).as_str()),
            ("price", money(price.ceil()).as_str()),
            ("left", money(left).as_str()),
        ],
    )
}

pub(super) fn views(v: &Votation, r: &Results, tr: Tr) -> Vec<ResultView> {
    v.questions
        .iter()
        .zip(&r.questions)
        .map(|(q, res)| match res {
            QuestionResult::Counts { counts, order } => {
                let best = order.first().map(|o| counts[*o]).unwrap_or(0);
                let most = best.max(1) as f64;
                let rows: Vec<ResultRow> = order
                    .iter()
                    .map(|o| {
                        let winner = counts[*o] == best && best > 0;
                        let colour = if winner { svg::FIRST } else { svg::OTHER };
                        ResultRow {
                            title: q.options[*o].title.clone(),
                            rank: 1 + counts.iter().filter(|c| **c > counts[*o]).count(),
                            value: tr.num(counts[*o] as i64),
                            cost: 0,
                            why: String::new(),
                            winner,
                            profile: Vec::new(),
                            bar: svg::bar(&[(counts[*o] as f64 / most, colour.into())], None),
                        }
                    })
                    .collect();
                ResultView {
                    title: q.title.clone(),
                    rows,
                    grades: Vec::new(),
                    legend: vec![
                        (svg::FIRST.into(), tr.t("vote.chart.first").into()),
                        (svg::OTHER.into(), tr.t("vote.chart.others").into()),
                    ],
                    axis: tr.f(
                        "vote.chart.votes_axis",
                        &[("n", tr.num(best as i64).as_str())],
                    ),
                    rule: String::new(),
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
                    .map(|o| {
                        let total = tallies[*o].iter().sum::<u64>().max(1) as f64;
                        // Best grade first, on the left.
                        let parts: Vec<(f64, String)> = (0..tallies[*o].len())
                            .rev()
                            .map(|g| (tallies[*o][g] as f64 / total, svg::grade_colour(g, n)))
                            .collect();
                        ResultRow {
                            title: q.options[*o].title.clone(),
                            rank: ranks[*o],
                            value: grades
                                .get(n.saturating_sub(1 + medians[*o]))
                                .cloned()
                                .unwrap_or_default(),
                            cost: 0,
                            why: String::new(),
                            winner: ranks[*o] == 1,
                            profile: tallies[*o].iter().rev().copied().collect(),
                            bar: svg::bar(&parts, Some(0.5)),
                        }
                    })
                    .collect();
                let legend = grades
                    .iter()
                    .enumerate()
                    .map(|(i, g)| (svg::grade_colour(n - 1 - i, n), g.clone()))
                    .collect();
                ResultView {
                    title: q.title.clone(),
                    rows,
                    grades,
                    legend,
                    axis: tr.t("vote.chart.judgment_axis").into(),
                    rule: String::new(),
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
                shares,
            } => {
                let total = v.budget.map_or(0, |b| b.total);
                let most = order.iter().map(|o| approvals[*o]).max().unwrap_or(0);
                let rows = order
                    .iter()
                    .enumerate()
                    .map(|(i, o)| {
                        let funded = outcomes[*o].funded();
                        let colour = if funded { svg::FIRST } else { svg::OTHER };
                        ResultRow {
                            title: q.options[*o].title.clone(),
                            rank: i + 1,
                            value: tr.num(approvals[*o] as i64),
                            cost: q.options[*o].cost,
                            why: why(
                                tr,
                                outcomes[*o],
                                q.options[*o].cost,
                                total - spent,
                                shares.as_ref().map(|s| (s, *o)),
                            ),
                            winner: funded,
                            profile: Vec::new(),
                            bar: svg::bar(
                                &[(approvals[*o] as f64 / most.max(1) as f64, colour.into())],
                                None,
                            ),
                        }
                    })
                    .collect();
                let rule = match shares {
                    Some(s) => tr.f(
                        "vote.chart.equal_shares_rule",
                        &[
                            ("voters", tr.num(r.ballots as i64).as_str()),
                            ("total", euros(tr, total as f64).as_str()),
                            ("share", euros(tr, s.share).as_str()),
                        ],
                    ),
                    None => tr.t("vote.chart.greedy_rule").into(),
                };
                ResultView {
                    title: q.title.clone(),
                    rows,
                    grades: Vec::new(),
                    legend: vec![
                        (svg::FIRST.into(), tr.t("vote.chart.funded").into()),
                        (svg::OTHER.into(), tr.t("vote.chart.not_funded").into()),
                    ],
                    axis: tr.f(
                        "vote.chart.baskets_axis",
                        &[("n", tr.num(most as i64).as_str())],
                    ),
                    rule,
                    budget: true,
                    judgment: false,
                    spent: *spent,
                }
            }
        })
        .collect()
}

/// This node's copy of the stored results of closed votes: a stored result never changes.
#[derive(Default)]
pub(super) struct Counted(Mutex<HashMap<String, Arc<Results>>>);

/// The results of a closed vote, as stored when it closed (see [`store::count_in`]); a vote
/// closed by its date that no node counted yet is counted now, once for every node.
pub async fn results(state: &AppState, v: &Votation) -> Result<Arc<Results>, Error> {
    let counted = state.extension(|_| Counted::default());
    if let Ok(cache) = counted.0.lock()
        && let Some(r) = cache.get(&v.id)
    {
        return Ok(r.clone());
    }
    store::seal(state.db(), v).await?;
    let stored = match store::stored_results(state.db(), &v.id).await? {
        Some(r) => r,
        None => {
            store::count_once(state.db(), v).await?;
            store::stored_results(state.db(), &v.id)
                .await?
                .ok_or_else(|| {
                    Error::internal(format!("the results of {} were not stored", v.id))
                })?
        }
    };
    let results = Arc::new(stored);
    if let Ok(mut cache) = counted.0.lock() {
        cache.insert(v.id.clone(), results.clone());
    }
    Ok(results)
}

/// Counts the votes closed by their date, as soon as they close, for as long as the
/// application runs: the first node to find one counts it (see [`store::count_closed`]).
pub async fn count_task(state: AppState) {
    loop {
        if let Err(e) = store::count_closed(state.db(), now_ms()).await {
            tracing::error!(error = ?e, "the closed votes could not be counted");
        }
        tokio::time::sleep(Duration::from_secs(30)).await;
    }
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
    let l = locate(&state, &space, &process, &id, page.user.as_ref()).await?;
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
    let v = store::get_public(state.db(), id)
        .await?
        .ok_or(Error::NotFound)?;
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
