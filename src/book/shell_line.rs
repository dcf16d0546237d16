//! A line read as bash reads it, to find a program it runs behind shell
//! syntax: `[ -d /sys ] && sudo …`, `\sudo …`, `{ sudo …; }`, `! sudo …`,
//! `"sudo" …`, `: ; sudo …`, `2>/dev/null sudo …`, `OUT="$(sudo …)"`,
//! `f() { sudo …; }; f`, `. ./down.sh`, `../down.sh`, `~/down.sh`. The
//! parser ([`super::parse`]) reads a line as a command by its first word;
//! a line whose first word is shell syntax was read as output (or as the
//! author's remark), never ran, and nothing said so: the reader's command
//! was a false green (probe21ab, finding 2). This module exists so that
//! every place that may take a line for output or pass over it (a
//! command's output, a login's banner, a prose span) asks the same
//! question: does bash run a program lab lists here?

use std::borrow::Cow;

/// `line` without its ANSI escape sequences (colours, a terminal title):
/// a coloured prompt (`ESC[32m$ESC[0m sudo …`) is the prompt the reader
/// sees (probe21ab, `pansi2.md`).
pub fn strip_ansi(line: &str) -> Cow<'_, str> {
    static ANSI: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(r"\x1b(?:\[[0-9;?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)|[@-Z\\-_])")
            .expect("ansi")
    });
    if line.contains('\x1b') {
        Cow::Owned(ANSI.replace_all(line, "").into_owned())
    } else {
        Cow::Borrowed(line)
    }
}

/// Words that keep the next word in a command's place (`sudo` aside,
/// which lab lists).
const KEEPS_PLACE: &[&str] = &[
    "!", "if", "then", "else", "elif", "do", "while", "until", "command", "builtin", "exec",
    "time", "nohup", "env", "{", "(",
];

/// Whether `word`, in a command's place, runs a program lab lists or a
/// script by its path (`./x`, `../x`, `~/x`, `/x`).
fn runs_listed(word: &str) -> bool {
    // A path names a file (`/>` of an HTML tag, `/` alone, name none).
    let path = word
        .trim_start_matches(['.', '~'])
        .strip_prefix('/')
        .is_some_and(|r| r.starts_with(|c: char| c.is_alphanumeric() || c == '_'));
    let dotted = word.starts_with("../") || word.starts_with("~/") || word.starts_with("./");
    if word.starts_with('/') || dotted {
        return path;
    }
    super::parse::is_program(word)
}

/// The program a line runs, and the line from it on (`sudo ip link set
/// cni0 down` of `[ -d /sys ] && sudo ip link set cni0 down`), read past
/// ANSI escapes, a prompt, shell punctuation, leading redirections and
/// assignments; `None` when no word in a command's place names a program
/// lab lists or a script run by its path. A table's row (`| ip | … |`) and
/// a comment (`# …`) run nothing.
pub fn typed_program(line: &str) -> Option<String> {
    // Read as the reader sees it (probe21aj, finding 3).
    let seen = super::lookalike::fold(line);
    let clean = strip_ansi(&seen);
    let t = clean.trim();
    let t = super::parse::after_prompt(t).unwrap_or(t);
    // A tag (`<meta … />`, `</div>`, `<!DOCTYPE`) is a page's line.
    let tag = t.starts_with('<')
        && t[1..].starts_with(|c: char| c.is_ascii_alphabetic() || "/!".contains(c));
    if t.starts_with(['|', '#']) || t.is_empty() || tag {
        return None;
    }
    static REDIRECT: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(r"(?:^|\s)(?:\d*|&)(?:>>?|<)&?\s*[^\s;&|)]+").expect("redirect")
    });
    // A line-number gutter (`3 | `, `3  `, `12: `, `3 │ `): the reader
    // retypes what follows it (probe21ab, `u_linenum.md`).
    static GUTTER: std::sync::LazyLock<regex::Regex> =
        std::sync::LazyLock::new(|| regex::Regex::new(r"^\d+(?:\s*[|:│]\s*|\s+)").expect("gutter"));
    let t = GUTTER.replace(t, "");
    let t = REDIRECT.replace_all(&t, " ");
    // Each separator (a list's, a group's, a substitution's) opens a
    // command's place.
    let mut spaced = String::with_capacity(t.len() * 2);
    let mut chars = t.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            ';' | '&' | '|' | '(' | ')' | '{' | '}' | '`' => spaced.push_str(" ; "),
            '$' if chars.peek() == Some(&'(') => {
                chars.next();
                spaced.push_str(" ; ");
            }
            // `${NAME}` is a parameter, not a group: expanded as an unset
            // one is, before the words are split, as bash does (`s${X}udo`,
            // `${X:-sudo ip} link …`: probe21an, finding 2).
            '$' if chars.peek() == Some(&'{') => {
                spaced.push_str(&parameter(&mut chars).unwrap_or_default());
            }
            '\n' => spaced.push_str(" ; "),
            _ => spaced.push(c),
        }
    }
    let words: Vec<&str> = spaced.split_whitespace().collect();
    let mut place = true;
    for (i, raw) in words.iter().enumerate() {
        if *raw == ";" {
            place = true;
            continue;
        }
        if !place {
            continue;
        }
        // As bash reads it: `s''udo`, `su\do`, `$'\x73udo'`, `$X sudo`
        // (probe21an, finding 2).
        let read = bash_word(raw);
        let word = read.as_str();
        if word.is_empty() || KEEPS_PLACE.contains(&word) || is_assignment(raw) {
            continue;
        }
        // `. ./down.sh`, `source ~/x`: a script the shell reads.
        let sourced = matches!(word, "." | "source")
            && words
                .get(i + 1)
                .is_some_and(|w| w.chars().any(|c| c.is_alphanumeric()));
        if sourced || runs_listed(word) {
            let rest: Vec<&str> = std::iter::once(word)
                .chain(words[i + 1..].iter().copied().take_while(|w| *w != ";"))
                .collect();
            return Some(rest.join(" "));
        }
        place = false;
    }
    None
}

