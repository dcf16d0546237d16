//! What a browser shows of the HTML inside a `<pre>`, line by line: the
//! lines a reader sees and copies are the lines lab reads and compares.
//! Read any other way, a page showed a reply across nodes that lab never
//! read (`<br>`, `&#10;`, `<div>` taken for nothing), or lab read a reply
//! the page hides (`<template>`, `<script>`, `visibility: hidden`):
//! probe21t's findings 5 and 6, both green where the reader saw otherwise.
//!
//! A small reading of HTML's rules, each checked against headless
//! chromium (`parse_pre_tests.rs`): tags (a `>` inside a quoted attribute
//! ends none), comments, `<?…>` and `<!…>` give no text; character
//! references are decoded as a browser decodes them (pulldown-cmark's
//! table of names, the legacy names without `;`, numbers as HTML maps
//! them); a line feed, `<br>` (and `</br>`) break the line; a block element
//! (`<div>`, `<li>`, `<tr>`, ...) starts and ends on a line of its own, one
//! with margins (`<p>`, `<h2>`, `<ul>`, `<hr>`, ...) a blank line apart;
//! cells of a row are a tab apart; an element a browser does not render
//! (`hidden`, `display: none`, `<template>`, `<script>`, `<style>`,
//! `<title>`, `<noscript>`) gives nothing, one that is invisible
//! (`visibility: hidden`) blanks its text and keeps its place; an element
//! never closed runs to the block's end. Where a browser's recovery from
//! mis-nested tags would decide what is hidden (`<span hidden><div></span>`),
//! the block is refused rather than guessed.

use super::html_refs::{decode, reference};
use std::collections::HashMap;

/// Elements a browser lays out as blocks (a line of their own).
const BLOCKS: &str = "address article aside blockquote body caption center dd details dialog dir div dl dt \
    fieldset figcaption figure footer form h1 h2 h3 h4 h5 h6 header hgroup hr html legend \
    li listing main menu nav ol p plaintext pre search section summary table tr ul xmp";

/// Blocks with margins above and below: a blank line apart.
const MARGINS: &str =
    "blockquote dir dl figure h1 h2 h3 h4 h5 h6 hr listing menu ol p plaintext pre ul xmp";

/// Start tags that close an open `<p>` (HTML's tree construction).
const CLOSES_P: &str = "address article aside blockquote center dd details dialog dir div dl dt fieldset \
    figcaption figure footer form h1 h2 h3 h4 h5 h6 header hgroup hr li listing main menu \
    nav ol p plaintext pre search section summary table ul xmp";

/// Elements with no content and no closing tag.
const VOID: &str = "area base basefont bgsound br col embed frame hr img input keygen link meta param \
    source track wbr";

/// Elements whose text is no markup, up to their first closing tag, and
/// which a browser does not render.
const RAW_HIDDEN: &str = "iframe noembed noframes noscript script style title";

/// Elements a browser does not render, whatever their attributes.
const NOT_RENDERED: &str = "template head";

/// Elements an end tag of their own may be left out for: what closes
/// them implicitly is no mis-nesting.
const IMPLIED_END: &str = "dd dt li optgroup option p rb rp rt rtc td th tr";

/// The elements that bound where an implied end reaches (HTML's scopes).
const SCOPE: &str = "applet caption html table td th marquee object template button ol ul dl";

/// One open element.
struct Open {
    name: String,
    /// It or an element around it is not rendered.
    gone: bool,
    /// Its text is visible (CSS `visibility`, inherited).
    visible: bool,
}

/// A `<pre>`'s HTML, refused: what a browser shows depends on how it
/// recovers from mis-nested tags. The line where that shows, and why.
#[derive(Debug)]
pub(super) struct Unreadable {
    /// The chapter line.
    pub line: usize,
    pub why: String,
}

/// The lines being read: each with the chapter line it starts on.
struct Reader<'a> {
    raw: &'a [(usize, String)],
    text: &'a str,
    lines: Vec<(usize, String)>,
    /// The newlines in `text` before `counted`.
    newlines: usize,
    counted: usize,
    stack: Vec<Open>,
    /// How many of each element are open, and where the innermost is.
    open_at: HashMap<String, Vec<usize>>,
}

