//! What servers and channels run over: any byte stream, from a [`Listener`] on the server's side and a
//! [`Connector`] on the client's. TCP and Unix sockets are built in; a stream of the application's own (after
//! a SASL exchange, a QUIC stream, an in-memory pipe in a test) plugs in through these traits.

use std::future::Future;
use std::io;
use std::pin::Pin;

use tokio::io::{AsyncRead, AsyncWrite};

use crate::rpc::Peer;

/// A byte stream a connection is served or called over, split into halves that the reader and the writer
/// use at once. TCP and Unix sockets split without a lock; [`Split`] splits any other stream.
pub trait ByteStream: Send + 'static {
    /// The half replies (or requests) are read from.
    type Reader: AsyncRead + Send + Unpin + 'static;
    /// The half requests (or replies) are written to.
    type Writer: AsyncWrite + Send + Unpin + 'static;
    /// Splits the stream.
    fn into_halves(self) -> (Self::Reader, Self::Writer);
}

impl ByteStream for tokio::net::TcpStream {
    type Reader = tokio::net::tcp::OwnedReadHalf;
    type Writer = tokio::net::tcp::OwnedWriteHalf;
    fn into_halves(self) -> (Self::Reader, Self::Writer) {
        self.into_split()
    }
}

#[cfg(unix)]
impl ByteStream for tokio::net::UnixStream {
    type Reader = tokio::net::unix::OwnedReadHalf;
    type Writer = tokio::net::unix::OwnedWriteHalf;
    fn into_halves(self) -> (Self::Reader, Self::Writer) {
        self.into_split()
    }
}

impl ByteStream for tokio::io::DuplexStream {
    type Reader = tokio::io::ReadHalf<Self>;
    type Writer = tokio::io::WriteHalf<Self>;
    fn into_halves(self) -> (Self::Reader, Self::Writer) {
        tokio::io::split(self)
    }
}

/// Any `AsyncRead + AsyncWrite` stream as a [`ByteStream`], split with [`tokio::io::split`].
#[derive(Debug)]
pub struct Split<T>(pub T);

impl<T: AsyncRead + AsyncWrite + Send + Unpin + 'static> ByteStream for Split<T> {
    type Reader = tokio::io::ReadHalf<T>;
    type Writer = tokio::io::WriteHalf<T>;
    fn into_halves(self) -> (Self::Reader, Self::Writer) {
        tokio::io::split(self.0)
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for Split<T> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> std::task::Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_read(cx, buf)
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for Split<T> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &[u8],
    ) -> std::task::Poll<io::Result<usize>> {
        Pin::new(&mut self.0).poll_write(cx, buf)
    }
    fn poll_flush(
        mut self: Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_flush(cx)
    }
    fn poll_shutdown(
        mut self: Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_shutdown(cx)
    }
}

/// Where a server's connections come from.
pub trait Listener: Send + 'static {
    /// A connection.
    type Stream: ByteStream + AsyncRead + AsyncWrite + Unpin;
    /// The next connection and who is on the other end. An error is logged and accepting goes on after a
    /// pause (running out of file descriptors is the usual cause).
    fn accept(&mut self) -> impl Future<Output = io::Result<(Self::Stream, Peer)>> + Send;
}

impl Listener for tokio::net::TcpListener {
    type Stream = tokio::net::TcpStream;
    async fn accept(&mut self) -> io::Result<(Self::Stream, Peer)> {
        let (stream, peer) = tokio::net::TcpListener::accept(self).await?;
        // Replies are written whole in one write; without NODELAY, Nagle holds small ones back.
        stream.set_nodelay(true)?;
        Ok((stream, Peer::Tcp(peer)))
    }
}

#[cfg(unix)]
impl Listener for tokio::net::UnixListener {
    type Stream = tokio::net::UnixStream;
    async fn accept(&mut self) -> io::Result<(Self::Stream, Peer)> {
        let (stream, peer) = tokio::net::UnixListener::accept(self).await?;
        Ok((stream, Peer::Unix(peer.as_pathname().map(Into::into))))
    }
}

/// Connections handed over by the application: each stream sent on the channel is served. Once every sender
/// is gone, no more arrive (the server keeps serving those it has until it is shut down).
impl<T> Listener for tokio::sync::mpsc::Receiver<(T, Peer)>
where
    T: ByteStream + AsyncRead + AsyncWrite + Unpin,
{
    type Stream = T;
    async fn accept(&mut self) -> io::Result<(Self::Stream, Peer)> {
        match self.recv().await {
            Some(connection) => Ok(connection),
            None => std::future::pending().await,
        }
    }
}

/// Opens the streams a channel calls over: each (re)connection opens one.
pub trait Connector: Send + Sync + 'static {
    /// A connection.
    type Stream: AsyncRead + AsyncWrite + Send + Unpin + 'static;
    /// Opens a connection.
    fn connect(&self) -> impl Future<Output = io::Result<Self::Stream>> + Send;
    /// What the connection reaches, for logs and spans.
    fn describe(&self) -> String {
        std::any::type_name::<Self>().to_owned()
    }
}

/// A [`Connector`] with its stream type erased, so a channel holds any of them.
pub(crate) trait DynConnector: Send + Sync + 'static {
    fn connect_boxed(&self) -> Pin<Box<dyn Future<Output = io::Result<BoxedStream>> + Send + '_>>;
    fn describe(&self) -> String;
}

/// A connection of any type, whole (for a TLS handshake over it) and then split.
pub(crate) trait AnyStream: AsyncRead + AsyncWrite + Send + Unpin {}
impl<T: AsyncRead + AsyncWrite + Send + Unpin> AnyStream for T {}

/// A stream whose type is erased.
pub(crate) type BoxedStream = Box<dyn AnyStream>;

impl<C: Connector> DynConnector for C {
    fn connect_boxed(&self) -> Pin<Box<dyn Future<Output = io::Result<BoxedStream>> + Send + '_>> {
        Box::pin(async move {
            let stream = self.connect().await?;
            Ok(Box::new(stream) as BoxedStream)
        })
    }
    fn describe(&self) -> String {
        Connector::describe(self)
    }
}
