//! How a report reaches its file ([`super::output::Target::write`]): a
//! regular file is replaced whole (a temporary file beside it, renamed over
//! it when complete), so a write that fails half way (a full disk) leaves
//! the last report as it was instead of an empty or cut file (probe21bo
//! lesser 5); devices, FIFOs and terminals are written through in place.
//!
//! The path is checked again when the report is written, at the end of a
//! run that may have taken minutes, and the write is about the file then
//! checked: the path must lead where it led when it was checked (a link
//! put in its place since is refused), it is checked again
//! ([`super::output::check_written`]: what lies there now may be a file
//! no report replaces), and the file its links end at is renamed over (a
//! link put there in the last moment is replaced, never followed), or the
//! file opened is the one checked (probe21bv: a link to another lab's
//! `lab.yaml` put in place of `--json F` during `lab test` had the report
//! written over that file).

use super::output::{destination, parent_of};
use std::io::Write;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

/// Write the report `bytes` to the path `p` names: checked now as at the
/// start ([`super::output::check_written`]), then written to the file
/// checked.
pub(super) fn write_checked(p: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dest = destination(p).map_err(std::io::Error::other)?;
    // The file a path names, its folder resolved, its own name not (a
    // link there now is what changed).
    let file = |f: &Path| {
        let real = crate::places::real_path(&parent_of(f));
        f.file_name().map_or(real.clone(), |n| real.join(n))
    };
    if let Some(was) = checked_destination(p)
        && file(&was) != file(&dest)
    {
        return Err(std::io::Error::other(format!(
            "now leads to {}, not to {} as when it was checked before the run (a link was put \
             in its place); not written",
            dest.display(),
            was.display()
        )));
    }
    let checked = std::fs::metadata(&dest).ok();
    // Checked by the path as given (`/dev/fd/N` is told from the kernel's
    // other files by it), then seen to lead where it led a moment ago.
    let host = super::host::now();
    super::output::check_written(p, &host.state_root, &host.records)
        .map_err(|why| std::io::Error::other(format!("found when writing: {why}; not written")))?;
    if destination(p).map_err(std::io::Error::other)? != dest {
        return Err(std::io::Error::other(format!(
            "{} changed while it was written (a link replaced); not written",
            p.display()
        )));
    }
    match replace_whole(&dest, bytes)? {
        true => Ok(()),
        false => write_through(p, checked.as_ref(), bytes),
    }
}

/// Where each output path led when it was checked, by the path as given.
static CHECKED: std::sync::Mutex<Vec<(PathBuf, PathBuf)>> = std::sync::Mutex::new(Vec::new());

/// Remember that `path` led to `dest` when it was checked (the last check
/// counts), so that the write goes to that file or to none.
pub(super) fn remember_checked(path: &Path, dest: &Path) {
    let mut c = CHECKED.lock().unwrap_or_else(|e| e.into_inner());
    c.retain(|(p, _)| p != path);
    c.push((path.to_path_buf(), dest.to_path_buf()));
}

/// Where `path` led when it was last checked, if it was.
fn checked_destination(path: &Path) -> Option<PathBuf> {
    let c = CHECKED.lock().unwrap_or_else(|e| e.into_inner());
    c.iter().find(|(p, _)| p == path).map(|(_, d)| d.clone())
}

/// Write `bytes` as the regular file `dest` (a path whose links were
/// followed) is or is to be: into a temporary file in its folder, renamed
/// over `dest` only when complete, with the old file's mode (and owner,
/// where that can be kept). A link found at `dest` now was put there
/// since: it is replaced, never followed. `false` when `dest` is no
/// regular file, or its folder takes no new file: then it is written
/// through in place.
fn replace_whole(dest: &Path, bytes: &[u8]) -> std::io::Result<bool> {
    use std::os::unix::fs::PermissionsExt;
    let old = match std::fs::symlink_metadata(dest) {
        Ok(m) if m.is_file() => Some(m),
        Ok(m) if m.file_type().is_symlink() => None,
        Ok(_) => return Ok(false),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(_) => return Ok(false),
    };
    let name = dest
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let Ok(mut tmp) = tempfile::Builder::new()
        .prefix(&format!(".{name}."))
        .suffix(".tmp")
        .permissions(std::fs::Permissions::from_mode(0o644))
        .tempfile_in(parent_of(dest))
    else {
        return Ok(false);
    };
    if let Some(m) = &old {
        tmp.as_file()
            .set_permissions(std::fs::Permissions::from_mode(m.mode() & 0o7777))?;
        // Kept for root writing a user's report; not possible otherwise.
        let _ = std::os::unix::fs::fchown(tmp.as_file(), Some(m.uid()), Some(m.gid()));
    }
    tmp.write_all(bytes)?;
    tmp.flush()?;
    // Dropped on an error above: the temporary file is removed.
    tmp.persist(dest).map_err(|e| e.error)?;
    Ok(true)
}

