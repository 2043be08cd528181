//! Waiting for what is truly asynchronous (a breaker closing after a peer returns, a cache
//! refreshed in the background): check a condition again and again until it holds or a
//! deadline passes. Background work a test can drive itself (the AI queue, the sweeper) is
//! driven directly instead; see `TestSystem::background` and `orders::Background`.

use std::{future::Future, time::Duration};

use tokio::time::Instant;

/// Runs `check` until it returns `Some`, and returns that; panics with the last state seen
/// if `timeout` passes first. `check` returns `Err(state)` while waiting, so the panic can
/// say what was wrong rather than only that time ran out.
///
/// ```ignore
/// let summary = testkit::eventually(Duration::from_secs(10), || async {
///     let s = api.get("/api/orders/1").await.body["ai_summary"].clone();
///     if s["status"] == "ready" { Ok(s) } else { Err(s) }
/// }).await;
/// ```
pub async fn eventually<T, E, F, Fut>(timeout: Duration, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, E>>,
    E: std::fmt::Debug,
{
    let deadline = Instant::now() + timeout;
    // Fast at first (most conditions hold within milliseconds), then gentler on the system.
    let mut pause = Duration::from_millis(5);
    loop {
        match check().await {
            Ok(done) => return done,
            Err(state) if Instant::now() >= deadline => {
                panic!("still not so after {timeout:?}; last seen: {state:?}")
            }
            Err(_) => {}
        }
        tokio::time::sleep(pause).await;
        pause = (pause * 2).min(Duration::from_millis(100));
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicU32, Ordering};

    use super::*;

    #[tokio::test]
    async fn the_value_comes_back_once_the_condition_holds() {
        let calls = AtomicU32::new(0);
        let n = eventually(Duration::from_secs(5), || async {
            let n = calls.fetch_add(1, Ordering::SeqCst) + 1;
            if n >= 3 {
                Ok(n)
            } else {
                Err(n)
            }
        })
        .await;
        assert_eq!(n, 3);
    }

    #[tokio::test]
    #[should_panic(expected = "last seen: \"never\"")]
    async fn a_condition_that_never_holds_fails_with_what_was_seen() {
        eventually(Duration::from_millis(50), || async {
            Err::<(), _>("never")
        })
        .await;
    }
}
