//! What of a chapter a page does not show, and code a page shows that is
//! not Markdown: read before [`super::parse`] reads its blocks, because
//! both are told by the HTML around them and not by the blocks themselves.
//!
//! Not shown (probe21ab's finding 3: a fence wrapped by such an element
//! ran, changed the lab, and the visible block after it matched):
//! - front matter at the very top (`---` … `---` or `...`, `+++` … `+++`):
//!   Jekyll, Hugo, Docusaurus, pandoc and Quarto read it as metadata;
//! - CommonMark's HTML blocks of type 1 that open with `<script` or
//!   `<style`: raw HTML up to the line holding an end tag of type 1, so
//!   their lines are not Markdown at all (a fence there is no block);
//! - the content of an element a browser does not render: `<script>`,
//!   `<style>`, `<template>`, `<noscript>`, and any element with the
//!   `hidden` attribute or an inline style `display:none` or
//!   `visibility:hidden`, up to its end tag (elements of its name nested
//!   in it counted). The Markdown there is rendered, inside an element the
//!   browser hides. `aria-hidden` hides nothing from the eye and a closed
//!   `<details>` shows its content on a click: both are shown.
//!
//! A fence in what is not shown is still reported, as a block skipped for
//! its reason ([`super::Block::hidden`]), never replayed.
//!
//! Shown though not Markdown (finding 4): code in an MDX component's
//! JavaScript strings (`<CodeBlock language="bash">{`…`}</CodeBlock>`,
//! `<Code lang="sh" code={`…`} />`, `<Terminal>{"…"}</Terminal>`): a code
//! block of the language it names ([`mdx`], which says which strings).

use super::Block;

/// The lines [`read`] found not shown, or shown as MDX code.
pub(super) struct Unseen {
    /// By line (0-based): a line `parse` does not read (front matter, a
    /// type-1 HTML block, an MDX component holding code).
    pub skip: Vec<bool>,
    /// By line: why a block opening there is not shown.
    pub hidden: Vec<Option<String>>,
    /// The blocks read here, in order.
    pub blocks: Vec<Block>,
}

/// How far an MDX component's tag and body are looked for.
const MAX_COMPONENT_LINES: usize = 200;

/// A fence line's character and length, if `t` (three spaces in at most)
/// opens or closes one.
fn fence(t: &str) -> Option<(char, usize)> {
    let c = t.chars().next().filter(|c| *c == '`' || *c == '~')?;
    let len = t.chars().take_while(|x| *x == c).count();
    (len >= 3 && !(c == '`' && t[len..].contains('`'))).then_some((c, len))
}

/// A line's content three spaces in at most, if it is.
fn lead(line: &str) -> Option<&str> {
    let t = line.trim_start_matches(' ');
    (line.len() - t.len() <= 3).then_some(t)
}

/// An element's name at the start of `s` (after its `<`), lowercased.
fn name_at(s: &str) -> String {
    s.chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-')
        .collect::<String>()
        .to_ascii_lowercase()
}

/// The attributes of a tag's text after its name: names lowercased,
/// values unquoted (a JSX value's braces and quotes dropped).
fn attributes(s: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut it = s.chars().peekable();
    loop {
        while it.next_if(|c| c.is_whitespace() || *c == '/').is_some() {}
        let mut name = String::new();
        while let Some(c) = it.next_if(|c| !c.is_whitespace() && !"=>/".contains(*c)) {
            name.push(c);
        }
        if name.is_empty() {
            break;
        }
        while it.next_if(|c| c.is_whitespace()).is_some() {}
        let mut value = String::new();
        if it.next_if_eq(&'=').is_some() {
            while it.next_if(|c| c.is_whitespace()).is_some() {}
            let brace = it.next_if_eq(&'{').is_some();
            let quote = it.next_if(|c| *c == '"' || *c == '\'' || *c == '`');
            for c in it.by_ref() {
                match quote {
                    Some(q) if c == q => break,
                    None if c.is_whitespace() || c == '>' || (brace && c == '}') => break,
                    _ => value.push(c),
                }
            }
            if brace {
                it.next_if_eq(&'}');
            }
        }
        out.push((name.to_ascii_lowercase(), value));
    }
    out
}

