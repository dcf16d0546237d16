//! `index.html`: the history as one self-contained page (no script, no
//! font, no request leaves it): tonight's news on top, then the labs ×
//! nights grid coloured by outcome with the nights where an input changed,
//! then each check's history (first failing night and its cause, flaky and
//! gone marks), then each step's duration over the nights as an inline SVG
//! plot.

use super::shown::cut;
#[cfg(test)]
use crate::history::analysis::short;
use crate::history::analysis::{Analysis, Change, Item, Line};
use crate::history::{NightStatus, ResultKind, Run, RunStatus};
use std::collections::BTreeMap;
use std::fmt::Write;
use std::path::Path;

/// Nights shown in the grids (the most recent).
const SHOWN: usize = 60;

/// The one HTML escaper of lab's pages.
pub(super) use crate::report::escape as esc;

const STYLE: &str = include_str!("dashboard.css");

/// A night's column label: `2026-11-27T03:17:02Z` reads as
/// `2026-11-27 03:17` (the whole name is its tooltip); other names as they
/// are, cut.
fn night_label(name: &str) -> String {
    let b = name.as_bytes();
    if b.len() >= 16 && b[4] == b'-' && b[7] == b'-' && b[10] == b'T' && b[13] == b':' {
        format!("{} {}", &name[..10], &name[11..16])
    } else if name.chars().count() > 17 {
        name.chars().take(13).collect::<String>() + "…"
    } else {
        name.to_string()
    }
}

fn run_tip(night: &str, r: &Run) -> String {
    let tally = crate::report::Tally::of_verdicts(r.data.results.iter().map(|x| x.verdict));
    let mut s = format!("{night}: {}", r.data.status.as_str().replace('_', " "));
    if r.data.status.completed() {
        let _ = write!(s, " — {}", tally.summary());
    }
    if let Some(reason) = &r.data.reason {
        let _ = write!(s, "\n{}", cut(reason));
    }
    s
}

fn changes_tip(changes: &[Change]) -> String {
    changes
        .iter()
        .map(|c| cut(&c.to_string()).into_owned())
        .collect::<Vec<_>>()
        .join("\n")
}

fn changes_html(changes: &[Change]) -> String {
    changes
        .iter()
        .map(|c| format!("<code>{}</code>", esc(&cut(&c.to_string()))))
        .collect::<Vec<_>>()
        .join(" ")
}

fn item_title(i: &Item) -> String {
    format!(
        "{} · {} <span class=sub>[{}]</span> {}",
        esc(&i.key.line.lab),
        esc(&i.key.line.provider),
        esc(i.key.group()),
        esc(&cut(&i.key.name))
    )
}

/// Where a run's files are, relative to the dashboard's folder: its
/// `test.log`, `junit.xml` and chapter page (`book.html`), those that exist
/// under `out` (a merged history may lack them).
pub fn run_files(out: &Path, night: &str, line: &Line) -> Vec<(&'static str, String)> {
    let dir = super::run_dir(night, &line.lab, &line.provider);
    ["test.log", "junit.xml", "book.html"]
        .into_iter()
        .map(|f| (f, format!("{dir}/{f}")))
        .filter(|(_, rel)| out.join(rel).is_file())
        .collect()
}

