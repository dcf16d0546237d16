//! The book's verdicts rendered: the terminal (one line a block: line,
//! first command, verdict; each difference below it), JSON (the
//! [`BookReport`] as is, `version` 1), JUnit (one test case per block, the
//! differences in `<failure>`, the lab's output in `<system-out>`), and HTML
//! (the chapter itself, readable, each block marked with its verdict and the
//! lab's output beside the book's, differences highlighted; one file, no
//! network).

use super::{BookReport, Verdict};
use crate::report::escape as esc;
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

const CSS: &str = "body{font:15px/1.5 system-ui,sans-serif;max-width:1200px;margin:2em auto;padding:0 1em;color:#222}\
h1,h2,h3{line-height:1.2}pre{margin:0;white-space:pre-wrap;word-break:break-all;font:13px/1.4 ui-monospace,monospace}\
.summary span{display:inline-block;margin-right:1em}.block{border:1px solid #ccc;border-left:8px solid #999;margin:1em 0;border-radius:4px}\
.block>header{padding:.3em .8em;background:#f4f4f4;font-weight:600}.v-match{border-left-color:#2a2}.v-drift{border-left-color:#d22}\
.v-known_drift{border-left-color:#e90}.v-skipped{border-left-color:#999}.v-not_understood{border-left-color:#a2a}.v-error{border-left-color:#a00}\
.badge{display:inline-block;padding:0 .5em;border-radius:3px;color:#fff;font-size:12px;margin-left:.5em}.b-match{background:#2a2}\
.b-drift{background:#d22}.b-known_drift{background:#e90}.b-skipped{background:#888}.b-not_understood{background:#a2a}.b-error{background:#a00}\
.cmd{display:grid;grid-template-columns:1fr 1fr;gap:0;border-top:1px solid #ddd}.cmd>div{padding:.4em .8em;overflow:auto}\
.cmd .lab{background:#fafafa;border-left:1px solid #ddd}.cmd h4{margin:0 0 .3em;font-size:12px;color:#666;font-weight:600}\
.line{color:#777}.diff{grid-column:1/3;padding:.4em .8em;background:#fff0f0}.diff.known{background:#fff7e6}\
mark{background:#ffd0d0}.bind,.note{grid-column:1/3;padding:.2em .8em;font-size:13px;color:#555}";

/// The chapter as one self-contained HTML page with the verdicts.
pub fn html(r: &BookReport) -> String {
    let mut h = String::new();
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>lab book: {}</title><style>{CSS}</style></head><body>\n",
        esc(&r.chapter)
    );
    let m = &r.summary;
    let _ = writeln!(
        h,
        "<div class=\"summary\"><p><b>lab book</b> {} against lab <b>{}</b> ({})</p><p><span>{} match</span><span>{} drift</span><span>{} known drift</span><span>{} skipped</span><span>{} not understood</span><span>{} error</span></p></div><hr>",
        esc(&r.chapter),
        esc(&r.lab),
        esc(&r.provider),
        m.matched,
        m.drift,
        m.known_drift,
        m.skipped,
        m.not_understood,
        m.error
    );
    let lines: Vec<&str> = r.text.lines().collect();
    let mut i = 0;
    let mut para: Vec<&str> = Vec::new();
    let flush = |h: &mut String, para: &mut Vec<&str>| {
        if !para.is_empty() {
            let _ = writeln!(h, "<p>{}</p>", esc(&para.join(" ")));
            para.clear();
        }
    };
    let mut blocks = r.blocks.iter().peekable();
    while i < lines.len() {
        let n = i + 1;
        if let Some(b) = blocks.peek()
            && b.line == n
        {
            flush(&mut h, &mut para);
            block_html(&mut h, b, &lines);
            i = b.end;
            blocks.next();
            continue;
        }
        let l = lines[i];
        if let Some(t) = l.strip_prefix("### ") {
            flush(&mut h, &mut para);
            let _ = writeln!(h, "<h3>{}</h3>", esc(t));
        } else if let Some(t) = l.strip_prefix("## ") {
            flush(&mut h, &mut para);
            let _ = writeln!(h, "<h2>{}</h2>", esc(t));
        } else if let Some(t) = l.strip_prefix("# ") {
            flush(&mut h, &mut para);
            let _ = writeln!(h, "<h1>{}</h1>", esc(t));
        } else if l.trim().is_empty() {
            flush(&mut h, &mut para);
        } else {
            para.push(l);
        }
        i += 1;
    }
    flush(&mut h, &mut para);
    h.push_str("</body></html>\n");
    h
}

fn block_html(h: &mut String, b: &super::BlockReport, lines: &[&str]) {
    let v = b.verdict.as_str();
    let _ = writeln!(
        h,
        "<section class=\"block v-{v}\" id=\"line-{}\"><header>line {} <span class=\"badge b-{v}\">{v}</span></header>",
        b.line, b.line
    );
    if b.commands.is_empty() {
        let body: Vec<&str> = lines
            .get(b.line..b.end.saturating_sub(1))
            .unwrap_or(&[])
            .to_vec();
        let _ = writeln!(
            h,
            "<div class=\"cmd\"><div><pre>{}</pre></div><div class=\"lab\">{}</div></div>",
            esc(&body.join("\n")),
            esc(&b.prose.join(" "))
        );
    }
    for c in &b.commands {
        let cv = c.verdict.as_str();
        let missing: Vec<String> = c
            .differences
            .iter()
            .filter_map(|d| d.split('`').nth(1).map(str::to_string))
            .collect();
        let book: Vec<String> = c
            .book
            .iter()
            .map(|l| {
                let n = super::compare::normalize(l);
                if !n.is_empty() && missing.iter().any(|m| *m == n || m.contains(&n)) {
                    format!("<mark>{}</mark>", esc(l))
                } else {
                    esc(l)
                }
            })
            .collect();
        let _ = writeln!(
            h,
            "<div class=\"cmd\"><div><h4>book, line {}</h4><pre><b>$ {}</b>\n{}</pre></div><div class=\"lab\"><h4>lab{} <span class=\"badge b-{cv}\">{cv}</span></h4><pre>{}{}</pre></div>",
            c.line,
            esc(&c.command),
            book.join("\n"),
            c.ran_on
                .as_ref()
                .map(|o| format!(", on {}", esc(o)))
                .unwrap_or_default(),
            c.ran
                .as_ref()
                .map(|r| format!("<b>$ {}</b>\n", esc(r)))
                .unwrap_or_default(),
            esc(&c.lab.join("\n"))
        );
        for b in &c.bindings {
            let _ = writeln!(h, "<div class=\"bind\">{}</div>", esc(b));
        }
        if let Some(r) = &c.reason {
            let _ = writeln!(h, "<div class=\"note\">{}</div>", esc(r));
        }
        for (d, known) in c.differences_known() {
            match known {
                Some(k) => {
                    let _ = writeln!(
                        h,
                        "<div class=\"diff known\"><b>known drift:</b> {}<br><b>why:</b> {}</div>",
                        esc(d),
                        esc(k)
                    );
                }
                None => {
                    let _ = writeln!(
                        h,
                        "<div class=\"diff\"><b>drift:</b> <mark>{}</mark></div>",
                        esc(d)
                    );
                }
            }
        }
        h.push_str("</div>\n");
    }
    h.push_str("</section>\n");
}
