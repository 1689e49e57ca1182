//! The sender every node runs: it takes the mails that are due under a lease and hands them to
//! the SMTP server, one at a time, recording what became of each. It wakes as soon as this node
//! queues a mail, and looks every few seconds for those the other nodes queued or that are due
//! again.
//!
//! A mail is tried only while its lease has room for the whole try, so that no other node takes
//! it meanwhile. A node that stops between the server's answer and its record leaves the lease
//! to run out: that mail is sent again, once (SMTP gives no way to make the two one step).

use super::queue::{self, Claimed};
use super::{Mailer, Smtp};
use lettre::message::header::ContentType;
use lettre::{AsyncTransport, Message};
use std::time::{Duration, Instant};

/// How many mails a sender takes at once.
const BATCH: i64 = 10;
/// How long a sender holds the mails it took (ms).
const LEASE_MS: i64 = 60_000;
/// The longest a try may take (ms): a try starts only while the lease has this much left.
const TRY_MS: i64 = 20_000;
/// How often a sender looks for mails queued by other nodes or due again.
const POLL: Duration = Duration::from_secs(3);

/// Runs this node's sender for as long as the application does.
pub async fn run(mailer: Mailer) {
    loop {
        let more = match mailer.deliver_due(crate::ids::now_ms()).await {
            Ok(done) => done >= BATCH as usize,
            Err(e) => {
                tracing::error!(error = %e, "the mail queue could not be read");
                false
            }
        };
        if !more {
            mailer.db.wait_mail_queued(POLL).await;
        }
    }
}

/// What a try came to.
enum Outcome {
    Sent,
    /// Failed; tried again later when `again`.
    Failed {
        error: String,
        again: bool,
    },
}

impl Mailer {
    /// Takes the mails due at `now` (at most a batch) and hands them to the SMTP server;
    /// without one, marks every pending mail as kept. Returns how many mails it took.
    pub async fn deliver_due(&self, now: i64) -> Result<usize, sqlx::Error> {
        let Some(smtp) = &self.smtp else {
            return Ok(queue::keep_pending(&self.db).await? as usize);
        };
        if !queue::has_due(&self.db, now).await? {
            return Ok(0);
        }
        let started = Instant::now();
        let until = now + LEASE_MS;
        let claimed = queue::claim(&self.db, &self.node, now, until, BATCH).await?;
        let clock = || now + started.elapsed().as_millis() as i64;
        for (i, mail) in claimed.iter().enumerate() {
            if clock() + TRY_MS > until {
                queue::release(&self.db, &claimed[i..], &self.node).await?;
                break;
            }
            let kept = match smtp.deliver(mail).await {
                Outcome::Sent => queue::mark_sent(&self.db, mail, &self.node, clock()).await?,
                Outcome::Failed { error, again } => {
                    tracing::warn!(mail = mail.id, error = %error, "mail not sent");
                    queue::mark_failed(&self.db, mail, &self.node, clock(), &error, again).await?
                }
            };
            if !kept {
                tracing::error!(
                    mail = mail.id,
                    "a mail's lease ran out during its try: another node may send it again"
                );
            }
        }
        Ok(claimed.len())
    }
}

impl Smtp {
    /// Hands one mail to the SMTP server.
    async fn deliver(&self, mail: &Claimed) -> Outcome {
        let message = match mail.to.parse() {
            Ok(to) => Message::builder()
                .from(self.from.clone())
                .to(to)
                .subject(&mail.subject)
                .header(ContentType::TEXT_PLAIN)
                .body(mail.body.clone()),
            Err(e) => {
                return Outcome::Failed {
                    error: format!("recipient: {e}"),
                    again: false,
                };
            }
        };
        let message = match message {
            Ok(m) => m,
            Err(e) => {
                return Outcome::Failed {
                    error: format!("message: {e}"),
                    again: false,
                };
            }
        };
        let tried = tokio::time::timeout(
            Duration::from_millis(TRY_MS as u64),
            self.transport.send(message),
        )
        .await;
        match tried {
            Ok(Ok(_)) => Outcome::Sent,
            Ok(Err(e)) => Outcome::Failed {
                error: format!("smtp: {e}"),
                again: true,
            },
            Err(_) => Outcome::Failed {
                error: format!("smtp: no answer within {} s", TRY_MS / 1000),
                again: true,
            },
        }
    }
}
