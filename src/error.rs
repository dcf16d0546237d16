//! Typed errors of the library and the exit codes they map to.
//!
//! Every failure a user can meet is one variant here, so the CLI can print it
//! plainly and exit with a documented code (see README "Exit codes").

use std::fmt;
use std::path::PathBuf;

/// One problem found in a lab definition: where it is, which field, and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub file: PathBuf,
    pub line: Option<usize>,
    pub column: Option<usize>,
    /// Dotted path of the field, e.g. `nodes[1].ip`.
    pub field: String,
    /// What is wrong and what would be valid.
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
            if let Some(col) = self.column {
                write!(f, ":{col}")?;
            }
        }
        write!(f, ": {}: {}", self.field, self.message)
    }
}

/// Every problem of one lab file, reported together.
#[derive(Debug, Clone)]
pub struct Problems(pub Vec<Problem>);

impl fmt::Display for Problems {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.0.len();
        writeln!(
            f,
            "invalid lab definition ({n} problem{}):",
            if n == 1 { "" } else { "s" }
        )?;
        for p in &self.0 {
            writeln!(f, "  {p}")?;
        }
        Ok(())
    }
}

/// Errors of the `lab` library.
#[derive(Debug, thiserror::Error)]
pub enum LabError {
    /// The lab definition (or a manifest it names) is invalid. Nothing was created.
    #[error("{0}")]
    Invalid(Problems),

    /// The command line asked for something that cannot be done as asked.
    #[error("{0}")]
    Usage(String),

    /// No lab of that name or path could be found.
    /// `hint` names the nearest labs and those found (may be empty).
    #[error("no lab named '{name}' (looked in: {searched}){hint}")]
    LabNotFound {
        name: String,
        searched: String,
        hint: String,
    },

    /// `destroy` of a lab of which nothing exists here (no state folder,
    /// no claim): nothing was done. `hint` names the labs that are up.
    #[error("there is no lab '{name}' here to destroy (nothing in {dir}){hint}")]
    NothingToDestroy {
        name: String,
        dir: PathBuf,
        hint: String,
    },

    /// The lab is not up (no state), for commands that need a running lab.
    #[error("lab '{0}' is not up (no state in {1}); run `lab up {0}` first")]
    NotUp(String, PathBuf),

    /// `up` on a lab that already runs.
    #[error(
        "lab '{name}' is already up (provider {provider}, variant {variant}); use `lab apply` to switch variants or `lab destroy {name}` first"
    )]
    AlreadyUp {
        name: String,
        provider: String,
        variant: String,
    },

    /// Another command is changing the lab (it holds the lab's lock).
    /// Nothing was touched.
    #[error("lab '{name}' is busy: {holder} is changing it; try again when it has finished")]
    Busy { name: String, holder: String },

    /// A host-wide lock `lab` needs (`what`) was held longer than `lab`
    /// waits for it. Nothing was touched.
    #[error("busy: {what} is held by {holder}; try again when it lets go")]
    Held { what: String, holder: String },

    /// The lab's state does not agree with where it was found or with what
    /// runs (a copied or crafted state folder). Nothing was touched.
    #[error("{0}")]
    Untrusted(String),

    /// The provider cannot run on this machine; says why and what to do.
    #[error("provider '{provider}' cannot run here: {why}")]
    Unavailable { provider: String, why: String },

    /// A bring-up or teardown step failed.
    #[error("step '{step}' failed: {message}")]
    Step { step: String, message: String },

    /// A command the lab ran failed.
    #[error("command `{command}` failed ({status}){}", if .output.is_empty() { String::new() } else { format!(":\n{}", .output) })]
    Command {
        command: String,
        status: String,
        output: String,
    },

    /// A wait of bring-up passed its deadline (`cluster::poll`): what was
    /// awaited, for how long, and each node or pod still missing.
    #[error("waited {waited:?} for {awaited}; still missing: {}", .missing.join(", "))]
    WaitTimedOut {
        awaited: String,
        waited: std::time::Duration,
        missing: Vec<String>,
    },

    /// SSH to a node failed (the connection, not the remote command).
    #[error("ssh to {node} failed: {message}")]
    Ssh { node: String, message: String },

    /// A node could not be entered to run a command (netns).
    #[error("could not enter node {node}: {message}")]
    Enter { node: String, message: String },

    /// A command entered a node (netns) but its run failed: it passed its
    /// time, its output was cut, or its pipes failed. Not a verdict on the
    /// command's answer.
    #[error("on node {node}: {message}")]
    OnNode { node: String, message: String },

    /// The lab is left half made, half switched or half destroyed, or its
    /// state cannot be read: the message names the command that completes
    /// or removes it. This command touched nothing.
    #[error("{0}")]
    NeedsRepair(String),

    /// The teardown at the end of a run failed (after the run's results
    /// were kept).
    #[error("the teardown failed: {0}")]
    Teardown(Box<LabError>),

    /// A fault of `lab` itself (a task that panicked, a path it made that
    /// it cannot use).
    #[error("internal error: {0}")]
    Internal(String),

    /// One or more checks did not hold.
    #[error("{failed} of {total} checks did not hold")]
    ChecksFailed { failed: usize, total: usize },

    /// Interrupted by the user.
    #[error("interrupted")]
    Interrupted,

    #[error("{context}: {error}")]
    Io {
        context: String,
        /// Shown in the message itself (not as a `source`, so a chain printer
        /// does not say it twice).
        error: std::io::Error,
    },
}

