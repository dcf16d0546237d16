//! The version matrix: every kubectl line of a chapter through every
//! kubectl minor found, judged offline, and the one-line summary of which
//! minors accept the chapter ("the chapter's kubectl lines work with
//! kubectl 1.27–1.30; lines 104, 124 are refused from 1.31 (…)"), and
//! its table for a terminal of 80 columns ([`Matrix::table`]).
//!
//! Runs are concurrent but bounded ([`PARALLEL`]: the machines this runs on
//! have two cores), and cached by (kubectl, args, the folder's files:
//! [`super::cache`]): a line the chapter repeats runs once per kubectl, and
//! a second matrix (or the next process) runs nothing again.

use super::cache::RunCache;
use super::{Judgement, KubeVersion, Kubectl, judge};
/// The matrix's types are the record's ([`crate::report::kubectl_matrix`]);
/// their behaviour is here.
pub use crate::report::kubectl_matrix::{Cell, Matrix, MatrixLine, Verdict};
use futures::StreamExt;
use std::collections::HashMap;
use std::path::Path;
use std::sync::Mutex;
use std::time::Duration;

/// kubectl runs at once.
pub const PARALLEL: usize = 2;

/// The deadline of one offline line (it answers in well under a second).
const DEADLINE: Duration = Duration::from_secs(20);

/// Every line of `lines` ((chapter line, words after `kubectl`)) through
/// every kubectl of `all`, from `cwd` (an [`super::offline_dir`]), with
/// the process's cache ([`super::cache::global`]: the replay's runs of the
/// pinned minor, and every earlier run kept on disk, are not run again).
pub async fn matrix(all: &[Kubectl], lines: &[(usize, Vec<String>)], cwd: &Path) -> Matrix {
    matrix_with(all, lines, cwd, super::cache::global()).await
}

/// [`matrix`] with the cache `cache`.
pub async fn matrix_with(
    all: &[Kubectl],
    lines: &[(usize, Vec<String>)],
    cwd: &Path,
    cache: &RunCache,
) -> Matrix {
    // Every (line, kubectl); with the cache on, each distinct key once (a
    // line the chapter repeats runs once per kubectl).
    let mut jobs: Vec<(usize, usize)> = Vec::new();
    // A job left out as a repeat of one queued: the one queued.
    let mut same: HashMap<(usize, usize), (usize, usize)> = HashMap::new();
    let mut queued: HashMap<String, (usize, usize)> = HashMap::new();
    for (i, (_, args)) in lines.iter().enumerate() {
        for (j, k) in all.iter().enumerate() {
            match cache.key(k, args, cwd) {
                Some(key) => match queued.get(&key) {
                    Some(first) => {
                        same.insert((i, j), *first);
                    }
                    None => {
                        queued.insert(key, (i, j));
                        jobs.push((i, j));
                    }
                },
                None => jobs.push((i, j)),
            }
        }
    }
    let fresh: Mutex<HashMap<(usize, usize), Cell>> = Mutex::new(HashMap::new());
    futures::stream::iter(jobs)
        .for_each_concurrent(PARALLEL, |(i, j)| {
            let (k, args) = (&all[j], &lines[i].1);
            let fresh = &fresh;
            async move {
                let out = cache.output(k, args, cwd, DEADLINE).await.map(|(o, _)| o);
                let cell = cell_of(k, out);
                fresh
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .insert((i, j), cell);
            }
        })
        .await;
    let fresh = fresh.into_inner().unwrap_or_else(|e| e.into_inner());
    Matrix {
        kubectls: all.to_vec(),
        lines: lines
            .iter()
            .enumerate()
            .map(|(i, (line, args))| MatrixLine {
                line: *line,
                args: args.clone(),
                cells: all
                    .iter()
                    .enumerate()
                    .map(|(j, k)| {
                        fresh
                            .get(&(i, j))
                            .or_else(|| same.get(&(i, j)).and_then(|f| fresh.get(f)))
                            .cloned()
                            .unwrap_or(Cell {
                                version: k.version,
                                verdict: Verdict::NotRun,
                                message: "not run".into(),
                            })
                    })
                    .collect(),
            })
            .collect(),
    }
}

