//! Resources: the list of published resources (filtered by kind and method), a resource's page
//! with its attachments, the form an owner of a member proposes one with, and its author's
//! edit (a revision for a moderator once it is published).

use super::*;
use crate::model::resources::{KINDS, LICENCES};
use crate::store::resources::{self as resources, Resource, State as ResourceState};
use axum::extract::Path;
use kernel::accounts::User;
use kernel::web::{AttachedForm, FormPairs, SignedIn, redirect_with_flash, render_invalid};
use kernel::{FieldError, FieldErrors};

/// Resources per page of the list.
const PER_PAGE: i64 = 20;

/// The members whose actor the reader owns: those they may propose a resource for.
pub(super) async fn my_members(state: &AppState, user_id: &str) -> Result<Vec<Member>, Error> {
    Ok(store::owned_accepted(state.db(), user_id).await?)
}

/// The resource at this address: a published one for everyone, the others for their author
/// and the network's moderators (a 404 for anyone else).
async fn visible(state: &AppState, user: Option<&User>, id: &str) -> Result<Resource, Error> {
    let resource = resources::get(state.db(), id)
        .await?
        .ok_or(Error::NotFound)?;
    let entry = policy::Resource::Entry {
        published: resource.state == ResourceState::Published,
        mine: user.is_some_and(|u| u.id == resource.author),
    };
    if !policy::can(user, Action::Read, &entry) {
        return Err(Error::NotFound);
    }
    Ok(resource)
}

/// The filter of an address's query pairs, and the page asked.
fn read_filter(pairs: &[(String, String)], names: &Names) -> (ResourceFilter, Option<i64>) {
    let filter = ResourceFilter::parse(
        FormPairs::get(&pairs, "kind"),
        FormPairs::get(&pairs, "method"),
        &names.methods,
    );
    (filter, FormPairs::get(&pairs, "page").trim().parse().ok())
}

#[derive(Template)]
#[template(path = "network/resources.html")]
struct ListPage {
    page: PageCtx,
    names: Names,
    filter: ResourceFilter,
    resources: Vec<Resource>,
    pager: Pager,
    kinds: &'static [&'static str],
    moderate: bool,
}

impl ListPage {
    fn label(&self, m: &Method) -> String {
        m.label(self.page.tr.0).to_string()
    }
    fn is_kind(&self, code: &str) -> bool {
        self.filter.kind.as_deref() == Some(code)
    }
    fn is_method(&self, code: &str) -> bool {
        self.filter.method.as_deref() == Some(code)
    }
    fn methods_of(&self, r: &Resource) -> String {
        self.names.method_names(&r.data.methods, self.page.tr.0)
    }
    fn licence_of(&self, r: &Resource) -> String {
        r.data.licence_name(self.page.tr.0)
    }
}

pub(super) async fn list(
    State(state): State<AppState>,
    page: PageCtx,
    Query(pairs): Query<Vec<(String, String)>>,
) -> Result<Response, Error> {
    let names = Names::load(&state).await?;
    let (filter, n) = read_filter(&pairs, &names);
    let mut pager = Pager::new(n, PER_PAGE, format!("/commun/resources?{}", filter.query()));
    pager.total = resources::count_listed(state.db(), &filter).await?;
    let list = resources::listed(state.db(), &filter, pager.offset(), PER_PAGE).await?;
    let moderate = policy::can(
        page.user.as_ref(),
        Action::Moderate,
        &policy::Resource::Network,
    );
    render(&ListPage {
        page,
        names,
        filter,
        resources: list,
        pager,
        kinds: KINDS,
        moderate,
    })
}

#[derive(Template)]
#[template(path = "network/resource.html")]
struct ResourcePage {
    page: PageCtx,
    names: Names,
    resource: Resource,
    /// Whether the reader may change it.
    editable: bool,
}

impl ResourcePage {
    fn html(&self) -> String {
        kernel::markdown::to_html(&self.resource.data.body)
    }
    fn methods(&self) -> String {
        self.names
            .method_names(&self.resource.data.methods, self.page.tr.0)
    }
    fn licence(&self) -> String {
        self.resource.data.licence_name(self.page.tr.0)
    }
    fn published(&self) -> bool {
        self.resource.state == ResourceState::Published
    }
    fn date(&self) -> kernel::i18n::TimeTag {
        day(self.resource.updated_at, self.page.tr.0)
    }
}

