//! The book's verdicts rendered: the terminal (one line a block: line,
//! first command, verdict; each difference below it), JSON (the
//! [`BookReport`] as is, `version` 1), JUnit (one test case per block, the
//! differences in `<failure>`, the lab's output in `<system-out>`), and HTML
//! (rendered from a template by [`super::html`]).

use super::{BookReport, Verdict};
use crate::report::table::clip;
use crate::report::terminal::visible;
use std::fmt::Write;

/// Why a skipped block was skipped, said on the terminal as its JSON says
/// it (a `vagrant ssh` shown with a login banner alone said nothing there,
/// probe21aj): its skipped commands that weigh on it
/// ([`super::CommandReport::weighs_on_block`]: a skip where the book shows
/// output), else its first skipped command with a reason; not the reason
/// kubectl's note or the "from here on" line already gives.
fn skip_reasons(b: &super::BlockReport) -> Vec<(&super::CommandReport, &str)> {
    if b.verdict != Verdict::Skipped || b.commands.is_empty() {
        return Vec::new();
    }
    let said = |c: &super::CommandReport| {
        c.kubectl
            .as_ref()
            .is_some_and(|k| k.outcome == super::KubectlOutcome::Accepted)
            || c.reason
                .as_deref()
                .is_some_and(|w| w.ends_with(super::replay::STOPPED))
    };
    let skipped: Vec<(&super::CommandReport, &str)> = b
        .commands
        .iter()
        .filter(|c| c.verdict == Verdict::Skipped && !said(c))
        .filter_map(|c| Some((c, c.reason.as_deref()?)))
        .collect();
    let weighing: Vec<_> = skipped
        .iter()
        .copied()
        .filter(|(c, _)| c.weighs_on_block())
        .collect();
    match weighing.is_empty() {
        true => skipped.into_iter().take(1).collect(),
        false => weighing,
    }
}

