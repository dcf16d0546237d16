//! A node the guard stopped, where the first rule (every result or book
//! line that needs it is an error naming the stop, `probe21bq_lessers.rs`)
//! left two holes: `lab book --bless` on such a lab would have rewritten
//! the known-drift file from a replay that had lost a node (dropping the
//! entries of the lines that became errors), and a node stopped while a
//! check runs must turn that check into an error too, not only a node
//! stopped before the run began.

use crate::guard::{assert_node1_stopped, stop_node1};
use crate::labs::{TestLab, text};

/// Node1 stopped by the guard (a neighbour table's proxy queue past its
/// bound), then `lab book LAB --bless`: refused with exit 3 (as `apply`
/// refuses such a lab), naming the stop and what to do (`lab destroy`,
/// then `lab up`), and the known-drift file is byte for byte what it was.
/// Seen failing before `book::bless::refuse_without_a_node` (asked before
/// and after the replay): exit 1, the replay ran with nine blocks in error
/// and `--bless` rewrote chapter.drift.yaml, dropping 8 entries as stale
/// (their lines had become errors) and adding 6 TODO ones.
#[test]
fn bless_on_a_lab_with_a_node_the_guard_stopped_is_refused_and_writes_nothing() {
    let lab = TestLab::chapter4("sbl1");
    lab.up(&[]);
    stop_node1(&lab);
    let known = lab.src.path().join("chapter.drift.yaml");
    let before = std::fs::read(&known).unwrap();
    let file = lab.file();
    let out = lab.lab(&["book", file.to_str().unwrap(), "--bless", "-q"]);
    let said = text(&out);
    assert_eq!(out.status.code(), Some(3), "{said}");
    assert!(
        said.contains("node node1 was stopped by the guard: ")
            && said.contains(&format!("lab destroy {}", lab.name))
            && said.contains("lab up")
            && said.contains("--bless"),
        "{said}"
    );
    assert!(
        std::fs::read(&known).unwrap() == before,
        "the known-drift file changed:\n{}",
        std::fs::read_to_string(&known).unwrap_or_default()
    );
}

/// The check of [`a_check_during_which_the_guard_stops_its_node_is_an_error`]:
/// on every node; node1 sets its neighbour table's proxy queue past the
/// guard's bound (the guard stops node1 for it) and says done at once; the
/// others wait until node1's address no longer answers (its namespace gone,
/// at most 15 s, within the check's deadline), then say done. Every node
/// says done, so the check passes unless the stop during it is seen.
const STOPPED_WHILE_IT_RUNS: &str = r#"  - name: sbl node1 stopped while it runs
    on: all
    run: "case $(hostname) in node1) ip ntable change name arp_cache dev cni0 proxy_queue 100000 && echo done ;; *) for i in $(seq 75); do ping -c 1 -W 1 10.100.198.201 >/dev/null 2>&1 || break; sleep 0.2; done; echo done ;; esac"
    expect: { contains: done }
"#;

/// A node the guard stops while a check runs (the check itself makes node1
/// flood, and ends after node1 is gone): `lab verify` had seen no stopped
/// node when it began (no warning), and the check, whose every node said
/// what it expects, is an error naming the stop, not a pass: `verify` asks
/// for stopped nodes again after each check. Seen failing with the nodes
/// asked once, when `verify` began (its answer given to every check): the
/// check passed ("done").
#[test]
fn a_check_during_which_the_guard_stops_its_node_is_an_error() {
    let lab = TestLab::new("chapter4", "sbl2", |y| {
        y.replacen("checks:\n", &format!("checks:\n{STOPPED_WHILE_IT_RUNS}"), 1)
    });
    lab.up(&[]);
    let (out, report) = lab.verify(&["--only", "sbl node1"]);
    let said = text(&out);
    assert_node1_stopped(&lab, "arp_cache proxy_qlen 100000", 10);
    assert!(
        !said.contains("the checks that need it are errors"),
        "node1 was stopped before verify began: {said}"
    );
    let result = report["results"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|r| r["name"] == "sbl node1 stopped while it runs")
        .unwrap_or_else(|| panic!("no such result: {report}\n{said}"));
    assert_eq!(result["verdict"], "error", "{result}");
    let observed = result["observed"].as_str().unwrap_or_default();
    assert!(
        observed.contains("node node1 was stopped by the guard: ")
            && observed.contains(&format!("lab destroy {}", lab.name)),
        "{result}"
    );
    assert_eq!(out.status.code(), Some(1), "{said}");
}
