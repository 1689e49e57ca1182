//! Comments: writing one (on a contribution or in answer to a comment, at most three deep),
//! editing it within 15 minutes, voting, flagging.

use super::contributions::{back, show_page};
use super::processes::visible_process;
use super::{Refused, contribution_url, followers_but, notices, participant};
use crate::model::{State, parse_comment, parse_flag_reason};
use crate::store;
use crate::store::moderation::Target;
use axum::extract::{Path, State as AxState};
use axum::response::Response;
use axum::routing::post;
use kernel::accounts::User;
use kernel::web::routes::Routes;
use kernel::web::{Form, PageCtx, SignedIn, redirect_with_flash, render_invalid};
use kernel::{AppState, Error, FieldErrors};
use serde::Deserialize;

pub(super) fn routes() -> Routes {
    let c = "/s/{space}/processes/{process}/contributions/{id}";
    Routes::new()
        .route(&format!("{c}/comments"), post(add))
        .route(&format!("{c}/flag"), post(flag_contribution))
        .route(&format!("{c}/comments/{{comment}}/edit"), post(edit))
        .route(&format!("{c}/comments/{{comment}}/vote"), post(vote))
        .route(
            &format!("{c}/comments/{{comment}}/flag"),
            post(flag_comment),
        )
}

#[derive(Deserialize, Default)]
struct CommentForm {
    #[serde(default)]
    body: String,
    #[serde(default)]
    parent: String,
    #[serde(default)]
    form_key: String,
}

async fn add(
    AxState(state): AxState<AppState>,
    page: PageCtx,
    SignedIn(user): SignedIn,
    Path((space, process, id)): Path<(String, String, String)>,
    Form(f): Form<CommentForm>,
) -> Result<Response, Error> {
    let (process, c) = published(&state, &space, &process, &id, &user).await?;
    let url = contribution_url(&process, &c.id);
    if let Err(e) = participant(&state, &user, &process.space_id).await {
        return back(&url, Err(e));
    }
    let key_ok = f.form_key.len() == 32 && f.form_key.bytes().all(|b| b.is_ascii_hexdigit());
    let parent = (!f.parent.is_empty()).then_some(f.parent.as_str());
    let added = match parse_comment(&f.body) {
        Ok(body) if key_ok => {
            let followers = followers_but(&state, &[&c.id], &user.id).await?;
            let told = notices(&state, &followers, "mail.new_comment", (&c.title, &url));
            let on = (c.id.as_str(), parent);
            store::comments::add(state.db(), on, &user.id, (&body, &f.form_key), &told)
                .await
                .map_err(Error::from)
        }
        Ok(_) => Err(Error::BadRequest("form.malformed")),
        Err(e) => Err(e.into()),
    };
    match added {
        Ok(comment) => Ok(redirect_with_flash(
            &format!("{url}#comment-{comment}"),
            "flash.commented",
        )),
        Err(Error::Invalid(errors)) => {
            let mut p = show_page(&state, page, process, &id, "").await?;
            p.errors = errors;
            render_invalid(&p)
        }
        Err(e) => Err(e),
    }
}

/// The published contribution of the process at these addresses, or 404.
async fn published(
    state: &AppState,
    space: &str,
    process: &str,
    id: &str,
    reader: &User,
) -> Result<(crate::model::Process, crate::model::Contribution), Error> {
    let process = visible_process(state, space, process, Some(reader)).await?;
    let c = store::contributions::get(state.db(), id)
        .await?
        .filter(|c| c.process_id == process.id && c.state == State::Published)
        .ok_or(Error::NotFound)?;
    Ok((process, c))
}

/// The comment of a contribution of the process at these addresses.
async fn comment_of(
    state: &AppState,
    space: &str,
    process: &str,
    id: &str,
    comment: &str,
    reader: &User,
) -> Result<
    (
        crate::model::Process,
        crate::model::Contribution,
        crate::model::Comment,
    ),
    Error,
> {
    let process = visible_process(state, space, process, Some(reader)).await?;
    let c = store::contributions::get(state.db(), id)
        .await?
        .filter(|c| c.process_id == process.id)
        .ok_or(Error::NotFound)?;
    let m = store::comments::get(state.db(), comment)
        .await?
        .filter(|m| m.contribution_id == c.id)
        .ok_or(Error::NotFound)?;
    Ok((process, c, m))
}

