//! The command line: one file per command, each parsing its arguments,
//! resolving them into the settings of a library operation
//! ([`crate::ops`]), calling it and printing. Everything here returns typed
//! [`LabError`]s; only the binary (`main.rs`) turns them into a message and
//! an exit code.

mod apply;
mod book;
mod box_cmd;
mod complete;
mod destroy;
mod doctor;
mod doctor_kubectl;
mod graph;
mod init;
mod inspect;
mod instance;
mod list;
mod man;
mod nightly;
mod output;
mod render;
mod ssh;
mod status;
mod test;
mod up;
mod verify;

use crate::error::LabError;
use crate::report::style::{self, ColorChoice};
use crate::report::{Reporter, terminal::Terminal};
use crate::signals;
use clap::{Parser, Subcommand};
use std::path::PathBuf;

/// The environment variables `lab` reads, for `--help` and the man page.
pub const ENVIRONMENT: &str = "\
Environment:
  LAB_STATE_DIR    where labs' state folders live (default ./.lab)
  LAB_CACHE_DIR    where the labs shipped in lab are written out when used
                   (default $XDG_CACHE_HOME/lab, else ~/.cache/lab)
  LAB_PATH         folders (':'-separated) holding labs by name, searched
                   after ./labs and before the labs shipped with lab
  LAB_RUN_DIR      where claims on lab names live (default /run/lab)
  LAB_EXE          the lab binary ssh runs as ProxyCommand (default: this one)
  LAB_VAGRANT_VM   the VM provider of --provider vagrant (then
                   VAGRANT_DEFAULT_PROVIDER, then virtualbox)
  LAB_VAGRANT_HOME, LAB_BOX_DIR, LAB_LIBVIRT_DIR
                   Vagrant's home, built boxes and libvirt's state for --vm libvirt
  NO_COLOR         no colour with --color auto; CLICOLOR_FORCE forces it
  CI               plain lines instead of spinners and bars
  COLUMNS          the width lines and tables are cut to";

/// Exit codes, for `--help` and the man page.
pub const EXIT_CODES: &str = "\
Exit codes: 0 ok; 1 a check did not hold (or the book drifted); 2 usage,
invalid lab or no such lab; 3 a step failed; 4 provider unavailable; 5 lab
busy; 6 lab half made (the message says how to repair it); 130 interrupted.";

#[derive(Parser, Debug)]
#[command(
    name = "lab",
    version,
    about = "Build a book chapter's Kubernetes network lab, check it, clean it up.",
    after_help = format!("{EXIT_CODES}\n\n{ENVIRONMENT}")
)]
pub struct Cli {
    /// Say less: failures and results only.
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,
    /// Say more: each step as it starts.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// Colour verdicts: auto (on a terminal, unless NO_COLOR), always, never.
    #[arg(
        long,
        global = true,
        value_enum,
        default_value = "auto",
        value_name = "WHEN"
    )]
    pub color: ColorChoice,
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
    /// Every node of a running lab: role, addresses, NICs, the pod
    /// network's interface choice, VTEP, routes and pods.
    Inspect(inspect::Args),
    /// Draw a lab's topology (SVG, Mermaid or Graphviz DOT): the live lab
    /// when it is up, else what its file declares.
    Graph(graph::Args),
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
    TcpProxy {
        /// The VM's address.
        host: String,
        /// The VM's port.
        port: u16,
    },
    /// The labs `lab` can find: their variants, checks and chapter.
    List(list::Args),
    /// Draft a lab (lab.yaml, checks, manifests) from a chapter.
    Init(init::Args),
    /// Print the shell script that completes lab's commands, options, and
    /// lab, variant and node names (e.g. `source <(lab completions bash)`).
    Completions {
        /// The shell: bash, zsh, fish, elvish or powershell.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print lab's man page (roff), or with --out write one page per
    /// command (lab.1, lab-up.1, ...) into a folder.
    Man {
        /// Write lab.1 and lab-COMMAND.1 for every command into DIR.
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
    },
    /// The nightly regression: every lab on every provider that can run
    /// here, into a history database, a dashboard, a summary and JUnit.
    Nightly(nightly::NightlyArgs),
    /// (internal) Keep the tables of lab LAB's nodes NODE... within BOUND
    /// entries each, until the nodes are gone: started by `up`.
    #[command(hide = true)]
    Guard {
        /// The most entries a node's table keeps.
        #[arg(long)]
        bound: usize,
        /// The most orphaned TCP connections a node keeps.
        #[arg(long, default_value_t = 64)]
        orphans: u64,
        /// The most network devices a node holds.
        #[arg(long, default_value_t = 1024)]
        devices: usize,
        /// The most IPv4 routes a node has, every table together.
        #[arg(long, default_value_t = 70)]
        routes: usize,
        /// The socket where entries hand over their filters' listeners.
        #[arg(long)]
        listeners: std::path::PathBuf,
        /// The folder of the nodes' rulesets of bounds (`NODE.nft`).
        #[arg(long)]
        owned_bounds: std::path::PathBuf,
        /// The lab.
        lab: String,
        /// Its nodes.
        nodes: Vec<String>,
    },
    /// (internal) Enter a node and become `sshd -i` on stdin/stdout: the
    /// ProxyCommand of the netns ssh config.
    #[command(hide = true)]
    Proxy {
        /// The lab's state folder (its sshd_config, the node's /run and /root).
        #[arg(long)]
        state: std::path::PathBuf,
        /// The lab.
        lab: String,
        /// The node.
        node: String,
    },
}

