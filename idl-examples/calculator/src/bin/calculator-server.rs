//! Serves the calculator on a TCP port until Ctrl-C, speaking whatever each client speaks: THeader, framed
//! or unframed; binary, compact or JSON. With `--tls DIR`, over TLS, with the certificate and key in `DIR`
//! (a throwaway CA and certificate are made there if it has none). On shutdown it prints the calls it served.
//!
//! ```sh
//! cargo run -p calculator-example --bin calculator-server -- 127.0.0.1:9090 [--tls DIR]
//! ```

use std::error::Error;
use std::time::Duration;

use calculator_example::idl::calculator::CalculatorProcessor;
use calculator_example::stats::CallStats;
use calculator_example::{CalculatorService, tls};
use idlc_runtime::Server;
use idlc_runtime::rpc::ProcessorService;

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let stats = CallStats::install()?;
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let tls_dir = tls::take_flag(&mut args)?;
    let addr = args
        .first()
        .cloned()
        .unwrap_or_else(|| "127.0.0.1:9090".to_owned());

    let mut builder = Server::builder().metrics(true);
    if let Some(dir) = &tls_dir {
        if tls::generate_if_missing(dir)? {
            println!(
                "wrote a throwaway CA ({}) and a certificate for localhost and 127.0.0.1 ({}, {}) to {}",
                tls::CA_PEM,
                tls::SERVER_PEM,
                tls::SERVER_KEY,
                dir.display()
            );
        }
        builder = builder.tls(tls::server_tls(dir)?);
    }
    let server = builder.bind(addr).await?;
    println!("calculator listening on {}", server.local_addr()?);

    // A call still running after 5 s is answered with a TIMEOUT exception, and at most 64 run at once (the
    // rest wait their turn), so a flood of slow calls cannot take the whole machine.
    let service = tower::ServiceBuilder::new()
        .timeout(Duration::from_secs(5))
        .concurrency_limit(64)
        .service(ProcessorService::new(CalculatorProcessor::new(
            CalculatorService::default(),
        )));
    server
        .serve_service(service, async {
            // If Ctrl-C cannot be listened for, serve until killed.
            if tokio::signal::ctrl_c().await.is_err() {
                std::future::pending::<()>().await;
            }
        })
        .await?;
    println!("calculator stopped after finishing the calls in flight");
    println!("calls served (the idlc_server_* metrics):");
    print!("{}", stats.table("server"));
    Ok(())
}
