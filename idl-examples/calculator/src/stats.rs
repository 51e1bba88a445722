//! The runtime's per-method call metrics, collected in memory and printed as a table: a stand-in for the
//! Prometheus (or other) exporter a deployed service would install, showing what it would receive.

use std::collections::BTreeMap;
use std::fmt::Write;

use metrics_util::debugging::{DebugValue, DebuggingRecorder, Snapshotter};

/// Collects every metric the process records, from the moment it is installed.
#[derive(Debug, Clone)]
pub struct CallStats(Snapshotter);

/// One method's calls, as the table shows them.
#[derive(Debug, Default)]
struct Row {
    requests: u64,
    errors: BTreeMap<String, u64>,
    seconds: Vec<f64>,
}

impl CallStats {
    /// Installs the process-wide recorder; fails if the process already has one.
    pub fn install() -> Result<Self, String> {
        let recorder = DebuggingRecorder::new();
        let snapshotter = recorder.snapshotter();
        recorder
            .install()
            .map_err(|_| "a metrics recorder is already installed".to_owned())?;
        Ok(Self(snapshotter))
    }

    /// The calls `side` (`"client"` or `"server"`) recorded, one row per method, sorted by name.
    ///
    /// Taking the table drains what was recorded: a second table counts only the calls since the first.
    pub fn table(&self, side: &str) -> String {
        let prefix = format!("idlc_{side}_");
        let mut rows: BTreeMap<String, Row> = BTreeMap::new();
        for (key, _, _, value) in self.0.snapshot().into_vec() {
            let key = key.key();
            let Some(metric) = key.name().strip_prefix(&prefix) else {
                continue;
            };
            let label = |name: &str| {
                key.labels()
                    .find(|label| label.key() == name)
                    .map(|label| label.value().to_owned())
            };
            let row = rows.entry(label("method").unwrap_or_default()).or_default();
            match (metric, value) {
                ("requests_total", DebugValue::Counter(n)) => row.requests += n,
                ("errors_total", DebugValue::Counter(n)) => {
                    *row.errors
                        .entry(label("error").unwrap_or_default())
                        .or_default() += n;
                }
                ("duration_seconds", DebugValue::Histogram(samples)) => {
                    row.seconds.extend(samples.iter().map(|sample| sample.0));
                }
                _ => {}
            }
        }
        if rows.is_empty() {
            return format!("no {side} calls recorded\n");
        }
        let width = rows.keys().map(String::len).max().unwrap_or(0).max(6);
        let mut table = format!(
            "{:<width$}  {:>8}  {:>8}  {:>8}  errors\n",
            "method", "requests", "p50", "mean"
        );
        for (method, mut row) in rows {
            row.seconds.sort_by(f64::total_cmp);
            let (p50, mean) = match row.seconds.len() {
                0 => ("-".to_owned(), "-".to_owned()),
                n => (
                    latency(row.seconds[(n - 1) / 2]),
                    latency(row.seconds.iter().sum::<f64>() / n as f64),
                ),
            };
            let total: u64 = row.errors.values().sum();
            let mut errors = total.to_string();
            for (kind, n) in &row.errors {
                let _ = write!(errors, " {kind}={n}");
            }
            let _ = writeln!(
                table,
                "{method:<width$}  {:>8}  {p50:>8}  {mean:>8}  {errors}",
                row.requests
            );
        }
        table
    }
}

/// `seconds` in the unit that keeps it short: loopback calls take microseconds, remote ones milliseconds.
fn latency(seconds: f64) -> String {
    if seconds < 1e-3 {
        format!("{:.0}µs", seconds * 1e6)
    } else if seconds < 1.0 {
        format!("{:.1}ms", seconds * 1e3)
    } else {
        format!("{seconds:.2}s")
    }
}
