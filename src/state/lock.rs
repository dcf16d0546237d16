//! One mutating command per lab at a time: an exclusive `flock` on
//! `.lab/<name>/lock`, whose file says who holds it (and `/proc/locks`
//! says whether that is true).

use super::{lab_dir, make_private_dir};
use crate::error::{LabError, Result};
use serde::{Deserialize, Serialize};
use std::os::fd::AsRawFd;
use std::path::Path;
use std::sync::atomic::{AtomicI32, Ordering};

/// The lock file inside a lab's state folder.
pub const LOCK_FILE: &str = "lock";

/// Who holds a lab's lock: what the lock file says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Holder {
    pub command: String,
    pub pid: u32,
    /// Unix time the command took the lock.
    pub since: u64,
}

impl std::fmt::Display for Holder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let t = crate::clock::Utc::from_unix(self.since);
        write!(
            f,
            "`lab {}` (PID {}) since {}-{:02}-{:02} {:02}:{:02}:{:02} UTC",
            self.command, self.pid, t.year, t.month, t.day, t.hour, t.minute, t.second
        )
    }
}

/// One mutating command per lab at a time: an exclusive `flock` on
/// `.lab/<name>/lock`, held while the value lives (the kernel drops it when
/// the process ends, however it ends). The file says who holds it.
#[derive(Debug)]
pub struct Lock {
    file: std::fs::File,
}

/// The descriptors of the locks this process holds. A child of `lab`
/// between `fork` and `exec` shares them (`O_CLOEXEC` closes them only at
/// `exec`), so if `lab` is killed while a child sets itself up (a node's
/// entry mounts and pivots before it execs), that child would hold the lab's
/// lock after `lab` is gone and a `destroy` run at once would find the lab
/// busy. Such a child lets go of them first ([`let_go_in_child`]).
static HELD: [AtomicI32; 16] = [const { AtomicI32::new(-1) }; 16];

/// In a child between `fork` and `exec`: close this process's copies of
/// the lab locks' descriptors (the parent's lock stays held).
/// Async-signal-safe: atomic loads and `close`.
pub fn let_go_in_child() {
    for held in &HELD {
        let fd = held.load(Ordering::SeqCst);
        if fd >= 0 {
            // SAFETY: closing a descriptor of the child's own table.
            unsafe { libc::close(fd) };
        }
    }
}

impl Drop for Lock {
    fn drop(&mut self) {
        // Forgotten before the file closes: a child forked in between
        // holds the descriptor only until its exec.
        let fd = self.file.as_raw_fd();
        for held in &HELD {
            let _ = held.compare_exchange(fd, -1, Ordering::SeqCst, Ordering::SeqCst);
        }
    }
}

fn flock(f: &std::fs::File, op: libc::c_int) -> std::io::Result<()> {
    // SAFETY: flock on a file descriptor this process owns.
    if unsafe { libc::flock(f.as_raw_fd(), op) } == 0 {
        Ok(())
    } else {
        Err(std::io::Error::last_os_error())
    }
}

/// Open (making it) the lock file `path`, a file only its owner can open:
/// never through a link nor blocking (a FIFO), a regular file of this
/// process's user (one planted by another is refused, untouched), 0600 (an
/// older, wider one is made so).
pub(crate) fn open_private(path: &Path) -> Result<std::fs::File> {
    use std::os::unix::fs::{MetadataExt, OpenOptionsExt, PermissionsExt};
    let f = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .mode(0o600)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
        .open(path)
        .map_err(|e| LabError::io(format!("opening {}", path.display()), e))?;
    let m = f
        .metadata()
        .map_err(|e| LabError::io(format!("reading {}", path.display()), e))?;
    // SAFETY: geteuid has no arguments and cannot fail.
    let me = unsafe { libc::geteuid() };
    if !m.file_type().is_file() || m.uid() != me {
        return Err(LabError::Untrusted(format!(
            "{} is not a regular file of uid {me} (uid {}, mode {:o}): lab will not lock it; remove it",
            path.display(),
            m.uid(),
            m.mode()
        )));
    }
    if m.mode() & 0o7777 != 0o600 {
        f.set_permissions(std::fs::Permissions::from_mode(0o600))
            .map_err(|e| LabError::io(format!("making {} private", path.display()), e))?;
    }
    Ok(f)
}

