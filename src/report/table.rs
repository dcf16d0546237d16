//! The results table printed after a run: check, from → to, expected,
//! observed, verdict, time. Cells show control characters as escapes
//! ([`visible`]): what a node printed must not drive the terminal.
//!
//! The table fits the terminal ([`render_fit`]): columns are cut, the least
//! telling first, down to a minimum each; then `from → to`, the time and
//! the expectation go, in that order, until it fits;
//! a skip reason shared by several rows is said once, under the table.

use super::run::RunReport;
use super::terminal::visible;
use super::{CheckResult, Verdict};

/// The first line of `s`, at most `n` characters (clipped before control
/// characters are spelled out, so an escape is never cut in half).
pub fn clip(s: &str, n: usize) -> String {
    let one_line = s.lines().next().unwrap_or("");
    let clipped = if one_line.chars().count() <= n {
        one_line.to_string()
    } else {
        one_line
            .chars()
            .take(n.saturating_sub(1))
            .collect::<String>()
            + "…"
    };
    visible(&clipped).into_owned()
}

const HEADER: [&str; 7] = [
    "variant",
    "check",
    "from → to",
    "expected",
    "observed",
    "verdict",
    "time",
];
/// The widest each column gets.
const CAP: [usize; 7] = [24, 44, 48, 36, 40, 7, 8];
/// The narrowest a column is cut to when the terminal is narrow.
const MIN: [usize; 7] = [7, 20, 12, 11, 16, 7, 6];
/// Which columns give way first when the table is too wide.
const SHRINK_ORDER: [usize; 5] = [2, 3, 4, 1, 0];
/// Which columns go when cutting is not enough.
const DROP_ORDER: [usize; 3] = [2, 6, 3];
const GAP: usize = 2;

/// Render a run's results as a plain-text table, as wide as its content,
/// then the diagnostics files of each failed check (where they are on disk).
pub fn render(report: &RunReport) -> String {
    render_fit(report, None)
}

/// The width of the terminal the table goes to: `COLUMNS` when set, else
/// the size of stdout's or stderr's terminal; `None` when neither is one.
pub fn terminal_width() -> Option<usize> {
    if let Some(c) = std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.trim().parse::<usize>().ok())
        .filter(|c| *c >= 20)
    {
        return Some(c);
    }
    for fd in [libc::STDOUT_FILENO, libc::STDERR_FILENO] {
        let mut ws = libc::winsize {
            ws_row: 0,
            ws_col: 0,
            ws_xpixel: 0,
            ws_ypixel: 0,
        };
        // SAFETY: TIOCGWINSZ fills the winsize we own; a non-terminal fails.
        if unsafe { libc::ioctl(fd, libc::TIOCGWINSZ, &mut ws) } == 0 && ws.ws_col >= 20 {
            return Some(ws.ws_col as usize);
        }
    }
    None
}

/// Render results as a plain-text table that fits in `width` columns
/// (`None`: no limit).
pub fn render_fit(report: &RunReport, width: Option<usize>) -> String {
    table(&report.results, width, &|a| report.evidence_path(a))
}

