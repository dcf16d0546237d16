//! `lab book` on probe21be's lesser findings 2, 4 and 5: chapters made here
//! from `labs/chapter4/chapter.md` with one line changed or one block put
//! in (after line 98), replayed with chapter4's own known drift:
//! - lesser 5: a command's bracketed remark that says where it is typed or
//!   what it reaches is the author's claim: `ping 10.244.3.3 (same node)`
//!   in node1's session, though the book's own table puts 10.244.3.3 on
//!   node2, and `exit (from node2)` in node1's session drift (they were
//!   `match` and `skipped`, rc 0);
//! - lesser 2: a curl's page shown whole with no title and no line naming
//!   its pod (Apache's untitled `It works!`, a plain `Hello from a pod on
//!   node2`) is not what the reader's curl prints from the lab's nginx:
//!   drift (it was `skipped`, rc 0);
//! - lesser 4: `--kubeconfig ./old/admin.conf`, a folder no command of the
//!   chapter makes, drifts as `./admin.cfg` does (it passed: only the file
//!   name was judged).
//!
//! Control: the shipped chapter, whose remarks (`(same node)`, `(across
//! node)`, `(from node1)`) are true, passes. Seen failing first: the build
//! before the fix (e660dd9) gave rc 0 for each case.

use serde_json::Value;

/// The case `name`'s chapter: chapter4's with a line changed or a block
/// put in after line 98.
fn chapter(name: &str) -> String {
    let base =
        std::fs::read_to_string(crate::harness::root().join("labs/chapter4/chapter.md")).unwrap();
    let changed = |from: &str, to: &str| {
        assert!(base.contains(from), "{from}");
        base.replacen(from, to, 1)
    };
    let curl = |page: &str| {
        let lines: Vec<&str> = base.lines().collect();
        format!(
            "{}\n\n```bash\nvagrant ssh node1\ncurl -s 10.244.1.2\n{page}\nexit\n```\n{}\n",
            lines[..98].join("\n"),
            lines[98..].join("\n")
        )
    };
    match name {
        "g1" => changed(
            "ping 10.244.3.3 (across node)",
            "ping 10.244.3.3 (same node)",
        ),
        "g2" => changed("exit (from node1)", "exit (from node2)"),
        "k1" => curl("<html><body><h1>It works!</h1></body></html>"),
        "k2" => curl("Hello from a pod on node2"),
        "a14" => changed(
            "kubectl --kubeconfig ./admin.conf logs -n kube-system kube-flannel-ds-zzkf7",
            "kubectl --kubeconfig ./old/admin.conf logs -n kube-system kube-flannel-ds-zzkf7",
        ),
        "shipped" => base,
        _ => panic!("no case {name}"),
    }
}

fn book(name: &str) -> (i32, String, Value) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(format!("{name}.md"));
    std::fs::write(&path, chapter(name)).unwrap();
    // An absolute path: `fixture` joins it as it is.
    crate::book::book_with_chapter4_known("pbe", path.to_str().unwrap())
}

/// probe21be, lesser 5; the shipped chapter's true remarks pass.
#[test]
fn a_wrong_remark_of_place_drifts() {
    crate::book::fails_at(
        book,
        &[
            (
                "g1",
                90,
                "drift",
                "ping 10.244.3.3 (same node): the remark says 10.244.3.3 is a pod of the same node, but the book's own tables put it on node2",
            ),
            (
                "g2",
                94,
                "drift",
                "exit (from node2): the remark says the line is typed from node2, but it stands in node1's session",
            ),
        ],
    );
    let (code, stdout, _) = book("shipped");
    assert_eq!(code, 0, "{stdout}");
}

/// probe21be, lesser 2.
#[test]
fn an_untitled_page_naming_no_pod_drifts() {
    let page = "curl: the book's page (`";
    crate::book::fails_at(
        book,
        &[("k1", 102, "drift", page), ("k2", 102, "drift", page)],
    );
}

/// probe21be, lesser 4.
#[test]
fn a_kubeconfig_in_a_folder_no_command_makes_drifts() {
    crate::book::fails_at(
        book,
        &[(
            "a14",
            170,
            "drift",
            "no command of the chapter makes the kubeconfig ./old/admin.conf",
        )],
    );
}
