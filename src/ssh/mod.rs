//! Reaching nodes over SSH, the session of VM providers (see
//! [`crate::session`]): one multiplexed OpenSSH master connection per node
//! (the `openssh` crate's native mux), opened on first use from the lab's
//! own ssh config, and reused.
//!
//! A failed connection is an [`LabError::Ssh`], never a command's result: the
//! verify engine must not mistake "could not ask" for "unreachable". The
//! control sockets live in a short directory under `/tmp`: Unix socket paths
//! are limited to 108 bytes, and `.lab/<lab>/...` easily exceeds that.
//!
//! A pool cleans up after itself however it ends: closed, or dropped
//! because its command was interrupted (SIGINT, SIGTERM, SIGHUP). Dropping
//! it asks every master to exit, stops any master still running from its
//! control directory (one that was starting when the command stopped), and
//! removes the directory.

use crate::error::{LabError, Result};
use crate::report::Reporter;
use openssh::{KnownHosts, Session, SessionBuilder, Stdio};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::{OnceCell, Semaphore};

pub use crate::session::Output;

/// How a pool connects and runs.
#[derive(Debug, Clone)]
pub struct Options {
    /// Host key policy; the lab's ssh config pins keys, so `Strict` by default.
    pub known_hosts: KnownHosts,
    /// How long to keep retrying a first connection (a VM's sshd may still be
    /// settling right after boot); zero: one attempt.
    pub connect_for: Duration,
    /// Commands at once on one node's connection (sshd's `MaxSessions`
    /// defaults to 10; the netns sshd allows 64).
    pub per_node: usize,
    /// Deadline of one command; past it the command is an error.
    pub deadline: Option<Duration>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            known_hosts: KnownHosts::Strict,
            connect_for: Duration::ZERO,
            per_node: 8,
            deadline: None,
        }
    }
}

struct Entry {
    session: OnceCell<Arc<Session>>,
    slots: Semaphore,
}

/// SSH connections to the nodes of one lab.
pub struct Pool {
    config: PathBuf,
    control_dir: tempfile::TempDir,
    opts: Options,
    rep: Reporter,
    entries: Mutex<HashMap<String, Arc<Entry>>>,
}

impl Pool {
    /// A pool for the hosts of the OpenSSH config file `config`.
    pub fn new(config: &Path, rep: &Reporter, opts: Options) -> Result<Pool> {
        let control_dir = tempfile::Builder::new()
            .prefix("lab-")
            .tempdir_in("/tmp")
            .map_err(|e| LabError::io("creating the ssh control directory under /tmp", e))?;
        Ok(Pool {
            config: config.to_path_buf(),
            control_dir,
            opts,
            rep: rep.clone(),
            entries: Mutex::new(HashMap::new()),
        })
    }

    fn entry(&self, node: &str) -> Arc<Entry> {
        self.entries
            .lock()
            .unwrap()
            .entry(node.to_string())
            .or_insert_with(|| {
                Arc::new(Entry {
                    session: OnceCell::new(),
                    slots: Semaphore::new(self.opts.per_node),
                })
            })
            .clone()
    }

    /// Drop a node's connection so the next command reconnects.
    fn forget(&self, node: &str) {
        self.entries.lock().unwrap().remove(node);
    }

    async fn connect(&self, node: &str) -> Result<Session> {
        let mut b = SessionBuilder::default();
        b.config_file(&self.config)
            .control_directory(self.control_dir.path())
            .known_hosts_check(self.opts.known_hosts.clone())
            .connect_timeout(Duration::from_secs(10))
            .server_alive_interval(Duration::from_secs(5));
        let started = Instant::now();
        loop {
            match b.connect_mux(node).await {
                Ok(s) => return Ok(s),
                Err(e) if started.elapsed() < self.opts.connect_for => {
                    self.rep
                        .log(&format!("ssh {node}: {}; retrying", error_chain(&e)));
                    tokio::time::sleep(Duration::from_secs(3)).await;
                }
                Err(e) => {
                    return Err(LabError::Ssh {
                        node: node.into(),
                        message: format!("{} (with {})", error_chain(&e), self.config.display()),
                    });
                }
            }
        }
    }

    /// The session to `node`, opened on first use.
    pub async fn session(&self, node: &str) -> Result<Arc<Session>> {
        let entry = self.entry(node);
        entry
            .session
            .get_or_try_init(|| async { self.connect(node).await.map(Arc::new) })
            .await
            .cloned()
    }

