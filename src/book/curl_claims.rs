//! What a curl's book lines claim beyond the facts [`super::facts`] reads:
//! a line that reads as one of curl's own (its error `curl: (N) …`, an HTTP
//! status line, the code `-w '%{http_code}'` writes) only once its
//! characters past ASCII are read as the reader sees them. curl prints no
//! such line, so it is a claim lab cannot read: named as a difference,
//! never read as a page's text (probe21an, finding 3: `curl\u{200b}: (7)
//! … refused`, `сurl` with a Cyrillic `с`, `HTTP/1.1 ５03`, `503\u{200b}`
//! were a page body, the curl `skipped`, and a chapter showing a failure
//! against a lab that answered passed). The twin of `ping_claims.rs`'s
//! rule; kept apart so that `curl.rs` and `curl_facts.rs` stay under 600
//! lines.
//!
//! The rule is general, not a table: the line [`fold`]ed, each character
//! past ASCII left in it may stand for any one of curl's characters (a
//! digit of another script, `⑤`, `٥`, for a digit at no cost; a space of
//! another kind for a space at no cost) or for none. A disguise changes a
//! few of a line's characters, so at most half of the line's own
//! characters (`curl: (N)`, `HTTP/` and its code, three digits) may be
//! stood for or stood between: text of another script (`Добро
//! пожаловать`, `第5章`) and a page's text past ASCII (`<title>Welcome to
//! nginx — ü</title>`) read as none of them and stay a page's.

use crate::book::lookalike::{fold, named_foreign};
use std::collections::HashSet;

/// Which of curl's own lines a book line reads as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Own {
    /// `curl: (N) message`.
    Error,
    /// `HTTP/1.1 503 Service Unavailable` (`< ` before it under `-v`).
    Status,
    /// Three digits alone on their line: the code `-w '%{http_code}'`
    /// writes.
    Code,
}

impl Own {
    fn what(self) -> &'static str {
        match self {
            Own::Error => "error line (`curl: (N) …`)",
            Own::Status => "HTTP status line (`HTTP/… NNN …`)",
            Own::Code => "status code as `-w '%{http_code}'` writes it",
        }
    }
}

/// What one character of curl's line is.
#[derive(Debug, Clone, Copy)]
enum Class {
    /// This character, in any case; `' '` any space.
    Is(char),
    Digit,
    /// Any but a space, at no cost (HTTP's version, `1.1`).
    Word,
}

/// One element of a line's shape.
#[derive(Debug, Clone, Copy)]
enum El {
    /// One character of a class; optional or not.
    One(Class, bool),
    /// A space or the line's end next, nothing taken.
    Boundary,
    /// Anything after.
    Rest,
}

/// The shapes of curl's own lines and their own characters' count.
fn shapes() -> &'static [(Own, Vec<El>, usize); 3] {
    static ALL: std::sync::LazyLock<[(Own, Vec<El>, usize); 3]> = std::sync::LazyLock::new(|| {
        let is = |t: &str| {
            t.chars()
                .map(|c| El::One(Class::Is(c), false))
                .collect::<Vec<_>>()
        };
        let opt = |c: Class, n: usize| vec![El::One(c, true); n];
        let digit = El::One(Class::Digit, false);
        let error = [
            is("curl: ("),
            vec![digit],
            opt(Class::Digit, 2),
            is(")"),
            vec![El::Rest],
        ]
        .concat();
        let status = [
            opt(Class::Is('<'), 1),
            opt(Class::Is(' '), 1),
            is("HTTP/"),
            opt(Class::Word, 8),
            is(" "),
            opt(Class::Is(' '), 3),
            vec![digit; 3],
            vec![El::Boundary, El::Rest],
        ]
        .concat();
        [
            (Own::Error, error, 9),
            (Own::Status, status, 9),
            (Own::Code, vec![digit; 3], 3),
        ]
    });
    &ALL
}

/// What `c` costs as a character of `class`: 0 as itself, 1 standing for
/// it (a character past ASCII), None where it cannot be one.
fn cost(class: Class, c: char) -> Option<usize> {
    match class {
        Class::Is(' ') if c.is_whitespace() => Some(0),
        Class::Is(want) if c.is_ascii() => c.eq_ignore_ascii_case(&want).then_some(0),
        Class::Digit if c.is_ascii() => c.is_ascii_digit().then_some(0),
        Class::Digit if c.is_numeric() => Some(0),
        Class::Word => (!c.is_whitespace()).then_some(0),
        _ => Some(1),
    }
}

