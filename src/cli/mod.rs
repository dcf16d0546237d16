//! The command line: one file per command, each parsing its arguments,
//! resolving them into the settings of a library operation
//! ([`crate::ops`]), calling it and printing. Everything here returns typed
//! [`LabError`]s; only the binary (`main.rs`) turns them into a message and
//! an exit code.

mod apply;
mod book;
mod box_cmd;
mod destroy;
mod doctor;
mod init;
mod list;
mod nightly;
mod output;
mod render;
mod ssh;
mod status;
mod test;
mod up;
mod verify;

use crate::error::LabError;
use crate::report::{Reporter, terminal::Terminal};
use crate::signals;
use clap::{Parser, Subcommand};

#[derive(Parser, Debug)]
#[command(
    name = "lab",
    version,
    about = "Build a book chapter's Kubernetes network lab, check it, clean it up."
)]
#[command(
    after_help = "Exit codes: 0 ok; 1 a check did not hold (or the book drifted); 2 usage or invalid lab; 3 a step failed; 4 provider unavailable; 5 lab busy; 6 lab half made (the message says how to repair it); 130 interrupted."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Bring a lab up (default variant unless --variant).
    Up(up::Args),
    /// Switch a running lab to another pod network variant.
    Apply(apply::Args),
    /// Run the lab's checks against the lab as it is up.
    Verify(verify::Args),
    /// The chapter's story: up, verify, evidence, each other variant, verify, destroy.
    Test(test::Args),
    /// Replay the lab's chapter against it and report drift, block by block.
    Book(book::Args),
    /// Remove a lab: its machines or namespaces, processes and files.
    Destroy(destroy::Args),
    /// Show a lab's nodes, pods, addresses and variant.
    Status(status::Args),
    /// Open a shell on a node, or run a command there (like `vagrant ssh`).
    Ssh(ssh::Args),
    /// Print the Vagrantfile or a provisioning script of a lab.
    Render(render::Args),
    /// Check this machine's prerequisites; --fix installs what is missing.
    Doctor(doctor::Args),
    /// Vagrant boxes lab builds here (for `--vm libvirt`).
    #[command(subcommand, name = "box")]
    Box(box_cmd::BoxCommand),
    /// (internal) Connect stdin/stdout to HOST:PORT inside lab's libvirt
    /// namespace: the ProxyCommand of a libvirt lab's ssh config.
    #[command(hide = true, name = "tcp-proxy")]
    TcpProxy { host: String, port: u16 },
    /// The labs `lab` can find: their variants, checks and chapter.
    List,
    /// Draft a lab (lab.yaml, checks, manifests) from a chapter.
    Init(init::Args),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell).
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print lab's man page (roff), e.g. `lab man > lab.1; man ./lab.1`.
    Man,
    /// The nightly regression: every lab on every provider that can run
    /// here, into a history database, a dashboard, a summary and JUnit.
    Nightly(nightly::NightlyArgs),
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
    // Completions and the man page are made from the command line's own
    // definition, so they never drift from it.
    match &cli.command {
        Command::Completions { shell } => {
            use clap::CommandFactory;
            clap_complete::generate(*shell, &mut Cli::command(), "lab", &mut std::io::stdout());
            return Ok(());
        }
        Command::Man => {
            use clap::CommandFactory;
            let mut out = Vec::new();
            clap_mangen::Man::new(Cli::command())
                .render(&mut out)
                .map_err(|e| LabError::io("rendering the man page", e))?;
            let _ = std::io::Write::write_all(&mut std::io::stdout(), &out);
            return Ok(());
        }
        _ => {}
    }
    // `proxy` enters a network namespace, which must happen while the
    // process has a single thread: before any runtime starts.
    if let Command::Proxy { state, lab, node } = &cli.command {
        return crate::provider::netns::proxy(state, lab, node);
    }
    if let Command::TcpProxy { host, port } = &cli.command {
        return crate::provider::vagrant::libvirt_ns::tcp_proxy(host, *port);
    }
    if let Command::Box(b) = cli.command {
        return box_cmd::run(b);
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(4)
        .enable_all()
        .build()
        .map_err(|e| LabError::io("starting the async runtime", e))?;
    let r = rt.block_on(async {
        signals::install()?;
        dispatch(cli.command).await
    });
    // Dropping the runtime drops every task still running (an interrupted
    // verify's checks), and with them their SSH masters and temporary
    // folders, before the process exits.
    drop(rt);
    r
}

async fn dispatch(cmd: Command) -> Result<(), LabError> {
    match cmd {
        Command::Up(a) => up::run(a).await,
        Command::Apply(a) => apply::run(a).await,
        Command::Verify(a) => verify::run(a).await,
        Command::Test(a) => test::run(a).await,
        Command::Book(a) => book::run(a).await,
        Command::Destroy(a) => destroy::run(a).await,
        Command::Status(a) => signals::interruptible(status::run(a)).await,
        Command::Ssh(a) => ssh::run(a).await,
        Command::Render(a) => signals::interruptible(async { render::run(a) }).await,
        Command::Doctor(a) => signals::interruptible(async { doctor::run(a) }).await,
        Command::Nightly(a) => nightly::run(a),
        Command::List => list::run(),
        Command::Init(a) => init::run(a),
        Command::Proxy { .. }
        | Command::Box(_)
        | Command::TcpProxy { .. }
        | Command::Completions { .. }
        | Command::Man => {
            unreachable!("handled before the runtime starts")
        }
    }
}

/// `lab` loaded from `arg`, with `--box` applied.
fn load_lab(
    arg: &str,
    workers: Option<u32>,
    box_name: Option<&str>,
) -> Result<crate::spec::Lab, LabError> {
    let lab = crate::spec::load(arg, crate::spec::LoadOptions { workers })?;
    match box_name {
        Some(b) => lab.with_box(b),
        None => Ok(lab),
    }
}

/// The reporter of a command: the terminal view (stderr).
fn terminal() -> Reporter {
    Reporter::new(vec![Box::new(Terminal::new())])
}
