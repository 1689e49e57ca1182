//! Static assets embedded in the binary, served under `/assets/`.

use crate::error::Error;
use axum::extract::Path;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};

include!(concat!(env!("OUT_DIR"), "/assets.rs"));

fn content_type(path: &str) -> &'static str {
    match path.rsplit('.').next() {
        Some("css") => "text/css; charset=utf-8",
        Some("js") => "text/javascript; charset=utf-8",
        Some("png") => "image/png",
        Some("svg") => "image/svg+xml",
        Some("ico") => "image/x-icon",
        _ => "text/plain; charset=utf-8",
    }
}

/// The URL of an asset, with the fingerprint that lets browsers keep it for a year.
pub fn url(path: &str) -> String {
    format!("/assets/{path}?v={VERSION}")
}

/// `GET /assets/{*path}`.
pub async fn serve(Path(path): Path<String>) -> Result<Response, Error> {
    let (_, bytes) = FILES
        .iter()
        .find(|(p, _)| *p == path)
        .ok_or(Error::NotFound)?;
    let mut res = bytes.into_response();
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(content_type(&path)),
    );
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=31536000, immutable"),
    );
    Ok(res)
}
