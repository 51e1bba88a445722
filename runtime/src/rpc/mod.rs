//! The RPC layer, above the protocols and transports: the [`Processor`] a server runs and the [`Channel`] a
//! client sends through, how calls fail ([`ServiceError`], [`CallError`], [`ApplicationException`],
//! [`TransportError`]), several services on one port ([`MultiplexedProcessor`]), when a call may be sent again
//! ([`RetryPolicy`]), and per-call [`context`].
//!
//! Generated clients and processors stay thin: they call generic helpers here, monomorphized per protocol
//! through [`Codec`](crate::protocol::Codec), which they reach through `__codegen` (not API).

mod call;
mod channel;
mod client;
pub mod context;
mod error;
mod message;
mod multiplex;
mod observe;
mod processor;
mod retry;

pub use call::{
    BoxError, CallRequest, CallResponse, ProcessFuture, ProcessorService, ServerRequest,
    ServerResponse, ServiceChannel, transport_error,
};
pub use channel::{Channel, InMemoryChannel};
pub use context::{CallInfo, Peer};
pub use error::{
    ApplicationException, ApplicationExceptionKind, CallError, NoException, ServiceError,
    TransportError,
};
pub use message::encode_message;
pub use multiplex::MultiplexedProcessor;
pub use processor::Processor;
pub use retry::RetryPolicy;

pub(crate) use call::{error_exception, exception_reply};
pub(crate) use observe::{Bounded, Outcome, record as record_call};
pub(crate) use processor::{catch_panic, encode_exception_in, read_call};

/// What generated code calls and nothing else should: re-exported through `__codegen`.
pub(crate) mod codegen_support {
    pub use super::channel::SeqIds;
    pub use super::client::{ClientCore, call, send_oneway};
    pub use super::processor::{
        Guard, IncomingCall, decode_args, encode_exception, encode_reply, guard, protocol_error,
        read_call, unknown_method,
    };
}
