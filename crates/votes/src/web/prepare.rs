//! Preparing a vote: creation, questions or projects, census list, invitation codes, opening
//! and closing.

use super::*;

#[derive(Template)]
#[template(path = "votes/new.html")]
pub(super) struct NewPage {
    page: PageCtx,
    process: Process,
    fields: VotationFields,
    errors: FieldErrors,
}

pub(super) async fn managed_process(
    state: &AppState,
    space: &str,
    process: &str,
    user: &User,
) -> Result<Process, Error> {
    let p = participation::visible_process(state, space, process, Some(user)).await?;
    crate::policy::check(
        user,
        crate::policy::Action::Prepare,
        &crate::policy::Resource::Process(&p),
    )?;
    Ok(p)
}

pub(super) async fn new_form(
    State(state): State<AppState>,
    page: PageCtx,
    SignedIn(user): SignedIn,
    Path((space, process)): Path<(String, String)>,
) -> Result<Response, Error> {
    let process = managed_process(&state, &space, &process, &user).await?;
    let now = now_ms();
    let fields = VotationFields {
        kind: "votation".into(),
        eligibility: "accounts".into(),
        opens_at: kernel::clock::form_value(now + 86_400_000),
        closes_at: kernel::clock::form_value(now + 15 * 86_400_000),
        ..Default::default()
    };
    render(&NewPage {
        page,
        process,
        fields,
        errors: FieldErrors::new(),
    })
}

pub(super) async fn create(
    State(state): State<AppState>,
    page: PageCtx,
    SignedIn(user): SignedIn,
    Path((space, process)): Path<(String, String)>,
    Form(fields): Form<VotationFields>,
) -> Result<Response, Error> {
    let process = managed_process(&state, &space, &process, &user).await?;
    match fields.parse(now_ms()) {
        Ok(input) => {
            let id = store::create(state.db(), &process.id, &input, &user.id).await?;
            Ok(Redirect::to(&format!("{}/admin", vote_url(&process, &id))).into_response())
        }
        Err(errors) => render_invalid(&NewPage {
            page,
            process,
            fields,
            errors,
        }),
    }
}

#[derive(Template)]
#[template(path = "votes/admin.html")]
pub(super) struct AdminPage {
    page: PageCtx,
    process: Process,
    vote: Votation,
    url: String,
    phase: Phase,
    census: i64,
    codes: i64,
    question: QuestionFields,
    question_errors: FieldErrors,
    project: ProjectFields,
    project_errors: FieldErrors,
    census_errors: FieldErrors,
    census_line: usize,
    option_errors: FieldErrors,
    /// The option whose details were refused.
    option_failed: String,
}

impl AdminPage {
    fn method_key(&self, m: &Method) -> &'static str {
        method_key(m)
    }
    fn eligibility_key(&self) -> &'static str {
        eligibility_key(self.vote.eligibility)
    }
}

pub(super) async fn admin_page(
    state: &AppState,
    page: PageCtx,
    l: Located,
) -> Result<AdminPage, Error> {
    let (census, codes) = store::eligible_counts(state.db(), &l.vote).await?;
    Ok(AdminPage {
        page,
        url: l.url(),
        phase: l.vote.phase(now_ms()),
        process: l.process,
        vote: l.vote,
        census,
        codes,
        question: QuestionFields {
            method: "judgment".into(),
            ..Default::default()
        },
        question_errors: FieldErrors::new(),
        project: ProjectFields::default(),
        project_errors: FieldErrors::new(),
        census_errors: FieldErrors::new(),
        census_line: 0,
        option_errors: FieldErrors::new(),
        option_failed: String::new(),
    })
}

/// After a change on the administration page: back to it when saved; when refused, the page
/// again with the errors (`show` puts them, and what was typed, in their place).
async fn saved_or_shown(
    state: &AppState,
    page: PageCtx,
    l: Located,
    result: Result<(), Error>,
    show: impl FnOnce(&mut AdminPage, FieldErrors),
) -> Result<Response, Error> {
    match result {
        Ok(()) => Ok(redirect_with_flash(
            &format!("{}/admin", l.url()),
            "flash.saved",
        )),
        Err(Error::Invalid(errors)) => {
            let mut p = admin_page(state, page, l).await?;
            show(&mut p, errors);
            render_invalid(&p)
        }
        Err(e) => Err(e),
    }
}

