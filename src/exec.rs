//! Running host programs: every command and its output goes to `lab.log`,
//! and a failure becomes a typed error carrying the command and its output.

use crate::error::{LabError, Result};
use crate::report::Reporter;
use std::io::Write;
use std::process::{Command, Output, Stdio};

/// A command line as a user would type it (for messages and the log).
pub fn display(cmd: &Command) -> String {
    let mut parts = vec![cmd.get_program().to_string_lossy().into_owned()];
    parts.extend(cmd.get_args().map(|a| {
        let a = a.to_string_lossy();
        if a.contains(' ') || a.is_empty() {
            format!("'{a}'")
        } else {
            a.into_owned()
        }
    }));
    parts.join(" ")
}

fn finish(rep: &Reporter, shown: String, out: std::io::Result<Output>) -> Result<Output> {
    let out = out.map_err(|e| LabError::Command {
        command: shown.clone(),
        status: "could not start".into(),
        output: e.to_string(),
    })?;
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    rep.log(&format!("$ {shown}\n{text}"));
    if out.status.success() {
        Ok(out)
    } else {
        Err(LabError::Command {
            command: shown,
            status: out.status.to_string(),
            output: text.trim_end().to_string(),
        })
    }
}

/// Run a command to completion, with `input` on its stdin.
pub fn run(rep: &Reporter, cmd: &mut Command, input: Option<&[u8]>) -> Result<Output> {
    let shown = display(cmd);
    cmd.stdin(if input.is_some() {
        Stdio::piped()
    } else {
        Stdio::null()
    })
    .stdout(Stdio::piped())
    .stderr(Stdio::piped());
    let out = cmd.spawn().and_then(|mut child| {
        if let (Some(data), Some(mut stdin)) = (input, child.stdin.take()) {
            stdin.write_all(data)?;
        }
        child.wait_with_output()
    });
    finish(rep, shown, out)
}

/// Run a command to completion without blocking the async runtime.
pub async fn run_async(rep: &Reporter, cmd: Command, input: Option<Vec<u8>>) -> Result<Output> {
    let mut cmd = tokio::process::Command::from(cmd);
    let shown = display(cmd.as_std());
    cmd.stdin(if input.is_some() {
        Stdio::piped()
    } else {
        Stdio::null()
    })
    .stdout(Stdio::piped())
    .stderr(Stdio::piped());
    cmd.kill_on_drop(true);
    let out = async {
        let mut child = cmd.spawn()?;
        if let (Some(data), Some(mut stdin)) = (input, child.stdin.take()) {
            use tokio::io::AsyncWriteExt;
            stdin.write_all(&data).await?;
        }
        child.wait_with_output().await
    }
    .await;
    finish(rep, shown, out)
}