/// The terminal view.
pub fn terminal(r: &BookReport) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "book {} against lab {} ({})",
        r.chapter, r.lab, r.provider
    );
    // Where the rest of the chapter stops being compared, said once.
    let mut stopped = false;
    for b in &r.blocks {
        // A block skipped whole says why (`not rendered: inside <div
        // hidden>`): an empty line hid that it was never read (probe21ad).
        let first = match (b.commands.is_empty(), b.prose.first()) {
            (true, Some(why)) if b.verdict == Verdict::Skipped => format!("({})", visible(why)),
            _ => b.first_command().to_string(),
        };
        let first = clip(&first, 70);
        let _ = writeln!(s, "{:>5}  {:<14} {first}", b.line, b.verdict.as_str());
        if let Some(why) = b.commands.iter().find_map(|c| {
            c.reason
                .as_deref()
                .filter(|w| w.ends_with(super::replay::STOPPED))
        }) && !stopped
        {
            stopped = true;
            let _ = writeln!(s, "           from here on: {}", visible(why));
        }
        for (c, why) in skip_reasons(b) {
            // The block's line names its first command.
            if !std::ptr::eq(c, &b.commands[0]) {
                let _ = writeln!(
                    s,
                    "         line {}: skipped {}",
                    c.line,
                    visible(&c.command)
                );
            }
            let _ = writeln!(s, "           {}", visible(why));
        }
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
            // What kubectl said where it did not run the line: accepted,
            // not run (the refusals are drift below, in kubectl's words).
            if let Some(k) = c
                .kubectl
                .as_ref()
                .filter(|k| k.outcome == super::KubectlOutcome::Accepted)
            {
                let head = k.note.split(": `").next().unwrap_or(&k.note);
                let _ = writeln!(s, "         line {}: {}", c.line, visible(head));
            }
            for (i, (d, known)) in c.differences_known().enumerate() {
                if c.known.get(i).is_some_and(|k| super::known::unwritten(k)) {
                    let _ = writeln!(
                        s,
                        "           DRIFT: {}\n             blessed in {} (the entry of line {}) with its reason still the TODO `--bless` wrote: not known until a person writes why",
                        visible(d),
                        r.known_file,
                        c.line
                    );
                    continue;
                }
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
    for l in stale_text(r).lines() {
        let _ = writeln!(s, "{}", visible(l));
    }
    let m = &r.summary;
    let stale = match (r.stale.len(), r.blessed) {
        (0, _) => String::new(),
        (1, false) => "; 1 stale known-drift entry".into(),
        (n, false) => format!("; {n} stale known-drift entries"),
        (n, true) => format!("; {n} stale dropped"),
    };
    let unwritten = super::known::unwritten_in(r);
    let stale = match unwritten {
        0 => stale,
        n => format!("{stale}; {n} blessed without a reason (drift)"),
    };
    if let Some(m) = &r.kubectl_matrix {
        s.push_str(&m.table());
    }
    let _ = writeln!(
        s,
        "{} blocks: {} match, {} drift, {} known drift, {} skipped, {} not understood, {} error{stale}{}",
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
    for why in super::verdict::of(r).why_not {
        let _ = writeln!(s, "FAILED: {}", visible(&why));
    }
    s
}

/// The stale entries of the known-drift file (those that explained no
/// difference of this replay; not a failure), or with `--bless` the ones it
/// dropped, as lines of text: empty when there are none.
pub fn stale_text(r: &BookReport) -> String {
    let mut s = String::new();
    if r.stale.is_empty() {
        return s;
    }
    let n = r.stale.len();
    let (entries, them) = if n == 1 {
        ("entry", "it")
    } else {
        ("entries", "them")
    };
    let _ = if r.blessed {
        writeln!(
            s,
            "stale known drift dropped from {} by --bless:\n{n} {entries} explained no difference of this run.",
            r.known_file
        )
    } else {
        writeln!(
            s,
            "stale known drift in {} (not a failure):\n{n} {entries} explained no difference of this run; `lab book --bless` drops {them}.",
            r.known_file
        )
    };
    for e in &r.stale {
        let at = e.line.map(|l| format!("line {l}: ")).unwrap_or_default();
        let which = e
            .occurrence
            .map(|o| format!(" (occurrence {o})"))
            .unwrap_or_default();
        let command = if e.by_line() {
            "(version 1 entry, by line)"
        } else {
            e.command.as_str()
        };
        let _ = writeln!(s, "  {at}{command}{which}");
        let _ = writeln!(s, "    difference: {}", e.difference);
        let _ = writeln!(s, "    why: {}", clip(&e.reason, 70));
    }
    s
}

/// The report as JSON, with the run's verdict as it stands
/// ([`super::verdict::stamped`]).
pub fn json(r: &BookReport) -> String {
    serde_json::to_string_pretty(&super::verdict::stamped(r)).unwrap_or_default() + "\n"
}

/// JUnit XML: one test case per block, in the suite `<lab>.book` (the
/// blocks as results, rendered as `lab test`'s are).
/// The run's verdict ([`super::verdict::of`]) and the stale known-drift
/// entries, which are not test cases (they fail nothing), are the suite's
/// own `<system-out>`, after its test cases.
pub fn junit(r: &BookReport) -> String {
    let x = crate::report::junit::render_results(&r.lab, &as_checks(r), std::path::Path::new(""));
    let v = super::verdict::of(r);
    let mut stale = if v.passed {
        "the run passed\n".to_string()
    } else {
        v.why_not.iter().map(|w| format!("FAILED: {w}\n")).collect()
    };
    stale.push_str(&stale_text(r));
    match x.rfind("  </testsuite>\n") {
        Some(at) if !stale.is_empty() => format!(
            "{}    <system-out>{}</system-out>\n{}",
            &x[..at],
            crate::report::escape(&stale),
            &x[at..]
        ),
        _ => x,
    }
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
        if let Some(k) = &c.kubectl {
            let _ = writeln!(out, "kubectl: {}", k.note);
        }
        if let Some(ran) = c.ran.as_ref().filter(|r| **r != c.command) {
            let _ = writeln!(out, "ran: {ran}");
            for w in &c.why {
                let _ = writeln!(out, "  why: {w}");
            }
        }
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
        Verdict::KnownDrift => format!("{}{}", crate::report::KNOWN_DRIFT, diffs.join("; ")),
        Verdict::Drift => format!("{v}: {}", diffs.join("; ")),
        Verdict::Skipped | Verdict::NotUnderstood | Verdict::Error => {
            format!("{v}: {}", reasons.join("; "))
        }
    }
}

/// The verdicts as results of `lab test` (see [`super::replay_as_checks`]):
/// one a block, in the variant `book`, named `line N: first command`, its
/// path the chapter's file and line and the variant it ran in; a drift or
/// a command not understood fails, an error is an error, known drift
/// passes, a skipped block is skipped; then the version matrix's results
/// ([`matrix_as_checks`]), if it ran.
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
        .chain(matrix_as_checks(r))
        .chain(r.nothing_compared().map(|why| CheckResult {
            name: "the chapter: something compared".into(),
            variant: BOOK_VARIANT.into(),
            path: file.clone(),
            expected: "at least one block compared with the lab".into(),
            observed: why,
            verdict: V::Fail,
            elapsed: std::time::Duration::ZERO,
            output: String::new(),
            artifacts: Vec::new(),
        }))
        .collect()
}

