//! Conversation pages: taking part (one statement at a time, adding one), the opinion map and
//! the report with the open data (`results`), and the moderators' pages (`manage`).

mod manage;
mod results;
mod svg;
mod take_part;

pub use results::datasets;

use crate::model::*;
use crate::policy::{self, Action, Resource};
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

const BASE: &str = "/s/{space}/processes/{process}/conversations";

/// The conversation routes.
pub fn routes() -> Routes {
    let r = |tail: &str| format!("{BASE}{tail}");
    Routes::new()
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
        )
        .route(
            "/data/conversations/{conversation}/{file}",
            get(results::data_file),
        )
}

/// The cookie that keeps an anonymous participant (a random token; its hash is stored).
const PARTICIPANT_COOKIE: &str = "conversation_participant";

/// A year, in seconds: how long an anonymous participant's cookie lasts.
const PARTICIPANT_COOKIE_AGE: i64 = 365 * 86_400;

/// A conversation with the process it belongs to.
struct Located {
    process: Process,
    conversation: Conversation,
}

async fn locate(state: &AppState, space: &str, process: &str, id: &str) -> Result<Located, Error> {
    let process = participation::store::by_address(state.db(), space, process).await?;
    let conversation = store::get(state.db(), id)
        .await?
        .filter(|c| c.process_id == process.id)
        .ok_or(Error::NotFound)?;
    Ok(Located {
        process,
        conversation,
    })
}

/// The address of a conversation page: space, process, conversation.
type ConversationPath = (String, String, String);

/// The conversation at `path` when `user` may do `action` to it.
async fn allowed(
    state: &AppState,
    (space, process, id): &ConversationPath,
    user: &kernel::accounts::User,
    action: Action,
) -> Result<Located, Error> {
    let l = locate(state, space, process, id).await?;
    policy::check(Some(user), action, &Resource::Conversation(&l.conversation))?;
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