pub(super) async fn admin(
    State(state): State<AppState>,
    page: PageCtx,
    SignedIn(user): SignedIn,
    Path(path): Path<VotePath>,
) -> Result<Response, Error> {
    let l = managed(&state, &path, &user).await?;
    render(&admin_page(&state, page, l).await?)
}

pub(super) async fn add_question(
    State(state): State<AppState>,
    page: PageCtx,
    SignedIn(user): SignedIn,
    Path(path): Path<VotePath>,
    Form(fields): Form<QuestionFields>,
) -> Result<Response, Error> {
    let l = managed(&state, &path, &user).await?;
    let result = match fields.parse() {
        Ok(input) => store::add_question(state.db(), &l.vote, &input, &user.id)
            .await
            .map_err(Error::from),
        Err(e) => Err(Error::Invalid(e)),
    };
    saved_or_shown(&state, page, l, result, |p, errors| {
        p.question = fields;
        p.question_errors = errors;
    })
    .await
}

pub(super) async fn add_project(
    State(state): State<AppState>,
    page: PageCtx,
    SignedIn(user): SignedIn,
    Path(path): Path<VotePath>,
    Form(fields): Form<ProjectFields>,
) -> Result<Response, Error> {
    let l = managed(&state, &path, &user).await?;
    let total = l.vote.budget.map_or(0, |b| b.total);
    let result = match fields.parse(total) {
        Ok(input) => store::add_project(state.db(), &l.vote, &input, &user.id)
            .await
            .map_err(Error::from),
        Err(e) => Err(Error::Invalid(e)),
    };
    saved_or_shown(&state, page, l, result, |p, errors| {
        p.project = fields;
        p.project_errors = errors;
    })
    .await
}

/// Reads a census list: one resident per line, `identifier;birth date` (or with a comma or a
/// tab), the date as `YYYY-MM-DD` or `DD/MM/YYYY`; a first line that is not a resident is a
/// header. Returns the salted hashes, or the first bad line (from 1) with the reason.
pub fn parse_census(salt: &str, text: &str) -> Result<Vec<String>, (usize, &'static str)> {
    let mut hashes = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim().trim_start_matches('\u{feff}');
        if line.is_empty() {
            continue;
        }
        let mut parts = line.splitn(2, [';', ',', '\t']);
        let identifier = parts.next().unwrap_or("").trim().trim_matches('"');
        let date = parts.next().unwrap_or("").trim().trim_matches('"');
        let parsed = kernel::clock::parse_date(date, "census").ok().or_else(|| {
            let mut d = date.split('/');
            let (day, month, year) = (d.next()?, d.next()?, d.next()?);
            kernel::clock::parse_date(&format!("{year}-{month:0>2}-{day:0>2}"), "census").ok()
        });
        match parsed {
            Some(birth) if !ballot::normalize_identifier(identifier).is_empty() => {
                hashes.push(ballot::census_hash(salt, identifier, &birth));
            }
            None if i == 0 => continue,
            Some(_) => return Err((i + 1, "vote.census_identifier")),
            None => return Err((i + 1, "vote.census_date")),
        }
    }
    if hashes.is_empty() {
        return Err((0, "vote.census_empty"));
    }
    Ok(hashes)
}

pub(super) async fn set_census(
    State(state): State<AppState>,
    page: PageCtx,
    SignedIn(user): SignedIn,
    Path(path): Path<VotePath>,
    multipart: Multipart,
) -> Result<Response, Error> {
    let l = managed(&state, &path, &user).await?;
    let form = MultipartForm::read(multipart, &["census_file", "census"]).await?;
    let mut text = String::new();
    let mut encoding = Ok(());
    for (_, bytes) in &form.files {
        match std::str::from_utf8(bytes) {
            Ok(part) => {
                text.push_str(part);
                text.push('\n');
            }
            Err(_) => encoding = Err((0, "vote.census_encoding")),
        }
    }
    let hashes = match encoding.and_then(|()| parse_census(&l.vote.salt, &text)) {
        Ok(hashes) => hashes,
        Err((line, code)) => {
            let mut p = admin_page(&state, page, l).await?;
            p.census_errors = FieldError::new("census_file", code).into();
            p.census_line = line;
            return render_invalid(&p);
        }
    };
    store::set_census(state.db(), &l.vote, &hashes, &user.id).await?;
    Ok(redirect_with_flash(
        &format!("{}/admin", l.url()),
        "flash.saved",
    ))
}

#[derive(Deserialize)]
pub(super) struct CodesForm {
    #[serde(default)]
    count: String,
    #[serde(default)]
    format: String,
}

