//! The known-drift file's own tests: reading, matching and writing its
//! entries. Apart from `known.rs` for its size.

use super::*;
use std::path::PathBuf;

fn entry(command: &str, line: usize, difference: &str, reason: &str) -> Entry {
    Entry {
        command: command.into(),
        line: Some(line),
        occurrence: None,
        difference: difference.into(),
        reason: reason.into(),
    }
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

/// A file saved with a byte order mark reads as without one (it was
/// refused as "more than one document").
#[test]
fn a_byte_order_mark_is_not_yaml() {
    let k = parse(Path::new("k.yaml"), "\u{feff}version: 2\ndrift: []\n").unwrap();
    assert_eq!(k.version, VERSION);
    assert!(k.drift.is_empty());
}

#[test]
fn a_written_file_reads_back_the_same_and_reads_well() {
    let long = "The book's cluster (Kubernetes 1.10) ran its containers with Docker, \
                whose daemon creates the docker0 bridge on every node; the lab's nodes run no Docker.";
    let mut k = KnownFile {
        version: VERSION,
        drift: vec![
            entry(
                "route -n",
                140,
                "route -n: the book has the row `172.17.0.0 docker0`; the lab has none",
                long,
            ),
            entry(
                "ping 10.244.1.2",
                84,
                "ping: #1: 'quoted' and \"double\": colon",
                "a: b # not a comment",
            ),
            entry("cat x", 9, "d", "  leading spaces\nand a second line\n"),
        ],
    };
    k.drift[1].occurrence = Some(2);
    let dir = tempfile::tempdir().unwrap();
    let y = k.to_yaml("c.md");
    let p = write(dir.path(), "c.drift.yaml", &y);
    assert_eq!(load(&p).unwrap(), k, "{y}");
    assert!(y.contains("version: 2\n"), "{y}");
    assert!(y.contains("  reason: >-\n    The book's cluster"), "{y}");
    assert!(y.lines().all(|l| l.len() <= 100), "{y}");
    assert!(y.contains("  occurrence: 2\n"), "{y}");
    let empty = KnownFile::default().to_yaml("c.md");
    assert_eq!(parse(Path::new("c"), &empty).unwrap(), KnownFile::default());
}

#[test]
fn version_1_files_still_load() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(
        dir.path(),
        "old.drift.yaml",
        "version: 1\ndrift:\n- line: 139\n  command: kubectl   exec x -- route -n\n  difference: d\n  reason: >-\n    because\n    docker\n- line: 7\n  difference: e\n  reason: a route of its own\n",
    );
    let k = load(&p).unwrap();
    assert_eq!(k.version, 1);
    assert_eq!(
        k.drift[0],
        entry("kubectl exec x -- route -n", 139, "d", "because docker")
    );
    assert!(!k.drift[0].by_line());
    assert!(k.drift[1].by_line() && k.drift[1].line == Some(7));
    // The shipped chapter's file loads, as version 2.
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let shipped = load(&root.join("labs/chapter4/chapter.drift.yaml")).unwrap();
    assert_eq!(shipped.version, VERSION);
    assert!(!shipped.drift.is_empty());
    assert!(shipped.drift.iter().all(|e| !e.by_line()));
    // The version 1 file the chapter shipped before loads too, its
    // entries matched by their commands.
    let v1 = load(&root.join("tests/fixtures/book/chapter4-v1.drift.yaml")).unwrap();
    assert_eq!(v1.version, 1);
    assert_eq!(v1.drift.len(), 2);
    assert!(
        v1.drift
            .iter()
            .all(|e| !e.by_line() && e.reason.len() > 100)
    );
    assert_eq!(v1.drift[0].line, Some(103));
}

