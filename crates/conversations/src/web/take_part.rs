//! Taking part: the conversation page with the next statement to vote on, the vote, and adding
//! a statement. Visitors without an account take part where the conversation allows it, kept by
//! a cookie and counted by address.

use super::*;
use crate::act;
use crate::map::MapView;
use crate::policy::Participation;
use axum::http::{HeaderMap, HeaderValue, header};
use std::collections::HashSet;

#[derive(Template)]
#[template(path = "conversations/show.html")]
pub(super) struct ShowPage {
    page: PageCtx,
    /// The breadcrumb: (text, address).
    crumbs: Vec<(String, String)>,
    /// The space's theme, for a process's conversation.
    theme: Option<String>,
    c: Conversation,
    /// Where its report was proposed as a network resource, if it was.
    resource_url: Option<String>,
    /// The reader may propose its report as a network resource.
    propose_resource: bool,
    /// The statement to vote on next, if any is left.
    next: Option<Statement>,
    /// Statements the reader may vote on, and how many of them they voted on.
    votable: usize,
    voted: usize,
    can_vote: bool,
    can_add: bool,
    /// A visitor who would take part once signed in (or confirmed).
    needs_account: bool,
    moderate: bool,
    manage: bool,
    /// Statements waiting for a moderator (shown to moderators).
    pending: usize,
    /// The reader's group on the map, as a letter.
    my_group: Option<char>,
    /// The map with the reader's place.
    map_svg: String,
    participants: usize,
    body: String,
    errors: FieldErrors,
}

/// Who the reader is in `c`: how they take part, and their participant key if they already
/// have one (an account always has one; an anonymous visitor once their cookie is set).
fn reader<'a>(
    page: &'a PageCtx,
    (c, standing): (&Conversation, Standing),
    headers: &HeaderMap,
) -> (Option<Participation<'a>>, Option<ParticipantKey>) {
    let how = policy::participation(page.user.as_ref(), c, standing);
    let key = how
        .as_ref()
        .and_then(|h| act::participant_key(h, kernel::web::cookie(headers, PARTICIPANT_COOKIE)));
    (how, key)
}

pub(super) async fn show_page(
    state: &AppState,
    page: PageCtx,
    l: Located,
    headers: &HeaderMap,
    body: String,
    errors: FieldErrors,
) -> Result<ShowPage, Error> {
    let c = &l.conversation;
    let view: std::sync::Arc<MapView> = act::map_of(state, c).await?;
    let (how, key) = reader(&page, (c, l.standing), headers);
    let pid = match &key {
        Some(k) => store::participant(state.db(), &c.id, k).await?,
        None => None,
    };
    let mine: HashSet<u32> = match pid {
        Some(pid) => store::votes_of(state.db(), &c.id, pid)
            .await?
            .iter()
            .map(|v| v.tid)
            .collect(),
        None => HashSet::new(),
    };
    let statements = store::statements(state.db(), &c.id).await?;
    let votable: Vec<&Statement> = statements
        .iter()
        .filter(|s| s.is_votable(c.strict_moderation))
        .collect();
    let voted = votable.iter().filter(|s| mine.contains(&s.tid)).count();
    let next = act::next_statement(&statements, &view, c, &mine, act::unit()).cloned();
    let user = page.user.as_ref();
    let can_vote = c.is_open() && how.is_some();
    let can_add = c.is_open() && policy::can(user, Action::AddStatement, &l.resource());
    let moderate = policy::can(user, Action::Moderate, &l.resource());
    let manage = policy::can(user, Action::Manage, &l.resource());
    let resource_url = match &c.home {
        Home::Network {
            resource_id: Some(id),
            ..
        } => Some(network::store::resources::resource_url(id)),
        _ => None,
    };
    let propose_resource =
        manage && !c.is_open() && resource_url.is_none() && matches!(c.home, Home::Network { .. });
    let pending = if moderate {
        statements
            .iter()
            .filter(|s| s.moderation == Moderation::Pending)
            .count()
    } else {
        0
    };
    let my_group = pid
        .and_then(|p| view.map.group_of.get(&p))
        .map(|g| svg::group_letter(*g));
    let map_svg = svg::opinion_map(&view.map, pid, page.tr);
    Ok(ShowPage {
        needs_account: c.is_open() && how.is_none(),
        participants: view.map.participants,
        crumbs: l.place.crumbs(page.tr),
        theme: l.place.theme(),
        page,
        c: l.conversation,
        resource_url,
        propose_resource,
        next,
        votable: votable.len(),
        voted,
        can_vote,
        can_add,
        moderate,
        manage,
        pending,
        my_group,
        map_svg,
        body,
        errors,
    })
}

