//! Process pages: the page of a process (phases, components, answers given), and its
//! administration (texts, image, perimeter, phases, components with their settings and
//! categories).

use super::component_or_404;
use crate::model::{
    CategoryFields, ComponentFields, Perimeter, Phase, PhaseFields, Process, ProcessComponent,
    ProcessFields, current_phase,
};
use crate::store;
use askama::Template;
use axum::extract::{Multipart, Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use kernel::accounts::{Action, User, can};
use kernel::app::{Section, SectionItem, SectionOf};
use kernel::policy::SpaceManager;
use kernel::spaces::Space;
use kernel::web::routes::Routes;
use kernel::web::{
    Form, MultipartForm, PageCtx, SignedIn, redirect_with_flash, render, render_invalid,
};
use kernel::{AppState, Error, FieldErrors};

/// The page of one tab of a process's settings (see [`TABS`]).
macro_rules! tab {
    ($tab:literal) => {
        |state: State<AppState>, page: PageCtx, user: SignedIn, path: Path<(String, String)>| {
            edit_tab(state, page, user, path, $tab)
        }
    };
}

/// The process routes.
pub fn routes() -> Routes {
    Routes::new()
        .route("/s/{space}/processes/new", get(new_form).post(create))
        .route("/s/{space}/processes/{process}", get(show))
        .route("/s/{space}/processes/{process}/edit", get(edit_first_tab))
        .route(
            "/s/{space}/processes/{process}/edit/general",
            get(tab!("general")).post(edit_general),
        )
        .route(
            "/s/{space}/processes/{process}/edit/perimeter",
            get(tab!("perimeter")).post(edit_perimeter),
        )
        .route(
            "/s/{space}/processes/{process}/edit/image",
            get(tab!("image")).post(image),
        )
        .route(
            "/s/{space}/processes/{process}/edit/phases",
            get(tab!("phases")),
        )
        .route(
            "/s/{space}/processes/{process}/edit/components",
            get(tab!("components")),
        )
        .route("/s/{space}/processes/{process}/phases", post(add_phase))
        .route(
            "/s/{space}/processes/{process}/phases/{phase}",
            post(edit_phase),
        )
        .route(
            "/s/{space}/processes/{process}/phases/{phase}/remove",
            post(remove_phase),
        )
        .route(
            "/s/{space}/processes/{process}/components",
            post(add_component),
        )
        .route(
            "/s/{space}/processes/{process}/c/{component}/settings",
            get(settings_form).post(settings),
        )
        .route(
            "/s/{space}/processes/{process}/c/{component}/categories",
            post(add_category),
        )
        .route("/s/{space}/processes/{process}/follow", post(follow))
        .route("/s/{space}/processes/{process}/publish", post(publish))
}

/// The process at this address as `reader` sees it, or 404: a draft exists only for those who
/// may manage its space. Every page under a process's address (this component's, the votes',
/// the conversations') finds its process here.
pub async fn visible_process(
    state: &AppState,
    space: &str,
    slug: &str,
    reader: Option<&User>,
) -> Result<Process, Error> {
    let process = store::by_address(state.db(), space, slug).await?;
    process
        .publication
        .require_seen(can_manage(reader, &process.space_id))?;
    Ok(process)
}

/// Whether `user` may manage the processes of a space (and what they hold).
pub fn can_manage(user: Option<&User>, space_id: &str) -> bool {
    crate::policy::can(
        user,
        crate::policy::Action::Manage,
        &crate::policy::Resource::Space(space_id),
    )
}

/// The processes shown on a space's page.
pub async fn space_section(state: AppState, of: SectionOf) -> Result<Option<Section>, Error> {
    let manage = can_manage(of.user.as_ref(), &of.id);
    let processes = store::of_space(state.db(), &of.id, manage, 50).await?;
    let space = kernel::spaces::store::get_by_id(state.db(), &of.id)
        .await?
        .ok_or(Error::NotFound)?;
    let add = manage.then(|| ("process.new", format!("/s/{}/processes/new", space.slug)));
    let draft = kernel::i18n::tr(of.lang, "publication.draft");
    let mut items: Vec<SectionItem> = processes
        .into_iter()
        .map(|p| SectionItem {
            url: p.url(),
            note: if p.publication.is_draft() {
                format!("{draft} · {}", p.summary)
            } else {
                p.summary
            },
            title: p.title,
            image: p.image,
        })
        .collect();
    if can(of.user.as_ref(), Action::ModerateSpace(&of.id)) {
        items.push(SectionItem {
            url: format!("/s/{}/moderation", space.slug),
            title: kernel::i18n::tr(of.lang, "moderation.title").to_string(),
            note: String::new(),
            ..Default::default()
        });
    }
    Ok(Some(Section {
        heading: "process.list",
        items,
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

async fn new_form(
    page: PageCtx,
    SpaceManager { user: _, space }: SpaceManager,
) -> Result<Response, Error> {
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
    SpaceManager { user, space }: SpaceManager,
    Form(fields): Form<ProcessFields>,
) -> Result<Response, Error> {
    // An address left empty is made from the title; the form shows it empty again if refused.
    let mut typed = fields.clone();
    if typed.slug.trim().is_empty() && !typed.title.trim().is_empty() {
        typed.slug = store::free_slug(state.db(), &space.id, &typed.title).await?;
    }
    let result = match typed.parse() {
        Ok(input) => store::create(state.db(), &space.id, &input, &user.id)
            .await
            .map_err(Error::from),
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
    phases: Vec<Phase>,
    current: Option<String>,
    components: Vec<(ProcessComponent, bool)>,
    counts: (i64, i64),
    sections: Vec<Section>,
    manage: bool,
    moderate: bool,
    following: Option<bool>,
    tiles: String,
    /// The space's area, where the map opens when the process has no perimeter.
    area: String,
    /// What the map's markers mean.
    legend: kernel::geo::Legend,
    /// The process's located contributions, on its map.
    cards: Vec<kernel::geo::MapCard>,
}

impl ShowPage {
    fn component_url(&self, c: &ProcessComponent) -> String {
        super::component_url(&self.process, &c.id)
    }
    fn is_current(&self, p: &Phase) -> bool {
        self.current.as_deref() == Some(p.id.as_str())
    }
    fn points(&self) -> String {
        kernel::geo::cards_attribute(&self.cards)
    }
}

async fn show(
    State(state): State<AppState>,
    page: PageCtx,
    Path((space, slug)): Path<(String, String)>,
) -> Result<Response, Error> {
    let process = visible_process(&state, &space, &slug, page.user.as_ref()).await?;
    let sections = state
        .process_sections(SectionOf {
            id: process.id.clone(),
            user: page.user.clone(),
            lang: page.tr.0,
        })
        .await?;
    let phases = store::phases(state.db(), &process.id).await?;
    let today = kernel::clock::local_date(kernel::ids::now_ms());
    let current = current_phase(&phases, today).map(|p| p.id.clone());
    let components: Vec<(ProcessComponent, bool)> = store::components(state.db(), &process.id)
        .await?
        .into_iter()
        .map(|c| {
            let active = c.active(&phases, today);
            (c, active)
        })
        .collect();
    let listed: Vec<ProcessComponent> = components.iter().map(|(c, _)| c.clone()).collect();
    let (legend, cards) = super::map::process_map(&state, &page.tr, &process, &listed).await?;
    let counts = store::contributions::answered_counts(state.db(), &process.id).await?;
    let following = match &page.user {
        Some(u) => store::follows::following(state.db(), &process.id, &u.id).await?,
        None => None,
    };
    render(&ShowPage {
        legend,
        cards,
        area: kernel::spaces::map_area(state.db(), &process.space_id).await?,
        manage: can_manage(page.user.as_ref(), &process.space_id),
        moderate: can(page.user.as_ref(), Action::ModerateSpace(&process.space_id)),
        tiles: state.config().tile_url.clone(),
        page,
        process,
        phases,
        current,
        components,
        counts,
        sections,
        following,
    })
}

/// The process of a space its reader manages.
async fn managed_process(
    state: &AppState,
    space: &str,
    slug: &str,
    user: &User,
) -> Result<Process, Error> {
    let process = visible_process(state, space, slug, Some(user)).await?;
    crate::policy::check(
        user,
        crate::policy::Action::Manage,
        &crate::policy::Resource::Space(&process.space_id),
    )?;
    Ok(process)
}

/// The tabs of a process's settings, each its own page and form, so that saving one loses
/// nothing typed in another: (address under `/edit/`, its name's text).
const TABS: [(&str, &str); 5] = [
    ("general", "process.tab.general"),
    ("perimeter", "process.tab.perimeter"),
    ("image", "process.tab.image"),
    ("phases", "process.tab.phases"),
    ("components", "process.tab.components"),
];

#[derive(Template)]
#[template(path = "processes/edit.html")]
struct EditPage {
    page: PageCtx,
    /// The tab shown (an address of [`TABS`]).
    tab: &'static str,
    process: Process,
    fields: ProcessFields,
    errors: FieldErrors,
    phases: Vec<Phase>,
    /// The phase being added (`""`) or changed (its id), as typed.
    phase: PhaseFields,
    phase_edited: String,
    components: Vec<ProcessComponent>,
    component: ComponentFields,
    tiles: String,
    /// The space's area, where the perimeter editor opens when there is no perimeter yet.
    area: String,
}

impl EditPage {
    fn component_url(&self, c: &ProcessComponent) -> String {
        super::component_url(&self.process, &c.id)
    }
    fn tabs(&self) -> &'static [(&'static str, &'static str)] {
        &TABS
    }
    fn tab_title(&self) -> &'static str {
        TABS.iter()
            .find(|(t, _)| *t == self.tab)
            .map_or("process.edit", |(_, key)| key)
    }
    /// A phase's fields as shown in its form: what was typed when its change was refused.
    fn phase_fields(&self, p: &Phase) -> PhaseFields {
        if self.phase_edited == p.id {
            self.phase.clone()
        } else {
            PhaseFields::of(p)
        }
    }
    /// The errors of a phase's form.
    fn phase_errors(&self, id: &str) -> FieldErrors {
        if self.phase_edited == id {
            self.errors.clone()
        } else {
            FieldErrors::new()
        }
    }
}

async fn edit_page(
    state: &AppState,
    page: PageCtx,
    process: Process,
    tab: &'static str,
) -> Result<EditPage, Error> {
    let fields = ProcessFields {
        slug: process.slug.clone(),
        title: process.title.clone(),
        summary: process.summary.clone(),
        description: process.description.clone(),
        themes: process.themes.join(", "),
        perimeter: process
            .perimeter
            .as_ref()
            .map(|p| p.to_text())
            .unwrap_or_default(),
    };
    Ok(EditPage {
        area: kernel::spaces::map_area(state.db(), &process.space_id).await?,
        page,
        tab,
        phases: store::phases(state.db(), &process.id).await?,
        components: store::components(state.db(), &process.id).await?,
        process,
        fields,
        errors: FieldErrors::new(),
        phase: PhaseFields::default(),
        phase_edited: String::new(),
        component: ComponentFields::fresh(),
        tiles: state.config().tile_url.clone(),
    })
}

/// The tab `tab` of the process's settings again, keeping what was typed (`keep`), with why a
/// change was refused.
async fn refused(
    state: &AppState,
    page: PageCtx,
    process: Process,
    tab: &'static str,
    errors: FieldErrors,
    keep: impl FnOnce(&mut EditPage),
) -> Result<Response, Error> {
    let mut p = edit_page(state, page, process, tab).await?;
    keep(&mut p);
    p.errors = errors;
    render_invalid(&p)
}

/// Back to the tab `tab` of the process's settings once a change is saved.
fn saved(process: &Process, tab: &str) -> Response {
    redirect_with_flash(&format!("{}/edit/{tab}", process.url()), "flash.saved")
}

/// The settings' old single page: its first tab now.
async fn edit_first_tab(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
    Path((space, slug)): Path<(String, String)>,
) -> Result<Response, Error> {
    let process = managed_process(&state, &space, &slug, &user).await?;
    Ok(Redirect::to(&format!("{}/edit/{}", process.url(), TABS[0].0)).into_response())
}

async fn edit_tab(
    State(state): State<AppState>,
    page: PageCtx,
    SignedIn(user): SignedIn,
    Path((space, slug)): Path<(String, String)>,
    tab: &'static str,
) -> Result<Response, Error> {
    let process = managed_process(&state, &space, &slug, &user).await?;
    render(&edit_page(&state, page, process, tab).await?)
}

/// The general tab: title, summary, description and themes (the address stays; the perimeter
/// and the image have their tabs).
async fn edit_general(
    State(state): State<AppState>,
    page: PageCtx,
    SignedIn(user): SignedIn,
    Path((space, slug)): Path<(String, String)>,
    Form(mut fields): Form<ProcessFields>,
) -> Result<Response, Error> {
    let process = managed_process(&state, &space, &slug, &user).await?;
    fields.slug = process.slug.clone();
    fields.perimeter = String::new();
    match fields.parse() {
        Ok(input) => {
            store::update_texts(state.db(), &process.id, &input, &user.id).await?;
            Ok(saved(&process, "general"))
        }
        Err(errors) => {
            refused(&state, page, process, "general", errors, |p| {
                p.fields.title = fields.title;
                p.fields.summary = fields.summary;
                p.fields.description = fields.description;
                p.fields.themes = fields.themes;
            })
            .await
        }
    }
}

/// What the perimeter tab sends.
#[derive(serde::Deserialize)]
struct PerimeterForm {
    #[serde(default)]
    perimeter: String,
}

async fn edit_perimeter(
    State(state): State<AppState>,
    page: PageCtx,
    SignedIn(user): SignedIn,
    Path((space, slug)): Path<(String, String)>,
    Form(form): Form<PerimeterForm>,
) -> Result<Response, Error> {
    let process = managed_process(&state, &space, &slug, &user).await?;
    match Perimeter::parse(&form.perimeter) {
        Ok(perimeter) => {
            store::set_perimeter(state.db(), &process.id, perimeter.as_ref(), &user.id).await?;
            Ok(saved(&process, "perimeter"))
        }
        Err(e) => {
            refused(&state, page, process, "perimeter", e.into(), |p| {
                p.fields.perimeter = form.perimeter
            })
            .await
        }
    }
}

async fn image(
    State(state): State<AppState>,
    page: PageCtx,
    SignedIn(user): SignedIn,
    Path((space, slug)): Path<(String, String)>,
    multipart: Multipart,
) -> Result<Response, Error> {
    let process = managed_process(&state, &space, &slug, &user).await?;
    let form = MultipartForm::read(multipart, &["image"]).await?;
    let stored = match form.file("image") {
        Some(bytes) => state.uploads().put_image("image", bytes, 1600).await,
        None => Err(kernel::FieldError::new("image", "text.required").into()),
    };
    match stored {
        Ok(name) => {
            store::set_image(state.db(), &process.id, &name).await?;
            Ok(saved(&process, "image"))
        }
        Err(Error::Invalid(errors)) => {
            refused(&state, page, process, "image", errors, |_| ()).await
        }
        Err(e) => Err(e),
    }
}

async fn add_phase(
    State(state): State<AppState>,
    page: PageCtx,
    SignedIn(user): SignedIn,
    Path((space, slug)): Path<(String, String)>,
    Form(fields): Form<PhaseFields>,
) -> Result<Response, Error> {
    let process = managed_process(&state, &space, &slug, &user).await?;
    match fields.parse() {
        Ok(input) => {
            store::add_phase(state.db(), &process.id, &input, &user.id).await?;
            Ok(saved(&process, "phases"))
        }
        Err(errors) => {
            refused(&state, page, process, "phases", errors, |p| {
                p.phase = fields
            })
            .await
        }
    }
}

/// Changes a phase's name, dates and description.
async fn edit_phase(
    State(state): State<AppState>,
    page: PageCtx,
    SignedIn(user): SignedIn,
    Path((space, slug, phase)): Path<(String, String, String)>,
    Form(fields): Form<PhaseFields>,
) -> Result<Response, Error> {
    let process = managed_process(&state, &space, &slug, &user).await?;
    match fields.parse() {
        Ok(input) => {
            store::update_phase(state.db(), &process.id, &phase, &input, &user.id).await?;
            Ok(saved(&process, "phases"))
        }
        Err(errors) => {
            refused(&state, page, process, "phases", errors, |p| {
                p.phase = fields;
                p.phase_edited = phase;
            })
            .await
        }
    }
}

async fn remove_phase(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
    Path((space, slug, phase)): Path<(String, String, String)>,
) -> Result<Response, Error> {
    let process = managed_process(&state, &space, &slug, &user).await?;
    store::remove_phase(state.db(), &process.id, &phase, &user.id).await?;
    Ok(saved(&process, "phases"))
}

async fn add_component(
    State(state): State<AppState>,
    page: PageCtx,
    SignedIn(user): SignedIn,
    Path((space, slug)): Path<(String, String)>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, Error> {
    let process = managed_process(&state, &space, &slug, &user).await?;
    let fields = ComponentFields::from_pairs(&pairs);
    let phases = store::phases(state.db(), &process.id).await?;
    match fields.parse(&phases) {
        Ok(input) => {
            let id = store::add_component(state.db(), &process.id, &input, &user.id).await?;
            Ok(redirect_with_flash(
                &format!("{}/settings", super::component_url(&process, &id)),
                "flash.saved",
            ))
        }
        Err(errors) => {
            refused(&state, page, process, "components", errors, |p| {
                p.component = fields
            })
            .await
        }
    }
}

#[derive(Template)]
#[template(path = "processes/settings.html")]
struct SettingsPage {
    page: PageCtx,
    process: Process,
    component: ProcessComponent,
    fields: ComponentFields,
    phases: Vec<Phase>,
    categories: Vec<crate::model::Category>,
    category: CategoryFields,
    errors: FieldErrors,
}

async fn settings_page(
    state: &AppState,
    page: PageCtx,
    process: Process,
    component: ProcessComponent,
) -> Result<SettingsPage, Error> {
    Ok(SettingsPage {
        page,
        fields: ComponentFields::of(&component),
        phases: store::phases(state.db(), &process.id).await?,
        categories: store::categories(state.db(), &component.id).await?,
        category: CategoryFields {
            colour: "#1f6feb".into(),
            ..Default::default()
        },
        errors: FieldErrors::new(),
        process,
        component,
    })
}

async fn settings_form(
    State(state): State<AppState>,
    page: PageCtx,
    SignedIn(user): SignedIn,
    Path((space, slug, id)): Path<(String, String, String)>,
) -> Result<Response, Error> {
    let process = managed_process(&state, &space, &slug, &user).await?;
    let component = component_or_404(&state, &process, &id).await?;
    render(&settings_page(&state, page, process, component).await?)
}

async fn settings(
    State(state): State<AppState>,
    page: PageCtx,
    SignedIn(user): SignedIn,
    Path((space, slug, id)): Path<(String, String, String)>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, Error> {
    let process = managed_process(&state, &space, &slug, &user).await?;
    let component = component_or_404(&state, &process, &id).await?;
    let mut fields = ComponentFields::from_pairs(&pairs);
    fields.kind = component.kind.as_str().into();
    let mut p = settings_page(&state, page, process, component).await?;
    match fields.parse(&p.phases) {
        Ok(input) => {
            store::update_component(state.db(), &p.component.id, &input, &user.id).await?;
            Ok(redirect_with_flash(
                &format!(
                    "{}/settings",
                    super::component_url(&p.process, &p.component.id)
                ),
                "flash.saved",
            ))
        }
        Err(errors) => {
            p.fields = fields;
            p.errors = errors;
            render_invalid(&p)
        }
    }
}

async fn add_category(
    State(state): State<AppState>,
    page: PageCtx,
    SignedIn(user): SignedIn,
    Path((space, slug, id)): Path<(String, String, String)>,
    Form(fields): Form<CategoryFields>,
) -> Result<Response, Error> {
    let process = managed_process(&state, &space, &slug, &user).await?;
    let component = component_or_404(&state, &process, &id).await?;
    match fields.parse() {
        Ok(input) => {
            store::add_category(state.db(), &component.id, &input, &user.id).await?;
            Ok(redirect_with_flash(
                &format!(
                    "{}/settings#categories",
                    super::component_url(&process, &id)
                ),
                "flash.saved",
            ))
        }
        Err(errors) => {
            let mut p = settings_page(&state, page, process, component).await?;
            p.category = fields;
            p.errors = errors;
            render_invalid(&p)
        }
    }
}

/// What a follow form asks: `off`, `mail` (each time) or `digest` (daily).
#[derive(serde::Deserialize)]
pub(super) struct FollowForm {
    #[serde(default)]
    pub how: String,
}

/// Follows, or stops following, a process or a contribution.
pub(super) async fn set_follow(
    state: &AppState,
    target_id: &str,
    user: &User,
    how: &str,
) -> Result<&'static str, Error> {
    match how {
        "off" => {
            store::follows::unfollow(state.db(), target_id, &user.id).await?;
            Ok("flash.unfollowed")
        }
        "digest" | "mail" => {
            store::follows::follow(state.db(), target_id, &user.id, how == "digest").await?;
            Ok("flash.followed")
        }
        _ => Err(Error::BadRequest("form.malformed")),
    }
}

async fn follow(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
    Path((space, slug)): Path<(String, String)>,
    Form(f): Form<FollowForm>,
) -> Result<Response, Error> {
    let process = visible_process(&state, &space, &slug, Some(&user)).await?;
    let flash = set_follow(&state, &process.id, &user, &f.how).await?;
    Ok(redirect_with_flash(&process.url(), flash))
}

/// Publishes a draft process.
async fn publish(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
    Path((space, slug)): Path<(String, String)>,
) -> Result<Response, Error> {
    let process = managed_process(&state, &space, &slug, &user).await?;
    store::publish(state.db(), &process.id, &user.id).await?;
    Ok(redirect_with_flash(&process.url(), "publication.published"))
}
