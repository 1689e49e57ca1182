//! Outgoing mail: through SMTP when configured, otherwise into `DATA_DIR/outbox/` where an
//! administrator reads it at `/admin/outbox`.

use crate::ids::{new_id, now_ms};
use lettre::message::{Mailbox, header::ContentType};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// A mail as kept in the outbox.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct OutboxMail {
    /// File name in the outbox, its id.
    #[serde(default)]
    pub id: String,
    /// When it was written (ms).
    pub at: i64,
    /// Recipient.
    pub to: String,
    /// Subject.
    pub subject: String,
    /// Plain-text body.
    pub body: String,
}

/// Where mail goes.
#[derive(Clone)]
pub enum Mailer {
    /// A real SMTP server.
    Smtp {
        /// The transport.
        transport: Box<AsyncSmtpTransport<Tokio1Executor>>,
        /// Sender.
        from: Mailbox,
    },
    /// Files in a directory.
    Outbox(PathBuf),
}

impl Mailer {
    /// The mailer for a configuration: SMTP when a URL is given, the outbox otherwise.
    pub fn new(
        smtp_url: Option<&str>,
        from: &str,
        data_dir: &std::path::Path,
    ) -> Result<Self, String> {
        match smtp_url {
            Some(url) => {
                let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
                    .map_err(|e| format!("the SMTP URL is not valid: {e}"))?
                    .timeout(Some(std::time::Duration::from_secs(10)))
                    .build();
                let transport = Box::new(transport);
                let from = from
                    .parse()
                    .map_err(|e| format!("the sender address \"{from}\" is not valid: {e}"))?;
                Ok(Mailer::Smtp { transport, from })
            }
            None => Ok(Mailer::Outbox(data_dir.join("outbox"))),
        }
    }

    /// Sends, in the background, the texts `{key}.subject` and `{key}.body` (which take `args`)
    /// in the reader's language with the other language beside it; `note`, when given, follows
    /// the body. The caller does not wait for the mail server; a failure is logged.
    pub fn send_texts(
        &self,
        to: &str,
        lang: crate::i18n::Lang,
        key: &str,
        args: &[(&str, &str)],
        note: &str,
    ) {
        self.send_in_both(to, lang, note, |l| {
            (
                crate::i18n::trf(l, &format!("{key}.subject"), args),
                crate::i18n::trf(l, &format!("{key}.body"), args),
            )
        });
    }

    /// As [`Mailer::send_texts`], for a mail about `n` things: its subject is the count
    /// `{key}.subject` (`.one` or `.other`, see [`crate::i18n::Tr::count`]), its body
    /// `{key}.body` with `{n}`.
    pub fn send_counted_texts(
        &self,
        to: &str,
        lang: crate::i18n::Lang,
        key: &str,
        n: i64,
        note: &str,
    ) {
        self.send_in_both(to, lang, note, |l| {
            let tr = crate::i18n::Tr(l);
            (
                tr.count(&format!("{key}.subject"), n),
                tr.n(format!("{key}.body"), tr.num(n)),
            )
        });
    }

    /// Sends a subject and body in the reader's language with the body in the other language
    /// beside it, `note` after the body.
    fn send_in_both(
        &self,
        to: &str,
        lang: crate::i18n::Lang,
        note: &str,
        texts: impl Fn(crate::i18n::Lang) -> (String, String),
    ) {
        let text = |l: crate::i18n::Lang| {
            let (subject, mut body) = texts(l);
            if !note.is_empty() {
                body.push_str(&format!("\n\n{note}"));
            }
            (subject, body)
        };
        let (subject, body) = text(lang);
        let (_, other) = text(lang.other());
        let (mailer, to) = (self.clone(), to.to_string());
        tokio::spawn(async move {
            let _ = mailer
                .send(&to, &subject, &format!("{body}\n\n---\n\n{other}"))
                .await;
        });
    }

    /// Sends a plain-text mail. Failures are logged and returned; callers that must not reveal
    /// anything (registration) ignore them.
    pub async fn send(&self, to: &str, subject: &str, body: &str) -> Result<(), String> {
        let result = match self {
            Mailer::Smtp { transport, from } => {
                let to: Mailbox = to.parse().map_err(|e| format!("recipient: {e}"))?;
                let message = Message::builder()
                    .from(from.clone())
                    .to(to)
                    .subject(subject)
                    .header(ContentType::TEXT_PLAIN)
                    .body(body.to_string())
                    .map_err(|e| format!("message: {e}"))?;
                transport
                    .send(message)
                    .await
                    .map(|_| ())
                    .map_err(|e| format!("smtp: {e}"))
            }
            Mailer::Outbox(dir) => {
                let id = format!("{}-{}", now_ms(), new_id());
                let mail = OutboxMail {
                    id: id.clone(),
                    at: now_ms(),
                    to: to.into(),
                    subject: subject.into(),
                    body: body.into(),
                };
                let write = async {
                    tokio::fs::create_dir_all(dir).await?;
                    let json = serde_json::to_vec_pretty(&mail)?;
                    tokio::fs::write(dir.join(format!("{id}.json")), json).await
                };
                write.await.map_err(|e| format!("outbox: {e}"))
            }
        };
        if let Err(e) = &result {
            tracing::error!(error = %e, "mail not sent");
        }
        result
    }

    /// The outbox's mails, newest first (empty when mail goes through SMTP).
    pub async fn outbox(&self) -> Vec<OutboxMail> {
        let Mailer::Outbox(dir) = self else {
            return Vec::new();
        };
        let mut mails = Vec::new();
        let Ok(mut entries) = tokio::fs::read_dir(dir).await else {
            return mails;
        };
        while let Ok(Some(entry)) = entries.next_entry().await {
            let path = entry.path();
            if path.extension().and_then(|e| e.to_str()) != Some("json") {
                continue;
            }
            if let Ok(bytes) = tokio::fs::read(&path).await
                && let Ok(mut mail) = serde_json::from_slice::<OutboxMail>(&bytes)
            {
                mail.id = path
                    .file_stem()
                    .and_then(|s| s.to_str())
                    .unwrap_or_default()
                    .to_string();
                mails.push(mail);
            }
        }
        mails.sort_by(|a, b| b.id.cmp(&a.id));
        mails
    }
}
