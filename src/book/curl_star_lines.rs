//! Every `* ` line of curl's (its `-v` account of the connection) the book
//! shows, read or named (probe21by, finding 3: only `Trying` and
//! `Connected to` were read, so `* Recv failure: Connection reset by
//! peer`, `* transfer closed with 585 bytes remaining to read`, `* connect
//! to … failed`, a proxy's line and `left intact` naming another host
//! each passed as a plain `match`). Apart from `curl.rs` for its size.
//!
//! Each line is, in this order:
//! - the same words as a `* ` line of the lab's curl (addresses bound):
//!   compared, and agreeing;
//! - a failure (a reset, a refusal, a timeout, an unreachable network, a
//!   transfer cut short, an empty reply, or any line saying `failed`,
//!   `failure`, `fail`, `error`, `aborted`): a claim that the connection or
//!   the transfer failed, held against the lab's curl's outcome (its exit
//!   and its own lines, by meaning);
//! - a line naming the host or address curl reached (`Connection #0 to
//!   host H left intact`, and a failure's `connect to ADDR`, `Immediate
//!   connect fail for ADDR`): its address held against the one the lab's
//!   curl reached;
//! - `Trying ADDR…` and `Connected to NAME (ADDR) port P (#N)` in curl's
//!   own form (compared by [`super::peers`]), `Closing connection N`
//!   (the connection's end, no claim); `Connected to` (curl 8's form too)
//!   also claims a connection was made: where the lab's curl made none
//!   (its own lines say so), it drifts (probe21ca FV2); so do curl's
//!   timeout once connected, `Operation timed out after … bytes received`
//!   (a `* ` line or its `curl: (28)` line), and `left intact` (probe21cb
//!   F2), and every line whose meaning needs a connection: a read or a
//!   write on it failed (`Recv failure`, `Send failure`, exit 56/55), no
//!   reply on it (exit 52), a cut answer (18), another exit curl gives
//!   only past its connect, a request sent (`> `, `Request completely sent
//!   off`) or an answer read (`< `, `Mark bundle as …`) (probe21cd G3,
//!   lesser 4: a `Recv failure: Connection timed out` matched a lab curl
//!   whose connect timed out, by its timeout words);
//! - anything else (a proxy, TLS on plain http, curl's own notes lab does
//!   not read): named as not compared, so its command is no `match`.

use super::facts::Facts;

/// What a failure line of curl's says went wrong, by meaning.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fault {
    Reset,
    Cut,
    TimedOut,
    Refused,
    NoRoute,
    Empty,
    Other,
}

impl Fault {
    fn said(self) -> &'static str {
        match self {
            Fault::Reset => "the connection was reset",
            Fault::Cut => "the transfer was cut short",
            Fault::TimedOut => "it timed out",
            Fault::Refused => "the connection was refused",
            Fault::NoRoute => "the network or host was unreachable",
            Fault::Empty => "the server sent nothing",
            Fault::Other => "something failed",
        }
    }

    /// Whether the lab's curl's failure (by [`Facts`]) is this one.
    fn agrees(self, lab: &Facts) -> bool {
        use super::Failure::*;
        matches!(
            (self, &lab.failure),
            (Fault::TimedOut, Some(TimedOut))
                | (Fault::Refused, Some(Refused | CouldNotConnect))
                | (Fault::NoRoute, Some(NoRoute | CouldNotConnect))
        )
    }
}

/// The failure a `* ` line's words (lowercase) say, if any.
fn fault(low: &str) -> Option<Fault> {
    let has = |ws: &[&str]| ws.iter().any(|w| low.contains(w));
    let word = |ws: &[&str]| {
        low.split(|c: char| !c.is_ascii_alphanumeric())
            .any(|w| ws.contains(&w))
    };
    Some(if has(&["reset"]) {
        Fault::Reset
    } else if has(&["bytes remaining", "transfer closed", "partial file"]) {
        Fault::Cut
    } else if has(&["timed out", "timeout"]) {
        Fault::TimedOut
    } else if has(&["refused"]) {
        Fault::Refused
    } else if has(&["unreachable", "no route"]) {
        Fault::NoRoute
    } else if has(&["empty reply"]) {
        Fault::Empty
    } else if word(&[
        "fail", "failed", "failure", "error", "aborted", "abort", "couldn", "cannot", "unable",
    ]) {
        Fault::Other
    } else {
        return None;
    })
}

