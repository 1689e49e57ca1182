//! Middleware of every request: context, CSRF, security headers, error pages, metrics.

use super::{
    CSRF_COOKIE, FLASH_COOKIE, LANG_COOKIE, PageCtx, RequestCtx, SESSION_COOKIE, cookie,
    secret_cookie, set_cookie,
};
use crate::app::AppState;
use crate::error::{Error, ErrorCode};
use crate::i18n::{Lang, Tr};
use crate::ids::constant_time_eq;
use askama::Template;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};
use std::time::Instant;

/// Largest urlencoded form read for its CSRF token.
const FORM_LIMIT: usize = 1 << 20;

/// Paths whose clients authenticate without cookies (API tokens, Open311 keys): no CSRF there,
/// and no session either. The API's documentation is a page like the others.
fn is_machine_path(path: &str) -> bool {
    (path.starts_with("/api/") && path != "/api/docs") || path.starts_with("/open311/")
}

fn request_lang(req: &Request, user_lang: Option<Lang>) -> Lang {
    cookie(req.headers(), LANG_COOKIE)
        .and_then(Lang::parse)
        .or(user_lang)
        .unwrap_or_else(|| {
            req.headers()
                .get(header::ACCEPT_LANGUAGE)
                .and_then(|v| v.to_str().ok())
                .map(Lang::negotiate)
                .unwrap_or_default()
        })
}

/// Builds the [`RequestCtx`], checks the CSRF token of unsafe requests, and sets the cookies
/// that follow (new CSRF token, spent flash message).
pub async fn context(
    State(state): State<AppState>,
    req: Request,
    next: Next,
) -> Result<Response, Error> {
    let path = req.uri().path().to_string();
    let machine = is_machine_path(&path);
    let secure = state.config().secure_cookies;
    let existing_csrf = secret_cookie(req.headers(), CSRF_COOKIE, secure)
        .filter(|c| c.len() >= 32)
        .map(str::to_string);
    let csrf = existing_csrf.clone().unwrap_or_else(crate::ids::new_token);
    let user = match (
        machine,
        secret_cookie(req.headers(), SESSION_COOKIE, secure),
    ) {
        (false, Some(token)) => crate::accounts::store::user_by_session(state.db(), token).await?,
        _ => None,
    };
    let lang = request_lang(&req, user.as_ref().map(|u| u.lang));
    let flash = cookie(req.headers(), FLASH_COOKIE)
        .filter(|f| {
            f.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'_')
        })
        .map(str::to_string);
    let had_flash = flash.is_some();
    let path_and_query = req
        .uri()
        .path_and_query()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| path.clone());

    let mut req = req;
    let unsafe_method = !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    let declared_length = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if unsafe_method
        && path.starts_with("/api/")
        && declared_length.is_some_and(|n| n > super::API_BODY_LIMIT)
    {
        return Err(Error::PayloadTooLarge);
    }
    if unsafe_method && !machine {
        req = check_csrf(req, existing_csrf.as_deref()).await?;
    }
    let keeper = crate::uploads::Keeper::new(
        state.upload_key(),
        user.as_ref().map_or(csrf.as_str(), |u| u.id.as_str()),
        &path,
    );
    req.extensions_mut().insert(RequestCtx {
        lang,
        user,
        csrf: csrf.clone(),
        flash,
        path: path_and_query,
        keeper,
        geocoding: state.config().geocoder_url.is_some(),
    });
    let mut res = next.run(req).await;
    if existing_csrf.is_none() && !machine {
        res.headers_mut().append(
            header::SET_COOKIE,
            set_cookie(CSRF_COOKIE, &csrf, 86_400 * 365, secure),
        );
    }
    let sets_flash = res
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .any(|v| v.as_bytes().starts_with(FLASH_COOKIE.as_bytes()));
    if secure && sets_flash {
        // The handlers that set a message do not know the scheme: it is added here.
        let cookies: Vec<HeaderValue> = res
            .headers()
            .get_all(header::SET_COOKIE)
            .iter()
            .cloned()
            .collect();
        res.headers_mut().remove(header::SET_COOKIE);
        for v in cookies {
            let secured = match v.to_str() {
                Ok(text) if text.starts_with(FLASH_COOKIE) && !text.ends_with("; Secure") => {
                    HeaderValue::from_str(&format!("{text}; Secure")).unwrap_or(v)
                }
                _ => v,
            };
            res.headers_mut().append(header::SET_COOKIE, secured);
        }
    }
    if had_flash && !sets_flash && !res.status().is_redirection() {
        res.headers_mut()
            .append(header::SET_COOKIE, set_cookie(FLASH_COOKIE, "", 0, secure));
    }
    Ok(res)
}

