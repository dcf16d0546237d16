//! probe21bc, lesser 9: one value of `labs/chapter4/chapter.md` changed to
//! one no real tool prints, each rc 0 before the fix: `5 packets
//! captured` under the capture's one packet (`c5b`), a packet at
//! `99:99:99.999999` (`z10`), a reply `time=1e400 ms` (`z5`), and the
//! pod's busybox header with `, id 0x1234 = 1` after its sizes (`b7`).
//! Each is now a difference of its block, and the chapter drifts; the same
//! capture ending with counts that agree with its packet still passes.
//! Seen failing first: with the fix taken out each case was rc 0.

use serde_json::Value;

/// `lab book` of chapter4 with `from` replaced by `to` (once, where the
/// chapter has it), with chapter4's known drift: exit code, terminal,
/// JSON report.
fn book_changed(from: &str, to: &str) -> (i32, String, Value) {
    crate::book::book_chapter4_changed("bbv", |text| {
        assert_eq!(text.matches(from).count(), 1, "{}", from);
        text.replacen(from, to, 1)
    })
}

const PACKET: &str =
    "20:55:02.971181 IP 10.244.1.0 > 10.244.3.3: ICMP echo request, id 5874, seq 1, length 64\n";

/// Each value no tool prints drifts its command's block, saying why.
#[test]
fn values_no_tool_prints_drift() {
    let counted = |n: &str| {
        format!("{PACKET}^C\n{n} captured\n{n} received by filter\n0 packets dropped by kernel\n")
    };
    for (from, to, line, said) in [
        (
            PACKET.to_string(),
            counted("5 packets"),
            160,
            "tcpdump: the book counts 5 packets captured but shows 1 packet line",
        ),
        (
            "20:55:02.971181".into(),
            "99:99:99.999999".into(),
            160,
            "tcpdump: the book shows a packet at 99:99:99.999999, which is no time of day",
        ),
        (
            "time=0.137 ms".into(),
            "time=1e400 ms".into(),
            227,
            "ping: the book shows time=1e400",
        ),
        (
            "PING 10.244.3.4 (10.244.3.4): 48 data bytes\n".into(),
            "PING 10.244.3.4 (10.244.3.4): 48 data bytes, id 0x1234 = 1\n".into(),
            248,
            "ping: the book shows a line ping does not print: `PING ",
        ),
    ] {
        let (code, stdout, v) = book_changed(&from, &to);
        assert_eq!(code, 1, "{to}: {stdout}");
        let c = crate::book::command(&v, line);
        assert_eq!(c["verdict"], "drift", "{to}: {c}");
        let differences = c["differences"].as_array().cloned().unwrap_or_default();
        assert!(
            differences
                .iter()
                .any(|d| d.as_str().is_some_and(|d| d.starts_with(said))),
            "{to}: {c}"
        );
    }
    // The control: counts that agree with the one packet shown.
    let (code, stdout, _) = book_changed(PACKET, &counted("1 packet"));
    assert_eq!(code, 0, "{stdout}");
}
