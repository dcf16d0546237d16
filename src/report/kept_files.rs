//! Files a report never replaces, whatever their path: a database (the
//! nightly history, which holds every night's results), a program (an
//! executable file: a script, a binary), a lab file (YAML with a lab's
//! `nodes:`) and a file a lab reads ([`super::lab_folder_files`]). The one
//! owner of that rule, for reports and for every other file a command
//! writes where the user says ([`super::output::check_written`]). Their paths are nobody's input to this run, so the check of
//! inputs ([`super::output::Reports::check_inputs`]) lets them by; a typo
//! in `--json` then lost what cannot be made again (probe21bo lesser 4:
//! `verify --json` over another lab's `lab.yaml`, over a nightly history
//! database, over a script, each exit 0).

use std::io::Read;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

/// The first bytes of every SQLite 3 database file.
const SQLITE_MAGIC: &[u8] = b"SQLite format 3\0";

/// How much of a file is read to tell what it is.
const LOOK_BYTES: u64 = 64 << 10;

/// Why the file `path` names (through its links) must not be replaced by
/// a report, if it exists and must not.
pub(super) fn why_kept_at(path: &Path) -> Option<String> {
    let dest = super::output::destination(path).ok()?;
    let meta = std::fs::metadata(&dest).ok()?;
    why_kept(&dest, &meta).or_else(|| super::lab_folder_files::why_read_by_a_lab(&dest, &meta))
}

/// Why the existing regular file `dest` must not be replaced by a report,
/// if it must not.
pub(super) fn why_kept(dest: &Path, meta: &std::fs::Metadata) -> Option<String> {
    // Only a regular file is read: opening a FIFO or a terminal to read
    // it would wait for a writer.
    if !meta.is_file() {
        return None;
    }
    if meta.permissions().mode() & 0o111 != 0 {
        return Some(
            "is an executable file (a program or script), which a report never replaces".into(),
        );
    }
    let mut head = Vec::new();
    let f = std::fs::File::open(dest).ok()?;
    f.take(LOOK_BYTES).read_to_end(&mut head).ok()?;
    if head.starts_with(SQLITE_MAGIC) {
        return Some(
            "is a database (perhaps a nightly history, every night's results), which a report never replaces"
                .into(),
        );
    }
    if looks_like_a_lab_file(&head) {
        return Some(
            "is a lab file (it has a lab's `nodes:`), which a report never replaces".into(),
        );
    }
    None
}

/// Whether `head` reads as a lab file: YAML whose top level has `nodes:`
/// (and a `name:`), as every lab file has.
fn looks_like_a_lab_file(head: &[u8]) -> bool {
    let Ok(text) = std::str::from_utf8(head) else {
        return false;
    };
    let top = |key: &str| text.lines().any(|l| l.trim_end().starts_with(key));
    top("nodes:") && top("name:")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kept(content: &[u8], mode: u32) -> Option<String> {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("f");
        std::fs::write(&p, content).unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(mode)).unwrap();
        why_kept(&p, &std::fs::metadata(&p).unwrap())
    }

    #[test]
    fn a_database_a_program_and_a_lab_file_are_kept() {
        let db = [SQLITE_MAGIC, &[0u8; 100][..]].concat();
        assert!(kept(&db, 0o644).unwrap().contains("database"));
        assert!(
            kept(b"#!/bin/sh\necho hi\n", 0o755)
                .unwrap()
                .contains("executable")
        );
        assert!(kept(b"{}", 0o744).unwrap().contains("executable"));
        let lab = b"name: chapter4\ntitle: x\nnodes:\n  - name: master\n";
        assert!(kept(lab, 0o644).unwrap().contains("lab file"));
    }

    /// Seen failing with the check out of `check_inputs`: it
    /// let `--json` name a database, a script and a lab file.
    #[test]
    fn a_report_path_naming_one_is_refused_before_anything_runs() {
        let d = tempfile::tempdir().unwrap();
        let files = [
            (
                "history.db",
                [SQLITE_MAGIC, &[0u8; 8][..]].concat(),
                0o644,
                "database",
            ),
            ("run.sh", b"#!/bin/sh\n".to_vec(), 0o755, "executable"),
            (
                "lab.yaml",
                b"name: a\nnodes: []\n".to_vec(),
                0o644,
                "lab file",
            ),
        ];
        for (name, body, mode, why) in files {
            let p = d.path().join(name);
            std::fs::write(&p, &body).unwrap();
            std::fs::set_permissions(&p, std::fs::Permissions::from_mode(mode)).unwrap();
            let r = crate::report::output::Reports::new(None, Some(p.clone()));
            let e = r.check_inputs(&[]).unwrap_err().to_string();
            assert!(e.starts_with("--json") && e.contains(why), "{name}: {e}");
            assert_eq!(std::fs::read(&p).unwrap(), body, "{name} unchanged");
        }
    }

    /// A FIFO (even an executable one) is not opened to be read: that
    /// would wait for a writer for good.
    #[test]
    fn a_fifo_is_not_read() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("fifo");
        nix::unistd::mkfifo(&p, nix::sys::stat::Mode::from_bits_truncate(0o755)).unwrap();
        assert_eq!(why_kept(&p, &std::fs::metadata(&p).unwrap()), None);
    }

    #[test]
    fn an_old_report_and_other_files_are_replaced() {
        for body in [
            &b"{\n  \"schema\": 1\n}\n"[..],
            b"<?xml version=\"1.0\"?><testsuites/>",
            b"<!DOCTYPE html><html></html>",
            b"",
            // YAML that is no lab: no `nodes:` at its top.
            b"name: x\nitems:\n  nodes: 3\n",
        ] {
            assert_eq!(kept(body, 0o644), None, "{}", String::from_utf8_lossy(body));
        }
    }
}
