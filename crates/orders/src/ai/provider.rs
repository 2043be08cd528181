//! One call to an OpenAI-compatible chat-completions API, with failures sorted into the
//! ones worth retrying (timeouts, connection errors, 429, 5xx) and the ones that are not.
//! A call may offer tools (`tools` / `tool_calls`); a provider or model that cannot take them
//! says so with a 4xx naming tools, which is told apart so the assistant can fall back.

use std::time::Duration;

use kernel::config::Secret;

use crate::config::AiConfig;
use serde::{Deserialize, Serialize};
use serde_json::Value;

#[derive(Debug, Clone, Serialize)]
pub struct Message {
    pub role: &'static str,
    /// `null` only on an assistant message that carries tool calls instead.
    pub content: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tool_calls: Vec<ToolCall>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tool_call_id: Option<String>,
}

impl Message {
    fn text(role: &'static str, content: impl Into<String>) -> Self {
        Self {
            role,
            content: Some(content.into()),
            tool_calls: Vec::new(),
            tool_call_id: None,
        }
    }
    pub fn system(content: impl Into<String>) -> Self {
        Self::text("system", content)
    }
    pub fn user(content: impl Into<String>) -> Self {
        Self::text("user", content)
    }
    pub fn assistant(content: impl Into<String>) -> Self {
        Self::text("assistant", content)
    }
    /// The model's own turn that asked for tools, repeated back to it with their results.
    pub fn tool_request(content: Option<String>, calls: Vec<ToolCall>) -> Self {
        Self {
            role: "assistant",
            content,
            tool_calls: calls,
            tool_call_id: None,
        }
    }
    /// A tool's result, answering the call with this id.
    pub fn tool_result(call_id: &str, content: String) -> Self {
        Self {
            role: "tool",
            content: Some(content),
            tool_calls: Vec::new(),
            tool_call_id: Some(call_id.to_string()),
        }
    }
}

/// A tool call as the wire carries it: the arguments are a JSON document in a string.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ToolCall {
    pub id: String,
    #[serde(rename = "type", default = "function")]
    pub kind: String,
    pub function: FunctionCall,
}

fn function() -> String {
    "function".into()
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FunctionCall {
    pub name: String,
    #[serde(default)]
    pub arguments: String,
}

/// What the model answered: text, tool calls, or (rarely) both.
#[derive(Debug, Clone, Default)]
pub struct Reply {
    pub content: Option<String>,
    pub tool_calls: Vec<ToolCall>,
}

/// Tools offered with a call, and whether the model may use them this round.
pub struct Tools<'a> {
    pub specs: &'a [Value],
    /// `false` on the last round: the model must answer in words.
    pub allowed: bool,
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
    /// The provider is working but refused this request (400, 413, 422): e.g. a conversation
    /// too long for the model. Not the provider's health, so it must not open the breaker,
    /// or one caller's long questions would pause the AI for everyone.
    #[error("{0}")]
    Rejected(String),
    /// The provider (or the model) does not take `tools`.
    #[error("the AI provider does not support tools ({0})")]
    ToolsUnsupported(String),
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
    #[serde(default)]
    tool_calls: Option<Vec<ToolCall>>,
}

/// How much of a refusal's body is read to see whether it is about tools.
const REFUSAL_READ: usize = 4096;
/// Bytes of a completion, at most. An answer is at most `max_tokens` (under a thousand) of
/// text or tool calls: a few KB. A provider sending more is broken, and reading it whole
/// would let it take as much memory as it likes.
pub const MAX_COMPLETION_BYTES: usize = 256 * 1024;

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

    /// A completion in words, without tools, within `budget` when given.
    pub async fn chat(
        &self,
        messages: &[Message],
        max_tokens: u32,
        budget: Option<Duration>,
    ) -> Result<String, CallError> {
        let reply = self.call(messages, None, max_tokens, budget).await?;
        reply
            .content
            .map(|c| c.trim().to_string())
            .filter(|c| !c.is_empty())
            .ok_or_else(|| CallError::Fatal("the AI provider sent an empty answer".into()))
    }

    /// One call, with tools when given, within `budget` when given (else the configured timeout).
    pub async fn call(
        &self,
        messages: &[Message],
        tools: Option<&Tools<'_>>,
        max_tokens: u32,
        budget: Option<Duration>,
    ) -> Result<Reply, CallError> {
        let mut body = serde_json::json!({
            "model": self.model,
            "messages": messages,
            "temperature": 0.2,
            "max_tokens": max_tokens,
        });
        if let Some(tools) = tools {
            body["tools"] = Value::Array(tools.specs.to_vec());
            body["tool_choice"] = if tools.allowed { "auto" } else { "none" }.into();
        }
        let mut request = self
            .http
            .post(&self.url)
            .bearer_auth(self.key.expose())
            .header("X-Title", "Stockroom")
            .json(&body);
        if let Some(budget) = budget {
            request = request.timeout(budget);
        }
        let response = request.send().await.map_err(|e| CallError::Retryable {
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
            let refusal = format!("the AI provider refused the request ({status})");
            let this_request = matches!(status.as_u16(), 400 | 413 | 422);
            if tools.is_some() && refuses_tools(response).await {
                return Err(CallError::ToolsUnsupported(refusal));
            }
            return Err(if this_request {
                CallError::Rejected(refusal)
            } else {
                CallError::Fatal(refusal)
            });
        }
        let body = read_capped(response).await?;
        let completion: Completion =
            serde_json::from_slice(&body).map_err(|e| CallError::Retryable {
                reason: format!("the AI provider sent an unreadable answer: {e}"),
                retry_after: None,
            })?;
        let message = completion
            .choices
            .into_iter()
            .next()
            .map(|c| c.message)
            .ok_or_else(|| CallError::Fatal("the AI provider sent no choice".into()))?;
        Ok(Reply {
            content: message.content,
            tool_calls: message.tool_calls.unwrap_or_default(),
        })
    }
}

