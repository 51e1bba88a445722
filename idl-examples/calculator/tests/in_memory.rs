//! Every method of the calculator, called through the generated client and processor, in each protocol.

use calculator_example::CalculatorService;
use calculator_example::idl::calculator::{
    CalculatorCalculateException, CalculatorClient, CalculatorProcessor, InvalidOperation,
    Operation, Work,
};
use calculator_example::idl::shared::SharedStruct;
use idlc_runtime::{ApplicationExceptionKind, CallError, InMemoryChannel, Protocol};

type Client = CalculatorClient<InMemoryChannel<CalculatorProcessor<CalculatorService>>>;

fn client(protocol: Protocol) -> Client {
    let processor = CalculatorProcessor::new(CalculatorService::default());
    CalculatorClient::new(InMemoryChannel::new(processor, protocol))
}

const PROTOCOLS: [Protocol; 3] = [Protocol::Binary, Protocol::Compact, Protocol::Json];

#[tokio::test]
async fn ping_and_add() {
    for protocol in PROTOCOLS {
        let client = client(protocol);
        client.ping().await.expect("ping");
        assert_eq!(client.add(2, 40).await.expect("add"), 42);
        assert_eq!(client.add(-7, 7).await.expect("add"), 0);
    }
}

#[tokio::test]
async fn add_overflow_is_an_application_exception() {
    let client = client(Protocol::Binary);
    match client.add(i32::MAX, 1).await {
        Err(CallError::Application(exception)) => {
            assert_eq!(exception.kind, ApplicationExceptionKind::UNKNOWN);
            assert!(exception.message.contains("does not fit"), "{exception}");
        }
        other => panic!("expected an application exception, got {other:?}"),
    }
}

#[tokio::test]
async fn calculate_logs_its_answer_for_get_struct() {
    for protocol in PROTOCOLS {
        let client = client(protocol);
        let work = Work {
            first: 6,
            second: 7,
            op: Operation::MULTIPLY,
            comment: Some("six by seven".into()),
        };
        assert_eq!(client.calculate(1, work).await.expect("calculate"), 42);
        let subtract = Work {
            first: 1,
            second: 10,
            op: Operation::SUBTRACT,
            ..Work::default()
        };
        assert_eq!(client.calculate(2, subtract).await.expect("calculate"), -9);
        assert_eq!(
            client.get_struct(1).await.expect("getStruct"),
            SharedStruct {
                key: 1,
                value: "42".into()
            }
        );
        assert_eq!(client.get_struct(2).await.expect("getStruct").value, "-9");
    }
}

#[tokio::test]
async fn dividing_by_zero_raises_invalid_operation() {
    for protocol in PROTOCOLS {
        let client = client(protocol);
        let work = Work {
            first: 1,
            second: 0,
            op: Operation::DIVIDE,
            comment: None,
        };
        match client.calculate(3, work).await {
            Err(CallError::Declared(CalculatorCalculateException::Ouch(InvalidOperation {
                what_op,
                why,
            }))) => {
                assert_eq!(what_op, Operation::DIVIDE.0);
                assert_eq!(why, "cannot divide by zero");
            }
            other => panic!("{protocol:?}: expected InvalidOperation, got {other:?}"),
        }
        // Nothing was logged for the failed call.
        assert!(matches!(
            client.get_struct(3).await,
            Err(CallError::Application(_))
        ));
    }
}

#[tokio::test]
async fn unknown_operation_raises_invalid_operation() {
    let client = client(Protocol::Compact);
    let work = Work {
        op: Operation(99),
        ..Work::default()
    };
    let error = client.calculate(4, work).await.expect_err("operation 99");
    assert!(
        matches!(&error, CallError::Declared(CalculatorCalculateException::Ouch(e)) if e.what_op == 99),
        "{error:?}"
    );
}

#[tokio::test]
async fn zip_is_oneway_and_clears_the_log() {
    for protocol in PROTOCOLS {
        let client = client(protocol);
        client
            .calculate(5, Work::default())
            .await
            .expect("calculate");
        assert!(client.get_struct(5).await.is_ok());
        client.zip().await.expect("zip");
        let error = client.get_struct(5).await.expect_err("the log was cleared");
        match error {
            CallError::Application(exception) => {
                assert_eq!(exception.message, "nothing is logged under 5");
            }
            other => panic!("expected an application exception, got {other:?}"),
        }
    }
}
