//! Reports as a stream of events: a run's start and end, its phases,
//! bring-up steps and check results flow through a [`Reporter`] to sinks
//! (the terminal view, `lab.log`, the [`run::Recorder`]); a run ends as one
//! versioned record ([`run::RunReport`]), which the table, JSON and JUnit
//! render, written to the paths the user gave ([`output`]).

pub mod book_section;
pub mod host;
pub mod junit;
mod kept_files;
pub mod kubectl_matrix;
pub(crate) mod lab_folder_files;
pub mod output;
pub mod recorder;
mod report_file;
pub mod run;
pub mod style;
pub mod table;
pub mod terminal;

use serde::{Deserialize, Serialize};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The verdict of one check: the one verdict of the run record, the
/// history and the nightly (its order and hash serve the history's maps).
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// The expectation held.
    Pass,
    /// The probe ran and the network said otherwise.
    Fail,
    /// The check could not run (SSH down, pod missing, tool missing).
    Error,
    /// Not run here, with the reason in `observed`.
    Skip,
}

impl Verdict {
    /// The verdict for a person's eye (failures in capitals).
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Pass => "pass",
            Verdict::Fail => "FAIL",
            Verdict::Error => "ERROR",
            Verdict::Skip => "skip",
        }
    }

    /// The verdict's word in the record's JSON and the history's rows
    /// (`pass`, `fail`, `error`, `skip`).
    pub fn key(self) -> &'static str {
        match self {
            Verdict::Pass => "pass",
            Verdict::Fail => "fail",
            Verdict::Error => "error",
            Verdict::Skip => "skip",
        }
    }

    /// The verdict of a [`Verdict::key`] word (any case).
    pub fn from_key(s: &str) -> Option<Verdict> {
        Some(match s.to_ascii_lowercase().as_str() {
            "pass" => Verdict::Pass,
            "fail" => Verdict::Fail,
            "error" => Verdict::Error,
            "skip" => Verdict::Skip,
            _ => return None,
        })
    }

    /// A failure: the check did not hold or could not run.
    pub fn failing(self) -> bool {
        matches!(self, Verdict::Fail | Verdict::Error)
    }
}

/// The result of one check in one variant (a `results` entry of the run
/// record, field names as there).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct CheckResult {
    pub name: String,
    pub variant: String,
    /// Where the probe went: "from → to", or where it ran.
    pub path: String,
    pub expected: String,
    pub observed: String,
    pub verdict: Verdict,
    #[serde(
        rename = "duration_s",
        serialize_with = "secs",
        deserialize_with = "from_secs"
    )]
    #[schemars(with = "f64")]
    pub elapsed: Duration,
    /// The probe's commands and their output, for JUnit and JSON.
    pub output: String,
    /// Diagnostics written for this check: absolute while a run goes,
    /// relative to the artifacts root in a [`run::RunReport`].
    #[serde(rename = "evidence")]
    pub artifacts: Vec<PathBuf>,
}

/// `s` as text of an XML or HTML document (an element's text or an
/// attribute's value): markup escaped, the control characters XML 1.0
/// forbids even escaped replaced with U+FFFD, and a format character a
/// reader does not see ([`terminal::is_unseen_format`]) written as its code
/// (`\u{202e}`).
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if (c as u32) < 0x20 && !matches!(c, '\n' | '\r' | '\t') => out.push('\u{fffd}'),
            // Shown as its code, not obeyed: a right-to-left override in a
            // merged database's night name reordered the dashboard's text
            // (probe21bl, lesser 9).
            c if terminal::is_unseen_format(c) => out.push_str(&format!("\\u{{{:04x}}}", c as u32)),
            c => out.push(c),
        }
    }
    out
}

fn secs<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64(run::seconds(*d))
}

fn from_secs<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
    let s = f64::deserialize(d)?;
    Duration::try_from_secs_f64(s).map_err(serde::de::Error::custom)
}

