//! The network layer: the tokio [server](Server) and client [channel](TcpChannel) over TCP, Unix sockets, TLS
//! or any stream, on top of the transports and the RPC layer.

mod budget;
pub mod channel;
pub mod server;
pub mod stream;
#[cfg(feature = "tls")]
pub mod tls;

pub use channel::{CallFuture, ChannelBuilder, TcpChannel};
pub use server::{BoundServer, CLIENT_TIMEOUT_HEADER, Server, ServerBuilder};
pub use stream::{ByteStream, Connector, Listener, Split};

/// Writes all of `bytes`, failing when the peer takes none of them for `timeout` (it stopped reading), or
/// when `abort` is cancelled. The write is polled first: the abort signal is waited on only by a write that
/// has to wait.
async fn write_within<W: tokio::io::AsyncWrite + Unpin>(
    writer: &mut W,
    mut bytes: &[u8],
    timeout: std::time::Duration,
    abort: Option<&tokio_util::sync::CancellationToken>,
) -> std::io::Result<()> {
    use std::io;
    use tokio::io::AsyncWriteExt;

    // Most writes are taken whole at once: those need neither a timer nor a registration with `abort`.
    let first = std::future::poll_fn(|cx| {
        std::task::Poll::Ready(std::pin::Pin::new(&mut *writer).poll_write(cx, bytes))
    })
    .await;
    match first {
        std::task::Poll::Ready(Ok(0)) if !bytes.is_empty() => {
            return Err(io::ErrorKind::WriteZero.into());
        }
        std::task::Poll::Ready(Ok(n)) => bytes = &bytes[n..],
        std::task::Poll::Ready(Err(error)) => return Err(error),
        std::task::Poll::Pending => {}
    }
    let aborted = async {
        match abort {
            Some(abort) => abort.cancelled().await,
            None => std::future::pending().await,
        }
    };
    tokio::pin!(aborted);
    while !bytes.is_empty() {
        let written = tokio::select! {
            biased;
            written = tokio::time::timeout(timeout, writer.write(bytes)) => written,
            () = &mut aborted => return Err(io::ErrorKind::ConnectionAborted.into()),
        };
        match written {
            Ok(Ok(0)) => return Err(io::ErrorKind::WriteZero.into()),
            Ok(Ok(n)) => bytes = &bytes[n..],
            Ok(Err(error)) => return Err(error),
            Err(_) => {
                return Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    format!("the peer took no bytes for {timeout:?}"),
                ));
            }
        }
    }
    Ok(())
}