/// The cell of one run of `k`.
fn cell_of(k: &Kubectl, out: crate::error::Result<crate::session::Output>) -> Cell {
    let (verdict, message) = match out {
        Err(e) => (Verdict::NotRun, e.to_string()),
        Ok(out) => match judge(&out) {
            Judgement::Accepted { warnings } if warnings.is_empty() => {
                (Verdict::Accepted, String::new())
            }
            Judgement::Accepted { warnings } => (Verdict::Deprecated, warnings.join("\n")),
            Judgement::Refused { message } => (Verdict::Refused, message),
        },
    };
    Cell {
        version: k.version,
        verdict,
        message,
    }
}

/// Minors as ranges over the order of `all`: `1.27–1.30`, `1.32` (a range
/// only where no minor between is missing).
fn ranges(all: &[KubeVersion], pick: &[bool]) -> Vec<String> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < all.len() {
        if !pick[i] {
            i += 1;
            continue;
        }
        let start = i;
        // A range only over minors that follow each other: 1.30 and 1.32
        // without 1.31 are two.
        while i + 1 < all.len()
            && pick[i + 1]
            && all[i + 1].major == all[i].major
            && all[i + 1].minor == all[i].minor + 1
        {
            i += 1;
        }
        out.push(if start == i {
            all[i].minor_str()
        } else {
            format!("{}–{}", all[start].minor_str(), all[i].minor_str())
        });
        i += 1;
    }
    out
}

/// A list of line numbers: "line 197", "lines 104, 124, 128".
fn line_list(lines: &[usize]) -> String {
    let nums: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
    format!(
        "line{} {}",
        if lines.len() == 1 { "" } else { "s" },
        nums.join(", ")
    )
}

/// The first sentence of kubectl's message, for a one-line summary.
fn short(message: &str) -> String {
    let first = message.lines().next().unwrap_or("").trim();
    match first.find(". ") {
        Some(i) => format!("{}…", &first[..i]),
        None if first.len() < message.trim().len() => format!("{first}…"),
        None => first.to_string(),
    }
}

impl Matrix {
    /// One line: the range of minors that accept every line, and each
    /// group of lines refused (or not judged) by the same minors for the
    /// same reason.
    pub fn summary(&self) -> String {
        let versions: Vec<KubeVersion> = self.kubectls.iter().map(|k| k.version).collect();
        if versions.is_empty() {
            return "no kubectl found: the chapter's kubectl lines were not judged (`lab doctor --fix`)".into();
        }
        if self.lines.is_empty() {
            return "the chapter has no kubectl line".into();
        }
        let all_range = ranges(&versions, &vec![true; versions.len()]).join(", ");
        let clean: Vec<bool> = (0..versions.len())
            .map(|i| {
                self.lines
                    .iter()
                    .all(|l| matches!(l.cells[i].verdict, Verdict::Accepted | Verdict::Deprecated))
            })
            .collect();
        if clean.iter().all(|c| *c) {
            return format!("every kubectl line is accepted by kubectl {all_range}");
        }
        // Groups: (which minors, verdict, short message) -> lines.
        type Group = (Vec<bool>, Verdict, String);
        let mut groups: Vec<(Group, Vec<usize>)> = Vec::new();
        for l in &self.lines {
            for bad in [Verdict::Refused, Verdict::NotRun] {
                let which: Vec<bool> = l.cells.iter().map(|c| c.verdict == bad).collect();
                let Some(first) = l.cells.iter().find(|c| c.verdict == bad) else {
                    continue;
                };
                let key = (which, bad, short(&first.message));
                match groups.iter_mut().find(|(k, _)| *k == key) {
                    Some((_, lines)) => lines.push(l.line),
                    None => groups.push((key, vec![l.line])),
                }
            }
        }
        let head = if clean.iter().any(|c| *c) {
            format!(
                "the chapter's kubectl lines work with kubectl {}",
                ranges(&versions, &clean).join(", ")
            )
        } else {
            format!("no kubectl found ({all_range}) accepts every kubectl line of the chapter")
        };
        let parts: Vec<String> = groups
            .iter()
            .map(|((which, verdict, msg), lines)| {
                let first = which.iter().position(|w| *w).unwrap_or(0);
                let last = which.iter().rposition(|w| *w).unwrap_or(0);
                let contiguous = which[first..=last].iter().all(|w| *w);
                let by = if which.iter().all(|w| *w) {
                    "by every kubectl".to_string()
                } else if contiguous && last + 1 == which.len() {
                    format!("from {}", versions[first].minor_str())
                } else if contiguous && first == 0 {
                    format!("up to {}", versions[last].minor_str())
                } else {
                    format!("by {}", ranges(&versions, which).join(", "))
                };
                let what = match (verdict, lines.len()) {
                    (Verdict::NotRun, _) => "could not be judged",
                    (_, 1) => "is refused",
                    _ => "are refused",
                };
                format!("{} {what} {by} ({msg})", line_list(lines))
            })
            .collect();
        format!("{head}; {}", parts.join("; "))
    }