/// Why an element a browser hides (its opening tag's text after `<`,
/// without its `>`), or None when it shows its content.
fn hides(tag: &str) -> Option<String> {
    let name = name_at(tag);
    if matches!(name.as_str(), "script" | "style" | "template" | "noscript") {
        return Some(format!("<{name}>"));
    }
    let attrs = attributes(&tag[name.len()..]);
    let style = |v: &str| {
        let v: String = v.chars().filter(|c| !c.is_whitespace()).collect();
        let v = v.to_ascii_lowercase();
        v.contains("display:none") || v.contains("visibility:hidden")
    };
    let hidden = attrs
        .iter()
        .any(|(a, v)| a == "hidden" || (a == "style" && style(v)));
    hidden.then(|| {
        let shown: String = tag.chars().take(60).collect();
        format!("<{}>", shown.trim())
    })
}

/// The start tags of an HTML line: for each, its byte in `line` and its
/// text after `<` up to its `>` (or the line's end).
fn start_tags(line: &str) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    for (i, _) in line.match_indices('<') {
        let rest = &line[i + 1..];
        if rest.starts_with(|c: char| c.is_ascii_alphabetic()) {
            out.push((i, rest.split('>').next().unwrap_or(rest)));
        }
    }
    out
}

/// The depth of elements `name` (lowercase) after `s`, from `depth`: one
/// up for each start tag not closed by `/>`, one down for each end tag;
/// and whether an end tag brought it to nought.
fn depth_in(s: &str, name: &str, mut depth: isize) -> (isize, bool) {
    for (i, _) in s.match_indices('<') {
        let rest = &s[i + 1..];
        let (close, r) = match rest.strip_prefix('/') {
            Some(r) => (true, r),
            None => (false, rest),
        };
        let named = r.len() >= name.len()
            && r.as_bytes()[..name.len()].eq_ignore_ascii_case(name.as_bytes())
            && !r[name.len()..].starts_with(|c: char| c.is_ascii_alphanumeric() || c == '-');
        if !named {
            continue;
        }
        if close {
            depth -= 1;
            if depth <= 0 {
                return (0, true);
            }
        } else if !r.split('>').next().unwrap_or("").ends_with('/') {
            depth += 1;
        }
    }
    (depth, false)
}

/// Read what of `lines` a page does not show, and its MDX code.
pub(super) fn read(lines: &[&str]) -> Unseen {
    let mut u = Unseen {
        skip: vec![false; lines.len()],
        hidden: vec![None; lines.len()],
        blocks: Vec::new(),
    };
    let mut i = front_matter(lines, &mut u);
    let mut open: Option<(char, usize)> = None;
    let mut jsx = mdx::Reading::default();
    while i < lines.len() {
        let line = lines[i];
        let Some(t) = lead(line) else {
            // MDX reads no indented code: a component there is JSX.
            i = match open {
                None => mdx::components(lines, i, &mut u, &mut jsx).unwrap_or(i) + 1,
                Some(_) => i + 1,
            };
            continue;
        };
        if let Some((c, len)) = open {
            if fence(t).is_some_and(|(x, l)| x == c && l >= len && t[l..].trim().is_empty()) {
                open = None;
            }
            i += 1;
            continue;
        }
        if let Some(f) = fence(t) {
            open = Some(f);
            i += 1;
            continue;
        }
        if let Some(after) = t.strip_prefix("<!--") {
            // A comment: `parse` reads it; no tag in it opens anything.
            i = (i..lines.len())
                .find(|&j| if j == i { after } else { lines[j] }.contains("-->"))
                .unwrap_or(lines.len())
                + 1;
            continue;
        }
        if !t.starts_with('<') {
            i = mdx::components(lines, i, &mut u, &mut jsx).unwrap_or(i) + 1;
            continue;
        }
        let first = name_at(&t[1..]);
        if matches!(first.as_str(), "script" | "style" | "pre" | "textarea")
            && t[1 + first.len()..]
                .chars()
                .next()
                .is_none_or(|c| c == '>' || c.is_whitespace())
        {
            // CommonMark's HTML block of type 1: raw up to an end tag.
            let end = (i..lines.len())
                .find(|&j| {
                    let l = lines[j].to_ascii_lowercase();
                    ["</script>", "</style>", "</pre>", "</textarea>"]
                        .iter()
                        .any(|e| l.contains(e))
                })
                .unwrap_or(lines.len() - 1);
            // A `<pre>` is `parse`'s; a `<textarea>` shows its text.
            if matches!(first.as_str(), "script" | "style") {
                let why = format!("not rendered: inside <{first}>");
                raw_fences(lines, i, end, &why, &mut u);
            }
            i = end + 1;
            continue;
        }
        let next = hidden_element(lines, i, &mut u);
        i = match u.hidden[i] {
            // A component on a line that hides nothing.
            None => next.max(mdx::components(lines, i, &mut u, &mut jsx).unwrap_or(i) + 1),
            Some(_) => next,
        };
    }
    u
}

