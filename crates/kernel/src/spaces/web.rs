//! Space pages: home, theme, and the space's own administration.

use super::model::{Space, SpaceFields};
use super::store;
use crate::accounts::store::{self as accounts, Member};
use crate::accounts::{Action, Email, Role, can};
use crate::app::AppState;
use crate::error::{Error, FieldError, FieldErrors};
use crate::policy::SpaceManager;
use crate::web::routes::Routes;
use crate::web::{Form, PageCtx, redirect_with_flash, render, render_invalid};
use askama::Template;
use axum::extract::{Multipart, Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;

/// The space routes.
pub fn routes() -> Routes {
    Routes::new()
        .route("/s/{slug}", get(show))
        .route("/s/{slug}/theme.css", get(theme))
        .route("/s/{slug}/admin", get(admin).post(update))
        .route("/s/{slug}/admin/area", post(set_area))
        .route("/s/{slug}/admin/second-factor", post(set_second_factor))
        .route("/s/{slug}/admin/members", post(add_member))
        .route("/s/{slug}/admin/members/remove", post(remove_member))
}

/// The largest side of a space's logo, in pixels.
pub const LOGO_SIDE: u32 = 256;

/// The fields and logo of a space form sent as `multipart/form-data`.
pub async fn read_space_form(
    multipart: Multipart,
) -> Result<(SpaceFields, Option<Vec<u8>>), Error> {
    let form = crate::web::MultipartForm::read(multipart, &["logo"]).await?;
    let fields = SpaceFields {
        slug: form.text("slug"),
        name: form.text("name"),
        description: form.text("description"),
        territory: form.text("territory"),
        accent_color: form.text("accent_color"),
    };
    Ok((fields, form.file("logo").map(<[u8]>::to_vec)))
}

/// The `kind/code` of the territory a person typed (as [`resolve_territory`] reads it) when the
/// referential holds it.
pub async fn known_territory(state: &AppState, typed: &str) -> Result<Option<String>, Error> {
    let typed = resolve_territory(state, typed);
    Ok(crate::territories::store::named(state.db(), &typed)
        .await?
        .map(|t| format!("{}/{}", t.kind.as_str(), t.code)))
}

/// What a person may type in the territory field of a form: `kind/code`, an INSEE code of a
/// commune (`22113`), or the exact name of a territory (`Lannion`, `Occitanie`), largest first
/// when several share it. Returns the `kind/code` form, or the text unchanged for the parser to
/// refuse.
pub fn resolve_territory(state: &AppState, typed: &str) -> String {
    let typed = typed.trim();
    if typed.contains('/') || typed.is_empty() {
        return typed.to_string();
    }
    if typed.len() == 5
        && typed.bytes().all(|b| b.is_ascii_alphanumeric())
        && typed.bytes().any(|b| b.is_ascii_digit())
    {
        return format!("commune/{}", typed.to_ascii_uppercase());
    }
    let folded = crate::search::words(typed).collect::<Vec<_>>().join(" ");
    let hits = state.search().search(&crate::search::SearchQuery {
        text: typed.to_string(),
        kinds: vec!["territory"],
        offset: 0,
        limit: 10,
        region: None,
    });
    hits.hits
        .into_iter()
        .find(|h| {
            crate::search::words(&h.doc.title)
                .collect::<Vec<_>>()
                .join(" ")
                == folded
        })
        .map(|h| h.doc.id)
        .unwrap_or_else(|| typed.to_string())
}

/// The space of this slug, or 404.
pub async fn space_or_404(state: &AppState, slug: &str) -> Result<Space, Error> {
    store::get_by_slug(state.db(), slug)
        .await?
        .ok_or(Error::NotFound)
}

#[derive(Template)]
#[template(path = "spaces/show.html")]
struct ShowPage {
    page: PageCtx,
    space: Space,
    territory_url: String,
    can_manage: bool,
    sections: Vec<crate::app::Section>,
}

async fn show(
    State(state): State<AppState>,
    page: PageCtx,
    Path(slug): Path<String>,
) -> Result<Response, Error> {
    let space = space_or_404(&state, &slug).await?;
    let territory_url = format!(
        "/territories/{}/{}",
        space.territory.kind.as_str(),
        space.territory.code
    );
    let can_manage = can(page.user.as_ref(), Action::ManageSpace(&space.id));
    let sections = state
        .space_sections(crate::app::SectionOf {
            id: space.id.clone(),
            user: page.user.clone(),
            lang: page.tr.0,
        })
        .await?;
    render(&ShowPage {
        page,
        space,
        territory_url,
        can_manage,
        sections,
    })
}

async fn theme(State(state): State<AppState>, Path(slug): Path<String>) -> Result<Response, Error> {
    let space = space_or_404(&state, &slug).await?;
    // The colour was parsed as #rrggbb when stored: nothing else can reach the stylesheet.
    let css = format!(":root {{ --accent: {}; }}\n", space.accent_color);
    Ok((
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        css,
    )
        .into_response())
}

#[derive(Template)]
#[template(path = "spaces/admin.html")]
struct AdminPage {
    page: PageCtx,
    space: Space,
    fields: SpaceFields,
    errors: FieldErrors,
    members: Vec<Member>,
    member_errors: FieldErrors,
    /// The space's queues with what waits in them.
    pending: Vec<(String, crate::workplace::Work)>,
    /// The four sides of the area form, as stored or as typed.
    area: AreaForm,
    area_errors: FieldErrors,
    tiles: String,
    /// Where the map opens while the space has no area: the instance's.
    map_area: String,
    /// Whether the space's staff must sign in with a second factor.
    staff_second_factor: bool,
}

impl AdminPage {
    fn role_key(&self, role: &Role) -> &'static str {
        match role {
            Role::Admin => "role.admin",
            Role::SpaceAdmin => "role.space_admin",
            Role::Moderator => "role.moderator",
            Role::Agent => "role.agent",
        }
    }
}