/// The address a `* ` line names as the host curl reached or tried, if it
/// is one of the forms that name it: `Connection #N to host H left
/// intact`, `connect to ADDR port P failed…`, `Immediate connect fail for
/// ADDR: …`, `Failed to connect to ADDR port P…`.
fn named_host(said: &str) -> Option<&str> {
    let low = said.to_ascii_lowercase();
    let after = |k: &str| low.find(k).map(|i| &said[i + k.len()..]);
    let host = if low.starts_with("connection #") && low.ends_with(" left intact") {
        after(" to host ")?
    } else {
        after("immediate connect fail for ")
            .or_else(|| after("failed to connect to "))
            .or_else(|| {
                low.starts_with("connect to ")
                    .then(|| &said["connect to ".len()..])
            })?
    };
    let word = host.split_whitespace().next()?;
    Some(word.trim_end_matches([':', ',']))
}

/// `Trying ADDR[:P]...`, `Connected to NAME (ADDR) port P[ (#N)]`,
/// `Closing connection [#]N` as curl prints them, nothing after them.
fn curls_own_form(said: &str) -> bool {
    static FORM: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(
            r"^(?:Trying [0-9.]+(?::\d+)?\.\.\.|Connected to \S+ \([0-9.]+\) port \d+(?: \(#\d+\))?|Closing connection #?\d+)$",
        )
        .expect("curl's lines")
    });
    FORM.is_match(said)
}

/// Whether a `* ` line's words (lowercase) say a connection was made:
/// `Connected to NAME (ADDR) port P[ (#N)]` (curl 8 without `(#N)`),
/// `Established connection to …`.
fn connected_claim(low: &str) -> bool {
    low.starts_with("connected to ") || low.starts_with("established connection to ")
}

/// Whether words of curl's (a `* ` line's, or its `curl: (N)` error's
/// message; lowercase) are its timeout once connected: `Operation timed
/// out after N milliseconds with M [out of T] bytes received`. curl says
/// so only past the connect phase; there it says `Connection timed out
/// after …` (lib/multi.c), or an old curl `Failed to connect … timed out`
/// (probe21cb F2: it passed against a lab curl that never connected).
fn transfer_timeout(low: &str) -> bool {
    low.contains("operation timed out after") && low.contains("bytes received")
}

/// Whether a `* ` line's words (lowercase) say a connection was kept
/// after a transfer: `Connection #N to host H left intact`.
fn left_intact(low: &str) -> bool {
    low.starts_with("connection #") && low.ends_with(" left intact")
}

/// What a line of curl's that claims a connection was made says, for the
/// difference sentence, if it claims one (`low`: its words, lowercase).
fn connection_said(low: &str) -> Option<&'static str> {
    if connected_claim(low) {
        Some("says curl connected")
    } else if transfer_timeout(low) {
        Some(TIMEOUT_ONCE_CONNECTED)
    } else if left_intact(low) {
        Some("says curl connected and kept the connection after a transfer")
    } else {
        connected_failure(low).or_else(|| exchange(low))
    }
}

const TIMEOUT_ONCE_CONNECTED: &str =
    "is curl's timeout once connected (it connected, then waited for data)";

/// What words of curl's (a `* ` line's, or its `curl: (N)` error's
/// message; lowercase) say failed on a connection made, if they say one
/// (probe21cd G3: `Recv failure: Connection timed out` matched a lab curl
/// whose connect timed out, by its timeout words): a read or a write on
/// it (`Recv failure: …`, `Send failure: …`, and curl's own `Failure when
/// receiving data from the peer`, `Failed sending data to the peer`), a
/// reply that never came on it (`Empty reply from server`) or was cut.
fn connected_failure(low: &str) -> Option<&'static str> {
    let has = |ws: &[&str]| ws.iter().any(|w| low.contains(w));
    Some(if has(&["recv failure", "failure when receiving data"]) {
        "says curl connected, then receiving on the connection failed"
    } else if has(&["send failure", "failed sending data"]) {
        "says curl connected, then sending on the connection failed"
    } else if has(&["empty reply from server"]) {
        "says curl connected, sent its request and the server closed the connection without a reply"
    } else if has(&["transfer closed with", "bytes remaining to read"]) {
        "says curl connected and the answer was cut short"
    } else {
        return None;
    })
}