/// The page; `out` is the folder it is written to (its runs' files are
/// linked from it).
pub fn render(a: &Analysis, out: &Path) -> String {
    let n = a.nights.len();
    let shown: Vec<usize> = (n.saturating_sub(SHOWN)..n).collect();
    let name_of = |i: usize| a.nights[i].name.as_str();
    let mut h = String::new();
    let _ = write!(
        h,
        "<!doctype html>\n<html lang=en><head><meta charset=utf-8>\
         <meta name=viewport content=\"width=device-width, initial-scale=1\">\
         <title>lab nightly{}</title><style>{STYLE}</style></head><body>\n",
        a.tonight()
            .map(|t| format!(" — {}", esc(&t.name)))
            .unwrap_or_default()
    );
    // Header: tonight in one line, and the counts.
    let newly = a.newly_failing().count() + a.run_failures.iter().filter(|f| f.new).count();
    h.push_str("<header>");
    match a.tonight() {
        None => h.push_str("<h1>lab nightly</h1><p class=sub>No night recorded yet.</p>"),
        Some(t) => {
            // Tonight's state, whatever `--fail-on` makes of it.
            let _ = write!(
                h,
                "<h1>lab nightly · {}</h1><div class=\"headline {}\">{}</div>",
                esc(&t.name),
                if a.anything_fails() { "bad" } else { "ok" },
                esc(&a.headline())
            );
            let _ = write!(
                h,
                "<div class=sub>{n} night{} recorded, {} lab × provider line{}{}{}</div>",
                if n == 1 { "" } else { "s" },
                a.lines.len(),
                if a.lines.len() == 1 { "" } else { "s" },
                t.host
                    .as_deref()
                    .map(|x| format!(", on {}", esc(x)))
                    .unwrap_or_default(),
                if t.status == NightStatus::Complete {
                    String::new()
                } else {
                    format!(" — <b>this night is {}</b>", esc(t.status.as_str()))
                }
            );
            let badge = |class: &str, n: usize, what: &str| {
                format!("<span class=\"badge {class}\">{n} {what}</span>")
            };
            let _ = write!(
                h,
                "<div class=badges>{}{}{}{}{}{}</div>",
                badge("new", newly, "newly failing"),
                badge("still", a.still_failing().count(), "still failing"),
                badge("rec", a.recovered().count(), "recovered"),
                badge("flaky", a.flaky().count(), "flaky"),
                badge("gone", a.disappeared().count(), "gone"),
                badge("", a.not_run.len(), "not run here"),
            );
        }
    }
    h.push_str("</header><main>\n");
    tonight(&mut h, a, &name_of);
    lines_grid(&mut h, a, &shown, &name_of, out);
    runs_table(&mut h, a, &shown, &name_of, out);
    checks_grid(&mut h, a, &shown, &name_of);
    super::timings::steps(&mut h, a, &shown);
    h.push_str(
        "<div class=legend>\
         <span><span class=\"cell v-pass\"></span>pass</span>\
         <span><span class=\"cell v-fail\"></span>fail</span>\
         <span><span class=\"cell v-error\"></span>error (could not run)</span>\
         <span><span class=\"cell v-skip\"></span>skipped</span>\
         <span><span class=\"cell r-interrupted\"></span>interrupted</span>\
         <span><span class=\"cell r-not_run\"></span>not run here</span>\
         <span><span class=cell></span>not there</span>\
         <span><span class=\"cell first v-fail\"></span>first failing night</span>\
         <span><span class=chg style=\"display:inline-block\">◆</span>an input changed</span></div>\n",
    );
    h.push_str("</main><footer>Written by <code>lab nightly</code>. Hover a cell for its night, verdict and what was observed.</footer></body></html>\n");
    h
}

