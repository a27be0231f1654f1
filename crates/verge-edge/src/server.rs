//! The HTTP server: one listener per isolate thread (`SO_REUSEPORT`), HTTP/1.1 and HTTP/2,
//! each request served on the thread that accepted it (by [`crate::pipeline`]), and a graceful
//! stop: accept no more, let in-flight requests finish, up to a deadline.

use std::cell::Cell;
use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::rc::Rc;
use std::sync::Arc;
use std::time::{Duration, Instant};

use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::sync::{oneshot, watch};
use verge_js::IsolateThreads;
use verge_worker::Deployment;

use crate::limits::{ACCEPT_BACKOFF_MAX, ACCEPT_LOG_EVERY, H2_KEEP_ALIVE, H2_MAX_STREAMS};
use crate::pipeline::{EdgeConfig, Shared};
use crate::steps::Step;

#[derive(Clone, Copy)]
struct LocalExec;

impl<F> hyper::rt::Executor<F> for LocalExec
where
    F: Future + 'static,
{
    fn execute(&self, fut: F) {
        tokio::task::spawn_local(fut);
    }
}

/// The listening sockets of the edge, one per isolate thread (`SO_REUSEPORT`), bound before
/// the worker is ready: the kernel completes connections and queues them until [`serve`]
/// starts accepting, so a client that connects during startup waits instead of being refused.
#[derive(Debug)]
pub struct Listeners {
    sockets: Vec<std::net::TcpListener>,
    addr: SocketAddr,
}

impl Listeners {
    /// Binds `n` listeners (at least one) on `addr` (port 0 picks a free port, shared by all).
    pub fn bind(addr: SocketAddr, n: usize) -> std::io::Result<Listeners> {
        let first = bind(addr)?;
        let addr = first.local_addr()?;
        let mut sockets = vec![first];
        for _ in 1..n.max(1) {
            sockets.push(bind(addr)?);
        }
        Ok(Listeners { sockets, addr })
    }

    /// The bound address.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }
}

/// A running edge; [`Server::shutdown`] stops it.
#[derive(Debug)]
pub struct Server {
    addr: SocketAddr,
    stop: watch::Sender<bool>,
    drained: Vec<oneshot::Receiver<()>>,
}

impl Server {
    /// The address it listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stops accepting, asks every open connection to finish after its in-flight requests
    /// (HTTP/1.1 keep-alive connections close once idle, HTTP/2 ones get a GOAWAY), and
    /// returns when they have, or after `deadline`. True when everything drained in time.
    pub async fn shutdown(self, deadline: Duration) -> bool {
        let _ = self.stop.send(true);
        let all = futures::future::join_all(self.drained);
        tokio::time::timeout(deadline, all).await.is_ok()
    }
}

/// Starts accepting on every isolate thread (listener `k` on thread `k`); requests go through
/// `steps`, then to `deployment`'s HTTP worker.
pub fn serve(
    threads: &IsolateThreads,
    listeners: Listeners,
    config: EdgeConfig,
    deployment: Arc<Deployment>,
    steps: Vec<Box<dyn Step>>,
) -> Server {
    let shared = Arc::new(Shared::new(config, deployment, steps));
    let (stop, _) = watch::channel(false);
    let mut drained = Vec::new();
    for (k, listener) in listeners.sockets.into_iter().enumerate() {
        let shared = shared.clone();
        let stop_rx = stop.subscribe();
        let (done_tx, done_rx) = oneshot::channel();
        drained.push(done_rx);
        threads.spawn_on(k, move || async move {
            accept_loop(listener, shared, stop_rx).await;
            let _ = done_tx.send(());
        });
    }
    Server {
        addr: listeners.addr,
        stop,
        drained,
    }
}

fn bind(addr: SocketAddr) -> std::io::Result<std::net::TcpListener> {
    let socket = socket2::Socket::new(
        socket2::Domain::for_address(addr),
        socket2::Type::STREAM,
        Some(socket2::Protocol::TCP),
    )?;
    socket.set_reuse_address(true)?;
    socket.set_reuse_port(true)?;
    socket.bind(&addr.into())?;
    socket.listen(1024)?;
    socket.set_nonblocking(true)?;
    Ok(socket.into())
}