/// The command line's definition (for completions, man pages and tests).
pub fn command() -> clap::Command {
    use clap::CommandFactory;
    Cli::command()
}

/// Run the command line. The error, if any, carries its exit code
/// ([`LabError::exit_code`]); the binary prints it.
pub fn run() -> Result<(), LabError> {
    // `COMPLETE=bash lab -- WORDS`: the shell asks for completions.
    clap_complete::CompleteEnv::with_factory(command).complete();
    let cli = Cli::parse();
    // A path named for output is checked against this host's labs.
    crate::report::host::set(crate::state::claim::host);
    style::set_color(cli.color);
    style::set_level(if cli.quiet {
        -1
    } else {
        cli.verbose.min(8) as i8
    });
    // Completions and the man page are made from the command line's own
    // definition, so they never drift from it.
    match &cli.command {
        Command::Completions { shell } => return man::completions(*shell),
        Command::Man { out } => return man::man(out.as_deref()),
        _ => {}
    }
    // The internal commands and `box` keep the signals' default actions.
    if matches!(
        cli.command,
        Command::Proxy { .. } | Command::Guard { .. } | Command::TcpProxy { .. } | Command::Box(_)
    ) {
        signals::default_actions()?;
    }
    // `proxy` enters a network namespace, which must happen while the
    // process has a single thread: before any runtime starts.
    if let Command::Proxy { state, lab, node } = &cli.command {
        return crate::provider::netns::proxy(state, lab, node);
    }
    // The guard enters the nodes' namespaces in turn: a single thread too.
    if let Command::Guard {
        bound,
        orphans,
        devices,
        routes,
        lab,
        nodes,
        listeners,
        owned_bounds,
    } = &cli.command
    {
        let bounds = crate::provider::netns::guard::Bounds::new(
            *bound,
            *orphans,
            *devices,
            *routes,
            nodes.len(),
        );
        return crate::provider::netns::guard::run(lab, bounds, nodes, listeners, owned_bounds);
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
        // A signal while `lab` started: nothing is begun.
        if signals::received().is_some() {
            return Err(LabError::Interrupted);
        }
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
        Command::List(a) => list::run(a),
        Command::Init(a) => init::run(a),
        Command::Inspect(a) => signals::interruptible(inspect::run(a)).await,
        Command::Graph(a) => signals::interruptible(graph::run(a)).await,
        Command::Proxy { .. }
        | Command::Guard { .. }
        | Command::Box(_)
        | Command::TcpProxy { .. }
        | Command::Completions { .. }
        | Command::Man { .. } => {
            unreachable!("handled before the runtime starts")
        }
    }
}

/// `lab` loaded from `arg`, with `--box` applied.
fn load_lab(
    arg: &str,
    instance: Option<&str>,
    workers: Option<u32>,
    box_name: Option<&str>,
) -> Result<crate::spec::Lab, LabError> {
    let lab = crate::ops::definition(arg, instance, crate::spec::LoadOptions { workers })?;
    match box_name {
        Some(b) => lab.with_box(b),
        None => Ok(lab),
    }
}

/// The reporter of a command: the terminal view (stderr).
fn terminal() -> Reporter {
    Reporter::new(vec![Box::new(Terminal::new())])
}
