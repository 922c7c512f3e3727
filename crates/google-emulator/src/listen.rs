//! The HTTP listeners: one accept loop serving [`crate::server`]'s routes over plain HTTP or,
//! with an acceptor, over TLS (the test CA's leaf). Each connection is its own task; a client
//! that fails the handshake or hangs up mid-request only ends its own connection.

use crate::server::{route, State};
use hyper_util::rt::TokioIo;
use std::convert::Infallible;
use std::sync::Arc;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;

/// Serves `listener` until the task is aborted; TLS first when `tls` is given.
pub(crate) async fn http(listener: TcpListener, state: Arc<State>, tls: Option<TlsAcceptor>) {
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            // Out of descriptors or the like: wait instead of spinning.
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
            continue;
        };
        let state = state.clone();
        let tls = tls.clone();
        tokio::spawn(async move {
            match tls {
                None => serve(stream, state).await,
                Some(acceptor) => {
                    // A client that does not trust the test CA aborts the handshake here.
                    if let Ok(stream) = acceptor.accept(stream).await {
                        serve(stream, state).await;
                    }
                }
            }
        });
    }
}

async fn serve<S>(stream: S, state: Arc<State>)
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let service = hyper::service::service_fn(move |req| {
        let state = state.clone();
        async move { Ok::<_, Infallible>(route(&state, req).await) }
    });
    // A client that hangs up mid-request is not the emulator's problem.
    let _ = hyper::server::conn::http1::Builder::new()
        .serve_connection(TokioIo::new(stream), service)
        .await;
}
