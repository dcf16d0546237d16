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
    is_pings_own(&t) || PINGS_WORDS.iter().any(|w| t.contains(w)) || reads_as_pings(&t)
}

/// The words of ping's own lines a claim is known by.
const PINGS_WORDS: [&str; 10] = [
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
];

/// Whether `t` (folded, lowercase) holds characters past ASCII, which ping
/// never prints, and reads as ping's words once each of them is taken for
/// any one ASCII character or for none (`frօm`, `ⅰcmp_seq`, `ttⅼ=`,
/// `bytes\u{2800}from`, a combining mark): whatever the characters, not a
/// table of them (probe21al, finding 1: such a reply was "nothing to
/// compare" and the block passed).
fn reads_as_pings(t: &str) -> bool {
    static WORDS: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        let word = |w: &str| {
            w.chars()
                .map(|c| format!("(?:{}|[^\\x00-\\x7F]+)", regex::escape(&c.to_string())))
                .collect::<Vec<_>>()
                .join("[^\\x00-\\x7F]*")
        };
        let all: Vec<String> = PINGS_WORDS.iter().map(|w| word(w)).collect();
        regex::Regex::new(&all.join("|")).expect("ping's words")
    });
    !t.is_ascii() && WORDS.is_match(t)
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
            let past_ascii;
            let why = if is_pings_own(&seen) {
                super::lookalike::DISGUISED
            } else if is_pings_own(&seen.to_lowercase()) {
                "its letters' case is not ping's"
            } else if reads_as_pings(&seen.to_lowercase()) {
                past_ascii = format!(
                    "it holds {}, which ping never prints",
                    super::lookalike::named_foreign(&seen)
                );
                &past_ascii
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
