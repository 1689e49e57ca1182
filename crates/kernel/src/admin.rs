//! Instance administration: dashboard, space creation, the outbox (the mail queue of every node).

use crate::app::AppState;
use crate::error::{Error, FieldErrors};
use crate::mail::OutboxMail;
use crate::policy::InstanceAdmin;
use crate::spaces::model::SpaceFields;
use crate::spaces::{Space, store as spaces};
use crate::web::pager::Pager;
use crate::web::routes::Routes;
use crate::web::{PageCtx, redirect_with_flash, render, render_invalid};
use askama::Template;
use axum::extract::{Multipart, Path, Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use sqlx::Row;

/// The administration routes.
pub fn routes() -> Routes {
    Routes::new()
        .route("/admin", get(dashboard))
        .route("/admin/spaces/new", get(new_space_form).post(create_space))
        .route("/admin/outbox", get(outbox))
        .route("/admin/outbox/{id}", get(outbox_mail))
        .route("/admin/outbox/{id}/retry", post(retry_mail))
}

#[derive(Template)]
#[template(path = "admin/index.html")]
struct Dashboard {
    page: PageCtx,
    users: i64,
    territories: i64,
    spaces: Vec<Space>,
    /// The queues with what waits in them, each with its space's name.
    pending: Vec<(String, crate::workplace::Work)>,
    audit: Vec<(crate::i18n::TimeTag, String, String, String)>,
}

async fn dashboard(
    State(state): State<AppState>,
    page: PageCtx,
    InstanceAdmin(user): InstanceAdmin,
) -> Result<Response, Error> {
    let db = state.db();
    let pending = crate::workplace::queues(&state, &user, page.tr.0, None).await?;
    let users: i64 = sqlx::query("SELECT COUNT(*) AS n FROM users WHERE deleted_at IS NULL")
        .fetch_one(db.pool())
        .await?
        .try_get("n")?;
    let territories = crate::territories::store::count(db).await?;
    let (spaces, _) = spaces::list(db, 0, 200).await?;
    let audit = sqlx::query(
        "SELECT a.at, COALESCE(u.display_name, '') AS actor_name, a.action, a.detail FROM audit_log a LEFT JOIN users u ON u.id = a.actor_id ORDER BY a.id DESC LIMIT 50",
    )
    .fetch_all(db.pool())
    .await?
    .iter()
    .map(|r| {
        Ok((
            page.tr.datetime_tag(r.try_get::<i64, _>("at")?),
            r.try_get("actor_name")?,
            r.try_get("action")?,
            r.try_get("detail")?,
        ))
    })
    .collect::<Result<Vec<_>, sqlx::Error>>()?;
    render(&Dashboard {
        page,
        users,
        territories,
        spaces,
        pending,
        audit,
    })
}

#[derive(Template)]
#[template(path = "admin/space_new.html")]
struct NewSpacePage {
    page: PageCtx,
    fields: SpaceFields,
    errors: FieldErrors,
}

async fn new_space_form(page: PageCtx, _: InstanceAdmin) -> Result<Response, Error> {
    let fields = SpaceFields {
        accent_color: "#1d4f91".into(),
        ..Default::default()
    };
    render(&NewSpacePage {
        page,
        fields,
        errors: FieldErrors::new(),
    })
}

async fn create_space(
    State(state): State<AppState>,
    page: PageCtx,
    InstanceAdmin(user): InstanceAdmin,
    multipart: Multipart,
) -> Result<Response, Error> {
    let (mut fields, logo) = crate::spaces::web::read_space_form(multipart).await?;
    fields.territory = crate::spaces::web::resolve_territory(&state, &fields.territory);
    let result = async {
        // An address left empty is made from the name; the form shows it empty again if refused.
        let mut parsed = fields.clone();
        if parsed.slug.trim().is_empty() {
            parsed.slug = spaces::free_slug(state.db(), &fields.name)
                .await?
                .as_str()
                .to_string();
        }
        let (input, logo) = Error::both(
            parsed.parse(),
            state
                .uploads()
                .check_optional_image("logo", logo.as_deref(), crate::spaces::web::LOGO_SIDE)
                .await,
        )?;
        // Written once every field is accepted, before the row that names it (a file the
        // database then refuses is swept a day later).
        state.uploads().store_all(logo.iter()).await?;
        let name = logo.as_ref().map(|l| l.name.as_str());
        spaces::create(state.db(), &input, name, Some(&user.id)).await
    }
    .await;
    match result {
        Ok(space) => Ok(redirect_with_flash(&space.url(), "flash.space_created")),
        Err(Error::Invalid(errors)) => render_invalid(&NewSpacePage {
            page,
            fields,
            errors,
        }),
        Err(e) => Err(e),
    }
}

/// Mails per page of the outbox.
const MAILS_PER_PAGE: i64 = 50;

#[derive(serde::Deserialize)]
struct OutboxQuery {
    page: Option<i64>,
}

#[derive(Template)]
#[template(path = "admin/outbox.html")]
struct OutboxPage {
    page: PageCtx,
    mails: Vec<OutboxMail>,
    pager: Pager,
    /// Whether mail goes to an SMTP server (else it is only kept here).
    sends: bool,
}

impl OutboxPage {
    fn when(&self, at: &i64) -> crate::i18n::TimeTag {
        self.page.tr.datetime_tag(at)
    }
}

/// The mail queue that every node shares, newest first.
async fn outbox(
    State(state): State<AppState>,
    page: PageCtx,
    _: InstanceAdmin,
    Query(q): Query<OutboxQuery>,
) -> Result<Response, Error> {
    let mut pager = Pager::new(q.page, MAILS_PER_PAGE, "/admin/outbox?".into());
    let (mails, total) =
        crate::mail::queue::page(state.db(), pager.offset(), pager.per_page).await?;
    pager.total = total;
    render(&OutboxPage {
        page,
        mails,
        pager,
        sends: state.mailer().sends(),
    })
}

#[derive(Template)]
#[template(path = "admin/mail.html")]
struct MailPage {
    page: PageCtx,
    mail: OutboxMail,
}

impl MailPage {
    fn when(&self, at: &i64) -> crate::i18n::TimeTag {
        self.page.tr.datetime_tag(at)
    }
    /// When the SMTP server took it.
    fn sent(&self) -> Option<crate::i18n::TimeTag> {
        self.mail.sent_at.map(|at| self.page.tr.datetime_tag(at))
    }
    /// The body cut into text and links, so that the links of a mail can be followed.
    fn segments(&self) -> Vec<(String, bool)> {
        let mut out = Vec::new();
        for (i, line) in self.mail.body.split('\n').enumerate() {
            if i > 0 {
                out.push(("\n".to_string(), false));
            }
            for (j, word) in line.split(' ').enumerate() {
                if j > 0 {
                    out.push((" ".to_string(), false));
                }
                let link = word.starts_with("http://") || word.starts_with("https://");
                out.push((word.to_string(), link));
            }
        }
        out
    }
}

/// A mail's number in an address: anything else names no mail.
fn mail_id(raw: &str) -> Result<i64, Error> {
    raw.parse().map_err(|_| Error::NotFound)
}

async fn outbox_mail(
    State(state): State<AppState>,
    page: PageCtx,
    _: InstanceAdmin,
    Path(id): Path<String>,
) -> Result<Response, Error> {
    let mail = crate::mail::queue::get(state.db(), mail_id(&id)?)
        .await?
        .ok_or(Error::NotFound)?;
    render(&MailPage { page, mail })
}

/// Tries a failed mail again at once, with a new day of tries. A mail that is not failed (tried
/// again already, from another page) is left as it is.
async fn retry_mail(
    State(state): State<AppState>,
    InstanceAdmin(user): InstanceAdmin,
    Path(id): Path<String>,
) -> Result<Response, Error> {
    let mail = crate::mail::queue::get(state.db(), mail_id(&id)?)
        .await?
        .ok_or(Error::NotFound)?;
    let to = format!("/admin/outbox/{}", mail.id);
    let mut w = state.db().write().await?;
    if !crate::mail::queue::retry(&mut w, mail.id, crate::ids::now_ms()).await? {
        return Ok(axum::response::Redirect::to(&to).into_response());
    }
    w.audit(
        Some(&user.id),
        "mail.retry",
        "mail",
        &mail.id.to_string(),
        &mail.to,
    )
    .await?;
    w.wake_mail_sender();
    w.commit().await?;
    Ok(redirect_with_flash(&to, "flash.mail_retried"))
}
