//! Voting: the vote page with its ballot, the checks of a ballot and its voter, the
//! confirmation step and the receipt.

use super::*;

#[derive(Template)]
#[template(path = "votes/show.html")]
pub(super) struct ShowPage {
    page: PageCtx,
    process: Process,
    vote: Votation,
    url: String,
    phase: Phase,
    phase_note: String,
    manage: bool,
    /// Whether the reader may fill the ballot now (signed in when accounts vote).
    can_fill: bool,
    already_voted: bool,
    pairs: Vec<(String, String)>,
    errors: FieldErrors,
    results: Vec<ResultView>,
    counted: u64,
    roll: i64,
    trackers: i64,
    eligible: i64,
}

impl ShowPage {
    fn field(&self, qi: &usize) -> &'static str {
        ballot::field(*qi)
    }
    fn chosen(&self, qi: &usize, option: &str) -> bool {
        let name = ballot::field(*qi);
        self.pairs.iter().any(|(k, v)| k == name && v == option)
    }
    fn graded(&self, qi: &usize, option: &str, pos: &usize) -> bool {
        let name = format!("{}-{option}", ballot::field(*qi));
        self.pairs
            .iter()
            .any(|(k, v)| *k == name && v.parse::<usize>().ok() == Some(*pos))
    }
    /// Whether an option is one the voter left without a grade on a ballot sent back for it.
    fn ungraded(&self, qi: &usize, option: &str) -> bool {
        let question = ballot::field(*qi);
        let name = format!("{question}-{option}");
        self.errors.on(question) == Some("vote.grade_missing")
            && !self.pairs.iter().any(|(k, _)| *k == name)
    }
    fn value(&self, name: &str) -> String {
        self.pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    }
    fn method_key(&self, m: &Method) -> &'static str {
        method_key(m)
    }
    fn eligibility_key(&self) -> &'static str {
        eligibility_key(self.vote.eligibility)
    }
    fn participation(&self) -> String {
        if self.eligible > 0 {
            let rate = format!(
                "{:.1}\u{a0}%",
                100.0 * self.roll as f64 / self.eligible as f64
            );
            match self.page.tr.0 {
                Lang::Fr => rate.replace('.', ","),
                Lang::En => rate,
            }
        } else {
            String::new()
        }
    }
    fn basket_limit(&self) -> String {
        match self.vote.budget.map(|b| b.limit) {
            Some(BasketLimit::AtMost(k)) => self.page.tr.count("vote.basket_at_most", k),
            _ => String::new(),
        }
    }
    fn sum_limit(&self) -> i64 {
        match self.vote.budget {
            Some(BudgetSettings {
                total,
                limit: BasketLimit::Fits,
                ..
            }) => total,
            _ => 0,
        }
    }
    fn euros(&self, n: impl std::borrow::Borrow<i64>) -> String {
        format!("{} €", self.page.tr.num(*n.borrow()))
    }
    fn total(&self) -> i64 {
        self.vote.budget.map_or(0, |b| b.total)
    }
}

pub(super) async fn show_page(
    state: &AppState,
    page: PageCtx,
    l: Located,
    pairs: Vec<(String, String)>,
    errors: FieldErrors,
) -> Result<ShowPage, Error> {
    let phase = l.vote.phase(now_ms());
    let manage = crate::policy::can(
        page.user.as_ref(),
        crate::policy::Action::Prepare,
        &crate::policy::Resource::Process(&l.process),
    );
    let already_voted = match (&page.user, l.vote.eligibility) {
        (Some(u), Eligibility::Accounts) => {
            store::has_voted(state.db(), &l.vote, &account_key(u)).await?
        }
        _ => false,
    };
    let can_fill = phase == Phase::Open
        && !already_voted
        && (l.vote.eligibility != Eligibility::Accounts
            || page.user.as_ref().is_some_and(|u| u.confirmed));
    let (mut shown, mut counted, mut roll, mut trackers, mut eligible) = (Vec::new(), 0, 0, 0, 0);
    if phase == Phase::Closed {
        let r = results(state, &l.vote).await?;
        shown = results::views(&l.vote, &r, page.tr);
        counted = r.ballots;
        roll = store::roll_count(state.db(), &l.vote).await?;
        trackers = store::trackers(state.db(), &l.vote, 0, 0).await?.1;
        let (census, codes) = store::eligible_counts(state.db(), &l.vote).await?;
        eligible = match l.vote.eligibility {
            Eligibility::Census => census,
            Eligibility::Codes => codes,
            Eligibility::Accounts => 0,
        };
    }
    Ok(ShowPage {
        phase_note: phase_note(&l.vote, page.tr.0),
        url: l.url(),
        page,
        process: l.process,
        vote: l.vote,
        phase,
        manage,
        can_fill,
        already_voted,
        pairs,
        errors,
        results: shown,
        counted,
        roll,
        trackers,
        eligible,
    })
}

