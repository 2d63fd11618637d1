//! Serving the gateway on a socket: what `axum::serve` does (HTTP/1.1, the client's
//! address for [`ConnectInfo`], a graceful stop), plus the one setting it does not
//! expose: how large a connection's read buffer may grow.
//!
//! hyper grows a connection's read buffer while an upload arrives (up to ~400 KB)
//! and keeps it for as long as the connection lives. A shopper's connection lives on
//! after its 230 KB upload, long-polling the job: 200 shoppers held 17 MB in buffers
//! that were only ever needed once.

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::Request;
use axum::Router;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::TokioIo;
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;
use tower::Service as _;

/// The most a connection's read buffer holds (hyper's least is 8 KB). An upload is
/// read 32 KB at a time: a 230 KB photo in 8 reads.
pub const READ_BUFFER_MAX: usize = 32 << 10;

/// Serves `app` on `listener` until `stop` resolves, then stops accepting and waits
/// for the requests in flight to be answered.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    stop: impl Future<Output = ()>,
) -> io::Result<()> {
    let connections = GracefulShutdown::new();
    let mut stop = std::pin::pin!(stop);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    wait_after(e).await;
                    continue;
                }
            },
            () = &mut stop => break,
        };
        let app = app.clone();
        let service = hyper::service::service_fn(move |mut request: Request<Incoming>| {
            request
                .extensions_mut()
                .insert(ConnectInfo::<SocketAddr>(peer));
            // A router is always ready: no need to poll it first.
            app.clone().call(request.map(Body::new))
        });
        let connection = http1::Builder::new()
            .max_buf_size(READ_BUFFER_MAX)
            .serve_connection(TokioIo::new(stream), service);
        let connection = connections.watch(connection);
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                tracing::trace!(error = %e, "connection ended with an error");
            }
        });
    }
    drop(listener);
    connections.shutdown().await;
    Ok(())
}

/// After a failed accept: a client that gave up is nothing; anything else (out of file
/// descriptors, say) is logged and waited out for a second, as hyper and axum do.
async fn wait_after(e: io::Error) {
    if matches!(
        e.kind(),
        io::ErrorKind::ConnectionRefused
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
    ) {
        return;
    }
    tracing::error!(error = %e, "accept failed");
    tokio::time::sleep(Duration::from_secs(1)).await;
}
