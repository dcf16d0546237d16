//! Host damage found by probe21x (`docs/security-probe.md`, "probe21x"),
//! seen failing first.

use crate::labs::{TestLab, text};

/// Finding 1: a set's size may be lowered under the elements it holds,
/// which stay (four sets filled to 65,000 and set to size 1, ten times:
/// 2.6 million elements of the host's, the declared sizes always within
/// the bound). So the elements a node's sets hold are counted too: a node
/// within the bound runs on, one past it is stopped, whatever its sets
/// declare. Seen failing with the elements not counted: node1 stayed up.
#[test]
fn a_node_whose_sets_hold_elements_past_the_bound_is_stopped() {
    let lab = TestLab::chapter4("elem21x");
    lab.up(&[]);
    let room = lab::provider::netns::table_bounds::SET_ELEMENTS_A_NODE_DECLARES;
    // `n` elements from `from` (10.x.y.z), added by `nft -f` in batches
    // of 5000 (one of 20,000 is "Message too long").
    let add = |from: u64, n: u64| {
        format!(
            "for k in $(seq {from} 5000 {}); do awk -v k=$k 'BEGIN {{ print \"add element ip \
             p21 a {{\"; for (i = k; i < k + 5000 && i < {}; i++) printf \"10.%d.%d.%d,\\n\", \
             i / 65536 % 256, i / 256 % 256, i % 256; print \"}}\" }}' | nft -f - || exit 1; \
             done; echo added",
            from + n - 1,
            from + n
        )
    };
    crate::guard::node1_stays_up_after(
        &lab,
        &format!(
            "nft add table ip p21 && nft add set ip p21 a '{{ type ipv4_addr; }}' && {}",
            add(0, 1000)
        ),
        7,
    );
    let out = lab.ssh("node1", &add(1000, room));
    assert!(text(&out).contains("added"), "{}", text(&out));
    crate::guard::assert_node1_stopped(&lab, "nf_tables sets holding more than", 15);
}
