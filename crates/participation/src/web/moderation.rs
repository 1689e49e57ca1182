//! The moderation queue of a space: flagged contributions and comments, and contributions
//! waiting for publication; each decision (publish or restore, hide, ban the author for a
//! while) is logged with its reason.

use crate::store;
use crate::store::moderation::{Decision, QueueItem, Target};
use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::{get, post};
use kernel::policy::SpaceModerator;
use kernel::spaces::Space;
use kernel::web::routes::Routes;
use kernel::web::{Form, PageCtx, redirect_with_flash, render, render_invalid};
use kernel::{AppState, Error, FieldError, FieldErrors};
use serde::Deserialize;

pub(super) fn routes() -> Routes {
    Routes::new()
        .route("/s/{space}/moderation", get(queue))
        .route("/s/{space}/moderation/{kind}/{id}", post(decide))
}

#[derive(Template)]
#[template(path = "moderation/queue.html")]
struct QueuePage {
    page: PageCtx,
    space: Space,
    items: Vec<QueueItem>,
    errors: FieldErrors,
}

impl QueuePage {
    fn kind(&self, i: &QueueItem) -> &'static str {
        i.target.as_str()
    }
    fn excerpt(&self, i: &QueueItem) -> String {
        kernel::markdown::to_plain(&i.text)
            .chars()
            .take(300)
            .collect()
    }
}

async fn queue(
    State(state): State<AppState>,
    page: PageCtx,
    SpaceModerator { user: _, space }: SpaceModerator,
) -> Result<Response, Error> {
    let items = store::moderation::queue(state.db(), &space.id).await?;
    render(&QueuePage {
        page,
        space,
        items,
        errors: FieldErrors::new(),
    })
}

#[derive(Deserialize)]
struct DecisionForm {
    #[serde(default)]
    decision: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    days: String,
    /// Where to come back to (a contribution's page), else the queue.
    #[serde(default)]
    back: String,
}

async fn decide(
    State(state): State<AppState>,
    page: PageCtx,
    SpaceModerator { user, space }: SpaceModerator,
    Path((_, kind, id)): Path<(String, String, String)>,
    Form(f): Form<DecisionForm>,
) -> Result<Response, Error> {
    let target = Target::parse(&kind).ok_or(Error::NotFound)?;
    let mut errors = FieldErrors::new();
    let decision = match f.decision.as_str() {
        "restore" => Some(Decision::Restore),
        "hide" => Some(Decision::Hide),
        "ban" => match f.days.trim().parse::<i64>() {
            Ok(d) if (1..=365).contains(&d) => Some(Decision::Ban(d)),
            _ => {
                errors.push(FieldError::new("days", "moderation.days"));
                None
            }
        },
        _ => {
            errors.push(FieldError::new("decision", "moderation.decision"));
            None
        }
    };
    let reason = f.reason.trim().to_string();
    if decision.as_ref().is_some_and(|d| *d != Decision::Restore) && reason.chars().count() < 3 {
        errors.push(FieldError::new("reason", "moderation.reason"));
    }
    if reason.chars().count() > 500 {
        errors.push(FieldError::new("reason", "text.too_long"));
    }
    match decision {
        Some(d) if errors.is_empty() => {
            store::moderation::decide(state.db(), &space.id, target, &id, &d, &reason, &user.id)
                .await?;
            let to = if f.back.is_empty() {
                format!("/s/{}/moderation", space.slug)
            } else {
                kernel::web::safe_next(Some(&f.back))
            };
            Ok(redirect_with_flash(&to, "flash.decided"))
        }
        _ => {
            let items = store::moderation::queue(state.db(), &space.id).await?;
            render_invalid(&QueuePage {
                page,
                space,
                items,
                errors,
            })
        }
    }
}
