//! Challenge pages: a space's administrators publish a challenge; owners of directory actors
//! respond before the deadline; evaluators grade each response on each criterion; the space sees
//! the weighted ranking, shortlists, selects and publishes the outcome (winners public, the
//! others told by mail); actors whose offers match the challenge's themes are suggested and can
//! be told of it.

use crate::error::StoreError;
use crate::model::{
    ChallengeInput, Criterion, Fields, GRADE_MAX, PRICES, ResponseInput, weighted_score,
};
use crate::policy::{self, Resource};
use crate::store::{self, Challenge, Grades};
use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::{get, post};
use directory::terms::Taxonomy;
use kernel::accounts::User;
use kernel::i18n::Lang;
use kernel::spaces::Space;
use kernel::spaces::web::space_or_404;
use kernel::web::FormPairs;
use kernel::web::routes::Routes;
use kernel::web::{
    AttachedForm, Form, PageCtx, SignedIn, redirect_with_flash, render, render_invalid,
};
use kernel::{AppState, Error, FieldError, FieldErrors, Section, SectionItem, SectionOf};
use serde::Deserialize;
use std::collections::HashMap;
use std::sync::Arc;

mod challenge;
use challenge::*;
mod responding;
use responding::*;
mod work;
pub use work::workplace;
mod evaluation;
use evaluation::*;

/// The challenges' routes.
pub fn routes() -> Routes {
    // A challenge, and one of its responses.
    let c = "/s/{space}/challenges/{slug}";
    let r = "/s/{space}/challenges/{slug}/answers/{id}";
    Routes::new()
        .route(
            "/s/{space}/challenges/new",
            get(new_form)
                .post(create)
                .layer(kernel::uploads::attached_form_limit()),
        )
        .route(c, get(show))
        .route(
            &format!("{c}/attachments/{{file}}"),
            get(challenge_attachment),
        )
        .route(
            &format!("{c}/answer"),
            get(response_form)
                .post(respond)
                .layer(kernel::uploads::attached_form_limit()),
        )
        .route(&format!("{c}/answers"), get(responses))
        .route(r, get(response_page))
        .route(
            &format!("{r}/attachments/{{file}}"),
            get(response_attachment),
        )
        .route(&format!("{r}/grade"), post(grade))
        .route(&format!("{r}/state"), post(response_state))
        .route(&format!("{c}/decide"), post(decide))
        .route(&format!("{c}/notify"), post(notify))
}

/// The challenges of a space, on its page.
pub async fn space_section(state: AppState, of: SectionOf) -> Result<Option<Section>, Error> {
    let challenges = store::of_space(state.db(), &of.id).await?;
    let space = kernel::spaces::store::get_by_id(state.db(), &of.id)
        .await?
        .ok_or(Error::NotFound)?;
    let manage = policy::can(
        of.user.as_ref(),
        policy::Action::Run,
        &Resource::Space(&of.id),
    );
    if challenges.is_empty() && !manage {
        return Ok(None);
    }
    let now = kernel::ids::now_ms();
    let items = challenges
        .into_iter()
        .map(|c| SectionItem {
            url: c.url(),
            note: state_note(&c, now, of.lang),
            title: c.data.title,
            ..Default::default()
        })
        .collect();
    Ok(Some(Section {
        heading: "challenge.list",
        items,
        add: manage.then(|| ("challenge.new", format!("/s/{}/challenges/new", space.slug))),
    }))
}
