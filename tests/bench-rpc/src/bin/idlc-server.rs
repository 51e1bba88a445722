//! The echo service on idlc's server: `idlc-server ADDR`, prints the bound address, then serves until killed.

use bytes::Bytes;
use idlc_bench_rpc::idlc_gen::echo::{Echo, EchoProcessor};
use idlc_runtime::{NoException, Server, ServiceError};

struct EchoHandler;

impl Echo for EchoHandler {
    async fn echo(&self, payload: Bytes) -> Result<Bytes, ServiceError<NoException>> {
        Ok(payload)
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:0".to_owned());
    let server = Server::builder().bind(&addr).await?;
    println!("{}", server.local_addr()?);
    server.serve(EchoProcessor::new(EchoHandler)).await?;
    Ok(())
}