    /// Run a shell command line on `node` with `stdin` as its input and
    /// return its output, whatever its exit code. An error means the command
    /// could not run or finish: connection lost, or the deadline passed.
    pub async fn output(
        &self,
        node: &str,
        command: &str,
        stdin: Option<Vec<u8>>,
    ) -> Result<Output> {
        let entry = self.entry(node);
        let _slot = entry.slots.acquire().await.expect("semaphore open");
        let run = self.output_now(node, command, stdin);
        match self.opts.deadline {
            None => run.await,
            Some(d) => tokio::time::timeout(d, run).await.unwrap_or_else(|_| {
                Err(LabError::Ssh {
                    node: node.into(),
                    message: format!(
                        "`{}` did not finish within {}s",
                        first_line(command),
                        d.as_secs()
                    ),
                })
            }),
        }
    }

    async fn output_now(
        &self,
        node: &str,
        command: &str,
        stdin: Option<Vec<u8>>,
    ) -> Result<Output> {
        let session = self.session(node).await?;
        let ssh_err = |e: openssh::Error| LabError::Ssh {
            node: node.into(),
            message: format!("running `{}`: {}", first_line(command), error_chain(&e)),
        };
        let mut cmd = Session::to_raw_command(session.clone(), command);
        cmd.stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
        let mut child = match cmd.spawn().await {
            Ok(c) => c,
            Err(e) => {
                self.forget(node);
                return Err(ssh_err(e));
            }
        };
        let input = child.stdin().take();
        // Feed stdin while reading the output, so neither side blocks the other.
        let feed = async move {
            if let (Some(mut pipe), Some(data)) = (input, stdin) {
                use tokio::io::AsyncWriteExt;
                pipe.write_all(&data).await?;
                pipe.shutdown().await?;
            }
            Ok::<(), std::io::Error>(())
        };
        // Each stream read with the nodes' bound. A stream that passes it
        // ends both reads at once (the other may wait for ever on a command
        // blocked writing the first), and the node's connection is dropped
        // so that sshd hangs the command up; the command is an error that
        // says the output was cut.
        struct Cut;
        impl std::fmt::Debug for Cut {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("cut")
            }
        }
        impl std::fmt::Display for Cut {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("cut")
            }
        }
        impl std::error::Error for Cut {}
        async fn read<R: tokio::io::AsyncRead + Unpin>(
            mut pipe: Option<R>,
        ) -> std::io::Result<Vec<u8>> {
            match crate::exec::read_capped(
                pipe.as_mut(),
                crate::session::MAX_OUTPUT_BYTES,
                crate::session::MAX_OUTPUT_LINES,
            )
            .await?
            {
                (_, true) => Err(std::io::Error::other(Cut)),
                (kept, false) => Ok(kept),
            }
        }
        let (so, se) = (child.stdout().take(), child.stderr().take());
        let (fed, read) = tokio::join!(feed, async { tokio::try_join!(read(so), read(se)) });
        if let Err(e) = &read
            && e.get_ref().is_some_and(|x| x.is::<Cut>())
        {
            let message = format!(
                "the output of `{}` was cut at {} MiB or {} lines and the command stopped: lab does not keep more",
                first_line(command),
                crate::session::MAX_OUTPUT_BYTES >> 20,
                crate::session::MAX_OUTPUT_LINES
            );
            self.rep.log(&format!("$ ssh {node} {command}\n{message}"));
            drop(child);
            self.forget(node);
            if let Ok(s) = Arc::try_unwrap(session) {
                let _ = s.close().await;
            }
            return Err(LabError::Ssh {
                node: node.into(),
                message,
            });
        }
        let out = match read {
            Ok((stdout, stderr)) => child.wait().await.map(|status| std::process::Output {
                status,
                stdout,
                stderr,
            }),
            Err(e) => Err(openssh::Error::ChildIo(e)),
        };
        let out = match out {
            Ok(o) => o,
            Err(e @ (openssh::Error::RemoteProcessTerminated | openssh::Error::Disconnected)) => {
                // The mux protocol cannot tell a dead connection from a killed
                // process: ask the master.
                return Err(match session.check().await {
                    Ok(()) => LabError::Command {
                        command: format!("ssh {node} {command}"),
                        status: "terminated by a signal".into(),
                        output: String::new(),
                    },
                    Err(_) => {
                        self.forget(node);
                        ssh_err(e)
                    }
                });
            }
            Err(e) => {
                self.forget(node);
                return Err(ssh_err(e));
            }
        };
        let result = Output::new(out.status.code(), &out.stdout, &out.stderr);
        self.rep.log(&format!(
            "$ ssh {node} {command}\n(exit {:?})\n{}",
            result.code,
            result.text()
        ));
        // Exit 255 is ssh's own failure code, or the command's: ask the master.
        if result.code == Some(255) && session.check().await.is_err() {
            self.forget(node);
            return Err(LabError::Ssh {
                node: node.into(),
                message: format!("connection lost while running `{}`", first_line(command)),
            });
        }
        if let Err(e) = fed
            && result.ok()
        {
            return Err(LabError::Ssh {
                node: node.into(),
                message: format!("writing the input of `{}`: {e}", first_line(command)),
            });
        }
        Ok(result)
    }

    /// Like [`Pool::output`], but a non-zero exit is an error carrying the
    /// end of the output.
    pub async fn run(&self, node: &str, command: &str, stdin: Option<Vec<u8>>) -> Result<Output> {
        let out = self.output(node, command, stdin).await?;
        if out.ok() {
            return Ok(out);
        }
        Err(LabError::Command {
            command: format!("ssh {node} {}", first_line(command)),
            status: out
                .code
                .map(|c| format!("exit status: {c}"))
                .unwrap_or_else(|| "killed by a signal".into()),
            output: tail(&out.text(), 40),
        })
    }

    /// Run a script as root on `node` (`sudo bash -s`, script on stdin).
    /// `env` is exported first: sudo drops the caller's environment, and stdin
    /// keeps secrets such as a join token out of the process list.
    pub async fn script(&self, node: &str, script: &str, env: &[(&str, &str)]) -> Result<Output> {
        let mut text: String = env
            .iter()
            .map(|(k, v)| format!("export {k}={}\n", crate::exec::quote(v)))
            .collect();
        text.push_str(script);
        self.run(node, "sudo bash -s", Some(text.into_bytes()))
            .await
    }

    /// Close every connection (their masters exit).
    pub async fn close(&self) {
        let entries: Vec<Arc<Entry>> = self
            .entries
            .lock()
            .unwrap()
            .drain()
            .map(|(_, e)| e)
            .collect();
        for e in entries {
            if let Some(s) = Arc::try_unwrap(e).ok().and_then(|e| e.session.into_inner())
                && let Ok(s) = Arc::try_unwrap(s)
            {
                let _ = s.close().await;
            }
        }
    }
}

