//! Whether two failures of an item are the same failure: the same
//! verdict, word (detail), expectation and observation, with what varies
//! every night set aside (a ping's times, a capture's counts, an age, the
//! hashes Kubernetes puts in pod names: `nginx-7c5ddbdf54-x7k2p`) but
//! the facts kept:
//! - an IPv4 address or CIDR (`10.244.3.0`, `10.244.0.0/16`) and a MAC
//!   address (`0a:58:0a:f4:01:01`) are what a route, ping or table
//!   difference is about, so a failure whose addresses changed *fails
//!   differently* (probe21aq finding 6: two different `route -n` rows were
//!   one failure, `--fail-on new` exited 0);
//! - digits inside a word (a word starts with a letter: `enp0s8`, `eth1`,
//!   `cni0`, `flannel.1`, `node2`, `v0.26.7`) are part of a name: a chapter
//!   about `--iface=enp0s3` that shows `enp0s9` the next night fails
//!   differently (probe21as finding 6). A word that starts with a digit is
//!   a number with its unit (`1002ms`, `2m30s`), set aside;
//! - a number that says what happened: a TTL (`ttl 63`, `ttl=62`), an HTTP
//!   status (`HTTP 404`), an exit code (`exited 2`, `exit code 1`,
//!   `Some(2)`), no reply at all against some (`0 received`, `100% packet
//!   loss`, `0% packet loss`; other counts and shares are set aside).

use super::ResultRow;
use regex::Regex;
use std::sync::LazyLock;

/// An IPv4 address with an optional prefix length, or a MAC address, not
/// inside a longer run of digits, dots, hex or colons.
static KEPT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)(?:\b\d{1,3}(?:\.\d{1,3}){3}(?:/\d{1,2})?|\b[0-9a-f]{2}(?::[0-9a-f]{2}){5})(?:[^0-9a-z.:]|$)",
    )
    .expect("a valid pattern")
});

/// Whether two results fail the same way (see the module's words).
pub fn same_failure(a: Option<&ResultRow>, b: Option<&ResultRow>) -> bool {
    let words = |t: &Option<String>| t.as_deref().map(numbers_aside);
    let how = |r: &ResultRow| {
        (
            r.verdict,
            words(&r.detail),
            words(&r.expected),
            words(&r.observed),
        )
    };
    match (a, b) {
        (Some(a), Some(b)) => how(a) == how(b),
        _ => false,
    }
}

/// A pod name's hashes: the ReplicaSet's (6 to 10 characters) and the
/// pod's own (5), of Kubernetes' alphabet (no vowel, no `0`, `1`, `3`),
/// after a name.
static POD_HASH: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"([A-Za-z0-9])-(?:[b-df-hj-np-tv-xz2456789]{6,10}-)?[b-df-hj-np-tv-xz2456789]{5}(?:[^A-Za-z0-9_.-]|\.?$|\.[^A-Za-z0-9])",
    )
    .expect("a valid pattern")
});

/// `text` with every number that is no fact (see the module's words:
/// counts, times, ages, sequence numbers, a pod name's hashes) as `#`;
/// addresses, digits inside a word and the numbers that say what happened
/// kept as they are.
pub fn numbers_aside(text: &str) -> String {
    let text = hashes_aside(text);
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for m in KEPT.find_iter(&text) {
        // Inside a longer run (`1.2.3.4.5`, a version): no address.
        let before = text[..m.start()].chars().next_back();
        if before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '.' || c == ':') {
            continue;
        }
        // The match may end with the character after the address.
        let kept = m
            .as_str()
            .trim_end_matches(|c: char| !c.is_ascii_hexdigit());
        blank(&text, at, m.start(), &mut out);
        out.push_str(kept);
        at = m.start() + kept.len();
    }
    blank(&text, at, text.len(), &mut out);
    out
}

