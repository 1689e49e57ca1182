//! The opinion maps a node keeps: one per conversation, drawn from the votes and statements
//! read from the database. A map older than the votes is drawn again in the background, at most
//! once a second per conversation; meanwhile readers get the one before, unless it is more than
//! two seconds old (a quiet conversation), when they wait for the new one.

use crate::CONVERSATION;
use crate::error::StoreError;
use crate::model::{Conversation, Statement};
use crate::store;
use decide::polis::OpinionMap;
use kernel::AppState;
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How often a conversation's map is drawn again in the background at most.
const EVERY: Duration = Duration::from_secs(1);

/// How old a map may be shown while a newer one is drawn: older, the reader waits.
const STALE: Duration = Duration::from_secs(2);

/// What a map was drawn from: the conversation's count of votes, and its statements' version
/// (this node's writes and the change feed's).
type Drawn = (i64, u64, u64);

/// A conversation's opinion map with what pages show beside it.
pub struct MapView {
    /// What it was drawn from.
    drawn: Drawn,
    /// The map.
    pub map: OpinionMap,
    /// The statements, by number.
    pub statements: Vec<Statement>,
    /// The votes it was drawn from, in the order they are replayed: the open data export writes
    /// these, so that the export gives back the map the pages show.
    pub votes: Vec<decide::polis::Vote>,
    /// The chance of each statement to be shown next (see `decide::polis::priorities`).
    pub priorities: BTreeMap<u32, f64>,
}

impl MapView {
    /// A statement by number.
    pub fn statement(&self, tid: u32) -> Option<&Statement> {
        self.statements
            .binary_search_by_key(&tid, |s| s.tid)
            .ok()
            .map(|i| &self.statements[i])
    }
}

#[derive(Default)]
struct Slot {
    view: Option<Arc<MapView>>,
    drawing: bool,
    since: Option<Instant>,
}

/// The node's opinion maps (one per application, see `AppState::extension`).
#[derive(Default)]
pub struct OpinionMaps {
    slots: Mutex<HashMap<String, Slot>>,
}

fn drawn(state: &AppState, c: &Conversation) -> Drawn {
    (
        c.votes,
        state.applier().version_of(CONVERSATION),
        state.db().generation_of(CONVERSATION),
    )
}

/// Reads a conversation's votes and statements and draws its map.
async fn draw(state: &AppState, c: &Conversation) -> Result<MapView, StoreError> {
    let at = drawn(state, c);
    let statements = store::statements(state.db(), &c.id).await?;
    let votes = store::votes(state.db(), &c.id).await?;
    let view = tokio::task::spawn_blocking(move || {
        let votes: Vec<_> = votes.iter().map(|v| v.for_map()).collect();
        let moderation: Vec<_> = statements.iter().map(Statement::for_map).collect();
        let map = decide::polis::opinion_map(&votes, &moderation);
        let priorities = decide::polis::priorities(&map, &moderation);
        MapView {
            drawn: at,
            map,
            statements,
            votes,
            priorities,
        }
    })
    .await
    .map_err(|e| StoreError::Stopped(format!("drawing an opinion map: {e}")))?;
    Ok(view)
}

impl OpinionMaps {
    /// The node's maps.
    pub fn of(state: &AppState) -> Arc<OpinionMaps> {
        state.extension(|_| OpinionMaps::default())
    }

    /// The map of `c` (a conversation just read): the one kept when it is current, or when a
    /// newer one is being drawn or was started less than a second ago; otherwise a newer one is
    /// drawn in the background while readers get the one kept, unless the one kept was started
    /// more than [`STALE`] ago (a quiet conversation): then, as when there is none, the reader
    /// waits for the drawing.
    pub async fn current(
        self: &Arc<Self>,
        state: &AppState,
        c: &Conversation,
    ) -> Result<Arc<MapView>, StoreError> {
        let now = drawn(state, c);
        {
            let mut slots = self.slots.lock().map_err(|_| poisoned())?;
            let slot = slots.entry(c.id.clone()).or_default();
            if let Some(view) = &slot.view {
                let age = slot.since.map_or(Duration::MAX, |t| t.elapsed());
                if view.drawn == now || slot.drawing || age < EVERY {
                    return Ok(view.clone());
                }
                if age < STALE {
                    slot.drawing = true;
                    slot.since = Some(Instant::now());
                    let (maps, state, c) = (self.clone(), state.clone(), c.clone());
                    tokio::spawn(async move { maps.redraw(&state, &c).await });
                    return Ok(view.clone());
                }
            }
            slot.drawing = true;
            slot.since = Some(Instant::now());
        }
        let drawn = draw(state, c).await;
        let mut slots = self.slots.lock().map_err(|_| poisoned())?;
        let slot = slots.entry(c.id.clone()).or_default();
        slot.drawing = false;
        let view = Arc::new(drawn?);
        slot.view = Some(view.clone());
        Ok(view)
    }

    async fn redraw(&self, state: &AppState, c: &Conversation) {
        // The conversation as it is now: the votes cast since the request that asked.
        let fresh = match store::get(state.db(), &c.id).await {
            Ok(Some(fresh)) => fresh,
            _ => c.clone(),
        };
        let drawn = draw(state, &fresh).await;
        if let Ok(mut slots) = self.slots.lock() {
            let slot = slots.entry(c.id.clone()).or_default();
            slot.drawing = false;
            match drawn {
                Ok(view) => slot.view = Some(Arc::new(view)),
                Err(e) => tracing::warn!(cause = %e, conversation = %c.id, "opinion map not drawn"),
            }
        }
    }
}

fn poisoned() -> StoreError {
    StoreError::Stopped("the opinion maps' lock was poisoned".into())
}
