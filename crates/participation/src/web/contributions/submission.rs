//! Submitting a contribution: the form (with its photos and place) and what is stored.

use super::*;

#[derive(Template)]
#[template(path = "contributions/new.html")]
struct NewPage {
    page: PageCtx,
    process: Process,
    component: ProcessComponent,
    categories: Vec<Category>,
    fields: ContributionFields,
    errors: FieldErrors,
    tiles: String,
    /// The space's area, where the map opens when the process has no perimeter (the perimeter
    /// frames it otherwise).
    area: String,
}

impl NewPage {
    fn map_center(&self) -> String {
        match (
            self.fields.lat.parse::<f64>(),
            self.fields.lon.parse::<f64>(),
        ) {
            (Ok(lat), Ok(lon)) => format!("{lat},{lon}"),
            _ => String::new(),
        }
    }
}

/// The component taking contributions from this user now, or why not.
async fn open_component(
    state: &AppState,
    user: &kernel::accounts::User,
    process: &Process,
    component: &ProcessComponent,
    phases: &[Phase],
) -> Result<(), Refused> {
    participant(state, user, &process.space_id).await?;
    if !component.takes_contributions(phases, today()) {
        return Err(Refused::ContributionsClosed);
    }
    Ok(())
}

pub(super) async fn new_form(
    AxState(state): AxState<AppState>,
    page: PageCtx,
    SignedIn(user): SignedIn,
    Path((space, process, component)): Path<(String, String, String)>,
) -> Result<Response, Error> {
    let (process, component, phases) =
        load(&state, &space, &process, &component, Some(&user)).await?;
    let back_to = crate::web::component_url(&process, &component.id);
    if let Err(e) = open_component(&state, &user, &process, &component, &phases).await {
        return back(&back_to, Err(e));
    }
    render(&NewPage {
        area: kernel::spaces::map_area(state.db(), &process.space_id).await?,
        categories: store::categories(state.db(), &component.id).await?,
        tiles: state.config().tile_url.clone(),
        fields: ContributionFields {
            form_key: form_key(),
            ..Default::default()
        },
        errors: FieldErrors::new(),
        page,
        process,
        component,
    })
}

/// Reads the form; photos are checked, not stored (see [`kernel::uploads::Photos`]). A refused
/// photo is given back beside the fields, so that the page shows it with the form's other
/// problems and keeps what was typed.
async fn read_form(
    state: &AppState,
    keeper: &kernel::uploads::Keeper,
    multipart: Multipart,
) -> Result<
    (
        ContributionFields,
        kernel::uploads::Photos,
        Option<FieldErrors>,
    ),
    Error,
> {
    let form = MultipartForm::read(multipart, &["photo"]).await?;
    let mut f = ContributionFields {
        title: form.text("title"),
        body: form.text("body"),
        category: form.text("category"),
        lat: form.text("lat").trim().to_string(),
        lon: form.text("lon").trim().to_string(),
        address: form.text("address"),
        anonymous: form.texts.iter().any(|(k, _)| k == "anonymous"),
        form_key: form.text("form_key").trim().to_string(),
        photos: Vec::new(),
    };
    match state
        .uploads()
        .photos_of(&form, keeper, MOST_PHOTOS, "contribution.too_many_photos")
        .await
    {
        Ok(photos) => {
            f.photos = photos.kept.clone();
            Ok((f, photos, None))
        }
        Err(Error::Invalid(errors)) => Ok((f, Default::default(), Some(errors))),
        Err(e) => Err(e),
    }
}

pub(super) async fn submit(
    AxState(state): AxState<AppState>,
    page: PageCtx,
    SignedIn(user): SignedIn,
    Path((space, process, component)): Path<(String, String, String)>,
    multipart: Multipart,
) -> Result<Response, Error> {
    let (process, component, phases) =
        load(&state, &space, &process, &component, Some(&user)).await?;
    let back_to = crate::web::component_url(&process, &component.id);
    if let Err(e) = open_component(&state, &user, &process, &component, &phases).await {
        return back(&back_to, Err(e));
    }
    let categories = store::categories(state.db(), &component.id).await?;
    let mut p = NewPage {
        area: kernel::spaces::map_area(state.db(), &process.space_id).await?,
        tiles: state.config().tile_url.clone(),
        fields: ContributionFields::default(),
        errors: FieldErrors::new(),
        categories,
        page,
        process,
        component,
    };
    let keeper = p.page.keeper.clone();
    let (fields, mut photos, photo_errors) = read_form(&state, &keeper, multipart).await?;
    p.fields = fields;
    let parsed = p
        .fields
        .parse(&p.component, &p.categories, p.process.perimeter.as_ref());
    let input = match (parsed, photo_errors) {
        (Ok(input), None) => ContributionInput {
            photos: photos.store(state.uploads()).await?,
            ..input
        },
        (parsed, photo_errors) => {
            let mut errors = photo_errors.unwrap_or_default();
            if let Err(more) = parsed {
                errors.0.extend(more.0);
            }
            photos.refuse(&mut errors);
            if p.fields.form_key.len() != 32 {
                p.fields.form_key = form_key();
            }
            p.errors = errors;
            return render_invalid(&p);
        }
    };
    // The process's followers hear of a contribution once it is published.
    let followers = if p.component.settings.moderated_before {
        Vec::new()
    } else {
        followers_but(&state, &[&p.process.id], &user.id).await?
    };
    let told = |id: &str| {
        let url = contribution_url(&p.process, id);
        notices(
            &state,
            &followers,
            "mail.new_contribution",
            (&input.title, &url),
        )
    };
    let at = (&p.process, &p.component);
    let (id, _) = store::contributions::create(state.db(), at, &user.id, &input, told).await?;
    let url = contribution_url(&p.process, &id);
    let flash = if p.component.settings.moderated_before {
        "flash.contribution_pending"
    } else {
        "flash.contribution_published"
    };
    Ok(redirect_with_flash(&url, flash))
}
