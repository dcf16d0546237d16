//! `lab book --kubectl-matrix`: after the replay, the chapter's kubectl
//! lines through every kubectl minor found, in the JSON report, the
//! terminal and the JUnit results.

use crate::book::book_in;
use crate::harness::{copy_lab, require_root, unique_name};

#[test]
fn book_with_the_kubectl_matrix_on_netns() {
    require_root();
    let name = unique_name("bm");
    let lab = copy_lab("chapter4", &name);
    let known = lab.path().join("chapter.drift.yaml");
    // Today's drift blessed (kubectl 1.32's refusals among it): the
    // minors that refuse the same lines pass as known drift, exit 0.
    let (code, stdout, v, out, _lab) = book_in(
        &name,
        lab,
        &[
            "--kubectl-matrix",
            "--bless",
            "--known",
            known.to_str().unwrap(),
        ],
    );
    assert_eq!(code, 0, "{stdout}");
    let m = &v["kubectl_matrix"];
    let minors: Vec<String> = m["kubectls"]
        .as_array()
        .expect("the JSON has the matrix")
        .iter()
        .map(|k| {
            let v = k["version"].as_str().unwrap();
            v.rsplit_once('.').unwrap().0.to_string()
        })
        .collect();
    let col = |minor: &str| minors.iter().position(|m| m == minor).unwrap();
    let (c30, c32) = (col("1.30"), col("1.32"));
    let line = |n: u64| {
        m["lines"]
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["line"] == n)
            .unwrap_or_else(|| panic!("line {n} in the matrix"))
    };
    for n in [104, 124, 128, 132, 248] {
        assert_eq!(line(n)["cells"][c32]["verdict"], "refused", "{n}");
        assert_eq!(line(n)["cells"][c30]["verdict"], "deprecated", "{n}");
    }
    assert_eq!(line(70)["cells"][c32]["verdict"], "accepted");
    // The summary line and the table, in the terminal.
    assert!(
        stdout.contains("kubectl matrix: the chapter's kubectl lines work with kubectl ")
            && stdout.contains("; lines 104, 124, 128, 132, 248 are refused from 1.")
            && stdout.contains("(error: exec [POD] [COMMAND] is not supported anymore…)"),
        "{stdout}"
    );
    assert!(stdout.contains("\n  104 "), "{stdout}");
    // One JUnit result per minor; 1.32's passes as known drift.
    let x = std::fs::read_to_string(out.path().join("book.xml")).unwrap();
    for minor in &minors {
        assert!(
            x.contains(&format!(
                "kubectl {minor}: the chapter&apos;s kubectl lines"
            )),
            "{minor}: {x}"
        );
    }
    assert!(!x.contains("<failure"), "{x}");
}