/// Something that happened while a command ran.
#[derive(Debug, Clone)]
pub enum Event {
    /// A run (`lab test`, `lab verify`) starts; its artifacts go under `artifacts_root`.
    RunStart {
        run_id: String,
        command: run::RunCommand,
        lab: String,
        artifacts_root: PathBuf,
    },
    /// A phase of the run starts (bring-up, a switch, checks, evidence,
    /// teardown); the steps that follow belong to it.
    PhaseStart {
        phase: run::RunPhase,
        variant: String,
    },
    /// The run ended.
    RunEnd {
        run_id: String,
        outcome: run::Outcome,
        elapsed: Duration,
    },
    /// A bring-up or teardown step starts.
    StepStart { step: String },
    /// It ended, successfully or not.
    StepEnd {
        step: String,
        ok: bool,
        elapsed: Duration,
        detail: Option<String>,
    },
    /// A line for the user.
    Info(String),
    /// A run of checks begins.
    ChecksStart { variant: String, total: usize },
    /// One check finished (in the order checks finish).
    CheckEnd(Box<CheckResult>),
    /// The run of checks ended; `order` names its results in check order
    /// (the record keeps that order, not the order they finished in).
    ChecksEnd { variant: String, order: Vec<String> },
    /// A phase's own work ended (a variant's checks, the evidence, the
    /// chapter's replay), with how long it took: a step of the record that
    /// no bring-up step reports.
    PhaseEnd {
        name: String,
        ok: bool,
        elapsed: Duration,
        error: Option<String>,
    },
    /// The troubleshooting evidence of a variant was written.
    Evidence {
        variant: String,
        files: Vec<PathBuf>,
    },
    /// The chapter was replayed; its blocks follow as [`Event::CheckEnd`]s.
    Book(Box<book_section::BookReport>),
    /// One block of the chapter was replayed (progress while the replay
    /// runs; its `verdict` is judged against the known-drift file with the
    /// blocks so far: the report at the end is the one that counts).
    BookBlock {
        /// Its opening fence's line in the chapter.
        line: usize,
        /// Its first command, as the book writes it.
        command: String,
        verdict: book_section::Verdict,
        elapsed: Duration,
        /// How many blocks are done, of how many.
        done: usize,
        total: usize,
    },
}

/// A consumer of events.
pub trait Sink: Send + Sync {
    fn event(&self, e: &Event);
}

/// Fans events out to sinks and keeps the full log in `lab.log`.
#[derive(Clone, Default)]
pub struct Reporter {
    sinks: Arc<Vec<Arc<dyn Sink>>>,
    log: Arc<Mutex<Option<std::fs::File>>>,
}

impl Reporter {
    pub fn new(sinks: Vec<Box<dyn Sink>>) -> Self {
        Reporter {
            sinks: Arc::new(sinks.into_iter().map(Arc::from).collect()),
            log: Arc::new(Mutex::new(None)),
        }
    }

    /// This reporter with one more sink (a run's [`run::Recorder`]); the
    /// log is shared.
    pub fn with_sink(&self, sink: Arc<dyn Sink>) -> Reporter {
        let mut sinks: Vec<Arc<dyn Sink>> = self.sinks.iter().cloned().collect();
        sinks.push(sink);
        Reporter {
            sinks: Arc::new(sinks),
            log: self.log.clone(),
        }
    }

    /// A reporter that shows nothing (library use, tests).
    pub fn quiet() -> Self {
        Reporter::default()
    }

    /// Append everything from now on to `path` (the lab's `lab.log`).
    pub fn log_to(&self, path: &Path) {
        if let Some(dir) = path.parent() {
            let _ = std::fs::create_dir_all(dir);
        }
        use std::os::unix::fs::OpenOptionsExt;
        // The log holds every command's full output: 0600, in the lab's
        // 0700 state folder.
        // Never through a link (a state folder can predate lab).
        if let Ok(f) = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .mode(0o600)
            .custom_flags(libc::O_NOFOLLOW)
            .open(path)
        {
            *self.log.lock().unwrap() = Some(f);
        }
    }

    pub fn emit(&self, e: Event) {
        self.log(&describe(&e));
        for s in self.sinks.iter() {
            s.event(&e);
        }
    }

    pub fn info(&self, msg: impl Into<String>) {
        self.emit(Event::Info(msg.into()));
    }

    /// Write to `lab.log` only (commands and their full output). What a
    /// node or pod printed is written as a terminal would show it safely
    /// (control characters as `\u{1b}`, [`terminal::visible`]): `cat
    /// lab.log` replays no escape a pod wrote.
    pub fn log(&self, text: &str) {
        if let Some(f) = self.log.lock().unwrap().as_mut() {
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap_or_default();
            for line in text.lines() {
                let line = terminal::visible(line);
                let _ = writeln!(f, "[{}.{:03}] {line}", now.as_secs(), now.subsec_millis());
            }
        }
    }
}

