//! How a load run shows its progress: a progress bar of connections when stderr is a terminal,
//! plain periodic lines on stderr otherwise (logs, CI, `make bench`). Stdout stays for the
//! result, so that `--json`'s line is the last one there.

use std::io::IsTerminal;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};
use tokio::time::Instant;

use super::stats::LoadReport;

/// Plain lines are written this often.
const LINE_EVERY: Duration = Duration::from_secs(5);

/// The current rate is measured over windows of at least this.
const RATE_WINDOW: Duration = Duration::from_secs(1);

#[derive(Debug)]
pub(super) struct Progress {
    bar: Option<ProgressBar>,
    last_line: Instant,
    /// Calls and time at the start of the current rate window.
    window: (u64, Instant),
    /// Calls per second over the last full window.
    rate: f64,
}

impl Progress {
    pub fn new(count: usize) -> Progress {
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = ProgressBar::new(count as u64);
            let style = ProgressStyle::with_template(
                "{elapsed_precise} [{bar:30}] {pos}/{len} connected  {msg}",
            )
            .expect("a valid template")
            .progress_chars("=> ");
            bar.set_style(style);
            bar
        });
        let now = Instant::now();
        Progress {
            bar,
            last_line: now,
            window: (0, now),
            rate: 0.0,
        }
    }

    pub fn update(&mut self, report: &LoadReport, elapsed: Duration) {
        let now = Instant::now();
        let (calls, since) = self.window;
        let window = now.duration_since(since);
        if window >= RATE_WINDOW {
            self.rate = report.calls.saturating_sub(calls) as f64 / window.as_secs_f64();
            self.window = (report.calls, now);
        }
        let figures = format!(
            "{:.0} calls/s  errors {}  p50 {}us  p99 {}us",
            self.rate, report.errors, report.latency_us.p50, report.latency_us.p99
        );
        match &self.bar {
            Some(bar) => {
                bar.set_position(report.connected);
                bar.set_message(figures);
            }
            None if now.duration_since(self.last_line) >= LINE_EVERY => {
                self.last_line = now;
                eprintln!(
                    "t={}s connected {} calls {} {figures}",
                    elapsed.as_secs(),
                    report.connected,
                    report.calls
                );
            }
            None => {}
        }
    }

    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
