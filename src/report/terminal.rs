//! The terminal view: an indicatif spinner per step and a bar over checks on
//! a terminal; plain, greppable lines when output is not a terminal (CI).

use super::{Event, Sink, Verdict};
use indicatif::{ProgressBar, ProgressStyle};
use std::io::{IsTerminal, Write};

/// A line to stderr. A closed stderr (`lab up 2>&1 | head`) must not stop
/// a bring-up halfway: the line is dropped, `lab.log` keeps it.
macro_rules! say {
    ($($arg:tt)*) => {{
        let _ = writeln!(std::io::stderr(), $($arg)*);
    }};
}
use std::sync::Mutex;
use std::time::Duration;

pub struct Terminal {
    fancy: bool,
    spinner: Mutex<Option<ProgressBar>>,
    bar: Mutex<Option<ProgressBar>>,
}

impl Terminal {
    /// Fancy on a terminal unless `CI` is set; plain lines otherwise.
    pub fn new() -> Self {
        let fancy = std::io::stderr().is_terminal() && std::env::var_os("CI").is_none();
        Terminal {
            fancy,
            spinner: Mutex::new(None),
            bar: Mutex::new(None),
        }
    }

    pub fn plain() -> Self {
        Terminal {
            fancy: false,
            spinner: Mutex::new(None),
            bar: Mutex::new(None),
        }
    }

    fn println(&self, line: &str) {
        if let Some(b) = self.bar.lock().unwrap().as_ref() {
            b.println(line);
        } else if let Some(s) = self.spinner.lock().unwrap().as_ref() {
            s.println(line);
        } else {
            say!("{line}");
        }
    }
}

impl Default for Terminal {
    fn default() -> Self {
        Self::new()
    }
}

impl Sink for Terminal {
    fn event(&self, e: &Event) {
        match e {
            Event::StepStart { step } => {
                if self.fancy {
                    let s = ProgressBar::new_spinner();
                    s.set_style(
                        ProgressStyle::with_template("{spinner} {msg} {elapsed}")
                            .expect("template"),
                    );
                    s.set_message(step.clone());
                    s.enable_steady_tick(Duration::from_millis(100));
                    *self.spinner.lock().unwrap() = Some(s);
                } else {
                    say!("==> {step}");
                }
            }
            Event::StepEnd {
                step,
                ok,
                elapsed,
                detail,
            } => {
                if let Some(s) = self.spinner.lock().unwrap().take() {
                    s.finish_and_clear();
                }
                let mark = if *ok { "ok" } else { "FAILED" };
                let detail = detail
                    .as_deref()
                    .map(|d| format!("\n    {}", d.replace('\n', "\n    ")))
                    .unwrap_or_default();
                say!(
                    "  {mark:>6}  {step} ({:.2}s){detail}",
                    elapsed.as_secs_f64()
                );
            }
            Event::Info(msg) => self.println(msg),
            Event::ChecksStart { variant, total } => {
                if self.fancy {
                    let b = ProgressBar::new(*total as u64);
                    b.set_style(
                        ProgressStyle::with_template(
                            "{bar:30} {pos}/{len} checks ({msg}) {elapsed}",
                        )
                        .expect("template"),
                    );
                    b.set_message(variant.clone());
                    *self.bar.lock().unwrap() = Some(b);
                } else {
                    say!("==> {total} checks, variant {variant}");
                }
            }
            Event::CheckEnd(r) => {
                let line = format!(
                    "  {:>6}  {} ({:.2}s): {}",
                    r.verdict.as_str(),
                    r.name,
                    r.elapsed.as_secs_f64(),
                    r.observed.lines().next().unwrap_or("")
                );
                if let Some(b) = self.bar.lock().unwrap().as_ref() {
                    if r.verdict != Verdict::Pass {
                        b.println(&line);
                    }
                    b.inc(1);
                    return;
                }
                say!("{line}");
            }
            Event::ChecksEnd { .. } => {
                if let Some(b) = self.bar.lock().unwrap().take() {
                    b.finish_and_clear();
                }
            }
        }
    }
}