impl LabError {
    /// The process exit code for this error (documented in README).
    pub fn exit_code(&self) -> i32 {
        match self {
            LabError::ChecksFailed { .. } => 1,
            LabError::Invalid(_)
            | LabError::Usage(_)
            | LabError::LabNotFound { .. }
            | LabError::NothingToDestroy { .. }
            | LabError::NotUp(..)
            | LabError::AlreadyUp { .. }
            | LabError::Untrusted(_) => 2,
            LabError::Step { .. }
            | LabError::Command { .. }
            | LabError::WaitTimedOut { .. }
            | LabError::Ssh { .. }
            | LabError::Enter { .. }
            | LabError::OnNode { .. }
            | LabError::Teardown(_)
            | LabError::Internal(_)
            | LabError::Io { .. } => 3,
            LabError::Unavailable { .. } => 4,
            LabError::Busy { .. } | LabError::Held { .. } => 5,
            LabError::NeedsRepair(_) => 6,
            LabError::Interrupted => 130,
        }
    }

    /// Wrap an I/O error with what was being done.
    pub fn io(context: impl Into<String>, source: std::io::Error) -> Self {
        LabError::Io {
            context: context.into(),
            error: source,
        }
    }
}

pub type Result<T, E = LabError> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::LabError;

    #[test]
    fn exit_codes_by_meaning() {
        let step = || LabError::Step {
            step: "s".into(),
            message: "m".into(),
        };
        for (e, code) in [
            (LabError::Usage("u".into()), 2),
            (LabError::Untrusted("u".into()), 2),
            (step(), 3),
            (LabError::Internal("a task panicked".into()), 3),
            (LabError::Teardown(Box::new(step())), 3),
            (
                LabError::Unavailable {
                    provider: "netns".into(),
                    why: "w".into(),
                },
                4,
            ),
            (
                LabError::Busy {
                    name: "l".into(),
                    holder: "h".into(),
                },
                5,
            ),
            (
                LabError::Held {
                    what: "w".into(),
                    holder: "h".into(),
                },
                5,
            ),
            (LabError::NeedsRepair("half made".into()), 6),
            (LabError::Interrupted, 130),
            (
                LabError::OnNode {
                    node: "node1".into(),
                    message: "m".into(),
                },
                3,
            ),
        ] {
            assert_eq!(e.exit_code(), code, "{e:?}");
        }
        assert_eq!(
            LabError::Teardown(Box::new(step())).to_string(),
            "the teardown failed: step 's' failed: m"
        );
        // A command that ran and failed in its run was entered: the
        // message must not say otherwise (the eleventh probe).
        let cut = LabError::OnNode {
            node: "node1".into(),
            message: "the output of `ip -4 addr` was cut".into(),
        };
        assert_eq!(
            cut.to_string(),
            "on node node1: the output of `ip -4 addr` was cut"
        );
    }
}
