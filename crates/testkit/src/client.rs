//! A small HTTP client for tests: one method per verb, replies as status + headers + JSON.

use reqwest::{header::HeaderMap, Method, StatusCode};
use serde_json::Value;

#[derive(Clone)]
pub struct Api {
    base: String,
    http: reqwest::Client,
    token: Option<String>,
}

/// A reply, with its body parsed as JSON when it is JSON.
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Value,
    pub text: String,
}

impl Reply {
    /// The problem `type` of an error reply.
    pub fn problem_type(&self) -> &str {
        self.body["type"].as_str().unwrap_or("")
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// Asserts the status, printing the body when it differs.
    #[track_caller]
    pub fn expect(self, status: u16) -> Self {
        assert_eq!(
            self.status.as_u16(),
            status,
            "unexpected status; body: {}",
            self.text
        );
        self
    }

    /// Asserts an error reply is problem+json with the given status.
    #[track_caller]
    pub fn expect_problem(self, status: u16) -> Self {
        let reply = self.expect(status);
        assert_eq!(
            reply.header("content-type"),
            Some("application/problem+json"),
            "error bodies are problem+json: {}",
            reply.text
        );
        assert_eq!(
            reply.body["status"], status,
            "problem status matches: {}",
            reply.text
        );
        assert!(
            reply.body["request_id"].is_string(),
            "problem has a request id: {}",
            reply.text
        );
        reply
    }
}

impl Api {
    pub fn new(base: String) -> Self {
        let http = reqwest::Client::builder()
            .timeout(std::time::Duration::from_secs(30))
            .build()
            .expect("build a reqwest client");
        Self {
            base,
            http,
            token: None,
        }
    }

    /// The same client, sending `Authorization: Bearer token`.
    pub fn with_token(&self, token: &str) -> Self {
        Self {
            token: Some(token.to_string()),
            ..self.clone()
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub fn request(&self, method: Method, path: &str) -> reqwest::RequestBuilder {
        let builder = self.http.request(method, self.url(path));
        match &self.token {
            Some(t) => builder.bearer_auth(t),
            None => builder,
        }
    }

    pub async fn send(builder: reqwest::RequestBuilder) -> Reply {
        let response = builder
            .send()
            .await
            .expect("the request reached the server");
        let status = response.status();
        let headers = response.headers().clone();
        let text = response.text().await.unwrap_or_default();
        let body = serde_json::from_str(&text).unwrap_or(Value::Null);
        Reply {
            status,
            headers,
            body,
            text,
        }
    }

    pub async fn get(&self, path: &str) -> Reply {
        Self::send(self.request(Method::GET, path)).await
    }

    /// Every item of a paged list (`items` / `next_cursor`), 100 a page; any answer but 200
    /// fails the test.
    pub async fn all_items(&self, path: &str) -> Vec<Value> {
        let mut items = Vec::new();
        let mut cursor: Option<String> = None;
        let sep = if path.contains('?') { '&' } else { '?' };
        loop {
            let url = match &cursor {
                Some(c) => format!("{path}{sep}limit=100&cursor={c}"),
                None => format!("{path}{sep}limit=100"),
            };
            let page = self.get(&url).await.expect(200);
            items.extend(page.body["items"].as_array().cloned().unwrap_or_default());
            match page.body["next_cursor"].as_str() {
                Some(next) => cursor = Some(next.to_string()),
                None => return items,
            }
        }
    }

    pub async fn post(&self, path: &str, body: Value) -> Reply {
        Self::send(self.request(Method::POST, path).json(&body)).await
    }

    pub async fn patch(&self, path: &str, body: Value) -> Reply {
        Self::send(self.request(Method::PATCH, path).json(&body)).await
    }

    pub async fn delete(&self, path: &str) -> Reply {
        Self::send(self.request(Method::DELETE, path)).await
    }

    /// A raw body with a content type, for malformed-input tests.
    pub async fn post_raw(
        &self,
        path: &str,
        content_type: &str,
        body: impl Into<reqwest::Body>,
    ) -> Reply {
        Self::send(
            self.request(Method::POST, path)
                .header("content-type", content_type)
                .body(body),
        )
        .await
    }
}