/// The table of `results` in `width` columns; `evidence` says where a
/// result's artifact is on disk.
fn table(
    results: &[CheckResult],
    width: Option<usize>,
    evidence: &dyn Fn(&std::path::Path) -> std::path::PathBuf,
) -> String {
    // Skip reasons said by two rows or more become numbered notes.
    let mut notes: Vec<(String, usize)> = Vec::new();
    for r in results.iter().filter(|r| r.verdict == Verdict::Skip) {
        match notes.iter_mut().find(|(o, _)| *o == r.observed) {
            Some((_, n)) => *n += 1,
            None => notes.push((r.observed.clone(), 1)),
        }
    }
    notes.retain(|(_, n)| *n > 1);
    let note_of = |r: &CheckResult| {
        (r.verdict == Verdict::Skip)
            .then(|| notes.iter().position(|(o, _)| *o == r.observed))
            .flatten()
    };
    let raw: Vec<[String; 7]> = results
        .iter()
        .map(|r| {
            [
                r.variant.clone(),
                r.name.clone(),
                r.path.clone(),
                r.expected.clone(),
                match note_of(r) {
                    Some(i) => format!("skipped [{}]", i + 1),
                    None => r.observed.clone(),
                },
                r.verdict.as_str().to_string(),
                format!("{:.2}s", r.elapsed.as_secs_f64()),
            ]
        })
        .collect();
    let len = |s: &str| s.lines().next().unwrap_or("").chars().count();
    let mut width_of = [0usize; 7];
    for (i, h) in HEADER.iter().enumerate() {
        width_of[i] = h.chars().count();
    }
    for row in &raw {
        for (i, cell) in row.iter().enumerate() {
            width_of[i] = width_of[i].max(len(cell).min(CAP[i]));
        }
    }
    let mut shown = [true; 7];
    if let Some(limit) = width {
        let total = |w: &[usize; 7], shown: &[bool; 7]| -> usize {
            let cols: Vec<usize> = (0..7).filter(|&i| shown[i]).map(|i| w[i]).collect();
            cols.iter().sum::<usize>() + GAP * cols.len().saturating_sub(1)
        };
        for &i in &SHRINK_ORDER {
            let over = total(&width_of, &shown).saturating_sub(limit);
            if over == 0 {
                break;
            }
            let floor = MIN[i].max(HEADER[i].chars().count()).min(width_of[i]);
            width_of[i] -= over.min(width_of[i] - floor);
        }
        // Still too wide: columns go, the least needed to read the
        // verdicts first (where a check runs, its time, what it expected).
        for i in DROP_ORDER {
            if total(&width_of, &shown) <= limit {
                break;
            }
            shown[i] = false;
        }
    }
    let line = |cells: &[String; 7], header: bool| -> String {
        let mut s = String::new();
        let last = (0..7).rev().find(|&i| shown[i]).unwrap_or(6);
        let mut first = true;
        for i in (0..7).filter(|&i| shown[i]) {
            if !first {
                s.push_str(&" ".repeat(GAP));
            }
            first = false;
            let c = clip(&cells[i], width_of[i]);
            let n = clip_len(&cells[i], width_of[i]);
            if i == 5 && !header {
                s.push_str(&super::style::paint_mark(&c));
            } else {
                s.push_str(&c);
            }
            if i != last {
                s.push_str(&" ".repeat(width_of[i].saturating_sub(n)));
            }
        }
        s.push('\n');
        s
    };
    let mut out = line(&HEADER.map(String::from), true);
    for row in &raw {
        out.push_str(&line(row, false));
    }
    for (i, (reason, n)) in notes.iter().enumerate() {
        let note = format!("[{}] {reason} ({n} checks)", i + 1);
        for l in wrap(&note, width.unwrap_or(usize::MAX), 4) {
            out.push_str(&visible(&l));
            out.push('\n');
        }
    }
    out.push_str(&diagnostics(results, evidence, width));
    out
}

/// The name of the folder of a check's own diagnostics under its
/// variant's folder (`node-reaches-pod-across-nodes`): its name, lower
/// case, runs of other characters as one `-`, at most 60 characters.
pub fn check_folder(name: &str) -> String {
    let mut out: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    while out.contains("--") {
        out = out.replace("--", "-");
    }
    out.trim_matches('-').chars().take(60).collect()
}

