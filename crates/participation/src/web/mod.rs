//! The component's pages: processes and their administration (`processes`), contributions
//! with supports and answers (`contributions`), comments (`comments`), moderation
//! (`moderation`), and the open data and feeds (`data`).

mod comments;
mod contributions;
mod data;
mod map;
mod moderation;
mod processes;
mod work;
pub use work::workplace;

pub use data::datasets;
pub use processes::{can_manage, space_section, visible_process};

use crate::error::StoreError;
use crate::model::{Process, ProcessComponent};
use crate::store;
use crate::store::follows::Notices;
use kernel::accounts::User;
use kernel::web::routes::Routes;
use kernel::{AppState, Error};

/// Every route of the component.
pub fn routes() -> Routes {
    Routes::new()
        .merge(processes::routes())
        .merge(contributions::routes())
        .merge(comments::routes())
        .merge(moderation::routes())
        .merge(data::routes())
}

/// The address of a contribution's page.
pub fn contribution_url(process: &Process, id: &str) -> String {
    format!("{}/contributions/{id}", process.url())
}

/// The address of a component's page.
pub fn component_url(process: &Process, component_id: &str) -> String {
    format!("{}/c/{component_id}", process.url())
}

/// The component of a process with this id, or 404.
async fn component_or_404(
    state: &AppState,
    process: &Process,
    id: &str,
) -> Result<ProcessComponent, Error> {
    store::component(state.db(), id)
        .await?
        .filter(|c| c.process_id == process.id)
        .ok_or(Error::NotFound)
}

/// Why an action of a reader (a support, a comment, a vote on a comment, a flag, a
/// contribution) was not taken. A refusal sends the reader back to the page they came from with
/// a message telling why (`contributions::back`); any other error shows its error page.
enum Refused {
    /// The account's address is not confirmed yet.
    Unconfirmed,
    /// A moderator barred the reader from the space for a while.
    Banned,
    /// The component takes no supports now, or the contribution is not published.
    SupportsClosed,
    /// The component takes no contributions in the current phase.
    ContributionsClosed,
    /// The flag gives no reason, or too long a one.
    FlagReason,
    /// The store refused (`support.already`…) or failed.
    Store(StoreError),
    /// Anything else: not found, a failure.
    Error(Error),
}

impl From<StoreError> for Refused {
    fn from(e: StoreError) -> Self {
        Refused::Store(e)
    }
}

impl From<Error> for Refused {
    fn from(e: Error) -> Self {
        Refused::Error(e)
    }
}

/// A signed-in user who may take part: confirmed, and not barred from the space.
async fn participant(state: &AppState, user: &User, space_id: &str) -> Result<(), Refused> {
    if !user.confirmed {
        return Err(Refused::Unconfirmed);
    }
    if store::moderation::banned_until(state.db(), space_id, &user.id)
        .await?
        .is_some()
    {
        return Err(Refused::Banned);
    }
    Ok(())
}

/// A new key for a form, so that sending it twice makes one thing.
fn form_key() -> String {
    kernel::ids::sha256_hex(&kernel::ids::random_bytes::<16>())[..32].to_string()
}

/// The followers of any of `targets` but `except` (who makes the change), to be told of it
/// (see [`Notices`]).
async fn followers_but(
    state: &AppState,
    targets: &[&str],
    except: &str,
) -> Result<Vec<store::follows::Follower>, Error> {
    let mut followers = store::follows::followers(state.db(), targets).await?;
    followers.retain(|f| f.user_id != except);
    Ok(followers)
}

/// What `followers` are told of a change of the item `what` at `path` on the platform, with the
/// texts `{key}.subject` and `{key}.body` (which take `{link}` and `{what}`).
fn notices(
    state: &AppState,
    followers: &[store::follows::Follower],
    key: &str,
    (what, path): (&str, &str),
) -> Notices {
    let link = format!("{}{path}", state.config().base_url.trim_end_matches('/'));
    Notices::new(followers, key, &link, what)
}

/// The daily digests: every morning from 8:00 (Paris), once per day across nodes, queued in the
/// write that marks the day done.
pub const DIGEST: kernel::jobs::DailyJob = kernel::jobs::DailyJob {
    name: "digest",
    hour: "08:00",
    work: digest_work,
};

fn digest_work<'a>(
    _: &'a AppState,
    day: &'a mut kernel::jobs::Day,
) -> kernel::jobs::WorkFuture<'a> {
    Box::pin(async move { queue_digests(day.write().await?).await })
}

/// Sends the daily digests (see [`DIGEST`]).
pub async fn digest_task(state: AppState) {
    kernel::jobs::daily(state, DIGEST).await
}

/// Queues every pending digest now (see [`queue_digests`]). Returns how many mails were queued.
pub async fn send_digests(state: &AppState) -> Result<usize, Error> {
    let mut w = state.db().write().await?;
    let queued = queue_digests(&mut w).await?;
    w.commit().await?;
    Ok(queued)
}

/// Queues every pending digest in the write `w`, which takes their lines: the lines and the
/// mails are kept or lost together. Returns how many mails were queued.
pub async fn queue_digests(w: &mut kernel::db::Write) -> Result<usize, Error> {
    let digests = store::follows::take_digests(w).await?;
    for d in &digests {
        let lines = d
            .lines
            .iter()
            .map(|(text, link)| format!("- {text}\n  {link}"))
            .collect::<Vec<_>>()
            .join("\n");
        let letter = kernel::mail::Letter::counted_texts(
            &d.email,
            d.lang,
            "mail.digest",
            d.lines.len() as i64,
            &lines,
        );
        w.mail(&letter).await?;
    }
    Ok(digests.len())
}

/// A person's contributions and what they follow, on their account page.
pub async fn account_section(
    state: AppState,
    of: kernel::app::SectionOf,
) -> Result<Option<kernel::app::Section>, Error> {
    let tr = kernel::i18n::Tr(of.lang);
    let written = store::mine::contributions(state.db(), &of.id, 20)
        .await
        .map_err(Error::from)?;
    let followed = store::mine::followed(state.db(), &of.id, 20)
        .await
        .map_err(Error::from)?;
    let items = written
        .into_iter()
        .map(|c| {
            let state = c
                .state
                .as_deref()
                .map(|s| tr.t(crate::model::State::parse(s).key()))
                .unwrap_or_default();
            kernel::app::SectionItem {
                note: tr.f(
                    "contribution.mine_written",
                    &[
                        ("state", state),
                        ("process", c.process.as_str()),
                        ("date", tr.date(c.at).as_str()),
                    ],
                ),
                title: c.title,
                url: c.url,
                ..Default::default()
            }
        })
        .chain(followed.into_iter().map(|f| kernel::app::SectionItem {
            note: tr.f(
                "contribution.mine_followed",
                &[("process", f.process.as_str())],
            ),
            title: f.title,
            url: f.url,
            ..Default::default()
        }))
        .collect();
    Ok(Some(kernel::app::Section {
        heading: "contribution.mine",
        items,
        add: None,
    }))
}