fn tonight<'a>(h: &mut String, a: &'a Analysis, name_of: &dyn Fn(usize) -> &'a str) {
    let n = a.nights.len();
    if n == 0 {
        return;
    }
    h.push_str("<h2>Tonight</h2><div class=cards>\n");
    let mut any = false;
    for f in &a.run_failures {
        any = true;
        let _ = writeln!(
            h,
            "<div class=\"card {}\"><div class=what>{} · {}: run {}</div><div class=why>{}{}</div></div>",
            if f.new { "new" } else { "still" },
            esc(&f.line.lab),
            esc(&f.line.provider),
            esc(f.status.as_str()),
            esc(&cut(&f.reason)),
            if f.changes.is_empty() {
                String::new()
            } else {
                format!("<br>changed: {}", changes_html(&f.changes))
            }
        );
    }
    for i in a.newly_failing() {
        any = true;
        let obs = i
            .tonight()
            .map(|r| {
                format!(
                    "expected {}, observed {}",
                    esc(&cut(r.expected.as_deref().unwrap_or("-"))),
                    esc(&cut(r.observed.as_deref().unwrap_or("-")))
                )
            })
            .unwrap_or_default();
        let mut why = match &i.failed_differently {
            Some(was) => format!(
                "fails differently from the night before, which observed {}<br>",
                esc(&cut(was.observed.as_deref().unwrap_or("-")))
            ),
            None => String::new(),
        };
        why.push_str(&if i.compared_to.is_none() {
            "the first night recorded for this lab and provider".to_string()
        } else if i.cause.is_empty() {
            "nothing recorded changed since the night before".to_string()
        } else {
            format!("changed tonight: {}", changes_html(&i.cause))
        });
        let _ = writeln!(
            h,
            "<div class=\"card new\"><div class=what><span class=\"mark new\">NEW</span> {}</div><div class=why>{obs}<br>{why}</div></div>",
            item_title(i)
        );
    }
    for i in a.still_failing() {
        any = true;
        let since = i.failing_since.unwrap_or(n - 1);
        let _ = writeln!(
            h,
            "<div class=\"card still\"><div class=what>{}</div><div class=why>failing since <b>{}</b> ({} nights){}</div></div>",
            item_title(i),
            esc(name_of(since)),
            n - since,
            if i.cause.is_empty() {
                String::new()
            } else {
                format!("; changed that night: {}", changes_html(&i.cause))
            }
        );
    }
    for i in a.failed_then_skipped() {
        any = true;
        let _ = writeln!(
            h,
            "<div class=\"card new\"><div class=what><span class=\"mark new\">NOT COMPARED</span> {}</div><div class=why>failed before, not compared tonight (not resolved): {}</div></div>",
            item_title(i),
            esc(&cut(i
                .tonight()
                .and_then(|r| r.observed.as_deref())
                .unwrap_or("-")))
        );
    }
    for i in a.recovered() {
        any = true;
        let _ = writeln!(
            h,
            "<div class=\"card rec\"><div class=what>{}</div><div class=why>passes again</div></div>",
            item_title(i)
        );
    }
    for i in a.flaky() {
        any = true;
        let nights: Vec<String> = i
            .flaky_nights
            .iter()
            .map(|&k| night_label(name_of(k)))
            .collect();
        let _ = writeln!(
            h,
            "<div class=\"card flaky\"><div class=what><span class=\"mark flaky\">⚑ flaky</span> {}</div><div class=why>{} flips with nothing changed: {}</div></div>",
            item_title(i),
            i.unexplained_flips,
            esc(&nights.join(", "))
        );
    }
    for i in a.disappeared() {
        any = true;
        let _ = writeln!(
            h,
            "<div class=card><div class=what><span class=\"mark gone\">gone</span> {}</div><div class=why>last seen {}</div></div>",
            item_title(i),
            esc(i.last_seen.map(name_of).unwrap_or("-"))
        );
    }
    for (line, why) in &a.not_run {
        any = true;
        let _ = writeln!(
            h,
            "<div class=card><div class=what>{} · {}: not run here</div><div class=why>{}</div></div>",
            esc(&line.lab),
            esc(&line.provider),
            esc(&cut(why))
        );
    }
    if !any {
        h.push_str("<div class=\"card rec\"><div class=what>Every check held.</div></div>");
    }
    h.push_str("</div>\n");
}

fn night_header<'a>(
    h: &mut String,
    shown: &[usize],
    name_of: &dyn Fn(usize) -> &'a str,
    first: &str,
) {
    let _ = write!(h, "<tr><th class=row>{first}</th>");
    for &i in shown {
        let _ = write!(
            h,
            "<th class=night title=\"{}\"><span>{}</span></th>",
            esc(name_of(i)),
            esc(&night_label(name_of(i)))
        );
    }
    h.push_str("<th></th></tr>\n");
}

