//! A provider (or a caller) misbehaving on purpose: a giant answer, a flood of tool calls
//! with giant ids and arguments, an oversized conversation whose refusal mentions tools, and
//! a caller hanging up while the breaker's probe is out. None of them may cost memory
//! without bound, switch tools off for everyone, or leave the AI paused for good.

use std::time::Duration;

use serde_json::json;
use testkit::{
    eventually,
    fake_ai::{offered_tools, tool_results, Behaviour, FakeAi, Step},
};

use crate::assistant::{ask, assistant_system, chat, BUDGET};

#[tokio::test]
async fn a_giant_provider_answer_is_refused_not_passed_on() {
    let fake = FakeAi::start(Behaviour::Fast).await;
    let (sys, staff, _) = assistant_system(&fake, BUDGET, |_| {}).await;
    fake.script([Step::answer(&"x".repeat(8 * 1024 * 1024))]);
    let refused = chat(&sys, &staff)
        .post("/api/ai/chat", ask("hi"))
        .await
        .expect_problem(503);
    assert_eq!(refused.problem_type(), "/problems/ai-unavailable");
    assert_eq!(
        fake.requests().len(),
        1,
        "an oversized answer is not asked for again"
    );
}

#[tokio::test]
async fn a_flood_of_tool_calls_is_not_echoed_back_whole() {
    let fake = FakeAi::start(Behaviour::Fast).await;
    let (sys, staff, _) = assistant_system(&fake, BUDGET, |_| {}).await;
    // Thousands of calls in one round, then one call with a 60 KB id and 60 KB of arguments.
    fake.script([
        Step::Call(
            (0..2000)
                .map(|i| ("get_product".to_string(), json!({"sku": format!("S-{i}")})))
                .collect(),
        ),
        Step::Body(
            json!({"choices": [{"message": {"role": "assistant", "content": null, "tool_calls": [
                {"id": "i".repeat(60_000), "type": "function",
                 "function": {"name": "search_products",
                              "arguments": json!({"q": "q".repeat(60_000)}).to_string()}}]}}]})
            .to_string(),
        ),
        Step::answer("Done."),
    ]);
    let answer = chat(&sys, &staff)
        .post("/api/ai/chat", ask("Everything, please"))
        .await
        .expect(200)
        .body;
    assert_eq!(answer["answer"], "Done.");
    assert_eq!(answer["tools_used"].as_array().unwrap().len(), 8);
    let requests = fake.requests();
    assert_eq!(requests.len(), 3);
    for request in &requests[1..] {
        let size = request.to_string().len();
        assert!(size < 48 * 1024, "a request of {size} bytes");
        // Every call echoed is answered, by its own id, and nothing else is.
        let asked: Vec<String> = request["messages"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|m| m["tool_calls"].as_array().cloned().unwrap_or_default())
            .map(|c| c["id"].as_str().unwrap().to_string())
            .collect();
        let answered: Vec<String> = tool_results(request)
            .into_iter()
            .map(|(id, _)| id)
            .collect();
        assert_eq!(asked, answered);
    }
    let last = tool_results(&requests[2]);
    assert!(
        last.last().unwrap().1.contains("over 4096 bytes"),
        "{:?}",
        last.last()
    );
}

#[tokio::test]
async fn an_oversized_conversation_neither_switches_tools_off_nor_pauses_the_ai() {
    let fake = FakeAi::start(Behaviour::Fast).await;
    let (sys, staff, customer) = assistant_system(&fake, BUDGET, |c| {
        c.orders.ai.breaker_threshold = 2;
        c.orders.ai.breaker_cooldown = Duration::from_secs(60);
    })
    .await;
    // OpenRouter's words for a conversation too long for the model: they mention tools.
    let too_long = json!({"error": {"code": 400, "message": "This endpoint's maximum context length is 8192 tokens. However, you requested about 9100 tokens (8000 of text input, 1100 of tool input). Please reduce the length of either one."}});
    fake.script((0..3).map(|_| Step::Refuse(400, too_long.clone())));
    for _ in 0..3 {
        let refused = chat(&sys, &customer)
            .post("/api/ai/chat", ask("a very long question"))
            .await
            .expect_problem(503);
        assert!(
            refused.body["detail"].as_str().unwrap().contains("refused"),
            "{}",
            refused.body
        );
    }
    fake.script([Step::answer("Fine.")]);
    let answer = chat(&sys, &staff)
        .post("/api/ai/chat", ask("What is low?"))
        .await
        .expect(200)
        .body;
    assert_eq!(answer["answer"], "Fine.");
    let requests = fake.requests();
    assert_eq!(
        requests.len(),
        4,
        "one call per question, no snapshot retry"
    );
    assert!(
        !offered_tools(requests.last().unwrap()).is_empty(),
        "tools are still offered"
    );
}

#[tokio::test]
async fn a_caller_hanging_up_during_the_breakers_probe_does_not_pause_the_ai_for_good() {
    let fake = FakeAi::start(Behaviour::Status(500)).await;
    let (sys, staff, _) = assistant_system(&fake, BUDGET, |c| {
        c.orders.ai.breaker_threshold = 1;
        c.orders.ai.breaker_cooldown = Duration::from_millis(300);
    })
    .await;
    chat(&sys, &staff)
        .post("/api/ai/chat", ask("hi"))
        .await
        .expect_problem(503);
    let status = chat(&sys, &staff);
    eventually(Duration::from_secs(5), || async {
        let breaker = status.get("/api/ai/status").await.expect(200).body["breaker"].clone();
        if breaker == "half_open" {
            Ok(())
        } else {
            Err(breaker)
        }
    })
    .await;
    // The probe hangs, and its caller gives up and hangs up.
    fake.set(Behaviour::Hang);
    let before = fake.prompts().len();
    let hung_up = chat(&sys, &staff)
        .request(reqwest::Method::POST, "/api/ai/chat")
        .json(&ask("hello?"))
        .timeout(Duration::from_millis(300))
        .send()
        .await;
    assert!(hung_up.is_err(), "the caller gave up");
    assert!(fake.prompts().len() > before, "the probe went out");
    // The provider is back: a question is answered again, not refused as paused forever.
    fake.set(Behaviour::Fast);
    let api = chat(&sys, &staff);
    eventually(Duration::from_secs(5), || async {
        let reply = api.post("/api/ai/chat", ask("and now?")).await;
        if reply.status == 200 {
            Ok(())
        } else {
            Err(reply.body)
        }
    })
    .await;
}
