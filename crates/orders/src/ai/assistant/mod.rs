//! The assistant: answers a signed-in user's questions by calling read-only tools with that
//! user's own permissions, and may propose (never make) purchase orders and stock
//! adjustments for staff to confirm. Without tool support it answers from a snapshot scoped
//! to the caller. AI disabled or its breaker open: 503; out of time: 504.

mod cap;
mod inventory_api;
mod model;
mod proposals;
mod rounds;
mod run;
mod snapshot;
mod tools;
mod views;

use std::{
    sync::{Arc, Mutex},
    time::Duration,
};

use kernel::{auth::AuthUser, AppError};
use tokio::time::Instant;

pub use inventory_api::CallerInventory;
pub use model::{ChatAnswer, ChatRequest};

use super::{Ai, AiError, Insights};
use crate::saga::Saga;

#[derive(Clone)]
pub struct Assistant {
    deps: Arc<Deps>,
}

struct Deps {
    ai: Arc<Ai>,
    saga: Saga,
    insights: Insights,
    inventory: CallerInventory,
    /// `AI_TOOLS`: offer tools at all.
    tools: bool,
    /// Until when the provider is known to refuse tools, so each question does not first
    /// make the call it will refuse.
    no_tools_until: Mutex<Option<Instant>>,
    /// The whole answer, every round and tool included.
    budget: Duration,
}

/// One answer being made: who asks, and by when it must be done.
struct Ctx<'a> {
    deps: &'a Deps,
    user: &'a AuthUser,
    staff: bool,
    deadline: Instant,
}

impl Ctx<'_> {
    fn inventory(&self) -> &CallerInventory {
        &self.deps.inventory
    }

    /// The caller's own bearer token: inventory applies its rules to the caller, not to us.
    fn token(&self) -> &str {
        &self.user.token
    }

    fn user_id(&self) -> Result<String, run::ToolError> {
        self.user
            .user_id()
            .map(|id| id.to_string())
            .map_err(|_| run::ToolError::Forbidden)
    }
}

impl Assistant {
    /// `budget` is the longest one answer may take (`AI_TIMEOUT_MS`, kept under the
    /// gateway's own timeout by the caller).
    pub fn new(
        ai: Arc<Ai>,
        saga: Saga,
        insights: Insights,
        inventory: CallerInventory,
        tools: bool,
        budget: Duration,
    ) -> Self {
        Self {
            deps: Arc::new(Deps {
                ai,
                saga,
                insights,
                inventory,
                tools,
                no_tools_until: Mutex::new(None),
                budget,
            }),
        }
    }

    pub async fn answer(
        &self,
        user: &AuthUser,
        request: &ChatRequest,
    ) -> kernel::Result<ChatAnswer> {
        user.require_user()?;
        let turns = request.parse()?;
        let ai = &self.deps.ai;
        if !ai.enabled() {
            return Err(AiError::Disabled.into());
        }
        if let Some(retry_after_secs) = ai.open_for() {
            return Err(AiError::Open { retry_after_secs }.into());
        }
        let ctx = Ctx {
            deps: &self.deps,
            user,
            staff: user.role().is_staff(),
            deadline: Instant::now() + self.deps.budget,
        };
        if self.offer_tools() {
            match rounds::run(&ctx, turns.clone()).await? {
                rounds::Finished::Answer(answer) => return Ok(answer),
                rounds::Finished::NoTools => self.remember_no_tools(),
            }
        }
        from_snapshot(&ctx, turns).await
    }

    fn offer_tools(&self) -> bool {
        let refused_until = self.deps.no_tools_until.lock().map(|t| *t).unwrap_or(None);
        self.deps.tools && refused_until.is_none_or(|t| Instant::now() >= t)
    }

    /// A provider refusing tools is asked again only after a while (its model may change).
    fn remember_no_tools(&self) {
        if let Ok(mut until) = self.deps.no_tools_until.lock() {
            *until = Some(Instant::now() + NO_TOOLS_MEMORY);
        }
    }
}

/// How long a provider's refusal of tools is remembered.
const NO_TOOLS_MEMORY: Duration = Duration::from_secs(600);

async fn from_snapshot(
    ctx: &Ctx<'_>,
    turns: Vec<super::provider::Message>,
) -> kernel::Result<ChatAnswer> {
    let context = tokio::time::timeout_at(ctx.deadline, snapshot::snapshot(ctx))
        .await
        .map_err(|_| AppError::from(AiError::TimedOut))??;
    let messages = super::prompts::snapshot_chat(ctx.staff, &context, turns);
    let (answer, model) = ctx
        .deps
        .ai
        .complete_by(&messages, 600, 2, ctx.deadline.into_std())
        .await?;
    Ok(ChatAnswer {
        answer,
        tools_used: Vec::new(),
        proposals: Vec::new(),
        model,
        generated_at: chrono::Utc::now(),
    })
}
