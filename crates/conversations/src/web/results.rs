//! What a conversation shows of itself: the opinion map with a table of its groups, the report
//! (each group's representative statements, what all share, the figures), and the open data in
//! Polis' export format.

use super::*;
use crate::act;
use crate::map::MapView;
use decide::polis::{self, Side};

/// A statement as the map and the report show it.
pub(super) struct Shown {
    /// Its text.
    pub body: String,
    /// Whether the group (or everyone) agrees with it, or disagrees.
    pub agrees: bool,
    /// Share of the group on that side, in percent.
    pub inside: f64,
    /// Share of the other groups on that side, in percent.
    pub outside: f64,
    /// The bars of these two shares.
    pub bars: String,
}

/// A group as the map and the report show it.
pub(super) struct GroupView {
    pub letter: char,
    pub colour: &'static str,
    pub size: usize,
    pub statements: Vec<Shown>,
}

/// The groups of a map with their representative statements.
pub(super) fn groups(view: &MapView, tr: kernel::i18n::Tr) -> Vec<GroupView> {
    let map = &view.map;
    let column = |tid: u32| map.tids.iter().position(|t| *t == tid);
    map.groups
        .iter()
        .enumerate()
        .map(|(g, group)| GroupView {
            letter: svg::group_letter(g),
            colour: svg::group_colour(g),
            size: group.members.len(),
            statements: group
                .repness
                .iter()
                .filter_map(|r| {
                    let j = column(r.tid)?;
                    // The group's most agreed statement is shown for its agreement, whichever
                    // side its tests favour.
                    let agrees = r.repful_for == Side::Agree || r.best_agree;
                    let share = |c: &polis::Counts| {
                        let n = if agrees { c.agree } else { c.disagree };
                        if c.seen == 0 {
                            0.0
                        } else {
                            100.0 * f64::from(n) / f64::from(c.seen)
                        }
                    };
                    let mut others = polis::Counts::default();
                    for (h, other) in map.groups.iter().enumerate() {
                        if h != g {
                            others.agree += other.counts[j].agree;
                            others.disagree += other.counts[j].disagree;
                            others.seen += other.counts[j].seen;
                        }
                    }
                    let (inside, outside) = (share(&group.counts[j]), share(&others));
                    Some(Shown {
                        body: view.statement(r.tid)?.body.clone(),
                        agrees,
                        inside,
                        outside,
                        bars: svg::agreement_bars(inside, outside, tr),
                    })
                })
                .collect(),
        })
        .collect()
}

/// The consensus statements on one side, with the share of everyone on that side.
pub(super) fn consensus(view: &MapView, agree: bool) -> Vec<(String, f64)> {
    let list = if agree {
        &view.map.consensus.agree
    } else {
        &view.map.consensus.disagree
    };
    list.iter()
        .filter_map(|s| {
            let share = if s.n_trials == 0 {
                0.0
            } else {
                100.0 * f64::from(s.n_success) / f64::from(s.n_trials)
            };
            Some((view.statement(s.tid)?.body.clone(), share))
        })
        .collect()
}

#[derive(Template)]
#[template(path = "conversations/map.html")]
pub(super) struct MapPage {
    page: PageCtx,
    /// The breadcrumb: (text, address).
    crumbs: Vec<(String, String)>,
    c: Conversation,
    svg: String,
    groups: Vec<GroupView>,
    participants: usize,
    in_conv: usize,
}

impl MapPage {
    fn participants_note(&self) -> String {
        self.page.tr.f(
            "conversation.map_note",
            &[
                (
                    "participants",
                    &self
                        .page
                        .tr
                        .count("conversation.participants", self.participants as i64),
                ),
                ("in_conv", &self.page.tr.num(self.in_conv as i64)),
            ],
        )
    }
    fn members(&self, n: &usize) -> String {
        self.page.tr.count("conversation.members", *n as i64)
    }
    fn percent(&self, share: &f64) -> String {
        percent(self.page.tr, *share)
    }
}

/// A share in percent, as the language writes it.
fn percent(tr: kernel::i18n::Tr, share: f64) -> String {
    let n = format!("{share:.0}\u{a0}%");
    match tr.0 {
        kernel::i18n::Lang::Fr => n,
        kernel::i18n::Lang::En => n.replace('\u{a0}', ""),
    }
}

pub(super) async fn map(
    State(state): State<AppState>,
    page: PageCtx,
    Path(params): Params,
) -> Result<Response, Error> {
    let l = locate(&state, &params, page.user.as_ref()).await?;
    let view = act::map_of(&state, &l.conversation).await?;
    render(&MapPage {
        svg: svg::opinion_map(&view.map, None, page.tr),
        groups: groups(&view, page.tr),
        participants: view.map.participants,
        in_conv: view.map.in_conv.len(),
        crumbs: l.crumbs(page.tr),
        page,
        c: l.conversation,
    })
}

