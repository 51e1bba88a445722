//! The echo service on Apache Thrift's threaded server (`thrift::server::TServer`), configured as Apache's Rust
//! tutorial configures it: framed transport, binary protocol, one pooled worker thread per connection.
//! `apache-server ADDR [--nodelay]`, serves until killed.
//!
//! `TServer` leaves Nagle's algorithm on and its framed transport writes the length prefix and the message in two
//! writes, so every reply waits for the client's delayed ACK. `--nodelay` serves the same generated processor and
//! the same transports and protocols from a plain accept loop (one thread per connection, as `TServer`'s pool
//! does) that sets `TCP_NODELAY`, which `TServer` offers no way to do: it shows what the crate does without
//! that stall.

use std::net::TcpListener;
use std::sync::Arc;
use std::thread;

use idlc_bench_rpc::apache_gen::{EchoSyncHandler, EchoSyncProcessor};
use thrift::protocol::{
    TBinaryInputProtocol, TBinaryInputProtocolFactory, TBinaryOutputProtocol,
    TBinaryOutputProtocolFactory,
};
use thrift::server::{TProcessor, TServer};
use thrift::transport::{
    TFramedReadTransport, TFramedReadTransportFactory, TFramedWriteTransport,
    TFramedWriteTransportFactory, TIoChannel, TTcpChannel,
};

/// More workers than the benchmark's 32 callers, each of which holds one connection (and so one worker) for
/// the whole run.
const WORKERS: usize = 64;

struct EchoHandler;

impl EchoSyncHandler for EchoHandler {
    fn handle_echo(&self, payload: Vec<u8>) -> thrift::Result<Vec<u8>> {
        Ok(payload)
    }
}

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let addr = args.next().unwrap_or_else(|| "127.0.0.1:9090".to_owned());
    let nodelay = args.next().as_deref() == Some("--nodelay");
    let processor = EchoSyncProcessor::new(EchoHandler);
    if nodelay {
        return serve_nodelay(&addr, processor);
    }
    let mut server = TServer::new(
        TFramedReadTransportFactory::new(),
        TBinaryInputProtocolFactory::new(),
        TFramedWriteTransportFactory::new(),
        TBinaryOutputProtocolFactory::new(),
        processor,
        WORKERS,
    );
    server.listen(addr.as_str())?;
    Ok(())
}

/// `TServer`'s per-connection loop, over sockets with `TCP_NODELAY` set.
fn serve_nodelay(addr: &str, processor: EchoSyncProcessor<EchoHandler>) -> anyhow::Result<()> {
    let processor = Arc::new(processor);
    for stream in TcpListener::bind(addr)?.incoming() {
        let stream = stream?;
        stream.set_nodelay(true)?;
        let (reader, writer) = TTcpChannel::with_stream(stream).split()?;
        let processor = Arc::clone(&processor);
        thread::spawn(move || {
            let mut input = TBinaryInputProtocol::new(TFramedReadTransport::new(reader), true);
            let mut output = TBinaryOutputProtocol::new(TFramedWriteTransport::new(writer), true);
            // The client closing its connection ends the loop with an end-of-file error.
            while processor.process(&mut input, &mut output).is_ok() {}
        });
    }
    Ok(())
}
