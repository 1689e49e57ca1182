//! The web layer shared by every component: request context (language, user, CSRF token,
//! flash), middleware (security headers, CSRF, error pages, metrics), extractors and helpers.

pub mod assets;
pub mod metrics;
pub mod middleware;
pub mod pager;
pub mod ratelimit;
pub mod routes;

use crate::accounts::User;
use crate::app::AppState;
use crate::error::{Error, FieldErrors};
use crate::i18n::{Lang, Tr};
use axum::extract::{ConnectInfo, FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::de::DeserializeOwned;
use std::net::{IpAddr, SocketAddr};

/// The cookie of the session token.
pub const SESSION_COOKIE: &str = "sid";
/// The cookie of the CSRF token.
pub const CSRF_COOKIE: &str = "csrf";
/// The cookie of the chosen language.
pub const LANG_COOKIE: &str = "lang";
/// The cookie of the one-time message shown after a redirect.
pub const FLASH_COOKIE: &str = "flash";

/// The value of a cookie in a request.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// The name of the session or CSRF cookie: behind HTTPS it carries the `__Host-` prefix, which
/// browsers only accept from this very host over HTTPS, so that no sibling subdomain can plant
/// one.
pub fn secret_cookie_name(base: &str, secure: bool) -> String {
    if secure {
        format!("__Host-{base}")
    } else {
        base.to_string()
    }
}

/// The value of the session or CSRF cookie (see [`secret_cookie_name`]).
pub fn secret_cookie<'a>(headers: &'a HeaderMap, base: &str, secure: bool) -> Option<&'a str> {
    cookie(headers, &secret_cookie_name(base, secure))
}

/// A `Set-Cookie` value of the house: path `/`, HttpOnly, SameSite=Lax, Secure behind HTTPS.
/// The session and CSRF cookies get their `__Host-` name behind HTTPS.
pub fn set_cookie(name: &str, value: &str, max_age_secs: i64, secure: bool) -> HeaderValue {
    let name = if name == SESSION_COOKIE || name == CSRF_COOKIE {
        secret_cookie_name(name, secure)
    } else {
        name.to_string()
    };
    let secure = if secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{name}={value}; Path=/; Max-Age={max_age_secs}; HttpOnly; SameSite=Lax{secure}"
    ))
    .unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// What the session middleware learnt about the request, for extractors and pages.
#[derive(Clone)]
pub struct RequestCtx {
    /// The reader's language.
    pub lang: Lang,
    /// The signed-in user, from the session cookie.
    pub user: Option<User>,
    /// The CSRF token to put in forms.
    pub csrf: String,
    /// A one-time message key from the previous redirect.
    pub flash: Option<String>,
    /// Path and query, to come back after switching language.
    pub path: String,
    /// Signs and reads the files this reader's forms keep (see [`crate::uploads::Keeper`]).
    pub keeper: crate::uploads::Keeper,
    /// Whether a geocoder is set (maps then offer address search).
    pub geocoding: bool,
}

impl<S: Send + Sync> FromRequestParts<S> for RequestCtx {
    type Rejection = Error;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Error> {
        parts
            .extensions
            .get::<RequestCtx>()
            .cloned()
            .ok_or_else(|| Error::internal("request context missing"))
    }
}

/// The context every page template receives as `page`.
pub struct PageCtx {
    /// Translator in the reader's language.
    pub tr: Tr,
    /// The signed-in user.
    pub user: Option<User>,
    /// The CSRF token for forms.
    pub csrf: String,
    /// A one-time message, translated.
    pub flash: Option<&'static str>,
    /// Path and query of the page.
    pub path: String,
    /// Signs the files a form on this page keeps.
    pub keeper: crate::uploads::Keeper,
    /// Whether a geocoder is set: the maps that pick a place then offer address search.
    pub geocoding: bool,
}

