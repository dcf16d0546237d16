//! What a ping's book lines claim beyond the facts [`super::ping_facts`]
//! reads: a line saying no reply came, a line saying what ping says, and
//! the lines ping does not print, named ([`super::compare`] re-exports
//! them; kept apart so that `compare.rs` stays under 600 lines).

use super::compare::{is_elision, is_pings_own};
use super::lookalike::fold;

/// Whether a book line is ping's own, saying no reply came (its header,
/// its statistics, a timeout), unlike the author's `[output omitted]`.
pub fn tells_no_reply(line: &str) -> bool {
    let t = line.trim().to_lowercase();
    t.starts_with("ping ")
        || [
            "packets transmitted",
            "ping statistics",
            "request timeout",
            "request timed out",
        ]
        .iter()
        .any(|w| t.contains(w))
}

/// Whether a book line under a ping says what ping's lines say, read as
/// the reader sees it ([`fold`]ed, in any case): a reply's, an error's or
/// the statistics' words (`bytes from`, `icmp_seq`, `ttl=`, `received`,
/// `unreachable`). Such a line that is no line of ping's ([`is_pings_own`])
/// is a claim lab cannot read, named even where nothing else is compared;
/// the author's own words (`Output omitted for brevity`) claim nothing
/// (probe21aj, finding 1).
pub fn says_what_ping_says(line: &str) -> bool {
    let t = fold(line).to_lowercase();
    is_pings_own(&t)
        || [
            "bytes from",
            "icmp_seq",
            "icmp_req",
            "ttl=",
            "time=",
            "transmitted",
            "received",
            "packet loss",
            "unreachable",
            "exceeded",
        ]
        .iter()
        .any(|w| t.contains(w))
}

/// The book lines of a ping's output ping does not print
/// ([`is_pings_own`]) and no cut mark ([`is_elision`]): a ping is compared
/// by its replies and statistics, so such a line (the author's words, a
/// command the reader types read as output) was passed over, and a block
/// with it was `match` (probe21ab, rule A).
///
/// A line the reader sees as ping's own (once [`fold`]ed: a zero-width
/// space in `bytes`, a Cyrillic `у`, a fullwidth `６`) says so: ping never
/// prints it, and what it claims lab cannot read (probe21aj, finding 1).
/// One the reader sees blank is blank.
pub fn not_pings_own(book: &[String]) -> Vec<String> {
    book.iter()
        .filter(|l| !fold(l).trim().is_empty() && !is_elision(l) && !is_pings_own(l))
        .map(|l| {
            let seen = fold(l);
            let why = if is_pings_own(&seen) {
                super::lookalike::DISGUISED
            } else if is_pings_own(&seen.to_lowercase()) {
                "its letters' case is not ping's"
            } else {
                return format!("ping: the book shows a line ping does not print: `{}`", l.trim());
            };
            format!(
                "ping: the book shows a line ping does not print, though it reads as ping's own ({why}): `{}`",
                l.trim()
            )
        })
        .collect()
}
