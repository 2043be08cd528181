//! A webhook receiver for tests: keeps every request it gets and answers 500 to the first
//! `fail_first` of them, then 200, so a test sees a delivery fail, retry and recover.

use std::sync::{
    atomic::{AtomicUsize, Ordering},
    Arc, Mutex,
};

use axum::{
    body::Bytes,
    http::{HeaderMap, StatusCode},
    routing::post,
    Router,
};

/// One request as it arrived.
#[derive(Clone, Debug)]
pub struct Received {
    pub headers: HeaderMap,
    pub body: String,
    /// What it was answered.
    pub status: u16,
}

impl Received {
    pub fn header(&self, name: &str) -> String {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string()
    }
}

pub struct Receiver {
    pub url: String,
    received: Arc<Mutex<Vec<Received>>>,
    server: kernel::testing::Spawned,
}

impl Receiver {
    /// Listens on loopback at `/hook`, failing the first `fail_first` requests with 500.
    pub async fn start(fail_first: usize) -> Self {
        let received = Arc::new(Mutex::new(Vec::new()));
        let count = Arc::new(AtomicUsize::new(0));
        let kept = received.clone();
        let app = Router::new().route(
            "/hook",
            post(move |headers: HeaderMap, body: Bytes| {
                let (kept, count) = (kept.clone(), count.clone());
                async move {
                    let n = count.fetch_add(1, Ordering::SeqCst);
                    let status = if n < fail_first {
                        StatusCode::INTERNAL_SERVER_ERROR
                    } else {
                        StatusCode::OK
                    };
                    kept.lock().expect("the receiver's lock").push(Received {
                        headers,
                        body: String::from_utf8_lossy(&body).into_owned(),
                        status: status.as_u16(),
                    });
                    status
                }
            }),
        );
        let server = kernel::testing::spawn(app).await;
        Self {
            url: format!("{}/hook", server.url()),
            received,
            server,
        }
    }

    pub fn received(&self) -> Vec<Received> {
        self.received.lock().expect("the receiver's lock").clone()
    }

    pub async fn stop(self) {
        self.server.stop().await;
    }
}
