//! Every cell of the peer bench timed by interleaved best-of, printed as a Markdown table of nanoseconds per
//! operation and of idlc's throughput relative to each peer. Steadier than criterion's medians on a machine
//! shared with other work. `cargo run --release --example best_of [ROUNDS] [BATCH_MICROS]`.

use std::time::Duration;

fn main() {
    let mut args = std::env::args().skip(1);
    let rounds: usize = args
        .next()
        .map_or(300, |a| a.parse().expect("ROUNDS is a number"));
    let batch_micros: u64 = args
        .next()
        .map_or(300, |a| a.parse().expect("BATCH_MICROS is a number"));
    let rows = idlc_bench_peers::best_of(rounds, Duration::from_micros(batch_micros));
    println!(
        "best of {rounds} interleaved batches of ~{batch_micros} µs per implementation and cell\n"
    );
    println!(
        "| message | protocol | direction | idlc ns | idlc-faststr ns | apache ns | pilota ns | pilota-unsafe ns \
         | idlc/apache | idlc/pilota | faststr/apache | faststr/pilota | faststr/pilota-unsafe |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|---|---|");
    for row in rows {
        let time = |name: &str| row.times.iter().find(|(n, _)| *n == name).map(|(_, t)| *t);
        let ns = |name: &str| time(name).map_or("–".to_owned(), |t| format!("{t:.0}"));
        let ratio = |ours: &str, peer: &str| match (time(ours), time(peer)) {
            (Some(ours), Some(peer)) => format!("{:.2}x", peer / ours),
            _ => "–".to_owned(),
        };
        let cells: Vec<&str> = row.cell.split('/').collect();
        println!(
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            cells[0],
            cells[1],
            cells[2],
            ns("idlc"),
            ns("idlc-faststr"),
            ns("apache"),
            ns("pilota"),
            ns("pilota-unsafe"),
            ratio("idlc", "apache"),
            ratio("idlc", "pilota"),
            ratio("idlc-faststr", "apache"),
            ratio("idlc-faststr", "pilota"),
            ratio("idlc-faststr", "pilota-unsafe"),
        );
    }
}
