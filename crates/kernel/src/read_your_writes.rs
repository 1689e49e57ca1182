//! Read-your-writes: the node that answers a write has applied it to its own read indexes
//! before the answer leaves, so that the search, the maps and the facets that the writer reads
//! next (after a form's redirect, a 201 of the API or of Open311) already hold it.
//!
//! Each request runs with a note of the highest change of the feed its work committed
//! ([`crate::db::Write::commit`] writes it; the group commit hands it back to the writers it
//! answers). Once the handler has answered, [`middleware`] waits until the node's applier has
//! applied that change — a local commit wakes the applier at once — then lets the answer go;
//! after [`BOUND`] it lets it go anyway, and counts it in `/metrics`.

use crate::app::AppState;
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

/// How long an answer waits for the node's indexes at most.
pub const BOUND: Duration = Duration::from_secs(2);

tokio::task_local! {
    /// The highest change committed by the work being done (0: none yet).
    static WRITTEN: Arc<AtomicI64>;
}

/// Notes that the work being done committed the changes up to `seq`; nothing outside a
/// request (or a group commit) notes anything.
pub(crate) fn note(seq: i64) {
    if seq > 0 {
        let _ = WRITTEN.try_with(|w| w.fetch_max(seq, Ordering::SeqCst));
    }
}

/// Runs `work`, noting the changes it commits; returns its output and the highest of them (0
/// when it committed none).
pub async fn noting<F: Future>(work: F) -> (F::Output, i64) {
    let written = Arc::new(AtomicI64::new(0));
    let out = WRITTEN.scope(written.clone(), work).await;
    (out, written.load(Ordering::SeqCst))
}

/// Holds the answer of a request that committed changes until this node has applied them (at
/// most [`BOUND`]).
pub async fn middleware(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let (res, written) = noting(next.run(req)).await;
    if written > 0 && !state.applier().wait_applied(written, BOUND).await {
        state.metrics().answered_before_applied();
        tracing::warn!(
            seq = written,
            "a write was answered before this node's indexes applied it"
        );
    }
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_highest_change_of_the_work_is_noted_and_nothing_outside_it() {
        note(7);
        let ((), seq) = noting(async {
            note(3);
            note(9);
            tokio::task::yield_now().await;
            note(5);
        })
        .await;
        assert_eq!(seq, 9);
        let ((), none) = noting(async {}).await;
        assert_eq!(none, 0);
    }
}
