//! MDX components whose JavaScript strings show code, read as code blocks.
//! Apart from `parse_hidden` because a JSX tag is read differently from an
//! HTML one: its name is case-sensitive, its attribute values may be `{…}`
//! expressions, and its strings are JavaScript's, whose escapes are not the
//! page's text.
//!
//! probe21ab's finding 4 made a block of one shape: a component naming a
//! language (or `Code` in its name) whose body is a template literal.
//! probe21ad's finding 3: the page shows code in other shapes, and lab read
//! nothing there (a change between two matching blocks passed, exit 0):
//! `<Code lang="bash" code={`…`} />`, `children={`…`}`, a string body
//! `{"…\n…"}`, an unnamed `<Terminal>{`…`}</Terminal>`. Now, for any
//! capitalised component (at any indentation, anywhere on a line outside
//! a code span), every string of it is read: each prop's value (`p="…"`,
//! `p='…'`, `p={"…"}`, `p={'…'}`, `p={`…`}`) and each `{…}` of its body
//! up to its end tag (a nested tag or a fence ends that reading: it is
//! read on its own line). A string is a block when a line of it reads as
//! a command ([`typed_program`]; in a prop other than `code`/`children`,
//! a line of two words at least: `value="bash"` names a tab), or when it
//! is the body, `code` or `children` of a code component (one naming a
//! language, or `Code` in its name). Its language is the one the component
//! names; else it is a shell's.
//!
//! A string lab cannot read as the page shows it holding a command (a
//! template's `${…}`, a string that is part of a longer expression such as
//! `` `a` + `b` `` or `String.raw`…``, a JSX attribute's character
//! reference) is a block not understood, its reason naming the line
//! ([`Block::unread`]): never dropped.

use super::{MAX_COMPONENT_LINES, Unseen, attributes};
use crate::book::parse::Block;
use crate::book::shell_line::typed_program;

/// How many bytes of a component's text are read (its tag and body).
const MAX_COMPONENT_BYTES: usize = 64 << 10;

/// How many bytes the components of one chapter may read in all, and the
/// components read on one line: past them a component is a block not
/// understood (a chapter of many unclosed tags is not read again and
/// again).
const MAX_READ_BYTES: usize = 32 << 20;
const MAX_ON_A_LINE: usize = 16;

/// The props that name a component's language (its value is no code).
const LANGUAGE_PROPS: [&str; 4] = ["lang", "language", "class", "classname"];

