//! Uploaded files, behind one interface: today files under `DATA_DIR/uploads`, named by the hash
//! of their content. Images are decoded and re-encoded, which drops their metadata (EXIF, and
//! with it any GPS position).

use crate::error::{Error, FieldError};
use crate::ids::sha256_hex;
use std::io::Cursor;
use std::path::PathBuf;

/// Largest image accepted, in bytes.
pub const MAX_IMAGE_BYTES: usize = 5 * 1024 * 1024;
/// Largest image accepted, in pixels, so that a small file cannot expand into a huge bitmap.
const MAX_PIXELS: u64 = 40_000_000;

/// Largest attachment accepted, in bytes.
pub const MAX_ATTACHMENT_BYTES: usize = 10 * 1024 * 1024;
/// Most attachments of one item (a report, a challenge, an answer).
pub const MAX_ATTACHMENTS: usize = 6;
/// Largest body of a form with attachments: every file at its largest, and the form's text.
pub const ATTACHED_FORM_LIMIT: usize = MAX_ATTACHMENTS * MAX_ATTACHMENT_BYTES + 4 * 1024 * 1024;

/// The body limit of a route whose form carries attachments (the platform's default is
/// smaller).
pub fn attached_form_limit() -> axum::extract::DefaultBodyLimit {
    axum::extract::DefaultBodyLimit::max(ATTACHED_FORM_LIMIT)
}

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

    /// The value of the form field that keeps it on the next submission of a form.
    pub fn kept_value(&self) -> String {
        format!("{}/{}", self.file, self.name)
    }

    /// The attachment a kept field names, as [`Attachment::kept_value`] wrote it (its size
    /// unknown: 0); none for a value that does not name a stored attachment.
    pub fn from_kept(value: &str) -> Option<Attachment> {
        let (file, name) = value.trim().split_once('/')?;
        is_attachment_name(file).then(|| Attachment {
            file: file.to_string(),
            name: shown_name(name, &file[32..]),
            bytes: 0,
        })
    }
}

/// The name shown for a sent file: its last path part, without control characters nor
/// separators, at most 120 characters; `document` when nothing is left.
fn shown_name(sent: &str, ext: &str) -> String {
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
fn is_format(c: char) -> bool {
    matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2069}' | '\u{FEFF}')
}

/// Whether bytes look like a whole PDF document: its header, and its end-of-file mark near the
/// end (a cut upload has none).
fn is_pdf(bytes: &[u8]) -> bool {
    let tail = &bytes[bytes.len().saturating_sub(2048)..];
    bytes.starts_with(b"%PDF-") && tail.windows(5).any(|w| w == b"%%EOF")
}

/// The upload store.
#[derive(Clone)]
pub struct Uploads {
    dir: PathBuf,
}

impl Uploads {
    /// The store under a data directory.
    pub fn new(data_dir: &std::path::Path) -> Self {
        Uploads {
            dir: data_dir.join("uploads"),
        }
    }

    /// Decodes an image, fits it in `max_side` pixels, re-encodes it as PNG and stores it.
    /// Returns its name. Not an image, or too large: a field error on `field`.
    pub async fn put_image(
        &self,
        field: &'static str,
        bytes: &[u8],
        max_side: u32,
    ) -> Result<String, Error> {
        if bytes.len() > MAX_IMAGE_BYTES {
            return Err(FieldError::new(field, "image.too_large").into());
        }
        let bytes = bytes.to_vec();
        let png = tokio::task::spawn_blocking(move || reencode(&bytes, max_side))
            .await
            .map_err(Error::internal)?
            .map_err(|code| Error::from(FieldError::new(field, code)))?;
        let name = format!("{}.png", &sha256_hex(&png)[..32]);
        self.write(&self.dir, &name, &png).await?;
        Ok(name)
    }

