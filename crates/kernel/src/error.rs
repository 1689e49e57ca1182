//! One error type for the whole platform, with stable codes translated at the edge.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// A problem with one field of a form or of an API body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    /// The field's name, as in the form.
    pub field: &'static str,
    /// The stable code of the problem, such as `email.format`; translated by `i18n`.
    pub code: &'static str,
}

impl FieldError {
    /// A field error.
    pub fn new(field: &'static str, code: &'static str) -> Self {
        Self { field, code }
    }
}

/// The field errors of one submission; empty means the submission was valid.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct FieldErrors(pub Vec<FieldError>);

impl FieldErrors {
    /// No errors yet.
    pub fn new() -> Self {
        Self::default()
    }
    /// Adds an error.
    pub fn push(&mut self, e: FieldError) {
        self.0.push(e);
    }
    /// Keeps the value when it parsed, records the error otherwise.
    pub fn take<T>(&mut self, r: Result<T, FieldError>) -> Option<T> {
        match r {
            Ok(v) => Some(v),
            Err(e) => {
                self.0.push(e);
                None
            }
        }
    }
    /// Whether nothing went wrong.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    /// The code of the first error on `field`, if any.
    pub fn on(&self, field: &str) -> Option<&'static str> {
        self.0.iter().find(|e| e.field == field).map(|e| e.code)
    }
}

impl From<FieldError> for FieldErrors {
    fn from(e: FieldError) -> Self {
        Self(vec![e])
    }
}

/// Every error a request can end with.
#[derive(Debug)]
pub enum Error {
    /// Nothing at this address.
    NotFound,
    /// The reader is not signed in and must be.
    Unauthorized,
    /// Signed in, but not allowed.
    Forbidden,
    /// The CSRF token was missing or wrong.
    Csrf,
    /// The request is malformed; the code says how (`json.malformed`, …).
    BadRequest(&'static str),
    /// Some fields are invalid.
    Invalid(FieldErrors),
    /// A link (confirmation, reset) expired or was already used.
    Gone(&'static str),
    /// The request is well formed but the thing is not in a state to accept it (a ballot on a
    /// closed vote, a second ballot); the code says why.
    Conflict(&'static str),
    /// Too many attempts; try again after that many seconds.
    RateLimited(u64),
    /// The body is over the size limit.
    PayloadTooLarge,
    /// Something failed inside; the cause is logged, never shown.
    Internal(String),
}

/// The part of an error kept on the response, so that page routes can render it as HTML.
#[derive(Debug, Clone)]
pub struct ErrorCode(pub &'static str);

impl Error {
    /// Two checks of one form as one answer: both results, or every field error of the two
    /// together (so that a refused form says all that is wrong at once), or the first other
    /// error.
    pub fn both<A, B>(
        a: Result<A, impl Into<Error>>,
        b: Result<B, impl Into<Error>>,
    ) -> Result<(A, B), Error> {
        match (a.map_err(Into::into), b.map_err(Into::into)) {
            (Ok(a), Ok(b)) => Ok((a, b)),
            (Err(Error::Invalid(mut x)), Err(Error::Invalid(y))) => {
                x.0.extend(y.0);
                Err(Error::Invalid(x))
            }
            (Err(e), _) | (_, Err(e)) => Err(e),
        }
    }

    /// The HTTP status of this error.
    pub fn status(&self) -> StatusCode {
        match self {
            Error::NotFound => StatusCode::NOT_FOUND,
            Error::Unauthorized => StatusCode::UNAUTHORIZED,
            Error::Forbidden | Error::Csrf => StatusCode::FORBIDDEN,
            Error::BadRequest(_) => StatusCode::BAD_REQUEST,
            Error::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Error::Gone(_) => StatusCode::GONE,
            Error::Conflict(_) => StatusCode::CONFLICT,
            Error::RateLimited(_) => StatusCode::TOO_MANY_REQUESTS,
            Error::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Error::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The stable code of this error.
    pub fn code(&self) -> &'static str {
        match self {
            Error::NotFound => "not_found",
            Error::Unauthorized => "unauthorized",
            Error::Forbidden => "forbidden",
            Error::Csrf => "csrf",
            Error::BadRequest(c) | Error::Gone(c) | Error::Conflict(c) => c,
            Error::Invalid(_) => "invalid",
            Error::RateLimited(_) => "rate_limited",
            Error::PayloadTooLarge => "payload_too_large",
            Error::Internal(_) => "internal",
        }
    }

    /// An internal error from anything displayable; the cause is logged here, once.
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        let text = cause.to_string();
        tracing::error!(cause = %text, "internal error");
        Error::Internal(text)
    }
}

impl From<sqlx::Error> for Error {
    fn from(e: sqlx::Error) -> Self {
        Error::internal(format!("database: {e}"))
    }
}

impl From<askama::Error> for Error {
    fn from(e: askama::Error) -> Self {
        Error::internal(format!("template: {e}"))
    }
}

impl From<FieldErrors> for Error {
    fn from(e: FieldErrors) -> Self {
        Error::Invalid(e)
    }
}

impl From<FieldError> for Error {
    fn from(e: FieldError) -> Self {
        Error::Invalid(e.into())
    }
}

#[derive(Serialize)]
struct Body<'a> {
    error: BodyInner<'a>,
}

#[derive(Serialize)]
struct BodyInner<'a> {
    code: &'a str,
    message: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    fields: Option<&'a FieldErrors>,
}

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        let code = self.code();
        let message = crate::i18n::tr(crate::i18n::Lang::En, &format!("error.{code}"));
        let fields = match &self {
            Error::Invalid(f) => Some(f),
            _ => None,
        };
        let body = serde_json::to_string(&Body {
            error: BodyInner {
                code,
                message,
                fields,
            },
        })
        .unwrap_or_default();
        let mut res = (
            self.status(),
            [(header::CONTENT_TYPE, "application/json")],
            body,
        )
            .into_response();
        if let Error::RateLimited(secs) = self
            && let Ok(v) = HeaderValue::from_str(&secs.to_string())
        {
            res.headers_mut().insert(header::RETRY_AFTER, v);
        }
        res.extensions_mut().insert(ErrorCode(code));
        res
    }
}

/// The result of a handler.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Whether a database error is the violation of a unique constraint on `table.column`.
///
/// PostgreSQL names the constraint (`table_column_key`), SQLite names the column
/// (`table.column`): both are recognised from the one pair given.
pub fn is_unique_violation(e: &sqlx::Error, table: &str, column: &str) -> bool {
    match e {
        sqlx::Error::Database(db) => {
            matches!(db.kind(), sqlx::error::ErrorKind::UniqueViolation)
                && (db.constraint() == Some(&format!("{table}_{column}_key"))
                    || db.message().contains(&format!("{table}.{column}")))
        }
        _ => false,
    }
}

/// What every component's store error shares: it reads as its code (a database failure as its
/// cause), its source is the database's error, and a database error converts into it. The enum
/// has a `Database(sqlx::Error)` variant and a `code()` method.
#[macro_export]
macro_rules! store_error {
    ($name:ident) => {
        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                match self {
                    $name::Database(e) => write!(f, "database: {e}"),
                    other => write!(f, "{} ({other:?})", other.code()),
                }
            }
        }

        impl ::std::error::Error for $name {
            fn source(&self) -> Option<&(dyn ::std::error::Error + 'static)> {
                match self {
                    $name::Database(e) => Some(e),
                    _ => None,
                }
            }
        }

        impl From<sqlx::Error> for $name {
            fn from(e: sqlx::Error) -> Self {
                $name::Database(e)
            }
        }
    };
}