/// Where the failed checks' diagnostics are, relative to the lab's folder
/// (named once, first): one folder per check (its own, named by
/// [`check_folder`]), then once the folders they share (each node's state,
/// the provider's logs); not every file (the run record lists them).
/// Lines are wrapped to `width`.
fn diagnostics(
    results: &[CheckResult],
    evidence: &dyn Fn(&std::path::Path) -> std::path::PathBuf,
    width: Option<usize>,
) -> String {
    use std::path::{Path, PathBuf};
    let failed: Vec<&CheckResult> = results.iter().filter(|r| !r.artifacts.is_empty()).collect();
    if failed.is_empty() {
        return String::new();
    }
    // The lab's folder: the one holding `artifacts/<run>/`.
    let root = evidence(Path::new(""));
    let lab_dir = root
        .parent()
        .filter(|p| p.file_name().is_some_and(|n| n == "artifacts"))
        .and_then(Path::parent)
        .map(Path::to_path_buf)
        .unwrap_or_else(|| root.clone());
    let shown = |p: &Path| -> String {
        let rel = p.strip_prefix(&lab_dir).unwrap_or(p);
        format!("{}/", rel.display())
    };
    let dir_of = |a: &PathBuf| -> PathBuf {
        let p = evidence(a);
        p.parent().map(Path::to_path_buf).unwrap_or(p)
    };
    // (what is said, the folder): a folder is never cut; it goes to a line
    // of its own when both do not fit.
    let mut lines: Vec<(String, String)> = vec![(
        "diagnostics, under the lab's folder".into(),
        format!("{}/:", lab_dir.display()),
    )];
    let mut own: Vec<PathBuf> = Vec::new();
    let mut shared: Vec<PathBuf> = Vec::new();
    for r in &failed {
        let name = check_folder(&r.name);
        let dirs: Vec<PathBuf> = r.artifacts.iter().map(dir_of).collect();
        // Its own folder, or (none made: no capture) where its files are.
        let mine = dirs
            .iter()
            .find(|d| d.file_name().is_some_and(|n| n.to_string_lossy() == name))
            .cloned()
            .unwrap_or_else(|| common_dir(&dirs));
        for d in dirs.iter().filter(|d| !d.starts_with(&mine)) {
            // `nodes/node1/` and `nodes/node2/` are shown as `nodes/`.
            let d = match d.parent() {
                Some(p) if p != root && p.parent() != Some(root.as_path()) => p.to_path_buf(),
                _ => d.clone(),
            };
            if !shared.contains(&d) {
                shared.push(d);
            }
        }
        own.push(mine.clone());
        lines.push((format!("  {} ({}):", r.name, r.variant), shown(&mine)));
    }
    shared.retain(|d| !own.iter().any(|o| d.starts_with(o)));
    if !shared.is_empty() {
        lines.push((
            format!(
                "  shared by {}:",
                if failed.len() == 1 { "it" } else { "them" }
            ),
            shared
                .iter()
                .map(|d| shown(d))
                .collect::<Vec<_>>()
                .join(" "),
        ));
    }
    let mut out = String::new();
    for (said, folder) in lines {
        let one = format!("{said} {folder}");
        if width.is_none_or(|w| one.chars().count() <= w) {
            out.push_str(&visible(&one));
        } else {
            out.push_str(&visible(&format!("{said}\n    {folder}")));
        }
        out.push('\n');
    }
    out
}

/// The deepest folder holding every one of `dirs`.
fn common_dir(dirs: &[std::path::PathBuf]) -> std::path::PathBuf {
    let mut common = dirs.first().cloned().unwrap_or_default();
    for d in dirs {
        while !d.starts_with(&common) {
            if !common.pop() {
                break;
            }
        }
    }
    common
}

/// `text` in lines of at most `width` characters, broken at spaces (a
/// word longer than a line is cut), lines after the first indented.
fn wrap(text: &str, width: usize, indent: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut cur = String::new();
    for word in text.split(' ') {
        let room = if lines.is_empty() {
            width
        } else {
            width.saturating_sub(indent)
        };
        if !cur.is_empty() && cur.chars().count() + 1 + word.chars().count() > room {
            lines.push(std::mem::take(&mut cur));
        }
        if !cur.is_empty() {
            cur.push(' ');
        }
        cur.push_str(word);
    }
    lines.push(cur);
    lines
        .into_iter()
        .enumerate()
        .map(|(i, l)| {
            let room = if i == 0 {
                width
            } else {
                width.saturating_sub(indent)
            };
            let l: String = l.chars().take(room.max(1)).collect();
            if i == 0 {
                l
            } else {
                format!("{}{l}", " ".repeat(indent))
            }
        })
        .collect()
}

