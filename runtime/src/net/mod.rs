//! The network layer: the tokio TCP [server](Server) and client [channel](TcpChannel), on top of the
//! transports and the RPC layer.

mod budget;
pub mod channel;
pub mod server;

pub use channel::{ChannelBuilder, TcpChannel};
pub use server::{BoundServer, Server, ServerBuilder};
