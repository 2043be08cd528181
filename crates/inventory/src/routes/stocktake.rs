//! `POST /api/inventory/stocktake`: counted quantities in, corrections out.

use axum::{
    extract::State,
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Response},
};
use kernel::{auth::AuthUser, Json, Result};

use super::keyed::{answer, RequestKey};
use crate::{
    stocktake::{check, Stocktake, StocktakeResult},
    store::Once,
    InventoryState,
};

/// Records a stock count: each product's `on_hand` becomes what was counted, every difference a
/// `correction` movement carrying the note, all or nothing.
#[utoipa::path(post, path = "/api/inventory/stocktake", tag = "inventory", request_body = Stocktake,
    params(("Idempotency-Key" = Option<String>, Header, description = "retries with the same key and body return the first answer and count once")),
    security(("bearer" = [])),
    responses((status = 201, description = "Counted; corrections written where the count differed", body = StocktakeResult),
              (status = 401, description = "Not signed in", body = kernel::Problem),
              (status = 403, description = "Staff only", body = kernel::Problem),
              (status = 422, description = "Invalid lines, an unknown product, or a count below what open orders have reserved (one field error per line, e.g. `counts[2].counted`); nothing is written", body = kernel::Problem)))]
pub async fn stocktake(
    State(state): State<InventoryState>,
    caller: AuthUser,
    headers: HeaderMap,
    Json(req): Json<Stocktake>,
) -> Result<Response> {
    caller.require_staff()?;
    let key = RequestKey::json(&headers, &caller, "POST /api/inventory/stocktake", &req)?;
    let counted = check(&req, &caller.claims.sub)?;
    let keyed = key.as_ref().map(RequestKey::keyed);
    let once = Once {
        keyed: keyed.as_ref(),
        success: StatusCode::CREATED,
    };
    let outcome = state
        .store
        .stocktake(once, &counted, &crate::events::actor(&caller))
        .await?;
    state.relay.wake();
    Ok(answer(outcome, |result| {
        (StatusCode::CREATED, Json(result)).into_response()
    }))
}
