//! A service defined with `#[derive(RpcService)]`, called client → processor → client in memory through the
//! encoded bytes, in every protocol, including a declared exception, a method inherited from a service in
//! an included file, and a oneway call.
// The test IDLs document only some definitions and fields, and generated items carry the IDL's docs.
#![allow(missing_docs)]

use std::sync::atomic::{AtomicUsize, Ordering};

use idlc_macros::RpcService;
use idlc_runtime::{CallError, InMemoryChannel, NoException, Protocol, ServiceError};

/// The calculator service, generated from its IDL into the module `calculator`.
#[derive(RpcService)]
#[rpc(
    idl = "tests/idl/calculator.thrift",
    service = "Calculator",
    include = "tests/idl/shared"
)]
pub struct Calculator;

/// The same service, its IDL found relative to this source file rather than to the crate.
#[derive(RpcService)]
#[rpc(
    idl = "idl/calculator.thrift",
    service = "Calculator",
    include = "idl/shared",
    relative_to = "file"
)]
pub struct CalculatorBesideThisFile;

use calculator::shared::{Entry, Store};
use calculator::{CalculatorCalculateException, CalculatorClient, CalculatorProcessor, Op, Work};

#[derive(Default)]
struct Handler {
    forgotten: AtomicUsize,
}

impl Store for Handler {
    async fn get(&self, key: i32) -> Result<Entry, ServiceError<NoException>> {
        Ok(Entry {
            key,
            value: format!("entry {key}"),
        })
    }
}

impl calculator::Calculator for Handler {
    async fn ping(&self) -> Result<(), ServiceError<NoException>> {
        Ok(())
    }

    async fn add(&self, a: i32, b: i32) -> Result<i32, ServiceError<NoException>> {
        Ok(a.wrapping_add(b))
    }

    async fn calculate(
        &self,
        work: Work,
    ) -> Result<i32, ServiceError<CalculatorCalculateException>> {
        match work.op {
            Op::ADD => Ok(work.left + work.right),
            Op::SUBTRACT => Ok(work.left - work.right),
            _ if work.right == 0 => Err(calculator::DivideByZero {
                message: format!("{} / 0", work.left),
            }
            .into()),
            _ => Ok(work.left / work.right),
        }
    }

    async fn forget(&self) -> Result<(), ServiceError<NoException>> {
        self.forgotten.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }
}

#[test]
fn the_marker_names_its_idl_and_service() {
    assert_eq!(Calculator::IDL, "tests/idl/calculator.thrift");
    assert_eq!(Calculator::SERVICE, "Calculator");
}

#[tokio::test]
async fn calls_go_through_the_generated_client_and_processor() {
    for protocol in [Protocol::Binary, Protocol::Compact, Protocol::Json] {
        let client = CalculatorClient::new(InMemoryChannel::new(
            CalculatorProcessor::new(Handler::default()),
            protocol,
        ));
        client.ping().await.unwrap();
        assert_eq!(client.add(40, 2).await.unwrap(), 42, "{protocol:?}");
        let work = Work {
            left: 7,
            right: 5,
            op: Op::SUBTRACT,
            note: Some("difference".into()),
        };
        assert_eq!(client.calculate(work).await.unwrap(), 2, "{protocol:?}");
        // The IDL default (`op = Op.ADD`) holds in the generated `Default`.
        let work = Work {
            left: 1,
            right: 2,
            ..Work::default()
        };
        assert_eq!(client.calculate(work).await.unwrap(), 3, "{protocol:?}");
        let work = Work {
            left: 1,
            right: 0,
            op: Op::DIVIDE,
            note: None,
        };
        match client.calculate(work).await {
            Err(CallError::Declared(CalculatorCalculateException::Ouch(ouch))) => {
                assert_eq!(ouch.message, "1 / 0", "{protocol:?}");
            }
            other => panic!("{protocol:?}: expected the declared exception, got {other:?}"),
        }
        let entry = client.get(3).await.unwrap();
        assert_eq!(entry.value, "entry 3", "{protocol:?}");
        client.forget().await.unwrap();
    }
}

#[test]
fn paths_can_be_relative_to_the_source_file() {
    assert_eq!(CalculatorBesideThisFile::IDL, "idl/calculator.thrift");
    // The same IDL, reached from another directory, generates the same items.
    let work = calculator_beside_this_file::Work {
        left: 1,
        right: 2,
        op: calculator_beside_this_file::Op::SUBTRACT,
        ..Default::default()
    };
    assert_eq!(work.op.0, Op::SUBTRACT.0);
    assert_eq!(work.note, None);
}