async fn edit(
    AxState(state): AxState<AppState>,
    page: PageCtx,
    SignedIn(user): SignedIn,
    Path((space, process, id, comment)): Path<(String, String, String, String)>,
    Form(f): Form<CommentForm>,
) -> Result<Response, Error> {
    let (process, c, m) = comment_of(&state, &space, &process, &id, &comment, &user).await?;
    crate::policy::check(
        &user,
        crate::policy::Action::EditComment,
        &crate::policy::Resource::Comment(&m),
    )?;
    let done = match parse_comment(&f.body) {
        Ok(body) => store::comments::edit(state.db(), &m.id, &body)
            .await
            .map_err(Error::from),
        Err(e) => Err(e.into()),
    };
    match done {
        Ok(()) => Ok(redirect_with_flash(
            &format!("{}#comment-{}", contribution_url(&process, &c.id), m.id),
            "flash.saved",
        )),
        Err(Error::Invalid(errors)) => {
            let mut p = show_page(&state, page, process, &id, "").await?;
            p.errors = FieldErrors(
                errors
                    .0
                    .into_iter()
                    .map(|mut e| {
                        e.field = "edit";
                        e
                    })
                    .collect(),
            );
            render_invalid(&p)
        }
        Err(e) => Err(e),
    }
}

#[derive(Deserialize)]
struct VoteForm {
    #[serde(default)]
    value: String,
}

async fn vote(
    AxState(state): AxState<AppState>,
    SignedIn(user): SignedIn,
    Path((space, process, id, comment)): Path<(String, String, String, String)>,
    Form(f): Form<VoteForm>,
) -> Result<Response, Error> {
    let (process, c, m) = comment_of(&state, &space, &process, &id, &comment, &user).await?;
    let value = match f.value.as_str() {
        "up" => 1,
        "down" => -1,
        "none" => 0,
        _ => return Err(Error::BadRequest("form.malformed")),
    };
    let to = format!("{}#comment-{}", contribution_url(&process, &c.id), m.id);
    let done = async {
        participant(&state, &user, &process.space_id).await?;
        if m.state != State::Published {
            return Err(Error::NotFound.into());
        }
        store::comments::vote(state.db(), &m.id, &user.id, value).await?;
        Ok("flash.voted")
    }
    .await;
    back(&to, done)
}

#[derive(Deserialize)]
struct FlagForm {
    #[serde(default)]
    reason: String,
}

/// Flags an item; past the component's threshold it is held for the moderators.
async fn flag(
    state: &AppState,
    user: &kernel::accounts::User,
    process: &crate::model::Process,
    component_id: &str,
    target: Target,
    id: &str,
    reason: &str,
) -> Result<&'static str, Refused> {
    participant(state, user, &process.space_id).await?;
    let reason = parse_flag_reason(reason).map_err(|_| Refused::FlagReason)?;
    let component = store::component(state.db(), component_id)
        .await?
        .ok_or(Error::NotFound)?;
    store::moderation::flag(
        state.db(),
        target,
        id,
        &process.space_id,
        &user.id,
        &reason,
        component.settings.flag_threshold,
    )
    .await?;
    Ok("flash.flagged")
}

async fn flag_contribution(
    AxState(state): AxState<AppState>,
    SignedIn(user): SignedIn,
    Path((space, process, id)): Path<(String, String, String)>,
    Form(f): Form<FlagForm>,
) -> Result<Response, Error> {
    let (process, c) = published(&state, &space, &process, &id, &user).await?;
    let done = flag(
        &state,
        &user,
        &process,
        &c.component_id,
        Target::Contribution,
        &c.id,
        &f.reason,
    )
    .await;
    back(&contribution_url(&process, &c.id), done)
}

async fn flag_comment(
    AxState(state): AxState<AppState>,
    SignedIn(user): SignedIn,
    Path((space, process, id, comment)): Path<(String, String, String, String)>,
    Form(f): Form<FlagForm>,
) -> Result<Response, Error> {
    let (process, c, m) = comment_of(&state, &space, &process, &id, &comment, &user).await?;
    if m.state != State::Published {
        return Err(Error::NotFound);
    }
    let done = flag(
        &state,
        &user,
        &process,
        &c.component_id,
        Target::Comment,
        &m.id,
        &f.reason,
    )
    .await;
    back(&contribution_url(&process, &c.id), done)
}
