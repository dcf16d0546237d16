//! Unit tests of `lab init` (no root): the shipped chapter and the fixtures
//! under tests/fixtures/init/.

use super::{Settings, init};
use crate::error::LabError;
use crate::spec::{self, Role};
use std::path::{Path, PathBuf};

fn repo(p: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(p)
}

fn settings(chapter: PathBuf, dir: &Path) -> Settings {
    Settings {
        chapter,
        dir: Some(dir.to_path_buf()),
        force: false,
        strict: false,
    }
}

/// A folder holding chapter4's manifests (and no lab.yaml).
fn with_chapter4_manifests() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for f in ["flannel.yml", "flannel_fix.yml", "nginx-deployment.yaml"] {
        std::fs::copy(repo("labs/chapter4").join(f), dir.path().join(f)).unwrap();
    }
    dir
}

/// The comment lines right above the check named `name`.
fn comments_of<'a>(text: &'a str, name: &str) -> Vec<&'a str> {
    let lines: Vec<&str> = text.lines().collect();
    let at = lines
        .iter()
        .position(|l| l.trim() == format!("- name: \"{name}\""))
        .unwrap_or_else(|| panic!("no check {name} in\n{text}"));
    lines[..at]
        .iter()
        .rev()
        .take_while(|l| l.trim_start().starts_with('#'))
        .copied()
        .collect()
}

#[test]
fn chapter4_drafts_its_machines_network_variants_workload_and_checks() {
    let dir = with_chapter4_manifests();
    let d = init(&settings(repo("labs/chapter4/chapter.md"), dir.path())).unwrap();
    assert!(d.validated && d.drafted.is_empty() && d.missing.is_empty());
    let lab = spec::load_file(&d.lab_file, Default::default()).unwrap();
    let nodes: Vec<(&str, Role, String)> = lab
        .nodes
        .iter()
        .map(|n| (n.name.as_str(), n.role, n.ip.to_string()))
        .collect();
    assert_eq!(
        nodes,
        [
            ("master", Role::ControlPlane, "10.100.198.200".into()),
            ("node1", Role::Worker, "10.100.198.201".into()),
            ("node2", Role::Worker, "10.100.198.202".into()),
        ]
    );
    assert_eq!(lab.network.private.to_string(), "10.100.198.0/24");
    assert_eq!(lab.network.pods.to_string(), "10.244.0.0/16");
    assert_eq!(lab.network.nat.to_string(), "10.0.2.0/24");
    assert_eq!(
        (lab.interfaces.nat.as_str(), lab.interfaces.private.as_str()),
        ("enp0s3", "enp0s8")
    );
    let variants: Vec<(&str, String)> = lab
        .variants
        .iter()
        .map(|v| {
            (
                v.name.as_str(),
                v.manifest
                    .file_name()
                    .unwrap()
                    .to_string_lossy()
                    .into_owned(),
            )
        })
        .collect();
    assert_eq!(
        variants,
        [
            ("flannel", "flannel.yml".to_string()),
            ("flannel-fix", "flannel_fix.yml".to_string())
        ]
    );
    assert_eq!(lab.default_variant, "flannel");
    assert_eq!(lab.workloads.len(), 1);
    assert_eq!(lab.workloads[0].app, "nginx");
    assert_eq!(
        lab.book.as_deref(),
        Some(dir.path().join("chapter.md").as_path())
    );
    assert_eq!(
        std::fs::read(dir.path().join("chapter.md")).unwrap(),
        std::fs::read(repo("labs/chapter4/chapter.md")).unwrap(),
        "the chapter is copied byte for byte"
    );
    // Checks: before and after, each with the chapter lines it came from.
    let names: Vec<&str> = lab.checks.iter().map(|c| c.name.as_str()).collect();
    for n in [
        "node1 pings nginx on node1",
        "node1 pings nginx on node2",
        "nginx on node1 pings nginx on node2",
        "node1 sees the ping to nginx on node2 on flannel.1",
        "flannel on node1 chose its interface",
        "every node has its own pod subnet",
        "route from node1 to node2's pods goes through flannel.1",
    ] {
        assert!(names.contains(&n), "{n} not in {names:?}");
    }
    let across = lab
        .checks
        .iter()
        .find(|c| c.name == "node1 pings nginx on node2")
        .unwrap();
    assert_eq!(across.expect_for("flannel").to_string(), "unreachable");
    assert_eq!(
        across.expect_for("flannel-fix").to_string(),
        "reachable, ttl 63"
    );
    let text = std::fs::read_to_string(&d.lab_file).unwrap();
    let chapter: Vec<String> = std::fs::read_to_string(repo("labs/chapter4/chapter.md"))
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect();
    let c = comments_of(&text, "node1 pings nginx on node2");
    assert!(
        c.iter()
            .any(|l| l.contains("line 90:") && l.contains("no reply")),
        "{c:?}"
    );
    assert!(
        c.iter()
            .any(|l| l.contains("line 232:") && l.contains("ttl=63")),
        "{c:?}"
    );
    assert!(chapter[89].starts_with("ping 10.244.3.3"));
    assert!(chapter[231].starts_with("ping 10.244.3.4"));
    for check in &lab.checks {
        let c = comments_of(&text, &check.name);
        assert!(
            c.iter().any(|l| l.contains("line")),
            "{}: {c:?}",
            check.name
        );
    }
}

