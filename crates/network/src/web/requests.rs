//! Requests for support: a space administrator describes a need; the members that practise the
//! methods wanted are suggested, and the owners of those that also serve the département are
//! told by mail; owners of accepted members answer privately; the requester reads the answers,
//! picks one (the members are told whether theirs was chosen) and closes the request.

use super::resources::my_members;
use super::*;
use crate::error::StoreError;
use crate::model::requests::{BUDGET_BANDS, suggest};
use crate::store::requests::{self as requests, Answer, SupportRequest};
use axum::extract::Path;
use kernel::accounts::{Role, User};
use kernel::spaces::model::Space;
use kernel::web::{Form, FormPairs, SignedIn, redirect_with_flash, render_invalid};
use kernel::{FieldError, FieldErrors};

/// Most spaces offered to an instance administrator asking for support.
const SPACES_MAX: i64 = 500;

/// The spaces the reader administers: those they may ask for support for.
async fn managed_spaces(state: &AppState, user: &User) -> Result<Vec<Space>, Error> {
    if user.is_admin() {
        return Ok(kernel::spaces::store::list(state.db(), 0, SPACES_MAX)
            .await?
            .0);
    }
    let mut out = Vec::new();
    for g in user.grants.iter().filter(|g| g.role == Role::SpaceAdmin) {
        if let Some(id) = &g.space_id
            && policy::manages_space(Some(user), id)
            && let Some(space) = kernel::spaces::store::get_by_id(state.db(), id).await?
        {
            out.push(space);
        }
    }
    Ok(out)
}

/// What the reader is to a request: whether they ask, their accepted members, which of those
/// answered it.
struct Standing {
    requester: bool,
    members: Vec<Member>,
    answered: Vec<String>,
}

impl Standing {
    async fn of(
        state: &AppState,
        user: &User,
        request: &SupportRequest,
        answers: &[Answer],
    ) -> Result<Standing, Error> {
        let members = my_members(state, &user.id).await?;
        let mut answered = Vec::new();
        for a in answers {
            if directory::store::owns(state.db(), &a.actor_id, &user.id).await? {
                answered.push(a.member_id.clone());
            }
        }
        Ok(Standing {
            requester: policy::manages_space(Some(user), &request.space_id),
            members,
            answered,
        })
    }
    fn resource(&self, request: &SupportRequest) -> policy::Resource {
        policy::Resource::Request {
            requester: self.requester,
            open: request.state == RequestState::Open,
            owns_member: !self.members.is_empty(),
            answered: !self.answered.is_empty(),
        }
    }
    fn reads(&self, user: Option<&User>, answer: &Answer) -> bool {
        let answer = policy::Resource::Answer {
            requester: self.requester,
            mine: self.answered.contains(&answer.member_id),
        };
        policy::can(user, Action::Read, &answer)
    }
}

/// A request's line in a list, with its space's name.
struct Line {
    request: SupportRequest,
    space: String,
}

#[derive(Template)]
#[template(path = "network/requests.html")]
struct ListPage {
    page: PageCtx,
    names: Names,
    lines: Vec<Line>,
    /// Whether the reader may ask for support.
    ask: bool,
}

impl ListPage {
    fn methods_of(&self, r: &SupportRequest) -> String {
        self.names.method_names(&r.methods, self.page.tr.0)
    }
    fn departement_of(&self, r: &SupportRequest) -> String {
        self.names.departement(&r.departement)
    }
    fn asked(&self, r: &SupportRequest) -> kernel::i18n::TimeTag {
        day(r.created_at, self.page.tr.0)
    }
}

