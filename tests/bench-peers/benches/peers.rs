//! idlc next to Apache Thrift and pilota: encode and decode of a small, a medium and a large message in the
//! binary and compact protocols. `cargo bench` here; pass criterion options after `--`.

use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};

fn config() -> Criterion {
    // Short runs: 60-odd benchmarks on a shared two-core machine. Longer runs: `-- --measurement-time 10`.
    Criterion::default()
        .warm_up_time(Duration::from_millis(700))
        .measurement_time(Duration::from_secs(2))
        .sample_size(40)
}

criterion_group! {
    name = peers;
    config = config();
    targets = idlc_bench_peers::bench_all
}
criterion_main!(peers);