fn lines_grid<'a>(
    h: &mut String,
    a: &'a Analysis,
    shown: &[usize],
    name_of: &dyn Fn(usize) -> &'a str,
    out: &Path,
) {
    if a.lines.is_empty() {
        return;
    }
    h.push_str("<h2>Nights</h2><div class=scroll><table class=grid>\n");
    night_header(h, shown, name_of, "");
    for line in &a.lines {
        let runs = &a.runs[line];
        let _ = write!(h, "<tr><th class=row>{}</th>", esc(&line.to_string()));
        for &i in shown {
            match &runs[i] {
                Some(r) => {
                    // The cell opens the run's log, when it is there.
                    let files = run_files(out, name_of(i), line);
                    let (tag, href) = match files.first() {
                        Some((_, rel)) => ("a", format!(" href=\"{}\"", esc(rel))),
                        None => ("span", String::new()),
                    };
                    let _ = write!(
                        h,
                        "<td><{tag}{href} class=\"cell r-{}\" title=\"{}\"></{tag}></td>",
                        r.data.status.as_str(),
                        esc(&run_tip(name_of(i), r))
                    );
                }
                None => {
                    let _ = write!(
                        h,
                        "<td><span class=cell title=\"{}: no run\"></span></td>",
                        esc(name_of(i))
                    );
                }
            }
        }
        h.push_str("<td></td></tr>\n");
        let changes = &a.changes[line];
        if shown.iter().any(|&i| !changes[i].is_empty()) {
            let _ = write!(
                h,
                "<tr><th class=\"row sub\">&nbsp;&nbsp;inputs changed</th>"
            );
            for &i in shown {
                if changes[i].is_empty() {
                    h.push_str("<td></td>");
                } else {
                    let _ = write!(
                        h,
                        "<td><span class=chg title=\"{}\">◆</span></td>",
                        esc(&format!("{}: {}", name_of(i), changes_tip(&changes[i])))
                    );
                }
            }
            h.push_str("<td></td></tr>\n");
        }
    }
    h.push_str("</table></div>\n");
    // The nights where something changed, in words.
    let mut listed = String::new();
    for &i in shown.iter().rev() {
        for line in &a.lines {
            let c = &a.changes[line][i];
            if !c.is_empty() {
                let _ = write!(
                    listed,
                    "<li><b>{}</b> {}: {}</li>",
                    esc(name_of(i)),
                    esc(&line.to_string()),
                    changes_html(c)
                );
            }
        }
    }
    if !listed.is_empty() {
        let _ = writeln!(h, "<h3>What changed, newest first</h3><ul>{listed}</ul>");
    }
}

/// Each run of the shown nights, newest first, with links to its files.
fn runs_table<'a>(
    h: &mut String,
    a: &'a Analysis,
    shown: &[usize],
    name_of: &dyn Fn(usize) -> &'a str,
    out: &Path,
) {
    let mut rows = String::new();
    for &i in shown.iter().rev() {
        for line in &a.lines {
            let Some(r) = &a.runs[line][i] else { continue };
            let files = run_files(out, name_of(i), line);
            if files.is_empty() {
                continue;
            }
            let links: Vec<String> = files
                .iter()
                .map(|(f, rel)| format!("<a href=\"{}\">{}</a>", esc(rel), esc(f)))
                .collect();
            let _ = writeln!(
                rows,
                "<tr><td>{}</td><td>{}</td><td><span class=\"cell r-{}\" style=\"display:inline-block;vertical-align:middle\"></span> {}</td><td>{}</td></tr>",
                esc(&night_label(name_of(i))),
                esc(&line.to_string()),
                r.data.status.as_str(),
                esc(&r.data.status.as_str().replace('_', " ")),
                links.join(" · ")
            );
        }
    }
    if !rows.is_empty() {
        let _ = writeln!(
            h,
            "<h3>Each run's files, newest first</h3><div class=scroll><table class=runs><tr><th>night</th><th>lab · provider</th><th>run</th><th>files</th></tr>\n{rows}</table></div>"
        );
    }
}