#[derive(Template)]
#[template(path = "votes/codes.html")]
pub(super) struct CodesPage {
    page: PageCtx,
    vote: Votation,
    url: String,
    codes: Vec<String>,
}

/// Most codes generated at once.
pub(super) const MAX_CODES: i64 = 100_000;

pub(super) async fn codes(
    State(state): State<AppState>,
    page: PageCtx,
    SignedIn(user): SignedIn,
    Path(path): Path<VotePath>,
    Form(form): Form<CodesForm>,
) -> Result<Response, Error> {
    let l = managed(&state, &path, &user).await?;
    if l.vote.eligibility != Eligibility::Codes {
        return Err(Error::Conflict("vote.not_codes"));
    }
    let count = match form.count.trim().parse::<i64>() {
        Ok(n) if (1..=MAX_CODES).contains(&n) => n as usize,
        _ => {
            let mut p = admin_page(&state, page, l).await?;
            p.census_errors = FieldError::new("count", "vote.codes_count").into();
            return render_invalid(&p);
        }
    };
    let codes: Vec<String> = (0..count).map(|_| kernel::ids::new_id()).collect();
    let hashes: Vec<String> = codes.iter().map(|c| kernel::ids::hash_secret(c)).collect();
    store::add_codes(state.db(), &l.vote, &hashes, &user.id).await?;
    let grouped: Vec<String> = codes.iter().map(|c| ballot::grouped(c)).collect();
    if form.format == "csv" {
        let mut csv = String::from("code\n");
        for c in &grouped {
            csv.push_str(c);
            csv.push('\n');
        }
        return Ok((
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
                (
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"codes-{}.csv\"", l.vote.id),
                ),
                (header::CACHE_CONTROL, "no-store".to_string()),
            ],
            csv,
        )
            .into_response());
    }
    let url = format!(
        "{}{}",
        state.config().base_url.trim_end_matches('/'),
        l.url()
    );
    let mut res = render(&CodesPage {
        page,
        vote: l.vote,
        url,
        codes: grouped,
    })?;
    res.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-store"),
    );
    Ok(res)
}

/// The details of one option or project, sent as `multipart/form-data` (it may carry a picture).
pub(super) async fn option_details(
    State(state): State<AppState>,
    page: PageCtx,
    SignedIn(user): SignedIn,
    Path((space, process, id, option)): Path<(String, String, String, String)>,
    multipart: Multipart,
) -> Result<Response, Error> {
    let l = managed(&state, &(space, process, id), &user).await?;
    let form = MultipartForm::read(multipart, &["image"]).await?;
    let fields = OptionDetailsFields {
        description: form.text("description"),
        lat: form.text("lat"),
        lon: form.text("lon"),
    };
    let image = form.file("image");
    let result = async {
        let checked = state
            .uploads()
            .check_optional_image("image", image, 800)
            .await;
        let (details, image) = Error::both(fields.parse(), checked)?;
        // Written once every field is accepted, before the row that names it (a file the
        // database then refuses is swept a day later).
        state.uploads().store_all(image.iter()).await?;
        store::set_option_details(
            state.db(),
            &l.vote,
            &option,
            &details,
            image.as_ref().map(|i| i.name.as_str()),
            &user.id,
        )
        .await?;
        Ok(())
    }
    .await;
    saved_or_shown(&state, page, l, result, |p, errors| {
        p.option_errors = errors;
        p.option_failed = option;
    })
    .await
}

#[derive(Template)]
#[template(path = "votes/settings.html")]
pub(super) struct SettingsPage {
    page: PageCtx,
    process: Process,
    vote: Votation,
    url: String,
    fields: VotationFields,
    errors: FieldErrors,
}

/// The vote's settings, on a page of their own: its title, description, dates, eligibility and
/// budget settings, which change until it opens.
pub(super) async fn settings_form(
    State(state): State<AppState>,
    page: PageCtx,
    SignedIn(user): SignedIn,
    Path(path): Path<VotePath>,
) -> Result<Response, Error> {
    let l = managed(&state, &path, &user).await?;
    if l.vote.phase(now_ms()) != Phase::Upcoming {
        return Err(StoreError::Locked.into());
    }
    render(&SettingsPage {
        page,
        url: l.url(),
        fields: VotationFields::of(&l.vote),
        errors: FieldErrors::new(),
        process: l.process,
        vote: l.vote,
    })
}

