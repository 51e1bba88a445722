//! The echo service on volo-thrift's server, as volo-build generates it (its default codec: TTHeader or framed,
//! binary): `volo-server ADDR`, serves until killed.

use std::net::SocketAddr;

use idlc_bench_rpc::volo_gen::echo::{Echo, EchoServer};

struct EchoHandler;

impl Echo for EchoHandler {
    async fn echo(
        &self,
        payload: pilota::Bytes,
    ) -> Result<pilota::Bytes, volo_thrift::ServerError> {
        Ok(payload)
    }
}

#[volo::main]
async fn main() -> anyhow::Result<()> {
    let addr: SocketAddr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:9090".to_owned())
        .parse()?;
    EchoServer::new(EchoHandler)
        .run(volo::net::Address::from(addr))
        .await
        .map_err(|error| anyhow::anyhow!("volo server: {error}"))?;
    Ok(())
}