/// Write `bytes` into `p` in place: a device, a FIFO, a terminal; or a
/// regular file whose folder takes no new file, only if it is the file
/// `checked` (then emptied first).
fn write_through(
    p: &Path,
    checked: Option<&std::fs::Metadata>,
    bytes: &[u8],
) -> std::io::Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    // A report is made to be shared (CI artifacts, a browser):
    // created 0644 (less under a stricter umask); a node's output in
    // it comes from the node's own files, never the host's.
    // Opened without blocking: a FIFO that no one reads is an
    // error at once (ENXIO), never a hang that ignores signals;
    // one that is read (`--json /dev/stdout | jq`) works.
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .mode(0o644)
        .custom_flags(libc::O_NONBLOCK)
        .open(p)
        .map_err(|e| {
            if e.raw_os_error() == Some(libc::ENXIO) {
                std::io::Error::new(
                    e.kind(),
                    format!("{} is a FIFO that no one reads", p.display()),
                )
            } else {
                e
            }
        })?;
    // Not emptied at opening: a regular file is first seen to be the
    // one checked (one made since, or put in place by a link, is not).
    let opened = f.metadata()?;
    if opened.is_file() {
        let same = checked.is_some_and(|c| c.dev() == opened.dev() && c.ino() == opened.ino());
        if !same {
            return Err(std::io::Error::other(format!(
                "{} is not the file checked before the run (it was replaced since); not written",
                p.display()
            )));
        }
        f.set_len(0)?;
    }
    // Then its writes block as any file's do.
    let fd = std::os::fd::AsRawFd::as_raw_fd(&f);
    // SAFETY: fcntl on a descriptor this function owns.
    unsafe {
        let flags = libc::fcntl(fd, libc::F_GETFL);
        if flags >= 0 {
            libc::fcntl(fd, libc::F_SETFL, flags & !libc::O_NONBLOCK);
        }
    }
    f.write_all(bytes)?;
    f.flush()
}

#[cfg(test)]
mod tests {
    use super::super::output::{Reports, Target};
    use super::*;

    /// Lesser (probe21bv): the report path is checked at the start, a link
    /// to another lab's chapter is put in its place during the run, and
    /// the report is written at the end: refused then, the chapter kept.
    /// Seen failing on f04b48c (no check at write time): written through
    /// the link (`unwrap_err` on Ok).
    #[test]
    fn a_link_put_in_place_of_a_report_during_the_run_is_never_written_through() {
        let d = tempfile::tempdir().unwrap();
        let other = d.path().join("other");
        std::fs::create_dir(&other).unwrap();
        std::fs::write(other.join("lab.yaml"), "name: other\nbook: chapter.md\n").unwrap();
        std::fs::write(other.join("chapter.md"), "# the chapter\n").unwrap();
        let rp = d.path().join("rp");
        std::fs::create_dir(&rp).unwrap();
        let race = rp.join("race.json");
        Reports::new(None, Some(race.clone()))
            .check(&d.path().join("state"))
            .unwrap();
        std::os::unix::fs::symlink(other.join("chapter.md"), &race).unwrap();
        let e = Target::Path(race.clone()).write(b"{}").unwrap_err();
        assert!(e.to_string().contains("not written"), "{e}");
        assert_eq!(
            std::fs::read(other.join("chapter.md")).unwrap(),
            b"# the chapter\n"
        );
    }

    /// A link to a file no rule keeps (a user's notes), put in place of the
    /// report during the run: the write is about the file checked, so it
    /// is refused, the notes kept. Seen failing with the write-time check
    /// alone (no `checked_destination`): the notes replaced by the report.
    #[test]
    fn a_report_path_that_leads_elsewhere_since_it_was_checked_is_not_written() {
        let d = tempfile::tempdir().unwrap();
        let notes = d.path().join("notes.txt");
        std::fs::write(&notes, "mine").unwrap();
        let report = d.path().join("report.json");
        Reports::new(Some(report.clone()), None)
            .check(&d.path().join("state"))
            .unwrap();
        std::os::unix::fs::symlink(&notes, &report).unwrap();
        let e = Target::Path(report.clone()).write(b"{}").unwrap_err();
        assert!(e.to_string().contains("now leads to"), "{e}");
        assert_eq!(std::fs::read(&notes).unwrap(), b"mine");
    }

    /// What can only be checked when the report is written is checked
    /// then: the old report made a program during the run is kept. Seen
    /// failing with the `check_written` call out of `write_checked`: the
    /// program replaced.
    #[test]
    fn a_file_that_became_one_kept_during_the_run_is_not_replaced() {
        use std::os::unix::fs::PermissionsExt;
        let d = tempfile::tempdir().unwrap();
        let report = d.path().join("report.json");
        std::fs::write(&report, "{}").unwrap();
        Reports::new(None, Some(report.clone()))
            .check(&d.path().join("state"))
            .unwrap();
        std::fs::write(&report, "#!/bin/sh\n").unwrap();
        std::fs::set_permissions(&report, std::fs::Permissions::from_mode(0o755)).unwrap();
        let e = Target::Path(report.clone()).write(b"{}").unwrap_err();
        assert!(e.to_string().contains("found when writing"), "{e}");
        assert_eq!(std::fs::read(&report).unwrap(), b"#!/bin/sh\n");
    }

    /// The file checked is the file renamed over: a link found there when
    /// the report is written was put there since, and is replaced, never
    /// followed. Seen failing on f04b48c (`replace_whole` followed the
    /// links again): the link's target held `{}`, not `kept`.
    #[test]
    fn a_link_at_the_checked_file_is_replaced_not_followed() {
        let d = tempfile::tempdir().unwrap();
        let elsewhere = d.path().join("elsewhere");
        std::fs::write(&elsewhere, "kept").unwrap();
        let dest = d.path().join("report.json");
        std::os::unix::fs::symlink(&elsewhere, &dest).unwrap();
        assert!(replace_whole(&dest, b"{}").unwrap());
        assert_eq!(std::fs::read(&elsewhere).unwrap(), b"kept");
        assert!(std::fs::symlink_metadata(&dest).unwrap().is_file());
        assert_eq!(std::fs::read(&dest).unwrap(), b"{}");
    }
}