impl ShowPage {
    fn progress(&self) -> String {
        self.page.tr.f(
            "conversation.progress",
            &[
                ("voted", &self.page.tr.num(self.voted as i64)),
                (
                    "total",
                    &self
                        .page
                        .tr
                        .count("conversation.statements", self.votable as i64),
                ),
            ],
        )
    }
    fn participants_note(&self) -> String {
        self.page
            .tr
            .count("conversation.participants", self.participants as i64)
    }
    /// A confirmed account kept out because only the network's members take part.
    fn members_only_refused(&self) -> bool {
        self.c.members_only() && self.page.user.as_ref().is_some_and(|u| u.confirmed)
    }
    /// "Hosted by" the member that hosts a network conversation.
    fn hosted_by(&self) -> Option<String> {
        match &self.c.home {
            Home::Network { member_name, .. } => Some(
                self.page
                    .tr
                    .f("conversation.hosted_by", &[("member", member_name)]),
            ),
            Home::Process { .. } => None,
        }
    }
    fn sign_in_url(&self) -> String {
        format!("/login?next={}", kernel::web::percent_encode(&self.c.url))
    }
}

pub(super) async fn show(
    State(state): State<AppState>,
    page: PageCtx,
    headers: HeaderMap,
    Path(params): Params,
) -> Result<Response, Error> {
    let l = locate(&state, &params, page.user.as_ref()).await?;
    render(&show_page(&state, page, l, &headers, String::new(), FieldErrors::new()).await?)
}

/// The participant key of the reader of a form, a new anonymous one when they have none (with
/// the cookie to set), after the limit of writes without an account. `None`: the policy says
/// they do not take part (sign in, or confirm the account, first).
async fn writer_key(
    state: &AppState,
    page: &PageCtx,
    (c, standing): (&Conversation, Standing),
    headers: &HeaderMap,
    ip: std::net::IpAddr,
) -> Result<Option<(ParticipantKey, Option<HeaderValue>)>, Error> {
    let Some(how) = policy::participation(page.user.as_ref(), c, standing) else {
        return Ok(None);
    };
    if matches!(how, Participation::Anonymous) {
        state
            .limiter()
            .check(
                kernel::web::ratelimit::anonymous_conversation_writes(state.config()),
                ip,
            )
            .await?;
    }
    let held = kernel::web::cookie(headers, PARTICIPANT_COOKIE).filter(|t| {
        t.len() >= 16
            && t.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    });
    if let Some(key) = act::participant_key(&how, held) {
        return Ok(Some((key, None)));
    }
    let token = kernel::ids::new_token();
    let cookie = kernel::web::set_cookie(
        PARTICIPANT_COOKIE,
        &token,
        PARTICIPANT_COOKIE_AGE,
        state.config().secure_cookies,
    );
    Ok(Some((ParticipantKey::anonymous(&token), Some(cookie))))
}

/// The answer to someone who does not take part: a visitor signs in first; an account not
/// confirmed yet is told to confirm it.
fn not_taking_part(page: &PageCtx, c: &Conversation) -> Result<Response, Error> {
    match &page.user {
        Some(u) if u.confirmed => return Err(Error::Conflict("conversation.members_only")),
        Some(_) => return Err(Error::Conflict("conversation.unconfirmed")),
        None => {}
    }
    let next = kernel::web::percent_encode(&c.url);
    Ok(Redirect::to(&format!("/login?next={next}")).into_response())
}

