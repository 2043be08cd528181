use axum::extract::State;
use jsonwebtoken::jwk::JwkSet;
use kernel::Json;

use crate::AuthState;

/// The public keys access tokens are signed with.
#[utoipa::path(get, path = "/.well-known/jwks.json", tag = "auth",
    responses((status = 200, description = "JSON Web Key Set", body = Object)))]
pub async fn jwks(State(state): State<AuthState>) -> Json<JwkSet> {
    Json(state.keys.jwks.clone())
}