/// The body of a completion, refused once it passes [`MAX_COMPLETION_BYTES`] (without
/// reading the rest).
async fn read_capped(mut response: reqwest::Response) -> Result<Vec<u8>, CallError> {
    let too_big = || {
        CallError::Fatal(format!(
            "the AI provider sent an answer over {} KB",
            MAX_COMPLETION_BYTES / 1024
        ))
    };
    if response
        .content_length()
        .is_some_and(|n| n > MAX_COMPLETION_BYTES as u64)
    {
        return Err(too_big());
    }
    let mut body = Vec::new();
    loop {
        match response.chunk().await {
            Ok(Some(chunk)) if body.len() + chunk.len() > MAX_COMPLETION_BYTES => {
                return Err(too_big())
            }
            Ok(Some(chunk)) => body.extend_from_slice(&chunk),
            Ok(None) => return Ok(body),
            Err(e) => {
                return Err(CallError::Retryable {
                    reason: if e.is_timeout() {
                        "the AI provider timed out".into()
                    } else {
                        format!("the AI provider's answer broke off: {e}")
                    },
                    retry_after: None,
                })
            }
        }
    }
}

/// A refusal that says tools are not supported: OpenAI-compatible providers answer 400
/// ("tools are not supported"), Ollama "does not support tools", vLLM asks for
/// `--enable-auto-tool-choice`, OpenRouter 404 ("no endpoints found that support tool use").
/// Merely naming tools is not enough: OpenRouter's "maximum context length" refusal counts
/// "tool input", and taking that for a refusal of tools would switch them off for everyone.
async fn refuses_tools(mut response: reqwest::Response) -> bool {
    if !matches!(response.status().as_u16(), 400 | 404 | 422) {
        return false;
    }
    let mut read = Vec::new();
    while read.len() < REFUSAL_READ {
        match response.chunk().await {
            Ok(Some(chunk)) => read.extend_from_slice(&chunk),
            _ => break,
        }
    }
    says_no_tools(&String::from_utf8_lossy(&read))
}

fn says_no_tools(refusal: &str) -> bool {
    let text = refusal.to_ascii_lowercase();
    text.contains("tool")
        && [
            "support",
            "enable-auto-tool-choice",
            "not allowed",
            "not enabled",
        ]
        .iter()
        .any(|words| text.contains(words))
}

#[cfg(test)]
mod tests {
    use super::says_no_tools;

    #[test]
    fn only_refusals_of_tools_count_as_such() {
        for no in [
            r#"{"error": {"message": "tools are not supported by this model"}}"#,
            r#"{"error": {"message": "No endpoints found that support tool use."}}"#,
            r#"{"error": "registry.ollama.ai/library/gemma:2b does not support tools"}"#,
            r#"{"message": "\"auto\" tool choice requires --enable-auto-tool-choice and --tool-call-parser to be set"}"#,
        ] {
            assert!(says_no_tools(no), "{no}");
        }
        for other in [
            r#"{"error": {"message": "This endpoint's maximum context length is 8192 tokens. However, you requested about 9100 tokens (8000 of text input, 1100 of tool input)."}}"#,
            r#"{"error": {"message": "Invalid 'messages[3].tool_call_id'"}}"#,
        ] {
            assert!(!says_no_tools(other), "{other}");
        }
    }
}
