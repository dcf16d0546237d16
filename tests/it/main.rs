//! Integration tests of `lab`: one binary, one module per area.
//!
//! `harness` holds the helpers every area uses (a `lab` command with its own
//! state folder, fixtures, throw-away copies of a lab with a unique name).

mod book;
mod harness;
mod labs;
mod lifecycle;
mod netns;
mod overlay;
mod report;
mod report_paths;
mod spec;
mod vagrant;
mod verify;
