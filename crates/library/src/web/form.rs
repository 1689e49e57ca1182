//! Proposing an experience report and its authors' edits (kept for a moderator once it is
//! published), with the attachments they carry.

use super::*;

/// The process a typed line names: its path on this site and its title.
pub(super) async fn process_of(
    state: &AppState,
    typed: &str,
) -> Result<Option<(String, String)>, Error> {
    // Only an http(s) address or a path of this site is read; its path alone is kept.
    let Ok(link) = kernel::text::Link::parse(typed, "processes", "experience.process") else {
        return Ok(None);
    };
    let path = link.path();
    let parts: Vec<&str> = path.trim_matches('/').split('/').collect();
    let ["s", space, "processes", slug] = parts.as_slice() else {
        return Ok(None);
    };
    Ok(participation::store::get_by_slug(state.db(), space, slug)
        .await?
        .filter(|p| !p.publication.is_draft())
        .map(|p| (format!("/s/{}/processes/{}", p.space_slug, p.slug), p.title)))
}

/// The id of the published directory actor a line names: its address, its slug or its id.
async fn actor_of(state: &AppState, typed: &str) -> Result<Option<String>, Error> {
    let key = typed
        .trim()
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or("");
    let db = state.db();
    let found = match directory::store::by_slug(db, key).await? {
        Some(a) => Some(a),
        None => directory::store::get(db, key).await?,
    };
    Ok(found
        .filter(|a| a.state == directory::store::State::Published)
        .map(|a| a.id))
}

/// Reads a posted experience form and its attachments: its fields (to show it again) and the
/// experience or every field's error.
async fn read_form(
    state: &AppState,
    page: &PageCtx,
    multipart: axum::extract::Multipart,
) -> Result<(Vec<(String, String)>, Result<ExperienceInput, FieldErrors>), Error> {
    let mut form = AttachedForm::read(state, page, multipart).await?;
    let parsed = parse(state, &form.fields).await?;
    let parsed = form
        .accept(state, parsed)
        .await?
        .map(|input| ExperienceInput {
            attachments: form.attachments.clone(),
            ..input
        });
    Ok((form.fields, parsed))
}

pub(super) async fn attachment(
    State(state): State<AppState>,
    page: PageCtx,
    Path((slug, file)): Path<(String, String)>,
) -> Result<Response, Error> {
    let (experience, _) = visible(&state, page.user.as_ref(), &slug).await?;
    kernel::web::attachment(
        state.uploads(),
        &experience.data.attachments,
        &file,
        experience.state == ExperienceState::Published,
    )
    .await
}

/// A file of a revision waiting for a moderator: the moderators open it before deciding.
pub(super) async fn revision_attachment(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
    Path((id, file)): Path<(String, String)>,
) -> Result<Response, Error> {
    if !policy::can(Some(&user), policy::Action::Moderate, &Resource::Component) {
        return Err(Error::NotFound);
    }
    let revision = match store::pending_revision(state.db(), &id).await {
        Err(StoreError::Decided) => return Err(Error::NotFound),
        r => r?,
    };
    kernel::web::attachment(state.uploads(), &revision.data.attachments, &file, false).await
}

/// Parses a posted experience against the referential, the directory and the processes.
async fn parse(
    state: &AppState,
    pairs: &[(String, String)],
) -> Result<Result<ExperienceInput, FieldErrors>, Error> {
    let fields = ExperienceFields(pairs);
    let territory = kernel::spaces::web::known_territory(state, fields.get("territory")).await?;
    let mut actors = Vec::new();
    for line in fields.typed_actors().iter().take(20) {
        actors.push(actor_of(state, line).await?);
    }
    let mut processes = Vec::new();
    for line in fields.typed_processes().iter().take(20) {
        processes.push(process_of(state, line).await?.map(|(path, _)| path));
    }
    let tax = directory::terms::current(state).await?;
    Ok(fields.parse(
        |t| tax.knows("theme", t),
        &Resolved {
            territory,
            actors,
            processes,
        },
    ))
}

#[derive(Template)]
#[template(path = "library/form.html")]
struct FormPage {
    page: PageCtx,
    experience: Option<Experience>,
    fields: Vec<(String, String)>,
    base: i64,
    errors: FieldErrors,
    themes: Vec<(String, String)>,
    tools: &'static [&'static str],
    budgets: &'static [&'static str],
}

