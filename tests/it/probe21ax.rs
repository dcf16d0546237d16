//! probe21ax, finding 1: a node's IPv6 address labels, made by the
//! hundred thousand in a fraction of a second, were read whole by the
//! guard at every sweep (the kernel's dump of them grows as the square of
//! their number: 300,000 took it 3.2 s, when no node of the lab was
//! answered) and trimmed, never stopping the node; a loop kept the guard
//! busy for minutes. A node past the bound by more than a sweep's read is
//! stopped, the dump ended unread. Seen failing with the dump read whole
//! (`read_dump` not ending past `READ_PAST_THE_BOUND`): the labels were
//! trimmed and node1 stayed up.

use crate::guard::assert_node1_stopped;
use crate::labs::{TestLab, text};

/// 30,000 address labels in batches of one `ip -batch`: node1 is stopped.
#[test]
fn a_node_past_the_labels_a_sweep_reads_is_stopped() {
    let lab = TestLab::chapter4("lbl21ax");
    lab.up(&[]);
    let script = r#"python3 -c "
for i in range(1, 30001):
    print('addrlabel add prefix 2001:db8:%x::/48 label 5' % i)
" > /root/al
ip -force -batch /root/al 2>/dev/null || true
echo added"#;
    let out = lab.ssh("node1", script);
    // Under load the guard's sweep can stop node1 while `ip -batch` is
    // still adding, which closes the session before "added": either way
    // the stop below, for this reason, is what the test asserts.
    let said = text(&out);
    assert!(
        said.contains("added") || said.contains("closed by remote host"),
        "{said}"
    );
    assert_node1_stopped(&lab, "IPv6 address labels, past the bound of", 20);
    let out = lab.lab(&["destroy", &lab.name]);
    assert!(out.status.success(), "{}", text(&out));
}