/// Reads the token of an unsafe request (header `X-CSRF-Token`, `_csrf` in the query string, or
/// a `_csrf` field of an urlencoded or multipart body) and compares it with the cookie. A
/// multipart body is read whole first (within the largest body a route accepts), so that the
/// token never has to travel in the address.
async fn check_csrf(req: Request, expected: Option<&str>) -> Result<Request, Error> {
    let Some(expected) = expected else {
        return Err(Error::Csrf);
    };
    let from_header = req
        .headers()
        .get("x-csrf-token")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let from_query = req.uri().query().and_then(|q| {
        url_pairs(q)
            .into_iter()
            .find(|(k, _)| k == "_csrf")
            .map(|(_, v)| v)
    });
    if let Some(t) = from_header.or(from_query) {
        return if constant_time_eq(&t, expected) {
            Ok(req)
        } else {
            Err(Error::Csrf)
        };
    }
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    // A multipart body (a form with files) is read within the largest body a route accepts.
    let multipart = content_type.starts_with("multipart/form-data");
    let limit = if multipart {
        crate::BODY_LIMIT.max(crate::uploads::ATTACHED_FORM_LIMIT)
    } else if content_type.starts_with("application/x-www-form-urlencoded") {
        FORM_LIMIT
    } else {
        return Err(Error::Csrf);
    };
    let (parts, body) = req.into_parts();
    let bytes = axum::body::to_bytes(body, limit)
        .await
        .map_err(|_| Error::PayloadTooLarge)?;
    let token = if multipart {
        multipart_token(&content_type, bytes.clone()).await?
    } else {
        let text = std::str::from_utf8(&bytes).map_err(|_| Error::BadRequest("form.malformed"))?;
        url_pairs(text)
            .into_iter()
            .find(|(k, _)| k == "_csrf")
            .map(|(_, v)| v)
    };
    match token {
        Some(t) if constant_time_eq(&t, expected) => {
            Ok(Request::from_parts(parts, Body::from(bytes)))
        }
        _ => Err(Error::Csrf),
    }
}

/// The `_csrf` field of a multipart body, read up to it.
async fn multipart_token(
    content_type: &str,
    bytes: axum::body::Bytes,
) -> Result<Option<String>, Error> {
    let boundary =
        multer::parse_boundary(content_type).map_err(|_| Error::BadRequest("form.malformed"))?;
    let stream = futures_util::stream::once(async move { Ok::<_, std::io::Error>(bytes) });
    let mut form = multer::Multipart::new(stream, boundary);
    while let Ok(Some(field)) = form.next_field().await {
        if field.name() == Some("_csrf") {
            return Ok(field.text().await.ok());
        }
    }
    Ok(None)
}

/// Decodes `a=1&b=x+y` pairs.
fn url_pairs(s: &str) -> Vec<(String, String)> {
    s.split('&')
        .filter_map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            Some((decode(k)?, decode(v)?))
        })
        .collect()
}

fn decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let h = std::str::from_utf8(&bytes[i + 1..i + 3]).ok()?;
                out.push(u8::from_str_radix(h, 16).ok()?);
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out).ok()
}

/// Security headers on every response; a Content-Security-Policy without inline scripts.
pub async fn security_headers(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let embed = req.uri().path().starts_with("/embed/");
    let mut res = next.run(req).await;
    let tiles = tile_origin(&state.config().tile_url);
    let frame = if embed { "*" } else { "'none'" };
    // Signing out through a provider is a form whose answer leads to the provider's sign-out
    // page: the providers' origins are allowed as its end.
    let providers: String = state
        .config()
        .oidc
        .iter()
        .map(|p| format!(" {}", tile_origin(&p.issuer)))
        .collect();
    let csp = format!(
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: {tiles}; \
         connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'self'; \
         form-action 'self'{providers}; frame-ancestors {frame}"
    );
    let h = res.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&csp) {
        h.insert(header::CONTENT_SECURITY_POLICY, v);
    }
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    if !embed {
        h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    }
    h.insert(
        "permissions-policy",
        HeaderValue::from_static("geolocation=(self), camera=(), microphone=()"),
    );
    if state.config().secure_cookies {
        h.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000"),
        );
    }
    res
}

/// The scheme and host of the tile URL template, for the CSP.
fn tile_origin(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return String::new();
    };
    let host = rest.split('/').next().unwrap_or("").replace("{s}", "*");
    format!("{scheme}://{host}")
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    page: PageCtx,
    status: u16,
    code: &'static str,
}

