//! The moderators' queue of the library: submitted experiences, authors' revisions as a
//! field-by-field diff with their files, the decisions and the mails that tell the authors.

use super::*;

/// A revision in the queue, with its experience and the fields it changes.
struct Change {
    revision: Revision,
    experience: Experience,
    diff: Vec<FieldChange>,
}

impl Change {
    /// The attachments of the proposed version, each with whether the published one lacks it.
    fn files(&self) -> Vec<(&kernel::uploads::Attachment, bool)> {
        self.revision
            .data
            .attachments
            .iter()
            .map(|a| {
                let new = !self
                    .experience
                    .data
                    .attachments
                    .iter()
                    .any(|b| b.file == a.file);
                (a, new)
            })
            .collect()
    }
}

#[derive(Template)]
#[template(path = "library/moderation.html")]
struct QueuePage {
    page: PageCtx,
    experiences: Vec<Experience>,
    changes: Vec<Change>,
    decisions: Decisions,
}

async fn queue_page(
    state: &AppState,
    page: PageCtx,
    decisions: Decisions,
) -> Result<QueuePage, Error> {
    let mut changes = Vec::new();
    for revision in store::pending_revisions(state.db()).await? {
        if let Some(experience) = store::get(state.db(), &revision.item).await? {
            let diff = experience.data.diff(&revision.data);
            changes.push(Change {
                revision,
                experience,
                diff,
            });
        }
    }
    Ok(QueuePage {
        experiences: store::pending(state.db()).await?,
        changes,
        page,
        decisions,
    })
}

pub(super) async fn queue(
    State(state): State<AppState>,
    page: PageCtx,
    SignedIn(user): SignedIn,
) -> Result<Response, Error> {
    policy::check(&user, policy::Action::Moderate, &Resource::Component)?;
    render(&queue_page(&state, page, Decisions::default()).await?)
}

/// The queue again, with why a decision on `failed` was refused.
async fn refused_decision(
    state: &AppState,
    page: PageCtx,
    errors: FieldErrors,
    failed: &str,
) -> Result<Response, Error> {
    render_invalid(&queue_page(state, page, Decisions::refused(errors, failed)).await?)
}

/// Tells an experience's author of a decision.
async fn tell_author(
    state: &AppState,
    experience: &Experience,
    decided: Decided,
    approved: bool,
    reason: &str,
) -> Result<(), Error> {
    let to: Vec<String> = store::author_email(state.db(), experience)
        .await?
        .into_iter()
        .collect();
    let key = store::REVIEW.mail(decided, approved);
    state.mail_about(
        &to,
        key,
        (&experience.data.title, &experience.url()),
        reason,
    );
    Ok(())
}

pub(super) async fn decide(
    State(state): State<AppState>,
    page: PageCtx,
    SignedIn(user): SignedIn,
    Path(id): Path<String>,
    Form(f): Form<DecisionForm>,
) -> Result<Response, Error> {
    policy::check(&user, policy::Action::Moderate, &Resource::Component)?;
    let experience = store::get(state.db(), &id).await?.ok_or(Error::NotFound)?;
    let publish = match f.approves() {
        Ok(p) => p,
        Err(errors) => return refused_decision(&state, page, errors, &id).await,
    };
    store::decide(state.db(), &id, publish, f.reason(), &user.id).await?;
    tell_author(&state, &experience, Decided::Item, publish, f.reason()).await?;
    Ok(redirect_with_flash(
        "/library/moderation",
        "flash.library_decided",
    ))
}

pub(super) async fn decide_revision(
    State(state): State<AppState>,
    page: PageCtx,
    SignedIn(user): SignedIn,
    Path(id): Path<String>,
    Form(f): Form<DecisionForm>,
) -> Result<Response, Error> {
    policy::check(&user, policy::Action::Moderate, &Resource::Component)?;
    let approve = match f.approves() {
        Ok(p) => p,
        Err(errors) => return refused_decision(&state, page, errors, &id).await,
    };
    let experience_id =
        match store::decide_revision(state.db(), &id, approve, f.reason(), &user.id).await {
            Ok(r) => r,
            Err(Error::Conflict(code)) if code == store::REVIEW.stale => {
                let errors = FieldError::new("reason", code).into();
                return refused_decision(&state, page, errors, &id).await;
            }
            Err(e) => return Err(e),
        };
    if let Some(experience) = store::get(state.db(), &experience_id).await? {
        tell_author(&state, &experience, Decided::Revision, approve, f.reason()).await?;
    }
    Ok(redirect_with_flash(
        "/library/moderation",
        "flash.library_decided",
    ))
}
