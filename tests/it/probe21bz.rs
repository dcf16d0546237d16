//! Host damage found by probe21bz (`docs/security-probe.md`, "probe21bz"),
//! seen failing first.

use crate::guard::{node1_stays_up_after, node1_stopped_after};
use crate::labs::TestLab;

/// One `-m bpf` match of one instruction (`ret 0`): compiled into the
/// host's one budget of BPF, like probe21bz's 15,000 of 64.
const BPF: &str = "-m bpf --bytecode '1,6 0 0 0'";

/// What the guard's log says of a node stopped for a BPF match.
const BPF_SAID: &str = "a BPF match (`-m bpf`";

/// Run `control` on node1 (rules without a BPF or string match: it stays
/// up), then `cmd` (it is stopped, the guard saying `said`).
fn stopped_after_control(prefix: &str, control: &str, cmd: &str, said: &str, secs: u64) {
    let lab = TestLab::chapter4(prefix);
    lab.up(&[]);
    node1_stays_up_after(&lab, &format!("{control} && echo added"), 3);
    node1_stopped_after(&lab, &format!("echo added; {cmd}"), said, secs);
}

/// Finding 6: `iptables -m bpf` (nf_tables' compat `match` named `bpf`)
/// compiles into the host's `bpf_jit_limit`, uncounted: 48 MB a node in
/// 8 s. The lab makes none: a node with one is stopped as its event comes;
/// a rule with a `u32` match runs on. Seen failing with `match_refused`
/// answering `None`: node1 stayed up.
#[test]
fn an_iptables_bpf_match_stops_its_node() {
    stopped_after_control(
        "bzmorebpf",
        "iptables -A INPUT -m u32 --u32 '0>>22&0x3C@0=0' -j ACCEPT",
        &format!("iptables -A INPUT {BPF} -j ACCEPT"),
        BPF_SAID,
        10,
    );
}

/// Finding 6, IPv6: `ip6tables -m bpf`. Seen failing as above.
#[test]
fn an_ip6tables_bpf_match_stops_its_node() {
    stopped_after_control(
        "bzmorebpf6",
        "ip6tables -A INPUT -m limit --limit 10/s -j ACCEPT",
        &format!("ip6tables -A INPUT {BPF} -j ACCEPT"),
        BPF_SAID,
        10,
    );
}

/// Finding 6, the legacy tables (read every few sweeps, no events):
/// `iptables-legacy` and `ip6tables-legacy`. Seen failing with
/// `match_names` unread: node1 stayed up with either.
#[test]
fn a_legacy_bpf_match_stops_its_node() {
    which::which("iptables-legacy").expect("iptables: `bash .ci/install` installs it");
    stopped_after_control(
        "bzmorebpfl",
        "iptables-legacy -A INPUT -m u32 --u32 '0>>22&0x3C@0=0' -j ACCEPT",
        &format!("iptables-legacy -A INPUT {BPF} -j ACCEPT"),
        BPF_SAID,
        15,
    );
}

#[test]
fn a_legacy_ip6tables_bpf_match_stops_its_node() {
    which::which("ip6tables-legacy").expect("iptables: `bash .ci/install` installs it");
    stopped_after_control(
        "bzmorebpfl6",
        "ip6tables-legacy -A INPUT -m limit --limit 10/s -j ACCEPT",
        &format!("ip6tables-legacy -A INPUT {BPF} -j ACCEPT"),
        BPF_SAID,
        15,
    );
}

/// Finding 6, `-m string`: about 2.8 KB of the host's slab a match, none
/// of it the node's (1000 rules of ten: 28 MB), and a rule holds many. The
/// lab makes none: a node with one is stopped. Seen failing with
/// `match_refused` answering `None`: node1 stayed up.
#[test]
fn a_string_match_stops_its_node() {
    stopped_after_control(
        "bzmorestr",
        "iptables -A INPUT -p tcp -m multiport --dports 1,2 -j ACCEPT",
        "iptables -A INPUT -m string --algo bm --string aaaa -j ACCEPT",
        "a string match (`-m string`",
        10,
    );
}
