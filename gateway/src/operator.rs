//! The merchant's operators: who may read what the gateway spends. `/metrics` and
//! the detail of `/healthz` show the day's images and credits, the budget left and
//! the refusals; with `TRYON_ADMIN_TOKEN` set they are answered only to a bearer of
//! that token, while load balancers keep a plain liveness answer from `/healthz`.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use tryon_protocol::ErrorName;

use crate::auth::bearer;
use crate::error::GatewayError;
use crate::state::AppState;

/// Whether the caller may read the merchant's figures: always when no admin token is
/// set (the gateway's behaviour before there was one), else only with it.
pub struct Operator(pub bool);

impl FromRequestParts<AppState> for Operator {
    type Rejection = GatewayError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let Some(admin) = &state.admin_key else {
            return Ok(Operator(true));
        };
        // A malformed header reads as no token: liveness must not fail on it.
        let presented = bearer(parts).ok().flatten();
        Ok(Operator(
            presented.is_some_and(|token| admin.matches(token)),
        ))
    }
}

impl Operator {
    /// The refusal for figures asked without the admin token.
    pub fn refusal() -> GatewayError {
        GatewayError::unauthorized(
            ErrorName::TokenInvalid,
            "The metrics show what this gateway spends: send `Authorization: Bearer <TRYON_ADMIN_TOKEN>` (the admin token, not a session token or the server API key).",
        )
    }
}
