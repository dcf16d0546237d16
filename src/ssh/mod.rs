//! Reaching nodes over SSH, the one path every check takes, whatever the
//! provider: one multiplexed OpenSSH master connection per node (the
//! `openssh` crate's native mux), opened on first use and reused.
//!
//! A failed connection is an [`LabError::Ssh`], never a probe result: the
//! verify engine must not mistake "could not ask" for "unreachable".

use crate::error::{LabError, Result};
use crate::report::Reporter;
use openssh::{KnownHosts, Session, SessionBuilder};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{Mutex, Semaphore};

/// How many commands run at once on one node's connection (sshd's
/// `MaxSessions` defaults to 10; the netns sshd allows 64).
pub const PER_NODE: usize = 8;

/// The output of a remote command.
#[derive(Debug, Clone)]
pub struct Output {
    /// Exit code; `None` when the command was killed by a signal.
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl Output {
    pub fn ok(&self) -> bool {
        self.code == Some(0)
    }

    /// stdout and stderr together, for reports.
    pub fn text(&self) -> String {
        let mut t = self.stdout.clone();
        if !self.stderr.trim().is_empty() {
            if !t.is_empty() && !t.ends_with('\n') {
                t.push('\n');
            }
            t.push_str(&self.stderr);
        }
        t
    }
}

struct Node {
    session: Mutex<Option<Arc<Session>>>,
    slots: Semaphore,
}

/// SSH connections to the nodes of one lab.
pub struct Pool {
    config: PathBuf,
    control_dir: tempfile::TempDir,
    nodes: HashMap<String, Node>,
    rep: Reporter,
}

impl Pool {
    /// A pool for `nodes`, each a `Host` in the OpenSSH config file `config`.
    /// The control sockets live in a short directory under /tmp (Unix socket
    /// paths are limited to 108 bytes).
    pub fn new(config: &Path, nodes: &[String], rep: &Reporter) -> Result<Pool> {
        let control_dir = tempfile::Builder::new()
            .prefix("lab-")
            .tempdir_in("/tmp")
            .map_err(|e| LabError::io("creating the ssh control directory", e))?;
        let nodes = nodes
            .iter()
            .map(|n| {
                (
                    n.clone(),
                    Node {
                        session: Mutex::new(None),
                        slots: Semaphore::new(PER_NODE),
                    },
                )
            })
            .collect();
        Ok(Pool {
            config: config.to_path_buf(),
            control_dir,
            nodes,
            rep: rep.clone(),
        })
    }

    async fn session(&self, node: &str) -> Result<Arc<Session>> {
        let entry = self.nodes.get(node).ok_or_else(|| LabError::Ssh {
            node: node.into(),
            message: "not a node of this lab".into(),
        })?;
        let mut slot = entry.session.lock().await;
        if let Some(s) = slot.as_ref() {
            return Ok(s.clone());
        }
        let mut b = SessionBuilder::default();
        b.config_file(&self.config)
            .known_hosts_check(KnownHosts::Strict)
            .control_directory(self.control_dir.path())
            .connect_timeout(Duration::from_secs(10))
            .server_alive_interval(Duration::from_secs(5));
        let session = b.connect_mux(node).await.map_err(|e| LabError::Ssh {
            node: node.into(),
            message: describe(&e),
        })?;
        let session = Arc::new(session);
        *slot = Some(session.clone());
        Ok(session)
    }

    /// Run a shell command line on `node` (by `sh -c`), with a deadline.
    /// A command that outlives the deadline is an error; so is a broken
    /// connection (told apart from a remote exit 255 with `check()`).
    pub async fn run(&self, node: &str, script: &str, deadline: Duration) -> Result<Output> {
        let entry = self.nodes.get(node).ok_or_else(|| LabError::Ssh {
            node: node.into(),
            message: "not a node of this lab".into(),
        })?;
        let _slot = entry.slots.acquire().await.expect("semaphore open");
        let session = self.session(node).await?;
        let run = async {
            let out = session.shell(script).output().await;
            match out {
                Ok(o) => Ok(o),
                Err(e) => Err(e),
            }
        };
        let out = match tokio::time::timeout(deadline, run).await {
            Err(_) => {
                return Err(LabError::Ssh {
                    node: node.into(),
                    message: format!(
                        "`{}` did not finish within {}s",
                        first_line(script),
                        deadline.as_secs_f64()
                    ),
                });
            }
            Ok(Err(e)) => {
                self.forget(node).await;
                return Err(LabError::Ssh {
                    node: node.into(),
                    message: describe(&e),
                });
            }
            Ok(Ok(o)) => o,
        };
        let output = Output {
            code: out.status.code(),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        };
        if output.code == Some(255) && session.check().await.is_err() {
            self.forget(node).await;
            return Err(LabError::Ssh {
                node: node.into(),
                message: "the connection broke while the command ran".into(),
            });
        }
        self.rep.log(&format!(
            "[{node}]$ {script}\n(exit {:?})\n{}",
            output.code,
            output.text()
        ));
        Ok(output)
    }

    async fn forget(&self, node: &str) {
        if let Some(n) = self.nodes.get(node) {
            n.session.lock().await.take();
        }
    }

    /// Close every connection.
    pub async fn close(self) {
        for (_, n) in self.nodes {
            if let Some(s) = n.session.into_inner()
                && let Ok(s) = Arc::try_unwrap(s)
            {
                let _ = s.close().await;
            }
        }
    }
}

fn first_line(s: &str) -> &str {
    let l = s.lines().next().unwrap_or("");
    if l.len() > 80 {
        &l[..l.char_indices().nth(80).map_or(l.len(), |(i, _)| i)]
    } else {
        l
    }
}

fn describe(e: &openssh::Error) -> String {
    let mut msg = e.to_string();
    let mut src = std::error::Error::source(e);
    while let Some(s) = src {
        msg.push_str(&format!(": {s}"));
        src = s.source();
    }
    msg
}

/// Quote a string for a POSIX shell.
pub fn quote(s: &str) -> String {
    if !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_./=:@,%+".contains(&b))
    {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}
