//! Outgoing mail, through one queue in the database that every node shares (`mail_queue`).
//!
//! A mail is queued by a plain INSERT: in the transaction of the change that causes it
//! ([`crate::db::Write::mail`]), so that the two are kept or lost together, or on its own when
//! it tells of no change ([`Mailer::queue`]). Either way it is in the database before the caller
//! goes on. Each node's sender ([`sender::run`]) then takes the mails that are due under
//! a lease and hands them to the SMTP server; a failed try is tried again later (see
//! [`queue::retry_after`]). Without an SMTP server the mails are kept in the queue, where an
//! administrator reads them at `/admin/outbox`, on any node.

pub mod queue;
pub mod sender;

use crate::db::Db;
use crate::i18n::Lang;
use lettre::message::Mailbox;
use lettre::{AsyncSmtpTransport, Tokio1Executor};
use std::sync::Arc;

pub use queue::{MailState, OutboxMail};

/// A mail ready to be queued: its recipient, subject and plain-text body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Letter {
    /// The recipient's address.
    pub to: String,
    /// The subject.
    pub subject: String,
    /// The plain-text body.
    pub body: String,
}

impl Letter {
    /// A mail of a subject and body already written.
    pub fn new(to: &str, subject: &str, body: &str) -> Self {
        Letter {
            to: to.into(),
            subject: subject.into(),
            body: body.into(),
        }
    }

    /// The texts `{key}.subject` and `{key}.body` (which take `args`) in the reader's language,
    /// with the body in the other language beside it; `note`, when given, follows each body.
    pub fn texts(to: &str, lang: Lang, key: &str, args: &[(&str, &str)], note: &str) -> Self {
        Self::in_both(to, lang, note, |l| {
            (
                crate::i18n::trf(l, &format!("{key}.subject"), args),
                crate::i18n::trf(l, &format!("{key}.body"), args),
            )
        })
    }

    /// As [`Letter::texts`], for a mail about `n` things: its subject is the count
    /// `{key}.subject` (`.one` or `.other`, see [`crate::i18n::Tr::count`]), its body
    /// `{key}.body` with `{n}`.
    pub fn counted_texts(to: &str, lang: Lang, key: &str, n: i64, note: &str) -> Self {
        Self::in_both(to, lang, note, |l| {
            let tr = crate::i18n::Tr(l);
            (
                tr.count(&format!("{key}.subject"), n),
                tr.n(format!("{key}.body"), tr.num(n)),
            )
        })
    }

    /// A subject and body in the reader's language with the body in the other language beside
    /// it, `note` after each body.
    fn in_both(to: &str, lang: Lang, note: &str, texts: impl Fn(Lang) -> (String, String)) -> Self {
        let text = |l: Lang| {
            let (subject, mut body) = texts(l);
            if !note.is_empty() {
                body.push_str(&format!("\n\n{note}"));
            }
            (subject, body)
        };
        let (subject, body) = text(lang);
        let (_, other) = text(lang.other());
        Letter {
            to: to.into(),
            subject,
            body: format!("{body}\n\n---\n\n{other}"),
        }
    }
}

/// The SMTP server mail is handed to, and the sender's address.
pub(crate) struct Smtp {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

/// This node's way to the mail queue: it queues mails, and its sender hands them over. Cheap to
/// clone.
#[derive(Clone)]
pub struct Mailer {
    db: Db,
    smtp: Option<Arc<Smtp>>,
    /// This node's name on the leases it takes.
    node: Arc<str>,
}

impl Mailer {
    /// The mailer of a node: through the SMTP server at `smtp_url` when one is given, sending
    /// as `from`; otherwise the mails are only kept in the queue.
    pub fn new(db: Db, smtp_url: Option<&str>, from: &str) -> Result<Self, String> {
        let smtp = match smtp_url {
            Some(url) => {
                let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
                    .map_err(|e| format!("the SMTP URL is not valid: {e}"))?
                    .timeout(Some(std::time::Duration::from_secs(10)))
                    .build();
                let from = from
                    .parse()
                    .map_err(|e| format!("the sender address \"{from}\" is not valid: {e}"))?;
                Some(Arc::new(Smtp { transport, from }))
            }
            None => None,
        };
        db.set_mail_kept(smtp.is_none());
        Ok(Mailer {
            db,
            smtp,
            node: crate::ids::new_id().into(),
        })
    }

    /// Whether mail is handed to an SMTP server (otherwise it is kept in the queue).
    pub fn sends(&self) -> bool {
        self.smtp.is_some()
    }

    /// Queues a mail on its own, outside any write; it is in the database when this returns,
    /// and this node's sender is woken. A mail that must be kept or lost with a change is
    /// queued on that change's write instead ([`crate::db::Write::mail`]).
    pub async fn queue(&self, letter: &Letter) -> Result<(), sqlx::Error> {
        let mut conn = self.db.pool().acquire().await?;
        queue::enqueue(&mut conn, letter, self.db.queued_mail_state()).await?;
        self.db.mail_queued();
        Ok(())
    }
}
