//! Generated client → processor → client, in memory through the encoded bytes, in every protocol: success,
//! a declared exception, an application exception from the handler, an unknown method, a oneway call, and a
//! method inherited through `extends`.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use bytes::{Bytes, BytesMut};
use idlc_runtime::protocol::binary::{BinaryReader, BinaryWriter};
use idlc_runtime::protocol::compact::{CompactReader, CompactWriter};
use idlc_runtime::protocol::json::{JsonReader, JsonWriter};
use idlc_runtime::{
    ApplicationException, ApplicationExceptionKind, BytesInput, CallError, InMemoryChannel, Limits,
    MessageHeader, MessageType, Processor, Protocol, Reader, ServiceError, ThriftStruct, Writer,
};
use idlc_tests::generated::calculator::{
    Calculator, CalculatorCalculateException, CalculatorClient, CalculatorProcessor,
    InvalidOperation, Operation, Work,
};
use idlc_tests::generated::shared::{SharedService, SharedStruct};

const PROTOCOLS: [Protocol; 3] = [Protocol::Binary, Protocol::Compact, Protocol::Json];

#[derive(Default)]
struct Handler {
    zips: AtomicUsize,
    log: Mutex<Vec<(i32, i32)>>,
}

impl SharedService for Handler {
    async fn get_struct(
        &self,
        key: i32,
    ) -> Result<SharedStruct, ServiceError<idlc_runtime::NoException>> {
        if key < 0 {
            return Err(ApplicationException::new(
                ApplicationExceptionKind::INTERNAL_ERROR,
                "negative key",
            )
            .into());
        }
        Ok(SharedStruct {
            key,
            value: format!("value {key}"),
        })
    }
}

impl Calculator for Handler {
    async fn ping(&self) -> Result<(), ServiceError<idlc_runtime::NoException>> {
        Ok(())
    }

    async fn add(
        &self,
        num1: i32,
        num2: i32,
    ) -> Result<i32, ServiceError<idlc_runtime::NoException>> {
        Ok(num1.wrapping_add(num2))
    }

    async fn calculate(
        &self,
        logid: i32,
        w: Work,
    ) -> Result<i32, ServiceError<CalculatorCalculateException>> {
        let answer = match w.op {
            Operation::ADD => w.first + w.second,
            Operation::SUBTRACT => w.first - w.second,
            Operation::MULTIPLY => w.first * w.second,
            Operation::DIVIDE if w.second == 0 => {
                return Err(InvalidOperation {
                    what_op: w.op.0,
                    why: "Cannot divide by 0".into(),
                }
                .into());
            }
            Operation::DIVIDE => w.first / w.second,
            Operation(-1) => panic!("asked to fail"),
            other => {
                return Err(ServiceError::Application(ApplicationException::new(
                    ApplicationExceptionKind::UNKNOWN,
                    format!("no such operation {other:?}"),
                )));
            }
        };
        self.log.lock().unwrap().push((logid, answer));
        Ok(answer)
    }

    async fn zip(&self) -> Result<(), ServiceError<idlc_runtime::NoException>> {
        self.zips.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }
}

fn client(protocol: Protocol) -> CalculatorClient<InMemoryChannel<CalculatorProcessor<Handler>>> {
    CalculatorClient::new(InMemoryChannel::new(
        CalculatorProcessor::new(Handler::default()),
        protocol,
    ))
}

#[tokio::test]
async fn calls_succeed_in_every_protocol() {
    for protocol in PROTOCOLS {
        let client = client(protocol);
        client.ping().await.unwrap();
        assert_eq!(client.add(20, 22).await.unwrap(), 42, "{protocol:?}");
        let work = Work {
            first: 7,
            second: 6,
            op: Operation::MULTIPLY,
            comment: Some("times".into()),
        };
        assert_eq!(client.calculate(1, work).await.unwrap(), 42, "{protocol:?}");
    }
}