/// Take `f`'s exclusive `flock`, trying for up to `wait` (none: once):
/// `Ok(false)` when it is still held then; a signal ends the wait
/// ([`LabError::Interrupted`]).
pub(crate) fn take_within(
    f: &std::fs::File,
    path: &Path,
    wait: std::time::Duration,
) -> Result<bool> {
    let started = std::time::Instant::now();
    loop {
        match flock(f, libc::LOCK_EX | libc::LOCK_NB) {
            Ok(()) => return Ok(true),
            Err(e) if e.raw_os_error() == Some(libc::EWOULDBLOCK) => {}
            Err(e) => return Err(LabError::io(format!("locking {}", path.display()), e)),
        }
        if started.elapsed() >= wait {
            return Ok(false);
        }
        if crate::signals::received().is_some() {
            return Err(LabError::Interrupted);
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

/// How long a command waits for a lock whose named holder is gone: what
/// still holds it is a child that command forked, between its fork and its
/// exec (a `kill -9` of `up` while it starts `ip -batch`); the child lets go
/// at its exec, within milliseconds, longer on a loaded machine.
const GONE_HOLDERS_CHILDREN: std::time::Duration = std::time::Duration::from_secs(5);

/// Whether the command the lock file names has ended (its process is gone
/// or a zombie). A file that names no one says nothing: the taker may be
/// writing it now.
fn named_holder_is_gone(path: &Path) -> bool {
    let Some(h) = read_holder(path) else {
        return false;
    };
    match std::fs::read_to_string(format!("/proc/{}/stat", h.pid)) {
        // "PID (comm) S …": the state follows the last ')'.
        Ok(stat) => stat
            .rsplit_once(')')
            .is_some_and(|(_, rest)| rest.trim_start().starts_with(['Z', 'X'])),
        Err(_) => true,
    }
}

fn read_holder(path: &Path) -> Option<Holder> {
    serde_json::from_slice(&std::fs::read(path).ok()?).ok()
}

/// The PIDs that hold a `flock` on the file `path` (from `/proc/locks`,
/// which names the file by device and inode).
fn lock_holders(path: &Path) -> Vec<u32> {
    use std::os::unix::fs::MetadataExt;
    let Ok(m) = std::fs::metadata(path) else {
        return vec![];
    };
    let (major, minor) = (libc::major(m.dev()), libc::minor(m.dev()));
    let want = format!("{major:02x}:{minor:02x}:{}", m.ino());
    std::fs::read_to_string("/proc/locks")
        .unwrap_or_default()
        .lines()
        .filter(|l| !l.contains("->"))
        .filter_map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            // "1: FLOCK ADVISORY WRITE <pid> <maj:min:inode> 0 EOF"
            (f.get(1) == Some(&"FLOCK") && f.get(5).is_some_and(|d| d.eq_ignore_ascii_case(&want)))
                .then(|| f.get(4)?.parse().ok())
                .flatten()
        })
        .collect()
}

/// Who holds the lock at `path`: the lab command its file names when that
/// command's process is the one holding it, else the process that holds
/// it, by PID and command line (a file can say anything).
pub(crate) fn real_holder(path: &Path) -> String {
    let said = read_holder(path);
    let holders = lock_holders(path);
    if let Some(h) = &said
        && (holders.is_empty() || holders.contains(&h.pid))
        && std::path::Path::new(&format!("/proc/{}", h.pid)).exists()
    {
        return h.to_string();
    }
    match holders.first() {
        Some(pid) => {
            let cmdline = std::fs::read(format!("/proc/{pid}/cmdline"))
                .map(|c| {
                    String::from_utf8_lossy(&c)
                        .replace('\0', " ")
                        .trim()
                        .to_string()
                })
                .unwrap_or_default();
            format!("PID {pid} (`{cmdline}`, not a lab command)")
        }
        None => "another command".into(),
    }
}

fn busy(name: &str, path: &Path) -> LabError {
    LabError::Busy {
        name: name.to_string(),
        holder: real_holder(path),
    }
}

impl Lock {
    /// Take the lab's lock for `command` (creating the state folder), or
    /// say who has it ([`LabError::Busy`]).
    pub fn acquire(name: &str, command: &str) -> Result<Lock> {
        Lock::acquire_in(&lab_dir(name), name, command)
    }

    /// [`Lock::acquire`] in the state folder `dir`: the folder is made
    /// 0700 and the lock file 0600 (only root can open either).
    pub fn acquire_in(dir: &Path, name: &str, command: &str) -> Result<Lock> {
        use std::io::{Seek, Write};
        // Before it is made private again (which would hide that others
        // could write what it holds).
        super::trust::check(name, dir)?;
        make_private_dir(dir)?;
        let path = dir.join(LOCK_FILE);
        let mut f = open_private(&path)?;
        let taken = take_within(&f, &path, std::time::Duration::ZERO)?
            || (named_holder_is_gone(&path) && take_within(&f, &path, GONE_HOLDERS_CHILDREN)?);
        if !taken {
            return Err(busy(name, &path));
        }
        let holder = Holder {
            command: command.to_string(),
            pid: std::process::id(),
            since: std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_secs())
                .unwrap_or(0),
        };
        let json = serde_json::to_vec(&holder).expect("holder serializes");
        let w = f
            .set_len(0)
            .and_then(|()| f.rewind())
            .and_then(|()| f.write_all(&json));
        w.map_err(|e| LabError::io(format!("writing {}", path.display()), e))?;
        let fd = f.as_raw_fd();
        // A process holding more locks than slots (none does: one lab a
        // command) keeps the others across a child's setup, as before.
        let _ = HELD.iter().find(|h| {
            h.compare_exchange(-1, fd, Ordering::SeqCst, Ordering::SeqCst)
                .is_ok()
        });
        Ok(Lock { file: f })
    }

    /// The command changing the lab `name` right now, if any (for commands
    /// that only read the lab: they do not wait, they say so).
    pub fn holder(name: &str) -> Option<Holder> {
        let path = lab_dir(name).join(LOCK_FILE);
        let f = std::fs::File::open(&path).ok()?;
        match flock(&f, libc::LOCK_SH | libc::LOCK_NB) {
            Ok(()) => None,
            Err(_) => Some(read_holder(&path).unwrap_or(Holder {
                command: "?".into(),
                pid: 0,
                since: 0,
            })),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A child forked by one test holds every descriptor of this process,
    /// the other tests' locks too: the tests that fork take turns.
    static FORKS: std::sync::Mutex<()> = std::sync::Mutex::new(());

    #[test]
    fn the_lock_and_its_folder_are_private() {
        use std::os::unix::fs::PermissionsExt;
        let t = tempfile::tempdir().unwrap();
        let dir = t.path().join("l1");
        std::fs::create_dir(&dir).unwrap();
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
        std::fs::write(dir.join(LOCK_FILE), "").unwrap();
        std::fs::set_permissions(dir.join(LOCK_FILE), std::fs::Permissions::from_mode(0o666))
            .unwrap();
        let lock = Lock::acquire_in(&dir, "l1", "up").unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&dir), 0o700);
        assert_eq!(mode(&dir.join(LOCK_FILE)), 0o600);
        // Held: a second taker is told it is this process.
        let e = Lock::acquire_in(&dir, "l1", "apply")
            .unwrap_err()
            .to_string();
        assert!(e.contains(&format!("PID {}", std::process::id())), "{e}");
        drop(lock);
    }

    /// A child forked while the lock is held, still setting itself up
    /// when its parent lets go (or dies), holds the lock only if it did not
    /// let go of it: the flaky "busy" of a `destroy` right after `kill -9`
    /// of `up`.
    #[test]
    fn a_child_between_fork_and_exec_does_not_keep_the_lab_locked() {
        let t = tempfile::tempdir().unwrap();
        let dir = t.path().join("l2");
        let _turn = FORKS.lock().unwrap_or_else(|e| e.into_inner());
        for lets_go in [false, true] {
            let lock = Lock::acquire_in(&dir, "l2", "up").unwrap();
            let (mut ready, ready_w) = nix::unistd::pipe()
                .map(|(r, w)| (std::fs::File::from(r), w))
                .unwrap();
            // SAFETY: the child runs async-signal-safe calls only, then _exits.
            let pid = unsafe { libc::fork() };
            assert!(pid >= 0);
            if pid == 0 {
                if lets_go {
                    let_go_in_child();
                }
                unsafe {
                    libc::write(
                        std::os::fd::AsRawFd::as_raw_fd(&ready_w),
                        b"r".as_ptr().cast(),
                        1,
                    );
                    libc::pause();
                    libc::_exit(0);
                }
            }
            drop(ready_w);
            let mut b = [0u8; 1];
            std::io::Read::read_exact(&mut ready, &mut b).unwrap();
            drop(lock);
            let again = Lock::acquire_in(&dir, "l2", "destroy");
            unsafe {
                libc::kill(pid, libc::SIGKILL);
                libc::waitpid(pid, std::ptr::null_mut(), 0);
            }
            assert_eq!(again.is_ok(), lets_go, "{lets_go}: {again:?}");
        }
    }

    /// The command the lock file names was killed, and a child it forked
    /// still holds the lock for a while before its exec: the next command
    /// waits for it rather than saying the lab is busy with "another
    /// command" (the flaky `destroy` right after `kill -9` of `up`). While
    /// the named holder lives, the next command does not wait.
    #[test]
    fn a_lock_left_to_a_gone_commands_child_is_waited_for() {
        use std::io::Write;
        let t = tempfile::tempdir().unwrap();
        let dir = t.path().join("l3");
        let _turn = FORKS.lock().unwrap_or_else(|e| e.into_inner());
        make_private_dir(&dir).unwrap();
        let path = dir.join(LOCK_FILE);
        let gone = {
            let mut c = std::process::Command::new("true").spawn().unwrap();
            let pid = c.id();
            c.wait().unwrap();
            pid
        };
        for (named, waits) in [(gone, true), (std::process::id(), false)] {
            let mut f = open_private(&path).unwrap();
            assert!(take_within(&f, &path, std::time::Duration::ZERO).unwrap());
            let h = Holder {
                command: "up".into(),
                pid: named,
                since: 0,
            };
            f.set_len(0).unwrap();
            f.write_all(&serde_json::to_vec(&h).unwrap()).unwrap();
            // SAFETY: the child sleeps and _exits (async-signal-safe only).
            let pid = unsafe { libc::fork() };
            assert!(pid >= 0);
            if pid == 0 {
                unsafe {
                    libc::usleep(400_000);
                    libc::_exit(0);
                }
            }
            drop(f); // only the child holds the lock now
            let started = std::time::Instant::now();
            let again = Lock::acquire_in(&dir, "l3", "destroy");
            let took = started.elapsed();
            unsafe {
                libc::waitpid(pid, std::ptr::null_mut(), 0);
            }
            assert_eq!(again.is_ok(), waits, "holder {named}: {again:?}");
            if !waits {
                assert!(took < std::time::Duration::from_millis(300), "{took:?}");
            }
        }
    }

    #[test]
    fn holder_says_command_pid_and_time() {
        let h = Holder {
            command: "apply".into(),
            pid: 42,
            since: 1_795_747_501,
        };
        assert_eq!(
            h.to_string(),
            "`lab apply` (PID 42) since 2026-11-27 02:45:01 UTC"
        );
    }
}
