//! [`MultiplexedProcessor`]: several services on one server, told apart by the `"Service:method"` names
//! Apache's TMultiplexedProtocol clients send.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use bytes::{Bytes, BytesMut};

use super::error::{ApplicationException, ApplicationExceptionKind};
use super::processor::{Processor, encode_exception};
use crate::protocol::{
    Binary, Codec, Compact, Json, Limits, MessageHeader, MessageType, Protocol, Reader, TType,
    Writer,
};

type BoxedReply<'a> = Pin<Box<dyn Future<Output = Option<BytesMut>> + Send + 'a>>;

/// A [`Processor`] behind a pointer, so services of different types can share one table.
trait DynProcessor: Send + Sync {
    fn process_boxed(&self, protocol: Protocol, request: Bytes, limits: Limits) -> BoxedReply<'_>;
}

impl<P: Processor> DynProcessor for P {
    fn process_boxed(&self, protocol: Protocol, request: Bytes, limits: Limits) -> BoxedReply<'_> {
        Box::pin(self.process(protocol, request, limits))
    }
}

/// Serves several services on one port: a call named `"Calculator:add"` goes to the processor registered as
/// `Calculator`, as method `add`. Calls without a service prefix go to the default processor, if one is set.
#[derive(Clone, Default)]
pub struct MultiplexedProcessor {
    services: HashMap<String, Arc<dyn DynProcessor>>,
    default: Option<Arc<dyn DynProcessor>>,
}

impl std::fmt::Debug for MultiplexedProcessor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut names: Vec<&str> = self.services.keys().map(String::as_str).collect();
        names.sort_unstable();
        f.debug_struct("MultiplexedProcessor")
            .field("services", &names)
            .field("default", &self.default.is_some())
            .finish()
    }
}

impl MultiplexedProcessor {
    /// A processor with no services yet.
    pub fn new() -> Self {
        MultiplexedProcessor::default()
    }

    /// Serves `processor` under the name `service` (the prefix clients put before the method name).
    pub fn register(mut self, service: impl Into<String>, processor: impl Processor) -> Self {
        self.services.insert(service.into(), Arc::new(processor));
        self
    }

    /// Serves calls that carry no service prefix with `processor`, so clients that do not multiplex can
    /// still reach one service.
    pub fn default_service(mut self, processor: impl Processor) -> Self {
        self.default = Some(Arc::new(processor));
        self
    }

    async fn process_in<C: Codec>(
        &self,
        protocol: Protocol,
        request: Bytes,
        limits: Limits,
    ) -> Option<BytesMut> {
        let mut reader = C::reader(request.clone(), limits);
        let header = reader.read_message_begin().ok()?;
        let body_start = reader.position();
        let Some((service, method)) = header.name.split_once(':') else {
            return match &self.default {
                Some(default) => default.process_boxed(protocol, request, limits).await,
                None => refuse::<C>(
                    &header,
                    &mut reader,
                    format!(
                        "'{}' names no service; expected 'Service:{}'",
                        header.name, header.name
                    ),
                ),
            };
        };
        let Some(processor) = self.services.get(service) else {
            return refuse::<C>(
                &header,
                &mut reader,
                format!("unknown service '{service}' in '{}'", header.name),
            );
        };
        // The service's processor sees the call as if it had come alone: the same envelope, minus the prefix.
        let mut rewritten = BytesMut::with_capacity(request.len());
        {
            let mut writer = C::writer(&mut rewritten);
            writer
                .write_message_begin(&MessageHeader {
                    name: method.to_owned(),
                    kind: header.kind,
                    seqid: header.seqid,
                })
                .ok()?;
        }
        rewritten.extend_from_slice(&request[body_start..]);
        processor
            .process_boxed(protocol, rewritten.freeze(), limits)
            .await
    }
}

/// The UNKNOWN_METHOD reply to a call no service here can take (nothing for a oneway call).
fn refuse<C: Codec>(
    header: &MessageHeader,
    reader: &mut C::Reader,
    message: String,
) -> Option<BytesMut> {
    if reader.skip(TType::Struct).is_err() || header.kind != MessageType::Call {
        return None;
    }
    encode_exception::<C>(
        header,
        &ApplicationException::new(ApplicationExceptionKind::UNKNOWN_METHOD, message),
    )
}

impl Processor for MultiplexedProcessor {
    async fn process(
        &self,
        protocol: Protocol,
        request: Bytes,
        limits: Limits,
    ) -> Option<BytesMut> {
        match protocol {
            Protocol::Binary => self.process_in::<Binary>(protocol, request, limits).await,
            Protocol::Compact => self.process_in::<Compact>(protocol, request, limits).await,
            Protocol::Json => self.process_in::<Json>(protocol, request, limits).await,
        }
    }
}
