//! The HTTP listener (spec §10): request headers must arrive within 10 s, idle keep-alive
//! connections close after 60 s, at most `max_connections` are open (past it new ones wait in
//! the listen backlog), and a graceful stop — stop accepting, close the event streams, finish
//! the requests in flight — within the grace period.
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, AtomicU64, Ordering};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;
use tower::ServiceExt;

#[derive(Debug, Clone, Copy)]
pub struct HttpLimits {
    /// A request's headers must arrive within this (slow senders are cut off).
    pub header_read_timeout: Duration,
    /// A connection with no bytes moving either way for this long is closed.
    pub idle_timeout: Duration,
    /// Open connections; past it, new ones wait to be accepted.
    pub max_connections: usize,
    /// How long a stop waits for requests in flight.
    pub shutdown_grace: Duration,
}

impl Default for HttpLimits {
    fn default() -> Self {
        Self {
            header_read_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(60),
            max_connections: 10_000,
            shutdown_grace: Duration::from_secs(9),
        }
    }
}

/// Serves `router` on `listener` until `stop` completes; then calls `closing` (which ends the
/// event streams), lets requests in flight finish within the grace period, and returns.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: HttpLimits,
    stop: impl Future<Output = ()>,
    closing: impl FnOnce(),
) {
    let permits = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let graceful = GracefulShutdown::new();
    let mut http = hyper::server::conn::http1::Builder::new();
    // hyper's own header timeout also runs while a keep-alive connection waits for its next
    // request, which would cut idle connections at 10 s: `Watched` times the headers instead.
    http.timer(TokioTimer::new()).header_read_timeout(None);
    tokio::pin!(stop);
    loop {
        let permit = tokio::select! {
            permit = permits.clone().acquire_owned() => match permit {
                Ok(p) => p,
                Err(_) => break,
            },
            () = &mut stop => break,
        };
        let (stream, addr) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    // Out of file descriptors and the like: wait a little instead of spinning.
                    tracing::warn!(error = %e, "could not accept a connection");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut stop => break,
        };
        let _ = stream.set_nodelay(true);
        let activity = Activity::default();
        let io = TokioIo::new(Watched { inner: stream, activity: activity.clone(), tail: 0 });
        let router = router.clone();
        let service = hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
            request.extensions_mut().insert(ConnectInfo(addr));
            router.clone().oneshot(request)
        });
        let connection = graceful.watch(http.serve_connection(io, service));
        tokio::spawn(async move {
            tokio::select! {
                _ = connection => {}
                () = activity.expired(limits) => {}
            }
            drop(permit);
        });
    }
    drop(listener);
    closing();
    tokio::select! {
        () = graceful.shutdown() => {}
        () = tokio::time::sleep(limits.shutdown_grace) => {
            tracing::warn!("requests still in flight at the end of the grace period were cut off");
        }
    }
}

/// Where a connection is: waiting for a request, reading a request's headers, or serving it.
const IDLE: u8 = 0;
const HEADERS: u8 = 1;
const SERVING: u8 = 2;

/// When bytes last moved on a connection, and since when it has been reading request headers.
#[derive(Clone)]
struct Activity(Arc<Shared>);

struct Shared {
    start: Instant,
    last_ms: AtomicU64,
    phase: AtomicU8,
    headers_since_ms: AtomicU64,
}

impl Default for Activity {
    fn default() -> Self {
        Self(Arc::new(Shared {
            start: Instant::now(),
            last_ms: AtomicU64::new(0),
            phase: AtomicU8::new(IDLE),
            headers_since_ms: AtomicU64::new(0),
        }))
    }
}

impl Activity {
    fn now_ms(&self) -> u64 {
        self.0.start.elapsed().as_millis() as u64
    }

    fn at(&self, ms: u64) -> Instant {
        self.0.start + Duration::from_millis(ms)
    }

    /// Completes when the connection has been idle for `idle_timeout`, or has spent longer
    /// than `header_read_timeout` on one request's headers.
    async fn expired(&self, limits: HttpLimits) {
        loop {
            let idle_at = self.at(self.0.last_ms.load(Ordering::Relaxed)) + limits.idle_timeout;
            let headers_at = (self.0.phase.load(Ordering::Relaxed) == HEADERS)
                .then(|| self.at(self.0.headers_since_ms.load(Ordering::Relaxed)) + limits.header_read_timeout);
            let deadline = headers_at.map_or(idle_at, |h| h.min(idle_at));
            let now = Instant::now();
            if now >= deadline {
                return;
            }
            // Headers that start while this sleeps are timed from their first byte: waking at
            // least once per header timeout sees them before their deadline.
            tokio::time::sleep_until(deadline.min(now + limits.header_read_timeout).into()).await;
        }
    }

    /// Bytes arrived: the first of a request starts its header clock; the blank line that
    /// ends the headers stops it. `tail` carries the last bytes across reads.
    fn read(&self, bytes: &[u8], tail: &mut u32) {
        let now = self.now_ms();
        self.0.last_ms.store(now, Ordering::Relaxed);
        for &b in bytes {
            match self.0.phase.load(Ordering::Relaxed) {
                IDLE => {
                    self.0.headers_since_ms.store(now, Ordering::Relaxed);
                    self.0.phase.store(HEADERS, Ordering::Relaxed);
                    *tail = u32::from(b);
                }
                HEADERS => {
                    *tail = (*tail << 8) | u32::from(b);
                    if *tail == u32::from_be_bytes(*b"\r\n\r\n") {
                        self.0.phase.store(SERVING, Ordering::Relaxed);
                    }
                }
                _ => return,
            }
        }
    }

    /// The response is being written: the connection waits for its next request.
    fn wrote(&self) {
        self.0.last_ms.store(self.now_ms(), Ordering::Relaxed);
        self.0.phase.store(IDLE, Ordering::Relaxed);
    }
}

/// A TCP stream that records activity.
struct Watched {
    inner: TcpStream,
    activity: Activity,
    /// The last bytes read while in a request's headers.
    tail: u32,
}

impl AsyncRead for Watched {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.inner).poll_read(cx, buf);
        if let Some(new) = buf.filled().get(before..).filter(|b| !b.is_empty()) {
            let this = &mut *self;
            this.activity.read(new, &mut this.tail);
        }
        polled
    }
}

impl AsyncWrite for Watched {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        let polled = Pin::new(&mut self.inner).poll_write(cx, buf);
        if matches!(polled, Poll::Ready(Ok(n)) if n > 0) {
            self.activity.wrote();
        }
        polled
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let polled = Pin::new(&mut self.inner).poll_write_vectored(cx, bufs);
        if matches!(polled, Poll::Ready(Ok(n)) if n > 0) {
            self.activity.wrote();
        }
        polled
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
}
