//! `summary.md`: what a person needs from last night, in a few lines:
//! what newly fails (and what changed), what still fails (since when),
//! which runs failed as a whole, what recovered, what passed before and is
//! skipped now (no longer compared), what is flaky, what is gone, what was
//! not run. Short enough for `$GITHUB_STEP_SUMMARY` (which
//! refuses more than 1 MiB): long lists are cut, the whole is capped.

use crate::history::analysis::{Analysis, Change, Item};
use crate::history::{NightStatus, RunStatus, Verdict};
use std::fmt::Write;

/// Entries shown per section; the rest are counted.
const PER_SECTION: usize = 40;
/// The summary's cap, well under GitHub's 1 MiB.
pub const MAX_BYTES: usize = 512 * 1024;

/// Markdown-escape text from names and outputs (one line).
pub fn md(s: &str) -> String {
    let one = s.lines().next().unwrap_or("");
    let one = &*super::shown::cut(one);
    let mut out = String::with_capacity(one.len());
    for c in one.chars() {
        if "\\`*_[]<>|#".contains(c) {
            out.push('\\');
        }
        if c.is_control() {
            out.push('\u{fffd}');
        } else if crate::report::terminal::is_unseen_format(c) {
            // A right-to-left override in a merged database's night name
            // reordered what the summary showed (probe21bl, lesser 9).
            out.push_str(&format!("\\u{{{:04x}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    out
}

fn changes_text(changes: &[Change]) -> String {
    changes
        .iter()
        .map(|c| format!("`{}`", c.to_string().replace('`', "'")))
        .collect::<Vec<_>>()
        .join(", ")
}

fn item_name(i: &Item) -> String {
    format!(
        "{} · {} [{}] {}",
        md(&i.key.line.lab),
        md(&i.key.line.provider),
        md(i.key.group()),
        md(&i.key.name)
    )
}

fn observed(i: &Item) -> String {
    match i.tonight() {
        Some(r) => {
            let mut s = String::new();
            if let Some(e) = &r.expected {
                let _ = write!(s, "expected {}, ", md(e));
            }
            let _ = write!(
                s,
                "{} {}",
                if r.verdict == Verdict::Error {
                    "could not run:"
                } else {
                    "observed"
                },
                md(r.observed.as_deref().unwrap_or("-"))
            );
            s
        }
        None => String::new(),
    }
}

fn section<'a>(
    out: &mut String,
    title: &str,
    items: impl Iterator<Item = &'a Item>,
    line: impl Fn(&Item) -> String,
) {
    let items: Vec<&Item> = items.collect();
    if items.is_empty() {
        return;
    }
    let _ = writeln!(out, "\n## {title} ({})\n", items.len());
    for i in items.iter().take(PER_SECTION) {
        let _ = writeln!(out, "- {}", line(i));
    }
    if items.len() > PER_SECTION {
        let _ = writeln!(
            out,
            "- … and {} more (see the dashboard)",
            items.len() - PER_SECTION
        );
    }
}

/// The summary of the last night.
pub fn render(a: &Analysis) -> String {
    let mut out = String::new();
    let Some(night) = a.tonight() else {
        return "# Nightly\n\nNo night recorded yet.\n".into();
    };
    let name_of = |i: usize| a.nights[i].name.clone();
    let newly: Vec<&Item> = a.newly_failing().collect();
    // Tonight's state, whatever `--fail-on` makes of it for the exit code.
    let headline = a.headline();
    let _ = writeln!(out, "# Nightly {}: {headline}\n", md(&night.name));
    if night.status != NightStatus::Complete {
        let _ = writeln!(
            out,
            "**This night is {}**: {}.\n",
            night.status.as_str(),
            match night.status {
                NightStatus::Interrupted =>
                    "it was stopped by a signal; runs that did not finish are marked interrupted",
                NightStatus::Running => "it is still running",
                _ =>
                    "the nightly that ran it was killed; runs that did not finish are marked interrupted",
            }
        );
    }
    let n = a.nights.len();
    let _ = writeln!(
        out,
        "{} night{} recorded. Tonight's runs:\n",
        n,
        if n == 1 { "" } else { "s" }
    );
    for line in &a.lines {
        let Some(Some(r)) = a.runs[line].last() else {
            continue;
        };
        let tally = crate::report::Tally::of_verdicts(r.data.results.iter().map(|x| x.verdict));
        let detail = match r.data.status {
            RunStatus::Passed | RunStatus::Failed => tally.summary(),
            _ => md(r.data.reason.as_deref().unwrap_or("")),
        };
        let took = r
            .data
            .duration_s
            .map(|d| format!(", {d:.1} s"))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "- {} · {}: **{}** ({detail}{took})",
            md(&line.lab),
            md(&line.provider),
            r.data.status.as_str().replace('_', " ")
        );
    }
    section(&mut out, "Newly failing", newly.into_iter(), |i| {
        let mut s = format!("**{}**: {}", item_name(i), observed(i));
        if let Some(was) = &i.failed_differently {
            let _ = write!(
                s,
                ". Fails differently from the night before, which observed {}",
                md(was.observed.as_deref().unwrap_or("-"))
            );
        }
        if i.compared_to.is_none() {
            s.push_str(". The first night recorded for this lab and provider");
        } else if i.cause.is_empty() {
            s.push_str(". Nothing recorded changed since the night before");
            if i.unexplained_flips > 0 {
                s.push_str(" (flaky?)");
            }
        } else {
            let _ = write!(s, ". Changed tonight: {}", changes_text(&i.cause));
        }
        s
    });
    if !a.run_failures.is_empty() {
        let _ = writeln!(out, "\n## Runs that failed ({})\n", a.run_failures.len());
        for f in &a.run_failures {
            let _ = writeln!(
                out,
                "- **{} · {}** {}{}: {}{}",
                md(&f.line.lab),
                md(&f.line.provider),
                f.status.as_str(),
                if f.new { " (new)" } else { "" },
                md(&f.reason),
                if f.changes.is_empty() {
                    String::new()
                } else {
                    format!(". Changed: {}", changes_text(&f.changes))
                }
            );
        }
    }
    section(&mut out, "Still failing", a.still_failing(), |i| {
        let since = i.failing_since.unwrap_or(n - 1);
        let mut s = format!(
            "{}: failing since {} ({} night{})",
            item_name(i),
            md(&name_of(since)),
            n - since,
            if n - since == 1 { "" } else { "s" }
        );
        if !i.cause.is_empty() {
            let _ = write!(s, "; changed that night: {}", changes_text(&i.cause));
        }
        s
    });
    section(&mut out, "Recovered", a.recovered(), |i| {
        format!("{}: passes again", item_name(i))
    });
    section(
        &mut out,
        "Failed before, not compared tonight (not resolved)",
        a.failed_then_skipped(),
        |i| {
            let was = i.results.iter().rev().skip(1).flatten().next();
            format!(
                "{}: {}; it failed before{}",
                item_name(i),
                observed(i),
                was.and_then(|r| r.observed.as_deref())
                    .map(|o| format!(", observing {}", md(o)))
                    .unwrap_or_default()
            )
        },
    );
    section(
        &mut out,
        "Passed before, skipped now (no longer compared)",
        a.no_longer_compared(),
        |i| format!("{}: {}", item_name(i), observed(i)),
    );
    section(&mut out, "Flaky", a.flaky(), |i| {
        let nights: Vec<String> = i.flaky_nights.iter().map(|&k| md(&name_of(k))).collect();
        format!(
            "{}: {} flips with nothing changed (nights {})",
            item_name(i),
            i.unexplained_flips,
            nights.join(", ")
        )
    });
    section(
        &mut out,
        "Gone since the last night",
        a.disappeared(),
        |i| {
            format!(
                "{}: last seen {}",
                item_name(i),
                i.last_seen.map(|k| md(&name_of(k))).unwrap_or_default()
            )
        },
    );
    if !a.not_run.is_empty() {
        let _ = writeln!(out, "\n## Not run here ({})\n", a.not_run.len());
        for (line, why) in &a.not_run {
            let _ = writeln!(
                out,
                "- {} · {}: {}",
                md(&line.lab),
                md(&line.provider),
                md(why)
            );
        }
    }
    cap(out)
}

/// Cut at [`MAX_BYTES`] on a line boundary, saying so.
fn cap(mut s: String) -> String {
    if s.len() <= MAX_BYTES {
        return s;
    }
    let mut end = MAX_BYTES - 200;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    let end = s[..end].rfind('\n').unwrap_or(end);
    s.truncate(end);
    s.push_str("\n\n… (cut: the summary is capped at 512 KiB; the dashboard has everything)\n");
    s
}
