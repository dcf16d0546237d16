//! A ping's ICMP errors one by one: iputils' `From ADDR icmp_seq=N KIND`,
//! BSD's `N bytes from ADDR: KIND` (no number: the next echo's), ping's
//! own `ping: …` and other pings' words. Where neither the book nor the lab
//! shows a reply, every error the book shows is held against the lab's as
//! its replies would be: its words and sender, its echo counted from the
//! first, how many (probe21by, finding 1: only the first was, and a second
//! error of another kind or sender, one error repeated past the echoes
//! sent, a number going back and words after the kind all matched). How a
//! list of them, and a ping's facts as a whole (its replies too), is said in
//! a difference sentence is here too: the sentence keys a known-drift
//! entry, so it holds each one. Apart from
//! [`super::ping_facts`] (what a ping's output says) for its size.

use super::compare::squash;
use super::ping_facts::{ICMP_ERRORS, PingFacts, Reply, bytes_from, from_error, is_reply_rest};

/// One error line of a ping's output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IcmpError {
    /// Its words, all of them, and who sent it: `Time to live exceeded
    /// from 10.244.1.1`.
    pub said: String,
    /// The echo it answers as printed (iputils' `icmp_seq=N`).
    pub seq: Option<u32>,
    /// Whether it is an echo's error (iputils' or BSD's line), not ping's
    /// own message or another ping's words.
    pub of_echo: bool,
}

/// Every error line of a ping's output, in order (the statistics' `+N
/// errors` is a count, not a line: [`super::ping_facts::ping_facts`]
/// reads it).
pub fn errors(lines: &[String]) -> Vec<IcmpError> {
    lines
        .iter()
        .filter_map(|l| {
            let t = squash(l);
            let t = t.trim();
            let said = error_of(t)?;
            let iputils = from_error(t).is_some();
            let seq = iputils
                .then(|| {
                    t.split_whitespace().find_map(|w| {
                        ["icmp_seq=", "icmp_req="]
                            .iter()
                            .find_map(|p| w.to_lowercase().strip_prefix(p)?.parse().ok())
                    })
                })
                .flatten();
            Some(IcmpError {
                said,
                seq,
                of_echo: iputils || bytes_from(t).is_some(),
            })
        })
        .collect()
}

/// Each error's echo counted from the first error's (1), as a reply's
/// icmp_seq is: one without a number (BSD's) is the echo after the last;
/// None for one that is no echo's.
fn echoes(errors: &[IcmpError]) -> Vec<Option<i64>> {
    let mut first: Option<i64> = None;
    let mut last: Option<i64> = None;
    errors
        .iter()
        .map(|e| {
            if !e.of_echo {
                return None;
            }
            let n = e
                .seq
                .map(i64::from)
                .unwrap_or_else(|| last.map_or(1, |s| s + 1));
            last = Some(n);
            let first = *first.get_or_insert(n);
            Some(n - first + 1)
        })
        .collect()
}

/// A list of errors as a difference sentence says it: one by its words
/// and sender; several counted, each with its echo of the run.
pub fn describe(errors: &[IcmpError]) -> String {
    if let [one] = errors {
        return one.said.clone();
    }
    let each: Vec<String> = errors
        .iter()
        .zip(echoes(errors))
        .map(|(e, n)| match n {
            Some(n) => format!("{} (echo {n} of the run)", e.said),
            None => e.said.clone(),
        })
        .collect();
    format!("{} ICMP errors: {}", errors.len(), each.join(", "))
}

/// Whether the book's errors are the lab's: as many, each with the same
/// words, sender and echo of the run; where the book cut its output
/// (`cut`), each it shows among the lab's, in order.
pub fn agree(book: &[IcmpError], lab: &[IcmpError], cut: bool) -> bool {
    if cut {
        let mut theirs = lab.iter();
        return book.iter().all(|b| theirs.any(|l| l.said == b.said));
    }
    book.len() == lab.len()
        && book.iter().zip(lab).all(|(b, l)| b.said == l.said)
        && echoes(book) == echoes(lab)
}

