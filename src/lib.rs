//! `lab` turns a chapter of a Kubernetes networking book into a lab that
//! builds itself, checks itself and cleans up after itself.
//!
//! The library's rooms, one line each, lowest first (a room imports only
//! rooms above it in this list; `docs/architecture.md` draws it and the
//! `import_graph` test keeps it true):
//! - [`error`]: typed errors and the exit codes they map to;
//! - [`clock`]: UTC calendar time for names and log lines;
//! - [`fault`]: a panic (a bug) becomes an internal error after the same teardown;
//! - [`signals`]: what SIGINT, SIGTERM and SIGHUP mean to every operation;
//! - [`suggest`]: "did you mean" for names a user typed;
//! - [`digest`]: SHA-256 digests, the one hash of the crate;
//! - [`shell`]: shell words, the one quoting of the crate;
//! - [`input_file`]: input files refused by type before they are read;
//! - [`places`]: the host folders lab keeps its files in (state root, cache);
//! - [`shipped`]: the labs embedded in the binary;
//! - [`session`]: running commands on nodes, the one path every check takes;
//! - [`report`]: the event stream and the versioned run record (terminal, JSON, JUnit);
//! - [`cni`]: pod network plugins behind one trait, registered in `cni::registry` (each reads its own manifest);
//! - [`testbed`]: a lab file without its checks (strict parse, validation, resolved values);
//! - [`probe`]: what a check asks of the network, one module per kind (`PROBES`);
//! - [`spec`]: the lab definition: its testbed with its checks resolved; loading, discovery;
//! - [`state`]: a lab's state folder (what is up, where, with what);
//! - [`exec`]: host programs, logged, failures typed;
//! - [`ssh`]: reaching nodes over SSH (the session of VM providers);
//! - [`kubectl`]: the real kubectl of given versions, for the book's kubectl lines;
//! - [`bringup`]: bring-up as a list of small steps with progress events;
//! - [`cluster`]: kubeadm init, join, waits and manifests, steps over any provider's session;
//! - [`provider`]: where a lab runs (netns, vagrant), registered in `provider::registry`;
//! - [`verify`]: the checks engine and its diagnostics;
//! - [`graph`]: a lab's topology as data, drawn as text and SVG;
//! - [`book`]: the chapter's own Markdown replayed against the lab (`lab book`);
//! - [`history`]: the nightly's memory (SQLite) and its analysis;
//! - [`init`]: `lab init`, a lab drafted from a chapter;
//! - [`ops`]: the operations behind the commands, each over one settings struct;
//! - [`nightly`]: `lab nightly`, the book's regression run and its dashboard;
//! - [`cli`]: the command line, one file per command over [`ops`].

pub mod book;
pub mod bringup;
pub mod cli;
pub mod clock;
pub mod cluster;
pub mod cni;
pub mod digest;
pub mod error;
pub mod exec;
pub mod fault;
pub mod graph;
pub mod history;
#[cfg(test)]
mod import_graph;
pub mod init;
pub mod input_file;
pub mod kubectl;
pub mod nightly;
pub mod ops;
pub mod places;
pub mod probe;
pub mod provider;
pub mod report;
pub mod session;
pub mod shell;
pub mod shipped;
pub mod signals;
pub mod spec;
pub mod ssh;
pub mod state;
pub mod suggest;
pub mod testbed;
pub mod verify;

pub use error::{LabError, Result};
