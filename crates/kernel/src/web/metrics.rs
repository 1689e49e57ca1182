//! Request metrics in the Prometheus text format.

use std::sync::atomic::{AtomicU64, Ordering};

const BUCKETS_MS: [f64; 8] = [1.0, 2.5, 5.0, 10.0, 25.0, 100.0, 500.0, 2500.0];

/// Counters of the HTTP server.
#[derive(Default)]
pub struct Metrics {
    by_class: [AtomicU64; 5],
    buckets: [AtomicU64; 8],
    sum_us: AtomicU64,
    count: AtomicU64,
    /// Writes answered before this node's indexes applied them (see `read_your_writes`).
    answered_before_applied: AtomicU64,
}

impl Metrics {
    /// Records one answered request.
    pub fn record(&self, status: u16, micros: u64) {
        let class = (status / 100).clamp(1, 5) as usize - 1;
        self.by_class[class].fetch_add(1, Ordering::Relaxed);
        let ms = micros as f64 / 1000.0;
        for (i, b) in BUCKETS_MS.iter().enumerate() {
            if ms <= *b {
                self.buckets[i].fetch_add(1, Ordering::Relaxed);
            }
        }
        self.sum_us.fetch_add(micros, Ordering::Relaxed);
        self.count.fetch_add(1, Ordering::Relaxed);
    }

    /// Counts a write answered before this node's indexes applied it.
    pub fn answered_before_applied(&self) {
        self.answered_before_applied.fetch_add(1, Ordering::Relaxed);
    }

    /// The text exposition, with extra gauges appended.
    pub fn render(&self, gauges: &[(&str, &str, f64)]) -> String {
        let mut out = String::new();
        out.push_str(
            "# HELP territoires_http_requests_total HTTP requests answered, by status class.\n",
        );
        out.push_str("# TYPE territoires_http_requests_total counter\n");
        for (i, c) in self.by_class.iter().enumerate() {
            out.push_str(&format!(
                "territoires_http_requests_total{{class=\"{}xx\"}} {}\n",
                i + 1,
                c.load(Ordering::Relaxed)
            ));
        }
        out.push_str(
            "# HELP territoires_http_request_duration_seconds Time to answer a request.\n",
        );
        out.push_str("# TYPE territoires_http_request_duration_seconds histogram\n");
        for (i, b) in BUCKETS_MS.iter().enumerate() {
            out.push_str(&format!(
                "territoires_http_request_duration_seconds_bucket{{le=\"{}\"}} {}\n",
                b / 1000.0,
                self.buckets[i].load(Ordering::Relaxed)
            ));
        }
        let count = self.count.load(Ordering::Relaxed);
        out.push_str(&format!(
            "territoires_http_request_duration_seconds_bucket{{le=\"+Inf\"}} {count}\n"
        ));
        out.push_str(&format!(
            "territoires_http_request_duration_seconds_sum {}\n",
            self.sum_us.load(Ordering::Relaxed) as f64 / 1e6
        ));
        out.push_str(&format!(
            "territoires_http_request_duration_seconds_count {count}\n"
        ));
        out.push_str(
            "# HELP territoires_writes_answered_before_applied_total Writes answered before this node's read indexes applied them (after waiting for them as long as allowed).\n",
        );
        out.push_str("# TYPE territoires_writes_answered_before_applied_total counter\n");
        out.push_str(&format!(
            "territoires_writes_answered_before_applied_total {}\n",
            self.answered_before_applied.load(Ordering::Relaxed)
        ));
        for (name, help, value) in gauges {
            out.push_str(&format!(
                "# HELP {name} {help}\n# TYPE {name} gauge\n{name} {value}\n"
            ));
        }
        out
    }
}
