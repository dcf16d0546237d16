//! The documents of a manifest block the book shows (`yaml`, `yml`,
//! `json`), read as kubectl reads a file it applies: a YAML stream or a
//! stream of JSON objects, each `List` (`kind: List`, `DaemonSetList`, …)
//! opened into its items. A `List` hid a wrong DaemonSet behind "names no
//! object of the lab's" and two JSON objects in one block were "not valid"
//! (probe21aw, findings 3 and 4). A bare array of objects is read too, so
//! the objects in it are compared, and it drifts: kubectl decodes no array
//! (kubectl 1.31, offline: `json: cannot unmarshal array into Go value of
//! type unstructured.detector`), so a reader who copies it applies nothing.

use crate::book::parse::{Block, lang_of};
use serde::Deserialize;
use serde_norway::Value;

/// A document: its chapter line, its lines, its value, and a difference
/// it carries whatever it is compared with (a bare array's).
pub(super) type Doc = (usize, Vec<String>, Value, Option<String>);

/// Why a block cannot be read: its chapter line, the message, and whether
/// it is an alias (which lab refuses to read).
pub(super) type Unread = (usize, String, bool);

/// What a reader who copies a bare array of objects gets.
pub(super) const BARE_ARRAY: &str = "the book shows a bare list of objects: kubectl decodes no array (`json: cannot unmarshal array into Go value of type unstructured.detector`), so a reader who copies it applies nothing; a `kind: List` with `items:` holds several objects";

/// A line that stands for lines the author cut (`...` indented, `…`).
pub(super) fn cut(line: &str) -> bool {
    let t = line.trim();
    matches!(t, "…" | "[...]" | "<snip>") || (t == "..." && line.starts_with([' ', '\t']))
}

/// The documents of a `yaml`/`json` block, each `List` opened into its
/// items; or why it cannot be read.
pub(super) fn documents(block: &Block) -> Result<Vec<Doc>, Unread> {
    let text: String = block
        .body
        .iter()
        .map(|(_, l)| if cut(l) { "" } else { l.as_str() })
        .collect::<Vec<_>>()
        .join("\n");
    // The chapter line of the block's line `l` (1-based).
    let at = |l: usize| {
        block
            .body
            .get(l.saturating_sub(1))
            .map_or(block.line, |(n, _)| *n)
    };
    let lines_of = |from: usize, to: usize| -> Vec<String> {
        block
            .body
            .iter()
            .skip(from.saturating_sub(1))
            .take(to.saturating_sub(from))
            .map(|(_, l)| l.clone())
            .collect()
    };
    let mut read: Vec<(usize, usize, Value)> = Vec::new();
    if lang_of(&block.lang) == "json" {
        // JSON, as a stream of objects (tabs, which YAML refuses as
        // indentation, are JSON's).
        let mut stream = serde_json::Deserializer::from_str(&text).into_iter::<Value>();
        let mut from = 0;
        while let Some(v) = stream.next() {
            let v = v.map_err(|e| (at(e.line()), said_once(e.to_string()), false))?;
            let start = from + text[from..].len() - text[from..].trim_start().len();
            from = stream.byte_offset();
            read.push((line_at(&text, start), line_at(&text, from) + 1, v));
        }
    } else {
        crate::testbed::guard::check_no_aliases(&text)
            .map_err(|e| (at(e.line.unwrap_or(1)), e.message, true))?;
        let starts = crate::testbed::manifest::document_lines(&text);
        for (i, de) in serde_norway::Deserializer::from_str(&text).enumerate() {
            let v = Value::deserialize(de).map_err(|e| {
                let line = e.location().map_or(1, |l| l.line());
                (at(line), said_once(e.to_string()), false)
            })?;
            let from = starts.get(i).copied().unwrap_or(1);
            let to = starts.get(i + 1).copied().unwrap_or(block.body.len() + 1);
            read.push((from, to, v));
        }
    }
    let mut out = Vec::new();
    for (from, to, v) in read {
        if v.is_null() {
            continue;
        }
        let lines = lines_of(from, to);
        let line = at(from);
        match items(&v) {
            Some((items, bare)) => out.extend(items.iter().map(|item| {
                let note = bare.then(|| BARE_ARRAY.to_string());
                (line, lines.clone(), item.clone(), note)
            })),
            None => out.push((line, lines, v, None)),
        }
    }
    Ok(out)
}

/// The objects a `List` (any kind ending in `List`, with `items:`) or a
/// bare array holds, and whether it is a bare array.
fn items(v: &Value) -> Option<(&Vec<Value>, bool)> {
    if let Value::Sequence(s) = v {
        return Some((s, true));
    }
    let kind = v.get("kind").and_then(Value::as_str)?;
    let items = v.get("items").and_then(Value::as_sequence)?;
    kind.ends_with("List").then_some((items, false))
}

/// A parser's message without its own position: the chapter's line is
/// said once, by the caller.
fn said_once(m: String) -> String {
    match m.rfind(" at line ") {
        Some(i) if m[i..].contains(" column ") => m[..i].to_string(),
        _ => m,
    }
}

/// The 1-based line of byte `at` of `text`.
fn line_at(text: &str, at: usize) -> usize {
    text[..at.min(text.len())].matches('\n').count() + 1
}