#[test]
fn manifests_the_folder_lacks_are_drafted_from_labs_templates() {
    let dir = tempfile::tempdir().unwrap();
    let d = init(&settings(repo("labs/chapter4/chapter.md"), dir.path())).unwrap();
    assert_eq!(
        d.drafted,
        ["flannel.yml", "flannel_fix.yml", "nginx-deployment.yaml"]
    );
    assert!(d.validated && d.missing.is_empty());
    let lab = spec::load_file(&d.lab_file, Default::default()).unwrap();
    let ifaces: Vec<String> = lab
        .variants
        .iter()
        .map(|v| {
            let f = v.cni.flannel().unwrap();
            format!("{}:{:?}", f.network, f.iface)
        })
        .collect();
    assert_eq!(ifaces, ["10.244.0.0/16:[]", "10.244.0.0/16:[\"enp0s8\"]"]);
    assert_eq!(lab.workloads[0].replicas, 2);
}

#[test]
fn an_existing_lab_file_is_kept_unless_forced() {
    let dir = with_chapter4_manifests();
    std::fs::write(dir.path().join("lab.yaml"), "mine\n").unwrap();
    let mut s = settings(repo("labs/chapter4/chapter.md"), dir.path());
    let e = init(&s).unwrap_err();
    assert_eq!(e.exit_code(), 2);
    assert!(e.to_string().contains("lab.yaml: exists; `--force`"), "{e}");
    assert_eq!(
        std::fs::read_to_string(dir.path().join("lab.yaml")).unwrap(),
        "mine\n"
    );
    assert!(!dir.path().join("chapter.md").exists(), "nothing written");
    s.force = true;
    init(&s).unwrap();
    assert!(
        std::fs::read_to_string(dir.path().join("lab.yaml"))
            .unwrap()
            .contains("name:")
    );
}

#[test]
fn another_chapter_of_the_same_name_in_the_folder_is_kept() {
    let dir = with_chapter4_manifests();
    std::fs::write(dir.path().join("chapter.md"), "my own chapter\n").unwrap();
    let e = init(&settings(repo("labs/chapter4/chapter.md"), dir.path())).unwrap_err();
    assert_eq!(e.exit_code(), 2);
    assert!(
        e.to_string().contains("chapter.md: exists and differs"),
        "{e}"
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("chapter.md")).unwrap(),
        "my own chapter\n"
    );
    assert!(!dir.path().join("lab.yaml").exists());
}

#[test]
fn strict_refuses_a_folder_that_lacks_manifests_and_writes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("lab");
    let mut s = settings(repo("labs/chapter4/chapter.md"), &dir);
    s.strict = true;
    let e = init(&s).unwrap_err();
    assert_eq!(e.exit_code(), 2);
    let m = e.to_string();
    assert!(
        m.contains("flannel.yml, flannel_fix.yml, nginx-deployment.yaml"),
        "{m}"
    );
    assert!(!dir.exists());
}

/// The fixture two-node chapter, in a folder of its own.
fn two_node() -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let ch = tmp.path().join("two-node.md");
    std::fs::copy(repo("tests/fixtures/init/two-node.md"), &ch).unwrap();
    (tmp, ch)
}

