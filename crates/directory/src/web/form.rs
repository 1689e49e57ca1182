//! Proposing an actor, its owners' edits, their yearly confirmation that it is up to date.

use super::*;

#[derive(Template)]
#[template(path = "directory/form.html")]
struct FormPage {
    page: PageCtx,
    /// The actor edited, or none for a proposal.
    actor: Option<Actor>,
    fields: ActorFields,
    base: i64,
    errors: FieldErrors,
    tiles: String,
    /// The instance's area, where the map opens before the actor is placed.
    area: String,
    /// The kinds offered: (code, name).
    kinds: Vec<(String, String)>,
    /// The lists of checkboxes: (field, vocabulary, terms).
    lists: Vec<(&'static str, &'static str, Choices)>,
}

/// Terms offered by a form: (code, name).
type Choices = Vec<(String, String)>;

/// The terms a form offers: the active ones, and the retired ones it already holds.
fn offered(
    tax: &Taxonomy,
    lang: Lang,
    vocabulary: &str,
    held: impl Fn(&str) -> bool,
) -> Vec<(String, String)> {
    tax.terms(vocabulary)
        .iter()
        .filter(|t| !t.retired || held(&t.code))
        .map(|t| (t.code.clone(), t.name(lang).to_string()))
        .collect()
}

impl FormPage {
    async fn new(
        state: &AppState,
        page: PageCtx,
        actor: Option<Actor>,
        fields: ActorFields,
    ) -> Result<Self, Error> {
        let tax = crate::terms::current(state).await?;
        let lang = page.tr.0;
        Ok(FormPage {
            base: actor.as_ref().map(|a| a.revision).unwrap_or(0),
            kinds: offered(&tax, lang, "kind", |c| fields.get("kind") == c),
            lists: crate::columns::lists()
                .map(|(l, v)| (l, v, offered(&tax, lang, v, |c| fields.has(l, c))))
                .collect(),
            page,
            actor,
            fields,
            errors: FieldErrors::new(),
            tiles: state.config().tile_url.clone(),
            area: kernel::spaces::instance_map_area(state.db()).await?,
        })
    }
    fn action(&self) -> String {
        match &self.actor {
            Some(a) => format!("{}/edit", a.url()),
            None => "/directory/propose".into(),
        }
    }
    fn map_center(&self) -> String {
        match (
            self.fields.get("lat").parse::<f64>(),
            self.fields.get("lon").parse::<f64>(),
        ) {
            (Ok(lat), Ok(lon)) => format!("{lat},{lon}"),
            _ => String::new(),
        }
    }
}

/// A confirmed account, or a refusal the page explains.
fn confirmed(user: &User) -> Result<(), Error> {
    if user.confirmed {
        Ok(())
    } else {
        Err(Error::Conflict("directory.unconfirmed"))
    }
}

pub(crate) async fn propose_form(
    State(state): State<AppState>,
    page: PageCtx,
    SignedIn(user): SignedIn,
) -> Result<Response, Error> {
    if confirmed(&user).is_err() {
        return Ok(redirect_with_flash(
            "/directory",
            "flash.directory_unconfirmed",
        ));
    }
    render(&FormPage::new(&state, page, None, ActorFields::default()).await?)
}

/// Parses a posted actor form against the referential.
async fn parse(
    state: &AppState,
    fields: &ActorFields,
) -> Result<Result<ActorInput, FieldErrors>, Error> {
    let tax = crate::terms::current(state).await?;
    Ok(store::parse_actor(state.db(), &tax, fields).await?)
}