    /// The version matrix for a terminal of 80 columns: its one-line summary
    /// (whole, on one line: what a log is searched for), then a line a kubectl
    /// line: its line in the chapter, one column per
    /// kubectl minor (`ok` accepted, `dep` accepted with a warning, `REF`
    /// refused, `--` not judged), and the line (clipped, its `--kubeconfig`
    /// left out).
    pub fn table(&self) -> String {
        use crate::report::table::clip;
        use crate::report::terminal::visible;
        use std::fmt::Write;
        let m = self;
        let mut s = String::new();
        let _ = writeln!(s, "kubectl matrix: {}", visible(&m.summary()));
        if m.kubectls.is_empty() || m.lines.is_empty() {
            return s;
        }
        let minors: Vec<String> = m
            .kubectls
            .iter()
            .map(|k| format!("{:>5}", k.version.minor_str()))
            .collect();
        let used = 6 + minors.len() * 5 + 2;
        let room = 80usize.saturating_sub(used).max(12);
        let _ = writeln!(s, " line {}  kubectl …", minors.concat());
        for l in &m.lines {
            let cells: String = l
                .cells
                .iter()
                .map(|c| {
                    format!(
                        "{:>5}",
                        match c.verdict {
                            Verdict::Accepted => "ok",
                            Verdict::Deprecated => "dep",
                            Verdict::Refused => "REF",
                            Verdict::NotRun => "--",
                        }
                    )
                })
                .collect();
            let mut words: Vec<&str> = Vec::new();
            let mut skip = false;
            for w in &l.args {
                if std::mem::take(&mut skip) {
                    continue;
                }
                if w == "--kubeconfig" {
                    skip = true;
                } else if !w.starts_with("--kubeconfig=") {
                    words.push(w);
                }
            }
            let _ = writeln!(
                s,
                "{:>5} {cells}  {}",
                l.line,
                clip(&visible(&words.join(" ")), room)
            );
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(minor: u32) -> KubeVersion {
        KubeVersion {
            major: 1,
            minor,
            patch: 0,
        }
    }

    fn cell(minor: u32, verdict: Verdict, message: &str) -> Cell {
        Cell {
            version: v(minor),
            verdict,
            message: message.into(),
        }
    }

    const EXEC: &str =
        "error: exec [POD] [COMMAND] is not supported anymore. Use exec [POD] -- [COMMAND] instead";

    /// Lines 104 and 124 as kubectl 1.27–1.33 judge them (1.27–1.30
    /// deprecate, 1.31 on refuse), line 140 accepted by all.
    fn chapter_like(refuse_from: u32) -> Matrix {
        let minors: Vec<u32> = (27..=33).collect();
        let exec_line = |line| MatrixLine {
            line,
            args: vec!["exec".into()],
            cells: minors
                .iter()
                .map(|&m| {
                    if m >= refuse_from {
                        cell(m, Verdict::Refused, EXEC)
                    } else {
                        cell(m, Verdict::Deprecated, "DEPRECATED")
                    }
                })
                .collect(),
        };
        Matrix {
            kubectls: minors
                .iter()
                .map(|&m| Kubectl {
                    path: format!("/k.1.{m}").into(),
                    version: v(m),
                })
                .collect(),
            lines: vec![
                exec_line(104),
                exec_line(124),
                MatrixLine {
                    line: 140,
                    args: vec!["exec".into(), "--".into()],
                    cells: minors
                        .iter()
                        .map(|&m| cell(m, Verdict::Accepted, ""))
                        .collect(),
                },
            ],
        }
    }

    #[test]
    fn the_summary_names_the_range_and_the_refused_lines() {
        assert_eq!(
            chapter_like(31).summary(),
            "the chapter's kubectl lines work with kubectl 1.27–1.30; lines 104, 124 are refused from 1.31 (error: exec [POD] [COMMAND] is not supported anymore…)"
        );
    }

    /// The opposite: nothing refused, the summary says every line is
    /// accepted.
    #[test]
    fn a_matrix_without_refusals_says_every_line_is_accepted() {
        assert_eq!(
            chapter_like(99).summary(),
            "every kubectl line is accepted by kubectl 1.27–1.33"
        );
    }

    #[test]
    fn not_run_is_never_accepted() {
        let mut m = chapter_like(99);
        m.lines[2].cells[3] = cell(30, Verdict::NotRun, "did not finish within 20.0s");
        assert_eq!(
            m.summary(),
            "the chapter's kubectl lines work with kubectl 1.27–1.29, 1.31–1.33; line 140 could not be judged by 1.30 (did not finish within 20.0s)"
        );
        let mut m = chapter_like(99);
        for c in &mut m.lines[0].cells {
            *c = cell(
                c.version.minor,
                Verdict::Refused,
                "error: unknown flag: --x",
            );
        }
        assert_eq!(
            m.summary(),
            "no kubectl found (1.27–1.33) accepts every kubectl line of the chapter; line 104 is refused by every kubectl (error: unknown flag: --x)"
        );
        let m = chapter_like(0);
        assert!(m.summary().contains("refused by every kubectl"));
    }

    /// A range never spans a minor that is missing: without 1.29, 1.27–1.30
    /// is `1.27–1.28, 1.30`.
    #[test]
    fn a_missing_minor_splits_the_range() {
        let mut m = chapter_like(31);
        m.kubectls.remove(2);
        for l in &mut m.lines {
            l.cells.remove(2);
        }
        assert!(
            m.summary()
                .starts_with("the chapter's kubectl lines work with kubectl 1.27–1.28, 1.30;"),
            "{}",
            m.summary()
        );
    }

    #[test]
    fn refusals_up_to_a_minor() {
        let mut m = chapter_like(99);
        for c in &mut m.lines[0].cells[..2] {
            *c = cell(
                c.version.minor,
                Verdict::Refused,
                "error: unknown flag: --new",
            );
        }
        assert!(
            m.summary()
                .ends_with("line 104 is refused up to 1.28 (error: unknown flag: --new)"),
            "{}",
            m.summary()
        );
    }

    #[test]
    fn the_matrix_serializes_for_the_run_record() {
        let m = chapter_like(31);
        let json = serde_json::to_value(&m).unwrap();
        assert_eq!(json["lines"][0]["cells"][4]["verdict"], "refused");
        assert_eq!(json["lines"][0]["cells"][4]["version"], "1.31.0");
        assert_eq!(json["lines"][0]["cells"][0]["verdict"], "deprecated");
        let back: Matrix = serde_json::from_value(json).unwrap();
        assert_eq!(back, m);
    }
}