#[test]
fn another_voice_two_nodes_another_range_and_one_variant() {
    let (tmp, ch) = two_node();
    let s = Settings {
        chapter: ch.clone(),
        dir: None,
        force: false,
        strict: false,
    };
    // web.yaml is not nginx: named as missing, and the draft still written.
    let d = init(&s).unwrap();
    assert_eq!(d.dir, tmp.path().join("two-node"));
    assert_eq!(d.drafted, ["kube-flannel.yml"]);
    assert_eq!(d.missing.len(), 1);
    assert_eq!(d.missing[0].0, "web.yaml");
    assert!(!d.validated);
    // With web.yaml beside it, the draft loads whole.
    std::fs::copy(repo("tests/fixtures/init/web.yaml"), d.dir.join("web.yaml")).unwrap();
    let d = init(&Settings { force: true, ..s }).unwrap();
    assert!(d.validated && d.missing.is_empty(), "{d:?}");
    let lab = spec::load_file(&d.lab_file, Default::default()).unwrap();
    assert_eq!(lab.name, "two-node");
    let nodes: Vec<(&str, Role, String)> = lab
        .nodes
        .iter()
        .map(|n| (n.name.as_str(), n.role, n.ip.to_string()))
        .collect();
    assert_eq!(
        nodes,
        [
            ("ctrl", Role::ControlPlane, "192.168.56.10".into()),
            ("worker-a", Role::Worker, "192.168.56.11".into()),
        ]
    );
    assert_eq!(lab.network.private.to_string(), "192.168.56.0/24");
    assert_eq!(lab.network.pods.to_string(), "10.42.0.0/16");
    assert_eq!(lab.interfaces.private, "eth1");
    assert_eq!(lab.interfaces.nat, "eth0");
    assert_eq!(lab.default_variant, "kube-flannel");
    let f = lab.variants[0].cni.flannel().unwrap();
    assert_eq!(
        f.iface,
        ["eth1"],
        "--iface from the paragraph naming the file"
    );
    let got: Vec<(String, String)> = lab
        .checks
        .iter()
        .map(|c| (c.name.clone(), c.expect_for("kube-flannel").to_string()))
        .collect();
    let want = [
        (
            "every node has its own pod subnet",
            "FLANNEL_SUBNET distinct per node",
        ),
        (
            "flannel on worker-a chose its interface",
            "Using interface with name eth1",
        ),
        ("ctrl pings web on worker-a", "reachable, ttl 63"),
        (
            "route from ctrl to worker-a's pods goes through flannel.1",
            "flannel.1",
        ),
        ("worker-a pings web on worker-a", "reachable, ttl 64"),
        // Kubernetes' own view, from the tables (run on vagrant).
        ("every node is Ready", "holds"),
        ("2 flannel pods run", "holds"),
        ("1 web pod runs", "holds"),
    ];
    for (name, e) in want {
        let c = got
            .iter()
            .find(|g| g.0 == name)
            .unwrap_or_else(|| panic!("{name}: {got:?}"));
        assert!(c.1.contains(e), "{name}: {}", c.1);
    }
    assert_eq!(got.len(), want.len(), "{got:?}");
}

#[test]
fn the_expectation_follows_the_chapter_output() {
    // The same chapter with the reply removed: the ping is now expected
    // to fail, so a check drafted from it is not a constant.
    let (tmp, ch) = two_node();
    let text = std::fs::read_to_string(&ch).unwrap().replace(
        "64 bytes from 10.42.1.4: icmp_seq=1 ttl=63 time=0.610 ms\n",
        "",
    );
    std::fs::write(&ch, text).unwrap();
    let d = init(&settings(ch, &tmp.path().join("x"))).unwrap();
    let yaml = std::fs::read_to_string(&d.lab_file).unwrap();
    let at = yaml.find("- name: \"ctrl pings web on worker-a\"").unwrap();
    let expect = yaml[at..].lines().find(|l| l.contains("expect:")).unwrap();
    assert_eq!(expect.trim(), "expect: unreachable");
}

#[test]
fn a_chapter_with_no_machines_is_refused_and_nothing_is_made() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("out");
    let e = init(&settings(repo("tests/fixtures/init/no-machines.md"), &dir)).unwrap_err();
    assert!(matches!(e, LabError::Usage(_)));
    assert!(
        e.to_string().contains("no-machines.md: names no machines"),
        "{e}"
    );
    assert!(!dir.exists());
    let e = init(&settings(tmp.path().join("absent.md"), &dir)).unwrap_err();
    assert!(
        e.to_string().contains("absent.md: cannot read the chapter"),
        "{e}"
    );
    assert!(!dir.exists());
}

