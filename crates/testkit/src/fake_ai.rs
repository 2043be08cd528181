//! A fake OpenAI-compatible provider the tests control: fast, slow, failing with 500 or 429,
//! answering garbage, hanging forever, or closing the connection. It records every request it
//! receives ([`FakeAi::prompts`], [`FakeAi::conversations`], [`FakeAi::requests`]) and echoes
//! the last user message's first line in its answer. Tool-calling rounds are scripted with
//! [`FakeAi::script`]: each request takes the next [`Step`] (ask for tools, answer, refuse,
//! hang) before the behaviour applies again.

use std::{
    collections::VecDeque,
    sync::{Arc, Mutex},
    time::Duration,
};

use serde_json::{json, Value};

use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::{TcpListener, TcpStream},
};

#[derive(Clone, Debug, PartialEq)]
pub enum Behaviour {
    Fast,
    Slow(Duration),
    Status(u16),
    TooManyRequests,
    Malformed,
    Hang,
    Close,
    /// Holds every call until [`FakeAi::release`], then answers as `Fast`.
    Held,
    /// A provider whose model takes no tools: a request offering tools gets 400 saying so;
    /// one without tools is answered as `Fast`.
    NoTools,
}

/// One scripted answer, used by one request, in order.
#[derive(Clone, Debug)]
pub enum Step {
    /// Asks for these tool calls: `(name, arguments)`.
    Call(Vec<(String, Value)>),
    /// Asks for one tool call with arguments that are not JSON text as given.
    RawCall(String, String),
    /// Answers in words.
    Answer(String),
    /// Answers with this status and JSON body.
    Refuse(u16, Value),
    /// Answers 200 with exactly this body, however big or odd.
    Body(String),
    /// Never answers.
    Hang,
}

impl Step {
    /// Asks for one tool.
    pub fn call(name: &str, arguments: Value) -> Self {
        Step::Call(vec![(name.to_string(), arguments)])
    }
    pub fn answer(text: &str) -> Self {
        Step::Answer(text.to_string())
    }
}

#[derive(Default)]
struct State {
    behaviour: Option<Behaviour>,
    prompts: Vec<String>,
    released: Option<tokio::sync::watch::Sender<bool>>,
    script: VecDeque<Step>,
}

#[derive(Clone)]
pub struct FakeAi {
    pub url: String,
    state: Arc<Mutex<State>>,
}

impl FakeAi {
    pub async fn start(behaviour: Behaviour) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind the fake AI provider");
        let url = format!("http://{}/v1", listener.local_addr().expect("address"));
        let (released, _) = tokio::sync::watch::channel(false);
        let state = Arc::new(Mutex::new(State {
            behaviour: Some(behaviour),
            prompts: Vec::new(),
            released: Some(released),
            script: VecDeque::new(),
        }));
        let shared = state.clone();
        tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                tokio::spawn(serve(socket, shared.clone()));
            }
        });
        Self { url, state }
    }

    pub fn set(&self, behaviour: Behaviour) {
        self.state.lock().expect("fake AI state").behaviour = Some(behaviour);
    }

    /// Lets every held call (and later ones) answer.
    pub fn release(&self) {
        if let Some(tx) = &self.state.lock().expect("fake AI state").released {
            let _ = tx.send(true);
        }
    }

    /// Every request body received so far.
    pub fn prompts(&self) -> Vec<String> {
        self.state.lock().expect("fake AI state").prompts.clone()
    }

    /// Queues answers for the next requests, one each, before the behaviour applies again.
    pub fn script(&self, steps: impl IntoIterator<Item = Step>) {
        self.state
            .lock()
            .expect("fake AI state")
            .script
            .extend(steps);
    }

    /// Scripted answers not used yet.
    pub fn unused_steps(&self) -> usize {
        self.state.lock().expect("fake AI state").script.len()
    }

    /// Every request received so far, as JSON.
    pub fn requests(&self) -> Vec<Value> {
        self.prompts()
            .iter()
            .map(|body| serde_json::from_str(body).unwrap_or_default())
            .collect()
    }

    /// The messages of every request received so far, as `(role, content)` pairs, so a test
    /// can check what went into the system message and what into the data.
    pub fn conversations(&self) -> Vec<Vec<(String, String)>> {
        self.prompts()
            .iter()
            .map(|body| {
                let request: serde_json::Value = serde_json::from_str(body).unwrap_or_default();
                request["messages"]
                    .as_array()
                    .map(|messages| {
                        messages
                            .iter()
                            .map(|m| {
                                let text = |k: &str| m[k].as_str().unwrap_or("").to_string();
                                (text("role"), text("content"))
                            })
                            .collect()
                    })
                    .unwrap_or_default()
            })
            .collect()
    }
}

/// The JSON document between `<tag>` and `</tag>` in a prompt, parsed: what the model was
/// given as data.
pub fn data_block(content: &str, tag: &str) -> Option<serde_json::Value> {
    let open = format!("<{tag}>");
    let close = format!("</{tag}>");
    let start = content.find(&open)? + open.len();
    let end = start + content[start..].find(&close)?;
    serde_json::from_str(content[start..end].trim()).ok()
}

