//! `index.html`: the history as one self-contained page (no script, no
//! font, no request leaves it): tonight's news on top, then the labs ×
//! nights grid coloured by outcome with the nights where an input changed,
//! then each check's history (first failing night and its cause, flaky and
//! gone marks), then each step's duration over the nights as an inline SVG
//! plot.

#[cfg(test)]
use crate::history::analysis::short;
use crate::history::analysis::{Analysis, Change, Item, Line};
use crate::history::{NightStatus, ResultKind, Run, RunStatus, Verdict};
use std::collections::BTreeMap;
use std::fmt::Write;
use std::path::Path;

/// Nights shown in the grids (the most recent).
const SHOWN: usize = 60;

/// The one HTML escaper of lab's pages.
use crate::report::escape as esc;

const STYLE: &str = r#"
:root { --pass:#2da44e; --fail:#cf222e; --error:#8250df; --skip:#afb8c1; --warn:#d4a72c;
        --ink:#1f2328; --muted:#656d76; --line:#d0d7de; --bg:#f6f8fa; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", sans-serif;
       color: var(--ink); background: #fff; }
header { padding: 20px 32px 16px; border-bottom: 1px solid var(--line); background: var(--bg); }
h1 { margin: 0 0 4px; font-size: 22px; }
h1 .verdict-ok { color: var(--pass); } h1 .verdict-bad { color: var(--fail); }
.headline { display: inline-block; margin: 6px 0 2px; padding: 4px 12px; border-radius: 6px; font-size: 16px;
            font-weight: 600; color: #fff; }
.headline.ok { background: var(--pass); } .headline.bad { background: var(--fail); }
a.cell:hover { outline: 2px solid #0969da; }
.runs td, .runs th { padding: 2px 12px 2px 0; text-align: left; font-size: 13px; }
.runs a { color: #0969da; }
h2 { font-size: 17px; margin: 28px 0 10px; padding-bottom: 6px; border-bottom: 1px solid var(--line); }
h3 { font-size: 14px; margin: 18px 0 8px; color: var(--muted); font-weight: 600; }
main { padding: 0 32px 40px; max-width: 1400px; }
.sub { color: var(--muted); }
.badges { margin-top: 12px; display: flex; gap: 8px; flex-wrap: wrap; }
.badge { display: inline-block; padding: 2px 10px; border-radius: 999px; font-size: 12px; font-weight: 600;
         border: 1px solid var(--line); background: #fff; color: var(--muted); }
.badge.new { background: #ffebe9; border-color: #ff818266; color: var(--fail); }
.badge.still { background: #fff1e5; border-color: #ffb77c; color: #bc4c00; }
.badge.rec { background: #dafbe1; border-color: #4ac26b66; color: #1a7f37; }
.badge.flaky { background: #fff8c5; border-color: #d4a72c66; color: #7d4e00; }
.badge.gone { background: #eaeef2; color: #57606a; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(420px, 1fr)); gap: 10px; }
.card { border: 1px solid var(--line); border-left: 4px solid var(--skip); border-radius: 6px; padding: 8px 12px; }
.card.new { border-left-color: var(--fail); } .card.still { border-left-color: #bc4c00; }
.card.rec { border-left-color: var(--pass); } .card.flaky { border-left-color: var(--warn); }
.card .what { font-weight: 600; } .card .why { color: var(--muted); font-size: 13px; }
.card code, td code { font-size: 12px; background: var(--bg); padding: 0 4px; border-radius: 4px; }
table { border-collapse: collapse; }
.grid td, .grid th { padding: 0; }
.grid th.row { text-align: left; font-weight: 500; padding-right: 14px; white-space: nowrap; max-width: 420px;
               overflow: hidden; text-overflow: ellipsis; }
.grid th.night { font-weight: 400; font-size: 11px; color: var(--muted); height: 104px; vertical-align: bottom; }
.grid th.night span { display: inline-block; writing-mode: vertical-rl; transform: rotate(180deg); }
.cell { display: block; width: 16px; height: 16px; margin: 1px; border-radius: 3px; background: #fff;
        border: 1px dashed #d0d7de; }
.v-pass, .r-passed { background: var(--pass); border: none; }
.v-fail, .r-failed { background: var(--fail); border: none; }
.v-error, .r-error { background: var(--error); border: none; }
.v-skip { background: var(--skip); border: none; }
.r-interrupted, .r-running { background: var(--warn); border: none; }
.r-not_run { background: repeating-linear-gradient(45deg, #eaeef2, #eaeef2 3px, #d0d7de 3px, #d0d7de 5px); border: none; }
.cell.first { outline: 2px solid var(--ink); outline-offset: 1px; }
.cell.flip { box-shadow: inset 0 0 0 2px #fff8c5; }
.chg { display: block; width: 16px; height: 16px; margin: 1px; text-align: center; font-size: 11px; color: #0969da; }
.mark { font-size: 11px; font-weight: 600; border-radius: 4px; padding: 0 5px; margin-left: 6px; }
.mark.flaky { background: #fff8c5; color: #7d4e00; } .mark.new { background: #ffebe9; color: var(--fail); }
.mark.gone { background: #eaeef2; color: #57606a; } .mark.still { background: #fff1e5; color: #bc4c00; }
.note { font-size: 12px; color: var(--muted); padding-left: 14px; min-width: 260px; max-width: 420px; }
.scroll { overflow-x: auto; }
.steps td { padding: 3px 10px 3px 0; vertical-align: middle; }
.steps td.num { text-align: right; font-variant-numeric: tabular-nums; color: var(--muted); font-size: 12px; }
.legend { display: flex; gap: 14px; flex-wrap: wrap; color: var(--muted); font-size: 12px; margin-top: 8px; }
.legend span.cell { display: inline-block; vertical-align: middle; margin-right: 4px; }
footer { color: var(--muted); font-size: 12px; padding: 0 32px 24px; }
"#;

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
    let count = |v: Verdict| r.data.results.iter().filter(|x| x.verdict == v).count();
    let mut s = format!("{night}: {}", r.data.status.as_str().replace('_', " "));
    if r.data.status.completed() {
        let _ = write!(
            s,
            " — {} passed, {} failed, {} skipped",
            count(Verdict::Pass),
            count(Verdict::Fail) + count(Verdict::Error),
            count(Verdict::Skip)
        );
    }
    if let Some(reason) = &r.data.reason {
        let _ = write!(s, "\n{reason}");
    }
    s
}

fn changes_tip(changes: &[Change]) -> String {
    changes
        .iter()
        .map(|c| c.to_string())
        .collect::<Vec<_>>()
        .join("\n")
}

fn changes_html(changes: &[Change]) -> String {
    changes
        .iter()
        .map(|c| format!("<code>{}</code>", esc(&c.to_string())))
        .collect::<Vec<_>>()
        .join(" ")
}

fn item_title(i: &Item) -> String {
    format!(
        "{} · {} <span class=sub>[{}]</span> {}",
        esc(&i.key.line.lab),
        esc(&i.key.line.provider),
        esc(i.key.group()),
        esc(&i.key.name)
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
    steps(&mut h, a, &shown);
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
            esc(&f.reason),
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
                    esc(r.expected.as_deref().unwrap_or("-")),
                    esc(r.observed.as_deref().unwrap_or("-"))
                )
            })
            .unwrap_or_default();
        let why = if i.cause.is_empty() {
            "nothing recorded changed since the night before".to_string()
        } else {
            format!("changed tonight: {}", changes_html(&i.cause))
        };
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
            esc(why)
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
                    esc(&i.key.name)
                ),
                ResultKind::Block => format!("<span class=sub>book</span> · {}", esc(&i.key.name)),
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
                esc(&i.key.name)
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
                                .map(|d| format!(" ({d})"))
                                .unwrap_or_default(),
                            r.observed
                                .as_deref()
                                .map(|o| format!("\nobserved: {o}"))
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

/// An inline SVG plot of values per night (gaps where a night has none).
fn sparkline(values: &[Option<f64>]) -> String {
    let (w, hgt, pad) = (260.0, 34.0, 3.0);
    let known: Vec<f64> = values.iter().flatten().copied().collect();
    if known.is_empty() {
        return String::new();
    }
    let max = known.iter().cloned().fold(f64::MIN, f64::max);
    let min = known.iter().cloned().fold(f64::MAX, f64::min).min(0.0);
    let span = (max - min).max(1e-9);
    let step = if values.len() > 1 {
        (w - 2.0 * pad) / (values.len() - 1) as f64
    } else {
        0.0
    };
    let mut paths = Vec::new();
    let mut cur = String::new();
    let mut dots = String::new();
    for (i, v) in values.iter().enumerate() {
        match v {
            Some(v) => {
                let x = pad + step * i as f64;
                let y = hgt - pad - (v - min) / span * (hgt - 2.0 * pad);
                let _ = write!(
                    cur,
                    "{}{x:.1},{y:.1} ",
                    if cur.is_empty() { "M" } else { "L" }
                );
                let _ = write!(dots, "<circle cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"1.6\"/>");
            }
            None => {
                if !cur.is_empty() {
                    paths.push(std::mem::take(&mut cur));
                }
            }
        }
    }
    if !cur.is_empty() {
        paths.push(cur);
    }
    format!(
        "<svg width=\"{w}\" height=\"{hgt}\" viewBox=\"0 0 {w} {hgt}\" role=img>\
         <line x1=\"0\" y1=\"{b}\" x2=\"{w}\" y2=\"{b}\" stroke=\"#d0d7de\"/>\
         <path d=\"{}\" fill=\"none\" stroke=\"#0969da\" stroke-width=\"1.5\"/>\
         <g fill=\"#0969da\">{dots}</g></svg>",
        paths.join(" "),
        b = hgt - pad + 0.5
    )
}

fn secs(v: f64) -> String {
    if v < 1.0 {
        format!("{:.0} ms", v * 1000.0)
    } else {
        format!("{v:.2} s")
    }
}

fn steps(h: &mut String, a: &Analysis, shown: &[usize]) {
    let mut any = false;
    for line in &a.lines {
        let runs = &a.runs[line];
        // (phase, step) in first-seen order, durations per shown night.
        let mut order: Vec<(String, String)> = Vec::new();
        let mut series: BTreeMap<(String, String), Vec<Option<f64>>> = BTreeMap::new();
        let mut total: Vec<Option<f64>> = Vec::new();
        for (col, &i) in shown.iter().enumerate() {
            total.push(
                runs[i]
                    .as_ref()
                    .filter(|r| r.data.status.completed())
                    .and_then(|r| r.data.duration_s),
            );
            let Some(r) = &runs[i] else { continue };
            for s in &r.data.steps {
                let key = (s.phase.clone(), s.name.clone());
                if !series.contains_key(&key) {
                    order.push(key.clone());
                }
                let v = series.entry(key).or_insert_with(|| vec![None; shown.len()]);
                v[col] = Some(v[col].unwrap_or(0.0) + s.duration_s);
            }
        }
        if order.is_empty() && total.iter().all(Option::is_none) {
            continue;
        }
        if !any {
            h.push_str("<h2>Step timings</h2>\n");
            any = true;
        }
        let _ = writeln!(
            h,
            "<h3>{}</h3><table class=steps><tr><th></th><th class=sub>last {} nights</th><th class=sub>last</th><th class=sub>median</th><th class=sub>max</th></tr>",
            esc(&line.to_string()),
            shown.len()
        );
        let mut row = |label: String, v: &[Option<f64>]| {
            let mut known: Vec<f64> = v.iter().flatten().copied().collect();
            if known.is_empty() {
                return;
            }
            let last = v.iter().rev().flatten().next().copied().unwrap_or(0.0);
            known.sort_by(|a, b| a.total_cmp(b));
            let median = known[known.len() / 2];
            let max = known[known.len() - 1];
            let _ = writeln!(
                h,
                "<tr><td>{label}</td><td>{}</td><td class=num>{}</td><td class=num>{}</td><td class=num>{}</td></tr>",
                sparkline(v),
                secs(last),
                secs(median),
                secs(max)
            );
        };
        row("<b>whole run</b>".into(), &total);
        for key in &order {
            row(
                format!("<span class=sub>{}</span> · {}", esc(&key.0), esc(&key.1)),
                &series[key],
            );
        }
        h.push_str("</table>\n");
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

    #[test]
    fn a_sparkline_leaves_gaps_for_missing_nights() {
        let s = sparkline(&[Some(1.0), None, Some(2.0), Some(3.0)]);
        assert_eq!(s.matches('M').count(), 2, "{s}");
        assert_eq!(s.matches("<circle").count(), 3);
    }
}