#[test]
fn bad_files_name_the_file_line_and_field() {
    let dir = tempfile::tempdir().unwrap();
    for (text, want) in [
        (
            "version: 2\ndrift:\n- command: c\n  difference: d\n  reason: r\n  extra: 1\n",
            "bad.yaml:6: drift[0]: unknown field `extra`",
        ),
        (
            "version: 2\ndrift:\n- command: c\n  difference: d\n",
            "bad.yaml:3: drift[0]: missing field `reason`",
        ),
        (
            "version: 2\ndrift:\n- command: c\n  difference: 'd\n  reason: r\n",
            "bad.yaml:6: found unexpected end of stream, while scanning a quoted scalar at line 4 column 15",
        ),
        ("", "bad.yaml:1: version: missing"),
        ("# nothing\n", "bad.yaml:1: version: missing"),
        ("- a\n", "bad.yaml:1: invalid type: sequence"),
        (
            "version: x\n",
            "bad.yaml:1: version: invalid type: string \"x\", expected u32",
        ),
        (
            "version: 2\ndrift:\n- command: c\n  difference: d\n  reason: r\n- command: '  '\n  line: 0\n  difference: d\n  reason: ''\n",
            "bad.yaml:6: drift[1].command: empty",
        ),
        (
            "version: 3\ndrift: []\n",
            "bad.yaml:1: version: 3 is not one lab reads",
        ),
        ("drift: []\n", "bad.yaml:1: version: missing"),
        (
            "version: 1\ndrift:\n- line: 0\n  difference: d\n  reason: r\n",
            "bad.yaml:3: drift[0].line: lines count from 1",
        ),
        (
            "version: 2\nextra: 1\n",
            "bad.yaml:2: unknown field `extra`",
        ),
        ("version: [[[[\n", "bad.yaml:"),
    ] {
        let p = write(dir.path(), "bad.yaml", text);
        let e = load(&p).unwrap_err();
        assert!(e.contains(want), "{text:?}: wanted {want:?} in {e}");
    }
    // Every problem of the validation pass, each with its own line.
    let p = write(
        dir.path(),
        "bad.yaml",
        "version: 2\ndrift:\n- command: '  '\n  line: 0\n  difference: d\n  reason: ''\n",
    );
    let e = load(&p).unwrap_err();
    assert!(
        e.contains("bad.yaml:4: drift[0].line: lines count from 1"),
        "{e}"
    );
    assert!(e.contains("bad.yaml:6: drift[0].reason: empty"), "{e}");
    // A missing file is an empty one.
    assert_eq!(
        load(&dir.path().join("none.yaml")).unwrap(),
        KnownFile::default()
    );
    assert_eq!(
        default_path(Path::new("/x/chapter.md")),
        Path::new("/x/chapter.drift.yaml")
    );
}

#[test]
fn fifos_devices_and_huge_files_are_refused_without_reading_them() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("fifo.yaml");
    nix::unistd::mkfifo(&fifo, nix::sys::stat::Mode::from_bits_truncate(0o600)).unwrap();
    // Were it opened as a file, this would block until a writer came.
    let e = load(&fifo).unwrap_err();
    assert!(e.contains("fifo.yaml: is a FIFO"), "{e}");
    let e = load(Path::new("/dev/zero")).unwrap_err();
    assert!(e.contains("/dev/zero: is a character device"), "{e}");
    let e = load(dir.path()).unwrap_err();
    assert!(e.contains("is a folder"), "{e}");
    let big = dir.path().join("big.yaml");
    let f = std::fs::File::create(&big).unwrap();
    f.set_len(100 << 20).unwrap();
    let e = load(&big).unwrap_err();
    assert!(
        e.contains("big.yaml: the known-drift file is 104857600 bytes"),
        "{e}"
    );
    // A file that says it is empty and is not (procfs): the read is cut.
    let kallsyms = Path::new("/proc/kallsyms");
    if kallsyms.metadata().is_ok_and(|m| m.len() == 0) {
        let e = load(kallsyms).unwrap_err();
        assert!(e.contains("is more than 1048576 bytes"), "{e}");
    }
    let p = write(dir.path(), "latin1.yaml", "version: 2\n# caf\u{e9}\n");
    std::fs::write(&p, b"version: 2\n# caf\xe9\n").unwrap();
    let e = load(&p).unwrap_err();
    assert!(e.contains("latin1.yaml:2: bytes that are not UTF-8"), "{e}");
}