/// `word` as bash reads it in a command's place: quotes and backslashes
/// removed (`s''udo`, `su\do`, `"sudo"`), `$'…'` decoded (`$'\x73udo'`),
/// `$"…"` as its contents, and every parameter (`$X`, `${X}`, `$@`)
/// expanded as an unset one is: to nothing, or to its default
/// (`${X:-ip}`, `${X=ip}`: probe21an, finding 2 and what was left of it).
pub fn bash_word(word: &str) -> String {
    let mut out = String::with_capacity(word.len());
    let mut chars = word.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.extend(chars.next()),
            '\'' => out.extend(chars.by_ref().take_while(|d| *d != '\'')),
            '"' => double_quoted(&mut chars, &mut out),
            '$' if chars.peek() == Some(&'\'') => {
                chars.next();
                ansi_c_quoted(&mut chars, &mut out);
            }
            '$' if chars.peek() == Some(&'"') => {
                chars.next();
                double_quoted(&mut chars, &mut out);
            }
            '$' => match parameter(&mut chars) {
                Some(value) => out.push_str(&value),
                None => out.push(c),
            },
            _ => out.push(c),
        }
    }
    out
}

type Chars<'a> = std::iter::Peekable<std::str::Chars<'a>>;

/// The value of a parameter after `$` (its name, `{…}` or one special
/// character) when it is unset: nothing, or the word of `${X:-word}`,
/// `${X-word}`, `${X:=word}`, `${X=word}` read as [`bash_word`]. None: no
/// parameter follows (a `$` alone is itself).
fn parameter(chars: &mut Chars<'_>) -> Option<String> {
    match chars.peek() {
        Some('{') => {
            chars.next();
            let mut inside = String::new();
            let mut depth = 1;
            for d in chars.by_ref() {
                depth += match d {
                    '{' => 1,
                    '}' => -1,
                    _ => 0,
                };
                if depth == 0 {
                    break;
                }
                inside.push(d);
            }
            let name_end = inside
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(inside.len());
            let op = &inside[name_end..];
            let default = [":-", ":=", "-", "="]
                .iter()
                .find_map(|o| op.strip_prefix(o));
            Some(default.map(bash_word).unwrap_or_default())
        }
        Some(c) if c.is_ascii_alphabetic() || *c == '_' => {
            while chars
                .peek()
                .is_some_and(|c| c.is_ascii_alphanumeric() || *c == '_')
            {
                chars.next();
            }
            Some(String::new())
        }
        Some(c) if c.is_ascii_digit() || "@*#?$!-".contains(*c) => {
            chars.next();
            Some(String::new())
        }
        _ => None,
    }
}