    /// Stores an attachment: a PDF as sent, an image decoded and re-encoded as PNG (at most
    /// 2,400 pixels a side). Another type, or more than [`MAX_ATTACHMENT_BYTES`]: the error
    /// code (`attachment.format`, `attachment.too_large`).
    pub async fn put_attachment(
        &self,
        bytes: &[u8],
        sent_name: &str,
    ) -> Result<Result<Attachment, &'static str>, Error> {
        if bytes.len() > MAX_ATTACHMENT_BYTES {
            return Ok(Err("attachment.too_large"));
        }
        let (stored, ext) = if is_pdf(bytes) {
            (bytes.to_vec(), ".pdf")
        } else {
            let bytes = bytes.to_vec();
            let png = tokio::task::spawn_blocking(move || reencode(&bytes, 2400))
                .await
                .map_err(Error::internal)?;
            match png {
                Ok(png) => (png, ".png"),
                Err("image.too_large") => return Ok(Err("attachment.too_large")),
                Err(_) => return Ok(Err("attachment.format")),
            }
        };
        let file = format!("{}{ext}", &sha256_hex(&stored)[..32]);
        self.write(&self.dir.join("attachments"), &file, &stored)
            .await?;
        Ok(Ok(Attachment {
            file,
            name: shown_name(sent_name, ext),
            bytes: stored.len() as i64,
        }))
    }

    /// The bytes of an attachment, if the name is one of ours.
    pub async fn get_attachment(&self, file: &str) -> Option<Vec<u8>> {
        if !is_attachment_name(file) {
            return None;
        }
        tokio::fs::read(self.dir.join("attachments").join(file))
            .await
            .ok()
    }

    /// The attachments of a form, at most [`MAX_ATTACHMENTS`]: those it keeps (its
    /// `kept_attachment` fields, as [`Attachment::kept_value`] wrote them, each still stored),
    /// then its new files (`attachment` fields), each checked and stored as it comes. Returns
    /// every attachment stored, and the first refusal (a field error on `attachment`): the form
    /// shown again keeps what was stored, and nothing of the item is saved.
    pub async fn attachments_of(
        &self,
        form: &crate::web::MultipartForm,
    ) -> Result<(Vec<Attachment>, Option<FieldError>), Error> {
        let mut out: Vec<Attachment> = Vec::new();
        for (_, v) in form.texts.iter().filter(|(k, _)| k == "kept_attachment") {
            let Some(a) = Attachment::from_kept(v) else {
                continue;
            };
            if out.iter().any(|o| o.file == a.file) {
                continue;
            }
            let path = self.dir.join("attachments").join(&a.file);
            if let Ok(meta) = tokio::fs::metadata(&path).await {
                out.push(Attachment {
                    bytes: meta.len() as i64,
                    ..a
                });
            }
        }
        out.truncate(MAX_ATTACHMENTS);
        let mut refused = None;
        for (i, (field, bytes)) in form.files.iter().enumerate() {
            if field != "attachment" {
                continue;
            }
            if out.len() >= MAX_ATTACHMENTS {
                refused.get_or_insert(FieldError::new("attachment", "attachment.too_many"));
                continue;
            }
            let sent = form.file_names.get(i).map(String::as_str).unwrap_or("");
            match self.put_attachment(bytes, sent).await? {
                Ok(a) if !out.iter().any(|o| o.file == a.file) => out.push(a),
                Ok(_) => {}
                Err(code) => {
                    refused.get_or_insert(FieldError::new("attachment", code));
                }
            }
        }
        Ok((out, refused))
    }

    /// Writes a file under a name unless it is there already, through a temporary file so that
    /// a reader never sees half of it.
    async fn write(&self, dir: &std::path::Path, name: &str, bytes: &[u8]) -> Result<(), Error> {
        tokio::fs::create_dir_all(dir)
            .await
            .map_err(Error::internal)?;
        let path = dir.join(name);
        if !tokio::fs::try_exists(&path).await.unwrap_or(false) {
            let tmp = dir.join(format!("{name}.{}.tmp", crate::ids::new_id()));
            tokio::fs::write(&tmp, bytes)
                .await
                .map_err(Error::internal)?;
            tokio::fs::rename(&tmp, &path)
                .await
                .map_err(Error::internal)?;
        }
        Ok(())
    }

    /// The bytes of a stored file, if the name is one of ours.
    pub async fn get(&self, name: &str) -> Option<Vec<u8>> {
        if !is_stored_name(name) {
            return None;
        }
        tokio::fs::read(self.dir.join(name)).await.ok()
    }

    /// The photos of a form, at most `most`: those kept from an earlier try of the same form
    /// (its `kept_photo` fields, by name), then its new files, each decoded, re-encoded and
    /// stored as it comes. A file that is not an image, one too large or one too many: a field
    /// error on `photo` (`too_many` names the last case).
    pub async fn photos_of(
        &self,
        form: &crate::web::MultipartForm,
        most: usize,
        too_many: &'static str,
    ) -> Result<Vec<String>, Error> {
        let mut photos: Vec<String> = form
            .texts
            .iter()
            .filter(|(k, v)| k == "kept_photo" && is_stored_name(v.trim()))
            .map(|(_, v)| v.trim().to_string())
            .take(most)
            .collect();
        let mut refused = None;
        for (_, bytes) in form.files.iter().filter(|(k, _)| k == "photo") {
            if photos.len() >= most {
                refused = Some(FieldError::new("photo", too_many));
                continue;
            }
            match self.put_image("photo", bytes, 1600).await {
                Ok(stored) => photos.push(stored),
                Err(Error::Invalid(e)) => refused = e.0.into_iter().next(),
                Err(e) => return Err(e),
            }
        }
        match refused {
            Some(e) => Err(e.into()),
            None => Ok(photos),
        }
    }
}