pub(super) async fn show(
    State(state): State<AppState>,
    page: PageCtx,
    Path(id): Path<String>,
) -> Result<Response, Error> {
    let resource = visible(&state, page.user.as_ref(), &id).await?;
    let entry = policy::Resource::Entry {
        published: resource.state == ResourceState::Published,
        mine: page.user.as_ref().is_some_and(|u| u.id == resource.author),
    };
    let editable = resource.state != ResourceState::Rejected
        && policy::can(page.user.as_ref(), Action::Revise, &entry);
    render(&ResourcePage {
        names: Names::load(&state).await?,
        page,
        resource,
        editable,
    })
}

pub(super) async fn attachment(
    State(state): State<AppState>,
    page: PageCtx,
    Path((id, file)): Path<(String, String)>,
) -> Result<Response, Error> {
    let resource = visible(&state, page.user.as_ref(), &id).await?;
    kernel::web::attachment(
        state.uploads(),
        &resource.data.attachments,
        &file,
        resource.state == ResourceState::Published,
    )
    .await
}

/// A file of a revision waiting for a moderator: the moderators open it before deciding.
pub(super) async fn revision_attachment(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
    Path((id, file)): Path<(String, String)>,
) -> Result<Response, Error> {
    if !policy::can(Some(&user), Action::Moderate, &policy::Resource::Network) {
        return Err(Error::NotFound);
    }
    let revision = match resources::pending_revision(state.db(), &id).await {
        Err(crate::error::StoreError::Decided) => return Err(Error::NotFound),
        r => r?,
    };
    kernel::web::attachment(state.uploads(), &revision.data.attachments, &file, false).await
}

#[derive(Template)]
#[template(path = "network/resource_form.html")]
struct FormPage {
    page: PageCtx,
    names: Names,
    members: Vec<Member>,
    /// The resource edited, if it is an edit.
    resource: Option<Resource>,
    /// The revision the edit starts from.
    base: i64,
    kinds: &'static [&'static str],
    licences: &'static [&'static str],
    /// The form as typed.
    fields: Vec<(String, String)>,
    errors: FieldErrors,
}

impl FormPage {
    fn new(page: PageCtx, names: Names, members: Vec<Member>) -> FormPage {
        FormPage {
            page,
            names,
            members,
            resource: None,
            base: 0,
            kinds: KINDS,
            licences: LICENCES,
            fields: Vec::new(),
            errors: FieldErrors::new(),
        }
    }
    fn get(&self, name: &str) -> &str {
        FormPairs::get(&self.fields.as_slice(), name)
    }
    fn has(&self, name: &str, value: &str) -> bool {
        self.fields.iter().any(|(k, v)| k == name && v == value)
    }
    fn is_member(&self, m: &Member) -> bool {
        self.get("member") == m.id || self.members.len() == 1
    }
    fn label(&self, m: &Method) -> String {
        m.label(self.page.tr.0).to_string()
    }
    fn kept(&self) -> Vec<kernel::uploads::Attachment> {
        let stored = self
            .resource
            .as_ref()
            .map(|r| r.data.attachments.as_slice());
        kernel::web::kept_attachments(&self.fields, stored.unwrap_or_default())
    }
    fn action(&self) -> String {
        match &self.resource {
            Some(r) => format!("{}/edit", r.url()),
            None => "/commun/resources/new".into(),
        }
    }
}

pub(super) async fn form(
    State(state): State<AppState>,
    page: PageCtx,
    SignedIn(user): SignedIn,
) -> Result<Response, Error> {
    let members = my_members(&state, &user.id).await?;
    render(&FormPage::new(page, Names::load(&state).await?, members))
}