/// What a `* ` line of curl -v's that it prints only on a connection made
/// says (probe21cd lesser 4: they left the curl `skipped`): its request
/// sent (`Request completely sent off`, `upload completely sent off`), an
/// answer's headers read (`Mark bundle as [not supporting] multiuse`,
/// `HTTP 1.0, assume close after body`, `HTTP/1.1 … persistent
/// connection`).
fn exchange(low: &str) -> Option<&'static str> {
    let starts = |ws: &[&str]| ws.iter().any(|w| low.starts_with(w));
    if starts(&["request completely sent off", "upload completely sent off"]) {
        Some("says curl sent its request (so it connected)")
    } else if starts(&[
        "mark bundle as",
        "http 1.0, assume close",
        "http 1.1 or later with persistent",
    ]) {
        Some("says curl read an answer's headers (so it connected)")
    } else {
        None
    }
}

/// What curl's error (`curl: (N) message`; `low` the message, lowercase)
/// says of a connection made, if its meaning needs one: a timeout once
/// connected, a failure on the connection ([`connected_failure`]), or an
/// exit curl gives only past its connect (a reply it could not read, an
/// HTTP error, TLS on the connection, too many redirects).
fn error_needs_connection(n: i32, low: &str) -> Option<&'static str> {
    if transfer_timeout(low) {
        return Some(TIMEOUT_ONCE_CONNECTED);
    }
    connected_failure(low).or(match n {
        56 => Some("says curl connected, then receiving on the connection failed"),
        55 => Some("says curl connected, then sending on the connection failed"),
        52 => Some("says curl connected, sent its request and the server closed the connection without a reply"),
        18 => Some("says curl connected and the answer was cut short"),
        8 | 16 | 22 | 35 | 47 | 92 => Some("says curl connected (curl gives this error only past its connect)"),
        _ => None,
    })
}

