//! Probe21ba finding 6: `lab book --watch` kept a `match` that a fresh `lab
//! book` calls drift. A save that changed only the output block paired with
//! a ping (`Output:`) replayed that block alone, and the ping's block kept
//! its `match` (W2); a save that swapped the fixed `get pods -o wide`
//! table's pods between the nodes replayed only later blocks, though
//! coherence judges the earlier blocks by that table too (W1). One watch of
//! a copy of chapter4 takes both saves; each awaited line has a generous
//! deadline (no timing is asserted); SIGINT ends it and the lab is torn down.

use crate::book::no_namespaces_of;
use crate::harness::{copy_lab, edit, is_root, unique_name};
use crate::watch::spawn_watch;

/// Whether `l` is the watch's line of the block at `line` with `verdict`.
fn block(line: &'static str, verdict: &'static str) -> impl Fn(&str) -> bool {
    move |l: &str| {
        let w: Vec<&str> = l.split_whitespace().collect();
        w.first() == Some(&line) && w.get(1) == Some(&verdict)
    }
}

#[test]
fn a_watch_replays_what_a_save_changes_for_a_fresh_run() {
    if !is_root() {
        eprintln!("skipped: needs root");
        return;
    }
    let name = unique_name("wb");
    let lab = copy_lab("chapter4", &name);
    let chapter = lab.path().join("chapter.md");
    // W2a: the cross-node ping's output in a `text` block paired by
    // `Output:` (the ping's block opens at line 224, the output's at 237).
    edit(
        &chapter,
        "ping 10.244.3.4 (across node)\n\nPING",
        "ping 10.244.3.4 (across node)\n```\n\nOutput:\n\n```text\nPING",
    );
    edit(
        &chapter,
        "time=0.403 ms\n\nexit (from node1)\n",
        "time=0.403 ms\n",
    );
    let state = tempfile::tempdir().unwrap();
    let (mut child, mut lines) = spawn_watch(lab.path(), state.path(), Some("100"));
    lines.wait("81 match (first replay)", block("81", "match"));
    lines.wait("224 match (first replay)", block("224", "match"));
    lines.wait("watching", |l| l.starts_with("watching chapter.md"));
    // W2: only the paired output changes; the ping's block drifts, as a
    // fresh run says.
    edit(
        &chapter,
        "icmp_seq=1 ttl=63 time=0.403",
        "icmp_seq=1 ttl=99 time=0.403",
    );
    lines.wait(
        "224 drift (its paired output changed)",
        block("224", "drift"),
    );
    lines.wait("the replay's time", |l| l.starts_with("replayed in"));
    edit(
        &chapter,
        "icmp_seq=1 ttl=99 time=0.403",
        "icmp_seq=1 ttl=63 time=0.403",
    );
    lines.wait("224 match again", block("224", "match"));
    lines.wait("the replay's time", |l| l.starts_with("replayed in"));
    // W1: the fixed table's pods swap nodes; the earlier blocks drift too
    // (the book now puts node1's pods in two subnets), as a fresh run says.
    let fixed_table = "10.244.3.4   node2\nnginx-deployment-75675f5897-rq75g   1/1       Running   0          12m       10.244.1.3   node1";
    edit(
        &chapter,
        fixed_table,
        &fixed_table
            .replace("node2", "nodeX")
            .replace("node1", "node2")
            .replace("nodeX", "node1"),
    );
    lines.wait("the whole chapter", |l| {
        l == "the book's bindings or stops changed: replaying the whole chapter"
    });
    lines.wait("81 drift (before the changed table)", block("81", "drift"));
    lines.wait(
        "154 drift (before the changed table)",
        block("154", "drift"),
    );
    lines.wait("the replay's time", |l| l.starts_with("replayed in"));
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(child.0.id() as i32),
        nix::sys::signal::Signal::SIGINT,
    )
    .unwrap();
    let status = child.0.wait().unwrap();
    assert_eq!(status.code(), Some(130));
    no_namespaces_of(&name);
    assert!(
        !state.path().join(&name).join("state.json").exists(),
        "the lab's state is left"
    );
}