impl PageCtx {
    /// The components' links of the footer: (text key, path).
    pub fn links(&self) -> &'static [(&'static str, &'static str)] {
        crate::app::links()
    }
    /// Whether the reader administers the instance.
    pub fn is_admin(&self) -> bool {
        self.user.as_ref().is_some_and(|u| u.is_admin())
    }
    /// Whether the reader is staff, with a workplace (see [`crate::workplace`]).
    pub fn is_staff(&self) -> bool {
        crate::accounts::can(self.user.as_ref(), crate::accounts::Action::OpenWorkplace)
    }
    /// The URL that shows this page in the other language.
    pub fn switch_url(&self) -> String {
        format!(
            "/lang/{}?back={}",
            self.tr.0.other().code(),
            percent_encode(&self.path)
        )
    }
    /// The other language's own name ("English" / "Français").
    pub fn other_lang_name(&self) -> &'static str {
        match self.tr.0 {
            Lang::Fr => "English",
            Lang::En => "Français",
        }
    }
    /// The other language's tag.
    pub fn other_lang(&self) -> &'static str {
        self.tr.0.other().code()
    }
    /// The URL of an embedded asset.
    pub fn asset(&self, path: &str) -> String {
        assets::url(path)
    }
    /// The value of a field that keeps an attachment in a form of this page.
    pub fn keep(&self, a: &crate::uploads::Attachment) -> String {
        self.keeper.sign_attachment(a)
    }
    /// The value of a field that keeps a stored photo in a form of this page.
    pub fn keep_photo(&self, name: &str) -> String {
        self.keeper.sign(name, "")
    }
}

impl From<RequestCtx> for PageCtx {
    fn from(r: RequestCtx) -> Self {
        PageCtx {
            tr: Tr(r.lang),
            flash: r.flash.as_deref().map(|k| crate::i18n::tr(r.lang, k)),
            user: r.user,
            csrf: r.csrf,
            path: r.path,
            keeper: r.keeper,
            geocoding: r.geocoding,
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for PageCtx {
    type Rejection = Error;
    async fn from_request_parts(parts: &mut Parts, s: &S) -> Result<Self, Error> {
        Ok(RequestCtx::from_request_parts(parts, s).await?.into())
    }
}

/// The signed-in user of a page, or a redirect to the login page.
pub struct SignedIn(pub User);

impl<S: Send + Sync> FromRequestParts<S> for SignedIn {
    type Rejection = Response;
    async fn from_request_parts(parts: &mut Parts, s: &S) -> Result<Self, Response> {
        let ctx = RequestCtx::from_request_parts(parts, s)
            .await
            .map_err(IntoResponse::into_response)?;
        match ctx.user {
            Some(u) => Ok(SignedIn(u)),
            None => Err(
                Redirect::to(&format!("/login?next={}", percent_encode(&ctx.path))).into_response(),
            ),
        }
    }
}

/// The token of an `Authorization: Bearer <token>` header; none when the header is missing or
/// of another scheme.
pub fn bearer_token(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
        .map(str::trim)
}

/// The user of an API request, from `Authorization: Bearer <token>`; the API ignores cookies,
/// so that no other site can act through a reader's browser.
pub struct ApiUser(pub Option<User>);

impl FromRequestParts<AppState> for ApiUser {
    type Rejection = Error;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Error> {
        if !parts.headers.contains_key(header::AUTHORIZATION) {
            return Ok(ApiUser(None));
        }
        let token = bearer_token(&parts.headers).ok_or(Error::Unauthorized)?;
        match crate::accounts::store::user_by_api_token(state.db(), token).await? {
            Some(u) => Ok(ApiUser(Some(u))),
            None => Err(Error::Unauthorized),
        }
    }
}

/// The user of an API request that needs one: a request without a valid bearer token is a 401
/// before its body is read.
pub struct ApiSignedIn(pub User);

impl FromRequestParts<AppState> for ApiSignedIn {
    type Rejection = Error;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Error> {
        match ApiUser::from_request_parts(parts, state).await? {
            ApiUser(Some(u)) => Ok(ApiSignedIn(u)),
            ApiUser(None) => Err(Error::Unauthorized),
        }
    }
}

/// Largest body of an API request: a JSON object of one item, never a file.
pub const API_BODY_LIMIT: u64 = 256 * 1024;

/// The client's address, as rate limits count it: the peer, or behind a reverse proxy the
/// address the proxy added last to `X-Forwarded-For`; an IPv6 address stands for its /64, which
/// one subscriber usually holds whole.
pub struct ClientIp(pub IpAddr);

impl FromRequestParts<AppState> for ClientIp {
    type Rejection = Error;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Error> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip())
            .unwrap_or(IpAddr::from([127, 0, 0, 1]));
        let forwarded = state
            .config()
            .behind_proxy
            .then(|| {
                parts
                    .headers
                    .get_all("x-forwarded-for")
                    .iter()
                    .filter_map(|v| v.to_str().ok())
                    .flat_map(|v| v.split(','))
                    .filter_map(|a| a.trim().parse::<IpAddr>().ok())
                    .next_back()
            })
            .flatten();
        Ok(ClientIp(limit_key(forwarded.unwrap_or(peer))))
    }
}

/// The address a rate limit counts: IPv4 as it is, IPv6 by its /64.
pub fn limit_key(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => {
            let s = v6.segments();
            IpAddr::from([s[0], s[1], s[2], s[3], 0, 0, 0, 0])
        }
    }
}

