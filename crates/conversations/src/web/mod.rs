//! Conversation pages: taking part (one statement at a time, adding one), the opinion map and
//! the report with the open data (`results`), and the moderators' pages (`manage`).

mod manage;
mod results;
mod svg;
mod take_part;
mod work;

pub use commun::network_section;
pub use results::datasets;
pub use work::workplace;

use crate::model::*;
use crate::policy::{self, Action, Resource, Standing};
use crate::store;
use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use kernel::app::{Section, SectionItem, SectionOf};
use kernel::web::routes::Routes;
use kernel::web::{ClientIp, Form, PageCtx, SignedIn, redirect_with_flash, render, render_invalid};
use kernel::{AppState, Error, FieldErrors};
use participation::Process;
use serde::Deserialize;
use std::collections::HashMap;

mod commun;

const BASE: &str = "/s/{space}/processes/{process}/conversations";

/// Where the network's conversations are.
const NETWORK_BASE: &str = "/commun/conversations";

/// The conversation routes: the same pages for a process's conversations and the network's.
pub fn routes() -> Routes {
    let mut routes = Routes::new().route(NETWORK_BASE, get(commun::list)).route(
        "/commun/conversations/{conversation}/resource",
        post(commun::propose_resource),
    );
    for base in [BASE, NETWORK_BASE] {
        let r = |tail: &str| format!("{base}{tail}");
        routes = routes
            .route(&r("/new"), get(manage::new_form).post(manage::create))
            .route(&r("/{conversation}"), get(take_part::show))
            .route(&r("/{conversation}/vote"), post(take_part::vote))
            .route(&r("/{conversation}/statements"), post(take_part::add))
            .route(&r("/{conversation}/map"), get(results::map))
            .route(&r("/{conversation}/report"), get(results::report))
            .route(
                &r("/{conversation}/edit"),
                get(manage::edit_form).post(manage::update),
            )
            .route(&r("/{conversation}/close"), post(manage::close))
            .route(&r("/{conversation}/reopen"), post(manage::reopen))
            .route(&r("/{conversation}/moderation"), get(manage::queue))
            .route(
                &r("/{conversation}/moderation/{statement}"),
                post(manage::moderate),
            );
    }
    routes.route(
        "/data/conversations/{conversation}/{file}",
        get(results::data_file),
    )
}

/// The cookie that keeps an anonymous participant (a random token; its hash is stored).
const PARTICIPANT_COOKIE: &str = "conversation_participant";

/// A year, in seconds: how long an anonymous participant's cookie lasts.
const PARTICIPANT_COOKIE_AGE: i64 = 365 * 86_400;

/// Where the pages of a conversation are: a process, or the network. Read from the address.
enum Place {
    /// A process of a space.
    Process(Box<Process>),
    /// The network.
    Network,
}

impl Place {
    /// The place at the address's parameters `space` and `process` as `reader` sees it (a draft
    /// process is a 404 to those who may not prepare it), or the network when the address has
    /// none.
    async fn of(
        state: &AppState,
        params: &HashMap<String, String>,
        reader: Option<&kernel::accounts::User>,
    ) -> Result<Place, Error> {
        match (params.get("space"), params.get("process")) {
            (Some(space), Some(process)) => Ok(Place::Process(Box::new(
                participation::visible_process(state, space, process, reader).await?,
            ))),
            _ => Ok(Place::Network),
        }
    }
    /// Whether `c` is held here.
    fn holds(&self, c: &Conversation) -> bool {
        match self {
            Place::Process(p) => c.process_id() == Some(p.id.as_str()),
            Place::Network => matches!(c.home, Home::Network { .. }),
        }
    }
    /// The breadcrumb up to the place: (text, address).
    fn crumbs(&self, tr: kernel::i18n::Tr) -> Vec<(String, String)> {
        match self {
            Place::Process(p) => vec![
                (p.space_name.clone(), format!("/s/{}", p.space_slug)),
                (p.title.clone(), p.url()),
            ],
            Place::Network => vec![
                (tr.t("network.title").to_string(), "/commun".to_string()),
                (
                    tr.t("conversation.network_list").to_string(),
                    NETWORK_BASE.to_string(),
                ),
            ],
        }
    }
    /// The stylesheet of the space's theme, for a process.
    fn theme(&self) -> Option<String> {
        match self {
            Place::Process(p) => Some(format!("/s/{}/theme.css", p.space_slug)),
            Place::Network => None,
        }
    }
    /// The address of a new conversation's form here.
    fn new_url(&self) -> String {
        match self {
            Place::Process(p) => format!("{}/conversations/new", p.url()),
            Place::Network => format!("{NETWORK_BASE}/new"),
        }
    }
}

/// A conversation at its address, with what the reader is to its network.
struct Located {
    place: Place,
    conversation: Conversation,
    standing: Standing,
}

impl Located {
    /// What the policy is asked about.
    fn resource(&self) -> Resource<'_> {
        Resource::Conversation(&self.conversation, self.standing)
    }
    /// The breadcrumb up to the conversation.
    fn crumbs(&self, tr: kernel::i18n::Tr) -> Vec<(String, String)> {
        let mut crumbs = self.place.crumbs(tr);
        crumbs.push((
            self.conversation.question.clone(),
            self.conversation.url.clone(),
        ));
        crumbs
    }
}

/// The conversation at the address's parameters (`conversation`, and `space` and `process` for
/// a process's), as `user` stands to it.
async fn locate(
    state: &AppState,
    params: &HashMap<String, String>,
    user: Option<&kernel::accounts::User>,
) -> Result<Located, Error> {
    let place = Place::of(state, params, user).await?;
    let id = params.get("conversation").ok_or(Error::NotFound)?;
    let conversation = store::get(state.db(), id)
        .await?
        .filter(|c| place.holds(c))
        .ok_or(Error::NotFound)?;
    let standing = crate::act::standing(state, user, &conversation).await?;
    Ok(Located {
        place,
        conversation,
        standing,
    })
}

/// The parameters of a conversation page's address.
type Params = Path<HashMap<String, String>>;

/// The conversation at `params` when `user` may do `action` to it.
async fn allowed(
    state: &AppState,
    params: &HashMap<String, String>,
    user: &kernel::accounts::User,
    action: Action,
) -> Result<Located, Error> {
    let l = locate(state, params, Some(user)).await?;
    policy::check(Some(user), action, &l.resource())?;
    Ok(l)
}

/// "Open" or "closed", in the reader's language.
fn state_note(c: &Conversation, tr: kernel::i18n::Tr) -> String {
    if c.is_open() {
        tr.count("conversation.open_votes", c.votes)
    } else {
        tr.t("conversation.closed_note").to_string()
    }
}

/// The conversations shown on a process's page.
pub async fn process_section(state: AppState, of: SectionOf) -> Result<Option<Section>, Error> {
    let conversations = store::of_process(state.db(), &of.id).await?;
    let process = participation::store::get(state.db(), &of.id)
        .await?
        .ok_or(Error::NotFound)?;
    let manage = policy::can(
        of.user.as_ref(),
        Action::Manage,
        &Resource::Process(&process),
    );
    if conversations.is_empty() && !manage {
        return Ok(None);
    }
    let tr = kernel::i18n::Tr(of.lang);
    Ok(Some(Section {
        heading: "conversation.section",
        items: conversations
            .iter()
            .map(|c| SectionItem {
                title: c.question.clone(),
                url: c.url.clone(),
                note: state_note(c, tr),
                ..Default::default()
            })
            .collect(),
        add: manage.then(|| {
            (
                "conversation.new",
                format!("{}/conversations/new", process.url()),
            )
        }),
    }))
}