pub(super) async fn list(
    State(state): State<AppState>,
    page: PageCtx,
    SignedIn(user): SignedIn,
) -> Result<Response, Error> {
    let spaces = managed_spaces(&state, &user).await?;
    let mut found: Vec<SupportRequest> = Vec::new();
    if user.is_admin() {
        found = requests::all(state.db()).await?;
    } else {
        for s in &spaces {
            found.extend(requests::of_space(state.db(), &s.id).await?);
        }
        let members = my_members(&state, &user.id).await?;
        if !members.is_empty() {
            for r in requests::open(state.db()).await? {
                let matching = suggest(&members, &r.methods, &r.departement)
                    .iter()
                    .any(|s| s.matches());
                if matching && !found.iter().any(|f| f.id == r.id) {
                    found.push(r);
                }
            }
        }
    }
    found.sort_by(|a, b| b.created_at.cmp(&a.created_at).then(a.id.cmp(&b.id)));
    let mut lines = Vec::with_capacity(found.len());
    let mut names: Vec<(String, String)> = spaces
        .iter()
        .map(|s| (s.id.clone(), s.name.clone()))
        .collect();
    for request in found {
        let space = match names.iter().find(|(id, _)| *id == request.space_id) {
            Some((_, n)) => n.clone(),
            None => {
                let n = kernel::spaces::store::get_by_id(state.db(), &request.space_id)
                    .await?
                    .map(|s| s.name)
                    .unwrap_or_default();
                names.push((request.space_id.clone(), n.clone()));
                n
            }
        };
        lines.push(Line { request, space });
    }
    let ask = policy::can(
        Some(&user),
        Action::AskSupport,
        &Resource::Spaces(spaces.len()),
    );
    render(&ListPage {
        names: Names::load(&state).await?,
        page,
        lines,
        ask,
    })
}

#[derive(Template)]
#[template(path = "network/request_form.html")]
struct FormPage {
    page: PageCtx,
    names: Names,
    spaces: Vec<Space>,
    bands: &'static [&'static str],
    /// The form as typed.
    fields: Vec<(String, String)>,
    errors: FieldErrors,
}

impl FormPage {
    fn get(&self, name: &str) -> &str {
        FormPairs::get(&self.fields.as_slice(), name)
    }
    fn has(&self, name: &str, value: &str) -> bool {
        self.fields.iter().any(|(k, v)| k == name && v == value)
    }
    fn is_space(&self, s: &Space) -> bool {
        self.get("space") == s.id || self.spaces.len() == 1
    }
    fn label(&self, m: &Method) -> String {
        m.label(self.page.tr.0).to_string()
    }
}

pub(super) async fn form(
    State(state): State<AppState>,
    page: PageCtx,
    SignedIn(user): SignedIn,
) -> Result<Response, Error> {
    let spaces = managed_spaces(&state, &user).await?;
    policy::check(&user, Action::AskSupport, &Resource::Spaces(spaces.len()))?;
    render(&FormPage {
        names: Names::load(&state).await?,
        page,
        spaces,
        bands: BUDGET_BANDS,
        fields: Vec::new(),
        errors: FieldErrors::new(),
    })
}

