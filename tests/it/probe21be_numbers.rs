//! probe21be, lesser 3 and 6: one value of `labs/chapter4/chapter.md`
//! changed to one no real tool prints, each rc 0 before the fix: iputils'
//! reply numbered `icmp_seq=0` (`c4`), its time `403.1` ms (`c3b`), a
//! captured echo's `id 99999` (`e9`), RESTARTS `-1` (`d5`); and the
//! master's VERSION `v1.10.9`, which the known-drift entry written for the
//! book's `v1.10.0` covered (`m7`). Each is now a difference of its
//! command, not covered by chapter4's known drift, and the chapter
//! drifts. Seen failing first: with the fix taken out each case was rc 0.

use serde_json::Value;

/// `lab book` of chapter4 with `from` replaced by `to` (once, where the
/// chapter has it), with chapter4's known drift: exit code, terminal,
/// JSON report.
fn book_changed(from: &str, to: &str) -> (i32, String, Value) {
    crate::book::book_chapter4_changed("bbn", |text| {
        assert_eq!(text.matches(from).count(), 1, "{}", from);
        text.replacen(from, to, 1)
    })
}

/// Each number no tool prints drifts its command, saying why.
#[test]
fn numbers_no_tool_prints_drift() {
    for (from, to, line, said) in [
        (
            "icmp_seq=1 ttl=63 time=0.403 ms",
            "icmp_seq=0 ttl=63 time=0.403 ms",
            232,
            "iputils numbers its echoes from icmp_seq=1",
        ),
        (
            "time=0.403 ms",
            "time=403.1 ms",
            232,
            "ping: the book shows time=403.1",
        ),
        (
            "id 5874,",
            "id 99999,",
            160,
            "ICMP echo request, id 99999, seq 1",
        ),
        (
            "4dm42   1/1       Running   0 ",
            "4dm42   1/1       Running   -1",
            70,
            "kubectl get: the book's table shows RESTARTS `-1`",
        ),
        (
            "master    8m        v1.10.0",
            "master    8m        v1.10.9",
            49,
            "table (NAME STATUS ROLES VERSION): the book shows [master Ready master v1.10.9;",
        ),
    ] {
        let (code, stdout, v) = book_changed(from, to);
        assert_eq!(code, 1, "{to}: {stdout}");
        let c = crate::book::command(&v, line);
        assert_eq!(c["verdict"], "drift", "{to}: {c}");
        let differences = c["differences"].as_array().cloned().unwrap_or_default();
        assert!(
            differences
                .iter()
                .any(|d| d.as_str().is_some_and(|d| d.contains(said))),
            "{to}: {c}"
        );
    }
}
