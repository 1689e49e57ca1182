//! Process pages.

use crate::model::{Process, ProcessFields};
use crate::store;
use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use kernel::accounts::{Action, User, can};
use kernel::app::{Section, SectionItem, SectionOf};
use kernel::spaces::Space;
use kernel::web::{Form, PageCtx, SignedIn, render, render_invalid};
use kernel::{AppState, Error, FieldErrors};

/// The process routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/s/{space}/processes/new", get(new_form).post(create))
        .route("/s/{space}/processes/{process}", get(show))
}

/// The space at this address, or 404.
pub async fn space_or_404(state: &AppState, slug: &str) -> Result<Space, Error> {
    kernel::spaces::store::get_by_slug(state.db(), slug)
        .await?
        .ok_or(Error::NotFound)
}

/// The process at this address, or 404.
pub async fn process_or_404(state: &AppState, space: &str, slug: &str) -> Result<Process, Error> {
    store::get_by_slug(state.db(), space, slug)
        .await?
        .ok_or(Error::NotFound)
}

/// Whether `user` may manage the processes of a space (and what they hold).
pub fn can_manage(user: Option<&User>, space_id: &str) -> bool {
    can(user, Action::ManageSpace(space_id))
}

/// The processes shown on a space's page.
pub async fn space_section(state: AppState, of: SectionOf) -> Result<Option<Section>, Error> {
    let processes = store::of_space(state.db(), &of.id, 50).await?;
    let add = if can_manage(of.user.as_ref(), &of.id) {
        let space = kernel::spaces::store::get_by_id(state.db(), &of.id)
            .await?
            .ok_or(Error::NotFound)?;
        Some(("process.new", format!("/s/{}/processes/new", space.slug)))
    } else {
        None
    };
    Ok(Some(Section {
        heading: "process.list",
        items: processes
            .into_iter()
            .map(|p| SectionItem {
                url: p.url(),
                title: p.title,
                note: p.summary,
            })
            .collect(),
        add,
    }))
}

#[derive(Template)]
#[template(path = "processes/new.html")]
struct NewPage {
    page: PageCtx,
    space: Space,
    fields: ProcessFields,
    errors: FieldErrors,
}

async fn managed_space(state: &AppState, slug: &str, user: &User) -> Result<Space, Error> {
    let space = space_or_404(state, slug).await?;
    if !can_manage(Some(user), &space.id) {
        return Err(Error::Forbidden);
    }
    Ok(space)
}

async fn new_form(
    State(state): State<AppState>,
    page: PageCtx,
    SignedIn(user): SignedIn,
    Path(space): Path<String>,
) -> Result<Response, Error> {
    let space = managed_space(&state, &space, &user).await?;
    render(&NewPage {
        page,
        space,
        fields: ProcessFields::default(),
        errors: FieldErrors::new(),
    })
}

async fn create(
    State(state): State<AppState>,
    page: PageCtx,
    SignedIn(user): SignedIn,
    Path(space): Path<String>,
    Form(fields): Form<ProcessFields>,
) -> Result<Response, Error> {
    let space = managed_space(&state, &space, &user).await?;
    let result = match fields.parse() {
        Ok(input) => store::create(state.db(), &space.id, &input, &user.id).await,
        Err(errors) => Err(Error::Invalid(errors)),
    };
    match result {
        Ok(p) => Ok(Redirect::to(&p.url()).into_response()),
        Err(Error::Invalid(errors)) => render_invalid(&NewPage {
            page,
            space,
            fields,
            errors,
        }),
        Err(e) => Err(e),
    }
}

#[derive(Template)]
#[template(path = "processes/show.html")]
struct ShowPage {
    page: PageCtx,
    process: Process,
    sections: Vec<Section>,
}

async fn show(
    State(state): State<AppState>,
    page: PageCtx,
    Path((space, slug)): Path<(String, String)>,
) -> Result<Response, Error> {
    let process = process_or_404(&state, &space, &slug).await?;
    let sections = state
        .process_sections(SectionOf {
            id: process.id.clone(),
            user: page.user.clone(),
            lang: page.tr.0,
        })
        .await?;
    render(&ShowPage {
        page,
        process,
        sections,
    })
}
