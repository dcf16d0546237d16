//! The terminal view: an indicatif spinner per step and a bar over checks on
//! a terminal; plain, greppable lines when output is not a terminal (CI).
//!
//! Text shown here comes from lab files, the command line and the nodes
//! (command output, flannel's log), so control characters are shown, never
//! sent: an ESC or BEL in a node's output must not drive the user's terminal.

use super::style::{self, Paint, fit, paint, paint_mark};
use super::{Event, Sink, Verdict};
use indicatif::{ProgressBar, ProgressStyle};
use std::borrow::Cow;
use std::io::{IsTerminal, Write};

/// A line to stderr, control characters shown. A closed stderr
/// (`lab up 2>&1 | head`) must not stop a bring-up halfway: the line is
/// dropped, `lab.log` keeps it.
macro_rules! say {
    ($($arg:tt)*) => {{
        let _ = writeln!(std::io::stderr(), "{}", visible(&format!($($arg)*)));
    }};
}

/// `text` safe for a terminal: control characters other than newline and
/// tab (C0, DEL, C1 such as the one-byte CSI) and bidirectional overrides
/// are written as Rust escapes (`\u{1b}`), so they are seen, not obeyed.
pub fn visible(text: &str) -> Cow<'_, str> {
    let hidden = |c: char| {
        (c.is_control() && c != '\n' && c != '\t')
            || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
    };
    if !text.chars().any(hidden) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if hidden(c) {
            out.extend(c.escape_unicode());
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}
use std::sync::Mutex;
use std::time::Duration;

pub struct Terminal {
    fancy: bool,
    /// The terminal's width, when known: lines are cut to it.
    width: Option<usize>,
    /// The last skip reason said: a check skipped for the same one says
    /// "as above" instead of repeating it.
    last_skip: Mutex<Option<String>>,
    spinner: Mutex<Option<ProgressBar>>,
    bar: Mutex<Option<ProgressBar>>,
}

impl Terminal {
    /// Fancy on a terminal unless `CI` is set; plain lines otherwise.
    pub fn new() -> Self {
        let fancy = std::io::stderr().is_terminal() && std::env::var_os("CI").is_none();
        Terminal {
            fancy,
            width: super::table::terminal_width(),
            last_skip: Mutex::new(None),
            spinner: Mutex::new(None),
            bar: Mutex::new(None),
        }
    }

    fn println(&self, line: &str) {
        self.println_visible(&visible(line));
    }

    /// A line already made visible (it may carry `style`'s colour).
    fn println_visible(&self, line: &str) {
        if let Some(b) = self.bar.lock().unwrap().as_ref() {
            b.println(line);
        } else if let Some(s) = self.spinner.lock().unwrap().as_ref() {
            s.println(line);
        } else {
            let _ = writeln!(std::io::stderr(), "{line}");
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
                    s.set_message(visible(step).into_owned());
                    s.enable_steady_tick(Duration::from_millis(100));
                    *self.spinner.lock().unwrap() = Some(s);
                } else if style::verbose() {
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
                if *ok && style::quiet() {
                    return;
                }
                let mark = if *ok { "ok" } else { "FAILED" };
                let detail = detail
                    .as_deref()
                    .map(|d| format!("\n    {}", d.replace('\n', "\n    ")))
                    .unwrap_or_default();
                let line = fit(
                    &format!("{step} ({:.2}s)", elapsed.as_secs_f64()),
                    self.width.map(|w| w.saturating_sub(10)),
                );
                let _ = writeln!(
                    std::io::stderr(),
                    "  {}  {}{}",
                    paint_mark(&format!("{mark:>6}")),
                    visible(&line),
                    visible(&detail)
                );
            }
            Event::Info(msg) => {
                if !style::quiet() {
                    self.println(msg)
                }
            }
            Event::ChecksStart { variant, total } => {
                if self.fancy {
                    let b = ProgressBar::new(*total as u64);
                    b.set_style(
                        ProgressStyle::with_template(
                            "{bar:30} {pos}/{len} checks ({msg}) {elapsed}",
                        )
                        .expect("template"),
                    );
                    b.set_message(visible(variant).into_owned());
                    *self.bar.lock().unwrap() = Some(b);
                } else if !style::quiet() {
                    say!("==> {total} checks, variant {variant}");
                }
            }
            Event::CheckEnd(r) => {
                // One line, as wide as the terminal: the whole observation
                // is in the table, the record and lab.log.
                let first = r.observed.lines().next().unwrap_or("");
                let said = if r.verdict == Verdict::Skip {
                    let mut last = self.last_skip.lock().unwrap();
                    let same = last.as_deref() == Some(first);
                    *last = Some(first.to_string());
                    if same {
                        "(the same reason as above)"
                    } else {
                        first
                    }
                } else {
                    first
                };
                let text = fit(
                    &visible(&format!(
                        "{} ({:.2}s): {}",
                        r.name,
                        r.elapsed.as_secs_f64(),
                        said
                    )),
                    self.width.map(|w| w.saturating_sub(10)),
                );
                let line = format!(
                    "  {}  {text}",
                    paint_mark(&format!("{:>6}", r.verdict.as_str()))
                );
                if let Some(b) = self.bar.lock().unwrap().as_ref() {
                    if r.verdict != Verdict::Pass {
                        b.println(line);
                    }
                    b.inc(1);
                    return;
                }
                if r.verdict == Verdict::Pass && style::quiet() {
                    return;
                }
                let _ = writeln!(std::io::stderr(), "{line}");
            }
            Event::ChecksEnd { .. } => {
                if let Some(b) = self.bar.lock().unwrap().take() {
                    b.finish_and_clear();
                }
            }
            // The run's frame is for the record and `lab.log`; the terminal
            // shows its steps, checks and closing lines.
            Event::PhaseStart { phase, variant } => {
                if !style::quiet() {
                    let head = format!(
                        "── {} ({})",
                        format!("{phase:?}").to_lowercase(),
                        visible(variant)
                    );
                    self.println_visible(&paint(Paint::Bold, &head));
                }
            }
            Event::RunStart { .. }
            | Event::RunEnd { .. }
            | Event::PhaseEnd { .. }
            | Event::Evidence { .. }
            | Event::Book(_) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::visible;

    #[test]
    fn control_characters_are_shown_as_escapes() {
        assert_eq!(visible("plain → text\n\tok"), "plain → text\n\tok");
        assert_eq!(
            visible("a\u{1b}[31mb\u{7}c\rd\u{7f}\u{9b}\u{202e}"),
            r"a\u{1b}[31mb\u{7}c\u{d}d\u{7f}\u{9b}\u{202e}"
        );
    }
}
