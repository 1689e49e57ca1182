//! What a stored file is (an attachment, a checked upload) and the signed references that keep
//! a form's files.

use super::*;

/// A file attached to an item: a PDF kept as sent, or an image re-encoded as PNG. Attachments
/// live apart from the photos and logos (`uploads/attachments`) and are only served through the
/// page of the item they belong to, which checks who may read it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Attachment {
    /// Stored name: the start of the content's hash and `.pdf` or `.png`.
    pub file: String,
    /// The name shown, from the sent file's name.
    pub name: String,
    /// Size in bytes.
    pub bytes: i64,
}

/// The attachments of a proposed version, each with whether the published version lacks it
/// (what a moderator's queue marks as new).
pub fn marked_new<'a>(
    proposed: &'a [Attachment],
    published: &[Attachment],
) -> Vec<(&'a Attachment, bool)> {
    proposed
        .iter()
        .map(|a| (a, !published.iter().any(|b| b.file == a.file)))
        .collect()
}

impl Attachment {
    /// Whether it is a PDF (else an image).
    pub fn is_pdf(&self) -> bool {
        self.file.ends_with(".pdf")
    }

    /// Its media type.
    pub fn content_type(&self) -> &'static str {
        if self.is_pdf() {
            "application/pdf"
        } else {
            "image/png"
        }
    }

    /// Its size for people: `340 ko`, `1,2 Mo` (French units; the same in English pages,
    /// with a point).
    pub fn size(&self, lang: &str) -> String {
        let kb = (self.bytes as f64 / 1024.0).max(1.0);
        let (n, unit) = if kb < 1024.0 {
            (format!("{kb:.0}"), ["ko", "KB"])
        } else {
            (format!("{:.1}", kb / 1024.0), ["Mo", "MB"])
        };
        if lang == "en" {
            format!("{n} {}", unit[1])
        } else {
            format!("{} {}", n.replace('.', ","), unit[0])
        }
    }

    /// How a form's fields hold it between the server and its pages (never sent to a browser
    /// as it is: a page signs it with [`Keeper::sign`]).
    pub fn kept_value(&self) -> String {
        format!("{}/{}", self.file, self.name)
    }

    /// The attachment of a field value written by [`Attachment::kept_value`] (its size unknown:
    /// 0); none for a value that does not name a stored attachment. Only for values the server
    /// made: a browser's are read by [`Keeper::verify`].
    pub fn from_kept(value: &str) -> Option<Attachment> {
        let (file, name) = value.trim().split_once('/')?;
        is_attachment_name(file).then(|| Attachment {
            file: file.to_string(),
            name: shown_name(name, &file[32..]),
            bytes: 0,
        })
    }
}

/// Signs and reads the references by which a form keeps the files it already holds: each names
/// a stored file, the account (or, for a visitor, the browser's CSRF token) and the form (its
/// path) it was shown to, and when it ends. A reference made for someone else, another form,
/// or that has ended, names nothing.
#[derive(Clone, Default)]
pub struct Keeper {
    key: Option<Arc<Vec<u8>>>,
    subject: String,
    scope: String,
}

impl Keeper {
    /// The keeper of one reader (`subject`) and one form (`scope`, its path).
    pub fn new(key: Arc<Vec<u8>>, subject: &str, scope: &str) -> Self {
        Keeper {
            key: Some(key),
            subject: subject.to_string(),
            scope: scope.split('?').next().unwrap_or("").to_string(),
        }
    }

    fn mac(&self, file: &str, name: &str, until: i64) -> Option<String> {
        use hmac::{KeyInit, Mac};
        let key = self.key.as_ref()?;
        let mut mac = hmac::Hmac::<sha2_11::Sha256>::new_from_slice(key).ok()?;
        for part in [
            self.subject.as_str(),
            &self.scope,
            file,
            name,
            &until.to_string(),
        ] {
            mac.update(part.as_bytes());
            mac.update(&[0]);
        }
        Some(crate::ids::hex(&mac.finalize().into_bytes()[..16]))
    }

    /// The reference of a stored file (and the name it is shown under, empty for a photo).
    pub fn sign(&self, file: &str, name: &str) -> String {
        let until = crate::ids::now_ms() / 1000 + KEPT_SECS;
        let mac = self.mac(file, name, until).unwrap_or_default();
        format!("{file}/{until}/{mac}/{name}")
    }

    /// The reference of an attachment (see [`Keeper::sign`]).
    pub fn sign_attachment(&self, a: &Attachment) -> String {
        self.sign(&a.file, &a.name)
    }

    /// The file (and name) a reference names, when this keeper made it and it has not ended.
    pub fn verify(&self, value: &str) -> Option<(String, String)> {
        let mut parts = value.trim().splitn(4, '/');
        let (file, until, mac, name) = (parts.next()?, parts.next()?, parts.next()?, parts.next()?);
        let until: i64 = until.parse().ok()?;
        if until < crate::ids::now_ms() / 1000 || until > crate::ids::now_ms() / 1000 + KEPT_SECS {
            return None;
        }
        let expected = self.mac(file, name, until)?;
        crate::ids::constant_time_eq(&expected, mac).then(|| (file.to_string(), name.to_string()))
    }
}

/// A file checked whole and ready to be stored: nothing of it is written yet.
#[derive(Clone)]
pub struct Checked {
    /// The name it will be stored under.
    pub name: String,
    pub(super) bytes: Bytes,
    pub(super) attachment: bool,
}

impl std::fmt::Debug for Checked {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Checked({}, {} bytes)", self.name, self.bytes.len())
    }
}

/// The name shown for a sent file: its last path part, without control characters nor
/// separators, at most 120 characters; `document` when nothing is left.
pub(super) fn shown_name(sent: &str, ext: &str) -> String {
    let base = sent.rsplit(['/', '\\']).next().unwrap_or("");
    let mut name: String = base
        .chars()
        .filter(|c| !c.is_control() && !is_format(*c))
        .filter(|c| !matches!(c, '"' | '<' | '>' | '|' | '*' | '?' | ':'))
        .take(120)
        .collect::<String>()
        .trim()
        .to_string();
    if name.is_empty() || name.starts_with('.') {
        name = format!("document{name}");
    }
    if !name.to_ascii_lowercase().ends_with(ext) {
        if let Some(dot) = name.rfind('.').filter(|_| ext == ".png") {
            name.truncate(dot);
        }
        name.push_str(ext);
    }
    name
}

/// Invisible characters that change how a name reads (right-to-left overrides, zero-width
/// characters, byte order mark).
pub(super) fn is_format(c: char) -> bool {
    matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2069}' | '\u{FEFF}')
}

/// Whether bytes look like a whole PDF document: its header, and its end-of-file mark near the
/// end (a cut upload has none).
pub(super) fn is_pdf(bytes: &[u8]) -> bool {
    let tail = &bytes[bytes.len().saturating_sub(2048)..];
    bytes.starts_with(b"%PDF-") && tail.windows(5).any(|w| w == b"%%EOF")
}