fn with_cookie(mut response: Response, cookie: Option<HeaderValue>) -> Response {
    if let Some(c) = cookie {
        response.headers_mut().append(header::SET_COOKIE, c);
    }
    response
}

#[derive(Deserialize)]
pub(super) struct VoteForm {
    #[serde(default)]
    statement: String,
    #[serde(default)]
    vote: String,
}

/// A form sent by someone taking part: the conversation, their participant key and the cookie
/// to set when they just became an anonymous participant.
pub(super) struct Taking {
    page: PageCtx,
    headers: HeaderMap,
    l: Located,
    key: ParticipantKey,
    cookie: Option<HeaderValue>,
}

/// What a form to a conversation carries besides its body: the sender taking part, or the
/// answer to someone who does not (sent to sign in, told to confirm their account).
impl axum::extract::FromRequestParts<AppState> for Taking {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &AppState,
    ) -> Result<Self, Response> {
        let page = PageCtx::from_request_parts(parts, state)
            .await
            .map_err(IntoResponse::into_response)?;
        let ClientIp(ip) = ClientIp::from_request_parts(parts, state)
            .await
            .map_err(IntoResponse::into_response)?;
        let Path(params) = Params::from_request_parts(parts, state)
            .await
            .map_err(IntoResponse::into_response)?;
        let refused = |e: Error| e.into_response();
        let l = locate(state, &params, page.user.as_ref())
            .await
            .map_err(refused)?;
        let headers = parts.headers.clone();
        let Some((key, cookie)) =
            writer_key(state, &page, (&l.conversation, l.standing), &headers, ip)
                .await
                .map_err(refused)?
        else {
            return Err(not_taking_part(&page, &l.conversation).unwrap_or_else(refused));
        };
        Ok(Taking {
            page,
            headers,
            l,
            key,
            cookie,
        })
    }
}

impl Taking {
    /// `response`, with the participant's cookie when it is new.
    fn answer(self, response: Response) -> Response {
        with_cookie(response, self.cookie)
    }

    /// The conversation page again with the form's field errors (422).
    async fn refused(
        self,
        state: &AppState,
        body: String,
        errors: FieldErrors,
    ) -> Result<Response, Error> {
        let page = show_page(state, self.page, self.l, &self.headers, body, errors).await?;
        Ok(with_cookie(render_invalid(&page)?, self.cookie))
    }
}

pub(super) async fn vote(
    State(state): State<AppState>,
    t: Taking,
    Form(form): Form<VoteForm>,
) -> Result<Response, Error> {
    let c = &t.l.conversation;
    match act::vote(&state, c, &t.key, &form.statement, &form.vote).await {
        Ok(_) => {
            let to = format!("{}#vote", c.url);
            Ok(t.answer(Redirect::to(&to).into_response()))
        }
        Err(crate::error::StoreError::Invalid(errors)) => {
            t.refused(&state, String::new(), errors).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
pub(super) struct StatementForm {
    #[serde(default)]
    body: String,
}

pub(super) async fn add(
    State(state): State<AppState>,
    t: Taking,
    Form(form): Form<StatementForm>,
) -> Result<Response, Error> {
    let c = &t.l.conversation;
    let user = t.page.user.as_ref();
    match act::add_statement(&state, (c, t.l.standing), user, Some(&t.key), &form.body).await {
        Ok(s) => {
            let flash = if s.moderation == Moderation::Accepted {
                "flash.statement_added"
            } else if c.strict_moderation {
                "flash.statement_pending"
            } else {
                "flash.statement_added_unmoderated"
            };
            let to = c.url.clone();
            Ok(t.answer(redirect_with_flash(&to, flash)))
        }
        Err(Error::Invalid(errors)) => t.refused(&state, form.body, errors).await,
        Err(e) => Err(e),
    }
}
