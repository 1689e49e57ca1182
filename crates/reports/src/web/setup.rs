//! The space administrators' setup of reporting: teams and their members, categories routed to
//! teams with their questions, and the client applications of the Open311 API with their keys.

use crate::error::StoreError;
use crate::model::{Category, Team, parse_attributes};
use crate::store::{self, CategoryInput, Client};
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use axum::routing::{get, post};
use kernel::accounts::Email;
use kernel::policy::SpaceManager;
use kernel::spaces::Space;
use kernel::web::routes::Routes;
use kernel::web::{Form, PageCtx, redirect_with_flash, render, render_invalid};
use kernel::{AppState, Error, FieldError, FieldErrors};
use serde::Deserialize;

pub(super) fn routes() -> Routes {
    Routes::new()
        .route("/s/{space}/reports/setup", get(page))
        .route("/s/{space}/reports/setup/teams", post(add_team))
        .route("/s/{space}/reports/setup/members", post(add_member))
        .route("/s/{space}/reports/setup/categories", post(add_category))
        .route("/s/{space}/reports/setup/clients", post(add_client))
        .route("/s/{space}/reports/setup/area", post(set_area))
        .route(
            "/s/{space}/reports/setup/clients/revoke",
            post(revoke_client),
        )
}

#[derive(Debug, Clone, Default, Deserialize)]
struct Fields {
    #[serde(default)]
    name: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    team: String,
    #[serde(default)]
    code: String,
    #[serde(default)]
    group: String,
    #[serde(default)]
    keywords: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    attributes: String,
    #[serde(default)]
    client: String,
    #[serde(default)]
    west: String,
    #[serde(default)]
    south: String,
    #[serde(default)]
    east: String,
    #[serde(default)]
    north: String,
}

#[derive(Template)]
#[template(path = "reports/setup.html")]
struct SetupPage {
    page: PageCtx,
    space: Space,
    teams: Vec<Team>,
    members: Vec<(String, String)>,
    categories: Vec<Category>,
    clients: Vec<Client>,
    /// Which form the fields and errors belong to.
    form: &'static str,
    fields: Fields,
    errors: FieldErrors,
    attributes_line: usize,
    new_key: Option<String>,
    area: Option<crate::model::Area>,
    tiles: String,
    /// The space's area, where the map opens while the reports' area is not set.
    map_area: String,
}

impl SetupPage {
    /// The value of a side of the area: as typed after a refusal, else as stored.
    fn side(&self, typed: &str, stored: impl Fn(&crate::model::Area) -> f64) -> String {
        if self.form == "area" {
            typed.to_string()
        } else {
            self.area
                .as_ref()
                .map(|a| format!("{:.5}", stored(a)))
                .unwrap_or_default()
        }
    }
    fn west(&self) -> String {
        self.side(&self.fields.west, |a| a.west)
    }
    fn south(&self) -> String {
        self.side(&self.fields.south, |a| a.south)
    }
    fn east(&self) -> String {
        self.side(&self.fields.east, |a| a.east)
    }
    fn north(&self) -> String {
        self.side(&self.fields.north, |a| a.north)
    }
    fn members_of(&self, team: &str) -> Vec<&str> {
        self.members
            .iter()
            .filter(|(t, _)| t == team)
            .map(|(_, n)| n.as_str())
            .collect()
    }
    fn team_name(&self, id: &str) -> &str {
        self.teams
            .iter()
            .find(|t| t.id == id)
            .map_or("", |t| t.name.as_str())
    }
    fn errors_of(&self, form: &str) -> FieldErrors {
        if self.form == form {
            self.errors.clone()
        } else {
            FieldErrors::new()
        }
    }
    fn value(&self, form: &str, v: &str) -> String {
        if self.form == form {
            v.to_string()
        } else {
            String::new()
        }
    }
}

async fn setup_page(state: &AppState, page: PageCtx, space: Space) -> Result<SetupPage, Error> {
    let space_id = space.id.clone();
    Ok(SetupPage {
        teams: store::teams(state.db(), &space.id).await?,
        members: store::members(state.db(), &space.id).await?,
        categories: store::categories(state.db(), &space.id).await?,
        clients: store::clients(state.db(), &space.id).await?,
        page,
        space,
        form: "",
        fields: Fields::default(),
        errors: FieldErrors::new(),
        attributes_line: 0,
        new_key: None,
        area: store::area(state.db(), &space_id).await?,
        tiles: state.config().tile_url.clone(),
        map_area: kernel::spaces::map_area(state.db(), &space_id).await?,
    })
}

async fn page(
    State(state): State<AppState>,
    page: PageCtx,
    SpaceManager { user: _, space }: SpaceManager,
) -> Result<Response, Error> {
    render(&setup_page(&state, page, space).await?)
}

async fn refused(
    state: &AppState,
    page: PageCtx,
    space: Space,
    form: &'static str,
    fields: Fields,
    errors: FieldErrors,
) -> Result<Response, Error> {
    let mut p = setup_page(state, page, space).await?;
    p.form = form;
    p.fields = fields;
    p.errors = errors;
    render_invalid(&p)
}

fn back(space: &Space) -> String {
    format!("/s/{}/reports/setup", space.slug)
}

async fn add_team(
    State(state): State<AppState>,
    page: PageCtx,
    SpaceManager { user: _, space }: SpaceManager,
    Form(f): Form<Fields>,
) -> Result<Response, Error> {
    let mut errors = FieldErrors::new();
    let name = errors.take(kernel::text::line(&f.name, "name", 2, 120));
    let email = errors.take(Email::parse(&f.email));
    match (name, email) {
        (Some(name), Some(email)) => {
            store::create_team(state.db(), &space.id, &name, email.as_str()).await?;
            Ok(redirect_with_flash(&back(&space), "flash.saved"))
        }
        _ => refused(&state, page, space, "team", f, errors).await,
    }
}