/// The fields of a posted form as pairs in their order (a repeated field, several pairs), as
/// the forms with repeated fields and files keep them: each component's raw form type reads
/// its fields through this.
pub trait FormPairs<'a> {
    /// The pairs.
    fn pairs(&self) -> &'a [(String, String)];

    /// A single field, or empty.
    fn get(&self, name: &str) -> &'a str {
        self.pairs()
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .unwrap_or("")
    }

    /// Every value of a repeated field, trimmed, each once.
    fn list(&self, name: &str) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for (_, v) in self.pairs().iter().filter(|(k, _)| k == name) {
            let v = v.trim();
            if !v.is_empty() && !out.iter().any(|o| o == v) {
                out.push(v.to_string());
            }
        }
        out
    }

    /// The non-empty lines of a field, trimmed.
    fn lines(&self, name: &str) -> Vec<String> {
        crate::text::lines(self.get(name))
    }
}

/// Posted pairs read as they are.
impl<'a> FormPairs<'a> for &'a [(String, String)] {
    fn pairs(&self) -> &'a [(String, String)] {
        self
    }
}

/// A form body; a malformed one is a 400 with a stable code, an oversized one a 413.
pub struct Form<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for Form<T> {
    type Rejection = Error;
    async fn from_request(req: Request, s: &S) -> Result<Self, Error> {
        match axum::Form::<T>::from_request(req, s).await {
            Ok(axum::Form(v)) => Ok(Form(v)),
            Err(e) if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE => {
                Err(Error::PayloadTooLarge)
            }
            Err(_) => Err(Error::BadRequest("form.malformed")),
        }
    }
}

/// A JSON body for the API; malformed JSON is a 400 `json.malformed`, a body of the wrong shape
/// a 400 `json.invalid`, another content type a 400 `json.content_type`.
pub struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = Error;
    async fn from_request(req: Request, s: &S) -> Result<Self, Error> {
        use axum::extract::rejection::JsonRejection;
        match axum::Json::<T>::from_request(req, s).await {
            Ok(axum::Json(v)) => Ok(ApiJson(v)),
            Err(JsonRejection::JsonSyntaxError(_)) => Err(Error::BadRequest("json.malformed")),
            Err(JsonRejection::JsonDataError(_)) => Err(Error::BadRequest("json.invalid")),
            Err(JsonRejection::MissingJsonContentType(_)) => {
                Err(Error::BadRequest("json.content_type"))
            }
            Err(e) if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE => {
                Err(Error::PayloadTooLarge)
            }
            Err(_) => Err(Error::BadRequest("json.malformed")),
        }
    }
}

/// A `multipart/form-data` body read whole: its text fields in order, and the files of the
/// fields named as files (empty file inputs are left out).
#[derive(Debug, Default)]
pub struct MultipartForm {
    /// Text fields, by name, in order.
    pub texts: Vec<(String, String)>,
    /// Files, by field name, in order.
    pub files: Vec<(String, Vec<u8>)>,
    /// The name each file was sent with (same order as `files`; empty when none was given).
    pub file_names: Vec<String>,
}

impl MultipartForm {
    /// Reads a multipart body; `file_fields` are read as bytes, every other field as text. A
    /// malformed body is a 400 `form.malformed`, one over the body limit a 413.
    pub async fn read(
        mut multipart: axum::extract::Multipart,
        file_fields: &[&str],
    ) -> Result<MultipartForm, Error> {
        let mut form = MultipartForm::default();
        while let Some(field) = multipart
            .next_field()
            .await
            .map_err(|_| Error::BadRequest("form.malformed"))?
        {
            let name = field.name().unwrap_or("").to_string();
            if file_fields.contains(&name.as_str()) {
                let sent = field.file_name().unwrap_or("").to_string();
                let bytes = field.bytes().await.map_err(|_| Error::PayloadTooLarge)?;
                if !bytes.is_empty() {
                    form.files.push((name, bytes.to_vec()));
                    form.file_names.push(sent);
                }
            } else {
                let text = field
                    .text()
                    .await
                    .map_err(|_| Error::BadRequest("form.malformed"))?;
                form.texts.push((name, text));
            }
        }
        Ok(form)
    }