#[derive(Template)]
#[template(path = "conversations/report.html")]
pub(super) struct ReportPage {
    page: PageCtx,
    /// The breadcrumb: (text, address).
    crumbs: Vec<(String, String)>,
    c: Conversation,
    groups: Vec<GroupView>,
    agreed: Vec<(String, f64)>,
    disagreed: Vec<(String, f64)>,
    participants: usize,
    statements: usize,
    votes: usize,
    pending: usize,
    moderated_out: usize,
}

impl ReportPage {
    fn figure(&self, key: &str, n: &usize) -> String {
        self.page.tr.count(key, *n as i64)
    }
    fn members(&self, n: &usize) -> String {
        self.page.tr.count("conversation.members", *n as i64)
    }
    fn percent(&self, share: &f64) -> String {
        percent(self.page.tr, *share)
    }
}

pub(super) async fn report(
    State(state): State<AppState>,
    page: PageCtx,
    Path(params): Params,
) -> Result<Response, Error> {
    let l = locate(&state, &params, page.user.as_ref()).await?;
    let view = act::map_of(&state, &l.conversation).await?;
    render(&ReportPage {
        groups: groups(&view, page.tr),
        agreed: consensus(&view, true),
        disagreed: consensus(&view, false),
        participants: view.map.participants,
        statements: view
            .statements
            .iter()
            .filter(|s| s.moderation != Moderation::Rejected)
            .count(),
        votes: view.votes.len(),
        pending: view
            .statements
            .iter()
            .filter(|s| s.moderation == Moderation::Pending)
            .count(),
        moderated_out: view.map.moderated_out.len(),
        crumbs: l.crumbs(page.tr),
        page,
        c: l.conversation,
    })
}

/// The files of a conversation's export, by name.
const FILES: [&str; 5] = [
    "summary.csv",
    "comments.csv",
    "votes.csv",
    "participant-votes.csv",
    "comment-groups.csv",
];

/// A conversation in Polis' export format: what the map was drawn from (participants by
/// number only, no account, no address), with the groups of the map the pages show.
fn export(c: &Conversation, view: &MapView, base_url: &str) -> polis::Export {
    let records: Vec<polis::StatementRecord> = view
        .statements
        .iter()
        .map(|s| polis::StatementRecord {
            statement: s.for_map(),
            // A statement written outside the conversation (none today) is the first
            // participant's, as Polis gives the owner's.
            author: s.author_pid.unwrap_or(0),
            time: s.created_at,
            text: s.body.clone(),
        })
        .collect();
    let summary = polis::Summary {
        topic: c.question.clone(),
        description: c.description.clone(),
        url: format!("{base_url}{}", c.url),
    };
    polis::export(&summary, &records, &view.votes, &view.map)
}

pub(super) async fn data_file(
    State(state): State<AppState>,
    Path((id, file)): Path<(String, String)>,
) -> Result<Response, Error> {
    if !FILES.contains(&file.as_str()) {
        return Err(Error::NotFound);
    }
    let c = store::get(state.db(), &id)
        .await?
        .filter(|c| c.public)
        .ok_or(Error::NotFound)?;
    let view = act::map_of(&state, &c).await?;
    let export = export(&c, &view, &state.config().base_url);
    let body = export
        .files()
        .into_iter()
        .find(|(name, _)| *name == file)
        .map(|(_, text)| text.to_string())
        .ok_or(Error::NotFound)?;
    Ok((
        [
            (
                axum::http::header::CONTENT_TYPE,
                "text/csv; charset=utf-8".to_string(),
            ),
            (
                axum::http::header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"conversation-{}-{file}\"", c.id),
            ),
        ],
        body,
    )
        .into_response())
}

/// Every conversation's export, for the catalogue.
pub async fn datasets(state: AppState) -> Result<Vec<kernel::catalog::Dataset>, Error> {
    use kernel::catalog::{Dataset, Distribution};
    Ok(store::all(state.db())
        .await?
        .into_iter()
        .map(|c| {
            let file = |name: &str| format!("/data/conversations/{}/{name}", c.id);
            Dataset {
                id: format!("conversation-{}", c.id),
                title: format!("Conversation — {}", c.question),
                description: "Les propositions, les votes (participants numérotés, sans donnée \
                              personnelle) et les groupes d'opinion, au format d'export de Polis."
                    .into(),
                publisher: c.publisher().to_string(),
                keywords: vec!["conversation".into(), "participation citoyenne".into()],
                modified: Some(c.created_at),
                distributions: FILES
                    .iter()
                    .map(|name| Distribution {
                        path: file(name),
                        media_type: "text/csv",
                        format: "CSV",
                        schema: None,
                    })
                    .collect(),
            }
        })
        .collect())
}