/// The first line of curl -v's marks the book shows (`> ` what it sent,
/// `< ` what it read, a bare mark too) and what it says of a connection
/// made: a request sent, an answer read.
fn first_marked(book: &[String]) -> Vec<(String, &'static str)> {
    let mut out: Vec<(String, &'static str)> = Vec::new();
    for (mark, said) in [
        ('>', "says curl sent its request (so it connected)"),
        ('<', "says curl read an answer (so it connected)"),
    ] {
        let first = book.iter().map(|l| l.trim()).find(|t| {
            t.strip_prefix(mark)
                .is_some_and(|r| r.is_empty() || r.starts_with([' ', '\t']))
        });
        if let Some(t) = first.filter(|t| t.len() > 1) {
            out.push((crate::book::compare::squash(t), said));
        }
    }
    out
}

/// The lab's curl's own line of why it failed (its `curl: (N)` line, else
/// its last `* ` line saying a failure), for the difference sentence.
fn labs_failure_line(lab: &[String]) -> Option<String> {
    let own = |l: &&String| l.trim().starts_with("curl: (");
    let star_fault = |l: &&String| star(l).is_some_and(|s| fault(&s.to_lowercase()).is_some());
    lab.iter()
        .find(own)
        .or_else(|| lab.iter().rev().find(star_fault))
        .map(|l| crate::book::compare::squash(l.trim()))
}

/// Whether the lab's curl (its lines, its `* ` lines' words, its exit)
/// never made a connection: it failed, and with `-v` no line of it says it
/// connected; without, its error is one of connecting (exit 6 or 7, `Failed
/// to connect`, `Connection timed out`, `Couldn't connect`, `Could not
/// resolve`).
fn never_connected(lab: &[String], stars: &[String], code: i32) -> bool {
    if code == 0 {
        return false;
    }
    if !stars.is_empty() {
        return !stars.iter().any(|s| connected_claim(&s.to_lowercase()));
    }
    let error = lab
        .iter()
        .find_map(|l| l.trim().strip_prefix("curl: ("))
        .map(str::to_lowercase)
        .unwrap_or_default();
    matches!(code, 6 | 7)
        || [
            "failed to connect",
            "connection timed out",
            "couldn't connect",
            "could not resolve",
        ]
        .iter()
        .any(|w| error.contains(w))
}

/// The words of a `* ` line, spaces squashed; None for a line that is none.
fn star(l: &str) -> Option<String> {
    let t = l.trim();
    let rest = t.strip_prefix('*')?;
    (rest.is_empty() || rest.starts_with([' ', '\t'])).then(|| crate::book::compare::squash(rest))
}

/// The book's `* ` lines read against the lab's curl (`lab` its lines,
/// `code` its exit, `facts` its facts): the differences, and the lines
/// named as not compared.
pub(super) fn read(
    book: &[String],
    lab: &[String],
    code: i32,
    facts: &Facts,
) -> (Vec<String>, Vec<String>) {
    let labs: Vec<String> = lab.iter().filter_map(|l| star(l)).collect();
    let reached = super::peers::peer(lab).map(|p| match p.split_once(':') {
        Some((a, _)) => a.to_string(),
        None => p,
    });
    let (mut d, mut u) = (Vec::new(), Vec::new());
    let unconnected = never_connected(lab, &labs, code);
    let labs_own = labs_failure_line(lab)
        .map(|l| format!(" (`{l}`)"))
        .unwrap_or_default();
    // curl's error line, `curl: (28) Operation timed out after … bytes
    // received`, says so with `-v` or without it.
    // So do its other errors whose meaning needs a connection (probe21cd
    // G3: `curl: (56) Recv failure: Connection timed out`), and curl -v's
    // request and answer lines (lesser 4); the exits differ too.
    for l in book {
        let t = crate::book::compare::squash(l.trim());
        let Some((n, msg)) = super::facts::error_line(&t) else {
            continue;
        };
        if let (true, Some(what)) = (unconnected, error_needs_connection(n, &msg.to_lowercase()))
            && !lab
                .iter()
                .any(|x| crate::book::compare::squash(x.trim()) == t)
        {
            let exits = if n == code {
                String::new()
            } else {
                format!(" (curl exits {n} for it)")
            };
            let labs_exit = match (n == code, labs_own.strip_suffix(')')) {
                (false, Some(own)) => format!("{own}, exit {code})"),
                (false, None) => format!(" (exit {code})"),
                (true, _) => labs_own.clone(),
            };
            d.push(format!(
                "curl: the book's `{t}` {what}{exits}; the lab's curl never connected{labs_exit}: {facts}"
            ));
        }
    }
    if unconnected {
        for (t, what) in first_marked(book) {
            d.push(format!(
                "curl: the book's `{t}` {what}; the lab's curl never connected{labs_own}: {facts}"
            ));
        }
    }
    for said in book.iter().filter_map(|l| star(l)) {
        if said.is_empty() || labs.contains(&said) {
            continue;
        }
        let low = said.to_lowercase();
        // A connection made, where the lab's curl made none, is another
        // failure than the lab's (probe21ca FV2: connected, then the
        // transfer timed out, against a connect that timed out; probe21cb
        // F2: curl's own words for that timeout).
        // A failure on the connection is also held as a failure below
        // (a reset is another failure than a timeout).
        if let (Some(what), true) = (connection_said(&low), unconnected) {
            d.push(format!(
                "curl: the book's `* {said}` {what}; the lab's curl never connected{labs_own}: {facts}"
            ));
            if fault(&low).is_none() {
                continue;
            }
        }
        let host = named_host(&said);
        if let (Some(h), Some(r)) = (host, &reached)
            && h != r
        {
            d.push(format!(
                "curl: the book's `* {said}` names {h}; the lab's curl reached {r}"
            ));
        }
        if let Some(f) = fault(&low) {
            let lab_same = labs.iter().any(|l| fault(&l.to_lowercase()) == Some(f));
            if code == 0 {
                d.push(format!(
                    "curl: the book's `* {said}` says {}; the lab's curl's did not fail (it exited 0)",
                    f.said()
                ));
            } else if !lab_same && !f.agrees(facts) {
                d.push(format!(
                    "curl: the book's `* {said}` says {}; the lab's curl failed otherwise: {facts}",
                    f.said()
                ));
            }
            continue;
        }
        if host.is_some() || curls_own_form(&said) {
            continue;
        }
        u.push(format!(
            "`* {said}`: a line of curl -v's lab does not read (it reads Trying, Connected to, the connection left intact or closed, and failures), and the lab's curl printed no such line"
        ));
    }
    (d, u)
}

#[cfg(test)]
#[path = "curl_star_lines_tests.rs"]
mod tests;
