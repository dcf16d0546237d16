//! The known-drift file: differences between the book and the lab that a
//! person has looked at and explained. An entry is keyed by what it is
//! about, the command as the book writes it (whitespace normalised) and the
//! exact difference sentence, so lines added to the chapter above it leave
//! it known; its `line` is a hint for people (where the command stood when
//! it was blessed), and `occurrence` tells identical commands of one chapter
//! apart. Each carries a `reason:` a person writes. How a replay's
//! differences meet the entries (and which entries are stale) is
//! [`super::judge`]'s; `lab book --bless` writes the chapter's current drift
//! here, keeping the reasons of entries that still match. The book is never
//! edited.
//!
//! Version 2 is written. Version 1 files (keyed by the line of the block's
//! opening fence) are still read: an entry with its command is matched by
//! content like a version 2 one, one without by its line as before; the
//! next `--bless` rewrites the file as version 2, reasons kept.
//!
//! Read bounded (a FIFO or a device is refused by its type before it is
//! opened, and opened without blocking; at most [`MAX_BYTES`] are read) and
//! parsed strictly, like the lab file: unknown keys, a missing field or an
//! empty value are errors naming the file, the line and the field.

use serde::{Deserialize, Serialize};

/// One explained difference: the type is the record's
/// ([`crate::report::book_section::Entry`]), its behaviour here.
pub use crate::report::book_section::Entry;
use std::path::Path;

/// What `--bless` writes as the reason of a new entry, for a person to fill in.
pub const TODO: &str = "TODO: say why the lab differs from the book here";

/// Whether a reason is a placeholder (its rule is the run verdict's).
pub use super::verdict::unwritten;

/// How many differences of a judged report met an entry whose reason is
/// still [`TODO`].
pub fn unwritten_in(r: &crate::book::BookReport) -> usize {
    let known = r
        .blocks
        .iter()
        .flat_map(|b| &b.commands)
        .flat_map(|c| &c.known);
    known.filter(|k| unwritten(k)).count()
}

/// The version `--bless` writes.
pub const VERSION: u32 = 2;

/// The largest known-drift file read (the chapter's has two entries in 3 KB).
pub const MAX_BYTES: u64 = 1 << 20;

impl Entry {
    /// Whether the entry is a version 1 one without a command, matched by
    /// the line of its block rather than by content.
    pub fn by_line(&self) -> bool {
        self.command.is_empty()
    }
}

/// A known-drift file, whichever version it was read from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KnownFile {
    /// The version it was read as (a missing file is the current one).
    pub version: u32,
    #[serde(default)]
    pub drift: Vec<Entry>,
}

impl Default for KnownFile {
    fn default() -> Self {
        KnownFile {
            version: VERSION,
            drift: Vec::new(),
        }
    }
}

/// A version 1 entry: keyed by the line of the block's opening fence.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct EntryV1 {
    line: usize,
    #[serde(default)]
    command: String,
    difference: String,
    reason: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileV1 {
    #[allow(dead_code)]
    version: u32,
    #[serde(default)]
    drift: Vec<EntryV1>,
}

/// Just the version, to choose the shape the rest is read as.
#[derive(Debug, Deserialize)]
struct Head {
    version: Option<u32>,
}

/// A command's text as entries key it: words separated by one space.
pub fn normalize(command: &str) -> String {
    command.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The known-drift file beside a chapter (the lab definition names it:
/// [`crate::spec::known_drift_path`]).
pub use crate::spec::known_drift_path as default_path;

/// Read at most [`MAX_BYTES`] of a regular file as UTF-8, without blocking:
/// a FIFO, a socket or a device is refused by its type before it is opened
/// (and the file is opened non-blocking and checked again, in case it was
/// swapped). `Ok(None)`: there is no such file.
fn read_bounded(path: &Path, home: Option<&Path>) -> Result<Option<String>, String> {
    use std::io::Read;
    use std::os::unix::fs::OpenOptionsExt;
    let name = path.display();
    let refuse = |t| {
        format!(
            "{name}: is {}; a known-drift file is a regular file",
            crate::input_file::kind(t)
        )
    };
    let meta = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(format!("{name}: cannot read the known-drift file: {e}")),
    };
    if !meta.is_file() {
        return Err(refuse(meta.file_type()));
    }
    let too_big = |size: String| {
        format!(
            "{name}: the known-drift file is {size} bytes; at most {MAX_BYTES} ({} MiB) are read",
            MAX_BYTES >> 20
        )
    };
    if meta.len() > MAX_BYTES {
        return Err(too_big(meta.len().to_string()));
    }
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY)
        .open(path)
        .map_err(|e| format!("{name}: cannot read the known-drift file: {e}"))?;
    let meta = file
        .metadata()
        .map_err(|e| format!("{name}: cannot read the known-drift file: {e}"))?;
    if !meta.is_file() {
        return Err(refuse(meta.file_type()));
    }
    super::opened_inside(&file, home, "the chapter's folder")
        .map_err(|why| format!("{name}: {why}"))?;
    let mut bytes = Vec::new();
    file.take(MAX_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("{name}: cannot read the known-drift file: {e}"))?;
    if bytes.len() as u64 > MAX_BYTES {
        return Err(too_big(format!("more than {MAX_BYTES}")));
    }
    String::from_utf8(bytes).map(Some).map_err(|e| {
        let at = e.utf8_error().valid_up_to();
        let line = e.as_bytes()[..at].iter().filter(|b| **b == b'\n').count() + 1;
        format!("{name}:{line}: bytes that are not UTF-8")
    })
}

