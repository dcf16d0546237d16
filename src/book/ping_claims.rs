//! What a ping's book lines claim beyond the facts [`super::ping_facts`]
//! reads: a line saying no reply came, a line saying what ping says, and
//! the lines ping does not print, named, and other pings' words for "no
//! reply came" (Windows', Solaris', iputils' `-O`) ([`super::compare`]
//! re-exports them; kept apart so that `compare.rs` stays under 600
//! lines).

use super::compare::{is_elision, is_pings_own, squash};
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
        || no_reply_in_other_words(line)
}

/// Whether a book line is one some ping prints to say no reply came, in
/// words other than iputils' and BSD's, as a whole line (a sentence that
/// merely holds the words is the author's): Windows' `Request timed out.`,
/// `Destination host unreachable.`, `General failure.`, `Transmit
/// failed. General failure.`, `TTL expired in transit.` (alone or after
/// `Reply from ADDR: `), Solaris' `no answer from ADDR`, iputils' `-O`
/// `no answer yet for icmp_seq=N`. Such a line is no reply, compared as
/// such: read as no line of ping's, a header above it was "none of the
/// command's own lines" and the block skipped into a pass (probe21ba,
/// finding 4).
pub fn no_reply_in_other_words(line: &str) -> bool {
    static FORMS: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(concat!(
            r"^(?:(?:reply from \S+: )?(?:request timed out|general failure",
            r"|transmit failed(?:\. general failure)?|hardware error",
            r"|ttl expired in transit",
            r"|destination (?:host|net|network|port|protocol) unreachable)\.?",
            r"|no answer from \S+|no answer yet for icmp_seq=\d+)$",
        ))
        .expect("other pings' words")
    });
    FORMS.is_match(&squash(line).trim().to_lowercase())
}

/// What a ping's other words (`no_reply_in_other_words`) say came back
/// instead of a reply, as [`super::ping_facts`] names errors: Windows' `TTL
/// expired in transit` is ICMP's time exceeded, its `Destination host
/// unreachable` iputils' words, its local failures their own; a timeout
/// says nothing came (`None`).
pub fn error_in_other_words(line: &str) -> Option<String> {
    if !no_reply_in_other_words(line) {
        return None;
    }
    let t = squash(line).trim().to_lowercase();
    let (from, said) = match t.strip_prefix("reply from ") {
        Some(rest) => rest.split_once(": ")?,
        None => ("", t.as_str()),
    };
    let said = said.trim_end_matches('.');
    let kind = if said == "ttl expired in transit" {
        "Time to live exceeded".to_string()
    } else if let Some(what) = said
        .strip_prefix("destination ")
        .and_then(|w| w.strip_suffix(" unreachable"))
    {
        let what = if what == "network" { "net" } else { what };
        format!(
            "Destination {}{} Unreachable",
            what[..1].to_uppercase(),
            &what[1..]
        )
    } else if said.starts_with("request timed out") || said.starts_with("no answer") {
        return None;
    } else {
        said.to_string()
    };
    Some(if from.is_empty() {
        kind
    } else {
        format!("{kind} from {from}")
    })
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
    not_pings_own_of(book.iter())
}

/// The lines of a ping's output lab cannot read where the book cut or
/// replaced the rest: below ping's own header, every line that is neither ping's nor a
/// cut nor the author's note of one (`Output omitted for brevity`) is a
/// claim about what came of the ping (Windows' `Timeout.`, `x x x`), named,
/// never passed over (probe21ba, finding 4: a header and `Request timed
/// out.` were skipped as "none of the command's own lines"). With no
/// header, only a line that says what ping says ([`says_what_ping_says`]).
pub fn lines_lab_cannot_read(book: &[String]) -> Vec<String> {
    let headed = book.iter().any(|l| {
        let t = squash(l).trim().to_lowercase();
        t.starts_with("ping ") && (t.contains("bytes of data") || t.contains("data bytes"))
    });
    not_pings_own_of(
        book.iter()
            .filter(|l| says_what_ping_says(l) || (headed && !is_authors_words(l))),
    )
}

/// Whether a line is the author's words for a cut, bracketed or not
/// (`Output omitted for brevity`).
fn is_authors_words(line: &str) -> bool {
    super::compare::is_authors_note(line.trim())
}

fn not_pings_own_of<'a>(book: impl Iterator<Item = &'a String>) -> Vec<String> {
    book.filter(|l| !fold(l).trim().is_empty() && !is_elision(l) && !is_pings_own(l))
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

#[cfg(test)]
#[path = "ping_claims_tests.rs"]
mod tests;
