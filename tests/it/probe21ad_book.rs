//! `lab book` on probe21ad's chapters (`tests/fixtures/book/probe21ad/`),
//! seen failing first. Finding 3: a change shown in an MDX component lab
//! did not read (code in a prop, in `children`, a JS string body, a
//! component naming no language) passed between two matching same-node
//! pings: `2 match`, exit 0. Finding 4: a command among kubectl's lines
//! shown with one space between columns (read as a one-column table whose
//! every line was a row) was never named: `1 match`, exit 0.

use crate::book::verdicts;
use serde_json::Value;

/// `lab book` of a copy of chapter4 (a lab `fxm…`) with the chapter
/// `name`: its exit code, terminal, verdicts and JSON report.
fn book(name: &str) -> (i32, String, Vec<(u64, String)>, Value) {
    let (code, stdout, v) = crate::book::book_fixture("fxm", "probe21ad", name, &[]);
    (code, stdout, verdicts(&v), v)
}

/// The commands of the report: line, verdict, reason.
fn commands(v: &Value) -> Vec<(u64, String, String)> {
    crate::book::command_lines(v)
}

/// Finding 3: each shape is a block, its `sudo ip link set cni0 down` not
/// understood (lab replays no `ip`), so the ping after it is compared no
/// more: exit 1, and no second match.
#[test]
fn a_change_in_any_mdx_string_is_read() {
    for (name, line) in [
        ("m1_string.md", 15),
        ("m2_codeprop.md", 15),
        ("m3_children.md", 15),
        ("m4_terminal.md", 16),
    ] {
        let (code, stdout, v, json) = book(name);
        assert_ne!(code, 0, "{name}: {stdout}");
        assert!(
            commands(&json)
                .iter()
                .any(|(l, verdict, _)| *l == line && verdict == "not_understood"),
            "{name}: {stdout}"
        );
        assert_eq!(
            v.iter().filter(|(_, verdict)| verdict == "match").count(),
            1,
            "{name}: {stdout}"
        );
    }
}

/// Finding 3, unread: a template literal the page fills in (`${bridge}`)
/// is not understood, its reason naming the line.
#[test]
fn an_interpolated_mdx_string_is_not_understood() {
    let (code, stdout, _, json) = book("m5_interpolated.md");
    assert_ne!(code, 0, "{stdout}");
    assert!(
        commands(&json).iter().any(|(l, verdict, why)| *l == 16
            && verdict == "not_understood"
            && why.contains("`sudo ip link set ${bridge} down`")),
        "{stdout}"
    );
}

/// Finding 4: a command among a one-space table's lines is named (as one
/// the reader may type, or as no row of the table); one that fits the
/// columns is compared as a row. A one-space table of the lab's own rows
/// is no red.
#[test]
fn a_command_among_a_one_space_tables_lines_is_named() {
    for (name, said) in [
        ("t10.md", "`nice ip link set cni0 down`"),
        ("t8.md", "`busybox ip link del cni0`"),
        ("t1_kubectl_row.md", "ifdown cni0"),
    ] {
        let (code, stdout, v, _) = book(name);
        assert_ne!(code, 0, "{name}: {stdout}");
        assert!(stdout.contains(said), "{name}: {stdout}");
        assert!(
            v.iter().all(|(_, verdict)| verdict != "match"),
            "{name}: {stdout}"
        );
    }
    let (_, stdout, _, json) = book("t_one_space_nodes.md");
    assert!(
        commands(&json)
            .iter()
            .all(|(_, verdict, _)| verdict == "match" || verdict == "skipped"),
        "{stdout}"
    );
    assert!(!stdout.contains("DRIFT"), "{stdout}");
}
