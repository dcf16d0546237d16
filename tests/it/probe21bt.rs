//! probe21bt finding 1: right after the nginx delete a reader's
//! `get pods --all-namespaces` shows nginx's pods `Terminating`; with those
//! rows in the book's table the whole command was skipped before it ran
//! (`gone_before` read the deleted pods' names and addresses in its
//! output), so flannel's rows beside them (`CrashLoopBackOff`, `0/1`) were
//! never compared. Now a `get pods` runs, its deleted workload's rows are
//! set aside and the rest compared.

use crate::book::said;
use crate::probe21br_listings::{book, new_differences};

/// The listing after the delete's output (chapter line 187), its command
/// at line 189: nginx's two pods `Terminating`, flannel's three as given.
fn after_the_delete(flannel: &str, cut: bool) -> String {
    let row = |name: &str, ip: &str, node: &str| {
        format!(
            "kube-system   {name}               {flannel}        0          1h        {ip}   {node}\n"
        )
    };
    format!(
        "\nkubectl --kubeconfig ./admin.conf get pods --all-namespaces -o wide\n\n\
         NAMESPACE     NAME                                READY     STATUS             RESTARTS   AGE       IP               NODE\n\
         default       nginx-deployment-75675f5897-4dm42   1/1       Terminating        0          1h        10.244.1.2       node1\n\
         default       nginx-deployment-75675f5897-rfj56   1/1       Terminating        0          1h        10.244.3.3       node2\n\
         {}{}{}{}",
        row("kube-flannel-ds-v8m8f", "10.100.198.200", "master"),
        row("kube-flannel-ds-zzkf7", "10.100.198.201", "node1"),
        row("kube-flannel-ds-59hmh", "10.100.198.202", "node2"),
        if cut { "...\n" } else { "" }
    )
}

/// Seen failing with `gone_before` reading a `get pods` table's output as
/// before: rc 0 (the listing skipped, nothing compared; BTDW9, BTDW10).
#[test]
fn flannels_rows_beside_deleted_pods_terminating_are_compared() {
    for flannel in ["0/1       CrashLoopBackOff", "0/1       Running         "] {
        let (rc, out, v) = book(&[(187, &after_the_delete(flannel, true))]);
        assert_eq!(rc, 1, "{flannel}: {out}");
        let d = new_differences(&v, 189);
        assert!(
            d.iter().any(|x| x.contains("0/1")),
            "{flannel}: the flannel rows were not compared: {d:?}\n{out}"
        );
    }
    // The true table (flannel's pods ready and running; cut, as the lab
    // runs none of kubeadm's pods) passes, compared.
    let (rc, out, v) = book(&[(187, &after_the_delete("1/1       Running         ", true))]);
    assert_eq!(rc, 0, "{out}");
    let c = crate::book::command(&v, 189);
    assert!(
        said(&c, "reason").contains("compared with")
            && !said(&c, "reason").contains("nothing of it is compared"),
        "{c}"
    );
}
