//! Session tokens: HS256 JWTs that any replica holding the secret can verify, so a
//! merchant can also mint them from their own backend in any language.
//!
//! Claims (all required): `iss` = `tryon-gateway`, `aud` = `tryon`, `scope` = `tryon`,
//! `sub` = the session id, `origin` = the page origin it was minted for, `iat`, `exp`.

use std::time::{SystemTime, UNIX_EPOCH};

use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use tryon_protocol::ErrorName;

use crate::error::GatewayError;

/// The `iss` claim of every session token.
pub const ISSUER: &str = "tryon-gateway";
/// The `aud` claim of every session token.
pub const AUDIENCE: &str = "tryon";
/// The scope that grants the try-on API.
pub const TRYON_SCOPE: &str = "tryon";
/// Clock skew tolerated between replicas, in seconds.
const LEEWAY_SECONDS: u64 = 5;

/// What a session token says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionClaims {
    /// Issuer: [`ISSUER`].
    pub iss: String,
    /// Audience: [`AUDIENCE`].
    pub aud: String,
    /// The session id; jobs are bound to it.
    pub sub: String,
    /// Space-separated scopes; must contain [`TRYON_SCOPE`].
    pub scope: String,
    /// The page origin the token was minted for (`https://shop.example`).
    pub origin: String,
    /// Issued at, seconds since the Unix epoch.
    pub iat: u64,
    /// Expires at, seconds since the Unix epoch.
    pub exp: u64,
}

/// Mints and checks session tokens with one HS256 secret.
pub struct TokenIssuer {
    encoding: EncodingKey,
    decoding: DecodingKey,
    ttl_seconds: u64,
}

/// Seconds since the Unix epoch.
pub fn now_seconds() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// `n` random bytes from the operating system, as lowercase hex.
pub fn random_hex(n: usize) -> String {
    let mut bytes = vec![0u8; n];
    getrandom::fill(&mut bytes).expect("the operating system's random source failed");
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

impl TokenIssuer {
    /// An issuer signing with `secret`, minting tokens that live `ttl_seconds`.
    pub fn new(secret: &[u8], ttl_seconds: u64) -> Self {
        TokenIssuer {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            ttl_seconds,
        }
    }

    /// The lifetime of the tokens it mints.
    pub fn ttl_seconds(&self) -> u64 {
        self.ttl_seconds
    }

    /// Signs these claims as they are (tests use it for expired or odd tokens).
    pub fn sign(&self, claims: &SessionClaims) -> String {
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), claims, &self.encoding)
            .expect("HS256 signing of plain claims cannot fail")
    }

    /// A token for `origin`, continuing `session` when given, else a new session.
    pub fn mint(&self, origin: &str, session: Option<String>) -> (String, SessionClaims) {
        let now = now_seconds();
        let claims = SessionClaims {
            iss: ISSUER.into(),
            aud: AUDIENCE.into(),
            sub: session.unwrap_or_else(|| random_hex(16)),
            scope: TRYON_SCOPE.into(),
            origin: origin.to_owned(),
            iat: now,
            exp: now + self.ttl_seconds,
        };
        (self.sign(&claims), claims)
    }

    /// Checks a bearer token for an API call from a page at `request_origin`.
    ///
    /// A request without `Origin` is accepted: browsers always send it on cross-origin
    /// requests, so only same-origin reads and servers omit it, and a server could
    /// forge any origin anyway. A present but different origin is refused.
    pub fn verify(
        &self,
        token: &str,
        request_origin: Option<&str>,
    ) -> Result<SessionClaims, GatewayError> {
        let claims = self.decode(token, true)?;
        check_scope_and_origin(&claims, request_origin)?;
        Ok(claims)
    }

    /// Checks a token presented for renewal: it may have expired up to one token
    /// lifetime ago (a laptop that slept through the renewal), but must be genuine and
    /// for the same origin.
    pub fn verify_for_renewal(
        &self,
        token: &str,
        request_origin: &str,
    ) -> Result<SessionClaims, GatewayError> {
        let claims = self.decode(token, false)?;
        if claims.exp + self.ttl_seconds < now_seconds() {
            return Err(GatewayError::unauthorized(
                ErrorName::TokenExpired,
                "The session token expired too long ago to renew: request a new one without it.",
            ));
        }
        check_scope_and_origin(&claims, Some(request_origin))?;
        Ok(claims)
    }

    fn decode(&self, token: &str, check_expiry: bool) -> Result<SessionClaims, GatewayError> {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_audience(&[AUDIENCE]);
        validation.set_issuer(&[ISSUER]);
        validation.set_required_spec_claims(&["exp", "iat", "sub", "aud", "iss"]);
        validation.leeway = LEEWAY_SECONDS;
        validation.validate_exp = check_expiry;
        jsonwebtoken::decode::<SessionClaims>(token, &self.decoding, &validation).map(|d| d.claims).map_err(|e| {
            match e.kind() {
                ErrorKind::ExpiredSignature => GatewayError::unauthorized(
                    ErrorName::TokenExpired,
                    "The session token has expired: fetch a new one from the session endpoint and retry.",
                ),
                ErrorKind::InvalidAudience => GatewayError::unauthorized(
                    ErrorName::TokenScopeInvalid,
                    "The token is not meant for the try-on API (wrong audience).",
                ),
                ErrorKind::InvalidSignature => GatewayError::unauthorized(
                    ErrorName::TokenInvalid,
                    "The token's signature does not verify: it was not minted with this gateway's secret.",
                ),
                _ => GatewayError::unauthorized(
                    ErrorName::TokenInvalid,
                    "The bearer is neither a valid session token nor the server API key.",
                ),
            }
        })
    }
}

fn check_scope_and_origin(
    claims: &SessionClaims,
    request_origin: Option<&str>,
) -> Result<(), GatewayError> {
    if !claims.scope.split(' ').any(|s| s == TRYON_SCOPE) {
        return Err(GatewayError::unauthorized(
            ErrorName::TokenScopeInvalid,
            format!(
                "The token's scope `{}` does not include `{TRYON_SCOPE}`.",
                claims.scope
            ),
        ));
    }
    if let Some(origin) = request_origin {
        if origin != claims.origin {
            return Err(GatewayError::unauthorized(
                ErrorName::TokenOriginMismatch,
                format!(
                    "The token was minted for {} but the request comes from {origin}: mint a token from this page.",
                    claims.origin
                ),
            ));
        }
    }
    Ok(())
}
