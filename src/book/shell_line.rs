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
        let word = raw.trim_start_matches('\\').trim_matches(['"', '\'']);
        let word = word.trim_start_matches('\\');
        if word.is_empty() || KEEPS_PLACE.contains(&word) || is_assignment(word) {
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
