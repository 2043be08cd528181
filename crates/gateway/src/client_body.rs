//! The client's request body on its way upstream, watched: was it delivered in full, or how
//! did the client fail to deliver it? A service may only be blamed for not answering once it
//! has the whole request; a client that stalls its body is not the service failing.

use std::{
    pin::Pin,
    sync::{
        atomic::{AtomicU8, Ordering},
        Arc,
    },
    task::{ready, Context, Poll},
};

use axum::body::{Body, BodyDataStream, HttpBody};
use bytes::Bytes;
use futures::Stream;
use tokio::sync::Notify;

/// How the client's body went. Decided once: the first outcome stays.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Still being sent (or stalled by the client).
    Pending,
    /// Every byte has been handed to the upstream connection.
    Delivered,
    /// The client's body broke off or was malformed.
    Failed,
    /// Over the route's body limit.
    TooLarge,
}

impl Outcome {
    fn code(self) -> u8 {
        self as u8
    }

    fn of(code: u8) -> Self {
        [
            Outcome::Pending,
            Outcome::Delivered,
            Outcome::Failed,
            Outcome::TooLarge,
        ]
        .into_iter()
        .find(|o| o.code() == code)
        .unwrap_or(Outcome::Failed)
    }
}

struct Shared {
    outcome: AtomicU8,
    delivered: Notify,
}

impl Shared {
    fn settle(&self, outcome: Outcome) {
        let settled = self.outcome.compare_exchange(
            Outcome::Pending.code(),
            outcome.code(),
            Ordering::AcqRel,
            Ordering::Acquire,
        );
        if settled.is_ok() && outcome == Outcome::Delivered {
            // A permit is kept if nobody waits yet, so a later wait does not miss it.
            self.delivered.notify_one();
        }
    }
}

/// Watches what became of a body given to [`watch`].
pub struct Delivery(Arc<Shared>);

impl Delivery {
    pub fn outcome(&self) -> Outcome {
        Outcome::of(self.0.outcome.load(Ordering::Acquire))
    }

    /// Completes once the whole body was delivered; never, if it is not.
    pub async fn delivered(&self) {
        while self.outcome() != Outcome::Delivered {
            self.0.delivered.notified().await;
        }
    }
}

/// The body as a stream for the upstream request, and its [`Delivery`].
pub fn watch(body: Body) -> (Watched, Delivery) {
    let shared = Arc::new(Shared {
        outcome: AtomicU8::new(Outcome::Pending.code()),
        delivered: Notify::new(),
    });
    // With a known length the upstream connection stops asking once it has that many bytes,
    // so delivery is told by the count, not by the end of the stream.
    let remaining = body.size_hint().exact();
    if body.is_end_stream() || remaining == Some(0) {
        shared.settle(Outcome::Delivered);
    }
    let watched = Watched {
        inner: body.into_data_stream(),
        remaining,
        shared: shared.clone(),
    };
    (watched, Delivery(shared))
}

pub struct Watched {
    inner: BodyDataStream,
    remaining: Option<u64>,
    shared: Arc<Shared>,
}

impl Stream for Watched {
    type Item = Result<Bytes, std::io::Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        match ready!(Pin::new(&mut this.inner).poll_next(cx)) {
            Some(Ok(chunk)) => {
                if let Some(left) = this.remaining.as_mut() {
                    *left = left.saturating_sub(chunk.len() as u64);
                    if *left == 0 {
                        this.shared.settle(Outcome::Delivered);
                    }
                }
                Poll::Ready(Some(Ok(chunk)))
            }
            Some(Err(e)) => {
                this.shared.settle(failure(e.into_inner().as_ref()));
                Poll::Ready(Some(Err(std::io::Error::other(
                    "the client's request body failed",
                ))))
            }
            None => {
                this.shared.settle(Outcome::Delivered);
                Poll::Ready(None)
            }
        }
    }
}

fn failure(error: &(dyn std::error::Error + 'static)) -> Outcome {
    let mut cause = Some(error);
    while let Some(e) = cause {
        if e.is::<http_body_util::LengthLimitError>() {
            return Outcome::TooLarge;
        }
        cause = e.source();
    }
    Outcome::Failed
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures::StreamExt;

    #[tokio::test]
    async fn a_body_is_delivered_once_its_last_byte_is_read() {
        let (mut stream, delivery) = watch(Body::from("abc"));
        assert_eq!(delivery.outcome(), Outcome::Pending);
        assert_eq!(
            stream.next().await.map(|c| c.ok()),
            Some(Some("abc".into()))
        );
        assert_eq!(delivery.outcome(), Outcome::Delivered);
        delivery.delivered().await;
    }

    #[tokio::test]
    async fn an_empty_body_is_delivered_at_once() {
        let (_stream, delivery) = watch(Body::empty());
        assert_eq!(delivery.outcome(), Outcome::Delivered);
    }

    #[tokio::test]
    async fn a_broken_body_is_the_clients_failure() {
        let chunks: Vec<Result<Bytes, std::io::Error>> = vec![
            Ok(Bytes::from_static(b"ab")),
            Err(std::io::Error::other("reset")),
        ];
        let (stream, delivery) = watch(Body::from_stream(futures::stream::iter(chunks)));
        let read: Vec<_> = stream.collect().await;
        assert_eq!(read.len(), 2);
        assert_eq!(delivery.outcome(), Outcome::Failed);
    }
}
