//! The book page (`lab book --html F`): the chapter as one self-contained
//! HTML page from `templates/book.html.tera`. The prose between the replayed
//! blocks is Markdown rendered by pulldown-cmark (raw HTML in it is shown as
//! text, never obeyed); each block carries its verdict, the book's output
//! beside the lab's with the differing lines marked, and the differences;
//! a jump list leads to every drifted block; the header says when the page
//! was made, with which `lab` and against what. The chapter's figure
//! reference is shown with the lab's own topology drawn beside it
//! ([`crate::graph::svg`]).
//!
//! The template gets the report as JSON plus a few computed fields, so
//! fields added to the report later reach it without a change here (a
//! command's fields the template does not name are listed under it).

#[path = "html_matrix.rs"]
mod matrix;

use super::BookReport;
use crate::graph::Topology;
/// The one escaper of lab's HTML and XML (the dashboard's and JUnit's too).
use crate::report::escape as esc;
use pulldown_cmark::{CowStr, Event, Options, Parser, Tag, TagEnd};
use serde_json::{Map, Value, json};

const TEMPLATE: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/templates/book.html.tera"
));

/// Fields of a command the template shows in their own place.
const SHOWN: &[&str] = &[
    "line",
    "command",
    "verdict",
    "ran_on",
    "ran",
    "variant",
    "book",
    "lab",
    "bindings",
    "differences",
    "known",
    "reason",
];

/// Markdown to HTML; raw HTML shown as text; an image (the chapter's
/// figures, not shipped with the lab) becomes a figure holding its caption
/// and the lab's graph.
pub fn markdown(text: &str, figure: &dyn Fn(&str, &str) -> String) -> String {
    let mut opts = Options::empty();
    opts.insert(Options::ENABLE_TABLES);
    opts.insert(Options::ENABLE_TASKLISTS);
    opts.insert(Options::ENABLE_STRIKETHROUGH);
    let events: Vec<Event> = Parser::new_ext(text, opts).collect();
    let mut out: Vec<Event> = Vec::new();
    let mut i = 0;
    // A link to anything but a page is its text: its Start and End go.
    let mut unlinked = false;
    while i < events.len() {
        match &events[i] {
            Event::Html(h) | Event::InlineHtml(h) => out.push(Event::Text(h.clone())),
            Event::Start(Tag::Link { dest_url, .. }) if !leads_to_a_page(dest_url) => {
                unlinked = true;
            }
            Event::End(TagEnd::Link) if unlinked => unlinked = false,
            Event::Start(Tag::Image { dest_url, .. }) => {
                let dest = dest_url.to_string();
                let mut alt = String::new();
                i += 1;
                while i < events.len() && !matches!(events[i], Event::End(TagEnd::Image)) {
                    if let Event::Text(t) | Event::Code(t) = &events[i] {
                        alt.push_str(t);
                    }
                    i += 1;
                }
                // A paragraph holding only the figure: the figure replaces it.
                if matches!(out.last(), Some(Event::Start(Tag::Paragraph)))
                    && matches!(events.get(i + 1), Some(Event::End(TagEnd::Paragraph)))
                {
                    out.pop();
                    i += 1;
                }
                out.push(Event::Html(CowStr::from(figure(&alt, &dest))));
            }
            e => out.push(e.clone()),
        }
        i += 1;
    }
    let mut html = String::new();
    pulldown_cmark::html::push_html(&mut html, out.into_iter());
    html
}

/// Whether a chapter's link target leads to a page: http, https,
/// mailto, or no scheme at all (a relative path, a fragment). Any other
/// (`javascript:`, `data:`, `file:`) is no link of the report (probe21z).
/// Read as a browser reads it: tabs, newlines and leading spaces or
/// controls dropped; a `:` before any `/`, `?` or `#` is a scheme's.
fn leads_to_a_page(url: &str) -> bool {
    let u: String = url
        .trim_start_matches(|c: char| c <= ' ')
        .chars()
        .filter(|c| !matches!(c, '\t' | '\n' | '\r'))
        .collect();
    let head = u.split(['/', '?', '#']).next().unwrap_or_default();
    match head.split_once(':') {
        None => true,
        Some((scheme, _)) => ["http", "https", "mailto"]
            .iter()
            .any(|s| scheme.eq_ignore_ascii_case(s)),
    }
}

/// The strings a difference quotes (between backticks).
fn quoted(d: &str) -> Vec<String> {
    d.split('`')
        .enumerate()
        .filter(|(i, s)| i % 2 == 1 && !s.trim().is_empty())
        .map(|(_, s)| super::compare::normalize(s))
        .collect()
}

