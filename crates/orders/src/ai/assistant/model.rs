//! What the assistant receives and answers, and the rules a conversation must follow.

use kernel::{AppError, FieldError};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use crate::ai::provider::Message;

/// Turns a conversation may carry, and characters per turn.
pub const MAX_TURNS: usize = 20;
pub const MAX_TURN_CHARS: usize = 4000;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChatRequest {
    /// The conversation, oldest first, ending with the user's question. The client keeps it
    /// and sends the last 20 turns at most.
    #[schema(min_items = 1, max_items = 20)]
    pub messages: Vec<Turn>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum TurnRole {
    User,
    Assistant,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Turn {
    pub role: TurnRole,
    /// 1–4,000 characters, not only spaces.
    #[schema(min_length = 1, max_length = 4000, pattern = r"\S")]
    pub content: String,
}

impl ChatRequest {
    /// The turns as provider messages; every broken rule is reported at once.
    pub fn parse(&self) -> Result<Vec<Message>, AppError> {
        let mut errors = Vec::new();
        if self.messages.is_empty() || self.messages.len() > MAX_TURNS {
            errors.push(FieldError::new(
                "messages",
                format!("must hold 1 to {MAX_TURNS} turns (send only the most recent)"),
            ));
        }
        for (i, turn) in self.messages.iter().enumerate() {
            let n = turn.content.chars().count();
            if turn.content.trim().is_empty() || n > MAX_TURN_CHARS {
                errors.push(FieldError::new(
                    format!("messages[{i}].content"),
                    format!("must be 1 to {MAX_TURN_CHARS} characters, not only spaces"),
                ));
            }
        }
        if let Some(last) = self.messages.last() {
            if last.role != TurnRole::User {
                errors.push(FieldError::new(
                    format!("messages[{}].role", self.messages.len() - 1),
                    "the last turn must be the user's question",
                ));
            }
        }
        if !errors.is_empty() {
            return Err(AppError::Validation(errors));
        }
        Ok(self
            .messages
            .iter()
            .map(|t| match t.role {
                TurnRole::User => Message::user(t.content.trim()),
                TurnRole::Assistant => Message::assistant(t.content.trim()),
            })
            .collect())
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ChatAnswer {
    /// Markdown, written by the AI.
    pub answer: String,
    /// Every tool the assistant ran for this answer, in order.
    pub tools_used: Vec<ToolUse>,
    /// Suggested changes for staff to confirm through the ordinary API; nothing is done yet.
    pub proposals: Vec<Proposal>,
    pub model: String,
    pub generated_at: chrono::DateTime<chrono::Utc>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ToolUse {
    pub name: String,
    /// The arguments the model gave, as JSON.
    #[schema(value_type = std::collections::HashMap<String, serde_json::Value>)]
    pub arguments: Value,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ProposalKind {
    /// `body` is a `POST /api/purchase-orders` request.
    PurchaseOrder,
    /// `body` is a `POST /api/inventory/adjustments` request.
    StockAdjustment,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Proposal {
    pub kind: ProposalKind,
    /// Exactly the request body of the ordinary endpoint for `kind`, checked against the
    /// real products and suppliers when it was proposed.
    #[schema(value_type = std::collections::HashMap<String, serde_json::Value>)]
    pub body: Value,
    /// One line a person can read before confirming.
    pub summary: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(turns: &[(&str, &str)]) -> ChatRequest {
        let turns: Vec<Value> = turns
            .iter()
            .map(|(role, content)| serde_json::json!({"role": role, "content": content}))
            .collect();
        serde_json::from_value(serde_json::json!({ "messages": turns })).unwrap()
    }

    fn fields(e: AppError) -> Vec<String> {
        match e {
            AppError::Validation(errors) => errors.into_iter().map(|e| e.field).collect(),
            other => panic!("not a validation error: {other:?}"),
        }
    }

    #[test]
    fn a_conversation_ends_with_the_user_and_keeps_its_turns_in_order() {
        let ok = request(&[
            ("user", "hi"),
            ("assistant", "hello"),
            ("user", " what is low? "),
        ]);
        let messages = ok.parse().unwrap();
        let roles: Vec<_> = messages.iter().map(|m| m.role).collect();
        assert_eq!(roles, ["user", "assistant", "user"]);
        assert_eq!(messages[2].content.as_deref(), Some("what is low?"));
        let ends_with_answer = request(&[("user", "hi"), ("assistant", "hello")]);
        assert_eq!(
            fields(ends_with_answer.parse().unwrap_err()),
            ["messages[1].role"]
        );
    }

    #[test]
    fn too_many_turns_and_blank_or_long_turns_are_refused() {
        let long = "x".repeat(MAX_TURN_CHARS + 1);
        let mut turns = vec![("user", "q"); MAX_TURNS + 1];
        turns[1] = ("user", " ");
        turns[2] = ("user", &long);
        assert_eq!(
            fields(request(&turns).parse().unwrap_err()),
            ["messages", "messages[1].content", "messages[2].content"]
        );
        assert_eq!(fields(request(&[]).parse().unwrap_err()), ["messages"]);
        let exactly = "é".repeat(MAX_TURN_CHARS);
        assert!(request(&[("user", &exactly)]).parse().is_ok());
    }
}
