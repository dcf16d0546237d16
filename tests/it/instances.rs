//! Instances (`--name`): one lab up under several names at once, each with
//! its own state, namespaces, lock and claim and the book's addresses; a
//! destroy of one leaves the other; bad names refused before anything is
//! made; a lab named alone never stands for one of its instances.

use crate::labs::{TestLab, namespaces_of, text};
use std::process::Output;

/// Instances of one test lab, destroyed (by their names) when the test
/// ends, pass or fail; then the lab itself (`TestLab`'s own drop).
struct Instances {
    lab: TestLab,
    names: Vec<String>,
}

impl Instances {
    fn new(prefix: &str, count: usize) -> Instances {
        let lab = TestLab::chapter4(prefix);
        let names = (0..count)
            .map(|_| crate::labs::unique_name(&format!("{prefix}i")))
            .collect();
        Instances { lab, names }
    }

    fn lab(&self, args: &[&str]) -> Output {
        self.lab.lab(args)
    }

    fn file(&self) -> String {
        self.lab.file().display().to_string()
    }
}

impl Drop for Instances {
    fn drop(&mut self) {
        let mut left = vec![];
        for n in &self.names {
            let _ = self.lab.lab(&["destroy", n, "--purge"]);
            left.extend(namespaces_of(n));
        }
        if !left.is_empty() && !std::thread::panicking() {
            panic!("namespaces left after destroy: {left:?}");
        }
    }
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// The summary of `lab verify NAME --json`: (passed, failed), and whether
/// the command succeeded.
fn verify_summary(out: &Output, json: &std::path::Path) -> (u64, u64) {
    assert_eq!(out.status.code(), Some(0), "{}", text(out));
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(json).expect("the run record")).expect("JSON");
    let s = &report["summary"];
    (s["passed"].as_u64().unwrap(), s["failed"].as_u64().unwrap())
}

