//! The command line: parses arguments, runs one command, maps errors to the
//! documented exit codes. Everything here returns typed [`LabError`]s;
//! only the binary (`main.rs`) turns them into a message.

mod book;
mod commands;

use crate::error::LabError;
use crate::provider::Kind;
use crate::provider::vagrant::render::Vm;
use clap::{Parser, Subcommand};
use std::path::PathBuf;

#[derive(Parser, Debug)]
#[command(
    name = "lab",
    version,
    about = "Build a book chapter's Kubernetes network lab, check it, clean it up."
)]
#[command(
    after_help = "Exit codes: 0 ok; 1 a check did not hold (or the book drifted); 2 usage or invalid lab; 3 a step failed; 4 provider unavailable; 5 lab busy; 130 interrupted."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Bring a lab up (default variant unless --variant).
    Up {
        /// Lab name (found under labs/, LAB_PATH, or lab's own labs) or path.
        lab: String,
        #[arg(long, value_enum)]
        provider: Option<Kind>,
        #[arg(long)]
        variant: Option<String>,
        /// Number of workers (overrides `count` in lab.yaml).
        #[arg(long)]
        nodes: Option<u32>,
        /// The VM provider of the vagrant provider (default: LAB_VAGRANT_VM,
        /// VAGRANT_DEFAULT_PROVIDER, then virtualbox).
        #[arg(long, value_enum)]
        vm: Option<Vm>,
        /// Keep what was made when a step fails.
        #[arg(long)]
        keep: bool,
    },
    /// Switch a running lab to another pod network variant.
    Apply {
        lab: String,
        #[arg(long)]
        variant: String,
    },
    /// Run the lab's checks against the lab as it is up.
    Verify {
        lab: Option<String>,
        /// Judge with this variant's expectations (default: the current one).
        #[arg(long)]
        variant: Option<String>,
        /// Only checks whose name contains PATTERN.
        #[arg(long, value_name = "PATTERN")]
        only: Option<String>,
        #[arg(long, value_name = "FILE")]
        junit: Option<PathBuf>,
        #[arg(long, value_name = "FILE")]
        json: Option<PathBuf>,
    },
    /// The chapter's story: up, verify, evidence, each other variant, verify, destroy.
    Test {
        lab: String,
        #[arg(long, value_enum)]
        provider: Option<Kind>,
        #[arg(long)]
        nodes: Option<u32>,
        #[arg(long, value_enum)]
        vm: Option<Vm>,
        #[arg(long, value_name = "FILE")]
        junit: Option<PathBuf>,
        #[arg(long, value_name = "FILE")]
        json: Option<PathBuf>,
        /// Leave the lab up at the end.
        #[arg(long)]
        keep: bool,
    },
    /// Replay the lab's chapter against it and report drift, block by block.
    Book(book::BookArgs),
    /// Remove a lab: its machines or namespaces, processes and files.
    Destroy {
        lab: String,
        /// Also remove kept diagnostics (artifacts/) and lab.log.
        #[arg(long)]
        purge: bool,
    },
    /// Show a lab's nodes, pods, addresses and variant.
    Status { lab: Option<String> },
    /// Open a shell on a node, or run a command there (like `vagrant ssh`).
    Ssh {
        lab: String,
        node: String,
        #[arg(last = true)]
        command: Vec<String>,
    },
    /// Print the Vagrantfile or a provisioning script of a lab.
    Render {
        lab: String,
        #[arg(long)]
        nodes: Option<u32>,
        #[arg(long, value_enum, default_value = "virtualbox")]
        vm: Vm,
        /// A provisioning script: common, control-plane or worker.
        #[arg(long, value_name = "NAME")]
        script: Option<String>,
        /// The node the script is for (default: the first that runs it).
        #[arg(long)]
        node: Option<String>,
    },
    /// Check this machine's prerequisites; --fix installs what is missing.
    Doctor {
        #[arg(long, value_enum)]
        provider: Option<Kind>,
        /// Install missing OS packages with apt-get.
        #[arg(long)]
        fix: bool,
        /// For vagrant: check the lab's private range against VirtualBox.
        #[arg(long)]
        lab: Option<String>,
        #[arg(long, value_enum, default_value = "virtualbox")]
        vm: Vm,
    },
    /// (internal) Enter a node and become `sshd -i` on stdin/stdout: the
    /// ProxyCommand of the netns ssh config.
    #[command(hide = true)]
    Proxy {
        /// The lab's state folder (its sshd_config, the node's /run and /root).
        #[arg(long)]
        state: std::path::PathBuf,
        lab: String,
        node: String,
    },
}

/// Run the command line. The error, if any, carries its exit code
/// ([`LabError::exit_code`]); the binary prints it.
pub fn run() -> Result<(), LabError> {
    let cli = Cli::parse();
    // `proxy` enters a network namespace, which must happen while the
    // process has a single thread: before any runtime starts.
    if let Command::Proxy { state, lab, node } = &cli.command {
        return crate::provider::netns::proxy(state, lab, node);
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(4)
        .enable_all()
        .build()
        .map_err(|e| LabError::io("starting the async runtime", e))?;
    let r = rt.block_on(async {
        signals::install()?;
        commands::run(cli.command).await
    });
    // Dropping the runtime drops every task still running (an interrupted
    // verify's checks), and with them their SSH masters and temporary
    // folders, before the process exits.
    drop(rt);
    r
}

/// SIGINT, SIGTERM and SIGHUP mean the same for every command: stop, undo
/// what this command started (a bring-up is torn down, SSH masters and
/// temporary folders go), exit 130. The handlers are installed before the
/// command starts, so none of these signals kills `lab` outright; commands
/// wait for [`signals::interrupted`].
pub(crate) mod signals {
    use crate::error::{LabError, Result};
    use std::sync::OnceLock;
    use tokio::signal::unix::{SignalKind, signal};
    use tokio::sync::watch;

    static RECEIVED: OnceLock<watch::Sender<Option<&'static str>>> = OnceLock::new();

    fn sender() -> &'static watch::Sender<Option<&'static str>> {
        RECEIVED.get_or_init(|| watch::channel(None).0)
    }

    /// Install the handlers (inside the runtime).
    pub fn install() -> Result<()> {
        for (kind, name) in [
            (SignalKind::interrupt(), "SIGINT"),
            (SignalKind::terminate(), "SIGTERM"),
            (SignalKind::hangup(), "SIGHUP"),
        ] {
            let mut s = signal(kind)
                .map_err(|e| LabError::io(format!("installing a {name} handler"), e))?;
            tokio::spawn(async move {
                while s.recv().await.is_some() {
                    sender().send_replace(Some(name));
                }
            });
        }
        Ok(())
    }

    /// The signal received, if one was.
    pub fn received() -> Option<&'static str> {
        *sender().borrow()
    }

    /// Resolves once SIGINT, SIGTERM or SIGHUP has been received.
    pub async fn interrupted() -> &'static str {
        let mut rx = sender().subscribe();
        let got = rx.wait_for(|v| v.is_some()).await;
        got.map(|v| v.unwrap_or("a signal")).unwrap_or("a signal")
    }
}
