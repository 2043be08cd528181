//! The first admin. In `all` (one machine, the one-command first run) the first account
//! registered is the admin. In `serve` nobody becomes admin by being first: the account
//! registered with `ADMIN_EMAIL` is while no admin exists, or, when that is unset, the
//! registrant presenting the one-time token printed at start while no admin exists.

use kernel::{config::Mode, AppError};

use crate::{
    domain::Email,
    store::{AdminClaim, AuthStore},
    tokens,
};

/// How a registration with `email` (and maybe a bootstrap token) may become the admin.
pub fn claim_for(
    common: &kernel::Config,
    config: &crate::Config,
    email: &Email,
    token: Option<&str>,
) -> AdminClaim {
    if common.mode == Mode::All {
        return AdminClaim::FirstUser;
    }
    if config.admin_email.as_deref() == Some(email.as_str()) {
        return AdminClaim::ConfiguredEmail;
    }
    match token {
        Some(token) => AdminClaim::Token(tokens::hash(token.trim())),
        None => AdminClaim::None,
    }
}

/// At start in `serve`: while no admin exists and no ADMIN_EMAIL is set, makes a bootstrap
/// token, keeps its hash and prints it to stderr for whoever started us. Never into the log:
/// logs are shipped and kept elsewhere, and the token makes an admin.
pub async fn announce(
    store: &dyn AuthStore,
    common: &kernel::Config,
    config: &crate::Config,
) -> Result<(), AppError> {
    if common.mode != Mode::Serve {
        return Ok(());
    }
    if config.admin_email.is_some() || store.admin_exists().await? {
        return store.delete_bootstrap_tokens().await;
    }
    let token = tokens::refresh_token();
    store.insert_bootstrap_token(&tokens::hash(&token)).await?;
    tracing::warn!(
        "no admin exists yet: a one-time bootstrap token was printed to stderr; register the first admin with it, or set ADMIN_EMAIL"
    );
    eprintln!(
        "stockroom auth: no admin exists yet. Register the first admin with POST /api/auth/register and \
         \"bootstrap_token\": \"{token}\" in the body (it works once), or set ADMIN_EMAIL.\n\
         STOCKROOM_BOOTSTRAP_TOKEN={token}"
    );
    Ok(())
}