pub(super) async fn create(
    State(state): State<AppState>,
    page: PageCtx,
    SignedIn(user): SignedIn,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, Error> {
    let spaces = managed_spaces(&state, &user).await?;
    policy::check(&user, Action::AskSupport, &Resource::Spaces(spaces.len()))?;
    let chosen = FormPairs::get(&fields.as_slice(), "space")
        .trim()
        .to_string();
    // Someone else's space is refused.
    if !chosen.is_empty() && !spaces.iter().any(|s| s.id == chosen) {
        policy::check(&user, Action::AskSupport, &Resource::Spaces(0))?;
    }
    let names = Names::load(&state).await?;
    let input =
        match SupportRequestInput::parse(&fields.as_slice(), &names.methods, &names.departements) {
            Ok(input) => input,
            Err(errors) => {
                return render_invalid(&FormPage {
                    page,
                    names,
                    spaces,
                    bands: BUDGET_BANDS,
                    fields,
                    errors,
                });
            }
        };
    // The members suggested are told, in the request's write.
    let members = store::all_listed(state.db(), &Filter::default()).await?;
    let mut told = Vec::new();
    for s in suggest(&members, &input.methods, &input.departement) {
        if s.matches() {
            told.extend(directory::store::owner_emails(state.db(), &s.member.actor_id).await?);
        }
    }
    let id = requests::create(state.db(), &input, &user.id, |id| {
        let path = format!("/commun/requests/{id}");
        state.letters_about(
            &told,
            "mail.network_support_request",
            (&input.title, &path),
            "",
        )
    })
    .await?;
    let path = format!("/commun/requests/{id}");
    Ok(redirect_with_flash(&path, "flash.network_request_sent"))
}

/// A member suggested for a request, as its page shows it.
struct Suggested {
    name: String,
    url: String,
    methods: usize,
    serves: bool,
}

#[derive(Template)]
#[template(path = "network/request.html")]
struct RequestPage {
    page: PageCtx,
    names: Names,
    request: SupportRequest,
    space: Option<Space>,
    suggested: Vec<Suggested>,
    /// The answers the reader may read.
    answers: Vec<Answer>,
    /// The reader's members that may still answer (empty when they may not).
    answering: Vec<Member>,
    /// Whether the reader picks an answer and closes the request.
    requester: bool,
    /// The answer form as typed.
    fields: Vec<(String, String)>,
    errors: FieldErrors,
}

impl RequestPage {
    fn lang(&self) -> Lang {
        self.page.tr.0
    }
    fn methods(&self) -> String {
        self.names.method_names(&self.request.methods, self.lang())
    }
    fn departement(&self) -> String {
        self.names.departement(&self.request.departement)
    }
    fn asked(&self) -> kernel::i18n::TimeTag {
        day(self.request.created_at, self.lang())
    }
    fn open(&self) -> bool {
        self.request.state == RequestState::Open
    }
    fn closable(&self) -> bool {
        self.requester && self.request.state != RequestState::Closed
    }
    fn common(&self, s: &Suggested) -> i64 {
        i64::try_from(s.methods).unwrap_or(i64::MAX)
    }
    fn is_chosen(&self, a: &Answer) -> bool {
        self.request.chosen_answer.as_deref() == Some(a.id.as_str())
    }
    fn answered_on(&self, a: &Answer) -> kernel::i18n::TimeTag {
        day(a.created_at, self.lang())
    }
    fn paragraphs<'a>(&self, text: &'a str) -> Vec<&'a str> {
        kernel::text::split_paragraphs(text)
    }
    fn get(&self, name: &str) -> &str {
        FormPairs::get(&self.fields.as_slice(), name)
    }
    /// Once an answer is chosen, the requester's way to tell it in the library: its form,
    /// filled with the request's title, territory and need and the chosen member.
    fn library_url(&self) -> Option<String> {
        if !self.requester {
            return None;
        }
        let chosen = self.answers.iter().find(|a| self.is_chosen(a))?;
        let territory = match &self.space {
            Some(s) => s.territory.as_string(),
            None => format!("departement/{}", self.request.departement),
        };
        let pairs = [
            ("title", self.request.title.as_str()),
            ("territory", territory.as_str()),
            ("context", self.request.need.as_str()),
            ("actors", chosen.actor_url.as_str()),
        ];
        let query: Vec<String> = pairs
            .iter()
            .map(|(k, v)| format!("{k}={}", kernel::web::percent_encode(v)))
            .collect();
        Some(format!("/library/propose?{}", query.join("&")))
    }
    fn is_member(&self, m: &Member) -> bool {
        self.get("member") == m.id || self.answering.len() == 1
    }
}

/// The request at this address, if the reader may read it (a 404 otherwise), with its answers
/// and what the reader is to it.
async fn visible(
    state: &AppState,
    user: &User,
    id: &str,
) -> Result<(SupportRequest, Vec<Answer>, Standing), Error> {
    let request = requests::get(state.db(), id)
        .await?
        .ok_or(Error::NotFound)?;
    let answers = requests::answers(state.db(), &request.id).await?;
    let standing = Standing::of(state, user, &request, &answers).await?;
    if !policy::can(Some(user), Action::Read, &standing.resource(&request)) {
        return Err(Error::NotFound);
    }
    Ok((request, answers, standing))
}