/// Whether `line` (its characters) has the shape `shape` at a cost of at
/// most `budget`: each character past ASCII standing for one of the
/// shape's (see [`cost`]) or for none (1).
fn fits(line: &[char], shape: &[El], budget: usize) -> bool {
    fn go(
        l: &[char],
        p: &[El],
        b: usize,
        (n, m): (usize, usize),
        failed: &mut HashSet<(usize, usize, usize)>,
    ) -> bool {
        let key = (n - l.len(), m - p.len(), b);
        if failed.contains(&key) {
            return false;
        }
        let fit = match p.split_first() {
            Some((El::Rest, _)) => true,
            _ if l.first().is_some_and(|c| !c.is_ascii())
                && b > 0
                && go(&l[1..], p, b - 1, (n, m), failed) =>
            {
                true
            }
            None => l.is_empty(),
            Some((El::Boundary, tail)) => {
                l.first().is_none_or(|c| c.is_whitespace()) && go(l, tail, b, (n, m), failed)
            }
            Some((El::One(class, optional), tail)) => {
                (*optional && go(l, tail, b, (n, m), failed))
                    || l.split_first().is_some_and(|(c, rest)| {
                        cost(*class, *c)
                            .is_some_and(|k| k <= b && go(rest, tail, b - k, (n, m), failed))
                    })
            }
        };
        if !fit {
            failed.insert(key);
        }
        fit
    }
    go(
        line,
        shape,
        budget,
        (line.len(), shape.len()),
        &mut HashSet::new(),
    )
}

/// Which of curl's own lines `line` reads as, when it holds characters
/// past ASCII (which curl never prints in them): [`fold`]ed, at most half
/// of the shape's own characters stood for or stood between (see the
/// module's doc).
pub fn reads_as_curls(line: &str) -> Option<Own> {
    if line.is_ascii() {
        return None;
    }
    let seen = fold(line);
    let chars: Vec<char> = seen.trim().chars().collect();
    if chars.is_empty() {
        return None;
    }
    shapes()
        .iter()
        .find(|(_, shape, own)| fits(&chars, shape, own / 2))
        .map(|(own, ..)| *own)
}

/// The book lines of a curl's output that read as curl's own only past
/// ASCII ([`reads_as_curls`]), each named as a difference: a claim lab
/// cannot read, never a page's text.
pub fn not_curls_own_past_ascii(book: &[String]) -> Vec<String> {
    book.iter()
        .filter_map(|l| {
            let own = reads_as_curls(l)?;
            Some(format!(
                "curl: the book shows a line curl does not print, though it reads as curl's {} (it holds {}, which curl never prints there; the reader sees `{}`): `{}`",
                own.what(),
                named_foreign(l),
                fold(l).trim(),
                l.trim()
            ))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::{Own, not_curls_own_past_ascii, reads_as_curls};

    /// probe21an, finding 3: each line below was a page's text. Seen
    /// failing first, with `reads_as_curls` answering None for every line.
    #[test]
    fn lines_that_read_as_curls_own_past_ascii_are_named() {
        for (line, own) in [
            (
                "curl\u{200b}: (7) Failed to connect to 10.244.1.2 port 80: Connection refused",
                Own::Error,
            ),
            ("\u{0441}url: (7) Failed to connect", Own::Error),
            // Not in lookalike's table: a small capital, a circled digit.
            ("\u{1d04}url: (28) Operation timed out", Own::Error),
            ("curl: (\u{2466}) Failed to connect", Own::Error),
            ("curl:\u{00a0}(7) Failed to connect", Own::Error),
            ("HTTP/1.1 5\u{200b}03 Service Unavailable", Own::Status),
            ("HTTP/1.1 \u{ff15}03 Service Unavailable", Own::Status),
            ("HTTP/1.1 \u{2464}03 Service Unavailable", Own::Status),
            ("\u{0397}TTP/1.1 200 OK", Own::Status),
            ("< HTTP/1.1 5\u{200b}03 Service Unavailable", Own::Status),
            ("HTTP/2\u{2800}503", Own::Status),
            ("HTTP/1.1 503 Service Unavail\u{0430}ble", Own::Status),
            ("\u{ff15}03", Own::Code),
            ("503\u{200b}", Own::Code),
            ("5\u{0660}3", Own::Code),
            ("\u{2464}\u{24ea}\u{2462}", Own::Code),
            ("50\u{0417}", Own::Code),
            (
                "\u{1d04}\u{1d1c}\u{0280}\u{029f}: (7) Failed to connect",
                Own::Error,
            ),
        ] {
            assert_eq!(reads_as_curls(line), Some(own), "{}", line.escape_unicode());
            let d = not_curls_own_past_ascii(&[line.to_string()]);
            assert_eq!(d.len(), 1, "{d:?}");
            assert!(d[0].contains("U+"), "{d:?}");
        }
    }

    /// A page's text past ASCII, and curl's own lines in ASCII (read by
    /// the facts), are no such claim.
    #[test]
    fn a_pages_text_past_ascii_is_no_claim() {
        for line in [
            "<title>Welcome to nginx — ü</title>",
            "<h1>Willkommen bei nginx — Grüße</h1>",
            "Добро пожаловать",
            "日本語",
            "★★★",
            "—",
            "…",
            "\u{200b}",
            "© 2024 Ünternehmen",
            "nginx-deployment-node1-0 on node1 — ✓",
            "503 Service Unavailable — ü",
            "curl: (7) Failed to connect to 10.244.1.2 port 80: Connection refused",
            "HTTP/1.1 503 Service Unavailable",
            "503",
            "第5章",
            "東京: (3)",
            "Вход: (3)",
            "5ОЗ",
        ] {
            assert_eq!(reads_as_curls(line), None, "{line}");
        }
    }
}
