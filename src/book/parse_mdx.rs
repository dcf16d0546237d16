//! MDX code components read as code blocks (probe21ab's finding 4: a
//! change in `<CodeBlock language="bash">{`…`}</CodeBlock>` stopped
//! nothing, since lab read no block there). Apart from `parse_hidden`
//! because a JSX tag is read differently from an HTML one: its name is
//! case-sensitive, its attribute values may be `{…}` expressions, and its
//! body is a JavaScript template literal whose escapes are not the page's
//! text.

use super::{MAX_COMPONENT_LINES, Unseen, attributes};
use crate::book::parse::Block;

/// The byte in `s` (after a tag's name) of the `>` that ends the tag,
/// quotes and `{…}` expressions skipped.
fn tag_end(s: &str) -> Option<usize> {
    let (mut quote, mut braces) = (None, 0usize);
    for (i, c) in s.char_indices() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'' | '`') => quote = Some(c),
            (None, '{') => braces += 1,
            (None, '}') => braces = braces.saturating_sub(1),
            (None, '>') if braces == 0 => return Some(i),
            _ => {}
        }
    }
    None
}

/// The language a component's attributes name, if any: `language`,
/// `lang`, or a `language-x` (`lang-x`) class.
fn language(attrs: &[(String, String)]) -> Option<String> {
    attrs.iter().find_map(|(a, v)| match a.as_str() {
        "language" | "lang" => Some(v.clone()),
        "classname" | "class" => v.split_whitespace().find_map(|c| {
            c.strip_prefix("language-")
                .or_else(|| c.strip_prefix("lang-"))
                .map(str::to_string)
        }),
        _ => None,
    })
}

/// A template literal's line as the page shows it: its escapes read.
fn unescape(line: &str) -> Vec<String> {
    let mut out = vec![String::new()];
    let mut it = line.chars();
    while let Some(c) = it.next() {
        if c != '\\' {
            out.last_mut().unwrap().push(c);
            continue;
        }
        match it.next() {
            Some('n') => out.push(String::new()),
            Some('t') => out.last_mut().unwrap().push('\t'),
            Some(x) => out.last_mut().unwrap().push(x),
            None => out.last_mut().unwrap().push('\\'),
        }
    }
    out
}

/// An MDX code component opening on line `i` (0-based): a JSX element
/// that names a language or holds `Code` in its name, whose body is a
/// template literal. Its block is pushed to `u`, its lines skipped; the
/// line it ends on.
pub(super) fn component(
    lines: &[&str],
    i: usize,
    u: &mut Unseen,
    closes: &mut std::collections::HashMap<String, Option<usize>>,
) -> Option<usize> {
    let first = lines[i].trim_start_matches(' ');
    let name: String = first[1..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '.' || *c == '_')
        .collect();
    // The next line holding its end tag, kept by name: a chapter of
    // unclosed tags is read once, not once a tag.
    let end_tag = format!("</{name}");
    let close = match closes.get(&name) {
        Some(None) => return None,
        Some(Some(k)) if *k >= i => *k,
        _ => {
            let k = (i..lines.len()).find(|&k| lines[k].contains(end_tag.as_str()));
            closes.insert(name.clone(), k);
            k?
        }
    };
    if close - i > MAX_COMPONENT_LINES {
        return None;
    }
    let text = std::iter::once(first)
        .chain(lines[i + 1..=close].iter().copied())
        .collect::<Vec<_>>()
        .join("\n");
    let line_at = |at: usize| i + text[..at].matches('\n').count();
    let after_name = 1 + name.len();
    let gt = after_name + tag_end(&text[after_name..])?;
    if text[..gt].ends_with('/') {
        return None;
    }
    let attrs = attributes(&text[after_name..gt]);
    let lang = language(&attrs);
    if lang.is_none() && !name.contains("Code") {
        return None;
    }
    // The body: `{`, a template literal, `}`, the end tag.
    let body_at = gt + 1 + (text[gt + 1..].len() - text[gt + 1..].trim_start().len());
    let lit = text[body_at..]
        .strip_prefix('{')?
        .trim_start()
        .strip_prefix('`')?;
    let lit_at = text.len() - lit.len();
    let mut escaped = false;
    let close = lit.char_indices().find_map(|(k, c)| {
        let end = !escaped && c == '`';
        escaped = !escaped && c == '\\';
        end.then_some(k)
    })?;
    let rest = lit[close + 1..]
        .trim_start()
        .strip_prefix('}')?
        .trim_start();
    let tail = rest.strip_prefix(end_tag.as_str())?;
    if !tail.trim_start().starts_with('>') {
        return None;
    }
    let end = line_at(text.len() - tail.len());
    let mut body: Vec<(usize, String)> = Vec::new();
    let mut at = lit_at;
    for raw in lit[..close].split('\n') {
        let n = line_at(at) + 1;
        body.extend(unescape(raw).into_iter().map(|l| (n, l)));
        at += raw.len() + 1;
    }
    while body.first().is_some_and(|(_, l)| l.trim().is_empty()) {
        body.remove(0);
    }
    while body.last().is_some_and(|(_, l)| l.trim().is_empty()) {
        body.pop();
    }
    for s in &mut u.skip[i..=end] {
        *s = true;
    }
    u.blocks.push(Block {
        line: i + 1,
        fence: lines[i].trim().to_string(),
        lang: super::super::lang::lang_of(lang.as_deref().unwrap_or("")),
        body,
        end: end + 1,
        hidden: None,
    });
    Some(end)
}