impl Reader<'_> {
    /// The chapter line byte `i` of `text` is on (`i` never goes back).
    fn line_at(&mut self, i: usize) -> usize {
        let i = i.min(self.text.len());
        if i > self.counted {
            self.newlines += self.text[self.counted..i].matches('\n').count();
            self.counted = i;
        }
        self.raw
            .get(self.newlines)
            .or(self.raw.last())
            .map_or(0, |r| r.0)
    }

    fn gone(&self) -> bool {
        self.stack.last().is_some_and(|o| o.gone)
    }

    fn visible(&self) -> bool {
        self.stack.last().is_none_or(|o| o.visible)
    }

    fn current(&self) -> &str {
        &self.lines.last().expect("a line").1
    }

    /// A new line, at byte `i`.
    fn newline(&mut self, i: usize) {
        let n = self.line_at(i);
        self.lines.push((n, String::new()));
    }

    /// A block's edge at byte `i`: what follows is on a line of its own;
    /// with `margin`, a blank line apart from what came before.
    fn edge(&mut self, i: usize, margin: bool) {
        if self.gone() {
            return;
        }
        if !self.current().is_empty() {
            self.newline(i);
        }
        let before = self.lines.len().checked_sub(2).map(|p| &self.lines[p].1);
        if margin && before.is_some_and(|l| !l.is_empty()) {
            self.newline(i);
        }
    }

    /// Text the page shows (if it shows any), decoded already.
    fn text(&mut self, i: usize, s: &str) {
        if self.gone() {
            return;
        }
        let visible = self.visible();
        for c in s.chars() {
            match c {
                '\n' => self.newline(i),
                '\r' | '\u{c}' => {}
                c if visible => self.lines.last_mut().expect("a line").1.push(c),
                _ => self.lines.last_mut().expect("a line").1.push(' '),
            }
        }
    }

    fn innermost(&self, name: &str) -> Option<usize> {
        self.open_at.get(name).and_then(|v| v.last().copied())
    }

    /// Where `name` is open inside the scope it may be closed from.
    fn in_scope(&self, name: &str) -> Option<usize> {
        let at = self.innermost(name)?;
        let bound = SCOPE
            .split_ascii_whitespace()
            .filter(|s| *s != name)
            .filter_map(|s| self.innermost(s))
            .max();
        bound.is_none_or(|b| b < at).then_some(at)
    }

    fn push(&mut self, name: &str, hides: bool, visibility: Option<bool>) {
        let (gone, visible) = (self.gone() || hides, visibility.unwrap_or(self.visible()));
        self.open_at
            .entry(name.to_string())
            .or_default()
            .push(self.stack.len());
        self.stack.push(Open {
            name: name.to_string(),
            gone,
            visible,
        });
    }

    /// Close the elements from the top down to the one at `at`, at byte
    /// `i`; refused when that is a mis-nesting whose recovery decides what
    /// is shown.
    fn close_to(&mut self, at: usize, i: usize) -> Result<(), Unreadable> {
        let mis_nested = self.stack[at + 1..]
            .iter()
            .any(|o| !listed(HAS_IMPLIED_END, &o.name));
        let parent = at.checked_sub(1).map_or((false, true), |p| {
            (self.stack[p].gone, self.stack[p].visible)
        });
        if mis_nested
            && self.stack[at..]
                .iter()
                .any(|o| (o.gone, o.visible) != parent)
        {
            let why = format!(
                "`<{}>` is closed across `<{}>`, around text a browser hides or shows by how it recovers from that; nest the tags",
                self.stack[at].name,
                self.stack.last().expect("open").name
            );
            return Err(Unreadable {
                line: self.line_at(i),
                why,
            });
        }
        while self.stack.len() > at {
            let o = self.stack.pop().expect("open");
            if let Some(v) = self.open_at.get_mut(&o.name) {
                v.pop();
            }
            if listed(IS_BLOCK, &o.name) && !o.gone {
                self.edge(i, listed(HAS_MARGINS, &o.name));
            }
        }
        Ok(())
    }
}

