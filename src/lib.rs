//! `lab` turns a chapter of a Kubernetes networking book into a lab that
//! builds itself, checks itself and cleans up after itself.
//!
//! The library is organised the way the tools of this field are:
//! - [`spec`]: the lab definition (strict parse, validation, resolved values);
//! - [`provider`]: where a lab runs (`netns` on Linux, `vagrant` with VMs);
//! - [`bringup`]: bring-up as a list of small steps with progress events;
//! - [`ssh`]: reaching nodes over SSH, the one path every check takes;
//! - [`verify`]: the checks engine;
//! - [`report`]: events to a terminal view, JSON and JUnit;
//! - [`cli`]: the command line.

pub mod bringup;
pub mod cli;
pub mod clock;
pub mod error;
pub mod exec;
pub mod provider;
pub mod report;
pub mod spec;
pub mod ssh;
pub mod state;
pub mod verify;

pub use error::{LabError, Result};
