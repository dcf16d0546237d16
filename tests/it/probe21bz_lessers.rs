//! probe21bz's lessers: a lab up from a lab file not named `lab.yaml` that
//! `lab book`, `lab test`, `lab up` and `lab graph --variant` did not find
//! by its name (the others did); `lab apply` to the variant already
//! running, which said "already runs" on a state the others refuse; and
//! such a lab file's chapter, which a report replaced while the lab was
//! down.

use crate::labs::{TestLab, text};
use crate::probe21bv_state::Foreign;

/// chapter4 copied, its lab file renamed `custom.yaml` and its chapter
/// moved to `docs/chapter.md` (`book: docs/chapter.md`): one block that
/// reads node1's hostname.
fn custom(prefix: &str) -> TestLab {
    let t = TestLab::chapter4(prefix);
    let dir = t.src.path();
    let yaml = std::fs::read_to_string(t.file()).unwrap();
    let yaml = yaml.replace("book: chapter.md", "book: docs/chapter.md");
    assert!(yaml.contains("book: docs/chapter.md"));
    std::fs::write(dir.join("custom.yaml"), yaml).unwrap();
    std::fs::remove_file(t.file()).unwrap();
    std::fs::create_dir(dir.join("docs")).unwrap();
    std::fs::write(
        dir.join("docs/chapter.md"),
        "# A chapter\n\n```console\nvagrant@node1:~$ hostname\nnode1\n```\n",
    )
    .unwrap();
    t
}

/// Seen failing before `ops::definition`: `lab book NAME` said "no lab
/// named 'NAME'" (exit 2), and so did `lab graph NAME --variant fixed`,
/// `lab up NAME` and `lab test NAME`, while `verify`, `status`, `inspect`,
/// `ssh`, `graph`, `apply` and `destroy` found the lab by its name.
#[test]
fn a_lab_up_from_a_file_of_another_name_is_found_by_its_name_by_every_command() {
    let t = custom("lessbz");
    let out = t.lab(&["up", "./custom.yaml"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let name = t.name.as_str();
    let json = t.state.path().join("book.json");
    let json_arg = json.to_str().unwrap();
    let runs: Vec<(Vec<&str>, &[i32], &str)> = vec![
        (vec!["verify", name], &[0], ""),
        (vec!["status", name], &[0], ""),
        (vec!["inspect", name], &[0], ""),
        (vec!["ssh", name, "node1", "--", "true"], &[0], ""),
        (vec!["graph", name, "--format", "dot"], &[0], "live"),
        (
            vec!["graph", name, "--format", "dot", "--variant", "fixed"],
            &[0],
            "declared",
        ),
        (vec!["book", name, "--json", json_arg], &[0, 1], "hostname"),
        (vec!["up", name], &[2], "is already up"),
        (vec!["test", name], &[2], "is already up"),
        (vec!["apply", name, "--variant", "fixed"], &[0], ""),
        (vec!["destroy", name], &[0], ""),
    ];
    for (args, codes, says) in runs {
        let out = t.lab(&args);
        let said = text(&out);
        assert!(
            out.status.code().is_some_and(|c| codes.contains(&c)),
            "{args:?}: {said}"
        );
        assert!(!said.contains("no lab named"), "{args:?}: {said}");
        assert!(said.contains(says), "{args:?}: {said}");
    }
    // The book replayed the lab file's own chapter on the lab.
    let book: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&json).unwrap_or_default()).unwrap();
    assert!(
        book["chapter"]
            .as_str()
            .is_some_and(|c| c.ends_with("docs/chapter.md")),
        "{book}"
    );
}

/// Seen failing before `Provider::refuse_untrusted` was asked on the way
/// to "already runs": `lab apply LAB --variant broken` (the variant that
/// runs) exit 0 on a state listing a namespace of the lab's prefix that
/// its claim does not, which every other command refuses (exit 2).
#[test]
fn apply_to_the_variant_that_runs_refuses_a_state_the_claim_does_not_back() {
    let t = TestLab::chapter4("lessbzap");
    t.up(&[]);
    let foreign = Foreign::new(&t.name);
    let file = t.dir().join("state.json");
    let good = std::fs::read(&file).unwrap();
    for with_process in [false, true] {
        let state = foreign.crafted_into(&good, with_process);
        assert_eq!(state["variant"], "broken");
        std::fs::write(&file, serde_json::to_vec_pretty(&state).unwrap()).unwrap();
        let out = t.lab(&["apply", &t.name, "--variant", "broken"]);
        std::fs::write(&file, &good).unwrap();
        let said = text(&out);
        assert_eq!(out.status.code(), Some(2), "{said}");
        assert!(
            said.contains(&format!("lists namespace {}", foreign.ns)),
            "{said}"
        );
        assert!(!said.contains("already runs"), "{said}");
    }
    // The state as `lab` wrote it: already running, exit 0.
    let out = t.lab(&["apply", &t.name, "--variant", "broken"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(text(&out).contains("already runs"), "{}", text(&out));
}

/// Seen failing before `lab_folder_files` read every lab file of a folder
/// (not only `lab.yaml`): `lab verify OTHER --json dir/docs/chapter.md`,
/// `custom.yaml`'s chapter, while that lab was down, replaced it (exit 0).
#[test]
fn a_report_never_replaces_the_chapter_of_a_lab_file_of_another_name() {
    let other = TestLab::chapter4("lessbzo");
    other.up(&[]);
    let t = custom("lessbzc");
    let chapter = t.src.path().join("docs/chapter.md");
    let before = std::fs::read(&chapter).unwrap();
    for (flag, target) in [
        ("--json", chapter.clone()),
        ("--junit", t.src.path().join("chapter.drift.yaml")),
        ("--json", t.src.path().join("flannel_fix.yml")),
    ] {
        let was = std::fs::read(&target).ok();
        let out = other.lab(&["verify", &other.name, flag, target.to_str().unwrap()]);
        let said = text(&out);
        assert_eq!(out.status.code(), Some(2), "{}: {said}", target.display());
        assert!(said.contains("custom.yaml"), "{said}");
        assert_eq!(std::fs::read(&target).ok(), was, "{}", target.display());
    }
    assert_eq!(std::fs::read(&chapter).unwrap(), before);
}