/// A tag's attributes, names lowercased, values as written.
type Attributes = Vec<(String, String)>;

/// Whether the list `list` (its index in [`LISTS`]) holds `name`: one
/// lookup a tag, every list read once into a table of bits.
fn listed(list: usize, name: &str) -> bool {
    static TABLE: std::sync::LazyLock<HashMap<&'static str, u8>> = std::sync::LazyLock::new(|| {
        let mut t = HashMap::new();
        for (bit, list) in LISTS.iter().enumerate() {
            for w in list.split_ascii_whitespace() {
                *t.entry(w).or_insert(0u8) |= 1 << bit;
            }
        }
        t
    });
    TABLE.get(name).is_some_and(|b| b & (1 << list) != 0)
}

/// The lists [`listed`] reads, by index.
const LISTS: [&str; 7] = [
    BLOCKS,
    MARGINS,
    CLOSES_P,
    VOID,
    RAW_HIDDEN,
    NOT_RENDERED,
    IMPLIED_END,
];
const IS_BLOCK: usize = 0;
const HAS_MARGINS: usize = 1;
const CLOSES_A_P: usize = 2;
const IS_VOID: usize = 3;
const IS_RAW_HIDDEN: usize = 4;
const IS_NOT_RENDERED: usize = 5;
const HAS_IMPLIED_END: usize = 6;

/// `<h1>` to `<h6>`: a heading opened inside one closes it.
fn is_heading(name: &str) -> bool {
    let b = name.as_bytes();
    b.len() == 2 && b[0] == b'h' && (b'1'..=b'6').contains(&b[1])
}

/// A tag's name and attributes (lowercase names), and the byte after its
/// `>`; `None` when the block ends inside it (a browser shows none of it).
fn tag(text: &str, from: usize) -> Option<(String, Attributes, usize)> {
    let b = text.as_bytes();
    let mut i = from;
    let stop = |c: u8| c.is_ascii_whitespace() || c == b'/' || c == b'>';
    while i < b.len() && !stop(b[i]) {
        i += 1;
    }
    let name = text[from..i].to_ascii_lowercase();
    let mut attrs = Vec::new();
    loop {
        while i < b.len() && (b[i].is_ascii_whitespace() || b[i] == b'/') {
            i += 1;
        }
        match b.get(i) {
            None => return None,
            Some(b'>') => return Some((name, attrs, i + 1)),
            _ => {}
        }
        let start = i;
        i += 1;
        while i < b.len() && !stop(b[i]) && b[i] != b'=' {
            i += 1;
        }
        let attr = text[start..i].to_ascii_lowercase();
        while i < b.len() && b[i].is_ascii_whitespace() {
            i += 1;
        }
        let mut value = String::new();
        if b.get(i) == Some(&b'=') {
            i += 1;
            while i < b.len() && b[i].is_ascii_whitespace() {
                i += 1;
            }
            match b.get(i) {
                Some(q @ (b'"' | b'\'')) => {
                    let end = text[i + 1..].find(*q as char)? + i + 1;
                    value = text[i + 1..end].to_string();
                    i = end + 1;
                }
                _ => {
                    let start = i;
                    while i < b.len() && !b[i].is_ascii_whitespace() && b[i] != b'>' {
                        i += 1;
                    }
                    value = text[start..i].to_string();
                }
            }
        }
        attrs.push((attr, value));
    }
}

