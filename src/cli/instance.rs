//! `--name NAME`, taken by every command that takes a lab: which instance
//! of the lab (see [`crate::state::instance`]).

/// The `--name` option, flattened into a command's arguments.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct Name {
    /// The instance: the lab under this name, with its own state,
    /// namespaces and lock (default: the lab's own name). `lab list` shows
    /// the instances up here.
    #[arg(long = "name", value_name = "NAME", add = super::complete::instances())]
    pub name: Option<String>,
}
