//! One call to an OpenAI-compatible chat-completions API, with failures sorted into the
//! ones worth retrying (timeouts, connection errors, 429, 5xx) and the ones that are not.

use std::time::Duration;

use kernel::config::Secret;

use crate::config::AiConfig;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize)]
pub struct Message {
    pub role: &'static str,
    pub content: String,
}

impl Message {
    pub fn system(content: impl Into<String>) -> Self {
        Self {
            role: "system",
            content: content.into(),
        }
    }
    pub fn user(content: impl Into<String>) -> Self {
        Self {
            role: "user",
            content: content.into(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum CallError {
    #[error("{reason}")]
    Retryable {
        reason: String,
        retry_after: Option<Duration>,
    },
    #[error("{0}")]
    Fatal(String),
}

pub struct Provider {
    http: reqwest::Client,
    url: String,
    key: Secret,
    pub model: String,
    pub host: String,
}

#[derive(Deserialize)]
struct Completion {
    choices: Vec<Choice>,
}

#[derive(Deserialize)]
struct Choice {
    message: ChoiceMessage,
}

#[derive(Deserialize)]
struct ChoiceMessage {
    content: Option<String>,
}

impl Provider {
    pub fn new(config: &AiConfig, key: Secret) -> Self {
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(2).min(config.timeout))
            .timeout(config.timeout)
            .build()
            .unwrap_or_else(|_| reqwest::Client::new());
        let base = config.base_url.trim_end_matches('/');
        let host = reqwest::Url::parse(base)
            .ok()
            .and_then(|u| u.host_str().map(str::to_string))
            .unwrap_or_default();
        Self {
            http,
            url: format!("{base}/chat/completions"),
            key,
            model: config.model.clone(),
            host,
        }
    }

    pub async fn chat(&self, messages: &[Message], max_tokens: u32) -> Result<String, CallError> {
        let body = serde_json::json!({
            "model": self.model,
            "messages": messages,
            "temperature": 0.2,
            "max_tokens": max_tokens,
        });
        let response = self
            .http
            .post(&self.url)
            .bearer_auth(self.key.expose())
            .header("X-Title", "Stockroom")
            .json(&body)
            .send()
            .await
            .map_err(|e| CallError::Retryable {
                reason: if e.is_timeout() {
                    "the AI provider timed out".into()
                } else {
                    format!("the AI provider is unreachable: {e}")
                },
                retry_after: None,
            })?;
        let status = response.status();
        if status == reqwest::StatusCode::TOO_MANY_REQUESTS || status.is_server_error() {
            let retry_after = response
                .headers()
                .get(reqwest::header::RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse::<u64>().ok())
                .map(Duration::from_secs);
            return Err(CallError::Retryable {
                reason: format!("the AI provider answered {status}"),
                retry_after,
            });
        }
        if !status.is_success() {
            return Err(CallError::Fatal(format!(
                "the AI provider refused the request ({status})"
            )));
        }
        let completion: Completion = response.json().await.map_err(|e| CallError::Retryable {
            reason: format!("the AI provider sent an unreadable answer: {e}"),
            retry_after: None,
        })?;
        completion
            .choices
            .into_iter()
            .next()
            .and_then(|c| c.message.content)
            .map(|c| c.trim().to_string())
            .filter(|c| !c.is_empty())
            .ok_or_else(|| CallError::Fatal("the AI provider sent an empty answer".into()))
    }
}