/// The rest of a `$'…'` (its opening read) into `out`, its escapes decoded.
fn ansi_c_quoted(chars: &mut Chars<'_>, out: &mut String) {
    while let Some(d) = chars.next() {
        match d {
            '\'' => break,
            '\\' => match chars.next() {
                Some('x') => {
                    let hex: String =
                        std::iter::from_fn(|| chars.next_if(|h| h.is_ascii_hexdigit()))
                            .take(2)
                            .collect();
                    out.extend(u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32));
                }
                Some(o @ '0'..='7') => {
                    let mut n = o.to_digit(8).unwrap_or(0);
                    for _ in 0..2 {
                        match chars.next_if(|h| ('0'..='7').contains(h)) {
                            Some(h) => n = n * 8 + h.to_digit(8).unwrap_or(0),
                            None => break,
                        }
                    }
                    out.extend(char::from_u32(n));
                }
                Some('n') => out.push('\n'),
                Some('t') => out.push('\t'),
                Some(e) => out.push(e),
                None => {}
            },
            _ => out.push(d),
        }
    }
}

/// The rest of a `"…"` (its opening quote read) into `out`.
fn double_quoted(chars: &mut Chars<'_>, out: &mut String) {
    while let Some(d) = chars.next() {
        match d {
            '"' => break,
            '\\' => match chars.next_if(|e| "$\"\\`".contains(*e)) {
                Some(e) => out.push(e),
                None => out.push('\\'),
            },
            '$' => match parameter(chars) {
                Some(value) => out.push_str(&value),
                None => out.push(d),
            },
            _ => out.push(d),
        }
    }
}

/// `line` split into words as bash splits it: at whitespace outside
/// quotes (`'…'`, `"…"`, `$'…'`), a backslash's character and a
/// parameter's braces (`${X:-sudo ip}`), each word as written. None where
/// a quote or brace is never closed (a banner's apostrophe).
pub fn shell_words(line: &str) -> Option<Vec<&str>> {
    let mut words = Vec::new();
    let mut start = None;
    let mut chars = line.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if c.is_whitespace() {
            words.extend(start.take().map(|s| &line[s..i]));
            continue;
        }
        start.get_or_insert(i);
        let close = |chars: &mut std::iter::Peekable<std::str::CharIndices<'_>>,
                     end: char,
                     escapes: bool| {
            while let Some((_, d)) = chars.next() {
                if d == end {
                    return true;
                }
                if escapes && d == '\\' {
                    chars.next();
                }
            }
            false
        };
        let closed = match c {
            '\\' => chars.next().is_some(),
            '\'' => close(&mut chars, '\'', false),
            '"' => close(&mut chars, '"', true),
            '$' if chars.peek().is_some_and(|(_, d)| *d == '\'') => {
                chars.next();
                close(&mut chars, '\'', true)
            }
            '$' if chars.peek().is_some_and(|(_, d)| *d == '{') => {
                chars.next();
                let mut depth = 1;
                for (_, d) in chars.by_ref() {
                    depth += match d {
                        '{' => 1,
                        '}' => -1,
                        _ => 0,
                    };
                    if depth == 0 {
                        break;
                    }
                }
                depth == 0
            }
            _ => true,
        };
        if !closed {
            return None;
        }
    }
    words.extend(start.map(|s| &line[s..]));
    Some(words)
}

/// `NAME=value` (its value maybe cut at a substitution: `OUT="`).
fn is_assignment(word: &str) -> bool {
    word.split_once('=').is_some_and(|(name, _)| {
        !name.is_empty()
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            && !name.starts_with(|c: char| c.is_ascii_digit())
    })
}

/// Whether `line` runs a program lab lists only behind shell syntax (its
/// first word names none): the lines the parser reads as output.
pub fn hidden_program(line: &str) -> Option<String> {
    let seen = super::lookalike::fold(line);
    let clean = strip_ansi(&seen);
    let t = clean.trim();
    if super::parse::after_prompt(t).is_some() || super::parse::is_program(t) {
        return None;
    }
    typed_program(t)
}

#[cfg(test)]
#[path = "shell_line_tests.rs"]
mod tests;
