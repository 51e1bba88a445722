//! The client side's plumbing: the [`Channel`] a client sends through, and [`InMemoryChannel`], which connects
//! a client straight to a processor through the encoded bytes.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicI32, Ordering};

use super::call::{CallRequest, CallResponse};
use super::error::TransportError;
use super::processor::Processor;
use crate::protocol::{Limits, Protocol};

/// Carries a client's request to a server and brings back the reply. Transports implement it.
pub trait Channel: Clone + Send + Sync + 'static {
    /// The protocol requests are encoded in.
    fn protocol(&self) -> Protocol;
    /// The sequence id for the next request. The channel hands them out, so that every client sharing it
    /// (several services multiplexed on one connection, say) draws from one sequence and replies match.
    fn next_seqid(&self) -> i32;
    /// The service name calls are prefixed with (`"Service:method"`, Apache's TMultiplexedProtocol), if the
    /// channel reaches a multiplexed server.
    fn service_name(&self) -> Option<&str> {
        None
    }
    /// Where calls go, for spans and logs (an address, a socket path), if the channel knows.
    fn remote(&self) -> Option<&str> {
        None
    }
    /// The limits replies are decoded within.
    fn message_limits(&self) -> Limits {
        Limits::DEFAULT
    }
    /// Whether calls through it record the `idlc_client_*` metrics (see [`rpc`](crate::rpc)). Off unless
    /// asked for: timing and counting every call costs a few percent of a small call's time.
    fn records_metrics(&self) -> bool {
        false
    }
    /// Sends `request` and, unless it is oneway, brings back the reply.
    fn call(
        &self,
        request: CallRequest,
    ) -> impl Future<Output = Result<CallResponse, TransportError>> + Send;
}

/// A [`Channel`] that hands requests straight to a [`Processor`] in the same process, through the bytes.
#[derive(Debug)]
pub struct InMemoryChannel<P> {
    processor: Arc<P>,
    protocol: Protocol,
    seqids: SeqIds,
}

impl<P> Clone for InMemoryChannel<P> {
    fn clone(&self) -> Self {
        InMemoryChannel {
            processor: Arc::clone(&self.processor),
            protocol: self.protocol,
            seqids: self.seqids.clone(),
        }
    }
}

impl<P: Processor> InMemoryChannel<P> {
    /// A channel to `processor` speaking `protocol`.
    pub fn new(processor: P, protocol: Protocol) -> Self {
        InMemoryChannel {
            processor: Arc::new(processor),
            protocol,
            seqids: SeqIds::default(),
        }
    }
}

impl<P: Processor> Channel for InMemoryChannel<P> {
    fn protocol(&self) -> Protocol {
        self.protocol
    }

    fn next_seqid(&self) -> i32 {
        self.seqids.next()
    }

    async fn call(&self, request: CallRequest) -> Result<CallResponse, TransportError> {
        let oneway = request.is_oneway();
        let reply = self
            .processor
            .process(self.protocol, request.body, Limits::DEFAULT)
            .await;
        match (reply, oneway) {
            (_, true) => Ok(CallResponse::default()),
            (Some(reply), false) => Ok(CallResponse {
                body: Some(reply.freeze()),
                headers: Default::default(),
            }),
            (None, false) => Err(TransportError::Closed),
        }
    }
}

/// Sequence ids for one client: increasing, wrapping, shared by clones.
#[derive(Debug, Clone, Default)]
pub struct SeqIds(Arc<AtomicI32>);

impl SeqIds {
    /// The next id.
    pub fn next(&self) -> i32 {
        self.0.fetch_add(1, Ordering::Relaxed).wrapping_add(1)
    }
}
