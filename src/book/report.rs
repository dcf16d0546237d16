//! The book's verdicts rendered: the terminal (one line a block: line,
//! first command, verdict; each difference below it), JSON (the
//! [`BookReport`] as is, `version` 1), JUnit (one test case per block, the
//! differences in `<failure>`, the lab's output in `<system-out>`), and HTML
//! (rendered from a template by [`super::html`]).

use super::{BookReport, Verdict};
use crate::report::table::clip;
use crate::report::terminal::visible;
use std::fmt::Write;

/// Every difference of the report that fails or is known, as
/// `(block line, first command, difference)`: what `--bless` records.
pub fn current_drift(r: &BookReport) -> Vec<(usize, String, String)> {
    let mut out = Vec::new();
    for b in &r.blocks {
        for c in &b.commands {
            if matches!(c.verdict, Verdict::Drift | Verdict::KnownDrift) {
                for d in &c.differences {
                    out.push((b.line, c.command.clone(), d.clone()));
                }
            }
        }
    }
    out
}

/// The terminal view.
pub fn terminal(r: &BookReport) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "book {} against lab {} ({})",
        r.chapter, r.lab, r.provider
    );
    for b in &r.blocks {
        let first = clip(b.first_command(), 70);
        let _ = writeln!(s, "{:>5}  {:<14} {first}", b.line, b.verdict.as_str());
        for c in &b.commands {
            if !matches!(c.verdict, Verdict::Match | Verdict::Skipped) && b.commands.len() > 1 {
                let _ = writeln!(
                    s,
                    "         line {}: {} {}",
                    c.line,
                    c.verdict.as_str(),
                    visible(&c.command)
                );
            }
            if matches!(c.verdict, Verdict::Error | Verdict::NotUnderstood)
                && let Some(why) = &c.reason
            {
                let _ = writeln!(s, "           {}", visible(why));
            }
            for (d, known) in c.differences_known() {
                match known {
                    Some(k) => {
                        let _ = writeln!(
                            s,
                            "           known: {}\n             why: {}",
                            visible(d),
                            visible(k)
                        );
                    }
                    None => {
                        let _ = writeln!(s, "           DRIFT: {}", visible(d));
                    }
                }
            }
        }
    }
    let m = &r.summary;
    let _ = writeln!(
        s,
        "{} blocks: {} match, {} drift, {} known drift, {} skipped, {} not understood, {} error{}",
        r.blocks.len(),
        m.matched,
        m.drift,
        m.known_drift,
        m.skipped,
        m.not_understood,
        m.error,
        if r.blessed {
            format!("; known drift written to {}", r.known_file)
        } else {
            String::new()
        }
    );
    s
}

pub fn json(r: &BookReport) -> String {
    serde_json::to_string_pretty(r).unwrap_or_default() + "\n"
}

/// JUnit XML: one test case per block, in the suite `<lab>.book` (the
/// blocks as results, rendered as `lab test`'s are).
pub fn junit(r: &BookReport) -> String {
    crate::report::junit::render_results(&r.lab, &as_checks(r), std::path::Path::new(""))
}

/// What a block's commands ran and printed, and the reasons of its known
/// drift, for JUnit and the run record.
fn block_output(b: &super::BlockReport) -> String {
    let mut out = String::new();
    for c in &b.commands {
        let _ = writeln!(
            out,
            "$ {}  [{}{}]",
            c.command,
            c.verdict.as_str(),
            c.ran_on
                .as_ref()
                .map(|o| format!(" on {o}"))
                .unwrap_or_default()
        );
        for l in &c.lab {
            let _ = writeln!(out, "{l}");
        }
        for (d, k) in c.differences_known().filter_map(|(d, k)| Some((d, k?))) {
            let _ = writeln!(out, "known drift: {d}\n  why: {k}");
        }
    }
    out
}

/// What a block shows in one line: its verdict and why (its differences;
/// the reasons it was skipped, not understood or could not run, each once
/// with the lines it applies to).
fn block_observed(b: &super::BlockReport) -> String {
    let diffs: Vec<String> = b
        .commands
        .iter()
        .flat_map(|c| {
            c.differences_known().map(move |(d, known)| {
                let known = if known.is_some() { " (known)" } else { "" };
                format!("line {}: {d}{known}", c.line)
            })
        })
        .collect();
    let mut reasons: Vec<(Vec<String>, &str)> = Vec::new();
    for c in b.commands.iter().filter(|c| c.verdict == b.verdict) {
        let Some(why) = c.reason.as_deref() else {
            continue;
        };
        match reasons.iter_mut().find(|(_, w)| *w == why) {
            Some((lines, _)) => lines.push(c.line.to_string()),
            None => reasons.push((vec![c.line.to_string()], why)),
        }
    }
    let mut reasons: Vec<String> = reasons
        .into_iter()
        .map(|(lines, why)| {
            let s = if lines.len() > 1 { "s" } else { "" };
            format!("line{s} {}: {why}", lines.join(", "))
        })
        .collect();
    if b.commands.is_empty() {
        reasons.extend(b.prose.iter().cloned());
    }
    let v = b.verdict.as_str().replace('_', " ");
    match b.verdict {
        Verdict::Match => v,
        Verdict::Drift | Verdict::KnownDrift => format!("{v}: {}", diffs.join("; ")),
        Verdict::Skipped | Verdict::NotUnderstood | Verdict::Error => {
            format!("{v}: {}", reasons.join("; "))
        }
    }
}

/// The verdicts as results of `lab test` (see [`super::replay_as_checks`]):
/// one a block, in the variant `book`, named `line N: first command`, its
/// path the chapter's file and line and the variant it ran in; a drift or
/// a command not understood fails, an error is an error, known drift
/// passes, a skipped block is skipped.
pub fn as_checks(r: &BookReport) -> Vec<crate::report::CheckResult> {
    use crate::report::{CheckResult, Verdict as V};
    let file = std::path::Path::new(&r.chapter)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| r.chapter.clone());
    r.blocks
        .iter()
        .map(|b| {
            let first = b.first_command();
            let ran_in = b
                .commands
                .last()
                .map(|c| c.variant.as_str())
                .unwrap_or_default();
            CheckResult {
                name: if first.is_empty() {
                    format!("line {}", b.line)
                } else {
                    format!("line {}: {first}", b.line)
                },
                variant: BOOK_VARIANT.into(),
                path: if ran_in.is_empty() {
                    format!("{file}:{}", b.line)
                } else {
                    format!("{file}:{} ({ran_in})", b.line)
                },
                expected: "as the book shows".into(),
                observed: block_observed(b),
                verdict: match b.verdict {
                    Verdict::Match | Verdict::KnownDrift => V::Pass,
                    Verdict::Skipped => V::Skip,
                    Verdict::Drift | Verdict::NotUnderstood => V::Fail,
                    Verdict::Error => V::Error,
                },
                elapsed: std::time::Duration::from_secs_f64(b.duration_s),
                output: block_output(b),
                artifacts: Vec::new(),
            }
        })
        .collect()
}

/// The `variant` of the book's results in a run record: they are the
/// chapter's, which switches variants itself (each result's `path` says in
/// which one the block ran).
pub const BOOK_VARIANT: &str = "book";

/// The chapter as one self-contained HTML page with the verdicts (see
/// [`super::html`]; `lab book --html` adds the lab's graph).
pub fn html(r: &BookReport) -> String {
    super::html::page(r, None)
}
