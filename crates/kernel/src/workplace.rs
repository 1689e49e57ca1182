//! "Mon espace de travail": where a member of staff (an agent, a moderator, an administrator of
//! a space or of the instance) finds their desks and queues with what waits there. The kernel
//! knows no component: each gives its entries through its manifest's `workplace` hook, as it
//! gives its sections of pages, and the kernel adds its own (the administration pages).

use crate::accounts::{Action, User, can};
use crate::app::AppState;
use crate::error::Error;
use crate::i18n::Lang;
use crate::spaces::Space;
use crate::web::routes::Routes;
use crate::web::{PageCtx, SignedIn, render};
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use axum::routing::get;

/// The workplace's address.
pub const URL: &str = "/workplace";

/// One desk or queue of a member of staff, given by the component that owns it.
#[derive(Debug, Clone)]
pub struct Work {
    /// The space it belongs to; `None` for the instance's (the directory's, the library's…).
    pub space_id: Option<String>,
    /// Its title, in the reader's language.
    pub title: String,
    /// Where it is.
    pub url: String,
    /// Where it stands, one line each, in the reader's language, for an item followed rather
    /// than a queue (a vote's « Ouvert jusqu'au 6 décembre 2026 », « 12 bulletins »): what it
    /// counts is no work waiting, so it adds to no total.
    pub notes: Vec<String>,
    /// What waits there, for a queue; `None` for a page to manage.
    pub waiting: Option<Waiting>,
}

/// What waits at a desk or in a queue.
#[derive(Debug, Clone)]
pub struct Waiting {
    /// How many items.
    pub count: i64,
    /// The count in words, in the reader's language ("12 signalements ouverts").
    pub words: String,
    /// How many are urgent, in words, when some are.
    pub urgent: Option<String>,
    /// When the oldest of them arrived (UTC ms), when any waits.
    pub oldest: Option<i64>,
}

/// Whose workplace is asked for.
#[derive(Debug, Clone)]
pub struct WorkOf {
    /// The member of staff.
    pub user: User,
    /// Their language.
    pub lang: Lang,
}

/// How a component gives the desks and queues it keeps for a member of staff (none when they
/// have nothing to do there).
pub type WorkFn =
    fn(AppState, WorkOf) -> crate::changes::BoxFuture<Result<Vec<Work>, crate::Error>>;

/// The spaces where `user` has work, as `allowed` (a space's id) says: every space for the
/// instance's administrators (the first 500 by name), else the spaces of their roles.
pub async fn spaces_where(
    state: &AppState,
    user: &User,
    allowed: impl Fn(&str) -> bool,
) -> Result<Vec<Space>, Error> {
    if user.is_admin() {
        return Ok(crate::spaces::store::list(state.db(), 0, 500).await?.0);
    }
    let mut ids: Vec<&str> = user
        .grants
        .iter()
        .filter_map(|g| g.space_id.as_deref())
        .collect();
    ids.sort_unstable();
    ids.dedup();
    let mut out = Vec::new();
    for id in ids {
        if allowed(id)
            && let Some(space) = crate::spaces::store::get_by_id(state.db(), id).await?
        {
            out.push(space);
        }
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(out)
}

/// The queue of a reviewed component for its moderators: its title (a text key), its address,
/// and what waits in the tables of `reviewed` (see [`crate::review::Reviewed::waiting`]).
pub async fn review_queue(
    state: &AppState,
    lang: Lang,
    (title, url): (&str, &str),
    reviewed: &[crate::review::Reviewed],
) -> Result<Work, Error> {
    let tr = crate::i18n::Tr(lang);
    let (mut count, mut oldest) = (0, None::<i64>);
    for r in reviewed {
        let (n, at) = r.waiting(state.db()).await?;
        count += n;
        oldest = match (oldest, at) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
    }
    Ok(Work {
        space_id: None,
        title: tr.t(title).to_string(),
        url: url.to_string(),
        notes: Vec::new(),
        waiting: Some(Waiting {
            count,
            words: tr.count("workplace.to_review", count),
            urgent: None,
            oldest,
        }),
    })
}

/// How long ago `at` was at `now` (UTC ms), in words with the language's plurals: « à
/// l'instant », « il y a 5 minutes », « il y a 3 heures », « il y a 1 jour », then in days (the
/// age of a report at a desk, of the oldest item of a queue).
pub fn since(tr: crate::i18n::Tr, at: i64, now: i64) -> String {
    let minutes = (now - at).max(0) / 60_000;
    match minutes {
        0 => tr.t("ago.now").to_string(),
        1..60 => tr.count("ago.minutes", minutes),
        60..1440 => tr.count("ago.hours", minutes / 60),
        _ => tr.count("ago.days", minutes / 1440),
    }
}

/// Where a member of staff lands after signing in without asking for a page; others land on
/// the home page.
pub fn landing(user: &User) -> &'static str {
    if can(Some(user), Action::OpenWorkplace) {
        URL
    } else {
        "/"
    }
}