async fn request_page(
    state: &AppState,
    page: PageCtx,
    (request, answers, standing): (SupportRequest, Vec<Answer>, Standing),
    fields: Vec<(String, String)>,
    errors: FieldErrors,
) -> Result<RequestPage, Error> {
    let user = page.user.clone();
    let members = store::all_listed(state.db(), &Filter::default()).await?;
    let suggested = suggest(&members, &request.methods, &request.departement)
        .into_iter()
        .map(|s| Suggested {
            name: s.member.actor_name.clone(),
            url: s.member.actor_url.clone(),
            methods: s.methods_in_common,
            serves: s.serves_departement,
        })
        .collect();
    let answering = if user
        .as_ref()
        .is_some_and(|u| policy::can(Some(u), Action::Answer, &standing.resource(&request)))
    {
        standing
            .members
            .iter()
            .filter(|m| !standing.answered.contains(&m.id))
            .cloned()
            .collect()
    } else {
        Vec::new()
    };
    let answers = answers
        .into_iter()
        .filter(|a| standing.reads(user.as_ref(), a))
        .collect();
    Ok(RequestPage {
        names: Names::load(state).await?,
        space: kernel::spaces::store::get_by_id(state.db(), &request.space_id).await?,
        page,
        suggested,
        answers,
        answering,
        requester: standing.requester,
        request,
        fields,
        errors,
    })
}

pub(super) async fn show(
    State(state): State<AppState>,
    page: PageCtx,
    SignedIn(user): SignedIn,
    Path(id): Path<String>,
) -> Result<Response, Error> {
    let found = visible(&state, &user, &id).await?;
    render(&request_page(&state, page, found, Vec::new(), FieldErrors::new()).await?)
}

pub(super) async fn answer(
    State(state): State<AppState>,
    page: PageCtx,
    SignedIn(user): SignedIn,
    Path(id): Path<String>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, Error> {
    let (request, answers, standing) = visible(&state, &user, &id).await?;
    policy::check(&user, Action::Answer, &standing.resource(&request))?;
    let parsed = AnswerInput::parse(&fields.as_slice());
    let mut errors = match &parsed {
        Ok(_) => FieldErrors::new(),
        Err(e) => e.clone(),
    };
    let chosen = FormPairs::get(&fields.as_slice(), "member")
        .trim()
        .to_string();
    if !chosen.is_empty() {
        if standing.answered.contains(&chosen) {
            errors.push(FieldError::new("member", "network.already_answered"));
        } else if !standing.members.iter().any(|m| m.id == chosen) {
            // Someone else's member is refused.
            policy::check(&user, Action::Answer, &Resource::Actor { owned: false })?;
        }
    }
    let stored = match parsed {
        Ok(input) if errors.is_empty() => {
            requests::answer(state.db(), &request.id, &input, &user.id).await
        }
        _ => Err(StoreError::Invalid(errors)),
    };
    let errors = match stored {
        Ok(_) => {
            return Ok(redirect_with_flash(
                &request.url(),
                "flash.network_answer_sent",
            ));
        }
        Err(StoreError::AlreadyAnswered) => {
            FieldErrors::from(FieldError::new("member", "network.already_answered"))
        }
        Err(StoreError::Invalid(errors)) => errors,
        Err(e) => return Err(e.into()),
    };
    let p = request_page(&state, page, (request, answers, standing), fields, errors).await?;
    render_invalid(&p)
}

pub(super) async fn choose(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
    Path((id, answer_id)): Path<(String, String)>,
) -> Result<Response, Error> {
    let (request, answers, standing) = visible(&state, &user, &id).await?;
    policy::check(&user, Action::Choose, &standing.resource(&request))?;
    let path = request.url();
    let mut mails = Vec::new();
    for a in &answers {
        let to = directory::store::owner_emails(state.db(), &a.actor_id).await?;
        let key = if a.id == answer_id {
            "mail.network_answer_chosen"
        } else {
            "mail.network_answer_not_chosen"
        };
        mails.extend(state.letters_about(&to, key, (&request.title, &path), ""));
    }
    requests::choose(state.db(), &request.id, &answer_id, &user.id, &mails).await?;
    Ok(redirect_with_flash(&path, "flash.network_answer_chosen"))
}

pub(super) async fn close(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
    Path(id): Path<String>,
) -> Result<Response, Error> {
    let (request, _, standing) = visible(&state, &user, &id).await?;
    policy::check(&user, Action::Choose, &standing.resource(&request))?;
    requests::close(state.db(), &request.id, &user.id).await?;
    Ok(redirect_with_flash(
        &request.url(),
        "flash.network_request_closed",
    ))
}
