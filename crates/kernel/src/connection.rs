//! The accept loop behind every server: a cap on connections per client and on connections
//! served at once, hyper's header read timeout and head size limit, an idle timeout on the
//! socket, and a graceful drain.
//!
//! hyper restarts its header read timer whenever a keep-alive connection waits for its next
//! request, so an idle keep-alive connection is closed after `header_read_timeout` too;
//! `idle_timeout` additionally closes any connection that moves no byte either way for that
//! long (a client that stops reading a response, a stalled body).

use std::{
    future::Future,
    io,
    pin::Pin,
    sync::Arc,
    task::{Context, Poll},
    time::Duration,
};

use axum::{extract::ConnectInfo, Router};
use hyper::{body::Incoming, server::conn::http1};
use hyper_util::{
    rt::{TokioIo, TokioTimer},
    server::graceful::GracefulShutdown,
    service::TowerToHyperService,
};
use tokio::{
    io::{AsyncRead, AsyncWrite, ReadBuf},
    net::{TcpListener, TcpStream},
    sync::Semaphore,
    time::{Instant, Sleep},
};
use tokio_util::sync::CancellationToken;
use tower::ServiceExt;

use crate::{config::HttpLimits, middleware::RequestTimeout};

mod per_client;

/// hyper refuses a read buffer smaller than this.
const MIN_BUFFER: usize = 8 * 1024;

/// Serves `app` on `listener` until `shutdown`, then lets in-flight requests finish (for at
/// most the whole-request timeout) and returns.
pub(crate) async fn serve(
    listener: TcpListener,
    app: Router,
    limits: HttpLimits,
    shutdown: CancellationToken,
) -> io::Result<()> {
    let permits = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let mut http = http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout)
        // Heads above the limit are answered 431 and the connection closed.
        .max_header_size(limits.max_header_bytes)
        .max_buf_size(limits.max_header_bytes.max(MIN_BUFFER))
        .keep_alive(true);
    let graceful = GracefulShutdown::new();
    let per_client = per_client::PerClient::new(
        limits.max_connections_per_client,
        limits.per_client_exempt.clone(),
    );
    loop {
        let (stream, peer) = tokio::select! {
            _ = shutdown.cancelled() => break,
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    accept_failed(e).await;
                    continue;
                }
            },
        };
        // Checked before the global cap, so one client cannot hold every permit: its extra
        // connections are closed at once and cost nothing.
        let Some(slot) = per_client.admit(peer.ip()) else {
            tracing::debug!(%peer, "connection closed: this client holds its cap already");
            drop(stream);
            continue;
        };
        // Over the global cap, this connection waits here and later ones in the listen backlog.
        let permit = tokio::select! {
            _ = shutdown.cancelled() => break,
            permit = permits.clone().acquire_owned() => match permit {
                Ok(permit) => permit,
                Err(_) => break,
            },
        };
        let _ = stream.set_nodelay(true);
        let io = TokioIo::new(IdleTimeout::new(stream, limits.idle_timeout));
        let request_timeout = RequestTimeout(limits.request_timeout);
        // Handlers see the peer address (rate limits) and the deadline (`observe` applies it).
        let app = app
            .clone()
            .map_request(move |mut req: http::Request<Incoming>| {
                req.extensions_mut().insert(ConnectInfo(peer));
                req.extensions_mut().insert(request_timeout);
                req
            });
        let connection = http.serve_connection(io, TowerToHyperService::new(app));
        let watched = graceful.watch(connection);
        tokio::spawn(async move {
            if let Err(e) = watched.await {
                tracing::debug!(error = %e, %peer, "connection ended with an error");
            }
            drop(permit);
            drop(slot);
        });
    }
    drop(listener);
    if tokio::time::timeout(limits.request_timeout, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!("connections still open after the drain period were dropped");
    }
    Ok(())
}

/// Running out of file descriptors must not end the accept loop: wait a little and go on.
async fn accept_failed(e: io::Error) {
    use io::ErrorKind::*;
    if matches!(e.kind(), ConnectionAborted | ConnectionReset | Interrupted) {
        return;
    }
    tracing::warn!(error = %e, "accepting a connection failed");
    tokio::time::sleep(Duration::from_millis(50)).await;
}

/// A socket that fails with `TimedOut` once no byte has moved either way for `limit`.
struct IdleTimeout {
    inner: TcpStream,
    limit: Duration,
    last_activity: Instant,
    timer: Pin<Box<Sleep>>,
}

