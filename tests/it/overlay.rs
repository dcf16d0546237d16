//! A node's files are its own: a node (and its pods) sees the host's `/`
//! through an overlay whose upper layer is the node's, so writes made on a
//! node stay in the lab, another node does not see them, and `destroy`
//! removes the layers and leaves no mount behind.

use crate::labs::{TestLab, text};
use std::path::Path;

/// The host's mount points of the lab: in its state folder or where its
/// node overlays are mounted.
fn mounts_of(lab: &TestLab) -> Vec<String> {
    let state = lab.dir().display().to_string();
    let roots = format!("/run/lab-root/{}/", lab.name);
    std::fs::read_to_string("/proc/self/mountinfo")
        .unwrap()
        .lines()
        .filter_map(|l| l.split(' ').nth(4))
        .filter(|m| m.starts_with(&state) || m.starts_with(&roots))
        .map(str::to_string)
        .collect()
}

#[test]
fn a_nodes_writes_stay_in_the_lab_and_destroy_removes_its_layers() {
    let lab = TestLab::chapter4("fs");
    lab.up(&[]);
    let file = format!("/tmp/lab-overlay-test-{}", lab.name);
    let etc = format!("/etc/lab-overlay-test-{}", lab.name);

    let out = lab.ssh("node1", &format!("touch {file} {etc} && hostname"));
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "node1");
    for f in [&file, &etc] {
        assert!(!Path::new(f).exists(), "{f} was made on the host");
    }
    // node1 sees what it wrote, in a later session; node2 does not.
    let out = lab.ssh("node1", &format!("test -e {file} && test -e {etc}"));
    assert!(out.status.success(), "node1 lost its files: {}", text(&out));
    let out = lab.ssh("node2", &format!("test -e {file} || test -e {etc}"));
    assert_eq!(
        out.status.code(),
        Some(1),
        "node2 sees node1's files: {}",
        text(&out)
    );
    // The node's write is in its layer inside the lab's state folder.
    let upper = lab.dir().join("nodes/node1/fs/upper");
    assert!(upper.join(file.trim_start_matches('/')).exists());
    // The tools of the chapter still work on a node's own root.
    let out = lab.ssh(
        "node1",
        "ip -br link show flannel.1 && iptables-save >/dev/null && tcpdump --version >/dev/null 2>&1 && cat /run/flannel/subnet.env",
    );
    assert!(out.status.success(), "{}", text(&out));
    assert!(!mounts_of(&lab).is_empty(), "no overlay mounted");
    // The nodes' and pods' folders are on the lab's own tmpfs, outside the
    // state folder (destroy detaches it instead of unlinking every file).
    let files = format!("/run/lab-root/{}/.files", lab.name);
    let tmpfs = std::fs::read_to_string("/proc/self/mountinfo")
        .unwrap()
        .lines()
        .any(|l| {
            let f: Vec<&str> = l.split(' ').collect();
            let dash = f.iter().position(|x| *x == "-").unwrap_or(f.len());
            f.get(4) == Some(&files.as_str())
                && f.get(dash + 1) == Some(&"tmpfs")
                && f.get(dash + 2) == Some(&format!("lab.{}.files", lab.name).as_str())
        });
    assert!(tmpfs, "no tmpfs lab.{}.files at {files}", lab.name);
    for d in ["nodes", "pods"] {
        let link = std::fs::read_link(lab.dir().join(d)).unwrap();
        assert_eq!(link, Path::new(&files).join(d));
    }
    assert!(Path::new(&files).join("nodes/node1/fs/upper").is_dir());

    let out = lab.lab(&["destroy", &lab.name]);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(mounts_of(&lab), Vec::<String>::new());
    assert!(!lab.dir().join("nodes").exists(), "the layers are left");
    assert!(!Path::new(&format!("/run/lab-root/{}", lab.name)).exists());
}

#[test]
fn destroy_unmounts_the_layers_of_a_lab_whose_state_folder_is_gone() {
    let lab = TestLab::chapter4("fs");
    lab.up(&[]);
    assert!(!mounts_of(&lab).is_empty());
    // `rm -rf` of the state folder never walks into a node's view of `/`:
    // the overlays are mounted outside it.
    std::fs::remove_dir_all(lab.dir()).unwrap();
    let out = lab.lab(&["destroy", &lab.name]);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(mounts_of(&lab), Vec::<String>::new());
}
