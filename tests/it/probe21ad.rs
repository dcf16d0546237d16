//! Host damage found by probe21ad (`docs/security-probe.md`, "probe21ad"),
//! seen failing first.

use crate::labs::TestLab;

/// `pairs` nf_tables events twice over, in one batch: a table made and
/// removed, `pairs` times.
fn event_flood(pairs: usize) -> String {
    format!(
        "for i in $(seq {pairs}); do echo \"add table ip fl$i\"; echo \"delete table ip fl$i\"; \
         done | nft -f -"
    )
}

/// Finding 1: the guard heard the node's nf_tables events only at its
/// sweep, on a socket of the default buffer. A flood of events (tables made
/// and removed) filled it just before each set was declared at 65,000 and
/// lowered to one, so every set's own events were lost and the look after
/// saw sets of size 1 (910,000 elements held, node1 never stopped). The
/// events are now heard as they come, on a buffer of 4 MiB: five such
/// rounds (325,000 declared, past the 262,144 a node may declare) stop
/// node1. Seen failing with the socket read only at the sweep on its
/// default buffer: node1 stayed up.
#[test]
fn a_sets_room_declared_behind_a_flood_of_events_is_heard() {
    which::which("nft").expect("nft: `bash .ci/install` installs nftables");
    let lab = TestLab::chapter4("flood21ad");
    lab.up(&[]);
    let set = |i: usize, size: u32| {
        format!(
            "nft add set ip t{i} s '{{ type ipv4_addr; size {size}; flags dynamic,timeout; \
             timeout 300ms; gc-interval 24h; }}'"
        )
    };
    let rounds: Vec<String> = (0..5)
        .map(|i| {
            format!(
                "{} && nft add table ip t{i} && {} && {}",
                event_flood(1500),
                set(i, 65_000),
                set(i, 1)
            )
        })
        .collect();
    crate::guard::node1_stopped_after(
        &lab,
        &format!("echo added; {}", rounds.join(" && ")),
        "nf_tables sets declaring room for",
        15,
    );
}