/// The version matrix as results of `lab test` (and the nightly's
/// history): one a kubectl minor, in the variant `book`, named `kubectl
/// 1.NN: the chapter's kubectl lines`. It passes when that kubectl accepts
/// every line (warnings allowed); it passes as known drift when each line
/// it refuses is one whose refusal by the pinned minor's kubectl is
/// blessed known drift of this replay, in the same words; it fails, in
/// kubectl's words, when it refuses any other line; it is an error when a
/// line could not be judged. No kubectl or no kubectl line: one skipped
/// result, never a pass.
pub fn matrix_as_checks(r: &BookReport) -> Vec<crate::report::CheckResult> {
    use crate::kubectl::Verdict as K;
    use crate::report::{CheckResult, Verdict as V};
    let Some(m) = &r.kubectl_matrix else {
        return Vec::new();
    };
    let file = std::path::Path::new(&r.chapter)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| r.chapter.clone());
    let result = |name: String, path: String, observed: String, verdict, output| CheckResult {
        name,
        variant: BOOK_VARIANT.into(),
        path,
        expected: "every kubectl line accepted (warnings allowed)".into(),
        observed,
        verdict,
        elapsed: std::time::Duration::ZERO,
        output,
        artifacts: Vec::new(),
    };
    if m.kubectls.is_empty() || m.lines.is_empty() {
        return vec![result(
            "kubectl: the chapter's kubectl lines".into(),
            file,
            format!("skipped: {}", m.summary()),
            V::Skip,
            String::new(),
        )];
    }
    // The refusals of the pinned minor blessed as known drift: (line,
    // kubectl's words).
    let blessed: Vec<(usize, String)> = r
        .blocks
        .iter()
        .flat_map(|b| &b.commands)
        .filter_map(|c| {
            let k = c
                .kubectl
                .as_ref()
                .filter(|k| k.outcome == super::KubectlOutcome::Refused)?;
            c.differences_known()
                .any(|(d, known)| known.is_some() && d.contains(" refuses the book's line: "))
                .then(|| (c.line, k.said.join("\n")))
        })
        .collect();
    let lines = |ls: &[(usize, &str)]| {
        ls.iter()
            .map(|(l, msg)| format!("line {l}: {}", msg.lines().next().unwrap_or("")))
            .collect::<Vec<_>>()
            .join("; ")
    };
    m.kubectls
        .iter()
        .enumerate()
        .map(|(j, k)| {
            let mut output = String::new();
            let (mut new, mut known, mut not_run, mut warned) = (vec![], vec![], vec![], 0);
            for l in &m.lines {
                let Some(c) = l.cells.get(j) else { continue };
                let _ = writeln!(
                    output,
                    "line {}: {:?}: kubectl {}",
                    l.line,
                    c.verdict,
                    l.args.join(" ")
                );
                for w in c.message.lines() {
                    let _ = writeln!(output, "  {w}");
                }
                let at = (l.line, c.message.as_str());
                match c.verdict {
                    K::Accepted => {}
                    K::Deprecated => warned += 1,
                    K::Refused
                        if blessed
                            .iter()
                            .any(|(bl, bm)| *bl == l.line && *bm == c.message) =>
                    {
                        known.push(at)
                    }
                    K::Refused => new.push(at),
                    K::NotRun => not_run.push(at),
                }
            }
            let n = m.lines.len();
            let (verdict, observed) = if !new.is_empty() {
                (V::Fail, format!("refused: {}", lines(&new)))
            } else if !not_run.is_empty() {
                (V::Error, format!("not judged: {}", lines(&not_run)))
            } else if !known.is_empty() {
                (
                    V::Pass,
                    format!(
                        "{}refused as the pinned kubectl's blessed drift: {}",
                        crate::report::KNOWN_DRIFT,
                        lines(&known)
                    ),
                )
            } else {
                (
                    V::Pass,
                    format!("all {n} lines accepted ({warned} with a warning)"),
                )
            };
            result(
                format!(
                    "kubectl {}: the chapter's kubectl lines",
                    k.version.minor_str()
                ),
                format!("{file} (kubectl {} at {})", k.version, k.path.display()),
                observed,
                verdict,
                output,
            )
        })
        .collect()
}

/// The `variant` of the book's results in a run record: they are the
/// chapter's, which switches variants itself (each result's `path` says in
/// which one the block ran).
pub const BOOK_VARIANT: &str = "book";

/// The chapter as one self-contained HTML page with the verdicts (see
/// [`super::html`]), for a replay read back from a run record (the
/// nightly's): the record keeps no chapter text, so the prose and its
/// figure come from the chapter file it names, and the graph beside the
/// figure is what `lab`'s file declares (the lab is gone by then; `lab
/// book --html` draws the live one).
pub fn html(r: &BookReport, lab: &crate::spec::Lab) -> String {
    let read;
    let r = if r.text.is_empty() {
        read = BookReport {
            text: std::fs::read_to_string(&r.chapter).unwrap_or_default(),
            ..r.clone()
        };
        &read
    } else {
        r
    };
    let graph = crate::graph::declared::topology(lab, &lab.default_variant).ok();
    super::html::page(r, graph.as_ref())
}

#[cfg(test)]
#[path = "report_tests.rs"]
mod tests;
