//! The AI layer: an enhancement that never sits on the path of an order. Order summaries
//! are durable jobs done by background workers; chat and the restock narrative use live data.

mod chat;
mod client;
pub mod forecast;
mod insights;
mod prompts;
mod provider;
pub mod worker;

pub use chat::{chat, ChatAnswer, ChatRequest};
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
            AiError::Failed(reason) => problem
                .detail(format!("the AI provider failed: {reason}"))
                .retry_after(5),
        };
        kernel::AppError::Problem(Box::new(problem))
    }
}