#[tokio::test]
async fn declared_exceptions_arrive_typed() {
    for protocol in PROTOCOLS {
        let work = Work {
            first: 1,
            second: 0,
            op: Operation::DIVIDE,
            comment: None,
        };
        match client(protocol).calculate(2, work).await {
            Err(CallError::Declared(CalculatorCalculateException::Ouch(ouch))) => {
                assert_eq!(
                    ouch,
                    InvalidOperation {
                        what_op: 4,
                        why: "Cannot divide by 0".into()
                    }
                );
            }
            other => panic!("{protocol:?}: expected the declared exception, got {other:?}"),
        }
    }
}

#[tokio::test]
async fn application_exceptions_from_the_handler_arrive_as_such() {
    for protocol in PROTOCOLS {
        let work = Work {
            first: 1,
            second: 2,
            op: Operation(99),
            comment: None,
        };
        match client(protocol).calculate(3, work).await {
            Err(CallError::Application(e)) => {
                assert_eq!(e.kind, ApplicationExceptionKind::UNKNOWN);
                assert_eq!(e.message, "no such operation Operation(99)");
            }
            other => panic!("{protocol:?}: expected an application exception, got {other:?}"),
        }
        match client(protocol).get_struct(-1).await {
            Err(CallError::Application(e)) => {
                assert_eq!(e.kind, ApplicationExceptionKind::INTERNAL_ERROR)
            }
            other => panic!("{protocol:?}: expected an application exception, got {other:?}"),
        }
    }
}

#[tokio::test]
async fn a_panicking_handler_is_answered_with_internal_error() {
    for protocol in PROTOCOLS {
        let work = Work {
            op: Operation(-1),
            ..Work::default()
        };
        match client(protocol).calculate(4, work).await {
            Err(CallError::Application(e)) => {
                assert_eq!(
                    e.kind,
                    ApplicationExceptionKind::INTERNAL_ERROR,
                    "{protocol:?}"
                );
                assert_eq!(e.message, "the handler panicked: asked to fail");
            }
            other => panic!("{protocol:?}: expected INTERNAL_ERROR, got {other:?}"),
        }
    }
}

#[tokio::test]
async fn inherited_methods_are_served_and_called() {
    for protocol in PROTOCOLS {
        let got = client(protocol).get_struct(5).await.unwrap();
        assert_eq!(
            got,
            SharedStruct {
                key: 5,
                value: "value 5".into()
            },
            "{protocol:?}"
        );
    }
}

#[tokio::test]
async fn oneway_calls_reach_the_handler_and_return_nothing() {
    for protocol in PROTOCOLS {
        let handler = Arc::new(Handler::default());
        let processor = CalculatorProcessor::from_arc(Arc::clone(&handler));
        let client = CalculatorClient::new(InMemoryChannel::new(processor.clone(), protocol));
        client.zip().await.unwrap();
        client.zip().await.unwrap();
        // A oneway request gets no reply from the processor itself either.
        let request = encode_call(protocol, "zip", MessageType::Oneway, 9);
        assert!(
            processor
                .process(protocol, request.freeze(), Limits::DEFAULT)
                .await
                .is_none()
        );
        assert_eq!(handler.zips.load(Ordering::SeqCst), 3, "{protocol:?}");
    }
}

#[tokio::test]
async fn unknown_methods_get_an_unknown_method_exception_with_the_seqid() {
    for protocol in PROTOCOLS {
        let processor = CalculatorProcessor::new(Handler::default());
        let request = encode_call(protocol, "divideByZero", MessageType::Call, 77);
        let reply = processor
            .process(protocol, request.freeze(), Limits::DEFAULT)
            .await
            .expect("a call gets a reply");
        let (header, exception) = decode_exception(protocol, reply.freeze());
        assert_eq!(header.name, "divideByZero", "{protocol:?}");
        assert_eq!(header.kind, MessageType::Exception, "{protocol:?}");
        assert_eq!(header.seqid, 77, "{protocol:?}");
        assert_eq!(
            exception.kind,
            ApplicationExceptionKind::UNKNOWN_METHOD,
            "{protocol:?}"
        );
        assert_eq!(exception.message, "Invalid method name: 'divideByZero'");

        // An unknown oneway call is dropped without a reply.
        let request = encode_call(protocol, "divideByZero", MessageType::Oneway, 78);
        assert!(
            processor
                .process(protocol, request.freeze(), Limits::DEFAULT)
                .await
                .is_none()
        );
    }
}

