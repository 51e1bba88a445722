//! The tutorial calculator served with settings from the command line, for the hostile-peer tests
//! (`tests/tests/hostile_peers.rs`), which run it as a process of its own so that they can read its memory
//! and CPU time from `/proc`.
//!
//! ```text
//! server-under-attack [--max-connections N] [--idle-ms MS] [--read-ms MS] [--write-ms MS] [--grace-ms MS]
//!                     [--memory-limit BYTES] [--max-frame BYTES] [--max-string BYTES] [--queued-replies BYTES]
//! ```
//!
//! It prints `listening <addr>` once bound, and shuts down gracefully when its standard input closes.
//! `getStruct(key)` answers with a value of `key` bytes (so a caller picks the size of the reply), and
//! `add(i32::MIN, _)` never answers (a call still in flight at shutdown).

use std::time::Duration;

use idlc_runtime::{Limits, NoException, Server, ServiceError};
use idlc_tests::generated::calculator::{
    Calculator, CalculatorCalculateException, CalculatorProcessor, Work,
};
use idlc_tests::generated::shared::{SharedService, SharedStruct};
use tokio::io::AsyncReadExt;

struct Handler;

impl SharedService for Handler {
    async fn get_struct(&self, key: i32) -> Result<SharedStruct, ServiceError<NoException>> {
        let len = usize::try_from(key).unwrap_or(0).min(64 << 20);
        Ok(SharedStruct {
            key,
            value: "v".repeat(len),
        })
    }
}

impl Calculator for Handler {
    async fn ping(&self) -> Result<(), ServiceError<NoException>> {
        Ok(())
    }

    async fn add(&self, num1: i32, num2: i32) -> Result<i32, ServiceError<NoException>> {
        if num1 == i32::MIN {
            std::future::pending::<()>().await;
        }
        Ok(num1.wrapping_add(num2))
    }

    async fn calculate(
        &self,
        logid: i32,
        w: Work,
    ) -> Result<i32, ServiceError<CalculatorCalculateException>> {
        Ok(logid.wrapping_add(w.first).wrapping_add(w.second))
    }

    async fn zip(&self) -> Result<(), ServiceError<NoException>> {
        Ok(())
    }
}

fn main() -> anyhow::Result<()> {
    let mut builder = Server::builder();
    let mut limits = Limits::DEFAULT;
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let value: u64 = args
            .next()
            .ok_or_else(|| anyhow::anyhow!("{flag} needs a value"))?
            .parse()?;
        let ms = Duration::from_millis(value);
        let bytes = value as usize;
        builder = match flag.as_str() {
            "--max-connections" => builder.max_connections(bytes),
            "--idle-ms" => builder.idle_timeout(ms),
            "--read-ms" => builder.read_timeout(ms),
            "--write-ms" => builder.write_timeout(ms),
            "--grace-ms" => builder.shutdown_grace(ms),
            "--memory-limit" => builder.memory_limit(bytes),
            "--max-frame" => builder.max_frame_len(bytes),
            "--queued-replies" => builder.max_queued_reply_bytes(bytes),
            "--max-string" => {
                limits.max_string_len = bytes;
                builder
            }
            other => anyhow::bail!("unknown flag {other}"),
        };
    }
    let builder = builder.message_limits(limits);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let server = builder.bind("127.0.0.1:0").await?;
        println!("listening {}", server.local_addr()?);
        let stdin_closed = async {
            let mut sink = [0u8; 64];
            let mut stdin = tokio::io::stdin();
            while stdin.read(&mut sink).await.is_ok_and(|n| n > 0) {}
        };
        server
            .serve_with_shutdown(CalculatorProcessor::new(Handler), stdin_closed)
            .await?;
        anyhow::Ok(())
    })
}
