//! The one error type of the HTTP API, serialized as `{"error": "snake_case", "message": "…"}`
//! with the matching status code. Internal causes are logged, never sent to the client.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("{0}")]
    Unauthorized(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    PayloadTooLarge(String),
    #[error("{0}")]
    InsufficientStorage(String),
    /// A per-user limit (space, unfinished uploads, comment volume) would be passed.
    #[error("{0}")]
    QuotaExceeded(String),
    #[error("{0}")]
    Unavailable(String),
    /// Too many attempts; try again after this many seconds (`Retry-After`).
    #[error("{0}")]
    TooManyRequests(String, u64),
    #[error("internal error")]
    Internal(#[from] anyhow::Error),
}

#[derive(Serialize)]
struct ErrorBody<'a> {
    error: &'a str,
    message: String,
}

impl AppError {
    pub fn code(&self) -> &'static str {
        match self {
            AppError::Unauthorized(_) => "unauthorized",
            AppError::Forbidden(_) => "forbidden",
            AppError::NotFound(_) => "not_found",
            AppError::BadRequest(_) => "bad_request",
            AppError::Conflict(_) => "conflict",
            AppError::PayloadTooLarge(_) => "payload_too_large",
            AppError::InsufficientStorage(_) => "insufficient_storage",
            AppError::QuotaExceeded(_) => "quota_exceeded",
            AppError::Unavailable(_) => "unavailable",
            AppError::TooManyRequests(..) => "too_many_requests",
            AppError::Internal(_) => "internal",
        }
    }

    pub fn internal(e: impl Into<anyhow::Error>) -> Self {
        AppError::Internal(e.into())
    }
}

impl From<diesel::result::Error> for AppError {
    fn from(e: diesel::result::Error) -> Self {
        match e {
            diesel::result::Error::NotFound => AppError::NotFound("not found".into()),
            // The database went away under a query (a PostgreSQL restart): the request
            // may be tried again, it is not the server's bug.
            diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::ClosedConnection, info) => {
                AppError::Unavailable(format!("database connection lost: {}", info.message()))
            }
            diesel::result::Error::BrokenTransactionManager => AppError::Unavailable("database connection lost".into()),
            // PostgreSQL's text cannot hold U+0000 (SQLite's can): the request's text is at
            // fault, not the server.
            diesel::result::Error::DatabaseError(_, info) if info.message().contains("0x00") => {
                AppError::BadRequest("text must not contain NUL (U+0000) characters".into())
            }
            other => AppError::Internal(other.into()),
        }
    }
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        match self {
            AppError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            AppError::Forbidden(_) => StatusCode::FORBIDDEN,
            AppError::NotFound(_) => StatusCode::NOT_FOUND,
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::Conflict(_) => StatusCode::CONFLICT,
            AppError::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::InsufficientStorage(_) => StatusCode::INSUFFICIENT_STORAGE,
            AppError::QuotaExceeded(_) => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            AppError::TooManyRequests(..) => StatusCode::TOO_MANY_REQUESTS,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        if let AppError::Internal(e) = self {
            tracing::error!(error = format!("{e:#}"), "internal error");
        }
        let mut resp = HttpResponse::build(self.status_code());
        if let AppError::TooManyRequests(_, secs) = self {
            resp.insert_header((actix_web::http::header::RETRY_AFTER, secs.to_string()));
        }
        resp.json(ErrorBody {
            error: self.code(),
            message: self.to_string(),
        })
    }
}

pub type AppResult<T> = Result<T, AppError>;