/// The book's error lines in iputils' form with a colon after the sender
/// (`From 10.244.1.1: icmp_seq=1 Time to live exceeded`): iputils prints
/// an echo's error as `From ADDR icmp_seq=N KIND`, the colon only on a
/// redirect or a source quench (and on kernels before 2.4.9), so such a
/// line is no line the reader's ping prints (probe21by, finding 1: it
/// matched, the colon dropped).
pub fn misformed(book: &[String]) -> Vec<String> {
    book.iter()
        .filter_map(|l| {
            let t = squash(l);
            let t = t.trim();
            let (_, words) = from_error(t)?;
            let sender = t.split_whitespace().nth(1)?;
            let redirect = ["redirect", "source quench"]
                .iter()
                .any(|k| words.to_lowercase().starts_with(k));
            (sender.ends_with(':') && !redirect).then(|| {
                format!(
                    "ping: the book shows `{t}`, an error line no ping prints: iputils writes an echo's error as `From ADDR icmp_seq=N KIND`, with a colon after the sender only on a redirect or a source quench"
                )
            })
        })
        .collect()
}

/// The error a line of a ping's output shows, with who sent it
/// (`Time to live exceeded from 10.244.1.1`): its words as written, all of
/// them (`… (DUP!)`, `… after 30 hops` are no error's words a ping prints,
/// and read as the kind they open with they matched: probe21by, finding
/// 1); another ping's words for none; a line naming a kind lab knows in
/// another form; ping's own `ping: …` message.
pub(super) fn error_of(t: &str) -> Option<String> {
    let lower = t.to_lowercase();
    if super::ping_claims::no_reply_in_other_words(t) {
        super::ping_claims::error_in_other_words(t)
    } else if let Some((from, words)) = from_error(t) {
        Some(format!("{words} from {from}"))
    } else if let Some((from, rest)) = bytes_from(t).filter(|(_, r)| !is_reply_rest(r)) {
        Some(format!("{} from {from}", rest.trim()))
    } else if let Some(kind) = ICMP_ERRORS
        .iter()
        .find(|k| lower.contains(&k.to_lowercase()))
    {
        let from = t
            .split_whitespace()
            .skip_while(|w| !w.eq_ignore_ascii_case("from"))
            .nth(1)
            .map(|w| w.trim_end_matches(':').to_string())
            .unwrap_or_default();
        Some(format!("{kind} from {from}"))
    } else if lower.starts_with("ping: ") {
        Some(t.to_string())
    } else {
        None
    }
}

/// What a ping's output shows, as a difference sentence says it: every
/// reply (who answered, its TTL, ping's marks) and every error (its words,
/// who sent it, its echo), so that the sentence a known-drift entry is
/// keyed by holds them, and a book that shows another responder, count or
/// error is a new difference (probe21by, finding 2: "a reply" stayed known
/// whatever the book showed after it was blessed).
impl std::fmt::Display for PingFacts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let reply = |r: &Reply| {
            let mut s = String::new();
            if let Some(t) = r.ttl {
                s.push_str(&format!(" with ttl {t}"));
            }
            s.push_str(&format!(" from {}", r.from));
            if !r.marks.is_empty() {
                s.push_str(&format!(" {}", r.marks));
            }
            s
        };
        match (self.reply, self.replies.as_slice(), &self.error) {
            (true, [one], _) => write!(f, "a reply{}", reply(one))?,
            (true, [], _) => match self.ttl {
                Some(t) => write!(f, "a reply with ttl {t}")?,
                None => write!(f, "a reply")?,
            },
            (true, many, _) => {
                let each: Vec<String> = many.iter().map(|r| reply(r).trim().to_string()).collect();
                write!(f, "{} replies: {}", many.len(), each.join(", "))?
            }
            (false, _, _) if !self.errors.is_empty() => {
                return write!(f, "no reply: {}", describe(&self.errors));
            }
            (false, _, Some(e)) => return write!(f, "no reply: {e}"),
            (false, _, None) => return write!(f, "no reply and no ICMP error"),
        }
        match self.errors.as_slice() {
            [] => Ok(()),
            [one] => write!(f, " and an ICMP error: {}", one.said),
            many => write!(f, " and {}", describe(many)),
        }
    }
}

#[cfg(test)]
#[path = "ping_errors_tests.rs"]
mod tests;
