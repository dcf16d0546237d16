//! The book's pod names, tables, addresses and notes, read.

use super::*;

#[test]
fn owners_of_pod_names() {
    assert_eq!(
        owner_of("nginx-deployment-75675f5897-4dm42"),
        "nginx-deployment"
    );
    assert_eq!(owner_of("kube-flannel-ds-59hmh"), "kube-flannel-ds");
}

#[test]
fn tables_and_addresses() {
    let lines: Vec<String> = "NAME    READY   IP   NODE\na-1 1/1 10.0.0.1 node1\n\nNOT a table"
        .lines()
        .map(str::to_string)
        .collect();
    let t = Table::parse(&lines).unwrap();
    assert_eq!(t.values("NODE"), ["node1"]);
    assert_eq!(next_ipv4("via 10.244.3.0, x"), Some((4, 14)));
    assert_eq!(next_ipv4("v1.10.0 and 1.2.3"), None);
    assert_eq!(next_ipv4("10.244.3.1/24"), Some((0, 10)));
}

#[test]
fn notes_read_back() {
    assert_eq!(
        parse_note("10.244.3.3 (book) = nginx pod on node2 = 10.244.2.2 (lab)"),
        Some(("10.244.3.3".into(), "10.244.2.2".into()))
    );
    assert_eq!(
        parse_note(
            "nginx-deployment-75675f5897-4dm42 (book) = nginx pod on node1 = nginx-deployment-node1-0 (lab)"
        ),
        Some((
            "nginx-deployment-75675f5897-4dm42".into(),
            "nginx-deployment-node1-0".into()
        ))
    );
    assert_eq!(
        parse_note("kube-flannel-ds-zzkf7 (book) = flannel on node1 (hostNetwork: node1 itself)"),
        None
    );
}
