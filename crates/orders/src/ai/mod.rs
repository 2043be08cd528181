//! The AI layer: an enhancement that never sits on the path of an order. Order summaries
//! are durable jobs done by background workers; the assistant and the restock narrative use
//! live data.

mod assistant;
mod client;
pub mod forecast;
mod insights;
mod prompts;
mod provider;
pub mod worker;

pub use assistant::{Assistant, CallerInventory, ChatAnswer, ChatRequest};
pub use client::{Ai, AiError};
pub use insights::{Insights, RestockReport};

impl From<AiError> for kernel::AppError {
    fn from(e: AiError) -> Self {
        use axum::http::StatusCode;
        let problem = kernel::Problem::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "ai-unavailable",
            "AI unavailable",
        );
        let problem = match &e {
            AiError::Disabled => problem.detail(e.to_string()).retry_after(3600),
            AiError::Open { retry_after_secs } => {
                problem.detail(e.to_string()).retry_after(*retry_after_secs)
            }
            AiError::Failed(reason) | AiError::ToolsUnsupported(reason) => problem
                .detail(format!("the AI provider failed: {reason}"))
                .retry_after(5),
            AiError::TimedOut => {
                kernel::Problem::new(StatusCode::GATEWAY_TIMEOUT, "ai-timeout", "AI timed out")
                    .detail("the AI provider did not finish the answer in time; ask again, or ask something narrower")
                    .retry_after(5)
            }
        };
        kernel::AppError::Problem(Box::new(problem))
    }
}
