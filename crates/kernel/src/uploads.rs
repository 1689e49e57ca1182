//! Uploaded files, behind one interface: today files under `DATA_DIR/uploads`, named by the hash
//! of their content. Images are decoded and re-encoded, which drops their metadata (EXIF, and
//! with it any GPS position).
//!
//! A file is checked whole (type, size, dimensions) before anything is written, and written only
//! once the form it came with is accepted. A form shown again (refused, or a step before the
//! last) keeps the files it already holds through [`Keeper`]: a reference signed for one
//! account (or one browser) and one form, valid a day, never the bare stored name.

use crate::error::{Error, FieldError};
use crate::ids::sha256_hex;
use std::io::Cursor;
use std::path::PathBuf;
use std::sync::Arc;

/// Largest image accepted, in bytes.
pub const MAX_IMAGE_BYTES: usize = 5 * 1024 * 1024;
/// Largest bitmap an image may decode to, in bytes (width × height × bytes per pixel), so that a
/// small file cannot expand into a huge one.
pub const MAX_DECODED_BYTES: u64 = 100 * 1024 * 1024;
/// How long a form keeps the files it holds, in seconds.
const KEPT_SECS: i64 = 86_400;

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
    bytes: Arc<Vec<u8>>,
    attachment: bool,
}

impl std::fmt::Debug for Checked {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Checked({}, {} bytes)", self.name, self.bytes.len())
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
    /// One decode at a time per core, so that many uploads at once wait rather than hold many
    /// bitmaps in memory together.
    decoding: Arc<tokio::sync::Semaphore>,
}

impl Uploads {
    /// The store under a data directory.
    pub fn new(data_dir: &std::path::Path) -> Self {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        Uploads {
            dir: data_dir.join("uploads"),
            decoding: Arc::new(tokio::sync::Semaphore::new(cores)),
        }
    }