/// Whether a name is one the store gives (the start of a content hash, `.png`).
pub fn is_stored_name(name: &str) -> bool {
    name.len() == 36 && name.ends_with(".png") && name[..32].bytes().all(|b| b.is_ascii_hexdigit())
}

/// Whether a name is one the store gives to attachments (the start of a content hash, `.pdf` or
/// `.png`).
pub fn is_attachment_name(name: &str) -> bool {
    name.len() == 36
        && (name.ends_with(".png") || name.ends_with(".pdf"))
        && name[..32].bytes().all(|b| b.is_ascii_hexdigit())
}

fn reencode(bytes: &[u8], max_side: u32) -> Result<Vec<u8>, &'static str> {
    let reader = image::ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|_| "image.format")?;
    if reader.format().is_none() {
        return Err("image.format");
    }
    let (w, h) = reader.into_dimensions().map_err(|_| "image.format")?;
    if u64::from(w) * u64::from(h) > MAX_PIXELS {
        return Err("image.too_large");
    }
    let img = image::ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|_| "image.format")?
        .decode()
        .map_err(|_| "image.format")?;
    let img = if img.width() > max_side || img.height() > max_side {
        img.thumbnail(max_side, max_side)
    } else {
        img
    };
    let mut out = Vec::new();
    img.write_to(&mut Cursor::new(&mut out), image::ImageFormat::Png)
        .map_err(|_| "image.format")?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png(w: u32, h: u32) -> Vec<u8> {
        let img = image::RgbImage::from_pixel(w, h, image::Rgb([200, 10, 10]));
        let mut out = Vec::new();
        img.write_to(&mut Cursor::new(&mut out), image::ImageFormat::Png)
            .unwrap();
        out
    }

    #[test]
    fn images_are_reencoded_and_fitted() {
        let out = reencode(&png(800, 400), 256).unwrap();
        let back = image::load_from_memory(&out).unwrap();
        assert_eq!((back.width(), back.height()), (256, 128));
    }

    #[test]
    fn a_sent_name_is_kept_readable_and_honest_about_its_type() {
        assert_eq!(shown_name("Bilan 2025.pdf", ".pdf"), "Bilan 2025.pdf");
        assert_eq!(shown_name("C:\\Users\\a\\plan.PDF", ".pdf"), "plan.PDF");
        assert_eq!(shown_name("../../etc/passwd", ".pdf"), "passwd.pdf");
        assert_eq!(shown_name("cour.jpg", ".png"), "cour.png");
        assert_eq!(shown_name("", ".png"), "document.png");
        assert_eq!(shown_name("\"<x>\".pdf", ".pdf"), "x.pdf");
        assert_eq!(shown_name(".pdf", ".pdf"), "document.pdf");
        assert_eq!(
            shown_name("facture\u{202E}fdp.exe", ".pdf"),
            "facturefdp.exe.pdf",
            "no right-to-left override"
        );
        assert!(shown_name(&"a".repeat(500), ".pdf").chars().count() <= 124);
    }

    #[test]
    fn only_a_whole_pdf_is_taken_as_one() {
        assert!(is_pdf(b"%PDF-1.7\n1 0 obj <<>> endobj\n%%EOF\n"));
        assert!(!is_pdf(b"%PDF-1.7\n1 0 obj <<>>"), "cut short");
        assert!(!is_pdf(b"PK\x03\x04%%EOF"), "not a PDF");
        let mut long = b"%PDF-1.4\n%%EOF".to_vec();
        long.extend(vec![b' '; 4096]);
        assert!(!is_pdf(&long), "the end mark is near the end");
    }

    #[test]
    fn what_is_not_an_image_is_refused() {
        assert_eq!(
            reencode(b"%PDF-1.4 not an image", 256).unwrap_err(),
            "image.format"
        );
        let mut truncated = png(10, 10);
        truncated.truncate(30);
        assert_eq!(reencode(&truncated, 256).unwrap_err(), "image.format");
    }
}