/// What an element's attributes say of it: not rendered (`hidden`,
/// `display: none`), and its `visibility` if they set one.
fn hiding(attrs: &[(String, String)]) -> (bool, Option<bool>) {
    let mut gone = attrs.iter().any(|(a, _)| a == "hidden");
    let mut visibility = None;
    for (_, style) in attrs.iter().filter(|(a, _)| a == "style") {
        // Comments out, then each declaration (the last of a property wins).
        let mut css = String::new();
        let mut rest = style.as_str();
        while let Some(s) = rest.find("/*") {
            css.push_str(&rest[..s]);
            rest = rest[s + 2..]
                .find("*/")
                .map_or("", |e| &rest[s + 2 + e + 2..]);
        }
        css.push_str(rest);
        for decl in css.split(';') {
            let Some((prop, value)) = decl.split_once(':') else {
                continue;
            };
            let value = value.to_ascii_lowercase();
            let value = value.trim().trim_end_matches("!important").trim();
            match prop.trim().to_ascii_lowercase().as_str() {
                "display" => gone |= value == "none",
                "visibility" => visibility = Some(value == "visible"),
                _ => {}
            }
        }
    }
    (gone, visibility)
}

/// Where in `lower` (lowercased) from `from` the raw text of `name` ends:
/// the byte of its closing tag `</name`, then the byte after that tag.
fn raw_end(lower: &str, name: &str, from: usize) -> Option<(usize, usize)> {
    let close = format!("</{name}");
    let mut at = from;
    while let Some(p) = lower[at..].find(&close).map(|p| p + at) {
        let after = p + close.len();
        if lower[after..]
            .bytes()
            .next()
            .is_none_or(|c| c.is_ascii_whitespace() || c == b'/' || c == b'>')
        {
            let end = tag(lower, p + 2).map_or(lower.len(), |(_, _, e)| e);
            return Some((p, end));
        }
        at = after;
    }
    None
}

