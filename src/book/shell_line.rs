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
            // `${NAME}` is a parameter, not a group: kept whole for
            // [`bash_word`] (`s${X}udo`: probe21an, finding 2).
            '$' if chars.peek() == Some(&'{') => {
                spaced.push(c);
                for d in chars.by_ref() {
                    spaced.push(d);
                    if d == '}' {
                        break;
                    }
                }
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
/// expanded to nothing, as an unset one is (probe21an, finding 2).
pub fn bash_word(word: &str) -> String {
    let mut out = String::with_capacity(word.len());
    let mut chars = word.chars().peekable();
    // A parameter after `$` (its name, `{…}` or one special character).
    fn parameter(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) -> bool {
        match chars.peek() {
            Some('{') => {
                for d in chars.by_ref() {
                    if d == '}' {
                        break;
                    }
                }
                true
            }
            Some(c) if c.is_ascii_alphabetic() || *c == '_' => {
                while chars
                    .peek()
                    .is_some_and(|c| c.is_ascii_alphanumeric() || *c == '_')
                {
                    chars.next();
                }
                true
            }
            Some(c) if c.is_ascii_digit() || "@*#?$!-".contains(*c) => {
                chars.next();
                true
            }
            _ => false,
        }
    }
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.extend(chars.next()),
            '\'' => out.extend(chars.by_ref().take_while(|d| *d != '\'')),
            '"' => double_quoted(&mut chars, &mut out, parameter),
            '$' if chars.peek() == Some(&'\'') => {
                chars.next();
                while let Some(d) = chars.next() {
                    match d {
                        '\'' => break,
                        '\\' => match chars.next() {
                            Some('x') => {
                                let hex: String =
                                    std::iter::from_fn(|| chars.next_if(|h| h.is_ascii_hexdigit()))
                                        .take(2)
                                        .collect();
                                out.extend(
                                    u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32),
                                );
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
            '$' if chars.peek() == Some(&'"') => {
                chars.next();
                double_quoted(&mut chars, &mut out, parameter);
            }
            '$' if parameter(&mut chars) => {}
            _ => out.push(c),
        }
    }
    out
}

/// The rest of a `"…"` (its opening quote read) into `out`.
fn double_quoted(
    chars: &mut std::iter::Peekable<std::str::Chars<'_>>,
    out: &mut String,
    parameter: fn(&mut std::iter::Peekable<std::str::Chars<'_>>) -> bool,
) {
    while let Some(d) = chars.next() {
        match d {
            '"' => break,
            '\\' => match chars.next_if(|e| "$\"\\`".contains(*e)) {
                Some(e) => out.push(e),
                None => out.push('\\'),
            },
            '$' if parameter(chars) => {}
            _ => out.push(d),
        }
    }
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