#[test]
fn two_instances_of_chapter4_run_side_by_side_and_die_alone() {
    let ins = Instances::new("in", 2);
    let (a, b) = (ins.names[0].clone(), ins.names[1].clone());
    let file = ins.file();
    for n in [&a, &b] {
        let out = ins.lab(&["up", &file, "--name", n]);
        assert!(out.status.success(), "up --name {n}:\n{}", text(&out));
    }
    // Each instance has namespaces of its own name; the lab's own name has none.
    let (na, nb) = (namespaces_of(&a), namespaces_of(&b));
    assert_eq!(na.len(), 7, "{na:?}");
    assert_eq!(nb.len(), 7, "{nb:?}");
    assert!(namespaces_of(&ins.lab.name).is_empty());

    // The book's addresses in both: the same, each in its own namespaces.
    let addresses = |n: &str| {
        let out = ins.lab(&["status", &file, "--name", n, "-o", "json"]);
        assert!(out.status.success(), "{}", text(&out));
        let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(doc["lab"], n);
        assert_eq!(doc["instance_of"], ins.lab.name.as_str());
        doc["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n["addresses"].clone())
            .collect::<Vec<_>>()
    };
    let (aa, ab) = (addresses(&a), addresses(&b));
    assert_eq!(aa, ab);
    assert!(
        aa[0].to_string().contains("10.100.198.200/24"),
        "the master's address is the book's: {aa:?}"
    );

    // Both checked at once, each passing its checks.
    let json = |n: &str| ins.lab.state.path().join(format!("{n}.json"));
    let children: Vec<_> = [&a, &b]
        .iter()
        .map(|n| {
            ins.lab
                .cmd()
                .args(["verify", n.as_str(), "--json"])
                .arg(json(n))
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .expect("spawn verify")
        })
        .collect();
    for (n, c) in [&a, &b].iter().zip(children) {
        let out = c.wait_with_output().unwrap();
        let (passed, failed) = verify_summary(&out, &json(n));
        assert!(
            passed >= 8 && failed == 0,
            "{n}: {passed} passed, {failed} failed"
        );
    }

    // `lab list` shows both, with their lab; its JSON keeps its schema.
    let out = ins.lab(&["list", "-o", "json"]);
    assert!(out.status.success(), "{}", text(&out));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let listed: Vec<(String, String)> = doc["instances"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["name"].as_str().unwrap().into(),
                i["lab"].as_str().unwrap().into(),
            )
        })
        .collect();
    let mut want = vec![
        (a.clone(), ins.lab.name.clone()),
        (b.clone(), ins.lab.name.clone()),
    ];
    want.sort();
    assert_eq!(listed, want);
    let schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(crate::harness::root().join("docs/lab-list.schema.json")).unwrap(),
    )
    .unwrap();
    let problems = crate::report::validate(&schema, &doc);
    assert!(problems.is_empty(), "{problems:?}\n{doc:#}");
    let mut broken = doc.clone();
    broken["instances"][0]["lab"] = serde_json::Value::Null;
    assert!(!crate::report::validate(&schema, &broken).is_empty());
    let out = ins.lab(&["list"]);
    let listing = String::from_utf8_lossy(&out.stdout);
    assert!(
        listing.contains(&format!("  {a} (lab {}, Up)", ins.lab.name)),
        "{listing}"
    );

    // `--name <TAB>` offers the instances up here.
    let out = ins
        .lab
        .cmd()
        .env("COMPLETE", "bash")
        .env("_CLAP_COMPLETE_INDEX", "3")
        .env("_CLAP_IFS", "\n")
        .args(["--", "lab", "verify", "--name", ""])
        .output()
        .unwrap();
    let offered = String::from_utf8_lossy(&out.stdout);
    let offered: Vec<&str> = offered.lines().collect();
    assert!(
        offered.contains(&a.as_str()) && offered.contains(&b.as_str()),
        "{offered:?}"
    );

    // The lab named alone is not up: never one of its instances.
    let out = ins.lab(&["destroy", &file]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let e = stderr(&out);
    assert!(
        e.contains(&format!("its instances are: {a}, {b}")) && e.contains("--name"),
        "{e}"
    );
    assert_eq!(namespaces_of(&a).len(), 7);
    assert_eq!(namespaces_of(&b).len(), 7);
    let out = ins.lab(&["verify", &file]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));

    // An instance is of one lab: not reachable as another's, its name not
    // taken by another lab's `up`.
    let out = ins.lab(&["verify", "chapter4", "--name", &a]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(stderr(&out).contains(&format!("'{a}' is an instance of lab '{}'", ins.lab.name)));
    let out = ins.lab(&["up", "chapter4", "--name", &a]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        stderr(&out).contains("is an instance of lab"),
        "{}",
        text(&out)
    );
    assert_eq!(namespaces_of(&a).len(), 7);

    // Destroy of one leaves the other up and passing.
    let out = ins.lab(&["destroy", &file, "--name", &a]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(namespaces_of(&a).is_empty(), "{:?}", namespaces_of(&a));
    assert_eq!(namespaces_of(&b), nb);
    let out = ins
        .lab
        .cmd()
        .args(["verify", "--name", &b, "--json"])
        .arg(json("b-after"))
        .output()
        .unwrap();
    let (passed, failed) = verify_summary(&out, &json("b-after"));
    assert!(
        passed >= 8 && failed == 0,
        "{passed} passed, {failed} failed"
    );
}

#[test]
fn bad_instance_names_are_refused_and_nothing_is_made() {
    let (_, state) = crate::harness::lab_cmd();
    let run = tempfile::tempdir().unwrap();
    let too_long = "a".repeat(41);
    for bad in ["Bad", "a_b", "-a", "a.b", "../x", "", too_long.as_str()] {
        // `--name=-a`: a value that starts with '-' is given with '='.
        let opt = format!("--name={bad}");
        let opt = opt.as_str();
        for cmd in [
            vec!["up", "chapter4", opt],
            vec!["test", "chapter4", opt],
            vec!["book", "chapter4", opt],
            vec!["destroy", "chapter4", opt],
            vec!["apply", "chapter4", opt, "--variant", "fixed"],
            vec!["verify", opt],
            vec!["status", "chapter4", opt],
            vec!["inspect", opt],
            vec!["graph", "chapter4", opt],
            vec!["graph", "chapter4", opt, "--variant", "fixed"],
            vec!["ssh", "chapter4", "master", opt],
        ] {
            let out = crate::harness::lab_cmd_in(state.path())
                .env("LAB_RUN_DIR", run.path())
                .current_dir(crate::harness::root())
                .args(&cmd)
                .output()
                .unwrap();
            assert_eq!(out.status.code(), Some(2), "{cmd:?}: {}", text(&out));
            let e = stderr(&out);
            assert!(
                e.contains(&format!("--name '{}'", bad.escape_debug()))
                    && (e.contains("not a valid instance name") || e.contains("too long")),
                "{cmd:?}: {e}"
            );
        }
    }
    // Nothing was made: no state folder, no claim, no namespace.
    assert_eq!(std::fs::read_dir(state.path()).unwrap().count(), 0);
    assert_eq!(std::fs::read_dir(run.path()).unwrap().count(), 0);
    assert!(
        crate::harness::netns_list()
            .iter()
            .all(|n| !n.starts_with("a.b"))
    );
}