/// A serde error as `FILE:LINE: message`: its position in front, and once
/// (`…, while scanning a quoted scalar at line 4 column 15` is kept).
fn yaml_error(path: &Path, e: serde_norway::Error) -> String {
    let line = e.location().map(|l| l.line()).unwrap_or(1);
    let msg = e.to_string();
    let msg = match msg.split_once(" at line ") {
        Some((head, tail)) => {
            let rest = tail
                .split_once(" column ")
                .map(|(_, c)| c.trim_start_matches(|ch: char| ch.is_ascii_digit()))
                .unwrap_or("");
            format!("{head}{rest}")
        }
        None => msg,
    };
    format!("{}:{line}: {msg}", path.display())
}

/// Read a known-drift file; a missing file is an empty one.
pub fn load(path: &Path) -> Result<KnownFile, String> {
    load_within(path, None)
}

/// [`load`], the file read only when what was opened resolves inside
/// `home` (when given; `lab book --watch`, as [`super::parse::read_within`]).
pub fn load_within(path: &Path, home: Option<&Path>) -> Result<KnownFile, String> {
    let Some(text) = read_bounded(path, home)? else {
        return Ok(KnownFile::default());
    };
    parse(path, &text)
}

/// Parse and validate the text of a known-drift file read from `path`.
pub fn parse(path: &Path, text: &str) -> Result<KnownFile, String> {
    // A byte order mark (Windows editors write one) is no YAML: read
    // with it, the file was "more than one document" (a lab file reads).
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let name = path.display();
    // No alias: the file's bound (1 MiB) bounds its entries (probe21al).
    crate::testbed::guard::check_no_aliases(text)
        .map_err(|e| format!("{name}:{}: {}", e.line.unwrap_or(1), e.message))?;
    let head: Head = serde_norway::from_str(text).map_err(|e| yaml_error(path, e))?;
    let at = crate::testbed::locate::Locator::new(text);
    let line_of = |field: &str| at.locate(field).map(|(l, _)| l).unwrap_or(1);
    let k = match head.version {
        None => {
            return Err(format!(
                "{name}:1: version: missing; a known-drift file starts with `version: {VERSION}`"
            ));
        }
        Some(1) => {
            let v1: FileV1 = serde_norway::from_str(text).map_err(|e| yaml_error(path, e))?;
            KnownFile {
                version: 1,
                drift: v1
                    .drift
                    .into_iter()
                    .map(|e| Entry {
                        command: normalize(&e.command),
                        line: Some(e.line),
                        occurrence: None,
                        difference: e.difference,
                        reason: e.reason,
                    })
                    .collect(),
            }
        }
        Some(VERSION) => serde_norway::from_str(text).map_err(|e| yaml_error(path, e))?,
        Some(v) => {
            return Err(format!(
                "{name}:{}: version: {v} is not one lab reads (1 or {VERSION})",
                line_of("version")
            ));
        }
    };
    let mut problems = Vec::new();
    for (i, e) in k.drift.iter().enumerate() {
        let mut bad = |field: &str, why: &str| {
            let f = format!("drift[{i}].{field}");
            problems.push(format!("{name}:{}: {f}: {why}", line_of(&f)));
        };
        if k.version == VERSION && normalize(&e.command).is_empty() {
            bad("command", "empty; the command as the book writes it");
        }
        if e.line == Some(0) {
            bad("line", "lines count from 1");
        }
        if e.occurrence == Some(0) {
            bad("occurrence", "occurrences count from 1");
        }
        if e.difference.trim().is_empty() {
            bad("difference", "empty");
        }
        if e.reason.trim().is_empty() {
            bad(
                "reason",
                "empty; say why the lab differs from the book here",
            );
        } else if super::verdict::typed_placeholder(&e.reason) {
            bad(
                "reason",
                &format!(
                    "`{}` is a placeholder, not a reason (one or two characters, N/A, WIP, pending, to do, TBD in any spelling); say why the lab differs from the book here",
                    normalize(&e.reason)
                ),
            );
        }
    }
    if !problems.is_empty() {
        return Err(problems.join("\n"));
    }
    Ok(KnownFile {
        version: k.version,
        drift: k
            .drift
            .into_iter()
            .map(|e| Entry {
                command: normalize(&e.command),
                ..e
            })
            .collect(),
    })
}