async fn add_member(
    State(state): State<AppState>,
    page: PageCtx,
    SpaceManager { user, space }: SpaceManager,
    Form(f): Form<Fields>,
) -> Result<Response, Error> {
    let teams = store::teams(state.db(), &space.id).await?;
    let Some(team) = teams.iter().find(|t| t.id == f.team) else {
        return refused(
            &state,
            page,
            space,
            "member",
            f,
            FieldError::new("team", "report.team").into(),
        )
        .await;
    };
    let found = match Email::parse(&f.email) {
        Ok(e) => kernel::accounts::store::user_by_email(state.db(), &e).await?,
        Err(_) => None,
    };
    match found {
        // A team member handles reports as an agent of the space.
        Some(member) if member.confirmed => {
            kernel::accounts::store::grant(
                state.db(),
                &member.id,
                kernel::accounts::Role::Agent,
                Some(&space.id),
                Some(&user.id),
            )
            .await?;
            store::add_member(state.db(), &team.id, &member.id).await?;
            Ok(redirect_with_flash(&back(&space), "flash.saved"))
        }
        Some(_) => {
            refused(
                &state,
                page,
                space,
                "member",
                f,
                FieldError::new("email", "member.unconfirmed").into(),
            )
            .await
        }
        None => {
            refused(
                &state,
                page,
                space,
                "member",
                f,
                FieldError::new("email", "member.unknown").into(),
            )
            .await
        }
    }
}

async fn add_category(
    State(state): State<AppState>,
    page: PageCtx,
    SpaceManager { user: _, space }: SpaceManager,
    Form(f): Form<Fields>,
) -> Result<Response, Error> {
    let mut errors = FieldErrors::new();
    let code = f.code.trim().to_string();
    if code.is_empty()
        || code.len() > 40
        || !code
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        errors.push(FieldError::new("code", "report.code"));
    }
    let name = errors.take(kernel::text::line(&f.name, "name", 2, 120));
    let group = errors.take(kernel::text::line(&f.group, "group", 0, 80));
    let keywords = errors.take(kernel::text::line(&f.keywords, "keywords", 0, 300));
    let description = errors.take(kernel::text::paragraphs(
        &f.description,
        "description",
        1000,
    ));
    let teams = store::teams(state.db(), &space.id).await?;
    if !teams.iter().any(|t| t.id == f.team) {
        errors.push(FieldError::new("team", "report.team"));
    }
    let (attributes, line) = match parse_attributes(&f.attributes) {
        Ok(a) => (a, 0),
        Err(line) => {
            errors.push(FieldError::new("attributes", "report.attribute_line"));
            (Vec::new(), line)
        }
    };
    if !errors.is_empty() {
        let mut p = setup_page(&state, page, space).await?;
        p.form = "category";
        p.fields = f;
        p.errors = errors;
        p.attributes_line = line;
        return render_invalid(&p);
    }
    let input = CategoryInput {
        code: &code,
        name: name.as_deref().unwrap_or_default(),
        group: group.as_deref().unwrap_or_default(),
        keywords: keywords.as_deref().unwrap_or_default(),
        description: description.as_deref().unwrap_or_default(),
        team_id: &f.team,
        attributes: &attributes,
    };
    match store::create_category(state.db(), &space.id, &input).await {
        Ok(_) => Ok(redirect_with_flash(&back(&space), "flash.saved")),
        Err(StoreError::Invalid(e)) => refused(&state, page, space, "category", f, e).await,
        Err(e) => Err(e.into()),
    }
}

async fn add_client(
    State(state): State<AppState>,
    page: PageCtx,
    SpaceManager { user: _, space }: SpaceManager,
    Form(f): Form<Fields>,
) -> Result<Response, Error> {
    let name = match kernel::text::line(&f.name, "name", 2, 120) {
        Ok(n) => n,
        Err(e) => return refused(&state, page, space, "client", f, e.into()).await,
    };
    let key = store::create_client(state.db(), &space.id, &name, None).await?;
    let mut p = setup_page(&state, page, space).await?;
    p.new_key = Some(key);
    let mut res = render(&p)?;
    res.headers_mut().insert(
        axum::http::header::CACHE_CONTROL,
        axum::http::HeaderValue::from_static("no-store"),
    );
    Ok(res)
}

async fn revoke_client(
    State(state): State<AppState>,
    SpaceManager { user: _, space }: SpaceManager,
    Form(f): Form<Fields>,
) -> Result<Response, Error> {
    store::revoke_client(state.db(), &space.id, &f.client).await?;
    Ok(redirect_with_flash(&back(&space), "flash.saved"))
}

async fn set_area(
    State(state): State<AppState>,
    page: PageCtx,
    SpaceManager { user: _, space }: SpaceManager,
    Form(f): Form<Fields>,
) -> Result<Response, Error> {
    // The reports' own words: reports outside the area will be refused.
    match crate::model::Area::parse(&f.west, &f.south, &f.east, &f.north)
        .map_err(|_| kernel::FieldError::new("area", "report.area"))
    {
        Ok(area) => {
            store::set_area(state.db(), &space.id, &area).await?;
            Ok(redirect_with_flash(&back(&space), "flash.saved"))
        }
        Err(e) => refused(&state, page, space, "area", f, e.into()).await,
    }
}