/// True for the `accept()` failures that mean "out of a resource" (descriptors, buffers,
/// memory): retrying at once would spin, so the loop backs off.
fn out_of_resources(e: &std::io::Error) -> bool {
    matches!(
        e.raw_os_error(),
        Some(libc::EMFILE | libc::ENFILE | libc::ENOBUFS | libc::ENOMEM)
    )
}

/// Logs a repeating failure at most once per [`ACCEPT_LOG_EVERY`], with how many were not
/// logged in between.
struct LogGate {
    last: Option<Instant>,
    suppressed: u64,
}

impl LogGate {
    fn warn(&mut self, e: &std::io::Error) {
        if self.last.is_some_and(|t| t.elapsed() < ACCEPT_LOG_EVERY) {
            self.suppressed += 1;
            return;
        }
        tracing::warn!(
            suppressed = self.suppressed,
            "accept failed: {e}; backing off (raise `ulimit -n`, or lower --max-connections)"
        );
        self.last = Some(Instant::now());
        self.suppressed = 0;
    }
}

async fn accept_loop(
    listener: std::net::TcpListener,
    shared: Arc<Shared>,
    mut stop: watch::Receiver<bool>,
) {
    let listener = match tokio::net::TcpListener::from_std(listener) {
        Ok(l) => l,
        Err(e) => {
            tracing::error!("cannot use listener: {e}");
            return;
        }
    };
    let limits = shared.config.limits;
    let threads = shared.deployment.threads().len().max(1);
    let max_here = limits.max_connections.div_ceil(threads).max(1);
    let active = Rc::new(Cell::new(0usize));
    let released = Rc::new(tokio::sync::Notify::new());
    let mut backoff = Duration::ZERO;
    let mut gate = LogGate {
        last: None,
        suppressed: 0,
    };
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let mut builder = hyper_util::server::conn::auto::Builder::new(LocalExec);
    builder
        .http1()
        .timer(hyper_util::rt::TokioTimer::new())
        .header_read_timeout(limits.header_timeout)
        .max_buf_size(crate::limits::MAX_REQUEST_HEADER_BYTES);
    builder
        .http2()
        .timer(hyper_util::rt::TokioTimer::new())
        .keep_alive_interval(H2_KEEP_ALIVE)
        .keep_alive_timeout(H2_KEEP_ALIVE)
        .max_concurrent_streams(H2_MAX_STREAMS)
        .max_header_list_size(crate::limits::MAX_REQUEST_HEADER_BYTES as u32);
    'accept: loop {
        // At the connection limit, wait for one to close; meanwhile the kernel queues new
        // ones in the listen backlog.
        while active.get() >= max_here {
            tokio::select! {
                _ = released.notified() => {}
                _ = stop.wait_for(|s| *s) => break 'accept,
            }
        }
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            _ = stop.wait_for(|s| *s) => break,
        };
        let (stream, peer) = match accepted {
            Ok(x) => {
                backoff = Duration::ZERO;
                x
            }
            Err(e) if out_of_resources(&e) => {
                gate.warn(&e);
                backoff = (backoff * 2).clamp(Duration::from_millis(10), ACCEPT_BACKOFF_MAX);
                tokio::select! {
                    _ = tokio::time::sleep(backoff) => {}
                    _ = stop.wait_for(|s| *s) => break 'accept,
                }
                continue;
            }
            Err(e) => {
                tracing::debug!("accept failed: {e}");
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        let shared = shared.clone();
        // The client address as text, once per connection rather than per request.
        let ip: Rc<str> = peer.ip().to_string().into();
        let service = service_fn(move |req| {
            let shared = shared.clone();
            let ip = ip.clone();
            async move { Ok::<_, Infallible>(crate::pipeline::handle(req, ip, shared).await) }
        });
        let conn = graceful.watch(
            builder
                .serve_connection_with_upgrades(TokioIo::new(stream), service)
                .into_owned(),
        );
        active.set(active.get() + 1);
        let (active, released) = (active.clone(), released.clone());
        tokio::task::spawn_local(async move {
            if let Err(e) = conn.await {
                tracing::debug!(%peer, "connection ended: {e}");
            }
            active.set(active.get() - 1);
            released.notify_one();
        });
    }
    drop(listener);
    graceful.shutdown().await;
}