    /// Decodes an image (within [`MAX_DECODED_BYTES`]), fits it in `max_side` pixels and
    /// re-encodes it as PNG, one decode per core at a time.
    async fn reencoded(&self, bytes: &[u8], max_side: u32) -> Result<Vec<u8>, &'static str> {
        // The header alone says how large the bitmap would be: a file that would decode too
        // large is refused before any decoding starts.
        decoded_size(bytes)?;
        let Ok(_permit) = self.decoding.acquire().await else {
            return Err("image.format");
        };
        let bytes = bytes.to_vec();
        tokio::task::spawn_blocking(move || reencode(&bytes, max_side))
            .await
            .unwrap_or(Err("image.format"))
    }

    /// Checks an image: decodes it, fits it in `max_side` pixels and re-encodes it as PNG,
    /// without storing it. Not an image, or too large: a field error on `field`.
    pub async fn check_image(
        &self,
        field: &'static str,
        bytes: &[u8],
        max_side: u32,
    ) -> Result<Checked, Error> {
        if bytes.len() > MAX_IMAGE_BYTES {
            return Err(FieldError::new(field, "image.too_large").into());
        }
        let png = self
            .reencoded(bytes, max_side)
            .await
            .map_err(|code| Error::from(FieldError::new(field, code)))?;
        Ok(Checked {
            name: format!("{}.png", &sha256_hex(&png)[..32]),
            bytes: Arc::new(png),
            attachment: false,
        })
    }

    /// [`Uploads::check_image`] of an image a form may leave out: none when no file was chosen.
    pub async fn check_optional_image(
        &self,
        field: &'static str,
        bytes: Option<&[u8]>,
        max_side: u32,
    ) -> Result<Option<Checked>, Error> {
        match bytes {
            Some(bytes) => Ok(Some(self.check_image(field, bytes, max_side).await?)),
            None => Ok(None),
        }
    }

    /// Checks an image as [`Uploads::check_image`] does and stores it; returns its name. For
    /// forms whose only field is the image: others check first and [`Uploads::store`] once the
    /// whole form is accepted.
    pub async fn put_image(
        &self,
        field: &'static str,
        bytes: &[u8],
        max_side: u32,
    ) -> Result<String, Error> {
        let checked = self.check_image(field, bytes, max_side).await?;
        self.store(&checked).await?;
        Ok(checked.name)
    }

    /// Writes checked files.
    pub async fn store_all(&self, files: impl Iterator<Item = &Checked>) -> Result<(), Error> {
        for file in files {
            self.store(file).await?;
        }
        Ok(())
    }

    /// Writes a checked file.
    pub async fn store(&self, file: &Checked) -> Result<(), Error> {
        let dir = if file.attachment {
            self.dir.join("attachments")
        } else {
            self.dir.clone()
        };
        self.write(&dir, &file.name, &file.bytes).await
    }

    /// Checks an attachment, without storing it: a PDF as sent, an image decoded and
    /// re-encoded as PNG (at most 2,400 pixels a side). Another type, or more than
    /// [`MAX_ATTACHMENT_BYTES`]: the error code (`attachment.format`, `attachment.too_large`).
    pub async fn check_attachment(
        &self,
        bytes: &[u8],
        sent_name: &str,
    ) -> Result<(Checked, Attachment), &'static str> {
        if bytes.len() > MAX_ATTACHMENT_BYTES {
            return Err("attachment.too_large");
        }
        let (stored, ext) = if is_pdf(bytes) {
            (bytes.to_vec(), ".pdf")
        } else {
            match self.reencoded(bytes, 2400).await {
                Ok(png) => (png, ".png"),
                Err("image.too_large") => return Err("attachment.too_large"),
                Err(_) => return Err("attachment.format"),
            }
        };
        let file = format!("{}{ext}", &sha256_hex(&stored)[..32]);
        let attachment = Attachment {
            file: file.clone(),
            name: shown_name(sent_name, ext),
            bytes: stored.len() as i64,
        };
        Ok((
            Checked {
                name: file,
                bytes: Arc::new(stored),
                attachment: true,
            },
            attachment,
        ))
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
    /// `kept_attachment` fields, references `keeper` signed, each still stored), then its new
    /// files (`attachment` fields), each checked but not stored. Returns the kept ones, the new
    /// ones, and the first refusal (a field error on `attachment`).
    pub async fn attachments_of(
        &self,
        form: &crate::web::MultipartForm,
        keeper: &Keeper,
    ) -> Result<AttachmentsOf, Error> {
        let mut out = AttachmentsOf::default();
        for (_, v) in form.texts.iter().filter(|(k, _)| k == "kept_attachment") {
            let Some((file, name)) = keeper.verify(v) else {
                continue;
            };
            if !is_attachment_name(&file) || out.kept.iter().any(|o| o.file == file) {
                continue;
            }
            let path = self.dir.join("attachments").join(&file);
            if let Ok(meta) = tokio::fs::metadata(&path).await {
                out.kept.push(Attachment {
                    name: shown_name(&name, &file[32..]),
                    file,
                    bytes: meta.len() as i64,
                });
            }
        }
        out.kept.truncate(MAX_ATTACHMENTS);
        for (i, (field, bytes)) in form.files.iter().enumerate() {
            if field != "attachment" {
                continue;
            }
            if out.kept.len() + out.fresh.len() >= MAX_ATTACHMENTS {
                out.refused
                    .get_or_insert(FieldError::new("attachment", "attachment.too_many"));
                continue;
            }
            let sent = form.file_names.get(i).map(String::as_str).unwrap_or("");
            match self.check_attachment(bytes, sent).await {
                Ok((checked, a))
                    if !out.kept.iter().any(|o| o.file == a.file)
                        && !out.fresh.iter().any(|(_, o)| o.file == a.file) =>
                {
                    out.fresh.push((checked, a))
                }
                Ok(_) => {}
                Err(code) => {
                    out.refused
                        .get_or_insert(FieldError::new("attachment", code));
                }
            }
        }
        Ok(out)
    }

    /// Removes the stored files (photos, logos, attachments, and temporary files left by a
    /// write that stopped) that `named` does not hold and that were written more than `age`
    /// ago; returns how many went.
    pub async fn sweep(
        &self,
        named: &std::collections::HashSet<String>,
        age: std::time::Duration,
    ) -> usize {
        let mut gone = 0;
        for folder in [self.dir.clone(), self.dir.join("attachments")] {
            let Ok(mut entries) = tokio::fs::read_dir(&folder).await else {
                continue;
            };
            while let Ok(Some(entry)) = entries.next_entry().await {
                let name = entry.file_name().to_string_lossy().to_string();
                let ours = is_attachment_name(&name) || name.ends_with(".tmp");
                let old = entry
                    .metadata()
                    .await
                    .ok()
                    .and_then(|m| m.modified().ok())
                    .and_then(|t| t.elapsed().ok())
                    .is_some_and(|e| e >= age);
                if ours
                    && old
                    && !named.contains(&name)
                    && tokio::fs::remove_file(entry.path()).await.is_ok()
                {
                    gone += 1;
                }
            }
        }
        gone
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

    /// The photos of a form, at most `most`: those it keeps from an earlier step of the same
    /// form (its `kept_photo` fields, references `keeper` signed), then its new files, each
    /// decoded and re-encoded but not stored. A file that is not an image, one too large or one
    /// too many: a field error on `photo` (`too_many` names the last case).
    pub async fn photos_of(
        &self,
        form: &crate::web::MultipartForm,
        keeper: &Keeper,
        most: usize,
        too_many: &'static str,
    ) -> Result<Photos, Error> {
        let mut photos = Photos::default();
        for (_, v) in form.texts.iter().filter(|(k, _)| k == "kept_photo") {
            if let Some((file, _)) = keeper.verify(v)
                && is_stored_name(&file)
                && !photos.kept.contains(&file)
                && photos.kept.len() < most
            {
                photos.kept.push(file);
            }
        }
        let mut refused = None;
        for (_, bytes) in form.files.iter().filter(|(k, _)| k == "photo") {
            if photos.kept.len() + photos.fresh.len() >= most {
                refused = Some(FieldError::new("photo", too_many));
                continue;
            }
            match self.check_image("photo", bytes, 1600).await {
                Ok(checked) => photos.fresh.push(checked),
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

/// The attachments of a posted form: kept from an earlier step, new (checked, not stored), and
/// why a file was refused.
#[derive(Default)]
pub struct AttachmentsOf {
    /// Already stored, kept through a signed reference.
    pub kept: Vec<Attachment>,
    /// New files, checked, written only by [`Uploads::store`].
    pub fresh: Vec<(Checked, Attachment)>,
    /// The first refusal.
    pub refused: Option<FieldError>,
}

/// The photos of a posted form: kept from an earlier step (stored), and new ones (checked, not
/// stored).
#[derive(Debug, Default, Clone)]
pub struct Photos {
    /// Names of photos already stored.
    pub kept: Vec<String>,
    /// New photos, written only by [`Photos::store`].
    pub fresh: Vec<Checked>,
}

impl Photos {
    /// Stores the new photos; returns every photo's name, kept ones first.
    pub async fn store(&self, uploads: &Uploads) -> Result<Vec<String>, Error> {
        let mut names = self.kept.clone();
        for file in &self.fresh {
            uploads.store(file).await?;
            if !names.contains(&file.name) {
                names.push(file.name.clone());
            }
        }
        Ok(names)
    }

    /// The form they came with is refused: nothing is stored, so its new photos are dropped and
    /// asked for again (`photo.again`, unless a photo was itself refused).
    pub fn refuse(&mut self, errors: &mut crate::error::FieldErrors) {
        if !self.fresh.is_empty() && errors.on("photo").is_none() {
            errors.push(FieldError::new("photo", "photo.again"));
        }
        self.fresh.clear();
    }

    /// Whether the form holds no photo.
    pub fn is_empty(&self) -> bool {
        self.kept.is_empty() && self.fresh.is_empty()
    }
}

/// The stored file names (32 hexadecimal digits and `.png` or `.pdf`) a text holds: a photo's
/// name, a JSON list of attachments.
pub fn stored_names_in(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut i = 0;
    while i + 36 <= text.len() {
        match text.get(i..i + 36) {
            Some(c) if is_attachment_name(c) => {
                out.push(c.to_string());
                i += 36;
            }
            _ => i += 1,
        }
    }
    out
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

/// How many bytes an image would decode to, read from its header alone; more than
/// [`MAX_DECODED_BYTES`] is `image.too_large`, something that is not a PNG or JPEG image
/// `image.format`.
pub fn decoded_size(bytes: &[u8]) -> Result<u64, &'static str> {
    use image::ImageDecoder;
    let reader = image::ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|_| "image.format")?;
    if !matches!(
        reader.format(),
        Some(image::ImageFormat::Png | image::ImageFormat::Jpeg)
    ) {
        return Err("image.format");
    }
    let decoder = reader.into_decoder().map_err(|_| "image.format")?;
    let (w, h) = decoder.dimensions();
    let size = u64::from(w)
        .saturating_mul(u64::from(h))
        .saturating_mul(u64::from(decoder.color_type().bytes_per_pixel()));
    if w == 0 || h == 0 {
        return Err("image.format");
    }
    if size > MAX_DECODED_BYTES {
        return Err("image.too_large");
    }
    Ok(size)
}

/// Decodes an image and re-encodes it as PNG, fitted in `max_side` pixels. Its callers checked
/// [`decoded_size`] first; the decoder's allocation cap stands behind that check.
fn reencode(bytes: &[u8], max_side: u32) -> Result<Vec<u8>, &'static str> {
    let mut reader = image::ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|_| "image.format")?;
    // The decoder may allocate no more than the largest bitmap accepted, with room for its own
    // buffers.
    let mut limits = image::Limits::default();
    limits.max_alloc = Some(MAX_DECODED_BYTES + 16 * 1024 * 1024);
    reader.limits(limits);
    let img = reader.decode().map_err(|e| match e {
        image::ImageError::Limits(_) => "image.too_large",
        _ => "image.format",
    })?;
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
    fn stored_names_are_found_in_any_text() {
        let a = "0123456789abcdef0123456789abcdef";
        let text = format!(r#"[{{"file":"{a}.pdf","name":"x.pdf"}}, "{a}.png"] {a}.exe"#);
        assert_eq!(
            stored_names_in(&text),
            [format!("{a}.pdf"), format!("{a}.png")]
        );
    }

    #[test]
    fn a_kept_reference_names_its_file_only_for_its_reader_and_form() {
        let key = Arc::new(vec![7u8; 32]);
        let anne = Keeper::new(key.clone(), "anne", "/library/propose?_csrf=x");
        let file = format!("{}.pdf", "a".repeat(32));
        let value = anne.sign(&file, "Bilan.pdf");
        assert_eq!(
            anne.verify(&value),
            Some((file.clone(), "Bilan.pdf".to_string()))
        );
        let same_form = Keeper::new(key.clone(), "anne", "/library/propose");
        assert!(
            same_form.verify(&value).is_some(),
            "the query is not part of the form"
        );
        for other in [
            Keeper::new(key.clone(), "bob", "/library/propose"),
            Keeper::new(key.clone(), "anne", "/library/x/edit"),
            Keeper::new(Arc::new(vec![8u8; 32]), "anne", "/library/propose"),
            Keeper::default(),
        ] {
            assert_eq!(other.verify(&value), None);
        }
        assert_eq!(
            anne.verify(&format!("{file}/Bilan.pdf")),
            None,
            "a bare name"
        );
        let renamed = value.replace("Bilan.pdf", "Autre.pdf");
        assert_eq!(anne.verify(&renamed), None);
        let (f, until, mac, name) = {
            let mut p = value.splitn(4, '/');
            (
                p.next().unwrap(),
                p.next().unwrap(),
                p.next().unwrap(),
                p.next().unwrap(),
            )
        };
        let later = format!("{f}/{}/{mac}/{name}", until.parse::<i64>().unwrap() + 1);
        assert_eq!(anne.verify(&later), None, "its end cannot be moved");
    }

    #[test]
    fn an_image_that_would_decode_too_large_is_refused_from_its_header() {
        // A 16-bit RGBA image of 6300 × 6300 pixels: 317 MB once decoded, whatever the file's
        // size. Its header is enough to refuse it.
        let mut img = image::ImageBuffer::<image::Rgba<u16>, Vec<u16>>::new(1, 1);
        img.put_pixel(0, 0, image::Rgba([1, 2, 3, 4]));
        let mut small = Vec::new();
        img.write_to(&mut Cursor::new(&mut small), image::ImageFormat::Png)
            .unwrap();
        assert_eq!(decoded_size(&small), Ok(8));
        let bomb = crate::testing::png_bomb(6300, 6300);
        assert_eq!(decoded_size(&bomb), Err("image.too_large"));
        assert_eq!(reencode(&bomb, 256), Err("image.too_large"));
        assert!(decoded_size(&png(3000, 3000)).is_ok(), "27 MB: accepted");
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

    mod properties {
        use super::*;
        use crate::web::MultipartForm;
        use proptest::prelude::*;

        fn jpeg(w: u32, h: u32) -> Vec<u8> {
            let img = image::RgbImage::from_pixel(w, h, image::Rgb([20, 120, 200]));
            let mut out = Vec::new();
            img.write_to(&mut Cursor::new(&mut out), image::ImageFormat::Jpeg)
                .unwrap();
            out
        }

        /// A small PNG or JPEG with some bytes changed and maybe cut short: what a broken or
        /// crafted upload looks like to the decoder.
        fn damaged_image() -> impl Strategy<Value = Vec<u8>> {
            (
                prop_oneof![Just(png(12, 7)), Just(jpeg(9, 14))],
                prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8),
                any::<prop::sample::Index>(),
            )
                .prop_map(|(mut bytes, changes, cut)| {
                    for (at, b) in changes {
                        let i = at.index(bytes.len());
                        bytes[i] = b;
                    }
                    let keep = bytes.len() - cut.index(bytes.len() / 4);
                    bytes.truncate(keep);
                    bytes
                })
        }

        fn any_upload() -> impl Strategy<Value = Vec<u8>> {
            prop_oneof![
                prop::collection::vec(any::<u8>(), 0..256),
                damaged_image(),
                prop::collection::vec(any::<u8>(), 0..64).prop_map(|b| [
                    b"%PDF-1.7\n".as_slice(),
                    &b,
                    b"\n%%EOF"
                ]
                .concat()),
            ]
        }

        fn shown_name_is_safe(name: &str, ext: &str) -> Result<(), TestCaseError> {
            prop_assert!(name.to_ascii_lowercase().ends_with(ext), "{name}");
            prop_assert!(!name.starts_with('.'), "{name}");
            prop_assert!(name.chars().count() <= 124, "{name}");
            prop_assert!(
                !name
                    .chars()
                    .any(|c| c.is_control() || is_format(c) || "/\\\"<>|*?:".contains(c)),
                "{name}"
            );
            Ok(())
        }

        fn runtime() -> tokio::runtime::Runtime {
            tokio::runtime::Builder::new_current_thread()
                .build()
                .unwrap()
        }

        fn uploads() -> Uploads {
            // Nothing is stored: checking reads no file and writes none.
            Uploads::new(&std::env::temp_dir().join("territoires-never-written"))
        }

        proptest! {

            #[test]
            fn any_bytes_get_a_size_or_a_refusal(bytes in any_upload()) {
                match decoded_size(&bytes) {
                    Ok(size) => prop_assert!(size > 0 && size <= MAX_DECODED_BYTES),
                    Err(code) => prop_assert!(["image.format", "image.too_large"].contains(&code)),
                }
            }

            #[test]
            fn a_damaged_image_is_refused_or_reencoded_within_bounds(bytes in damaged_image()) {
                if decoded_size(&bytes).is_ok()
                    && let Ok(out) = reencode(&bytes, 8)
                {
                    let back = image::load_from_memory(&out).unwrap();
                    prop_assert!(back.width() <= 8 && back.height() <= 8);
                }
            }

            #[test]
            fn any_sent_name_is_shown_safely(sent in any::<String>(), pdf in any::<bool>()) {
                let ext = if pdf { ".pdf" } else { ".png" };
                shown_name_is_safe(&shown_name(&sent, ext), ext)?;
            }

            #[test]
            fn any_upload_is_checked_as_an_attachment_without_panic(
                bytes in any_upload(),
                sent in any::<String>(),
            ) {
                if let Ok((checked, a)) = runtime().block_on(uploads().check_attachment(&bytes, &sent)) {
                    prop_assert!(is_attachment_name(&a.file));
                    prop_assert_eq!(&checked.name, &a.file);
                    shown_name_is_safe(&a.name, &a.file[32..])?;
                }
            }

            #[test]
            fn any_kept_value_names_a_stored_file_or_nothing(value in any::<String>()) {
                if let Some(a) = Attachment::from_kept(&value) {
                    prop_assert!(is_attachment_name(&a.file));
                }
                let keeper = Keeper::new(Arc::new(vec![7u8; 32]), "anne", "/reports/new");
                prop_assert_eq!(keeper.verify(&value), None);
                for name in stored_names_in(&value) {
                    prop_assert!(is_attachment_name(&name));
                }
            }

            #[test]
            fn a_signed_reference_names_its_file_back(hash in "[0-9a-f]{32}", sent in any::<String>()) {
                let keeper = Keeper::new(Arc::new(vec![7u8; 32]), "anne", "/reports/new");
                let (file, name) = (format!("{hash}.pdf"), shown_name(&sent, ".pdf"));
                prop_assert_eq!(keeper.verify(&keeper.sign(&file, &name)), Some((file, name)));
            }

            #[test]
            fn any_multipart_form_yields_few_checked_files(
                texts in prop::collection::vec(
                    (prop_oneof![Just("kept_attachment"), Just("kept_photo"), Just("x")], any::<String>()),
                    0..4,
                ),
                files in prop::collection::vec(
                    (prop_oneof![Just("attachment"), Just("photo")], any_upload(), any::<String>()),
                    0..9,
                ),
            ) {
                let form = MultipartForm {
                    texts: texts.into_iter().map(|(k, v)| (k.to_string(), v)).collect(),
                    file_names: files.iter().map(|(_, _, n)| n.clone()).collect(),
                    files: files.into_iter().map(|(k, b, _)| (k.to_string(), b)).collect(),
                };
                let (uploads, keeper) = (uploads(), Keeper::new(Arc::new(vec![7u8; 32]), "anne", "/f"));
                let rt = runtime();
                let of = rt.block_on(uploads.attachments_of(&form, &keeper)).unwrap();
                prop_assert!(of.kept.len() + of.fresh.len() <= MAX_ATTACHMENTS);
                if let Ok(photos) = rt.block_on(uploads.photos_of(&form, &keeper, 3, "photo.too_many")) {
                    prop_assert!(photos.kept.len() + photos.fresh.len() <= 3);
                }
            }
        }
    }
}