pub(super) async fn propose(
    State(state): State<AppState>,
    page: PageCtx,
    SignedIn(user): SignedIn,
    multipart: axum::extract::Multipart,
) -> Result<Response, Error> {
    let members = my_members(&state, &user.id).await?;
    policy::check(
        &user,
        Action::Propose,
        &policy::Resource::Candidates(members.len()),
    )?;
    let mut form = AttachedForm::read(&state, &page, multipart).await?;
    let names = Names::load(&state).await?;
    let chosen = FormPairs::get(&form.fields.as_slice(), "member")
        .trim()
        .to_string();
    let member = members
        .iter()
        .find(|m| m.id == chosen || (chosen.is_empty() && members.len() == 1))
        .map(|m| m.id.clone());
    let mut errors = FieldErrors::new();
    if member.is_none() {
        if chosen.is_empty() {
            errors.push(FieldError::new(
                "member",
                "network.resource_member_required",
            ));
        } else {
            // Someone else's member is refused; one of the reader's that is not (or no
            // longer) a member is a field error.
            if let Some(other) = store::get(state.db(), &chosen).await? {
                let owned = directory::store::owns(state.db(), &other.actor_id, &user.id).await?;
                policy::check(&user, Action::Propose, &policy::Resource::Actor { owned })?;
            }
            errors.push(FieldError::new("member", "network.resource_member_unknown"));
        }
    }
    let parsed = match ResourceInput::parse(&form.fields.as_slice(), &names.methods) {
        Ok(input) if errors.is_empty() => Ok(input),
        Ok(_) => Err(errors),
        Err(mut more) => {
            more.0.extend(errors.0);
            Err(more)
        }
    };
    // Files are stored only when the whole form is accepted.
    let parsed = form
        .accept(&state, parsed)
        .await?
        .map(|input| ResourceInput {
            attachments: form.attachments.clone(),
            ..input
        });
    match (parsed, member) {
        (Ok(input), Some(member)) => {
            let id = resources::submit(state.db(), &member, &input, &user.id).await?;
            Ok(redirect_with_flash(
                &format!("/commun/resources/{id}"),
                "flash.network_resource_submitted",
            ))
        }
        (Ok(_), None) => Err(Error::BadRequest("form.malformed")),
        (Err(errors), _) => {
            let mut p = FormPage::new(page, names, members);
            p.fields = form.fields;
            p.errors = errors;
            render_invalid(&p)
        }
    }
}

/// The resource at this address that the reader proposed, if it may still change.
async fn editable(state: &AppState, user: &User, id: &str) -> Result<Resource, Error> {
    let resource = visible(state, Some(user), id).await?;
    let entry = policy::Resource::Entry {
        published: resource.state == ResourceState::Published,
        mine: user.id == resource.author,
    };
    policy::check(user, Action::Revise, &entry)?;
    if resource.state == ResourceState::Rejected {
        return Err(Error::Conflict("network.resource_rejected"));
    }
    Ok(resource)
}

/// The edit form of a resource, with the fields typed and their errors.
fn edit_page(
    page: PageCtx,
    names: Names,
    resource: Resource,
    base: i64,
    fields: Vec<(String, String)>,
    errors: FieldErrors,
) -> FormPage {
    let mut p = FormPage::new(page, names, Vec::new());
    p.resource = Some(resource);
    p.base = base;
    p.fields = fields;
    p.errors = errors;
    p
}

pub(super) async fn edit_form(
    State(state): State<AppState>,
    page: PageCtx,
    SignedIn(user): SignedIn,
    Path(id): Path<String>,
) -> Result<Response, Error> {
    let resource = editable(&state, &user, &id).await?;
    let (base, fields) = (resource.revision, resource.data.fields());
    let names = Names::load(&state).await?;
    render(&edit_page(
        page,
        names,
        resource,
        base,
        fields,
        FieldErrors::new(),
    ))
}

pub(super) async fn edit(
    State(state): State<AppState>,
    page: PageCtx,
    SignedIn(user): SignedIn,
    Path(id): Path<String>,
    multipart: axum::extract::Multipart,
) -> Result<Response, Error> {
    let resource = editable(&state, &user, &id).await?;
    let mut form = AttachedForm::read(&state, &page, multipart).await?;
    let base: i64 = FormPairs::get(&form.fields.as_slice(), "base")
        .trim()
        .parse()
        .map_err(|_| Error::BadRequest("form.malformed"))?;
    let names = Names::load(&state).await?;
    let parsed = ResourceInput::parse(&form.fields.as_slice(), &names.methods);
    let parsed = form
        .accept(&state, parsed)
        .await?
        .map(|input| ResourceInput {
            attachments: form.attachments.clone(),
            ..input
        });
    let input = match parsed {
        Ok(input) => input,
        Err(errors) => {
            let p = edit_page(page, names, resource, base, form.fields, errors);
            return render_invalid(&p);
        }
    };
    let url = resource.url();
    match resources::edit(state.db(), &resource, base, &input, &user.id).await {
        Ok(true) => Ok(redirect_with_flash(&url, "flash.saved")),
        Ok(false) => Ok(redirect_with_flash(
            &url,
            "flash.network_resource_revision_pending",
        )),
        Err(e @ crate::error::StoreError::Stale) => {
            let errors = FieldError::new("form", e.code()).into();
            render_invalid(&edit_page(page, names, resource, base, form.fields, errors))
        }
        Err(e) => Err(e.into()),
    }
}