/// `text` with a pod name's hashes as `#` (`nginx-#-#`).
fn hashes_aside(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    let mut from = 0;
    while let Some(c) = POD_HASH.captures_at(text, from) {
        let (m, name_end) = (c.get(0).expect("a match"), c.get(1).expect("a group").end());
        let hash = &text[name_end..m.end()];
        let len = hash
            .char_indices()
            .skip(1)
            .find(|(_, ch)| !ch.is_ascii_alphanumeric() && *ch != '-')
            .map_or(hash.len(), |(i, _)| i);
        out.push_str(&text[at..name_end]);
        out.push_str(if hash[..len].matches('-').count() > 1 {
            "-#-#"
        } else {
            "-#"
        });
        at = name_end + len;
        from = at.max(m.start() + 1);
    }
    out.push_str(&text[at..]);
    out
}

/// Whether the digits at `i..j` of `text` say what happened: a TTL, an
/// HTTP status, an exit code, no reply at all.
fn a_fact(text: &str, i: usize, j: usize) -> bool {
    let before = text[..i].to_ascii_lowercase();
    let after = &text[j..];
    let word_before = |w: &str| {
        before.strip_suffix(w).is_some_and(|b| {
            b.chars()
                .next_back()
                .is_none_or(|c| !c.is_ascii_alphanumeric())
        })
    };
    let digits = &text[i..j];
    [
        "ttl ", "ttl=", "http ", "status ", "status: ", "exit ", "exited ", "code ", "some(",
    ]
    .iter()
    .any(|w| word_before(w))
        || (digits == "0"
            && (after.starts_with(" received") || after.starts_with(" packets received")))
        || (matches!(digits, "0" | "100") && after.starts_with("% packet loss"))
}

/// Appends `text[from..to]` to `out` with each free-standing run of digits
/// (and a decimal point between them) as `#`: one in a word that starts
/// with a letter is kept, as is one that says what happened.
fn blank(text: &str, from: usize, to: usize, out: &mut String) {
    let token = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-');
    // Whether the word the position is in started with a letter.
    let word_at = |i: usize| {
        text[..i]
            .chars()
            .rev()
            .take_while(|c| token(*c))
            .filter(char::is_ascii_alphanumeric)
            .last()
            .is_some_and(|c| c.is_ascii_alphabetic())
    };
    let mut i = from;
    while i < to {
        let c = text[i..].chars().next().expect("within the text");
        if !c.is_ascii_digit() {
            out.push(c);
            i += c.len_utf8();
            continue;
        }
        let mut j = i + 1;
        while j < to {
            let b = text.as_bytes()[j];
            let point = b == b'.' && text.as_bytes().get(j + 1).is_some_and(u8::is_ascii_digit);
            if !(b.is_ascii_digit() || point) {
                break;
            }
            j += 1;
        }
        if word_at(i) || a_fact(text, i, j) {
            out.push_str(&text[i..j]);
        } else {
            out.push('#');
        }
        i = j;
    }
}

#[cfg(test)]
mod tests {
    use super::numbers_aside;

    #[test]
    fn counts_times_and_ages_go_addresses_stay() {
        assert_eq!(
            numbers_aside("1 packets transmitted, 0 received, time 1002ms rtt 0.054 ms"),
            "# packets transmitted, 0 received, time #ms rtt # ms"
        );
        assert_eq!(
            numbers_aside("the book has the row `10.244.3.0 0.0.0.0 255.255.255.0 UG 0 0 0 cni0`"),
            "the book has the row `10.244.3.0 0.0.0.0 255.255.255.0 UG # # # cni0`"
        );
        assert_eq!(
            numbers_aside("route to 10.244.0.0/16 via 10.0.2.15, AGE 2m"),
            "route to 10.244.0.0/16 via 10.0.2.15, AGE #m"
        );
        assert_eq!(
            numbers_aside("lladdr 0a:58:0a:f4:01:01 REACHABLE 12s"),
            "lladdr 0a:58:0a:f4:01:01 REACHABLE #s"
        );
        assert_ne!(
            numbers_aside("the row `10.244.2.0 … cni0`"),
            numbers_aside("the row `10.244.3.0 … cni0`")
        );
        // A version or a long dotted run is no address.
        assert_eq!(numbers_aside("kubectl 1.32.5"), "kubectl #");
        assert_eq!(numbers_aside("1.2.3.4.5"), "#");
    }