/// The lines a page shows of `raw` (numbered lines of HTML, the first
/// holding the tags that open the block), each numbered by the chapter
/// line it starts on, character references decoded.
pub(super) fn shown_lines(raw: &[(usize, String)]) -> Result<Vec<(usize, String)>, Unreadable> {
    let Some((first, _)) = raw.first() else {
        return Ok(Vec::new());
    };
    let text = raw
        .iter()
        .map(|(_, l)| l.as_str())
        .collect::<Vec<_>>()
        .join("\n");
    let lower = text.to_ascii_lowercase();
    let mut r = Reader {
        raw,
        text: &text,
        lines: vec![(*first, String::new())],
        newlines: 0,
        counted: 0,
        stack: Vec::new(),
        open_at: HashMap::new(),
    };
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < text.len() {
        let rest = &text[i..];
        let next = bytes.get(i + 1).copied().unwrap_or(0);
        if rest.starts_with("<!--") {
            // A comment ends at `-->` (`<!-->` and `<!--->` at once, as
            // HTML reads them), or runs to the block's end.
            i += rest[2..].find("-->").map_or(rest.len(), |e| e + 5);
            continue;
        }
        if rest.starts_with('<') && (next == b'!' || next == b'?') {
            // `<!doctype>`, `<![CDATA[`, `<?php ?>`: a bogus comment to `>`.
            i += rest.find('>').map_or(rest.len(), |e| e + 1);
            continue;
        }
        if rest.starts_with("</") {
            let c = bytes.get(i + 2).copied().unwrap_or(0);
            if c == b'>' {
                i += 3;
                continue;
            }
            if !c.is_ascii_alphabetic() {
                i += rest.find('>').map_or(rest.len(), |e| e + 1);
                continue;
            }
            let Some((name, _, end)) = tag(&text, i + 2) else {
                break;
            };
            i = end;
            if name == "br" {
                if !r.gone() {
                    r.newline(i);
                }
            } else if let Some(at) = r.innermost(&name) {
                r.close_to(at, i)?;
            } else if name == "p" {
                // `</p>` with none open: an empty paragraph.
                r.edge(i, true);
            }
            continue;
        }
        if rest.starts_with('<') && next.is_ascii_alphabetic() {
            let Some((name, attrs, end)) = tag(&text, i + 1) else {
                break;
            };
            i = end;
            let (gone, visibility) = hiding(&attrs);
            let gone = gone || listed(IS_NOT_RENDERED, &name);
            if listed(IS_RAW_HIDDEN, &name) {
                i = raw_end(&lower, &name, i).map_or(text.len(), |(_, e)| e);
                continue;
            }
            // What the element's start closes (HTML's implied ends).
            let closes: &[&str] = match name.as_str() {
                "li" => &["li"],
                "dd" | "dt" => &["dd", "dt"],
                "td" | "th" => &["td", "th"],
                "tr" => &["td", "th", "tr"],
                _ => &[],
            };
            let p: &[&str] = if listed(CLOSES_A_P, &name) {
                &["p"]
            } else {
                &[]
            };
            for c in closes.iter().chain(p) {
                if let Some(at) = r.in_scope(c) {
                    r.close_to(at, i)?;
                }
            }
            if is_heading(&name) && r.stack.last().is_some_and(|o| is_heading(&o.name)) {
                let at = r.stack.len() - 1;
                r.close_to(at, i)?;
            }
            if name == "br" {
                if !r.gone() && !gone {
                    r.newline(i);
                }
                continue;
            }
            let block = listed(IS_BLOCK, &name);
            if block && !gone {
                r.edge(i, listed(HAS_MARGINS, &name));
            }
            if matches!(name.as_str(), "td" | "th") && !r.gone() && !r.current().is_empty() {
                r.text(i, "\t");
            }
            if listed(IS_VOID, &name) {
                if name == "hr" && !gone {
                    r.edge(i, true);
                }
                continue;
            }
            r.push(&name, gone, visibility);
            match name.as_str() {
                // A newline right after these opens no line.
                "pre" | "listing" | "textarea" if bytes.get(i) == Some(&b'\n') => {
                    i += 1;
                    let n = r.line_at(i);
                    if let Some(last) = r.lines.last_mut().filter(|l| l.1.is_empty()) {
                        last.0 = n;
                    }
                }
                // Shown as written, to the closing tag: `<xmp>` not even
                // decoded, `<textarea>` decoded.
                "xmp" | "textarea" | "plaintext" => {
                    let (inner_end, end) = if name == "plaintext" {
                        (text.len(), text.len())
                    } else {
                        raw_end(&lower, &name, i).unwrap_or((text.len(), text.len()))
                    };
                    let inner = &text[i..inner_end];
                    let inner = if name == "textarea" {
                        decode(inner)
                    } else {
                        inner.to_string()
                    };
                    r.text(i, &inner);
                    let at = r.stack.len() - 1;
                    r.close_to(at, end)?;
                    i = end;
                }
                _ => {}
            }
            continue;
        }
        // Text, to the next tag or reference.
        let first = rest.chars().next().map_or(1, char::len_utf8);
        let end = rest[first..]
            .find(['<', '&'])
            .map_or(text.len(), |e| i + first + e);
        let run = &text[i..end];
        if run.starts_with('&') {
            let (decoded, used) = reference(run);
            r.text(i, &decoded);
            i += used;
        } else {
            // Line by line, each newline numbered where it is.
            for (k, part) in run.split('\n').enumerate() {
                if k > 0 {
                    let at = i + 1;
                    r.newline(at);
                    i = at;
                }
                r.text(i, part);
                i += part.len();
            }
        }
    }
    Ok(r.lines)
}

/// `s` without its HTML tags (`<span class="k">` inside a `<code>`), its
/// references decoded, as a page shows it; where the page's recovery from
/// mis-nested tags decides, every text of it.
pub(super) fn strip_tags(s: &str) -> String {
    let raw = [(0, s.to_string())];
    match shown_lines(&raw) {
        Ok(lines) => lines
            .into_iter()
            .map(|(_, l)| l)
            .collect::<Vec<_>>()
            .join("\n"),
        Err(_) => decode(&all_text(s)),
    }
}

/// `s` with every tag dropped, nothing hidden.
fn all_text(s: &str) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(p) = rest.find('<') {
        out.push_str(&rest[..p]);
        match rest[p..].find('>') {
            Some(e) => rest = &rest[p + e + 1..],
            None => {
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}