impl ErrorPage {
    fn key(&self) -> &'static str {
        match (self.status, self.code) {
            (403, "csrf") => "csrf",
            (401, _) | (403, _) => "forbidden",
            (404, _) => "not_found",
            (405, _) => "method_not_allowed",
            (409, _) => "conflict",
            (410, _) => "gone",
            (413, _) => "payload_too_large",
            (429, _) => "rate_limited",
            (s, _) if s >= 500 => "internal",
            _ => "bad_request",
        }
    }
    fn title_key(&self) -> String {
        format!("error_page.{}.title", self.key())
    }
    fn text_key(&self) -> String {
        format!("error_page.{}.text", self.key())
    }
    /// What the refusal says: the text of a component's own code (`conversation.closed`: the
    /// conversation is closed) when it has one, else the status's general text.
    fn text(&self) -> &'static str {
        let specific = format!("error.{}", self.code);
        self.code
            .contains('.')
            .then(|| crate::i18n::lookup(self.page.tr.0, &specific))
            .flatten()
            .unwrap_or_else(|| self.page.tr.t(self.text_key()))
    }
}

fn code_for_status(status: StatusCode) -> &'static str {
    match status.as_u16() {
        400 => "bad_request",
        401 => "unauthorized",
        403 => "forbidden",
        404 => "not_found",
        405 => "method_not_allowed",
        409 => "conflict",
        413 => "payload_too_large",
        415 => "unsupported_media_type",
        422 => "invalid",
        429 => "rate_limited",
        _ => "internal",
    }
}

/// Turns every error response into a page in the reader's language (for pages) or into the
/// JSON error format (for the API), whoever produced it.
pub async fn error_pages(req: Request, next: Next) -> Response {
    let path = req.uri().path().to_string();
    let lang = request_lang(&req, None);
    // Only for the page's own forms; an error page has none that matter.
    let csrf = secret_cookie(req.headers(), CSRF_COOKIE, false)
        .or_else(|| secret_cookie(req.headers(), CSRF_COOKIE, true))
        .unwrap_or("")
        .to_string();
    let res = next.run(req).await;
    let status = res.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return res;
    }
    let known = res.extensions().get::<ErrorCode>().map(|c| c.0);
    if path.starts_with("/open311/") {
        return res;
    }
    // The geocoder's routes answer the map script, which reads the JSON error format.
    if path.starts_with("/api/")
        || path.starts_with("/geocoder/")
        || path == "/healthz"
        || path == "/readyz"
    {
        if known.is_some() {
            return res;
        }
        let code = code_for_status(status);
        let body = serde_json::json!({"error": {"code": code, "message": crate::i18n::tr(Lang::En, &format!("error.{code}"))}});
        let mut out = (status, axum::Json(body)).into_response();
        if let Some(allow) = res.headers().get(header::ALLOW) {
            out.headers_mut().insert(header::ALLOW, allow.clone());
        }
        return out;
    }
    // A page that renders its own errors (a form with field errors) is left as it is.
    let is_html = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    if is_html {
        return res;
    }
    let code = known.unwrap_or_else(|| code_for_status(status));
    let page = ErrorPage {
        page: PageCtx {
            tr: Tr(lang),
            user: None,
            csrf,
            flash: None,
            path: path.clone(),
            keeper: Default::default(),
            geocoding: false,
        },
        status: status.as_u16(),
        code,
    };
    let mut out = match page.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(_) => (status, "error").into_response(),
    };
    for name in [header::RETRY_AFTER, header::ALLOW, header::SET_COOKIE] {
        for v in res.headers().get_all(&name) {
            out.headers_mut().append(name.clone(), v.clone());
        }
    }
    out
}

/// Counts requests and their durations. Each request runs in a `request` span (at debug level),
/// so that what it does, its database queries included, can be told from background work.
pub async fn metrics(State(state): State<AppState>, req: Request, next: Next) -> Response {
    use tracing::Instrument;
    let start = Instant::now();
    let span = tracing::debug_span!("request", path = %req.uri().path());
    let res = next.run(req).instrument(span).await;
    state
        .metrics()
        .record(res.status().as_u16(), start.elapsed().as_micros() as u64);
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_pairs_are_decoded() {
        let p = url_pairs("a=1&_csrf=x%2By+z&c");
        assert_eq!(p[1], ("_csrf".to_string(), "x+y z".to_string()));
        assert_eq!(p[2], ("c".to_string(), String::new()));
        assert!(decode("%zz").is_none());
        assert!(decode("%4").is_some_and(|s| s == "%4"));
    }

    #[test]
    fn tile_origin_is_scheme_and_host() {
        assert_eq!(
            tile_origin("https://tile.openstreetmap.org/{z}/{x}/{y}.png"),
            "https://tile.openstreetmap.org"
        );
        assert_eq!(
            tile_origin("https://{s}.tile.example.org/{z}/{x}/{y}.png"),
            "https://*.tile.example.org"
        );
    }
}
