//! Calls every method of a calculator server once, prints what came back, then the calls' metrics. With
//! `--tls DIR`, over TLS, trusting the CA in `DIR/ca.pem` to have signed the server's certificate for
//! `localhost`.
//!
//! ```sh
//! cargo run -p calculator-example --bin calculator-client -- 127.0.0.1:9090 [framed|unframed|header] [binary|compact|json] [--tls DIR]
//! ```

use std::error::Error;
use std::time::Duration;

use calculator_example::idl::calculator::{
    CalculatorCalculateException, CalculatorClient, Operation, Work,
};
use calculator_example::stats::CallStats;
use calculator_example::tls;
use idlc_runtime::rpc::ServiceChannel;
use idlc_runtime::{CallError, Protocol, TcpChannel, Transport};

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let stats = CallStats::install()?;
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let tls_dir = tls::take_flag(&mut args)?;
    let mut args = args.into_iter();
    let addr = args.next().unwrap_or_else(|| "127.0.0.1:9090".to_owned());
    let transport = match args.next().as_deref() {
        None | Some("framed") => Transport::Framed,
        Some("unframed") => Transport::Unframed,
        Some("header") => Transport::Header,
        Some(other) => return Err(format!("unknown transport {other:?}").into()),
    };
    let protocol = match args.next().as_deref() {
        None | Some("binary") => Protocol::Binary,
        Some("compact") => Protocol::Compact,
        Some("json") => Protocol::Json,
        Some(other) => return Err(format!("unknown protocol {other:?}").into()),
    };
    let mut builder = TcpChannel::builder(addr.as_str())
        .transport(transport)
        .protocol(protocol)
        .metrics(true);
    if let Some(dir) = &tls_dir {
        // The throwaway certificate names `localhost` and `127.0.0.1`; the name is checked whatever `addr` is.
        builder = builder.tls(tls::client_tls(dir)?, "localhost");
    }
    let channel = builder.connect().await?;
    // The channel is a `tower::Service`: a call gets 5 s, and at most 16 are in flight at once on the
    // connection. `like` keeps the channel's protocol and sequence ids, which the replies are matched by.
    let layered = tower::ServiceBuilder::new()
        .timeout(Duration::from_secs(5))
        .concurrency_limit(16)
        .service(channel.clone());
    let client = CalculatorClient::new(ServiceChannel::like(&channel, layered));
    let over = if tls_dir.is_some() { " over TLS" } else { "" };
    println!("connected to {addr} ({transport} {protocol}{over})");

    client.ping().await?;
    println!("ping()");
    println!("add(1, 1) = {}", client.add(1, 1).await?);

    let divide_by_zero = Work {
        first: 1,
        second: 0,
        op: Operation::DIVIDE,
        comment: None,
    };
    match client.calculate(1, divide_by_zero).await {
        Err(CallError::Declared(CalculatorCalculateException::Ouch(ouch))) => {
            println!("calculate(1, 1 / 0) failed as declared: {ouch}")
        }
        other => println!("calculate(1, 1 / 0) unexpectedly gave {other:?}"),
    }
    let subtract = Work {
        first: 15,
        second: 10,
        op: Operation::SUBTRACT,
        comment: Some("remember me".to_owned()),
    };
    println!(
        "calculate(1, 15 - 10) = {}",
        client.calculate(1, subtract).await?
    );
    println!("getStruct(1) = {:?}", client.get_struct(1).await?);
    client.zip().await?;
    println!("zip() sent (oneway)");

    println!("\ncalls made (the idlc_client_* metrics):");
    print!("{}", stats.table("client"));
    Ok(())
}