    /// The first text field of this name, or an empty text.
    pub fn text(&self, name: &str) -> String {
        self.texts
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    }

    /// The first file of this field, if any.
    pub fn file(&self, name: &str) -> Option<&[u8]> {
        self.files
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_slice())
    }
}

/// A form with attachments, read: its text fields (the kept attachments among them, as the
/// server holds them, so that a form shown again keeps the files already stored), the
/// attachments kept, the new files (checked, not stored), and the refusal of a file if one was
/// refused.
pub struct AttachedForm {
    /// The text fields.
    pub fields: Vec<(String, String)>,
    /// The attachments kept from an earlier step; [`AttachedForm::accept`] adds the new ones.
    pub attachments: Vec<crate::uploads::Attachment>,
    fresh: Vec<(crate::uploads::Checked, crate::uploads::Attachment)>,
    /// Why a file was refused.
    pub refused: Option<crate::error::FieldError>,
}

impl AttachedForm {
    /// Reads a multipart form whose files are its `attachment` fields and checks them; nothing
    /// is stored. Kept attachments are those the page's keeper signed for this reader and form.
    pub async fn read(
        state: &crate::AppState,
        page: &PageCtx,
        multipart: axum::extract::Multipart,
    ) -> Result<AttachedForm, Error> {
        let form = MultipartForm::read(multipart, &["attachment"]).await?;
        let of = state.uploads().attachments_of(&form, &page.keeper).await?;
        let mut fields: Vec<(String, String)> = form
            .texts
            .into_iter()
            .filter(|(k, _)| k != "kept_attachment")
            .collect();
        fields.extend(
            of.kept
                .iter()
                .map(|a| ("kept_attachment".to_string(), a.kept_value())),
        );
        Ok(AttachedForm {
            fields,
            attachments: of.kept,
            fresh: of.fresh,
            refused: of.refused,
        })
    }

    /// The outcome of parsing the fields, with the file's refusal among the errors. When the
    /// form is accepted its new files are stored and join [`AttachedForm::attachments`]; when
    /// it is refused nothing is stored, and new files that were fine are asked for again.
    pub async fn accept<T>(
        &mut self,
        state: &crate::AppState,
        parsed: Result<T, FieldErrors>,
    ) -> Result<Result<T, FieldErrors>, Error> {
        let outcome = match (parsed, &self.refused) {
            (Ok(v), None) => Ok(v),
            (Ok(_), Some(e)) => Err(e.clone().into()),
            (Err(mut errors), Some(e)) => {
                errors.push(e.clone());
                Err(errors)
            }
            (Err(errors), None) => Err(errors),
        };
        match outcome {
            Ok(v) => {
                for (checked, a) in std::mem::take(&mut self.fresh) {
                    state.uploads().store(&checked).await?;
                    self.fields
                        .push(("kept_attachment".to_string(), a.kept_value()));
                    self.attachments.push(a);
                }
                Ok(Ok(v))
            }
            Err(mut errors) => {
                if !self.fresh.is_empty() && errors.on("attachment").is_none() {
                    errors.push(crate::error::FieldError::new(
                        "attachment",
                        "attachment.again",
                    ));
                }
                Ok(Err(errors))
            }
        }
    }
}

/// The attachments a form's fields keep, as [`AttachedForm`] wrote them (for showing the form
/// again): those the item already holds (`stored`, an edited item's) with their stored details,
/// the others as the form names them (their sizes are not known there).
pub fn kept_attachments(
    fields: &[(String, String)],
    stored: &[crate::uploads::Attachment],
) -> Vec<crate::uploads::Attachment> {
    fields
        .iter()
        .filter(|(k, _)| k == "kept_attachment")
        .filter_map(|(_, v)| crate::uploads::Attachment::from_kept(v))
        .map(|a| {
            stored
                .iter()
                .find(|x| x.file == a.file)
                .cloned()
                .unwrap_or(a)
        })
        .collect()
}