#[tokio::test]
async fn messages_that_are_not_requests_get_invalid_message_type() {
    for protocol in PROTOCOLS {
        let processor = CalculatorProcessor::new(Handler::default());
        let request = encode_call(protocol, "add", MessageType::Reply, 11);
        let reply = processor
            .process(protocol, request.freeze(), Limits::DEFAULT)
            .await
            .expect("answered");
        let (header, exception) = decode_exception(protocol, reply.freeze());
        assert_eq!(header.seqid, 11);
        assert_eq!(
            exception.kind,
            ApplicationExceptionKind::INVALID_MESSAGE_TYPE,
            "{protocol:?}"
        );
    }
}

#[tokio::test]
async fn undecodable_arguments_get_a_protocol_error() {
    for protocol in PROTOCOLS {
        let processor = CalculatorProcessor::new(Handler::default());
        // `add` with its first argument as a string cannot be skipped into shape: num1 keeps its default,
        // but a truncated message cannot be read at all.
        let mut request = encode_call(protocol, "add", MessageType::Call, 5);
        request.truncate(request.len() - 3);
        let reply = processor
            .process(protocol, request.freeze(), Limits::DEFAULT)
            .await
            .expect("a call with a readable envelope gets a reply");
        let (header, exception) = decode_exception(protocol, reply.freeze());
        assert_eq!(header.seqid, 5);
        assert_eq!(
            exception.kind,
            ApplicationExceptionKind::PROTOCOL_ERROR,
            "{protocol:?}"
        );
    }
}

#[tokio::test]
async fn a_request_whose_envelope_cannot_be_read_gets_no_reply() {
    for protocol in PROTOCOLS {
        let processor = CalculatorProcessor::new(Handler::default());
        // Cut inside the envelope: neither the seqid nor the name can be trusted, so there is nothing a client
        // could match a reply against; the transport is left to close the connection.
        let request = encode_call(protocol, "add", MessageType::Call, 5);
        for cut in [0, 1, 3] {
            let reply = processor
                .process(
                    protocol,
                    request.clone().freeze().slice(..cut),
                    Limits::DEFAULT,
                )
                .await;
            assert!(reply.is_none(), "{protocol:?}, {cut} bytes");
        }
    }
}

fn decode_exception(protocol: Protocol, reply: Bytes) -> (MessageHeader, ApplicationException) {
    fn read<R: Reader>(r: &mut R) -> (MessageHeader, ApplicationException) {
        let header = r.read_message_begin().unwrap();
        let exception = ApplicationException::decode(r).unwrap();
        r.read_message_end().unwrap();
        (header, exception)
    }
    let input = BytesInput::new(reply);
    match protocol {
        Protocol::Binary => read(&mut BinaryReader::new(input, Limits::default())),
        Protocol::Compact => read(&mut CompactReader::new(input, Limits::default())),
        Protocol::Json => read(&mut JsonReader::new(input, Limits::default())),
    }
}

/// A request for `name` whose arguments are one unknown i32 field, built by hand rather than by generated code.
fn encode_call(protocol: Protocol, name: &str, kind: MessageType, seqid: i32) -> BytesMut {
    let header = MessageHeader {
        name: name.to_owned(),
        kind,
        seqid,
    };
    let mut buf = BytesMut::new();
    fn write<W: Writer>(w: &mut W, header: &MessageHeader) {
        w.write_message_begin(header).unwrap();
        w.write_struct_begin("args").unwrap();
        w.write_field_begin("ignored", idlc_runtime::TType::I32, 1)
            .unwrap();
        w.write_i32(5).unwrap();
        w.write_field_end().unwrap();
        w.write_field_stop().unwrap();
        w.write_struct_end().unwrap();
        w.write_message_end().unwrap();
    }
    match protocol {
        Protocol::Binary => write(&mut BinaryWriter::new(&mut buf), &header),
        Protocol::Compact => write(&mut CompactWriter::new(&mut buf), &header),
        Protocol::Json => write(&mut JsonWriter::new(&mut buf), &header),
    }
    buf
}
