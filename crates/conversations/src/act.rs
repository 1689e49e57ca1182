//! What a participant does, the same from the pages and from the API: vote on a statement and
//! add one. The policy has said who takes part; these check what is voted on and written.

use crate::error::StoreError;
use crate::map::OpinionMaps;
use crate::model::*;
use crate::policy::{self, Action, Participation, Resource, Standing};
use crate::store::{self, Author, VoteWriter};
use kernel::accounts::User;
use kernel::app::Derived;
use kernel::{AppState, Error};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// The node's vote writer.
fn writer(state: &AppState) -> std::sync::Arc<VoteWriter> {
    state.extension(|s| VoteWriter::start(s.db().clone()))
}

/// The participant key of someone taking part: their account, or the anonymous participant of
/// `token` (the cookie's value), if they have one.
pub fn participant_key(how: &Participation<'_>, token: Option<&str>) -> Option<ParticipantKey> {
    match how {
        Participation::Account(u) => Some(ParticipantKey::account(&u.id)),
        Participation::Anonymous => token.map(ParticipantKey::anonymous),
    }
}

/// A conversation and its statements as this node last read them: what a vote checks.
pub struct Votable {
    /// The conversation (its count of votes may be behind).
    pub conversation: Conversation,
    /// Its statements, by number.
    pub statements: Vec<Statement>,
}

/// The node's [`Votable`]s, one per conversation voted on, read again once this node sees a
/// change of a conversation (its own commit, or the change feed's): a vote then costs no read
/// of them. A statement rejected on another node is refused here once the feed brings it;
/// whether the conversation is still open is checked again in the vote's write.
#[derive(Default)]
struct Votables(Mutex<HashMap<String, Arc<Derived<Option<Votable>>>>>);

/// The conversation `id` with its statements, as [`Votables`] keeps them; `None` when there is
/// no such conversation.
pub async fn votable(state: &AppState, id: &str) -> Result<Arc<Option<Votable>>, Error> {
    let at = (
        state.applier().version_of(crate::CONVERSATION),
        state.db().generation_of(crate::CONVERSATION),
    );
    let kept = state.extension(|_| Votables::default());
    let slot = {
        let mut slots = kept
            .0
            .lock()
            .map_err(|_| Error::internal("votables poisoned"))?;
        if slots.len() >= VOTABLES {
            slots.clear();
        }
        slots.entry(id.to_string()).or_default().clone()
    };
    let value = slot
        .get(at, || async {
            let Some(conversation) = store::get(state.db(), id).await? else {
                return Ok(None);
            };
            let statements = store::statements(state.db(), id).await?;
            Ok(Some(Votable {
                conversation,
                statements,
            }))
        })
        .await?;
    if value.is_none() {
        // No slot is kept for an address naming no conversation.
        if let Ok(mut slots) = kept.0.lock() {
            slots.remove(id);
        }
    }
    Ok(value)
}

/// Most conversations whose statements a node keeps for votes.
const VOTABLES: usize = 10_000;

/// Records a vote (`agree`, `disagree`, `pass`, or `1`, `-1`, `0`) of `key` on the statement
/// `statement_id` of `c`; returns the participant's number and the statement once durable.
/// A statement rejected, or pending while moderation is strict, is refused.
pub async fn vote(
    state: &AppState,
    c: &Conversation,
    key: &ParticipantKey,
    statement_id: &str,
    value: &str,
) -> Result<(u32, Statement), StoreError> {
    let value = VoteValue::parse(value)?;
    if !c.is_open() {
        return Err(StoreError::Closed);
    }
    let kept = votable(state, &c.id).await.map_err(StoreError::Kept)?;
    let statement = kept
        .as_ref()
        .as_ref()
        .and_then(|v| v.statements.iter().find(|s| s.id == statement_id))
        .filter(|s| s.is_votable(c.strict_moderation))
        .cloned()
        .ok_or(StoreError::NoStatement)?;
    let pid = writer(state).cast(&c.id, key, statement.tid, value).await?;
    Ok((pid, statement))
}

/// What `user` is to the network of `c`: whether they own its host member, and an accepted
/// member at all (nothing for a process's conversation, or a visitor).
pub async fn standing(
    state: &AppState,
    user: Option<&User>,
    c: &Conversation,
) -> Result<Standing, Error> {
    let (Home::Network { member_id, .. }, Some(user)) = (&c.home, user) else {
        return Ok(Standing::default());
    };
    let owned = network::store::owned_accepted(state.db(), &user.id).await?;
    Ok(Standing {
        hosts: owned.iter().any(|m| &m.id == member_id),
        member: !owned.is_empty(),
    })
}

/// Adds a statement by `user` (or an anonymous participant `key`) to `c`, after the policy:
/// a moderator's is accepted at once, others wait for moderation.
pub async fn add_statement(
    state: &AppState,
    (c, standing): (&Conversation, Standing),
    user: Option<&User>,
    key: Option<&ParticipantKey>,
    body: &str,
) -> Result<Statement, Error> {
    if !c.is_open() {
        return Err(StoreError::Closed.into());
    }
    let resource = Resource::Conversation(c, standing);
    policy::check(user, Action::AddStatement, &resource)?;
    let text = StatementText::parse(body).map_err(StoreError::from)?;
    let author = Author {
        user_id: user.map(|u| u.id.as_str()),
        participant: key,
        moderator: policy::can(user, Action::Moderate, &resource),
    };
    Ok(store::add_statement(state.db(), c, &text, &author).await?)
}

/// The next statement for a participant who voted on `voted`: drawn among the statements
/// (read now, so that one just added or accepted is there) they have not voted on, weighted by
/// the priorities of the last map (a statement newer than the map has an unseen one's).
/// `unit` is a random number in [0, 1).
pub fn next_statement<'a>(
    statements: &'a [Statement],
    view: &crate::map::MapView,
    c: &Conversation,
    voted: &std::collections::HashSet<u32>,
    unit: f64,
) -> Option<&'a Statement> {
    let candidates: Vec<(u32, f64)> = statements
        .iter()
        .filter(|s| s.is_votable(c.strict_moderation) && !voted.contains(&s.tid))
        .map(|s| {
            let unseen = if s.is_meta {
                decide::polis::META_PRIORITY
            } else {
                decide::polis::UNSEEN_PRIORITY
            };
            (
                s.tid,
                view.priorities.get(&s.tid).copied().unwrap_or(unseen),
            )
        })
        .collect();
    decide::polis::weighted_draw(&candidates, unit)
        .and_then(|tid| statements.iter().find(|s| s.tid == tid))
}

/// A random number in [0, 1).
pub fn unit() -> f64 {
    let bytes = kernel::ids::random_bytes::<8>();
    (u64::from_le_bytes(bytes) >> 11) as f64 / (1u64 << 53) as f64
}

/// The map of `c` now (see [`OpinionMaps::current`]).
pub async fn map_of(
    state: &AppState,
    c: &Conversation,
) -> Result<std::sync::Arc<crate::map::MapView>, StoreError> {
    OpinionMaps::of(state).current(state, c).await
}
