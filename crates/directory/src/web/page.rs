//! An actor's page: its fields, its offers, its map, and its owners' and moderators' forms.

use super::*;

#[derive(Template)]
#[template(path = "directory/actor.html")]
pub(crate) struct ActorPage {
    page: PageCtx,
    actor: Actor,
    owner: bool,
    moderate: bool,
    tiles: String,
    commune: String,
    offers: Vec<crate::offers::Offer>,
    /// The owners and the open invitations, for the owners and the moderators.
    owners: Vec<crate::owners::Owner>,
    invitations: Vec<String>,
    /// Whether the reader's address is invited to co-own the actor.
    invited: bool,
    /// Errors of the owners' forms on the page (an invitation, a logo).
    errors: FieldErrors,
    /// The address typed in the invitation form.
    invite_email: String,
    tax: Arc<Taxonomy>,
}

impl ActorPage {
    fn to_check(&self) -> bool {
        to_check(&self.actor)
    }
    fn term(&self, vocabulary: &str, code: &str) -> String {
        self.tax.name(self.page.tr.0, vocabulary, code)
    }
    fn description_html(&self) -> String {
        kernel::markdown::to_html(self.actor.data.description())
    }
    fn points(&self) -> String {
        serde_json::json!([point(&self.actor, None)]).to_string()
    }
    fn date(&self, ms: &i64) -> kernel::i18n::TimeTag {
        self.page.tr.date_tag(ms)
    }
    fn host(&self, url: &crate::model::Website) -> String {
        let url = url.as_str();
        url.split_once("://")
            .map(|(_, r)| r)
            .unwrap_or(url)
            .trim_end_matches('/')
            .to_string()
    }
    fn logo_url(&self) -> String {
        logo_path(&self.actor)
    }
    fn status_name(&self, o: &crate::offers::Offer) -> &'static str {
        self.page.tr.t(format!("offer.status.{}", o.data.status))
    }
}

/// The page of an actor, with the forms' errors when one of them was refused.
pub(crate) async fn actor_page(
    state: &AppState,
    page: PageCtx,
    slug: &str,
    errors: FieldErrors,
    invite_email: String,
) -> Result<ActorPage, Error> {
    let (actor, owner) = visible(state, page.user.as_ref(), slug).await?;
    let commune = kernel::territories::store::get(
        state.db(),
        kernel::territories::TerritoryKind::Commune,
        actor.data.commune(),
    )
    .await?
    .map(|t| t.name)
    .unwrap_or_default();
    let moderate = policy::can(
        page.user.as_ref(),
        policy::Action::Moderate,
        &Resource::Component,
    );
    let (owners, invitations) = if owner || moderate {
        (
            crate::owners::owners(state.db(), &actor.id).await?,
            crate::owners::invitations(state.db(), &actor.id).await?,
        )
    } else {
        (Vec::new(), Vec::new())
    };
    let invited = match &page.user {
        Some(u) if !owner && u.confirmed => {
            crate::owners::is_invited(state.db(), &actor.id, &u.email.to_lowercase()).await?
        }
        _ => false,
    };
    Ok(ActorPage {
        tax: crate::terms::current(state).await?,
        offers: crate::offers::of_actor(state.db(), &actor.id).await?,
        moderate,
        tiles: state.config().tile_url.clone(),
        page,
        actor,
        owner,
        commune,
        owners,
        invitations,
        invited,
        errors,
        invite_email,
    })
}

/// The actor at this address: published ones for everyone, the others for their owners and
/// the moderators.
pub(crate) async fn visible(
    state: &AppState,
    user: Option<&User>,
    slug: &str,
) -> Result<(Actor, bool), Error> {
    // An actor is found by its address, or by its id (the links of the map's points).
    let actor = match store::by_slug(state.db(), slug).await? {
        Some(a) => a,
        None => store::get(state.db(), slug).await?.ok_or(Error::NotFound)?,
    };
    let owner = match user {
        Some(u) => store::owns(state.db(), &actor.id, &u.id).await?,
        None => false,
    };
    let resource = Resource::Entry {
        published: actor.state == store::State::Published,
        owned: owner,
    };
    if !policy::can(user, policy::Action::Read, &resource) {
        return Err(Error::NotFound);
    }
    Ok((actor, owner))
}

pub(crate) async fn show(
    State(state): State<AppState>,
    page: PageCtx,
    Path(slug): Path<String>,
) -> Result<Response, Error> {
    render(&actor_page(&state, page, &slug, FieldErrors::new(), String::new()).await?)
}