pub(super) async fn settings(
    State(state): State<AppState>,
    page: PageCtx,
    SignedIn(user): SignedIn,
    Path(path): Path<VotePath>,
    Form(mut fields): Form<VotationFields>,
) -> Result<Response, Error> {
    let l = managed(&state, &path, &user).await?;
    if l.vote.phase(now_ms()) != Phase::Upcoming {
        return Err(StoreError::Locked.into());
    }
    // Its kind stays.
    fields.kind = l.vote.kind.as_str().into();
    let result = match fields.parse_change(now_ms()) {
        Ok(input) => store::update(state.db(), &l.vote, &input, &user.id)
            .await
            .map_err(Error::from),
        Err(e) => Err(Error::Invalid(e)),
    };
    match result {
        Ok(()) => Ok(redirect_with_flash(
            &format!("{}/admin", l.url()),
            "flash.saved",
        )),
        Err(Error::Invalid(errors)) => render_invalid(&SettingsPage {
            page,
            url: l.url(),
            fields,
            errors,
            process: l.process,
            vote: l.vote,
        }),
        Err(e) => Err(e),
    }
}

/// The path of a question or a project of a vote: space, process, vote, question or option.
type ItemPath = (String, String, String, String);

fn split(path: ItemPath) -> (VotePath, String) {
    let (space, process, vote, item) = path;
    ((space, process, vote), item)
}

/// A question or a project of a vote being changed, on a page of its own.
#[derive(Template)]
#[template(path = "votes/item.html")]
pub(super) struct ItemPage {
    page: PageCtx,
    process: Process,
    vote: Votation,
    url: String,
    /// The question's or project's id, and its title as stored.
    id: String,
    title: String,
    question: Option<QuestionFields>,
    project: Option<ProjectFields>,
    errors: FieldErrors,
}

impl ItemPage {
    fn heading_key(&self) -> &'static str {
        if self.question.is_some() {
            "vote.edit_question"
        } else {
            "vote.edit_project"
        }
    }
}

/// The page of a question (`question`) or a project of a vote that has not opened, with what was
/// typed and why it was refused.
fn item_page(
    page: PageCtx,
    l: Located,
    id: String,
    question: Option<QuestionFields>,
    project: Option<ProjectFields>,
    errors: FieldErrors,
) -> Result<ItemPage, Error> {
    if l.vote.phase(now_ms()) != Phase::Upcoming {
        return Err(StoreError::Locked.into());
    }
    let found = l.vote.questions.iter().find_map(|q| match &question {
        Some(_) => (q.id == id && l.vote.kind == Kind::Votation).then(|| q.title.clone()),
        None => q
            .options
            .iter()
            .find(|o| o.id == id && l.vote.kind == Kind::Budget)
            .map(|o| o.title.clone()),
    });
    let title = found.ok_or(Error::NotFound)?;
    Ok(ItemPage {
        page,
        url: l.url(),
        process: l.process,
        vote: l.vote,
        id,
        title,
        question,
        project,
        errors,
    })
}

pub(super) async fn question_form(
    State(state): State<AppState>,
    page: PageCtx,
    SignedIn(user): SignedIn,
    Path(path): Path<ItemPath>,
) -> Result<Response, Error> {
    let (path, id) = split(path);
    let l = managed(&state, &path, &user).await?;
    let fields = l
        .vote
        .questions
        .iter()
        .find(|q| q.id == id)
        .map(QuestionFields::of)
        .ok_or(Error::NotFound)?;
    render(&item_page(
        page,
        l,
        id,
        Some(fields),
        None,
        FieldErrors::new(),
    )?)
}

pub(super) async fn project_form(
    State(state): State<AppState>,
    page: PageCtx,
    SignedIn(user): SignedIn,
    Path(path): Path<ItemPath>,
) -> Result<Response, Error> {
    let (path, id) = split(path);
    let l = managed(&state, &path, &user).await?;
    let fields = l
        .vote
        .questions
        .iter()
        .flat_map(|q| q.options.iter())
        .find(|o| o.id == id)
        .map(ProjectFields::of)
        .ok_or(Error::NotFound)?;
    render(&item_page(
        page,
        l,
        id,
        None,
        Some(fields),
        FieldErrors::new(),
    )?)
}

