//! Who is calling: a shopper's browser with a session token, or the merchant's server
//! with the gateway's server API key. An axum extractor, so handlers just ask for it.

use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;
use tryon_protocol::ErrorName;

use crate::error::GatewayError;
use crate::state::AppState;

/// The session id under which server-to-server callers' jobs are bound.
const SERVER_SESSION: &str = "server-api-key";

/// An authenticated caller of the try-on API.
#[derive(Debug, Clone)]
pub struct Caller {
    /// The session its jobs are bound to.
    pub session: String,
}

impl Caller {
    /// The session a shopper's quotas are counted under; `None` for the merchant's
    /// own server key.
    pub fn shopper_session(&self) -> Option<&str> {
        (self.session != SERVER_SESSION).then_some(self.session.as_str())
    }
}

/// The bearer of an `Authorization: Bearer …` header.
pub fn bearer(parts: &Parts) -> Result<Option<&str>, GatewayError> {
    let Some(value) = parts.headers.get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let text = value.to_str().unwrap_or("");
    let (scheme, token) = text.split_once(' ').unwrap_or((text, ""));
    if !scheme.eq_ignore_ascii_case("bearer") || token.trim().is_empty() {
        return Err(GatewayError::unauthorized(
            ErrorName::TokenMissing,
            "The Authorization header must be `Bearer <session token>`.",
        ));
    }
    Ok(Some(token.trim()))
}

/// The request's `Origin`, if it sent one.
pub fn origin(parts: &Parts) -> Option<&str> {
    parts
        .headers
        .get(header::ORIGIN)
        .and_then(|v| v.to_str().ok())
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = GatewayError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let Some(token) = bearer(parts)? else {
            return Err(GatewayError::unauthorized(
                ErrorName::TokenMissing,
                format!(
                    "No session token: POST {} for one, then send it as `Authorization: Bearer <token>`.",
                    tryon_protocol::SESSIONS_PATH
                ),
            ));
        };
        if state.server_key.matches(token) {
            return Ok(Caller {
                session: SERVER_SESSION.to_owned(),
            });
        }
        let claims = state.tokens.verify(token, origin(parts))?;
        Ok(Caller {
            session: claims.sub,
        })
    }
}
