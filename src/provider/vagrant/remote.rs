//! Running commands on the lab's VMs over SSH during bring-up, `apply`,
//! `status` and `access`: one multiplexed master connection per node (the
//! `openssh` crate with its native mux), opened on first use from the lab's
//! own ssh config (written from `vagrant ssh-config`), and reused.
//!
//! The control sockets live in a short directory under `/tmp`: a Unix socket
//! path is limited to 108 bytes, and a path under a project folder
//! (`.lab/<lab>/...`) easily exceeds that.

use crate::error::{LabError, Result};
use crate::report::Reporter;
use openssh::{KnownHosts, Session, SessionBuilder, Stdio};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::OnceCell;

/// How long to keep trying to open the first connection to a node (sshd may
/// still be settling right after `vagrant up`).
const CONNECT_FOR: Duration = Duration::from_secs(90);

/// The output of a remote command.
#[derive(Debug, Clone)]
pub struct RemoteOutput {
    pub stdout: String,
    pub stderr: String,
    /// The exit code; `None` when the remote process was killed by a signal.
    pub code: Option<i32>,
}

impl RemoteOutput {
    pub fn success(&self) -> bool {
        self.code == Some(0)
    }

    /// stdout and stderr together, for messages and the log.
    pub fn combined(&self) -> String {
        let mut s = self.stdout.clone();
        if !self.stderr.is_empty() {
            if !s.is_empty() && !s.ends_with('\n') {
                s.push('\n');
            }
            s.push_str(&self.stderr);
        }
        s
    }
}

/// SSH sessions to the nodes of one lab.
pub struct Remote {
    config: PathBuf,
    /// Short, private, removed when the sessions are dropped.
    control_dir: tempfile::TempDir,
    rep: Reporter,
    sessions: Mutex<HashMap<String, Arc<OnceCell<Arc<Session>>>>>,
}

impl Remote {
    /// Sessions to the hosts of the OpenSSH config at `config`.
    pub fn new(config: &Path, rep: &Reporter) -> Result<Arc<Remote>> {
        Ok(Arc::new(Remote {
            config: config.to_path_buf(),
            control_dir: tempfile::Builder::new()
                .prefix("lab-")
                .tempdir_in("/tmp")
                .map_err(|e| LabError::io("creating the ssh control directory under /tmp", e))?,
            rep: rep.clone(),
            sessions: Mutex::new(HashMap::new()),
        }))
    }

    async fn connect(&self, node: &str) -> Result<Session> {
        let mut b = SessionBuilder::default();
        b.config_file(&self.config)
            .control_directory(self.control_dir.path())
            // Learn a new VM's key into the lab's known_hosts, check it after.
            .known_hosts_check(KnownHosts::Add)
            .connect_timeout(Duration::from_secs(15))
            .server_alive_interval(Duration::from_secs(15));
        let started = Instant::now();
        loop {
            match b.connect_mux(node).await {
                Ok(s) => return Ok(s),
                Err(e) if started.elapsed() < CONNECT_FOR => {
                    self.rep.log(&format!("ssh {node}: {e}; retrying"));
                    tokio::time::sleep(Duration::from_secs(3)).await;
                }
                Err(e) => {
                    return Err(LabError::Ssh {
                        node: node.to_string(),
                        message: format!(
                            "{} (for {}s, with {})",
                            error_chain(&e),
                            CONNECT_FOR.as_secs(),
                            self.config.display()
                        ),
                    });
                }
            }
        }
    }

    /// The session to `node`, opened on first use.
    pub async fn session(&self, node: &str) -> Result<Arc<Session>> {
        let cell = self
            .sessions
            .lock()
            .unwrap()
            .entry(node.to_string())
            .or_default()
            .clone();
        cell.get_or_try_init(|| async { self.connect(node).await.map(Arc::new) })
            .await
            .cloned()
    }

    /// Run `command` (a shell command line) on `node`, with `stdin` as its
    /// input, and return its output whatever its exit code. An error means
    /// the command could not run (connection lost, not a remote failure).
    pub async fn output(
        &self,
        node: &str,
        command: &str,
        stdin: Option<Vec<u8>>,
    ) -> Result<RemoteOutput> {
        let session = self.session(node).await?;
        let ssh_err = |e: openssh::Error| LabError::Ssh {
            node: node.to_string(),
            message: format!("running `{command}`: {}", error_chain(&e)),
        };
        let mut cmd = Session::to_raw_command(session.clone(), command);
        cmd.stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
        let mut child = cmd.spawn().await.map_err(ssh_err)?;
        let input = child.stdin().take();
        // Feed stdin while reading the output, so neither side can block the other.
        let feed = async move {
            if let (Some(mut pipe), Some(data)) = (input, stdin) {
                use tokio::io::AsyncWriteExt;
                pipe.write_all(&data).await?;
                pipe.shutdown().await?;
            }
            Ok::<(), std::io::Error>(())
        };
        let (fed, out) = tokio::join!(feed, child.wait_with_output());
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
                    Err(_) => ssh_err(e),
                });
            }
            Err(e) => return Err(ssh_err(e)),
        };
        let result = RemoteOutput {
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
            code: out.status.code(),
        };
        self.rep
            .log(&format!("$ ssh {node} {command}\n{}", result.combined()));
        if result.code == Some(255) && session.check().await.is_err() {
            return Err(LabError::Ssh {
                node: node.to_string(),
                message: format!("connection lost while running `{command}`"),
            });
        }
        if let Err(e) = fed
            && result.success()
        {
            return Err(LabError::Ssh {
                node: node.to_string(),
                message: format!("writing the input of `{command}`: {e}"),
            });
        }
        Ok(result)
    }

    /// Like [`Remote::output`], but a non-zero exit is an error carrying the output.
    pub async fn run(
        &self,
        node: &str,
        command: &str,
        stdin: Option<Vec<u8>>,
    ) -> Result<RemoteOutput> {
        let out = self.output(node, command, stdin).await?;
        if out.success() {
            Ok(out)
        } else {
            Err(LabError::Command {
                command: format!("ssh {node} {command}"),
                status: out
                    .code
                    .map(|c| format!("exit status: {c}"))
                    .unwrap_or_else(|| "killed by a signal".into()),
                output: super::ctx::tail(&out.combined(), 40),
            })
        }
    }

    /// Run a script as root on `node` (`sudo bash -s`, script on stdin).
    /// `env` lines are exported before the script runs (sudo drops the
    /// caller's environment, and stdin keeps secrets such as a join token out
    /// of the process list).
    pub async fn script(
        &self,
        node: &str,
        script: &str,
        env: &[(&str, &str)],
    ) -> Result<RemoteOutput> {
        let mut text = String::new();
        for (k, v) in env {
            text.push_str(&format!("export {k}={}\n", super::render::shell_quote(v)));
        }
        text.push_str(script);
        self.run(node, "sudo bash -s", Some(text.into_bytes()))
            .await
    }

    /// Close every session (their masters exit).
    pub async fn close(&self) {
        let cells: Vec<_> = self
            .sessions
            .lock()
            .unwrap()
            .drain()
            .map(|(_, c)| c)
            .collect();
        for cell in cells {
            if let Some(s) = Arc::try_unwrap(cell).ok().and_then(|c| c.into_inner())
                && let Ok(s) = Arc::try_unwrap(s)
            {
                let _ = s.close().await;
            }
        }
    }
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