pub(super) async fn edit_question(
    State(state): State<AppState>,
    page: PageCtx,
    SignedIn(user): SignedIn,
    Path(path): Path<ItemPath>,
    Form(fields): Form<QuestionFields>,
) -> Result<Response, Error> {
    let (path, question) = split(path);
    let l = managed(&state, &path, &user).await?;
    let result = match fields.parse() {
        Ok(input) => store::update_question(state.db(), &l.vote, &question, &input, &user.id)
            .await
            .map_err(Error::from),
        Err(e) => Err(Error::Invalid(e)),
    };
    match result {
        Ok(()) => Ok(redirect_with_flash(
            &format!("{}/admin", l.url()),
            "flash.saved",
        )),
        Err(Error::Invalid(errors)) => {
            render_invalid(&item_page(page, l, question, Some(fields), None, errors)?)
        }
        Err(e) => Err(e),
    }
}

pub(super) async fn remove_question(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
    Path(path): Path<ItemPath>,
) -> Result<Response, Error> {
    let (path, question) = split(path);
    let l = managed(&state, &path, &user).await?;
    store::remove_question(state.db(), &l.vote, &question, &user.id).await?;
    Ok(redirect_with_flash(
        &format!("{}/admin", l.url()),
        "flash.saved",
    ))
}

pub(super) async fn edit_project(
    State(state): State<AppState>,
    page: PageCtx,
    SignedIn(user): SignedIn,
    Path(path): Path<ItemPath>,
    Form(fields): Form<ProjectFields>,
) -> Result<Response, Error> {
    let (path, option) = split(path);
    let l = managed(&state, &path, &user).await?;
    let total = l.vote.budget.map_or(0, |b| b.total);
    let result = match fields.parse(total) {
        Ok(input) => store::update_project(state.db(), &l.vote, &option, &input, &user.id)
            .await
            .map_err(Error::from),
        Err(e) => Err(Error::Invalid(e)),
    };
    match result {
        Ok(()) => Ok(redirect_with_flash(
            &format!("{}/admin", l.url()),
            "flash.saved",
        )),
        Err(Error::Invalid(errors)) => {
            render_invalid(&item_page(page, l, option, None, Some(fields), errors)?)
        }
        Err(e) => Err(e),
    }
}

pub(super) async fn remove_project(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
    Path(path): Path<ItemPath>,
) -> Result<Response, Error> {
    let (path, option) = split(path);
    let l = managed(&state, &path, &user).await?;
    store::remove_project(state.db(), &l.vote, &option, &user.id).await?;
    Ok(redirect_with_flash(
        &format!("{}/admin", l.url()),
        "flash.saved",
    ))
}

pub(super) async fn publish(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
    Path(path): Path<VotePath>,
) -> Result<Response, Error> {
    let l = managed(&state, &path, &user).await?;
    store::publish(state.db(), &l.vote, &user.id).await?;
    Ok(redirect_with_flash(
        &format!("{}/admin", l.url()),
        "publication.published",
    ))
}

pub(super) async fn unpublish(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
    Path(path): Path<VotePath>,
) -> Result<Response, Error> {
    let l = managed(&state, &path, &user).await?;
    store::unpublish(state.db(), &l.vote, &user.id).await?;
    Ok(redirect_with_flash(
        &format!("{}/admin", l.url()),
        "publication.unpublished",
    ))
}

pub(super) async fn open(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
    Path(path): Path<VotePath>,
) -> Result<Response, Error> {
    let l = managed(&state, &path, &user).await?;
    store::open(state.db(), &l.vote, &user.id).await?;
    Ok(redirect_with_flash(&l.url(), "flash.vote_opened"))
}

pub(super) async fn close(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
    Path(path): Path<VotePath>,
) -> Result<Response, Error> {
    let l = managed(&state, &path, &user).await?;
    store::close(state.db(), &l.vote, &user.id).await?;
    store::seal(state.db(), &l.vote).await?;
    Ok(redirect_with_flash(&l.url(), "flash.vote_closed"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_census_list_reads_both_date_formats_and_names_the_bad_line() {
        let ok = parse_census(
            "s",
            "identifiant;date\nAB12;1990-05-04\n\"CD 34\",04/05/1991\n",
        )
        .unwrap();
        assert_eq!(ok.len(), 2);
        let birth = kernel::clock::parse_date("1991-05-04", "b").unwrap();
        assert_eq!(ok[1], ballot::census_hash("s", "cd34", &birth));
        assert_eq!(
            parse_census("s", "AB12;1990-05-04\nCD34;hier\n"),
            Err((2, "vote.census_date"))
        );
        assert_eq!(
            parse_census("s", "AB12;1990-05-04\n;1990-05-04\n"),
            Err((2, "vote.census_identifier"))
        );
        assert_eq!(parse_census("s", "\n"), Err((0, "vote.census_empty")));
    }
}