/// `s` as a YAML value of a key indented by `indent` minus two: plain or
/// quoted on one line as serde writes it, or serde's block scalar indented
/// to sit under the key. (What this makes is read back before it is kept.)
fn scalar(s: &str, indent: &str) -> Option<String> {
    let y = serde_norway::to_string(s).ok()?;
    let y = y.strip_suffix('\n').unwrap_or(&y);
    let mut lines = y.lines();
    let mut out = lines.next()?.to_string();
    for l in lines {
        out.push('\n');
        if !l.is_empty() {
            out.push_str(indent);
            out.push_str(l.strip_prefix("  ").unwrap_or(l));
        }
    }
    Some(out)
}

/// `s` as a folded block scalar (`>-`) indented by `indent`, wrapped at 76
/// columns, where that reads back as exactly `s` (one line of words with
/// single spaces between them); None otherwise.
fn folded(s: &str, indent: &str) -> Option<String> {
    if s.is_empty()
        || s != normalize(s)
        || s.chars().any(|c| c.is_control() || c == '\u{feff}')
        || s.starts_with('#')
    {
        return None;
    }
    let mut out = String::from(">-");
    let mut line = String::new();
    for w in s.split(' ') {
        if !line.is_empty() && indent.len() + line.len() + 1 + w.len() > 76 {
            out.push_str(&format!("\n{indent}{line}"));
            line.clear();
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(w);
    }
    out.push_str(&format!("\n{indent}{line}"));
    Some(out)
}

impl KnownFile {
    /// The file as YAML for people: a header, then each entry, its reason
    /// folded over lines where that reads back the same. Whatever cannot be
    /// written so (or does not read back as this file) is written as serde
    /// writes it.
    pub fn to_yaml(&self, chapter: &str) -> String {
        let header = format!(
            "# Known drift of {chapter}: where the lab and the book differ, and why.\n\
             # Written by `lab book --bless`; a person writes each `reason`. An entry is\n\
             # keyed by `command` (as the book writes it) and `difference`; `line` is where\n\
             # the command stood (a hint), `occurrence` which of identical commands it is.\n"
        );
        let mine = KnownFile {
            version: VERSION,
            drift: self.drift.clone(),
        };
        let plain = || {
            format!(
                "{header}{}",
                serde_norway::to_string(&mine).unwrap_or_default()
            )
        };
        let mut y = format!("{header}version: {VERSION}\ndrift:\n");
        if mine.drift.is_empty() {
            y = format!("{header}version: {VERSION}\ndrift: []\n");
        }
        for e in &mine.drift {
            let (Some(command), Some(difference)) =
                (scalar(&e.command, "    "), scalar(&e.difference, "    "))
            else {
                return plain();
            };
            y.push_str(&format!("- command: {command}\n"));
            if let Some(l) = e.line {
                y.push_str(&format!("  line: {l}\n"));
            }
            if let Some(o) = e.occurrence {
                y.push_str(&format!("  occurrence: {o}\n"));
            }
            y.push_str(&format!("  difference: {difference}\n"));
            match folded(&e.reason, "    ").or_else(|| scalar(&e.reason, "    ")) {
                Some(r) => y.push_str(&format!("  reason: {r}\n")),
                None => return plain(),
            }
        }
        match parse(Path::new(chapter), &y) {
            Ok(back) if back.drift == mine.drift => y,
            _ => plain(),
        }
    }
}

#[cfg(test)]
#[path = "known_reason_tests.rs"]
mod reason_tests;

#[cfg(test)]
mod tests {
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
}