/// The seventh probe: a chapter whose title holds a terminal's control
/// characters (`ESC ] 0 ; ... BEL`) made `lab init` draft a title its own
/// lab file refuses: "internal error ... a bug of lab init", exit 3. A
/// title is words to show; its control characters are left out.
#[test]
fn a_title_with_control_characters_drafts_a_lab_that_loads() {
    let dir = with_chapter4_manifests();
    let text = std::fs::read_to_string(repo("labs/chapter4/chapter.md")).unwrap();
    let heading = "# Setup Network Using Flannel\n";
    assert!(text.contains(heading));
    let src = tempfile::tempdir().unwrap();
    let chapter = src.path().join("chapter.md");
    let hostile = text.replacen(
        heading,
        "# Setup Network Using Flannel\u{1b}]0;pwn\u{7}\n",
        1,
    );
    std::fs::write(&chapter, hostile).unwrap();
    let d = init(&settings(chapter, dir.path())).unwrap();
    let lab = spec::load_file(&d.lab_file, Default::default()).unwrap();
    assert!(!lab.title.chars().any(char::is_control), "{:?}", lab.title);
    assert!(
        lab.title.starts_with("Setup Network Using Flannel"),
        "{:?}",
        lab.title
    );
}

/// The nineteenth probe: a chapter whose pod network overlaps its node
/// network (`--pod-network-cidr 10.100.0.0/16`, nodes on 10.100.198.0/24)
/// made `lab init` say "internal error ... a bug of lab init", exit 3. It
/// is the chapter's facts: refused (exit 2), saying which networks overlap
/// and where each came from, nothing written.
#[test]
fn a_pod_network_over_the_node_network_is_refused_saying_why() {
    let dir = with_chapter4_manifests();
    let text = std::fs::read_to_string(repo("labs/chapter4/chapter.md")).unwrap();
    let src = tempfile::tempdir().unwrap();
    let chapter = src.path().join("chapter.md");
    let cidr = "--pod-network-cidr 10.244.0.0/16";
    assert!(text.contains(cidr));
    std::fs::write(
        &chapter,
        text.replace(cidr, "--pod-network-cidr 10.100.0.0/16"),
    )
    .unwrap();
    let before: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    let e = init(&settings(chapter, dir.path())).unwrap_err();
    assert_eq!(e.exit_code(), 2, "{e}");
    let said = e.to_string();
    assert!(
        said.contains("overlaps the pod network 10.100.0.0/16 (line 19"),
        "{said}"
    );
    assert!(said.contains("the node network 10.100.198.0/24"), "{said}");
    let after: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert_eq!(before.len(), after.len(), "nothing written");
}

/// probe21p, findings 3 and 4: `lab init CHAPTER DIR` where DIR is a link
/// wrote the lab's files into the folder it named, and a known-drift file
/// beside the chapter that is a link to a secret was copied (as 0644)
/// into the lab. Now a linked lab folder is refused, nothing written, and
/// the known-drift file is never read through a link.
#[test]
fn a_linked_lab_folder_or_known_drift_file_is_never_followed() {
    let t = tempfile::tempdir().unwrap();
    let elsewhere = t.path().join("elsewhere");
    std::fs::create_dir(&elsewhere).unwrap();
    let linked = t.path().join("ch");
    std::os::unix::fs::symlink(&elsewhere, &linked).unwrap();
    let e = init(&settings(repo("labs/chapter4/chapter.md"), &linked)).unwrap_err();
    assert_eq!(e.exit_code(), 2, "{e}");
    assert_eq!(std::fs::read_dir(&elsewhere).unwrap().count(), 0, "{e}");
    // A chapter whose known-drift file is a link to a secret.
    let src = t.path().join("src");
    std::fs::create_dir(&src).unwrap();
    std::fs::copy(repo("labs/chapter4/chapter.md"), src.join("ch.md")).unwrap();
    let secret = t.path().join("secret");
    std::fs::write(&secret, "the host's secret\n").unwrap();
    std::os::unix::fs::symlink(&secret, src.join("ch.drift.yaml")).unwrap();
    let out = with_chapter4_manifests();
    let e = init(&settings(src.join("ch.md"), out.path())).unwrap_err();
    assert_eq!(e.exit_code(), 2, "{e}");
    assert!(e.to_string().contains("symbolic link"), "{e}");
    let copied = std::fs::read_to_string(out.path().join("ch.drift.yaml")).unwrap_or_default();
    assert!(!copied.contains("secret"), "{e}: {copied}");
    assert!(!out.path().join("lab.yaml").exists(), "{e}");
}