/// One of an item's attachments, for a reader the caller has let in: 404 unless `file` is in
/// `list`. A public item's files may be cached anywhere; a private one's nowhere. A PDF is
/// downloaded under the name it was sent with (the pages' Content-Security-Policy would keep a
/// browser's PDF reader from showing it); an image is shown.
pub async fn attachment(
    uploads: &crate::uploads::Uploads,
    list: &[crate::uploads::Attachment],
    file: &str,
    public: bool,
) -> Result<Response, Error> {
    let a = list
        .iter()
        .find(|a| a.file == file)
        .ok_or(Error::NotFound)?;
    let stored = uploads.get_attachment(file).await?.ok_or(Error::NotFound)?;
    let mut res = stored.into_response();
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(a.content_type()),
    );
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(if public {
            "public, max-age=86400"
        } else {
            "private, no-store"
        }),
    );
    let ascii: String = a
        .name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || ".-_ ".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    let encoded: String = a
        .name
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"._-".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    if let Ok(v) = HeaderValue::from_str(&format!(
        "{}; filename=\"{ascii}\"; filename*=UTF-8''{encoded}",
        if a.is_pdf() { "attachment" } else { "inline" }
    )) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(res)
}

/// Renders a template as an HTML page.
pub fn render(t: &impl askama::Template) -> Result<Response, Error> {
    Ok(Html(t.render()?).into_response())
}

/// Renders a form again with its field errors, as a 422 page.
pub fn render_invalid(t: &impl askama::Template) -> Result<Response, Error> {
    Ok((
        axum::http::StatusCode::UNPROCESSABLE_ENTITY,
        Html(t.render()?),
    )
        .into_response())
}

/// A redirect (303) that shows a one-time message on the next page.
pub fn redirect_with_flash(to: &str, flash_key: &str) -> Response {
    let mut res = Redirect::to(to).into_response();
    if let Ok(v) = HeaderValue::from_str(&format!(
        "{FLASH_COOKIE}={flash_key}; Path=/; Max-Age=60; HttpOnly; SameSite=Lax"
    )) {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
    res
}

/// A local path to come back to, from an untrusted `next` or `back` parameter.
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        // Browsers drop tabs and line breaks from URLs: "/\t/x" would become "//x".
        Some(n)
            if n.starts_with('/')
                && !n.starts_with("//")
                && !n.contains('\\')
                && !n.chars().any(|c| c.is_control() || c.is_whitespace()) =>
        {
            n.to_string()
        }
        _ => "/".to_string(),
    }
}

/// Percent-encodes a query-string value.
pub fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~/".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_must_be_a_local_path() {
        assert_eq!(safe_next(Some("/s/lannion")), "/s/lannion");
        assert_eq!(safe_next(Some("//evil.example")), "/");
        assert_eq!(safe_next(Some("https://evil.example")), "/");
        assert_eq!(safe_next(None), "/");
        assert_eq!(safe_next(Some("/\t/evil.example")), "/");
        assert_eq!(safe_next(Some("/\n")), "/");
    }

    #[test]
    fn ipv6_addresses_count_by_their_64() {
        let a: IpAddr = "2001:db8:1:2:aaaa::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:bbbb::9".parse().unwrap();
        let c: IpAddr = "2001:db8:1:3::1".parse().unwrap();
        assert_eq!(limit_key(a), limit_key(b));
        assert_ne!(limit_key(a), limit_key(c));
        let v4: IpAddr = "192.0.2.7".parse().unwrap();
        assert_eq!(limit_key(v4), v4);
    }

    #[test]
    fn secret_cookies_take_the_host_prefix_behind_https() {
        let v = set_cookie(SESSION_COOKIE, "t", 60, true);
        assert!(v.to_str().unwrap().starts_with("__Host-sid=t; Path=/;"));
        assert!(v.to_str().unwrap().ends_with("; Secure"));
        assert!(
            set_cookie(SESSION_COOKIE, "t", 60, false)
                .to_str()
                .unwrap()
                .starts_with("sid=t;")
        );
        assert!(
            set_cookie(LANG_COOKIE, "en", 60, true)
                .to_str()
                .unwrap()
                .starts_with("lang=en;")
        );
        let mut h = HeaderMap::new();
        // Over HTTPS a plain-named cookie, which a sibling subdomain could have set, is ignored.
        h.insert(header::COOKIE, HeaderValue::from_static("csrf=planted"));
        assert_eq!(secret_cookie(&h, CSRF_COOKIE, true), None);
        assert_eq!(secret_cookie(&h, CSRF_COOKIE, false), Some("planted"));
    }

    #[test]
    fn cookies_are_found_by_name() {
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            HeaderValue::from_static("a=1; sid=abc; lang=en"),
        );
        assert_eq!(cookie(&h, "sid"), Some("abc"));
        assert_eq!(cookie(&h, "lang"), Some("en"));
        assert_eq!(cookie(&h, "x"), None);
    }
}
