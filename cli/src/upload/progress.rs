//! Progress on a terminal: a byte bar per file in flight, an overall bar
//! (files and bytes) and, with `--wait`, a jobs bar with a line per
//! running job. Off the terminal every bar is hidden and costs nothing;
//! lines printed through [`Progress::print`] appear above the bars.

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use kiln_proto::JobStatus;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Running jobs shown with a line of their own (the rest are counted).
const SHOWN_RUNNING: usize = 6;

fn style(template: &str) -> ProgressStyle {
    ProgressStyle::with_template(template)
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> ")
}

/// The bars of one `kiln upload`.
pub struct Progress {
    mp: MultiProgress,
    overall: ProgressBar,
    files: u64,
    files_done: AtomicU64,
    jobs: Mutex<Jobs>,
}

#[derive(Default)]
struct Jobs {
    bar: Option<ProgressBar>,
    states: HashMap<String, JobStatus>,
    running: HashMap<String, ProgressBar>,
}

impl Progress {
    /// Bars drawn on stderr when `shown`, hidden otherwise; `bytes` is the
    /// listed size of the `files` to send.
    pub fn new(shown: bool, files: u64, bytes: u64) -> Progress {
        let target = if shown {
            ProgressDrawTarget::stderr()
        } else {
            ProgressDrawTarget::hidden()
        };
        let mp = MultiProgress::with_draw_target(target);
        let overall = mp.add(ProgressBar::new(bytes).with_style(style(
            "{spinner:.green} {elapsed_precise} [{bar:28.green}] {binary_bytes}/{binary_total_bytes} \
             {binary_bytes_per_sec} {msg}",
        )));
        overall.set_message(format!("0/{files} files"));
        if shown {
            overall.enable_steady_tick(Duration::from_millis(120));
        }
        Progress {
            mp,
            overall,
            files,
            files_done: AtomicU64::new(0),
            jobs: Mutex::new(Jobs::default()),
        }
    }

    /// Prints `text` on stdout above the bars.
    pub fn print(&self, text: &str) {
        self.mp.suspend(|| println!("{text}"));
    }

    /// Prints `text` on stderr above the bars.
    pub fn eprint(&self, text: &str) {
        self.mp.suspend(|| eprintln!("{text}"));
    }

    /// A bar for a file about to be sent.
    pub fn file(&self, label: &str, len: u64) -> FileBar {
        let bar = self.mp.insert_before(
            &self.overall,
            ProgressBar::new(len).with_style(style(
                "  {wide_msg} [{bar:20.cyan}] {binary_bytes:>10}/{binary_total_bytes:<10}",
            )),
        );
        bar.set_message(label.to_owned());
        FileBar {
            bar,
            overall: self.overall.clone(),
            label: label.to_owned(),
            len,
            sent: Arc::default(),
        }
    }

    /// A file is done, however it ended; its bar goes.
    pub fn file_done(&self, bar: Option<FileBar>) {
        if let Some(b) = bar {
            // What was never streamed (a file that could not be read) leaves
            // the total, so the bar can still reach its end.
            let streamed = b.lock().bytes;
            self.overall.dec_length(b.len.saturating_sub(streamed));
            b.bar.finish_and_clear();
            self.mp.remove(&b.bar);
        }
        let done = self.files_done.fetch_add(1, Ordering::Relaxed) + 1;
        self.overall
            .set_message(format!("{done}/{} files", self.files));
    }

    /// Every file is done.
    pub fn files_finished(&self) {
        if !self.overall.is_finished() {
            self.overall.finish();
        }
    }

    /// A job to follow (it was queued by an upload).
    pub fn job_added(&self, id: &str) {
        let mut jobs = self.lock();
        if jobs.bar.is_none() {
            let bar = self.mp.add(ProgressBar::new(0).with_style(style(
                "{spinner:.yellow} jobs [{bar:28.yellow}] {pos}/{len} ended: {msg}",
            )));
            if !self.mp.is_hidden() {
                bar.enable_steady_tick(Duration::from_millis(120));
            }
            jobs.bar = Some(bar);
        }
        jobs.states.insert(id.to_owned(), JobStatus::Queued);
        if let Some(bar) = &jobs.bar {
            bar.inc_length(1);
        }
        jobs.describe();
    }