    /// probe21as, finding 6: `enp0s3` and `enp0s9` were one failure
    /// (`enp#s#`), so a chapter's wrong interface changing night to night
    /// was no news. Seen failing with the old `blank` (every digit run
    /// blanked): the names compared equal.
    #[test]
    fn digits_inside_a_word_are_a_name_and_stay() {
        let a =
            "args[2]: the book shows --iface=enp0s3, the lab's flannel_fix.yml has --iface=enp0s8";
        assert_eq!(
            numbers_aside(a),
            "args[#]: the book shows --iface=enp0s3, the lab's flannel_fix.yml has --iface=enp0s8"
        );
        assert_ne!(
            numbers_aside(a),
            numbers_aside(&a.replace("enp0s3", "enp0s9"))
        );
        for (x, y) in [
            ("eth1", "eth0"),
            ("cni0", "cni1"),
            ("flannel.1", "flannel.2"),
            ("node1", "node2"),
            ("v0.26.7", "v0.27.0"),
        ] {
            assert_ne!(
                numbers_aside(&format!("dev {x} up")),
                numbers_aside(&format!("dev {y} up")),
                "{x}"
            );
        }
        // Times and ages with their units still go, whole.
        assert_eq!(
            numbers_aside("AGE 2m30s, waited 1.5s, rtt 0.054ms"),
            "AGE #m#s, waited #s, rtt #ms"
        );
    }

    /// A pod name's hashes differ every night (vagrant's real Kubernetes);
    /// the failure is the same. Seen failing without `hashes_aside`.
    #[test]
    fn a_pod_names_hashes_go() {
        assert_eq!(
            numbers_aside(
                "exec nginx-deployment-7c5ddbdf54-x7k2p: no reply; kube-flannel-ds-59hmh."
            ),
            "exec nginx-deployment-#-#: no reply; kube-flannel-ds-#."
        );
        assert_eq!(
            numbers_aside("pod nginx-deployment-7c5ddbdf54-x7k2p failed"),
            numbers_aside("pod nginx-deployment-5f8b9c6d7-q9z4m failed")
        );
        // The lab's own names (netns) and words of that length stay.
        assert_eq!(
            numbers_aside("nginx-deployment-node1-0 on node1"),
            "nginx-deployment-node1-0 on node1"
        );
        assert_eq!(numbers_aside("kube-proxy-check"), "kube-proxy-check");
    }

    /// Numbers that say what happened stay: a TTL, an HTTP status, an exit
    /// code, no reply against some. Seen failing with the old `blank`.
    #[test]
    fn a_ttl_a_status_an_exit_code_and_no_reply_stay() {
        for (x, y) in [
            ("reachable, ttl 62", "reachable, ttl 63"),
            ("ttl=64", "ttl=63"),
            ("HTTP 200", "HTTP 404"),
            ("curl exited 7: refused", "curl exited 28: refused"),
            ("ping exited Some(2): x", "ping exited Some(1): x"),
            (
                "1 packets transmitted, 0 received",
                "1 packets transmitted, 1 received",
            ),
            ("100% packet loss", "0% packet loss"),
        ] {
            assert_ne!(numbers_aside(x), numbers_aside(y), "{x}");
        }
        assert_eq!(
            numbers_aside("3 packets transmitted, 2 received, 33% packet loss"),
            "# packets transmitted, # received, #% packet loss"
        );
        assert_eq!(numbers_aside("3 received"), numbers_aside("2 received"));
    }
}
