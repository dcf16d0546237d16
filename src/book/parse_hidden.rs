//! What of a chapter a page does not show, and code a page shows that is
//! not Markdown: read before [`super::parse`] reads its blocks, because
//! both are told by the HTML around them and not by the blocks themselves.
//!
//! Not shown (probe21ab's finding 3: a fence wrapped by such an element
//! ran, changed the lab, and the visible block after it matched):
//! - front matter at the very top (`---` … `---` or `...`, `+++` … `+++`):
//!   Jekyll, Hugo, Docusaurus, pandoc and Quarto read it as metadata; not
//!   when a blank line follows its `---` (a thematic break), and refused
//!   when its end would be inside a fence (probe21ad);
//! - CommonMark's HTML blocks of type 1 that open with `<script` or
//!   `<style`: raw HTML up to the line holding an end tag of type 1, so
//!   their lines are not Markdown at all (a fence there is no block);
//! - the content of an element a browser does not render: `<script>`,
//!   `<style>`, `<template>`, `<noscript>`, and any element with the
//!   `hidden` attribute or an inline style `display:none` or
//!   `visibility:hidden`, up to its real end tag, read from
//!   pulldown-cmark's raw HTML ([`html`]: never from code spans or
//!   comments, probe21ad's finding 2). The Markdown there is rendered,
//!   inside an element the browser hides. `aria-hidden` hides nothing from
//!   the eye and a closed `<details>` shows its content on a click: both
//!   are shown. Where CSS lab does not read decides it, the block is
//!   refused ([`Unseen::unclear`]).
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
    /// By line: why a block opening there is not shown, and why whether
    /// one is shown is not clear (such a block is refused, never guessed
    /// skipped or shown).
    pub marks: html::Marks,
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

/// Read what of `lines` a page does not show, and its MDX code; or the
/// line (1-based) where that is not clear, and why.
pub(super) fn read(lines: &[&str]) -> Result<Unseen, (usize, String)> {
    let mut u = Unseen {
        skip: vec![false; lines.len()],
        marks: html::Marks::default(),
        blocks: Vec::new(),
    };
    let front = front_matter(lines, &mut u)?;
    let mut i = front;
    // The lines of MDX code components: JavaScript, no HTML.
    let mut components = Vec::new();
    let mut open: Option<(char, usize)> = None;
    let mut jsx = mdx::Reading::default();
    while i < lines.len() {
        let line = lines[i];
        let Some(t) = lead(line) else {
            // MDX reads no indented code: a component there is JSX.
            i = match open {
                None => code_components(lines, i, &mut u, &mut jsx, &mut components),
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
            i = code_components(lines, i, &mut u, &mut jsx, &mut components);
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
        i = code_components(lines, i, &mut u, &mut jsx, &mut components);
    }
    // The elements, from the page's own HTML (front matter and MDX code
    // are none of it).
    let mut text = String::new();
    for (j, l) in lines.iter().enumerate() {
        if j >= front && !components.iter().any(|r| r.contains(&j)) {
            text.push_str(l);
        }
        text.push('\n');
    }
    u.marks = html::read(&text, lines.len());
    Ok(u)
}

/// The MDX components holding code on line `i` (see [`mdx::components`]),
/// their lines kept in `components` (JavaScript, no HTML, for the reading
/// of elements); the line to read next.
fn code_components(
    lines: &[&str],
    i: usize,
    u: &mut Unseen,
    jsx: &mut mdx::Reading,
    components: &mut Vec<std::ops::RangeInclusive<usize>>,
) -> usize {
    match mdx::components(lines, i, u, jsx) {
        Some(end) => {
            components.push(i..=end);
            end + 1
        }
        None => i + 1,
    }
}

/// Front matter at the top: its lines skipped, its fences reported;
/// the line after it. Not when the line after its `---` is blank (or
/// closes it): that `---` is a thematic break, as CommonMark, pandoc and
/// pulldown-cmark read it (probe21ad: a rule and the `---` further down
/// hid the blocks between them). Refused when its closing line is inside
/// a fence it holds: renderers that end it there and readers that do not
/// show different pages; and refused unless it is metadata every renderer
/// that reads front matter reads ([`front::metadata`]).
fn front_matter(lines: &[&str], u: &mut Unseen) -> Result<usize, (usize, String)> {
    let first = lines.first().map(|l| l.trim_end());
    let ends: &[&str] = match first {
        Some("---") => &["---", "..."],
        Some("+++") => &["+++"],
        _ => return Ok(0),
    };
    if lines
        .get(1)
        .is_none_or(|l| l.trim().is_empty() || ends.contains(&l.trim_end()))
    {
        return Ok(0);
    }
    let mut open: Option<(usize, char, usize)> = None;
    for (j, line) in lines.iter().enumerate().skip(1) {
        if ends.contains(&line.trim_end()) {
            if let Some((at, ..)) = open {
                return Err((
                    j + 1,
                    format!(
                        "`{}` would end the front matter of line 1 here, inside the fence of line {}: Jekyll and pulldown-cmark end it here, a reader of the fence does not; where it ends is not clear",
                        line.trim_end(),
                        at + 1
                    ),
                ));
            }
            front::metadata(&lines[1..j], first == Some("+++"))?;
            raw_fences(lines, 0, j, "not rendered: front matter", u);
            return Ok(j + 1);
        }
        let Some((c, len)) = lead(line).and_then(fence) else {
            continue;
        };
        match open {
            Some((_, oc, ol))
                if oc == c
                    && len >= ol
                    && lead(line).is_some_and(|t| t[len..].trim().is_empty()) =>
            {
                open = None
            }
            Some(_) => {}
            None => open = Some((j, c, len)),
        }
    }
    Ok(0)
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

#[path = "parse_hidden_front.rs"]
mod front;

#[path = "parse_hidden_html.rs"]
mod html;

#[path = "parse_mdx.rs"]
mod mdx;