/// Front matter at the top: its lines skipped, its fences reported;
/// the line after it.
fn front_matter(lines: &[&str], u: &mut Unseen) -> usize {
    let first = lines.first().map(|l| l.trim_end());
    let ends: &[&str] = match first {
        Some("---") => &["---", "..."],
        Some("+++") => &["+++"],
        _ => return 0,
    };
    let Some(end) = (1..lines.len()).find(|&j| ends.contains(&lines[j].trim_end())) else {
        return 0;
    };
    raw_fences(lines, 0, end, "not rendered: front matter", u);
    end + 1
}

/// Lines `from..=to` skipped; the fences in them reported, not shown.
fn raw_fences(lines: &[&str], from: usize, to: usize, why: &str, u: &mut Unseen) {
    let to = to.min(lines.len() - 1);
    // The open fence: its line, its character and length, its language.
    let mut open: Option<(usize, char, usize, String)> = None;
    let block = |start: usize, end: usize, lang: &str| Block {
        line: start + 1,
        fence: lines[start].to_string(),
        lang: lang.to_string(),
        body: (start + 1..end)
            .map(|k| (k + 1, lines[k].to_string()))
            .collect(),
        end: end + 1,
        hidden: Some(why.to_string()),
        unread: None,
    };
    for (j, line) in lines.iter().enumerate().take(to + 1).skip(from) {
        u.skip[j] = true;
        let Some(t) = lead(line) else { continue };
        let Some((c, len)) = fence(t) else { continue };
        match &open {
            Some((start, oc, ol, lang)) if *oc == c && len >= *ol && t[len..].trim().is_empty() => {
                u.blocks.push(block(*start, j, lang));
                open = None;
            }
            Some(_) => {}
            None => open = Some((j, c, len, super::lang::lang_of(&t[len..]))),
        }
    }
    if let Some((start, _, _, lang)) = open {
        // Unclosed where it is not shown: the rest of what is not shown.
        let mut b = block(start, to + 1, &lang);
        b.end = to + 1;
        u.blocks.push(b);
    }
}

/// An element that hides its content opening on HTML line `i`: its lines
/// marked hidden, up to its end tag (fenced lines do not count); the line
/// after it, or after `i`.
fn hidden_element(lines: &[&str], i: usize, u: &mut Unseen) -> usize {
    let line = lines[i];
    let Some((at, why)) = start_tags(line)
        .into_iter()
        .find_map(|(at, tag)| hides(tag).map(|w| (at, w)))
    else {
        return i + 1;
    };
    let name = name_at(&line[at + 1..]);
    let why = format!("not rendered: inside {why}");
    let (mut depth, closed) = depth_in(&line[at..], &name, 0);
    let mut end = closed.then_some(i);
    let mut open: Option<(char, usize)> = None;
    let mut j = i + 1;
    while end.is_none() && j < lines.len() {
        let t = lead(lines[j]);
        match (open, t.and_then(fence)) {
            (Some((c, len)), Some((x, l)))
                if x == c && l >= len && t.is_some_and(|t| t[l..].trim().is_empty()) =>
            {
                open = None
            }
            (Some(_), _) => {}
            (None, Some(f)) => open = Some(f),
            (None, None) => {
                let closed;
                (depth, closed) = depth_in(lines[j], &name, depth);
                if closed {
                    end = Some(j);
                }
            }
        }
        j += 1;
    }
    let end = end.unwrap_or(lines.len() - 1);
    for h in &mut u.hidden[i..=end] {
        h.get_or_insert_with(|| why.clone());
    }
    end + 1
}

#[path = "parse_mdx.rs"]
mod mdx;