fn fields_of(space: &Space) -> SpaceFields {
    SpaceFields {
        slug: space.slug.clone(),
        name: space.name.clone(),
        description: space.description.clone(),
        territory: space.territory.as_string(),
        accent_color: space.accent_color.clone(),
    }
}

async fn admin_page(state: &AppState, page: PageCtx, space: Space) -> Result<AdminPage, Error> {
    let members = accounts::space_members(state.db(), &space.id).await?;
    let pending = match &page.user {
        Some(user) => crate::workplace::queues(state, user, page.tr.0, Some(&space)).await?,
        None => Vec::new(),
    };
    let area = store::area(state.db(), &space.id)
        .await?
        .map(|a| AreaForm {
            west: a.west.to_string(),
            south: a.south.to_string(),
            east: a.east.to_string(),
            north: a.north.to_string(),
        })
        .unwrap_or_default();
    Ok(AdminPage {
        page,
        fields: fields_of(&space),
        errors: FieldErrors::new(),
        members,
        member_errors: FieldErrors::new(),
        pending,
        area,
        area_errors: FieldErrors::new(),
        tiles: state.config().tile_url.clone(),
        map_area: crate::geo::area_attribute(store::instance_area(state.db()).await?.as_ref()),
        staff_second_factor: crate::accounts::second_factor::space_requires(state.db(), &space.id)
            .await?,
        space,
    })
}

async fn admin(
    State(state): State<AppState>,
    page: PageCtx,
    SpaceManager { user: _, space }: SpaceManager,
) -> Result<Response, Error> {
    render(&admin_page(&state, page, space).await?)
}

async fn update(
    State(state): State<AppState>,
    page: PageCtx,
    SpaceManager { user, space }: SpaceManager,
    Path(slug): Path<String>,
    multipart: Multipart,
) -> Result<Response, Error> {
    let (mut fields, logo) = read_space_form(multipart).await?;
    fields.slug = space.slug.clone();
    fields.territory = resolve_territory(&state, &fields.territory);
    let result = async {
        let (input, logo) = Error::both(
            fields.parse(),
            state
                .uploads()
                .check_optional_image("logo", logo.as_deref(), 256)
                .await,
        )?;
        // Written once every field is accepted, before the row that names it (a file the
        // database then refuses is swept a day later).
        state.uploads().store_all(logo.iter()).await?;
        let name = logo.as_ref().map(|l| l.name.as_str());
        store::update(state.db(), &space.id, &input, name, &user.id).await
    }
    .await;
    match result {
        Ok(()) => Ok(redirect_with_flash(&format!("/s/{slug}"), "flash.saved")),
        Err(Error::Invalid(errors)) => {
            let mut p = admin_page(&state, page, space).await?;
            p.fields = fields;
            p.errors = errors;
            render_invalid(&p)
        }
        Err(e) => Err(e),
    }
}

