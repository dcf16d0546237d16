//! A ping (or a capture) piped to grep: the lines grep keeps, the book's
//! lines grep would not print, and what the book's grepped lines say came
//! back held against the lab's whole output. Apart from [`super::ping_facts`]
//! (what a ping's output says) for its size: grep's reading is its own.

use super::compare::squash;
use super::ping_facts::{bytes_from, counts, from_error, ping_facts, replies, replies_and_counts};

/// The lines `grep PATTERN` (`-i`: `ignore_case`) keeps of `lines`. The
/// pattern is one word recognition let through (no quote, bracket, star,
/// backslash nor `$`): its `.` is any character and a leading `^` anchors
/// it, as grep reads them; every other character is itself.
pub fn grep_keeps(lines: &[String], pattern: &str, ignore_case: bool) -> Vec<String> {
    let keeps = matcher(pattern, ignore_case);
    lines.iter().filter(|l| keeps(l)).cloned().collect()
}

/// The longest pattern lab reads after `| grep` (in characters): a
/// chapter chose its length, and each line compared costs as much again
/// (probe21cc: 2,000 characters over 1,000 lines took 3.9 s of CPU, and
/// longer ones hours). Patterns books pipe to are a word or two.
pub const PATTERN_MAX: usize = 256;

/// `pattern` after `| grep` as lab reads it, or why lab does not.
pub fn read_pattern(pattern: &str) -> Result<String, String> {
    match pattern.chars().count() {
        n if n > PATTERN_MAX => Err(format!(
            "grep with a pattern of {n} characters: lab reads patterns of up to {PATTERN_MAX}"
        )),
        _ => Ok(pattern.to_string()),
    }
}

/// Whether grep prints a line, `pattern` compiled once.
fn matcher(pattern: &str, ignore_case: bool) -> impl Fn(&str) -> bool {
    let (anchor, rest) = match pattern.strip_prefix('^') {
        Some(rest) => ("^", rest),
        None => ("", pattern),
    };
    let body = regex::escape(rest).replace("\\.", ".");
    let flags = if ignore_case { "(?i)" } else { "" };
    let re = regex::Regex::new(&format!("{flags}{anchor}{body}")).ok();
    let literal = pattern.to_string();
    move |l: &str| match &re {
        Some(re) => re.is_match(l),
        // An escaped word is a valid pattern; were it not, grep's
        // literal reading is the nearest.
        None => l.contains(&literal),
    }
}

/// The lines of `book` (the output shown under `INNER | grep P`) that grep
/// would not have printed, each a difference: grep prints only the lines P
/// matches. What the inner program writes to stderr bypasses the pipe (its
/// own `ping: ...`/`tcpdump: ...` messages, a capture's `listening on`), as
/// do cuts and blank lines.
pub fn lines_grep_drops(
    book: &[String],
    inner: &crate::book::recognize::Cmd,
    pattern: &str,
    ignore_case: bool,
) -> Vec<String> {
    let program = inner.shape().split(' ').next().unwrap_or_default();
    let on_stderr = |l: &str| {
        let t = l.trim();
        t.starts_with(&format!("{program}:"))
            || (program == "tcpdump" && t.starts_with("listening on "))
    };
    let keeps = matcher(pattern, ignore_case);
    book.iter()
        .filter(|l| !l.trim().is_empty() && !super::compare::is_elision(l) && !on_stderr(l))
        .filter(|l| !keeps(l))
        .map(|l| {
            format!(
                "the book shows `{}` under `| grep {pattern}`, which grep does not print",
                l.trim()
            )
        })
        .collect()
}

/// Whether a line of ping's says something of what came back: a reply, an
/// ICMP error, a timeout, its statistics, its own `ping: ...` error.
fn tells_what_came(line: &str) -> bool {
    let t = squash(line);
    let lower = t.trim().to_lowercase();
    bytes_from(t.trim()).is_some()
        || from_error(t.trim()).is_some()
        || lower.starts_with("request timeout")
        || lower.starts_with("ping: ")
        || lower.contains("packets transmitted")
}

/// A ping piped to grep: the book shows the lines its grep kept, the lab
/// ran the ping alone (`full`) and kept the same (`kept`). What the book's
/// lines say came back (a reply, an error, the statistics' counts) is held
/// against the lab's whole output: read from what grep left, a reply the
/// grep dropped was "no reply" (`| grep 100%` matched a lab that got one:
/// the seventeenth probe of issue 21). Then the kept lines are compared as
/// the book shows them.
pub fn grepped_ping(book: &[String], full: &[String], kept: &[String]) -> Vec<String> {
    let shown: Vec<&String> = book.iter().filter(|l| !l.trim().is_empty()).collect();
    let mut d = Vec::new();
    if shown.iter().any(|l| tells_what_came(l)) {
        let (bf, lf) = (ping_facts(book), ping_facts(full));
        let differs = bf.reply != lf.reply
            || (bf.reply && bf.ttl.is_some() && bf.ttl != lf.ttl)
            || (bf.error.is_some() && bf.error != lf.error);
        if differs {
            d.push(format!(
                "ping: the book's grep shows {bf}; the lab's ping (its whole output) shows {lf}"
            ));
        }
        if let Some((bt, br)) = counts(book) {
            match counts(full) {
                Some(l) if l == (bt, br) => {}
                Some((lt, lr)) => d.push(format!(
                    "ping: the book counts {br} received of {bt} transmitted; the lab {lr} of {lt}"
                )),
                None => d.push(format!(
                    "ping: the book counts {br} received of {bt} transmitted; the lab's ping shows no statistics"
                )),
            }
        }
        if d.is_empty() && !replies(book).is_empty() {
            d.extend(replies_and_counts(book, kept));
        }
    }
    // The header, the statistics title and the loss the grep kept are the
    // lab's whole ping's to compare with (`| grep loss` showing `0%` matched
    // a lab that lost every echo: probe21ay, finding 5).
    d.extend(super::compare_ping_lines::header_and_statistics(book, full));
    d.extend(super::compare_ping_lines::unprintable_numbers(book));
    if !shown.is_empty() && kept.iter().all(|l| l.trim().is_empty()) && d.is_empty() {
        d.push(format!(
            "grep keeps none of the lab's ping lines (the lab's ping shows {})",
            ping_facts(full)
        ));
    }
    d
}