/// The workplace's route.
pub fn routes() -> Routes {
    Routes::new().route(URL, get(workplace))
}

/// The entries of one space (or of the instance), under its name.
struct Group {
    /// The space's name, or `None` for the instance.
    space: Option<Space>,
    /// Its desks and queues.
    work: Vec<Work>,
}

#[derive(Template)]
#[template(path = "workplace.html")]
struct WorkplacePage {
    page: PageCtx,
    groups: Vec<Group>,
    waiting: i64,
}

impl WorkplacePage {
    fn since(&self, at: &i64) -> String {
        since(self.page.tr, *at, crate::ids::now_ms())
    }
}

/// Every desk and queue of `user`: the kernel's administration pages, then each component's,
/// grouped by space (the instance's first, then the spaces by name).
pub async fn work_of(state: &AppState, user: &User, lang: Lang) -> Result<Vec<Work>, Error> {
    let tr = crate::i18n::Tr(lang);
    let mut work = Vec::new();
    if user.is_admin() {
        work.push(Work {
            space_id: None,
            title: tr.t("workplace.instance_admin").to_string(),
            url: "/admin".into(),
            notes: Vec::new(),
            waiting: None,
        });
    } else {
        let manages = |id: &str| can(Some(user), Action::ManageSpace(id));
        for space in spaces_where(state, user, manages).await? {
            work.push(Work {
                space_id: Some(space.id.clone()),
                title: tr.t("workplace.space_admin").to_string(),
                url: format!("/s/{}/admin", space.slug),
                notes: Vec::new(),
                waiting: None,
            });
        }
    }
    work.extend(
        state
            .workplace(WorkOf {
                user: user.clone(),
                lang,
            })
            .await?,
    );
    Ok(work)
}

/// The queues of `user` with what waits in them, for an administration page: those of one
/// space, or all of them with the name of their space (empty for the instance's).
pub async fn queues(
    state: &AppState,
    user: &User,
    lang: Lang,
    space: Option<&Space>,
) -> Result<Vec<(String, Work)>, Error> {
    let mut out = Vec::new();
    for w in work_of(state, user, lang).await? {
        if w.waiting.is_none() {
            continue;
        }
        let place = match (&w.space_id, space) {
            (Some(id), Some(s)) if *id == s.id => String::new(),
            (_, Some(_)) => continue,
            (Some(id), None) => crate::spaces::store::get_by_id(state.db(), id)
                .await?
                .map(|s| s.name)
                .unwrap_or_default(),
            (None, None) => String::new(),
        };
        out.push((place, w));
    }
    Ok(out)
}

async fn workplace(
    State(state): State<AppState>,
    page: PageCtx,
    SignedIn(user): SignedIn,
) -> Result<Response, Error> {
    crate::policy::check(&user, Action::OpenWorkplace)?;
    let work = work_of(&state, &user, page.tr.0).await?;
    let waiting = work
        .iter()
        .filter_map(|w| w.waiting.as_ref())
        .map(|w| w.count)
        .sum();
    let mut groups: Vec<Group> = Vec::new();
    for w in work {
        match groups
            .iter_mut()
            .find(|g| g.space.as_ref().map(|s| &s.id) == w.space_id.as_ref())
        {
            Some(g) => g.work.push(w),
            None => {
                let space = match &w.space_id {
                    Some(id) => crate::spaces::store::get_by_id(state.db(), id).await?,
                    None => None,
                };
                // A space gone meanwhile: its work is gone with it.
                if w.space_id.is_some() && space.is_none() {
                    continue;
                }
                groups.push(Group {
                    space,
                    work: vec![w],
                });
            }
        }
    }
    groups.sort_by(|a, b| {
        let name = |g: &Group| g.space.as_ref().map(|s| s.name.clone());
        name(a).cmp(&name(b))
    });
    render(&WorkplacePage {
        page,
        groups,
        waiting,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::Tr;

    #[test]
    fn ages_are_said_with_plurals() {
        let (fr, en) = (Tr(Lang::Fr), Tr(Lang::En));
        let now = 100 * 86_400_000;
        assert_eq!(since(fr, now - 30_000, now), "à l'instant");
        assert_eq!(since(fr, now - 60_000, now), "il y a 1 minute");
        assert_eq!(since(en, now - 5 * 3_600_000, now), "5 hours ago");
        assert_eq!(since(fr, now - 86_400_000, now), "il y a 1 jour");
        assert_eq!(since(fr, now - 3 * 86_400_000 - 5, now), "il y a 3 jours");
        assert_eq!(since(en, now - 3 * 86_400_000, now), "3 days ago");
        // The clock of another node a little ahead is not "in the future".
        assert_eq!(since(en, now + 5_000, now), "just now");
    }
}