/// The four sides of a space's area as typed; all empty forgets the area.
#[derive(Debug, Default, Deserialize)]
struct AreaForm {
    #[serde(default)]
    west: String,
    #[serde(default)]
    south: String,
    #[serde(default)]
    east: String,
    #[serde(default)]
    north: String,
}

#[derive(Deserialize)]
struct SecondFactorForm {
    /// `yes` when the space's staff must sign in with a second factor.
    required: Option<String>,
}

async fn set_second_factor(
    State(state): State<AppState>,
    SpaceManager { user, space }: SpaceManager,
    Form(form): Form<SecondFactorForm>,
) -> Result<Response, Error> {
    let required = form.required.as_deref() == Some("yes");
    crate::accounts::second_factor::set_space_requires(state.db(), &space.id, required, &user.id)
        .await?;
    Ok(redirect_with_flash(
        &format!("{}/admin", space.url()),
        "flash.saved",
    ))
}

async fn set_area(
    State(state): State<AppState>,
    page: PageCtx,
    SpaceManager { user, space }: SpaceManager,
    Path(slug): Path<String>,
    Form(form): Form<AreaForm>,
) -> Result<Response, Error> {
    let sides = [&form.west, &form.south, &form.east, &form.north];
    let area = if sides.iter().all(|s| s.trim().is_empty()) {
        Ok(None)
    } else {
        crate::geo::Area::parse(&form.west, &form.south, &form.east, &form.north).map(Some)
    };
    match area {
        Ok(area) => {
            store::set_area(state.db(), &space.id, area.as_ref(), &user.id).await?;
            Ok(redirect_with_flash(
                &format!("/s/{slug}/admin"),
                "flash.saved",
            ))
        }
        Err(e) => {
            let mut p = admin_page(&state, page, space).await?;
            p.area = form;
            p.area_errors = e.into();
            render_invalid(&p)
        }
    }
}

#[derive(Deserialize)]
struct MemberForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    user_id: String,
}

async fn add_member(
    State(state): State<AppState>,
    page: PageCtx,
    SpaceManager { user, space }: SpaceManager,
    Path(slug): Path<String>,
    Form(form): Form<MemberForm>,
) -> Result<Response, Error> {
    let role = Role::parse_space_role(&form.role);
    let found = match Email::parse(&form.email) {
        Ok(email) => accounts::user_by_email(state.db(), &email).await?,
        Err(_) => None,
    };
    match (found, role) {
        // A role goes only to a confirmed address: nobody gets one for an address they typed.
        (Some(member), Some(role)) if member.confirmed => {
            accounts::grant(
                state.db(),
                &member.id,
                role,
                Some(&space.id),
                Some(&user.id),
            )
            .await?;
            Ok(redirect_with_flash(
                &format!("/s/{slug}/admin"),
                "flash.member_added",
            ))
        }
        (found, _) => {
            let mut p = admin_page(&state, page, space).await?;
            p.member_errors = match found {
                None => FieldError::new("email", "member.unknown").into(),
                Some(m) if !m.confirmed => FieldError::new("email", "member.unconfirmed").into(),
                Some(_) => FieldError::new("role", "member.role").into(),
            };
            render_invalid(&p)
        }
    }
}

async fn remove_member(
    State(state): State<AppState>,
    SpaceManager { user, space }: SpaceManager,
    Path(slug): Path<String>,
    Form(form): Form<MemberForm>,
) -> Result<Response, Error> {
    let role = Role::parse_space_role(&form.role).ok_or(Error::BadRequest("member.role"))?;
    accounts::revoke(
        state.db(),
        &form.user_id,
        role,
        Some(&space.id),
        Some(&user.id),
    )
    .await?;
    Ok(redirect_with_flash(
        &format!("/s/{slug}/admin"),
        "flash.member_removed",
    ))
}