    /// A job's new state; `label` names its file and kind.
    pub fn job_state(&self, id: &str, status: JobStatus, attempts: u32, label: &str) {
        let mut jobs = self.lock();
        let before = jobs.states.insert(id.to_owned(), status);
        if before.is_some_and(JobStatus::is_terminal) {
            return;
        }
        if let Some(line) = jobs.running.remove(id) {
            line.finish_and_clear();
            self.mp.remove(&line);
        }
        if status == JobStatus::Running && jobs.running.len() < SHOWN_RUNNING {
            let line = ProgressBar::new_spinner().with_style(style("  {spinner:.yellow} {msg}"));
            let line = match &jobs.bar {
                Some(bar) => self.mp.insert_before(bar, line),
                None => self.mp.add(line),
            };
            line.set_message(format!("{label} running (attempt {attempts})"));
            if !self.mp.is_hidden() {
                line.enable_steady_tick(Duration::from_millis(120));
            }
            jobs.running.insert(id.to_owned(), line);
        }
        if status.is_terminal()
            && let Some(bar) = &jobs.bar
        {
            bar.inc(1);
        }
        jobs.describe();
    }

    /// Following is over.
    pub fn jobs_finished(&self) {
        let mut jobs = self.lock();
        for (_, line) in jobs.running.drain() {
            line.finish_and_clear();
            self.mp.remove(&line);
        }
        if let Some(bar) = jobs.bar.as_ref().filter(|b| !b.is_finished()) {
            bar.finish();
        }
    }

    /// The bars stay as last drawn, and later lines print below them.
    pub fn done(&self) {
        self.files_finished();
        self.jobs_finished();
        self.mp.set_draw_target(ProgressDrawTarget::hidden());
    }

    /// Takes every bar off the screen (on Ctrl-C).
    pub fn clear(&self) {
        let _ = self.mp.clear();
        self.mp.set_draw_target(ProgressDrawTarget::hidden());
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Jobs> {
        self.jobs.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl Jobs {
    fn describe(&self) {
        let Some(bar) = &self.bar else { return };
        let mut counts = [0u64; JobStatus::ALL.len()];
        for s in self.states.values() {
            if let Some(i) = JobStatus::ALL.iter().position(|x| x == s) {
                counts[i] += 1;
            }
        }
        let parts: Vec<String> = JobStatus::ALL
            .iter()
            .zip(counts)
            .filter(|(_, n)| *n > 0)
            .map(|(s, n)| match s {
                JobStatus::Failed => format!("{n} retrying"),
                s => format!("{n} {s}"),
            })
            .collect();
        bar.set_message(parts.join(", "));
    }
}

/// The bar of one file in flight, counting bytes as they are streamed.
pub struct FileBar {
    bar: ProgressBar,
    overall: ProgressBar,
    label: String,
    len: u64,
    sent: Arc<Mutex<Sent>>,
}

/// What the current attempt has streamed.
#[derive(Default)]
struct Sent {
    /// Which attempt is current: a stream of an earlier one counts nothing.
    attempt: u64,
    bytes: u64,
}

impl FileBar {
    fn lock(&self) -> std::sync::MutexGuard<'_, Sent> {
        self.sent.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Counts bytes handed to the connection by the current attempt;
    /// callable from its body stream. Answers `false` once the attempt is
    /// over (the stream should end: its answer has come).
    pub fn counter(&self) -> impl Fn(u64) -> bool + Send + Sync + 'static {
        let (bar, overall, sent) = (self.bar.clone(), self.overall.clone(), self.sent.clone());
        let mine = self.lock().attempt;
        move |n| {
            let mut s = sent.lock().unwrap_or_else(|p| p.into_inner());
            if s.attempt != mine {
                return false;
            }
            s.bytes += n;
            bar.inc(n);
            overall.inc(n);
            true
        }
    }

    /// The attempt is over: what it streamed is taken back.
    pub fn rewind(&self) {
        let mut s = self.lock();
        s.attempt += 1;
        self.overall.dec(std::mem::take(&mut s.bytes));
        self.bar.set_position(0);
    }

    /// A new attempt of a file now `len` bytes long.
    pub fn restart(&mut self, len: u64) {
        self.rewind();
        if len >= self.len {
            self.overall.inc_length(len - self.len);
        } else {
            self.overall.dec_length(self.len - len);
        }
        self.len = len;
        self.bar.set_length(len);
        self.bar.set_message(self.label.clone());
    }

    /// Says why the file is waiting (`rate limited: resending in 2 s`).
    pub fn note(&self, what: &str) {
        self.bar.set_message(format!("{} ({what})", self.label));
    }
}
