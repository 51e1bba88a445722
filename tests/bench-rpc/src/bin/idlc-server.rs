//! The echo service on idlc's server: `idlc-server ADDR [--tls DIR]`, prints the bound address, then serves
//! until killed. With `--tls`, over TLS with `DIR/server.pem` and `DIR/server.key`.

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
    let mut args = std::env::args().skip(1);
    let addr = args.next().unwrap_or_else(|| "127.0.0.1:0".to_owned());
    let mut builder = Server::builder();
    if args.next().as_deref() == Some("--tls") {
        let dir = std::path::PathBuf::from(args.next().expect("--tls DIR"));
        let chain = std::fs::read(dir.join("server.pem"))?;
        let key = std::fs::read(dir.join("server.key"))?;
        builder = builder.tls(idlc_runtime::ServerTls::from_pem(&chain, &key)?);
    }
    let server = builder.bind(&addr).await?;
    println!("{}", server.local_addr()?);
    server.serve(EchoProcessor::new(EchoHandler)).await?;
    Ok(())
}
