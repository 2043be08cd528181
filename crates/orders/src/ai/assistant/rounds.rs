//! The tool loop: the model asks for tools, they run as the caller, their results go back as
//! `tool` messages, until the model answers in words. Bounded in rounds, in calls per round,
//! in the size of each result and argument, and in time: the whole answer within its budget.

use serde_json::Value;
use tokio::time::timeout_at;

use super::{
    cap::capped,
    model::{ChatAnswer, Proposal, ToolUse},
    run::{execute, ToolError},
    tools::{self, Tool},
    Ctx,
};
use crate::ai::{
    provider::{Message, ToolCall, Tools},
    AiError,
};

/// Rounds of tool calls before the model must answer.
pub const MAX_ROUNDS: usize = 5;
/// Tool calls one round may make; more are refused.
const MAX_CALLS_PER_ROUND: usize = 8;
/// Calls of one round repeated back to the model (the rest refused in words); beyond this
/// they are dropped, so a model asking for thousands does not make every later request huge.
const MAX_CALLS_ANSWERED: usize = 2 * MAX_CALLS_PER_ROUND;
/// Bytes of a call id and characters of a tool name repeated back; longer ones are replaced.
const MAX_ID_BYTES: usize = 256;
const MAX_NAME_CHARS: usize = 64;
/// Characters of the words a model writes beside its tool calls, repeated back.
const MAX_ASIDE_CHARS: usize = 2000;
/// Bytes of one call's arguments.
const MAX_ARGUMENT_BYTES: usize = 4096;
const MAX_PROPOSALS: usize = 10;
const MAX_TOKENS: u32 = 800;
/// Tries per provider call (retryable failures only), within the answer's budget.
const ATTEMPTS: u32 = 2;

pub enum Finished {
    Answer(ChatAnswer),
    /// The provider or model does not take tools.
    NoTools,
}

pub async fn run(ctx: &Ctx<'_>, turns: Vec<Message>) -> Result<Finished, AiError> {
    let specs = tools::offered(ctx.staff);
    let mut messages = vec![Message::system(crate::ai::prompts::assistant(ctx.staff))];
    messages.extend(turns);
    let mut used = Vec::new();
    let mut proposals: Vec<Proposal> = Vec::new();
    for round in 0..=MAX_ROUNDS {
        let tools = Tools {
            specs: &specs,
            allowed: round < MAX_ROUNDS,
        };
        let reply = ctx
            .deps
            .ai
            .converse(
                &messages,
                &tools,
                MAX_TOKENS,
                ATTEMPTS,
                ctx.deadline.into_std(),
            )
            .await;
        let (reply, model) = match reply {
            Err(AiError::ToolsUnsupported(reason)) => {
                tracing::info!(%reason, "the AI provider takes no tools: answering from a snapshot");
                return Ok(Finished::NoTools);
            }
            other => other?,
        };
        if reply.tool_calls.is_empty() || !tools.allowed {
            let answer = reply
                .content
                .map(|c| c.trim().to_string())
                .filter(|c| !c.is_empty())
                .or_else(|| (!tools.allowed).then(|| out_of_rounds().to_string()))
                .ok_or_else(|| AiError::Failed("the AI provider sent an empty answer".into()))?;
            return Ok(Finished::Answer(ChatAnswer {
                answer,
                tools_used: used,
                proposals,
                model,
                generated_at: chrono::Utc::now(),
            }));
        }
        let calls = &reply.tool_calls[..reply.tool_calls.len().min(MAX_CALLS_ANSWERED)];
        let echoed: Vec<ToolCall> = calls
            .iter()
            .enumerate()
            .map(|(i, call)| echo(round, i, call))
            .collect();
        let aside = reply
            .content
            .map(|c| c.chars().take(MAX_ASIDE_CHARS).collect());
        messages.push(Message::tool_request(aside, echoed.clone()));
        for (i, (call, echoed)) in calls.iter().zip(&echoed).enumerate() {
            let result = if i < MAX_CALLS_PER_ROUND {
                one_call(ctx, call, &mut used, &mut proposals).await?
            } else {
                refusal(format!(
                    "at most {MAX_CALLS_PER_ROUND} tool calls per round; ask again for the rest"
                ))
            };
            messages.push(Message::tool_result(&echoed.id, capped(&result)));
        }
    }
    // The last round offers no tools, so the loop always returns from inside.
    Err(AiError::Failed("the assistant ran out of rounds".into()))
}

/// The call as it is repeated back to the model: as it was, unless its id, name or
/// arguments are too big to repeat (such a call is refused, so its own words add nothing).
fn echo(round: usize, i: usize, call: &ToolCall) -> ToolCall {
    let mut echoed = call.clone();
    echoed.kind = "function".into();
    if call.id.is_empty() || call.id.len() > MAX_ID_BYTES {
        echoed.id = format!("call_{round}_{i}");
    }
    if call.function.name.chars().count() > MAX_NAME_CHARS {
        echoed.function.name = call.function.name.chars().take(MAX_NAME_CHARS).collect();
    }
    if call.function.arguments.len() > MAX_ARGUMENT_BYTES {
        echoed.function.arguments = "{}".into();
    }
    echoed
}

fn out_of_rounds() -> &'static str {
    "I could not finish looking this up within the tool calls allowed for one answer. Please ask something narrower."
}

fn refusal(message: String) -> Value {
    serde_json::json!({ "error": message })
}

/// Runs one call if this caller may, within the answer's deadline; its result as JSON.
async fn one_call(
    ctx: &Ctx<'_>,
    call: &ToolCall,
    used: &mut Vec<ToolUse>,
    proposals: &mut Vec<Proposal>,
) -> Result<Value, AiError> {
    let name = call.function.name.as_str();
    // Unknown and forbidden tools get the same answer: a customer learns nothing of staff tools.
    let Some(tool) = Tool::parse(name).filter(|t| t.allowed(ctx.staff)) else {
        tracing::info!(tool = %name.chars().take(64).collect::<String>(), staff = ctx.staff, "assistant tool refused");
        return Ok(refusal(format!(
            "there is no tool {:?} for this user",
            name.chars().take(64).collect::<String>()
        )));
    };
    if call.function.arguments.len() > MAX_ARGUMENT_BYTES {
        return Ok(refusal(format!(
            "the arguments are over {MAX_ARGUMENT_BYTES} bytes"
        )));
    }
    let arguments: Value = match call.function.arguments.trim() {
        "" => Value::Object(Default::default()),
        text => match serde_json::from_str(text) {
            Ok(v @ Value::Object(_)) => v,
            _ => return Ok(refusal("the arguments must be a JSON object".into())),
        },
    };
    used.push(ToolUse {
        name: tool.name().to_string(),
        arguments: arguments.clone(),
    });
    if proposals.len() >= MAX_PROPOSALS && tool.name().starts_with("propose_") {
        return Ok(refusal(format!(
            "at most {MAX_PROPOSALS} proposals per answer"
        )));
    }
    let done = timeout_at(ctx.deadline, execute(ctx, tool, &arguments))
        .await
        .map_err(|_| AiError::TimedOut)?;
    Ok(match done {
        Ok(done) => {
            proposals.extend(done.proposal);
            done.result
        }
        Err(e @ ToolError::Unavailable(_)) => {
            tracing::warn!(tool = tool.name(), error = %e, "assistant tool failed");
            refusal(e.to_string())
        }
        Err(e) => refusal(e.to_string()),
    })
}