/// Whether the quoted text `q` is the line `n` (both normalized): equal,
/// one inside the other, or the quote's words in the line in order (a
/// table row quoted without its empty columns).
fn quotes_line(q: &str, n: &str) -> bool {
    if q == n || q.contains(n) || n.contains(q) {
        return true;
    }
    let mut words = n.split_whitespace();
    let qw: Vec<&str> = q.split_whitespace().collect();
    qw.len() >= 2 && qw.iter().all(|w| words.any(|x| x == *w))
}

/// Lines as HTML, those a difference quotes marked.
fn marked(lines: &[Value], quotes: &[String]) -> String {
    lines
        .iter()
        .filter_map(Value::as_str)
        .map(|l| {
            let n = super::compare::normalize(l);
            if !n.is_empty() && quotes.iter().any(|q| quotes_line(q, &n)) {
                format!("<mark>{}</mark>", esc(l))
            } else {
                esc(l)
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// One command of the report, with what the template needs computed.
/// The 0-based range of a block's body in the chapter's lines: between
/// its fences, or (an indented block, no fence; a block of HTML, whose
/// tags share its lines) from its first line to its last.
fn body_lines(b: &super::BlockReport, len: usize) -> std::ops::Range<usize> {
    if b.fence.is_empty() || b.fence.starts_with('<') {
        b.line.saturating_sub(1).min(len)..b.end.min(len)
    } else {
        b.line.min(len)..b.end.saturating_sub(1).min(len)
    }
}

fn command(c: &Value) -> Value {
    let mut c = c.as_object().cloned().unwrap_or_default();
    let diffs: Vec<String> = c
        .get("differences")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|d| d.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    let known: Vec<String> = c
        .get("known")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .map(|k| k.as_str().unwrap_or("").to_string())
                .collect()
        })
        .unwrap_or_default();
    let quotes: Vec<String> = diffs.iter().flat_map(|d| quoted(d)).collect();
    let empty = Vec::new();
    let book = c.get("book").and_then(Value::as_array).unwrap_or(&empty);
    let lab = c.get("lab").and_then(Value::as_array).unwrap_or(&empty);
    let book_html = marked(book, &quotes);
    let lab_html = marked(lab, &quotes);
    let diff_list: Vec<Value> = diffs
        .iter()
        .enumerate()
        .map(|(i, d)| {
            let k = known.get(i).filter(|k| !k.is_empty());
            // A placeholder reason explains nothing: drift, said so.
            match k.filter(|k| super::known::unwritten(k)) {
                Some(_) => json!({ "text": d, "known": null, "unwritten": true }),
                None => json!({ "text": d, "known": k }),
            }
        })
        .collect();
    let extra: Vec<Value> = c
        .iter()
        .filter(|(k, v)| !SHOWN.contains(&k.as_str()) && !v.is_null())
        .map(|(k, v)| {
            let text = match (k.as_str(), v) {
                (_, Value::String(s)) => s.clone(),
                // What the real kubectl said, in words.
                ("kubectl", Value::Object(o)) => {
                    let field = |f: &str| o.get(f).and_then(Value::as_str).unwrap_or("");
                    let said: Vec<&str> = o
                        .get("said")
                        .and_then(Value::as_array)
                        .map(|a| a.iter().filter_map(Value::as_str).collect())
                        .unwrap_or_default();
                    let mut t = format!("{}: {}", field("outcome"), field("note"));
                    if !said.is_empty() {
                        t.push_str(&format!("; kubectl said: {}", said.join(" ")));
                    }
                    if !field("skew").is_empty() {
                        t.push_str(&format!("; {}", field("skew")));
                    }
                    t
                }
                // Lists of sentences (`why`): one after the other.
                (_, Value::Array(a)) if a.iter().all(Value::is_string) => a
                    .iter()
                    .filter_map(Value::as_str)
                    .collect::<Vec<_>>()
                    .join("; "),
                (_, other) => other.to_string(),
            };
            json!({ "key": k, "value": text })
        })
        .collect();
    c.insert("book_html".into(), book_html.into());
    c.insert("lab_html".into(), lab_html.into());
    c.insert("diffs".into(), diff_list.into());
    c.insert("extra".into(), extra.into());
    Value::Object(c)
}

/// The page of `r`; `graph` is the lab's topology drawn beside the
/// chapter's figure (live when the lab was up, else declared).
pub fn page(r: &BookReport, graph: Option<&Topology>) -> String {
    let report = serde_json::to_value(r).expect("a book report serializes");
    let blocks: Vec<Value> = report["blocks"].as_array().cloned().unwrap_or_default();
    let svg = graph.map(|t| {
        crate::graph::svg::render(t).replacen(" xmlns=\"http://www.w3.org/2000/svg\"", "", 1)
    });
    let figures = std::cell::Cell::new(0);
    let figure = |alt: &str, dest: &str| -> String {
        figures.set(figures.get() + 1);
        let mut f = format!(
            "<figure class=\"chapter-figure\" id=\"figure-{}\"><figcaption>",
            figures.get()
        );
        f.push_str(&format!(
            "<b>{}</b><br><span class=\"dim\">the book's picture: <code>{}</code> (not shipped with the lab); beside it, this lab's topology{}</span></figcaption>",
            esc(alt),
            esc(dest),
            graph
                .map(|t| format!(
                    ", {} (variant {})",
                    if t.source == "live" { "read from the running lab" } else { "as its file declares it" },
                    esc(&t.variant)
                ))
                .unwrap_or_default()
        ));
        if let Some(s) = &svg {
            f.push_str(&format!("<div class=\"graph\">{s}</div>"));
        }
        f.push_str("</figure>");
        f
    };
    // The chapter in order: prose, then a block, then prose, ...
    let lines: Vec<&str> = r.text.lines().collect();
    let mut segments: Vec<Value> = Vec::new();
    let mut from = 0usize;
    for (b, raw) in r.blocks.iter().zip(&blocks) {
        let start = b.line.saturating_sub(1).min(lines.len());
        if start > from {
            segments.push(json!({ "kind": "prose", "html": markdown(&lines[from..start].join("\n"), &figure) }));
        }
        let mut block = raw.as_object().cloned().unwrap_or_default();
        let commands: Vec<Value> = raw["commands"]
            .as_array()
            .map(|a| a.iter().map(command).collect())
            .unwrap_or_default();
        block.insert("commands".into(), commands.into());
        block.insert(
            "body".into(),
            lines
                .get(body_lines(b, lines.len()))
                .unwrap_or(&[])
                .join("\n")
                .into(),
        );
        block.insert("first".into(), b.first_command().into());
        segments.push(json!({ "kind": "block", "block": Value::Object(block) }));
        from = b.end.min(lines.len()).max(from);
    }
    if from < lines.len() {
        segments
            .push(json!({ "kind": "prose", "html": markdown(&lines[from..].join("\n"), &figure) }));
    }
    let drifted: Vec<Value> = r
        .blocks
        .iter()
        .filter(|b| !matches!(b.verdict, super::Verdict::Match | super::Verdict::Skipped))
        .map(|b| json!({ "line": b.line, "verdict": b.verdict.as_str(), "first": b.first_command() }))
        .collect();
    // The summary's counts, the known verdicts first, any others after.
    let order = [
        "match",
        "drift",
        "known_drift",
        "skipped",
        "not_understood",
        "error",
    ];
    let summary = report["summary"].as_object().cloned().unwrap_or_default();
    let mut counts: Vec<Value> = order
        .iter()
        .filter_map(|k| Some(json!({ "verdict": k, "n": summary.get(*k)? })))
        .collect();
    counts.extend(
        summary
            .iter()
            .filter(|(k, _)| !order.contains(&k.as_str()))
            .map(|(k, n)| json!({ "verdict": k, "n": n })),
    );
    let mut ctx = Map::new();
    ctx.insert("counts".into(), counts.into());
    ctx.insert("report".into(), report.clone());
    ctx.insert("segments".into(), segments.into());
    ctx.insert("drifted".into(), drifted.into());
    // The run's own verdict, decided where `lab book`'s exit is.
    ctx.insert("verdict".into(), json!(super::verdict::of(r)));
    ctx.insert("matrix".into(), matrix::section(r));
    ctx.insert(
        "generated_at".into(),
        crate::clock::Utc::now().rfc3339().into(),
    );
    ctx.insert("lab_version".into(), env!("CARGO_PKG_VERSION").into());
    ctx.insert(
        "graph".into(),
        graph
            .map(|t| json!({ "source": t.source, "variant": t.variant }))
            .unwrap_or(Value::Null),
    );
    let ctx = tera::Context::from_value(Value::Object(ctx)).expect("an object");
    // Every value through the one escaper: Tera's own left a node's control
    // characters (an interface named with ESC) in the page.
    let mut tera = tera::Tera::default();
    tera.set_escape_fn(esc);
    let rendered = tera
        .add_raw_template("book.html", TEMPLATE)
        .and_then(|()| tera.render("book.html", &ctx));
    match rendered {
        Ok(html) => html,
        // The template is the crate's own: a failure is a bug, shown on the page.
        Err(e) => format!(
            "<!DOCTYPE html><html><body><h1>internal error: the book template failed</h1><pre>{}</pre></body></html>\n",
            esc(&format!("{e:?}"))
        ),
    }
}

#[cfg(test)]
#[path = "html_tests.rs"]
mod tests;
