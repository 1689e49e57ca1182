//! The moderators' pages of the managed taxonomy: every vocabulary with its terms, a form to
//! add a term, and one to rename a term or retire it (or bring it back).

use crate::error::StoreError;
use crate::terms::{self, Taxonomy, Term, TermInput, VOCABULARIES};
use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::get;
use kernel::i18n::Lang;
use kernel::web::routes::Routes;
use kernel::web::{Form, PageCtx, SignedIn, redirect_with_flash, render, render_invalid};
use kernel::{AppState, Error, FieldErrors};
use serde::Deserialize;
use std::sync::Arc;

/// The taxonomy's routes.
pub fn routes() -> Routes {
    Routes::new()
        .route("/directory/taxonomy", get(list).post(add))
        .route(
            "/directory/taxonomy/{vocabulary}/{code}",
            get(edit_form).post(edit),
        )
}

#[derive(Template)]
#[template(path = "directory/terms.html")]
struct ListPage {
    page: PageCtx,
    tax: Arc<Taxonomy>,
    vocabularies: &'static [&'static str],
    errors: FieldErrors,
    form: TermForm,
}

impl ListPage {
    fn terms(&self, vocabulary: &str) -> &[Term] {
        self.tax.terms(vocabulary)
    }
}

#[derive(Deserialize, Default)]
struct TermForm {
    #[serde(default)]
    vocabulary: String,
    #[serde(default)]
    code: String,
    #[serde(default)]
    name_fr: String,
    #[serde(default)]
    name_en: String,
    #[serde(default)]
    retired: Option<String>,
}

fn moderator(user: &kernel::accounts::User) -> Result<(), Error> {
    crate::policy::check(
        user,
        crate::policy::Action::Moderate,
        &crate::policy::Resource::Component,
    )
}

async fn list_page(
    state: &AppState,
    page: PageCtx,
    errors: FieldErrors,
    form: TermForm,
) -> Result<ListPage, Error> {
    Ok(ListPage {
        tax: terms::current(state).await?,
        page,
        vocabularies: VOCABULARIES,
        errors,
        form,
    })
}

async fn list(
    State(state): State<AppState>,
    page: PageCtx,
    SignedIn(user): SignedIn,
) -> Result<Response, Error> {
    moderator(&user)?;
    let form = TermForm {
        vocabulary: "theme".into(),
        ..TermForm::default()
    };
    render(&list_page(&state, page, FieldErrors::new(), form).await?)
}

async fn add(
    State(state): State<AppState>,
    page: PageCtx,
    SignedIn(user): SignedIn,
    Form(f): Form<TermForm>,
) -> Result<Response, Error> {
    moderator(&user)?;
    let t = match TermInput::parse(&f.vocabulary, &f.code, &f.name_fr, &f.name_en) {
        Ok(t) => t,
        Err(errors) => return render_invalid(&list_page(&state, page, errors, f).await?),
    };
    let tax = terms::current(&state).await?;
    // A code the vocabulary already has is refused as a field of the same form.
    match terms::add(state.db(), &tax, &t, &user.id).await {
        Ok(()) => Ok(redirect_with_flash(
            "/directory/taxonomy",
            "flash.term_saved",
        )),
        Err(StoreError::Invalid(errors)) => {
            render_invalid(&list_page(&state, page, errors, f).await?)
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "directory/term.html")]
struct EditPage {
    page: PageCtx,
    vocabulary: String,
    term: Term,
    errors: FieldErrors,
}

async fn edit_form(
    State(state): State<AppState>,
    page: PageCtx,
    SignedIn(user): SignedIn,
    Path((vocabulary, code)): Path<(String, String)>,
) -> Result<Response, Error> {
    moderator(&user)?;
    let tax = terms::current(&state).await?;
    let term = tax
        .terms(&vocabulary)
        .iter()
        .find(|t| t.code == code)
        .cloned()
        .ok_or(Error::NotFound)?;
    render(&EditPage {
        page,
        vocabulary,
        term,
        errors: FieldErrors::new(),
    })
}

async fn edit(
    State(state): State<AppState>,
    page: PageCtx,
    SignedIn(user): SignedIn,
    Path((vocabulary, code)): Path<(String, String)>,
    Form(f): Form<TermForm>,
) -> Result<Response, Error> {
    moderator(&user)?;
    let tax = terms::current(&state).await?;
    let Some(known) = tax.terms(&vocabulary).iter().find(|t| t.code == code) else {
        return Err(Error::NotFound);
    };
    let retired = f.retired.is_some();
    match TermInput::parse(&vocabulary, &code, &f.name_fr, &f.name_en) {
        Ok(mut t) => {
            // A seeded term keeps following its texts while its names are left as they are.
            if known.seeded {
                for (name, lang) in [(&mut t.name_fr, Lang::Fr), (&mut t.name_en, Lang::En)] {
                    if name.as_str() == kernel::i18n::tr(lang, &known.key) {
                        name.clear();
                    }
                }
            }
            terms::change(state.db(), &t, retired, &user.id).await?;
            Ok(redirect_with_flash(
                "/directory/taxonomy",
                "flash.term_saved",
            ))
        }
        Err(errors) => render_invalid(&EditPage {
            page,
            term: Term {
                name_fr: f.name_fr,
                name_en: f.name_en,
                retired,
                ..known.clone()
            },
            vocabulary,
            errors,
        }),
    }
}