pub(crate) async fn propose(
    State(state): State<AppState>,
    page: PageCtx,
    SignedIn(user): SignedIn,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, Error> {
    if confirmed(&user).is_err() {
        return Ok(redirect_with_flash(
            "/directory",
            "flash.directory_unconfirmed",
        ));
    }
    let fields = ActorFields::from_pairs(&pairs);
    match parse(&state, &fields).await? {
        Ok(input) => {
            let actor = store::propose(state.db(), &input, &user.id).await?;
            Ok(redirect_with_flash(&actor.url(), "flash.actor_proposed"))
        }
        Err(errors) => {
            let mut p = FormPage::new(&state, page, None, fields).await?;
            p.errors = errors;
            render_invalid(&p)
        }
    }
}

/// The actor at this address that the reader owns (or moderates).
pub(crate) async fn owned(state: &AppState, user: &User, slug: &str) -> Result<Actor, Error> {
    let (actor, owner) = visible(state, Some(user), slug).await?;
    let resource = Resource::Entry {
        published: actor.state == store::State::Published,
        owned: owner,
    };
    policy::check(user, policy::Action::Edit, &resource)?;
    if actor.state == store::State::Rejected {
        return Err(Error::Conflict("actor.rejected"));
    }
    Ok(actor)
}

pub(crate) async fn edit_form(
    State(state): State<AppState>,
    page: PageCtx,
    SignedIn(user): SignedIn,
    Path(slug): Path<String>,
) -> Result<Response, Error> {
    let actor = owned(&state, &user, &slug).await?;
    let fields = ActorFields::of(&actor.data);
    render(&FormPage::new(&state, page, Some(actor), fields).await?)
}

pub(crate) async fn edit(
    State(state): State<AppState>,
    page: PageCtx,
    SignedIn(user): SignedIn,
    Path(slug): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, Error> {
    let actor = owned(&state, &user, &slug).await?;
    let base: i64 = pairs
        .iter()
        .find(|(k, _)| k == "base")
        .and_then(|(_, v)| v.parse().ok())
        .ok_or(Error::BadRequest("form.malformed"))?;
    let fields = ActorFields::from_pairs(&pairs);
    let url = actor.url();
    let input = match parse(&state, &fields).await? {
        Ok(input) => input,
        Err(errors) => {
            let mut p = FormPage::new(&state, page, Some(actor), fields).await?;
            p.base = base;
            p.errors = errors;
            return render_invalid(&p);
        }
    };
    match store::edit(state.db(), &actor, base, &input, &user.id).await {
        Ok(true) => Ok(redirect_with_flash(&url, "flash.saved")),
        Ok(false) => Ok(redirect_with_flash(&url, "flash.actor_revision_pending")),
        Err(e @ StoreError::Stale) => {
            let mut p = FormPage::new(&state, page, Some(actor), fields).await?;
            p.base = base;
            p.errors = kernel::FieldError::new("form", e.code()).into();
            render_invalid(&p)
        }
        Err(e) => Err(e.into()),
    }
}

/// An entry not verified by its owners for this long is marked as to be checked (ms).
pub const VERIFY_EVERY_MS: i64 = 365 * 24 * 3600 * 1000;

/// Whether an actor is to be checked: not verified by its owners for a year.
pub(crate) fn to_check(a: &Actor) -> bool {
    kernel::ids::now_ms() - a.verified_at > VERIFY_EVERY_MS
}

pub(crate) async fn verify(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
    Path(slug): Path<String>,
) -> Result<Response, Error> {
    let actor = owned(&state, &user, &slug).await?;
    store::verify(state.db(), &actor.id, &user.id).await?;
    Ok(redirect_with_flash(&actor.url(), "flash.actor_verified"))
}

/// Reminds the owners of the entries not verified for a year, once (until they verify).
/// Returns how many entries.
pub async fn send_reminders(state: &AppState) -> Result<usize, Error> {
    let due = store::due_reminders(state.db(), kernel::ids::now_ms() - VERIFY_EVERY_MS).await?;
    for actor in &due {
        let mails = owners_told(state, actor, "mail.actor_reminder", "").await?;
        store::reminded(state.db(), &actor.id, &mails).await?;
    }
    Ok(due.len())
}

/// The yearly reminders, looked for every day from 9:00 (Paris).
pub async fn reminder_task(state: AppState) {
    // The facet index is read once the indexes are built, so that the first reader of the
    // directory does not wait for it.
    let warm = state.clone();
    tokio::spawn(async move {
        while warm.applier().version_of(crate::ACTOR) == 0 {
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        if let Err(e) = crate::facets::current(&warm).await {
            tracing::warn!(error = ?e, "the directory's facet index could not be read");
        }
    });
    kernel::jobs::daily(state, REMINDERS).await
}

/// The yearly reminders, from 9:00 (Paris). Each entry is marked reminded as its mail is queued,
/// so that a day taken over by another node reminds only those not marked yet.
const REMINDERS: kernel::jobs::DailyJob = kernel::jobs::DailyJob {
    name: "directory_reminders",
    hour: "09:00",
    work: |state, _| Box::pin(send_reminders(state)),
};
