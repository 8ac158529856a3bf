//! Installs the process-wide Prometheus recorder for `cirrus serve`. Library crates only call
//! the `metrics` facade; this is the one place a recorder is installed.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use cirrus_server::metrics::{DURATION_BUCKETS, HTTP_DURATION, MetricsEndpoint};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder};
use metrics_util::MetricKindMask;

/// Gauge: when the process started, in seconds since the Unix epoch.
const PROCESS_START: &str = "cirrus_process_start_time_seconds";

/// How often histograms are drained and idle state trimmed when nobody scrapes.
const UPKEEP: Duration = Duration::from_secs(5);

/// How long a gauge lives without being set.
const GAUGE_IDLE: Duration = Duration::from_secs(3600);

/// Installs the recorder, registers every metric's help text, sets `cirrus_build_info` and the
/// start time, and starts the upkeep task (call inside the runtime). Returns what renders
/// `/metrics`.
pub fn install() -> Result<MetricsEndpoint, String> {
    let handle = PrometheusBuilder::new()
        // Gauges describe current state; one not set for an hour (a certificate that is gone)
        // is dropped. The ones set once are set again by the upkeep task.
        .idle_timeout(MetricKindMask::GAUGE, Some(GAUGE_IDLE))
        .set_buckets_for_metric(Matcher::Full(HTTP_DURATION.to_string()), DURATION_BUCKETS)
        .and_then(|b| b.install_recorder())
        .map_err(|e| format!("cannot install the metrics recorder: {e}"))?;
    cirrus_server::metrics::describe(env!("CARGO_PKG_VERSION"));
    metrics::describe_gauge!(
        PROCESS_START,
        metrics::Unit::Seconds,
        "When the process started, in seconds since the Unix epoch."
    );
    let started = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0);
    metrics::gauge!(PROCESS_START).set(started);
    let upkeep = handle.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(UPKEEP);
        loop {
            tick.tick().await;
            metrics::gauge!(PROCESS_START).set(started);
            cirrus_server::metrics::build_info(env!("CARGO_PKG_VERSION"));
            upkeep.run_upkeep();
        }
    });
    crate::process_metrics::describe();
    Ok(MetricsEndpoint::new(move || {
        crate::process_metrics::record();
        handle.render()
    }))
}
