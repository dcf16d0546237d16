//! Running host programs: every command and its output goes to `lab.log`,
//! and a failure becomes a typed error carrying the command and its output.

use crate::error::{LabError, Result};
use crate::report::Reporter;
use std::process::{Command, Output, Stdio};

/// Quote a string as one POSIX shell word: as is when it is safe, else in
/// single quotes (`'` becomes `'\''`). The one quoting of the crate, for
/// scripts sent over SSH, probes, ProxyCommands and shown command lines.
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

/// A command line as a user would type it (for messages and the log).
pub fn display(cmd: &Command) -> String {
    let mut parts = vec![quote(&cmd.get_program().to_string_lossy())];
    parts.extend(cmd.get_args().map(|a| quote(&a.to_string_lossy())));
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting() {
        assert_eq!(quote("/a/b-c.d"), "/a/b-c.d");
        assert_eq!(quote("10.244.2.2"), "10.244.2.2");
        assert_eq!(quote("a b"), "'a b'");
        assert_eq!(quote("it's"), r"'it'\''s'");
        assert_eq!(quote(""), "''");
        let mut c = Command::new("ip");
        c.args(["-n", "a b", "link"]);
        assert_eq!(display(&c), "ip -n 'a b' link");
    }
}