/// What the components of a chapter read so far share.
#[derive(Default)]
pub(super) struct Reading {
    /// The bytes read.
    read: usize,
    /// Past [`MAX_READ_BYTES`]: the chapter's one block not understood is
    /// made, and no component is read again.
    over: bool,
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

/// A string read in a component.
struct Lit {
    /// Its lines as the page shows them, each with the byte (in the
    /// component's text) of the source it starts at.
    lines: Vec<(usize, String)>,
    /// The prop it is the value of (lowercased), or None in the body.
    prop: Option<String>,
    /// Why the page's text is not known from it, if it is not.
    unread: Option<&'static str>,
}

/// A string read: its byte length in the source, its lines (each with
/// the byte it starts at), and a flag of its reading.
type StringRead = (usize, Vec<(usize, String)>, bool);

/// A JavaScript string literal at the start of `s` (its quote `'`, `"` or
/// `` ` ``), `base` the byte of `s` in the text: its byte length, its lines
/// (escapes read), and whether it interpolates (`${…}`, kept as written).
/// None when it does not end (or a `'…'` string breaks a line).
fn js_string(s: &str, base: usize) -> Option<StringRead> {
    let q = s.chars().next()?;
    let mut lines = vec![(base + 1, String::new())];
    let mut interp = false;
    let mut it = s.char_indices().skip(1).peekable();
    let push = |lines: &mut Vec<(usize, String)>, c: char| lines.last_mut().unwrap().1.push(c);
    while let Some((k, c)) = it.next() {
        match c {
            c if c == q => return Some((k + 1, lines, interp)),
            '\n' if q != '`' => return None,
            '\n' => lines.push((base + k + 1, String::new())),
            '$' if q == '`' && it.peek().is_some_and(|(_, c)| *c == '{') => {
                interp = true;
                let mut depth = 0usize;
                push(&mut lines, '$');
                for (_, c) in it.by_ref() {
                    push(&mut lines, c);
                    match c {
                        '{' => depth += 1,
                        '}' => depth -= 1,
                        _ => {}
                    }
                    if depth == 0 {
                        break;
                    }
                }
            }
            '\\' => {
                let Some((k, e)) = it.next() else { break };
                let hex = |it: &mut std::iter::Peekable<std::iter::Skip<std::str::CharIndices>>,
                           n: usize| {
                    let mut v = String::new();
                    for _ in 0..n {
                        v.push(it.next_if(|(_, c)| c.is_ascii_hexdigit())?.1);
                    }
                    char::from_u32(u32::from_str_radix(&v, 16).ok()?)
                };
                let decoded = match e {
                    'n' => {
                        lines.push((base + k + 1, String::new()));
                        None
                    }
                    // A line continuation: nothing.
                    '\n' | '\r' => None,
                    't' => Some('\t'),
                    'b' => Some('\u{8}'),
                    'f' => Some('\u{c}'),
                    'v' => Some('\u{b}'),
                    '0' => Some('\0'),
                    'x' => hex(&mut it, 2),
                    'u' if it.next_if(|(_, c)| *c == '{').is_some() => {
                        let mut v = String::new();
                        while let Some((_, c)) = it.next_if(|(_, c)| *c != '}') {
                            v.push(c);
                        }
                        it.next();
                        u32::from_str_radix(&v, 16).ok().and_then(char::from_u32)
                    }
                    'u' => hex(&mut it, 4),
                    x => Some(x),
                };
                if let Some(c) = decoded {
                    push(&mut lines, c);
                }
            }
            '\r' => {}
            c => push(&mut lines, c),
        }
    }
    None
}

/// A JSX attribute's string at the start of `s` (its quote): its byte
/// length, its lines (as written: no escapes), and whether it holds a
/// character reference (`&amp;`) JSX reads.
fn jsx_string(s: &str, base: usize) -> Option<StringRead> {
    let q = s.chars().next()?;
    let end = s[1..].find(q)? + 1;
    let mut lines = Vec::new();
    let mut at = base + 1;
    for l in s[1..end].split('\n') {
        lines.push((at, l.trim_end_matches('\r').to_string()));
        at += l.len() + 1;
    }
    static REFERENCE: std::sync::LazyLock<regex::Regex> =
        std::sync::LazyLock::new(|| regex::Regex::new(r"&#?[A-Za-z0-9]+;").expect("reference"));
    Some((end + 1, lines, REFERENCE.is_match(&s[1..end])))
}

/// A `{…}` expression at the start of `s`, `base` its byte in the text:
/// its byte length and its strings (a string is read as the page shows it
/// only when it is the whole expression). None when it does not end.
fn expression(s: &str, base: usize, prop: Option<&str>) -> Option<(usize, Vec<Lit>)> {
    let (mut depth, mut k) = (0usize, 0usize);
    let mut found: Vec<(Vec<(usize, String)>, bool)> = Vec::new();
    let mut other = false;
    let b = s.as_bytes();
    while k < s.len() {
        match b[k] {
            b'{' => depth += 1,
            b'}' => {
                depth -= 1;
                if depth == 0 {
                    let whole = found.len() == 1 && !other;
                    let lits = found
                        .into_iter()
                        .map(|(lines, interp)| Lit {
                            lines,
                            prop: prop.map(str::to_ascii_lowercase),
                            unread: if interp {
                                Some("a template literal's `${…}`, which only the page's JavaScript fills in")
                            } else if !whole {
                                Some("a string that is part of a longer JavaScript expression")
                            } else {
                                None
                            },
                        })
                        .collect();
                    return Some((k + 1, lits));
                }
            }
            b'"' | b'\'' | b'`' => {
                let (len, lines, interp) = js_string(&s[k..], base + k)?;
                found.push((lines, interp));
                k += len;
                continue;
            }
            b'/' if s[k..].starts_with("//") => {
                k += s[k..].find('\n').unwrap_or(s.len() - k);
                continue;
            }
            b'/' if s[k..].starts_with("/*") => {
                k += s[k..].find("*/").map_or(s.len() - k, |e| e + 2);
                continue;
            }
            c if !c.is_ascii_whitespace() => other = true,
            _ => {}
        }
        k += 1;
    }
    None
}

/// The opening tag at the start of `s` (after its name): its byte length
/// (past its `>`), whether it closes itself (`/>`), and its strings.
/// None when it does not end.
fn tag(s: &str, base: usize) -> Option<(usize, bool, Vec<Lit>)> {
    let mut lits = Vec::new();
    let mut k = 0;
    let mut name = String::new();
    while k < s.len() {
        let rest = &s[k..];
        let c = rest.chars().next()?;
        if rest.starts_with("/>") {
            return Some((k + 2, true, lits));
        }
        match c {
            '>' => return Some((k + 1, false, lits)),
            '"' | '\'' => {
                let (len, lines, reference) = jsx_string(rest, base + k)?;
                lits.push(Lit {
                    lines,
                    prop: Some(name.to_ascii_lowercase()),
                    unread: reference.then_some("a JSX attribute's character reference (`&…;`)"),
                });
                k += len;
            }
            '{' => {
                let prop = (!name.is_empty()).then_some(name.as_str());
                let (len, mut l) = expression(rest, base + k, prop)?;
                if prop.is_none() {
                    // A spread (`{...props}`): its strings are no prop's.
                    for x in &mut l {
                        x.unread
                            .get_or_insert("a string spread into the component's props");
                        x.prop = Some(String::new());
                    }
                }
                lits.extend(l);
                k += len;
            }
            '=' => k += 1,
            c if c.is_whitespace() => k += c.len_utf8(),
            _ => {
                name = rest
                    .chars()
                    .take_while(|c| !c.is_whitespace() && !"=>/\"'{".contains(*c))
                    .collect();
                k += name.len().max(c.len_utf8());
            }
        }
    }
    None
}

/// A component read at line `i`, byte `col`.
struct Component {
    /// Its strings.
    lits: Vec<Lit>,
    /// Its language and whether it is a code component.
    lang: Option<String>,
    code: bool,
    /// Its name (for a reason).
    name: String,
    /// The byte after what was read of it (its end tag's `>`, or where its
    /// body's reading stopped).
    end: usize,
    /// Its text, from its `<`.
    text: String,
}

/// The component opening at `lines[i][col..]` (`<` and a capital).
fn read_one(lines: &[&str], i: usize, col: usize, r: &mut Reading) -> Option<Component> {
    let mut text = lines[i][col..].to_string();
    let name: String = text[1..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || ".:_-".contains(*c))
        .collect();
    // Its lines up to its end tag, or to the end of a tag that closes
    // itself.
    let end_tag = format!("</{name}");
    let mut more = lines.iter().skip(i + 1).take(MAX_COMPONENT_LINES);
    // Each line looked at once: the tag is read again only when a line
    // brings a `>` (a chapter of unclosed tags is not read over and over).
    let ends = |text: &str, added: &str| {
        added.contains(end_tag.as_str())
            || (added.contains('>')
                && tag(&text[1 + name.len()..], 0).is_some_and(|(_, closed, _)| closed))
    };
    let mut ended = ends(&text, &text);
    while !ended && text.len() <= MAX_COMPONENT_BYTES {
        let Some(l) = more.next() else { break };
        text.push('\n');
        text.push_str(l);
        ended = ends(&text, l);
    }
    r.read += text.len();
    let after = 1 + name.len();
    let (len, closed, mut lits) = tag(&text[after..], after)?;
    let gt = after + len;
    let attrs = attributes(text[after..gt].trim_end_matches(['>', '/']));
    let lang = language(&attrs);
    let code = lang.is_some() || name.contains("Code");
    let mut end = gt;
    if !closed {
        // The body: its `{…}` read up to the end tag; a nested tag or a
        // fence ends the reading (read on its own).
        let b = text.as_bytes();
        let mut k = gt;
        end = loop {
            if k >= text.len() {
                break k;
            }
            let rest = &text[k..];
            if rest.starts_with(end_tag.as_str()) {
                let tail = &rest[end_tag.len()..];
                let ws = tail.len() - tail.trim_start().len();
                break if tail[ws..].starts_with('>') {
                    k + end_tag.len() + ws + 1
                } else {
                    k
                };
            }
            let line_start = k == 0 || b[k - 1] == b'\n';
            let t = rest.trim_start_matches([' ', '\t']);
            if b[k] == b'<' && rest[1..].starts_with(|c: char| c.is_ascii_alphabetic() || c == '/')
                || line_start && (t.starts_with("```") || t.starts_with("~~~"))
            {
                break k;
            }
            if b[k] == b'{' {
                let Some((len, l)) = expression(rest, k, None) else {
                    break k;
                };
                lits.extend(l);
                k += len;
                continue;
            }
            k += rest.chars().next().map_or(1, char::len_utf8);
        };
    }
    Some(Component {
        lits,
        lang,
        code,
        name,
        end,
        text,
    })
}

/// Whether `lit` of a component is code: a line of it reads as a command
/// (in a prop other than `code` or `children`, one of two words at least),
/// or it is a code component's body, `code` or `children`.
fn is_code(c: &Component, lit: &Lit) -> bool {
    let prop = lit.prop.as_deref();
    if prop.is_some_and(|p| LANGUAGE_PROPS.contains(&p)) {
        return false;
    }
    let main = prop.is_none_or(|p| matches!(p, "code" | "children"));
    (c.code && main)
        || lit.lines.iter().any(|(_, l)| {
            typed_program(l).is_some() && (main || l.split_whitespace().nth(1).is_some())
        })
}

/// The MDX components on line `i` (0-based): a block pushed to `u` for
/// each of their strings that is code, their lines skipped; the line the
/// last one read ends on, or None when none was code.
pub(super) fn components(
    lines: &[&str],
    i: usize,
    u: &mut Unseen,
    r: &mut Reading,
) -> Option<usize> {
    if r.over {
        return None;
    }
    let line = lines[i];
    let mut last: Option<usize> = None;
    let mut from = 0;
    let mut tried = 0;
    // Backticks before `from`, counted as the line is walked (once).
    let mut ticks = 0;
    while let Some(at) = line[from..].find('<').map(|a| a + from) {
        ticks += line[from..at].matches('`').count();
        from = at + 1;
        // In a code span (an odd count of backticks before it): text.
        if !line[at + 1..].starts_with(|c: char| c.is_ascii_uppercase()) || ticks % 2 == 1 {
            continue;
        }
        tried += 1;
        if tried > MAX_ON_A_LINE || r.read > MAX_READ_BYTES {
            r.over = r.read > MAX_READ_BYTES;
            let block = unread_block(lines, i, "more JSX components than lab reads".into());
            u.blocks.push(block);
            u.skip[i] = true;
            return Some(last.unwrap_or(i).max(i));
        }
        let Some(c) = read_one(lines, i, at, r) else {
            continue;
        };
        let line_of = |b: usize| i + c.text[..b.min(c.text.len())].matches('\n').count();
        let mut made = false;
        let mut unread = false;
        for lit in &c.lits {
            // One block not understood a component is enough to say so.
            if !is_code(&c, lit) || (unread && lit.unread.is_some()) {
                continue;
            }
            unread |= lit.unread.is_some();
            // The first block of a line opens where the component does.
            let opens = (last.is_none() && !made).then_some(i + 1);
            made = true;
            u.blocks
                .push(block_of(&c, lit, lines, (i, opens), &line_of));
        }
        if !made {
            continue;
        }
        let end = line_of(c.end.saturating_sub(1)).max(i);
        for s in &mut u.skip[i..=end] {
            *s = true;
        }
        last = Some(last.map_or(end, |l: usize| l.max(end)));
        if end > i {
            break;
        }
        from = at + c.end.min(line.len() - at).max(1);
    }
    last
}

/// A block not understood at line `i`, for `why`.
fn unread_block(lines: &[&str], i: usize, why: String) -> Block {
    Block {
        line: i + 1,
        fence: lines[i].trim().to_string(),
        lang: "bash".into(),
        body: vec![(i + 1, lines[i].to_string())],
        end: i + 1,
        hidden: None,
        unread: Some((i + 1, why)),
    }
}

/// The block of a string `lit` of component `c` read at line `i` (it
/// opens at `opens`, or at its string's first line).
fn block_of(
    c: &Component,
    lit: &Lit,
    lines: &[&str],
    (i, opens): (usize, Option<usize>),
    line_of: &dyn Fn(usize) -> usize,
) -> Block {
    let mut body: Vec<(usize, String)> = lit
        .lines
        .iter()
        .map(|(at, l)| (line_of(*at) + 1, l.clone()))
        .collect();
    while body.first().is_some_and(|(_, l)| l.trim().is_empty()) {
        body.remove(0);
    }
    while body.last().is_some_and(|(_, l)| l.trim().is_empty()) {
        body.pop();
    }
    let first = body.first().map_or(i + 1, |(n, _)| *n);
    let last = body.last().map_or(first, |(n, _)| *n);
    // A string of no command (a YAML code body's `${…}`) is shown as read.
    let commands = body.iter().any(|(_, l)| typed_program(l).is_some());
    let unread = lit.unread.filter(|_| commands).map(|why| {
        // The line the page fills in, else the first command.
        let (n, shown) = body
            .iter()
            .find(|(_, l)| l.contains("${"))
            .or_else(|| body.iter().find(|(_, l)| typed_program(l).is_some()))
            .or(body.first())
            .cloned()
            .unwrap_or((first, String::new()));
        (
            n,
            format!(
                "the MDX component <{}> shows `{}` from {why}: lab cannot tell the text the reader sees, so it runs none of it",
                c.name,
                shown.trim()
            ),
        )
    });
    Block {
        line: opens.unwrap_or(first),
        fence: lines[i].trim().to_string(),
        lang: super::super::lang::lang_of(c.lang.as_deref().unwrap_or("bash")),
        body,
        end: last,
        hidden: None,
        unread,
    }
}
