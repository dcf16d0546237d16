//! Whether two failures of an item are the same failure: the same
//! verdict, word (detail), expectation and observation, with what varies
//! every night set aside (a ping's times, a capture's counts, an age) but
//! the facts kept: an IPv4 address or CIDR (`10.244.3.0`, `10.244.0.0/16`)
//! and a MAC address (`0a:58:0a:f4:01:01`) are what a route, ping or
//! table difference is about, so a failure whose addresses changed *fails
//! differently* (probe21aq finding 6: two different `route -n` rows were
//! one failure, `--fail-on new` exited 0).

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

/// `text` with every number that is no address (digits, and a decimal
/// point between them: counts, times, ages, sequence numbers) as `#`;
/// IPv4 addresses, CIDRs and MAC addresses kept as they are.
pub fn numbers_aside(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for m in KEPT.find_iter(text) {
        // Inside a longer run (`1.2.3.4.5`, a version): no address.
        let before = text[..m.start()].chars().next_back();
        if before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '.' || c == ':') {
            continue;
        }
        // The match may end with the character after the address.
        let kept = m
            .as_str()
            .trim_end_matches(|c: char| !c.is_ascii_hexdigit());
        out.push_str(&blank(&text[at..m.start()]));
        out.push_str(kept);
        at = m.start() + kept.len();
    }
    out.push_str(&blank(&text[at..]));
    out
}

/// Runs of digits (and a decimal point between them) as `#`.
fn blank(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c.is_ascii_digit() {
            while chars
                .peek()
                .is_some_and(|d| d.is_ascii_digit() || *d == '.')
            {
                chars.next();
            }
            out.push('#');
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::numbers_aside;

    #[test]
    fn counts_times_and_ages_go_addresses_stay() {
        assert_eq!(
            numbers_aside("1 packets transmitted, 0 received, time 1002ms rtt 0.054 ms"),
            "# packets transmitted, # received, time #ms rtt # ms"
        );
        assert_eq!(
            numbers_aside("the book has the row `10.244.3.0 0.0.0.0 255.255.255.0 UG 0 0 0 cni0`"),
            "the book has the row `10.244.3.0 0.0.0.0 255.255.255.0 UG # # # cni#`"
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
}
