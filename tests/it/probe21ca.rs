//! probe21ca's finding that needs a lab: the lab's own ICMP errors come one
//! an echo, as the reader's do.

use crate::labs::{TestLab, text};

/// The lab pings 10 ms apart (the reader's ping, one a second); with the
/// kernel's ICMP error limit (1000 ms a peer, a burst of six) a pod's ping
/// across the broken network got 6 `Time to live exceeded` for 10 echoes,
/// then 1, and a book showing one error an echo drifted at random
/// (probe21ca, W1). Now every echo gets its error, run after run. Seen
/// failing before: 6, then 1.
#[test]
fn every_echo_of_a_fast_ping_gets_its_icmp_error() {
    let lab = TestLab::chapter4("ratelim");
    lab.up(&[]);
    let pod = "pod.nginx-deployment-node1-0";
    let other = lab.pod_on("node2");
    let target = other.ip.to_string();
    for run in 0..3 {
        let out = lab.in_ns(pod, &["ping", "-c", "10", "-i", "0.01", "-W", "1", &target]);
        let errors = String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter(|l| l.contains("Time to live exceeded"))
            .count();
        assert_eq!(errors, 10, "run {run}: {}", text(&out));
    }
    let out = lab.lab(&["destroy", &lab.name]);
    assert!(out.status.success(), "{}", text(&out));
}