/// How many columns [`clip`] of `s` at `n` takes before escapes are spelled
/// out (an escape widens a cell; the padding goes by the clipped text).
fn clip_len(s: &str, n: usize) -> usize {
    clip(s, n).chars().count()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn r(variant: &str, name: &str, verdict: Verdict, observed: &str) -> CheckResult {
        CheckResult {
            name: name.into(),
            variant: variant.into(),
            path: "pod nginx@node1 → pod nginx@node2 (through flannel.1)".into(),
            expected: "{ reachable: true, ttl: 62 }".into(),
            observed: observed.into(),
            verdict,
            elapsed: Duration::from_millis(1020),
            output: String::new(),
            artifacts: vec![],
        }
    }

    fn rows() -> Vec<CheckResult> {
        let mut v = vec![r(
            "fixed",
            "pod reaches pod across nodes and answers in time",
            Verdict::Pass,
            "reachable, ttl 62 (64 bytes from 10.244.2.2: icmp_seq=1 ttl=62)",
        )];
        for name in [
            "every node is Ready",
            "flannel runs",
            "nginx replicas",
            "x",
            "y",
            "z",
        ] {
            v.push(r(
                "broken",
                name,
                Verdict::Skip,
                "netns has no Kubernetes API server",
            ));
        }
        v
    }

    #[test]
    fn the_table_fits_the_width_it_is_given() {
        for width in [60, 80, 100, 120] {
            let t = table(&rows(), Some(width), &|a| a.to_path_buf());
            for l in t.lines() {
                assert!(l.chars().count() <= width, "{width}: {l:?}\n{t}");
            }
            assert!(t.contains("pass"), "{t}");
        }
        // Wide enough: as without a limit.
        assert_eq!(
            table(&rows(), Some(400), &|a| a.to_path_buf()),
            table(&rows(), None, &|a| a.to_path_buf())
        );
        // Narrow: `from → to` goes, the verdicts stay.
        let t = table(&rows(), Some(60), &|a| a.to_path_buf());
        assert!(!t.contains("from → to"), "{t}");
        assert!(t.lines().nth(1).unwrap().contains("pass"), "{t}");
    }

    #[test]
    fn a_long_note_wraps_at_the_width() {
        let mut rs = rows();
        for r in &mut rs[1..] {
            r.observed = "netns has no Kubernetes API server; it reproduces the chapter's network, not the cluster".into();
        }
        let t = table(&rs, Some(60), &|a| a.to_path_buf());
        assert!(t.lines().all(|l| l.chars().count() <= 60), "{t}");
        assert!(
            t.contains("\n    chapter's network, not the cluster (6 checks)\n"),
            "{t}"
        );
    }

    #[test]
    fn a_skip_reason_shared_by_rows_is_said_once() {
        let t = table(&rows(), None, &|a| a.to_path_buf());
        assert_eq!(
            t.matches("netns has no Kubernetes API server").count(),
            1,
            "{t}"
        );
        assert!(
            t.contains("[1] netns has no Kubernetes API server (6 checks)"),
            "{t}"
        );
        assert_eq!(t.matches("skipped [1]").count(), 6, "{t}");
    }

    /// Two failed checks: one folder each, relative to the lab's folder
    /// (named once), and the nodes' folders they share said once.
    #[test]
    fn diagnostics_are_one_folder_a_check_relative_to_the_labs_folder() {
        let root = std::path::PathBuf::from("/s/lab4/artifacts/RUN");
        let mut a = r("broken", "node reaches pod", Verdict::Fail, "unreachable");
        let mut b = r("broken", "nginx answers", Verdict::Fail, "no answer");
        for (c, own) in [(&mut a, "node-reaches-pod"), (&mut b, "nginx-answers")] {
            c.artifacts = [
                "nodes/node1/ip-route.txt",
                "nodes/node1/fdb.txt",
                "nodes/node2/ip-route.txt",
            ]
            .iter()
            .map(|f| std::path::PathBuf::from("broken").join(f))
            .chain([format!("broken/{own}/node1-capture-flannel.1.txt").into()])
            .collect();
        }
        let results = vec![a, b];
        let evidence = |p: &std::path::Path| root.join(p);
        assert_eq!(
            diagnostics(&results, &evidence, None),
            "diagnostics, under the lab's folder /s/lab4/:\n  \
             node reaches pod (broken): artifacts/RUN/broken/node-reaches-pod/\n  \
             nginx answers (broken): artifacts/RUN/broken/nginx-answers/\n  \
             shared by them: artifacts/RUN/broken/nodes/\n"
        );
        // Narrow: a folder goes to a line of its own, whole.
        let t = diagnostics(&results, &evidence, Some(40));
        assert!(
            t.contains(
                "  node reaches pod (broken):\n    artifacts/RUN/broken/node-reaches-pod/\n"
            ),
            "{t}"
        );
        // Nothing failed: nothing said.
        assert_eq!(diagnostics(&rows(), &evidence, None), "");
    }
}