pub(super) async fn show(
    State(state): State<AppState>,
    page: PageCtx,
    Path((space, process, id)): Path<VotePath>,
) -> Result<Response, Error> {
    let l = locate(&state, &space, &process, &id, page.user.as_ref()).await?;
    render(&show_page(&state, page, l, Vec::new(), FieldErrors::new()).await?)
}

pub(super) fn account_key(u: &User) -> String {
    format!("account:{}", u.id)
}

/// Who is voting, as the roll knows them; the identity is checked against the vote's
/// eligibility. Nothing is written.
pub(super) async fn voter_key(
    state: &AppState,
    v: &Votation,
    user: Option<&User>,
    id: &Identity,
    ip: std::net::IpAddr,
) -> Result<String, Error> {
    match v.eligibility {
        Eligibility::Accounts => match user {
            Some(u) if u.confirmed => Ok(account_key(u)),
            Some(_) => Err(Error::Conflict("vote.unconfirmed")),
            None => Err(Error::Unauthorized),
        },
        Eligibility::Census => {
            let mut errors = FieldErrors::new();
            if ballot::normalize_identifier(&id.identifier).is_empty() {
                errors.push(FieldError::new("identifier", "text.required"));
            }
            let birth = errors.take(kernel::clock::parse_date(&id.birth_date, "birth_date"));
            let Some(birth) = birth.filter(|_| errors.is_empty()) else {
                return Err(errors.into());
            };
            state.limiter().check(CENSUS_ATTEMPTS, ip).await?;
            let hash = ballot::census_hash(&v.salt, &id.identifier, &birth);
            if !store::census_has(state.db(), v, &hash).await? {
                return Err(FieldError::new("identifier", "vote.not_on_census").into());
            }
            if let Some(min) = v.min_age
                && kernel::clock::age_on(birth, kernel::clock::local_date(v.closing())) < min
            {
                return Err(FieldError::new("birth_date", "vote.too_young").into());
            }
            Ok(format!("census:{hash}"))
        }
        Eligibility::Codes => {
            let code = ballot::normalize_code(&id.code);
            if code.is_empty() {
                return Err(FieldError::new("code", "text.required").into());
            }
            let hash = kernel::ids::hash_secret(&code);
            if !store::code_exists(state.db(), v, &hash).await? {
                return Err(FieldError::new("code", "vote.unknown_code").into());
            }
            Ok(format!("code:{hash}"))
        }
    }
}

/// Checks a ballot and its voter for a vote open now; nothing is written.
pub(super) async fn check_ballot(
    state: &AppState,
    v: &Votation,
    user: Option<&User>,
    pairs: &[(String, String)],
    ip: std::net::IpAddr,
) -> Result<(String, Ballot), Error> {
    // A draft's preparers see its ballot; nobody casts one before it is published.
    if v.publication.is_draft() {
        return Err(Error::Conflict("vote.draft"));
    }
    match v.phase(now_ms()) {
        Phase::Upcoming => return Err(Error::Conflict("vote.not_open")),
        Phase::Closed => return Err(Error::Conflict("vote.closed")),
        Phase::Open => {}
    }
    let ballot = Ballot::parse(v, pairs);
    let key = voter_key(state, v, user, &Identity::from_pairs(pairs), ip).await;
    match (key, ballot) {
        (Ok(key), Ok(ballot)) => Ok((key, ballot)),
        (Err(Error::Invalid(mut a)), Err(b)) => {
            a.0.extend(b.0);
            Err(Error::Invalid(a))
        }
        (Err(e), _) => Err(e),
        (Ok(_), Err(b)) => Err(Error::Invalid(b)),
    }
}

/// The choices of a ballot in words, for the confirmation page.
pub struct Choice {
    /// The question.
    pub question: String,
    /// The answers.
    pub answers: Vec<String>,
}

