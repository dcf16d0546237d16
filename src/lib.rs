//! `lab` turns a chapter of a Kubernetes networking book into a lab that
//! builds itself, checks itself and cleans up after itself.
//!
//! The library is organised the way the tools of this field are:
//! - [`spec`]: the lab definition (strict parse, validation, resolved values);
//! - [`provider`]: where a lab runs (`netns` on Linux, `vagrant` with VMs);
//! - [`bringup`]: bring-up as a list of small steps with progress events;
//! - [`session`]: running commands on nodes, the one path every check takes
//!   (over [`ssh`] for VMs, by entering namespaces for netns);
//! - [`ssh`]: reaching nodes over SSH;
//! - [`verify`]: the checks engine;
//! - [`report`]: the event stream and the versioned run record, rendered as
//!   a terminal view, a table, JSON and JUnit;
//! - [`ops`]: the operations behind the commands (up, apply, verify, test,
//!   destroy), each over one settings struct;
//! - [`signals`]: what SIGINT, SIGTERM and SIGHUP mean to every operation;
//! - [`book`]: the chapter's own Markdown replayed against the lab (`lab book`);
//! - [`kubectl`]: the real kubectl of given versions, for the book's kubectl lines;
//! - [`cli`]: the command line, one file per command over [`ops`].

pub mod book;
pub mod bringup;
pub mod cli;
pub mod clock;
pub mod cni;
pub mod digest;
pub mod error;
pub mod exec;
pub mod graph;
pub mod history;
pub mod init;
pub mod kubectl;
pub mod nightly;
pub mod ops;
pub mod probe;
pub mod provider;
pub mod report;
pub mod session;
pub mod shipped;
pub mod signals;
pub mod spec;
pub mod ssh;
pub mod state;
pub mod suggest;
pub mod verify;

pub use error::{LabError, Result};
