//! Password hashing with a bounded queue.
//!
//! argon2 is deliberately slow (tens of milliseconds and 19 MiB per call). Unbounded, a
//! flood of sign-ins or registrations queues work faster than the threads finish it, and
//! every honest sign-in waits behind the flood. Here at most `threads + queue` hashes are
//! admitted; beyond that the caller gets 503 with Retry-After at once, without waiting.

use std::sync::{Arc, LazyLock};

use argon2::{
    password_hash::{phc::PasswordHash, PasswordHasher, PasswordVerifier},
    Argon2,
};
use kernel::{AppError, Problem, Result};
use tokio::sync::Semaphore;

/// Seconds a client is asked to wait when the queue is full: hashes finish in well under that.
const RETRY_AFTER_SECS: u64 = 1;

/// One thread per CPU. On tokio's blocking pool the threads come and go and the allocator
/// keeps a 19 MiB block per thread it ever saw (measured: 2.4 GB, then 508 MB, after 32
/// parallel sign-ins); a fixed pool keeps that to one block per CPU.
static THREADS: LazyLock<rayon::ThreadPool> = LazyLock::new(|| {
    rayon::ThreadPoolBuilder::new()
        .num_threads(thread_count())
        .thread_name(|i| format!("argon2-{i}"))
        .build()
        .unwrap_or_else(|e| panic!("cannot start the password-hashing threads: {e}"))
});

fn thread_count() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(2)
}

/// Admits password work up to the hashing threads plus `queue` waiting; cheap to clone.
#[derive(Clone)]
pub struct Hasher {
    slots: Arc<Semaphore>,
}

impl Hasher {
    pub fn new(queue: usize) -> Self {
        let slots = (thread_count() + queue).min(Semaphore::MAX_PERMITS);
        Self {
            slots: Arc::new(Semaphore::new(slots)),
        }
    }

    /// An argon2id hash in PHC string form, with a fresh salt.
    pub async fn hash(&self, password: String) -> Result<String> {
        self.run(move || {
            Argon2::default()
                .hash_password(password.as_bytes())
                .map(|h: PasswordHash| h.to_string())
                .map_err(AppError::internal)
        })
        .await?
    }

    /// Whether `password` matches the stored `hash`.
    pub async fn verify(&self, password: String, hash: String) -> Result<bool> {
        self.run(move || {
            let parsed = PasswordHash::new(&hash).map_err(AppError::internal)?;
            Ok(Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok())
        })
        .await?
    }

    /// Runs `f` on a hashing thread, or refuses at once when the queue is full. The slot is
    /// held until the work is done, even when the client has gone: it bounds the work itself.
    async fn run<T: Send + 'static>(&self, f: impl FnOnce() -> T + Send + 'static) -> Result<T> {
        let slot = self.slots.clone().try_acquire_owned().map_err(|_| busy())?;
        let (done, result) = tokio::sync::oneshot::channel();
        THREADS.spawn(move || {
            let _ = done.send(f());
            drop(slot);
        });
        result.await.map_err(AppError::internal)
    }
}

/// Whether `error` is the refusal of a full queue (nothing was checked).
pub fn is_busy(error: &AppError) -> bool {
    matches!(error, AppError::Problem(p) if p.kind == "/problems/busy")
}

fn busy() -> AppError {
    metrics::counter!("auth_password_hash_refused_total").increment(1);
    AppError::Problem(Box::new(
        Problem::new(
            axum::http::StatusCode::SERVICE_UNAVAILABLE,
            "busy",
            "Too many sign-ins at once",
        )
        .detail("too many sign-ins and registrations are being checked right now; try again in a moment")
        .retry_after(RETRY_AFTER_SECS),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_full_queue_refuses_at_once_and_frees_its_slots_when_done() {
        let hasher = Hasher::new(0);
        let capacity = thread_count();
        let gate = Arc::new(std::sync::Barrier::new(capacity + 1));
        let held: Vec<_> = (0..capacity)
            .map(|_| {
                let (hasher, gate) = (hasher.clone(), gate.clone());
                tokio::spawn(async move { hasher.run(move || gate.wait()).await.map(|_| ()) })
            })
            .collect();
        // Every slot is taken once no permit is left; only then is the next call refused.
        while hasher.slots.available_permits() > 0 {
            tokio::task::yield_now().await;
        }
        let refused = hasher.run(|| ()).await.expect_err("the queue is full");
        assert!(is_busy(&refused));
        assert_eq!(refused.to_problem().status, 503);
        assert_eq!(
            refused.to_problem().retry_after_secs,
            Some(RETRY_AFTER_SECS)
        );
        gate.wait();
        for h in held {
            h.await.expect("task").expect("admitted work finishes");
        }
        assert!(hasher
            .verify("pw".into(), hasher.hash("pw".into()).await.unwrap())
            .await
            .unwrap());
    }
}