fn describe(e: &Event) -> String {
    match e {
        Event::RunStart {
            run_id,
            command,
            lab,
            artifacts_root,
        } => format!(
            "run start: {run_id} ({} of {lab}), artifacts in {}",
            command.as_str(),
            artifacts_root.display()
        ),
        Event::PhaseStart { phase, variant } => format!("phase: {phase:?} ({variant})"),
        Event::RunEnd {
            run_id,
            outcome,
            elapsed,
        } => format!(
            "run end: {run_id}: {outcome:?} in {:.3}s",
            elapsed.as_secs_f64()
        ),
        Event::StepStart { step } => format!("step start: {step}"),
        Event::StepEnd {
            step,
            ok,
            elapsed,
            detail,
        } => {
            format!(
                "step end: {step}: {} in {:.3}s{}",
                if *ok { "ok" } else { "FAILED" },
                elapsed.as_secs_f64(),
                detail
                    .as_deref()
                    .map(|d| format!(": {d}"))
                    .unwrap_or_default()
            )
        }
        Event::Info(m) => m.clone(),
        Event::ChecksStart { variant, total } => {
            format!("checks start: {total} checks, variant {variant}")
        }
        Event::CheckEnd(r) => format!(
            "check {}: [{}] {} ({}) expected {} observed {}\n{}",
            r.verdict.as_str(),
            r.variant,
            r.name,
            r.path,
            r.expected,
            r.observed,
            r.output
        ),
        Event::ChecksEnd { variant, .. } => format!("checks end: variant {variant}"),
        Event::PhaseEnd {
            name,
            ok,
            elapsed,
            error,
        } => format!(
            "{name}: {} in {:.3}s{}",
            if *ok { "ok" } else { "FAILED" },
            elapsed.as_secs_f64(),
            error
                .as_deref()
                .map(|e| format!(": {e}"))
                .unwrap_or_default()
        ),
        Event::Evidence { variant, files } => {
            format!("evidence ({variant}): {} files", files.len())
        }
        Event::Book(b) => format!("book: {} blocks of {} replayed", b.blocks.len(), b.chapter),
        Event::BookBlock {
            line,
            command,
            verdict,
            elapsed,
            done,
            total,
        } => format!(
            "book block {done}/{total} at line {line}: {} in {:.3}s: {command}",
            verdict.as_str(),
            elapsed.as_secs_f64()
        ),
    }
}

/// How the `observed` of a result that passed as known drift begins (a
/// block of the book whose every difference is explained by its known-drift
/// file; `docs/run-report.md`): such passes are counted apart.
pub const KNOWN_DRIFT: &str = "known drift: ";

/// Counts of verdicts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    /// Every pass, known drift included.
    pub passed: usize,
    pub failed: usize,
    pub errored: usize,
    pub skipped: usize,
    /// The passes that are known drift, not matches.
    pub known_drift: usize,
}

impl Tally {
    pub fn of(results: &[CheckResult]) -> Tally {
        let mut t = Tally::of_verdicts(results.iter().map(|r| r.verdict));
        t.known_drift = results
            .iter()
            .filter(|r| r.verdict == Verdict::Pass && r.observed.starts_with(KNOWN_DRIFT))
            .count();
        t
    }

    /// The counts of bare verdicts (a history's rows), known drift not told
    /// apart.
    pub fn of_verdicts(verdicts: impl IntoIterator<Item = Verdict>) -> Tally {
        let mut t = Tally::default();
        for v in verdicts {
            match v {
                Verdict::Pass => t.passed += 1,
                Verdict::Fail => t.failed += 1,
                Verdict::Error => t.errored += 1,
                Verdict::Skip => t.skipped += 1,
            }
        }
        t
    }

    pub fn ok(&self) -> bool {
        self.failed == 0 && self.errored == 0
    }

    /// The closing line of every command that counts checks (`lab test`,
    /// `lab verify`, the nightly's runs): "N passed, M failed", then "E
    /// error(s)" and "K skipped" when there are any; errors are counted
    /// apart from failures, as the record's `summary`, the JUnit and `lab
    /// book`'s line do; "N passed (K known drift)" where passes include
    /// known drift.
    pub fn summary(&self) -> String {
        let known = match self.known_drift {
            0 => String::new(),
            k => format!(" ({k} known drift)"),
        };
        let mut s = format!("{} passed{known}, {} failed", self.passed, self.failed);
        match self.errored {
            0 => {}
            1 => s.push_str(", 1 error"),
            e => s.push_str(&format!(", {e} errors")),
        }
        if self.skipped > 0 {
            s.push_str(&format!(", {} skipped", self.skipped));
        }
        s
    }
}

#[cfg(test)]
mod log_tests {
    use super::*;

    #[test]
    fn lab_log_keeps_a_pods_escapes_as_text() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("lab.log");
        let r = Reporter::quiet();
        r.log_to(&path);
        r.log("nginx.out: \u{1b}]0;TITLE\u{7}\u{1b}[2Jcleared\r\nnext\tline\n");
        let log = std::fs::read_to_string(&path).unwrap();
        assert!(
            !log.contains('\u{1b}') && !log.contains('\u{7}') && !log.contains('\r'),
            "{log:?}"
        );
        assert!(
            log.contains(r"\u{1b}]0;TITLE\u{7}\u{1b}[2Jcleared"),
            "{log}"
        );
        assert!(log.contains("] next\tline\n"), "{log}");
    }

    /// probe21bl (lesser 9): a right-to-left override in a night's name
    /// came out raw in the dashboard, reordering the text
    /// around it. Seen failing before the fix: the character was copied.
    #[test]
    fn a_format_character_a_reader_does_not_see_is_written_as_its_code() {
        let html = escape("night\u{202e}gnp.exe <b>");
        assert_eq!(html, "night\\u{202e}gnp.exe &lt;b&gt;");
    }
}
