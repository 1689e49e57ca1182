//! Group commit: the writes that arrive while the previous commit is being made durable are
//! written together, in one transaction and one flush to disk, and each writer gets its answer
//! only once that commit is done. Durability per write stays what it was; the cost of the flush
//! is shared. The ballots of a vote and the votes of a conversation are written this way.
//! Changes of the feed a shared commit records are handed back to each writer's request, which
//! waits for them to be applied like for its own (see [`crate::read_your_writes`]).

use std::future::Future;
use tokio::sync::{mpsc, oneshot};

/// How a kind of write is made, alone or with others.
pub trait Batch: Send + Sync + 'static {
    /// One write asked.
    type Job: Send + Sync + 'static;
    /// Its answer.
    type Outcome: Send + 'static;
    /// Writes the jobs in one transaction and answers each, in order; an `Err` means nothing of
    /// it was written (the cause, for the log), and each job is then written alone.
    fn write_all(
        &self,
        jobs: &[Self::Job],
    ) -> impl Future<Output = Result<Vec<Self::Outcome>, String>> + Send;
    /// Writes one job alone.
    fn write_one(&self, job: &Self::Job) -> impl Future<Output = Self::Outcome> + Send;
}

/// A node's writer of one kind of write (one per application, see `AppState::extension`).
pub struct GroupCommit<B: Batch> {
    jobs: mpsc::Sender<(B::Job, Reply<B>)>,
}

/// Where a job's outcome goes, with the highest change of the feed its commit recorded.
type Reply<B> = oneshot::Sender<(<B as Batch>::Outcome, i64)>;

/// The writer stopped before answering (the application is shutting down).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stopped;

impl<B: Batch> GroupCommit<B> {
    /// Starts the writer; a commit holds at most `most` jobs.
    pub fn start(batch: B, most: usize) -> GroupCommit<B> {
        let (jobs, rx) = mpsc::channel(4 * most);
        tokio::spawn(run(batch, most, rx));
        GroupCommit { jobs }
    }

    /// Hands a job to the writer; its outcome once the commit that holds it is done.
    pub async fn submit(&self, job: B::Job) -> Result<B::Outcome, Stopped> {
        let (reply, answer) = oneshot::channel();
        self.jobs.send((job, reply)).await.map_err(|_| Stopped)?;
        let (outcome, written) = answer.await.map_err(|_| Stopped)?;
        crate::read_your_writes::note(written);
        Ok(outcome)
    }
}

async fn run<B: Batch>(batch: B, most: usize, mut rx: mpsc::Receiver<(B::Job, Reply<B>)>) {
    use crate::read_your_writes::noting;
    let mut jobs = Vec::with_capacity(most);
    let mut replies = Vec::with_capacity(most);
    while let Some((first, reply)) = rx.recv().await {
        jobs.push(first);
        replies.push(reply);
        while jobs.len() < most {
            match rx.try_recv() {
                Ok((job, reply)) => {
                    jobs.push(job);
                    replies.push(reply);
                }
                Err(_) => break,
            }
        }
        match noting(batch.write_all(&jobs)).await {
            (Ok(outcomes), written) => {
                for (reply, outcome) in replies.drain(..).zip(outcomes) {
                    let _ = reply.send((outcome, written));
                }
            }
            // The shared commit failed: nothing of it was written. Each job is tried again
            // alone, so that one bad job cannot fail the others.
            (Err(cause), _) => {
                tracing::warn!(%cause, "a shared commit failed; each write is tried alone");
                for (job, reply) in jobs.iter().zip(replies.drain(..)) {
                    let _ = reply.send(noting(batch.write_one(job)).await);
                }
            }
        }
        jobs.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    /// Doubles numbers; a batch holding 13 fails as a whole, and 13 alone fails.
    #[derive(Default)]
    struct Doubler {
        batches: Mutex<Vec<usize>>,
    }

    impl Batch for std::sync::Arc<Doubler> {
        type Job = i64;
        type Outcome = Result<i64, ()>;
        async fn write_all(&self, jobs: &[i64]) -> Result<Vec<Self::Outcome>, String> {
            self.batches.lock().unwrap().push(jobs.len());
            if jobs.contains(&13) {
                return Err("13".into());
            }
            Ok(jobs.iter().map(|j| Ok(j * 2)).collect())
        }
        async fn write_one(&self, job: &i64) -> Self::Outcome {
            if *job == 13 { Err(()) } else { Ok(job * 2) }
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn each_writer_gets_its_own_answer_and_one_bad_job_fails_alone() {
        let doubler = std::sync::Arc::new(Doubler::default());
        let writer = std::sync::Arc::new(GroupCommit::start(doubler.clone(), 8));
        let mut tasks = Vec::new();
        for n in 0..40i64 {
            let w = writer.clone();
            tasks.push(tokio::spawn(async move { (n, w.submit(n).await.unwrap()) }));
        }
        for t in tasks {
            let (n, outcome) = t.await.unwrap();
            if n == 13 {
                assert_eq!(outcome, Err(()));
            } else {
                assert_eq!(outcome, Ok(n * 2));
            }
        }
        let batches = doubler.batches.lock().unwrap();
        assert!(batches.iter().all(|b| *b <= 8), "{batches:?}");
        assert!(batches.iter().sum::<usize>() >= 40);
    }
}