impl IdleTimeout {
    fn new(inner: TcpStream, limit: Duration) -> Self {
        let now = Instant::now();
        Self {
            inner,
            limit,
            last_activity: now,
            timer: Box::pin(tokio::time::sleep_until(now + limit)),
        }
    }

    fn touch(&mut self) {
        // Only a timestamp: the timer is moved when it fires, not on every byte.
        self.last_activity = Instant::now();
    }

    /// Called when the socket is not ready: has the connection been idle for too long?
    fn poll_idle(&mut self, cx: &mut Context<'_>) -> Poll<io::Error> {
        loop {
            let deadline = self.last_activity + self.limit;
            if self.timer.deadline() != deadline {
                self.timer.as_mut().reset(deadline);
            }
            match self.timer.as_mut().poll(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(()) if Instant::now() >= self.last_activity + self.limit => {
                    return Poll::Ready(io::Error::new(
                        io::ErrorKind::TimedOut,
                        "connection idle for too long",
                    ))
                }
                Poll::Ready(()) => continue,
            }
        }
    }

    fn settle<T>(
        &mut self,
        cx: &mut Context<'_>,
        polled: Poll<io::Result<T>>,
    ) -> Poll<io::Result<T>> {
        match polled {
            Poll::Ready(result) => {
                self.touch();
                Poll::Ready(result)
            }
            Poll::Pending => self.poll_idle(cx).map(Err),
        }
    }
}

impl AsyncRead for IdleTimeout {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let polled = Pin::new(&mut this.inner).poll_read(cx, buf);
        this.settle(cx, polled)
    }
}

impl AsyncWrite for IdleTimeout {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let polled = Pin::new(&mut this.inner).poll_write(cx, buf);
        this.settle(cx, polled)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let polled = Pin::new(&mut this.inner).poll_write_vectored(cx, bufs);
        this.settle(cx, polled)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let polled = Pin::new(&mut this.inner).poll_flush(cx);
        this.settle(cx, polled)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, Instant};

    use axum::{body::Body, routing::get, Router};
    use tokio_util::sync::CancellationToken;

    use crate::config::HttpLimits;

    const LIMIT: Duration = Duration::from_millis(300);

    /// A body that takes three times the request timeout to stream, as Server-Sent Events do.
    fn slow_stream() -> Body {
        let chunks = futures::stream::unfold(0, |n| async move {
            if n == 6 {
                return None;
            }
            tokio::time::sleep(LIMIT / 2).await;
            Some((Ok::<_, std::io::Error>(format!("data: {n}\n\n")), n + 1))
        });
        Body::from_stream(chunks)
    }

    async fn serve() -> (String, CancellationToken) {
        let app = Router::new()
            .route(
                "/slow",
                get(|| async {
                    tokio::time::sleep(Duration::from_secs(5)).await;
                    "late"
                }),
            )
            .route("/events", get(|| async { slow_stream() }));
        let app = crate::server::wrap("test", app, 1024);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let limits = HttpLimits {
            header_read_timeout: Duration::from_secs(1),
            idle_timeout: Duration::from_secs(5),
            request_timeout: LIMIT,
            max_header_bytes: 16 * 1024,
            max_connections: 16,
            max_connections_per_client: 16,
            per_client_exempt: vec![],
        };
        let shutdown = CancellationToken::new();
        tokio::spawn(super::serve(listener, app, limits, shutdown.clone()));
        (url, shutdown)
    }

    #[tokio::test]
    async fn a_response_head_late_past_the_request_timeout_is_a_408_problem() {
        let (url, shutdown) = serve().await;
        let start = Instant::now();
        let reply = reqwest::get(format!("{url}/slow")).await.unwrap();
        assert_eq!(reply.status(), 408);
        assert_eq!(reply.headers()["content-type"], "application/problem+json");
        assert!(start.elapsed() < Duration::from_secs(2));
        shutdown.cancel();
    }

    #[tokio::test]
    async fn a_streamed_body_may_outlast_the_request_timeout() {
        let (url, shutdown) = serve().await;
        let start = Instant::now();
        let reply = reqwest::get(format!("{url}/events")).await.unwrap();
        assert_eq!(reply.status(), 200);
        let body = reply.text().await.unwrap();
        assert!(start.elapsed() > LIMIT * 2, "the stream took its time");
        assert_eq!(
            body.matches("data:").count(),
            6,
            "the whole stream arrived: {body}"
        );
        shutdown.cancel();
    }
}