impl FormPage {
    async fn new(
        state: &AppState,
        page: PageCtx,
        experience: Option<Experience>,
        fields: Vec<(String, String)>,
    ) -> Result<Self, Error> {
        let tax = directory::terms::current(state).await?;
        let themes = tax
            .terms("theme")
            .iter()
            .filter(|t| !t.retired || fields.iter().any(|(k, v)| k == "themes" && *v == t.code))
            .map(|t| (t.code.clone(), t.name(page.tr.0).to_string()))
            .collect();
        Ok(FormPage {
            base: experience.as_ref().map(|e| e.revision).unwrap_or(0),
            page,
            experience,
            fields,
            errors: FieldErrors::new(),
            themes,
            tools: TOOLS,
            budgets: BUDGETS,
        })
    }
    fn get(&self, name: &str) -> &str {
        ExperienceFields(&self.fields).get(name)
    }
    fn has(&self, name: &str, code: &str) -> bool {
        self.fields.iter().any(|(k, v)| k == name && v == code)
    }
    fn kept(&self) -> Vec<kernel::uploads::Attachment> {
        let stored = self
            .experience
            .as_ref()
            .map(|e| e.data.attachments.as_slice());
        kernel::web::kept_attachments(&self.fields, stored.unwrap_or_default())
    }
    fn action(&self) -> String {
        match &self.experience {
            Some(e) => format!("{}/edit", e.url()),
            None => "/library/propose".into(),
        }
    }
}

/// A confirmed account may submit; others are sent back with a message.
fn unconfirmed(user: &User) -> Option<Response> {
    (!user.confirmed).then(|| redirect_with_flash("/library", "flash.library_unconfirmed"))
}

/// The fields another page may fill in a new experience's form through the address (a request
/// for support of the network that found its partner, for one): shown to be checked and
/// completed, stored only once sent.
const PREFILLED: [&str; 5] = ["title", "territory", "context", "approach", "actors"];

pub(super) async fn propose_form(
    State(state): State<AppState>,
    page: PageCtx,
    SignedIn(user): SignedIn,
    axum::extract::Query(query): axum::extract::Query<Vec<(String, String)>>,
) -> Result<Response, Error> {
    if let Some(r) = unconfirmed(&user) {
        return Ok(r);
    }
    let prefilled = query
        .into_iter()
        .filter(|(k, _)| PREFILLED.contains(&k.as_str()))
        .collect();
    render(&FormPage::new(&state, page, None, prefilled).await?)
}

pub(super) async fn propose(
    State(state): State<AppState>,
    page: PageCtx,
    SignedIn(user): SignedIn,
    multipart: axum::extract::Multipart,
) -> Result<Response, Error> {
    if let Some(r) = unconfirmed(&user) {
        return Ok(r);
    }
    let (pairs, parsed) = read_form(&state, &page, multipart).await?;
    match parsed {
        Ok(input) => {
            let experience = store::submit(state.db(), &input, &user.id).await?;
            Ok(redirect_with_flash(
                &experience.url(),
                "flash.experience_submitted",
            ))
        }
        Err(errors) => {
            let mut p = FormPage::new(&state, page, None, pairs).await?;
            p.errors = errors;
            render_invalid(&p)
        }
    }
}

/// The experience at this address that the reader wrote (or moderates).
async fn editable(state: &AppState, user: &User, slug: &str) -> Result<Experience, Error> {
    let (experience, mine) = visible(state, Some(user), slug).await?;
    let resource = Resource::Entry {
        published: experience.state == ExperienceState::Published,
        owned: mine,
    };
    policy::check(user, policy::Action::Edit, &resource)?;
    if experience.state == ExperienceState::Rejected {
        return Err(Error::Conflict("experience.rejected"));
    }
    Ok(experience)
}

pub(super) async fn edit_form(
    State(state): State<AppState>,
    page: PageCtx,
    SignedIn(user): SignedIn,
    Path(slug): Path<String>,
) -> Result<Response, Error> {
    let experience = editable(&state, &user, &slug).await?;
    let fields = experience.data.fields();
    render(&FormPage::new(&state, page, Some(experience), fields).await?)
}

pub(super) async fn edit(
    State(state): State<AppState>,
    page: PageCtx,
    SignedIn(user): SignedIn,
    Path(slug): Path<String>,
    multipart: axum::extract::Multipart,
) -> Result<Response, Error> {
    let experience = editable(&state, &user, &slug).await?;
    let (pairs, parsed) = read_form(&state, &page, multipart).await?;
    let base: i64 = pairs
        .iter()
        .find(|(k, _)| k == "base")
        .and_then(|(_, v)| v.parse().ok())
        .ok_or(Error::BadRequest("form.malformed"))?;
    let url = experience.url();
    let refused = |errors: FieldErrors, experience: Experience, pairs: Vec<(String, String)>| {
        let state = state.clone();
        async move {
            let mut p = FormPage::new(&state, page, Some(experience), pairs).await?;
            p.base = base;
            p.errors = errors;
            render_invalid(&p)
        }
    };
    let input = match parsed {
        Ok(input) => input,
        Err(errors) => return refused(errors, experience, pairs).await,
    };
    match store::edit(state.db(), &experience, base, &input, &user.id).await {
        Ok(true) => Ok(redirect_with_flash(&url, "flash.saved")),
        Ok(false) => Ok(redirect_with_flash(
            &url,
            "flash.experience_revision_pending",
        )),
        Err(e @ StoreError::Stale) => {
            refused(FieldError::new("form", e.code()).into(), experience, pairs).await
        }
        Err(e) => Err(e.into()),
    }
}