impl Drop for Pool {
    fn drop(&mut self) {
        // Each session's own drop asks its master to exit.
        let entries: Vec<Arc<Entry>> = match self.entries.lock() {
            Ok(mut e) => e.drain().map(|(_, e)| e).collect(),
            Err(_) => vec![],
        };
        drop(entries);
        // Masters whose session never came to be (interrupted while
        // connecting) run from this pool's private control directory: its
        // path in their command line marks them as this pool's.
        let mut mine = masters_in(self.control_dir.path());
        let deadline = Instant::now() + Duration::from_millis(500);
        while !mine.is_empty() && Instant::now() < deadline {
            for pid in &mine {
                let _ = nix::sys::signal::kill(
                    nix::unistd::Pid::from_raw(*pid),
                    nix::sys::signal::Signal::SIGTERM,
                );
            }
            std::thread::sleep(Duration::from_millis(10));
            mine = masters_in(self.control_dir.path());
        }
    }
}

/// Processes whose command line names `dir` (an `ssh -S <dir>/...`), but
/// not this process.
fn masters_in(dir: &Path) -> Vec<i32> {
    let needle = format!("{}/", dir.display());
    let me = std::process::id() as i32;
    std::fs::read_dir("/proc")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<i32>().ok())
        .filter(|&pid| pid != me)
        .filter(|pid| {
            std::fs::read(format!("/proc/{pid}/cmdline"))
                .map(|c| {
                    c.split(|b| *b == 0)
                        .any(|a| String::from_utf8_lossy(a).starts_with(&needle))
                })
                .unwrap_or(false)
                && !std::fs::read_to_string(format!("/proc/{pid}/stat"))
                    .unwrap_or_default()
                    .contains(") Z ")
        })
        .collect()
}

fn first_line(s: &str) -> &str {
    let l = s.lines().next().unwrap_or("");
    match l.char_indices().nth(80) {
        Some((i, _)) => &l[..i],
        None => l,
    }
}

/// The last `n` lines of `text`, saying how many were left out.
pub fn tail(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.trim_end().lines().collect();
    if lines.len() <= n {
        return lines.join("\n");
    }
    format!(
        "(... {} earlier lines in lab.log)\n{}",
        lines.len() - n,
        lines[lines.len() - n..].join("\n")
    )
}

/// An error and its causes on one line.
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut msg = e.to_string();
    let mut src = e.source();
    while let Some(s) = src {
        msg.push_str(&format!(": {s}"));
        src = s.source();
    }
    msg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tails() {
        assert_eq!(tail("a\nb\n", 5), "a\nb");
        let t = tail("1\n2\n3\n4\n", 2);
        assert!(t.starts_with("(... 2 earlier lines") && t.ends_with("3\n4"));
    }
}
