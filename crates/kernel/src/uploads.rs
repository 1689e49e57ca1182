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
        tokio::fs::create_dir_all(&self.dir)
            .await
            .map_err(Error::internal)?;
        let path = self.dir.join(&name);
        if !tokio::fs::try_exists(&path).await.unwrap_or(false) {
            let tmp = self
                .dir
                .join(format!("{name}.{}.tmp", crate::ids::new_id()));
            tokio::fs::write(&tmp, &png)
                .await
                .map_err(Error::internal)?;
            tokio::fs::rename(&tmp, &path)
                .await
                .map_err(Error::internal)?;
        }
        Ok(name)
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
