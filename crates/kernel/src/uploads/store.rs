//! The upload store: checking, re-encoding, writing and serving files, and the sweep of unnamed
//! ones.

use super::*;

/// The upload store: checks what is sent, and keeps it in the [`FileStore`] the configuration
/// chooses.
#[derive(Clone)]
pub struct Uploads {
    files: FileStore,
    /// One decode at a time per core, so that many uploads at once wait rather than hold many
    /// bitmaps in memory together.
    decoding: Arc<tokio::sync::Semaphore>,
}

impl Uploads {
    /// The store whose files are kept under a data directory (`DATA_DIR/uploads`).
    pub fn new(data_dir: &std::path::Path) -> Self {
        Uploads::with_files(FileStore::dir(data_dir.join("uploads")))
    }

    /// The store whose files are kept in `files`.
    pub fn with_files(files: FileStore) -> Self {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        Uploads {
            files,
            decoding: Arc::new(tokio::sync::Semaphore::new(cores)),
        }
    }

    /// Where the files are kept.
    pub fn files(&self) -> &FileStore {
        &self.files
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
            bytes: Bytes::from(png),
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

    /// Writes a checked file (nothing when it is stored already: its name is drawn from its
    /// content).
    pub async fn store(&self, file: &Checked) -> Result<(), Error> {
        let key = if file.attachment {
            FileKey::attachment(&file.name)
        } else {
            FileKey::image(&file.name)
        };
        let key =
            key.ok_or_else(|| Error::internal(format!("not a stored name: {}", file.name)))?;
        self.files
            .put_bytes(&key, file.bytes.clone())
            .await
            .map_err(|e| Error::internal(format!("{key} could not be stored: {e}")))?;
        Ok(())
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
                bytes: Bytes::from(stored),
                attachment: true,
            },
            attachment,
        ))
    }

    /// An attachment, to be read as a stream; none when the name is not one of ours or no
    /// such file is stored.
    pub async fn get_attachment(&self, file: &str) -> Result<Option<Stored>, Error> {
        match FileKey::attachment(file) {
            Some(key) => self.read(&key).await,
            None => Ok(None),
        }
    }

    async fn read(&self, key: &FileKey) -> Result<Option<Stored>, Error> {
        self.files
            .get(key)
            .await
            .map_err(|e| Error::internal(format!("{key} could not be read: {e}")))
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
            let Some(key) = FileKey::attachment(&file) else {
                continue;
            };
            let size = self
                .files
                .size(&key)
                .await
                .map_err(|e| Error::internal(format!("{key} could not be read: {e}")))?;
            if let Some(size) = size {
                out.kept.push(Attachment {
                    name: shown_name(&name, &file[32..]),
                    file,
                    bytes: size as i64,
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

    /// Removes the stored files (photos, logos, attachments, and what writes that stopped
    /// half-way left) that `named` does not hold and that were written more than `age` ago;
    /// returns how many went.
    pub async fn sweep(
        &self,
        named: &std::collections::HashSet<String>,
        age: std::time::Duration,
    ) -> usize {
        let before = crate::ids::now_ms() - i64::try_from(age.as_millis()).unwrap_or(i64::MAX);
        let mut unnamed = Vec::new();
        let mut listed = self.files.list();
        while let Some(file) = listed.next().await {
            match file {
                Ok(f) if f.written_at <= before && !named.contains(f.key.name()) => {
                    unnamed.push(f.key)
                }
                Ok(_) => {}
                Err(e) => {
                    // Nothing is removed from a list read in part.
                    tracing::warn!(error = %e, "the stored files could not be listed");
                    return 0;
                }
            }
        }
        let mut gone = 0;
        for key in unnamed {
            match self.files.delete(&key).await {
                Ok(true) => gone += 1,
                Ok(false) => {}
                Err(e) => tracing::warn!(error = %e, %key, "a stored file could not be removed"),
            }
        }
        gone + self.files.clean_leftovers(age).await
    }

    /// A photo, logo or image, to be read as a stream; none when the name is not one of ours
    /// or no such file is stored.
    pub async fn get(&self, name: &str) -> Result<Option<Stored>, Error> {
        match FileKey::image(name) {
            Some(key) => self.read(&key).await,
            None => Ok(None),
        }
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
pub(super) fn reencode(bytes: &[u8], max_side: u32) -> Result<Vec<u8>, &'static str> {
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
