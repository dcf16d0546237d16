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

/// A Unicode format character a reader does not see but that changes what
/// is shown: the bidirectional overrides, embeddings and isolates (U+202A-E,
/// U+2066-9, the marks U+200E/F and U+061C), zero-width characters
/// (U+200B-D, U+2060-4), the soft hyphen (U+00AD, seen nowhere inside a
/// word: probe21aj) and the byte order mark (U+FEFF).
pub fn is_unseen_format(c: char) -> bool {
    matches!(
        c,
        '\u{202a}'..='\u{202e}'
            | '\u{2066}'..='\u{2069}'
            | '\u{200b}'..='\u{200f}'
            | '\u{2060}'..='\u{2064}'
            | '\u{061c}'
            | '\u{00ad}'
            | '\u{feff}'
    )
}

/// `head`, then `items` separated by `, `, within 80 columns (`lab
/// doctor`'s lists): a further line starts with `indent` spaces (at least
/// one); an item too wide for any line stands alone on its own.
pub fn wrap_list(head: &str, items: &[String], indent: usize) -> String {
    let words: Vec<String> = items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            if i + 1 < items.len() {
                format!("{item},")
            } else {
                item.clone()
            }
        })
        .collect();
    wrap_words(head, &words, indent)
}

/// `head`, then the words of `text`, within 80 columns as [`wrap_list`]
/// (`lab doctor`'s limits and their fixes).
pub fn wrap_text(head: &str, text: &str, indent: usize) -> String {
    let words: Vec<String> = text.split_whitespace().map(str::to_string).collect();
    wrap_words(head, &words, indent)
}

fn wrap_words(head: &str, words: &[String], indent: usize) -> String {
    let indent = indent.max(1);
    let mut out = head.to_string();
    let mut line = out.chars().count();
    let mut on_line = false;
    for word in words {
        let width = word.chars().count();
        if on_line && line + 1 + width > 80 {
            out.push('\n');
            out.push_str(&" ".repeat(indent - 1));
            line = indent - 1;
        }
        out.push(' ');
        out.push_str(word);
        line += 1 + width;
        on_line = true;
    }
    out
}

/// `text` safe for a terminal: control characters other than newline and
/// tab (C0, DEL, C1 such as the one-byte CSI) and bidirectional overrides
/// are written as Rust escapes (`\u{1b}`), so they are seen, not obeyed.
pub fn visible(text: &str) -> Cow<'_, str> {
    let hidden = |c: char| (c.is_control() && c != '\n' && c != '\t') || is_unseen_format(c);
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
            // A block replayed: on a terminal only (piped, the report at
            // the end lists every block, once).
            Event::BookBlock {
                line,
                command,
                verdict,
                elapsed,
                done,
                total,
            } => {
                if self.fancy && !style::quiet() {
                    self.println_visible(&book_block(
                        *line, command, *verdict, *elapsed, *done, *total, self.width,
                    ));
                }
            }
            // The chapter's blocks follow as checks, once the whole chapter
            // is judged: under a heading of their own, not under the last
            // phase's (`lab test` replays the chapter across two variants).
            Event::Book(b) => {
                if !style::quiet() {
                    let head = format!(
                        "── the chapter: {} blocks (the variant each ran in: in the table)",
                        b.blocks.len()
                    );
                    self.println_visible(&paint(Paint::Bold, &head));
                }
            }
            Event::RunStart { .. }
            | Event::RunEnd { .. }
            | Event::PhaseEnd { .. }
            | Event::Evidence { .. } => {}
        }
    }
}

/// A replayed block's progress line, as wide as the terminal (80 columns
/// when its width is unknown): `  known_drift  7/17  l.103  kubectl … (0.25s)`,
/// the verdict coloured as the checks' are.
fn book_block(
    line: usize,
    command: &str,
    verdict: super::book_section::Verdict,
    elapsed: Duration,
    done: usize,
    total: usize,
    width: Option<usize>,
) -> String {
    let head = format!("{done:>2}/{total}  l.{line:<4} ");
    let tail = format!(" ({:.2}s)", elapsed.as_secs_f64());
    let room = width
        .unwrap_or(80)
        .saturating_sub(2 + 14 + 2 + head.chars().count() + tail.chars().count());
    let command = fit(&visible(command), Some(room.max(8)));
    let mark = format!("{:>14}", verdict.as_str());
    let mark = if verdict.fails() {
        paint(Paint::Bad, &mark)
    } else if verdict == super::book_section::Verdict::Match {
        paint(Paint::Good, &mark)
    } else {
        mark
    };
    format!("  {mark}  {head}{command}{tail}")
}

#[cfg(test)]
mod tests {
    use super::{visible, wrap_list, wrap_text};

    #[test]
    fn wrapped_lines_keep_within_80_columns_under_their_head() {
        let text = "process IDs (kernel.pid_max), as many as the nodes and pods may run, \
                    their cgroups' limits cut to fit (needs 1232, has 32626)";
        let out = wrap_text("ok     ", text, 8);
        let lines: Vec<&str> = out.lines().collect();
        assert!(lines.len() > 1, "{out}");
        assert!(lines[0].starts_with("ok      process IDs"), "{out}");
        for l in &lines[1..] {
            assert!(
                l.starts_with("        ") && !l.starts_with("         "),
                "{out}"
            );
        }
        assert!(lines.iter().all(|l| l.chars().count() <= 80), "{out}");
        assert_eq!(
            out.split_whitespace().collect::<Vec<_>>().join(" "),
            format!("ok {text}")
        );
        let items: Vec<String> = ["1.27", "1.28"].iter().map(|s| s.to_string()).collect();
        assert_eq!(wrap_list("minors:", &items, 8), "minors: 1.27, 1.28");
    }

    #[test]
    fn a_replayed_block_is_one_line_of_at_most_80_columns() {
        let long = format!("kubectl --kubeconfig ./admin.conf {}", "x".repeat(120));
        let l = super::book_block(
            103,
            &long,
            crate::report::book_section::Verdict::KnownDrift,
            std::time::Duration::from_millis(250),
            8,
            17,
            None,
        );
        assert_eq!(l.chars().count(), 80, "{l}");
        assert!(
            l.starts_with("     known_drift   8/17  l.103  kubectl --kubeconfig"),
            "{l}"
        );
        assert!(l.ends_with("… (0.25s)"), "{l}");
        assert!(!l.contains('\n'));
        let short = super::book_block(
            81,
            "vagrant ssh node1",
            crate::report::book_section::Verdict::Match,
            std::time::Duration::from_millis(70),
            7,
            17,
            Some(120),
        );
        assert!(
            short.ends_with("l.81   vagrant ssh node1 (0.07s)"),
            "{short}"
        );
    }

    #[test]
    fn control_characters_are_shown_as_escapes() {
        assert_eq!(visible("plain → text\n\tok"), "plain → text\n\tok");
        assert_eq!(
            visible("a\u{1b}[31mb\u{7}c\rd\u{7f}\u{9b}\u{202e}"),
            r"a\u{1b}[31mb\u{7}c\u{d}d\u{7f}\u{9b}\u{202e}"
        );
    }
}