fn checks_grid<'a>(
    h: &mut String,
    a: &'a Analysis,
    shown: &[usize],
    name_of: &dyn Fn(usize) -> &'a str,
) {
    if a.items.is_empty() {
        return;
    }
    h.push_str("<h2>Checks</h2>\n");
    let mut by_line: BTreeMap<&Line, Vec<&Item>> = BTreeMap::new();
    for i in &a.items {
        by_line.entry(&i.key.line).or_default().push(i);
    }
    for (line, items) in by_line {
        let _ = writeln!(
            h,
            "<h3>{}</h3><div class=scroll><table class=grid>",
            esc(&line.to_string())
        );
        night_header(h, shown, name_of, "");
        for i in items {
            let label = match i.key.kind {
                ResultKind::Check => format!(
                    "<span class=sub>{}</span> · {}",
                    esc(&i.key.variant),
                    esc(&cut(&i.key.name))
                ),
                ResultKind::Block => {
                    format!("<span class=sub>book</span> · {}", esc(&cut(&i.key.name)))
                }
            };
            let mut marks = String::new();
            if i.newly_failing() {
                marks.push_str("<span class=\"mark new\">NEW</span>");
            } else if i.still_failing() {
                marks.push_str("<span class=\"mark still\">failing</span>");
            }
            if i.flaky() {
                marks.push_str("<span class=\"mark flaky\">⚑ flaky</span>");
            }
            if i.disappeared {
                marks.push_str("<span class=\"mark gone\">gone</span>");
            }
            let _ = write!(
                h,
                "<tr><th class=row title=\"{}\">{label}{marks}</th>",
                esc(&cut(&i.key.name))
            );
            for &k in shown {
                let first = i.failing_since == Some(k);
                let flip = i.flaky_nights.contains(&k);
                match &i.results[k] {
                    Some(r) => {
                        let tip = format!(
                            "{}: {}{}{}{}",
                            name_of(k),
                            r.verdict.key(),
                            r.detail
                                .as_deref()
                                .map(|d| format!(" ({})", cut(d)))
                                .unwrap_or_default(),
                            r.observed
                                .as_deref()
                                .map(|o| format!("\nobserved: {}", cut(o)))
                                .unwrap_or_default(),
                            if first {
                                format!(
                                    "\nfirst failing night{}",
                                    if i.cause.is_empty() {
                                        String::new()
                                    } else {
                                        format!("; changed: {}", changes_tip(&i.cause))
                                    }
                                )
                            } else if flip {
                                "\nflipped with nothing changed".to_string()
                            } else {
                                String::new()
                            }
                        );
                        let _ = write!(
                            h,
                            "<td><span class=\"cell v-{}{}{}\" title=\"{}\"></span></td>",
                            r.verdict.key(),
                            if first { " first" } else { "" },
                            if flip { " flip" } else { "" },
                            esc(&tip)
                        );
                    }
                    None => {
                        let status = a.runs[line][k].as_ref().map(|r| r.data.status);
                        let class = match status {
                            Some(RunStatus::NotRun) => " r-not_run",
                            Some(RunStatus::Error) => " r-error",
                            Some(RunStatus::Interrupted | RunStatus::Running) => " r-interrupted",
                            _ => "",
                        };
                        let _ = write!(
                            h,
                            "<td><span class=\"cell{class}\" title=\"{}: {}\"></span></td>",
                            esc(name_of(k)),
                            status
                                .map(|s| s.as_str().replace('_', " "))
                                .unwrap_or_else(|| "not there".into())
                        );
                    }
                }
            }
            let note = match i.failing_since {
                Some(k) => format!(
                    "first failed {}{}",
                    esc(name_of(k)),
                    if i.cause.is_empty() {
                        String::new()
                    } else {
                        format!(" — {}", changes_html(&i.cause))
                    }
                ),
                None if i.disappeared => {
                    format!("last seen {}", esc(i.last_seen.map(name_of).unwrap_or("-")))
                }
                None => String::new(),
            };
            let _ = writeln!(h, "<td class=note>{note}</td></tr>");
        }
        h.push_str("</table></div>\n");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped_and_labels_are_short() {
        assert_eq!(
            esc("<a href=\"x\">&'"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&apos;"
        );
        // Full dates, not `11-27` in every column (issue 19).
        assert_eq!(night_label("2026-11-27T03:17:02Z"), "2026-11-27 03:17");
        assert_eq!(night_label("run-7"), "run-7");
        assert_eq!(short("sha256:0123456789abcdef0123"), "sha256:0123456789ab");
    }
}
