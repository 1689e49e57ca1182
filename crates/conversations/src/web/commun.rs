//! The network's conversations: their list, and a conversation's report proposed as a resource
//! of the member that hosts it (reviewed by the network's moderators like any resource).

use super::*;
use crate::act;
use crate::map::MapView;
use axum::extract::Query;
use kernel::web::pager::Pager;

/// Conversations per page of the list.
const PER_PAGE: usize = 20;

#[derive(Template)]
#[template(path = "conversations/network.html")]
pub(super) struct ListPage {
    page: PageCtx,
    conversations: Vec<Conversation>,
    pager: Pager,
    /// The reader may start one.
    start: bool,
}

impl ListPage {
    fn host(&self, c: &Conversation) -> String {
        match &c.home {
            Home::Network { member_name, .. } => self
                .page
                .tr
                .f("conversation.hosted_by", &[("member", member_name)]),
            Home::Process { .. } => String::new(),
        }
    }
    fn note(&self, c: &Conversation) -> String {
        state_note(c, self.page.tr)
    }
}

#[derive(Deserialize)]
pub(super) struct ListQuery {
    page: Option<i64>,
}

pub(super) async fn list(
    State(state): State<AppState>,
    page: PageCtx,
    Query(q): Query<ListQuery>,
) -> Result<Response, Error> {
    let all = store::of_network(state.db()).await?;
    let mut pager = Pager::new(q.page, PER_PAGE as i64, format!("{NETWORK_BASE}?"));
    pager.total = all.len() as i64;
    let conversations = all
        .into_iter()
        .skip(pager.offset().max(0) as usize)
        .take(PER_PAGE)
        .collect();
    let start = may_start(&state, page.user.as_ref()).await?;
    render(&ListPage {
        page,
        conversations,
        pager,
        start,
    })
}

/// Whether `user` may start a network conversation: they own an accepted member.
async fn may_start(state: &AppState, user: Option<&kernel::accounts::User>) -> Result<bool, Error> {
    let member = match user {
        Some(u) => !network::store::owned_accepted(state.db(), &u.id)
            .await?
            .is_empty(),
        None => false,
    };
    Ok(policy::can(
        user,
        Action::Manage,
        &Resource::Network { member },
    ))
}

/// The network conversations shown on the network's home page: the latest few.
pub async fn network_section(state: AppState, of: SectionOf) -> Result<Option<Section>, Error> {
    let tr = kernel::i18n::Tr(of.lang);
    let conversations = store::of_network(state.db()).await?;
    let start = may_start(&state, of.user.as_ref()).await?;
    if conversations.is_empty() && !start {
        return Ok(None);
    }
    Ok(Some(Section {
        heading: "conversation.network_list",
        items: conversations
            .iter()
            .take(3)
            .map(|c| SectionItem {
                title: c.question.clone(),
                url: c.url.clone(),
                note: state_note(c, tr),
                ..Default::default()
            })
            .collect(),
        add: start.then(|| ("conversation.new", format!("{NETWORK_BASE}/new"))),
    }))
}

/// The form of a resource made of a conversation's report: a report of the Polis-style
/// conversation method, under the Licence Ouverte like the conversation's open data, its text
/// the figures, what all share and each group's representative statements, with links to the
/// whole report and the data.
fn report_fields(c: &Conversation, view: &MapView, base_url: &str) -> Vec<(String, String)> {
    let tr = kernel::i18n::Tr(kernel::i18n::Lang::Fr);
    let mut title = format!("Compte rendu — {}", c.question);
    let most = network::model::resources::TITLE_MAX;
    if title.chars().count() > most {
        title = title.chars().take(most - 1).collect::<String>() + "…";
    }
    let host = match &c.home {
        Home::Network { member_name, .. } => member_name.as_str(),
        Home::Process { .. } => c.publisher(),
    };
    let participants = tr.count("conversation.participants", view.map.participants as i64);
    let groups = results::groups(view, tr);
    let summary = format!(
        "Ce que les participants ont répondu à la question « {} », posée dans le réseau par {host} : {participants}, {}.",
        c.question,
        tr.count("conversation.groups", groups.len() as i64),
    );
    let quote = |body: &str| body.replace(['\r', '\n'], " ");
    let mut body = String::new();
    for (agree, heading) in [
        (true, "**Ce que partagent les participants**"),
        (false, "**Ce que rejettent les participants**"),
    ] {
        let shared = results::consensus(view, agree);
        if shared.is_empty() {
            continue;
        }
        body.push_str(heading);
        body.push_str("\n\n");
        for (text, share) in shared {
            body.push_str(&format!("- « {} » ({share:.0} %)\n", quote(&text)));
        }
        body.push('\n');
    }
    for g in &groups {
        body.push_str(&format!(
            "**Groupe {}** ({})\n\n",
            g.letter,
            tr.count("conversation.members", g.size as i64)
        ));
        for s in &g.statements {
            let side = if s.agrees { "d'accord" } else { "pas d'accord" };
            body.push_str(&format!(
                "- « {} » : {:.0} % {side} dans le groupe, {:.0} % ailleurs\n",
                quote(&s.body),
                s.inside,
                s.outside
            ));
        }
        body.push('\n');
    }
    body.push_str(&format!(
        "[Le rapport complet]({base_url}{url}/report) · [Les données ouvertes]({base_url}/data/conversations/{id}/summary.csv)\n",
        url = c.url,
        id = c.id,
    ));
    [
        ("title", title),
        ("summary", summary),
        ("body", body),
        ("kind", "report".to_string()),
        ("methods", "conversation".to_string()),
        ("licence", "etalab_2".to_string()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect()
}

/// Proposes a closed network conversation's report as a resource of its host member, once.
pub(super) async fn propose_resource(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
    Path(params): Params,
) -> Result<Response, Error> {
    let l = allowed(&state, &params, &user, Action::Manage).await?;
    let c = &l.conversation;
    let Home::Network {
        member_id,
        resource_id,
        ..
    } = &c.home
    else {
        return Err(Error::NotFound);
    };
    if resource_id.is_some() {
        return Err(crate::error::StoreError::ResourceExists.into());
    }
    if c.is_open() {
        return Err(Error::Conflict("conversation.still_open"));
    }
    let view = act::map_of(&state, c).await?;
    let methods = network::store::methods(state.db()).await?;
    let fields = report_fields(c, &view, &state.config().base_url);
    let input = network::model::ResourceInput::parse(&fields.as_slice(), &methods)?;
    store::propose_resource(state.db(), c, member_id, &input, &user.id).await?;
    Ok(redirect_with_flash(
        &c.url,
        "flash.conversation_resource_proposed",
    ))
}
