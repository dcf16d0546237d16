//! A check that cannot write its temporary files has no verdict to give
//! about the network: with the lab's tmpfs full (the node's files live
//! there), the `capture` check is an error that says why, never a fail
//! (nor a pass).

use crate::labs::{TestLab, text, verdict};

/// The check of chapter 4 that captures (tcpdump on node1's flannel.1
/// while node1 pings a pod on node2).
const CAPTURE: &str = "ICMP goes into the overlay";

fn result<'a>(report: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    report["results"]
        .as_array()
        .and_then(|r| r.iter().find(|c| c["name"] == name))
        .unwrap_or_else(|| panic!("no check '{name}' in {report}"))
}

#[test]
fn a_capture_on_a_full_disk_is_an_error_that_says_why() {
    let lab = TestLab::chapter4("fd");
    lab.up(&[]);
    // With room, the capture is judged (a pass or a fail, not an error).
    let (_, report) = lab.verify(&[]);
    let v = verdict(&report, CAPTURE);
    assert!(
        v == "pass" || v == "fail",
        "{v}: {}",
        result(&report, CAPTURE)
    );

    // node1 fills the lab's tmpfs (its /tmp is there).
    let out = lab.ssh("node1", "dd if=/dev/zero of=/tmp/fill bs=1M 2>&1; true");
    assert!(
        text(&out).contains("No space left on device"),
        "{}",
        text(&out)
    );
    let (_, report) = lab.verify(&[]);
    let r = result(&report, CAPTURE);
    assert_eq!(verdict(&report, CAPTURE), "error", "{r}");
    let said = r.to_string();
    assert!(
        said.contains("could not write its temporary files")
            && said.contains("No space left on device")
            && said.contains("is the disk of the node full?"),
        "the error does not say why: {said}"
    );

    // Room again: judged again.
    let out = lab.ssh("node1", "rm -f /tmp/fill && echo removed");
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("removed"),
        "{}",
        text(&out)
    );
    let (_, report) = lab.verify(&[]);
    let v = verdict(&report, CAPTURE);
    assert!(
        v == "pass" || v == "fail",
        "{v}: {}",
        result(&report, CAPTURE)
    );
}