async fn serve(mut socket: TcpStream, state: Arc<Mutex<State>>) {
    let Some(body) = read_request(&mut socket).await else {
        return;
    };
    let (behaviour, mut released, step, round) = {
        let mut s = state.lock().expect("fake AI state");
        s.prompts.push(body.clone());
        let released = s.released.as_ref().map(|tx| tx.subscribe());
        let step = s.script.pop_front();
        (
            s.behaviour.clone().unwrap_or(Behaviour::Fast),
            released,
            step,
            s.prompts.len(),
        )
    };
    let reply = |status: &str, extra: &str, body: &str| {
        format!("HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n{extra}\r\n{body}", body.len())
    };
    if let Some(step) = step {
        let response = match step {
            Step::Call(calls) => {
                let calls = calls
                    .into_iter()
                    .map(|(name, args)| (name, args.to_string()))
                    .collect();
                reply("200 OK", "", &tool_calls(round, calls))
            }
            Step::RawCall(name, args) => {
                reply("200 OK", "", &tool_calls(round, vec![(name, args)]))
            }
            Step::Answer(text) => reply("200 OK", "", &answer(&text)),
            Step::Refuse(code, body) => reply(&format!("{code} Refused"), "", &body.to_string()),
            Step::Body(body) => reply("200 OK", "", &body),
            Step::Hang => {
                std::future::pending::<()>().await;
                return;
            }
        };
        let _ = socket.write_all(response.as_bytes()).await;
        let _ = socket.shutdown().await;
        return;
    }
    let offers_tools = serde_json::from_str::<Value>(&body)
        .map(|b| b.get("tools").is_some())
        .unwrap_or(false);
    let response = match behaviour {
        Behaviour::NoTools if offers_tools => reply(
            "400 Bad Request",
            "",
            r#"{"error": {"message": "tools are not supported by this model", "code": 400}}"#,
        ),
        Behaviour::NoTools => reply("200 OK", "", &completion(&body)),
        Behaviour::Fast => reply("200 OK", "", &completion(&body)),
        Behaviour::Slow(d) => {
            tokio::time::sleep(d).await;
            reply("200 OK", "", &completion(&body))
        }
        Behaviour::Status(code) => reply(&format!("{code} Error"), "", "{\"error\": \"boom\"}"),
        Behaviour::TooManyRequests => reply(
            "429 Too Many Requests",
            "retry-after: 0\r\n",
            "{\"error\": \"slow down\"}",
        ),
        Behaviour::Malformed => reply("200 OK", "", "{\"choices\": [ this is not json"),
        Behaviour::Hang => {
            std::future::pending::<()>().await;
            return;
        }
        Behaviour::Close => return,
        Behaviour::Held => {
            if let Some(rx) = released.as_mut() {
                let _ = rx.wait_for(|r| *r).await;
            }
            reply("200 OK", "", &completion(&body))
        }
    };
    let _ = socket.write_all(response.as_bytes()).await;
    let _ = socket.shutdown().await;
}

/// A completion asking for tool calls `(name, arguments as JSON text)`.
fn tool_calls(round: usize, calls: Vec<(String, String)>) -> String {
    let calls: Vec<Value> = calls
        .into_iter()
        .enumerate()
        .map(|(i, (name, arguments))| {
            json!({"id": format!("call_{round}_{i}"), "type": "function",
                   "function": {"name": name, "arguments": arguments}})
        })
        .collect();
    json!({"choices": [{"message": {"role": "assistant", "content": null, "tool_calls": calls},
                        "finish_reason": "tool_calls"}]})
    .to_string()
}

fn answer(text: &str) -> String {
    json!({"choices": [{"message": {"role": "assistant", "content": text}, "finish_reason": "stop"}]})
        .to_string()
}

/// The names of the tools a request offered.
pub fn offered_tools(request: &Value) -> Vec<String> {
    request["tools"]
        .as_array()
        .map(|tools| {
            tools
                .iter()
                .filter_map(|t| t["function"]["name"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// The `tool` messages of a request, in order: `(tool_call_id, content)`.
pub fn tool_results(request: &Value) -> Vec<(String, String)> {
    request["messages"]
        .as_array()
        .map(|messages| {
            messages
                .iter()
                .filter(|m| m["role"] == "tool")
                .map(|m| {
                    (
                        m["tool_call_id"].as_str().unwrap_or("").to_string(),
                        m["content"].as_str().unwrap_or("").to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

/// An answer built from the prompt, so tests can see it used the real order.
fn completion(request: &str) -> String {
    let prompt: serde_json::Value = serde_json::from_str(request).unwrap_or_default();
    let user = prompt["messages"]
        .as_array()
        .and_then(|m| m.iter().rev().find(|m| m["role"] == "user"))
        .and_then(|m| m["content"].as_str())
        .unwrap_or("")
        .to_string();
    let first_line = user.lines().next().unwrap_or("").to_string();
    let content = serde_json::json!({"summary": format!("Summary of: {first_line}"), "customer_message": "Thank you for your order!"});
    serde_json::json!({"choices": [{"message": {"role": "assistant", "content": content.to_string()}}]}).to_string()
}

async fn read_request(socket: &mut TcpStream) -> Option<String> {
    let mut buffer = Vec::new();
    let mut chunk = [0u8; 8192];
    loop {
        let n = socket.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buffer.extend_from_slice(&chunk[..n]);
        let text = String::from_utf8_lossy(&buffer);
        if let Some(end) = text.find("\r\n\r\n") {
            let length = text[..end]
                .lines()
                .find_map(|l| {
                    l.to_ascii_lowercase()
                        .strip_prefix("content-length:")
                        .map(|v| v.trim().parse::<usize>().unwrap_or(0))
                })
                .unwrap_or(0);
            if buffer.len() >= end + 4 + length {
                return Some(
                    String::from_utf8_lossy(&buffer[end + 4..end + 4 + length]).into_owned(),
                );
            }
        }
    }
}