pub(super) fn describe(v: &Votation, b: &Ballot) -> Vec<Choice> {
    v.questions
        .iter()
        .zip(&b.0)
        .map(|(q, a)| Choice {
            question: q.title.clone(),
            answers: match (a, &q.method) {
                (ballot::Mark::Grades(g), Method::Judgment { grades }) => q
                    .options
                    .iter()
                    .zip(g)
                    .map(|(o, grade)| {
                        format!(
                            "{} : {}",
                            o.title,
                            grades
                                .get(grades.len() - 1 - grade)
                                .cloned()
                                .unwrap_or_default()
                        )
                    })
                    .collect(),
                (ballot::Mark::Choices(c), _) => {
                    c.iter().map(|i| q.options[*i].title.clone()).collect()
                }
                _ => Vec::new(),
            },
        })
        .collect()
}

#[derive(Template)]
#[template(path = "votes/review.html")]
pub(super) struct ReviewPage {
    page: PageCtx,
    vote: Votation,
    url: String,
    choices: Vec<Choice>,
    pairs: Vec<(String, String)>,
}

pub(super) fn ballot_pairs(pairs: Vec<(String, String)>) -> Vec<(String, String)> {
    pairs
        .into_iter()
        .filter(|(k, _)| k != "_csrf" && k != "edit")
        .collect()
}

pub(super) async fn review(
    State(state): State<AppState>,
    page: PageCtx,
    ClientIp(ip): ClientIp,
    Path((space, process, id)): Path<VotePath>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, Error> {
    let l = locate(&state, &space, &process, &id, page.user.as_ref()).await?;
    let pairs = ballot_pairs(pairs);
    match check_ballot(&state, &l.vote, page.user.as_ref(), &pairs, ip).await {
        Ok((_, ballot)) => {
            let choices = describe(&l.vote, &ballot);
            render(&ReviewPage {
                page,
                url: l.url(),
                vote: l.vote,
                choices,
                pairs,
            })
        }
        Err(Error::Invalid(errors)) => {
            render_invalid(&show_page(&state, page, l, pairs, errors).await?)
        }
        Err(e) => Err(e),
    }
}

#[derive(Template)]
#[template(path = "votes/receipt.html")]
pub(super) struct ReceiptPage {
    page: PageCtx,
    vote: Votation,
    url: String,
    tracker: String,
}

/// Casts a ballot: checks it and the voter, then stores it. Returns the tracker.
pub async fn cast_ballot(
    state: &AppState,
    v: &Votation,
    user: Option<&User>,
    pairs: &[(String, String)],
    ip: std::net::IpAddr,
) -> Result<String, Error> {
    let (key, ballot) = check_ballot(state, v, user, pairs, ip).await?;
    let writer = state.extension(|s| crate::writer::BallotWriter::start(s.db().clone()));
    match writer.cast(&v.id, &key, &ballot.encode()).await {
        Ok(tracker) => Ok(tracker),
        Err(e @ StoreError::AlreadyCast) => Err(match v.eligibility {
            Eligibility::Codes => FieldError::new("code", "vote.code_used").into(),
            Eligibility::Census => FieldError::new("identifier", "vote.already_cast").into(),
            Eligibility::Accounts => e.into(),
        }),
        Err(e) => Err(e.into()),
    }
}

pub(super) async fn cast(
    State(state): State<AppState>,
    page: PageCtx,
    ClientIp(ip): ClientIp,
    Path((space, process, id)): Path<VotePath>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, Error> {
    let l = locate(&state, &space, &process, &id, page.user.as_ref()).await?;
    let pairs = ballot_pairs(pairs);
    match cast_ballot(&state, &l.vote, page.user.as_ref(), &pairs, ip).await {
        Ok(tracker) => {
            let mut res = render(&ReceiptPage {
                page,
                url: l.url(),
                vote: l.vote,
                tracker: ballot::grouped(&tracker),
            })?;
            res.headers_mut().insert(
                header::CACHE_CONTROL,
                header::HeaderValue::from_static("no-store"),
            );
            Ok(res)
        }
        Err(Error::Invalid(errors)) => {
            render_invalid(&show_page(&state, page, l, pairs, errors).await?)
        }
        Err(e) => Err(e),
    }
}
