//! Integration tests of `lab`: one binary, one module per area.
//!
//! `harness` holds the helpers every area uses (a `lab` command with its own
//! state folder, fixtures, throw-away copies of a lab with a unique name).

mod book;
mod book_forms;
mod book_matrix;
mod cgroups;
mod cli;
mod confine;
mod full_disk;
mod harness;
mod init;
mod install;
mod instances;
mod isolation;
mod known_drift;
mod kubectl;
mod labs;
mod lesser;
mod lesser2;
mod lesser3;
mod lifecycle;
mod mesh;
mod netns;
mod nightly;
mod overlay;
mod pods;
mod probe11;
mod probe12;
mod probe13;
mod probe14;
mod probe15;
mod probe16;
mod probe17;
mod probe18;
mod probe19;
mod probe5;
mod probe6;
mod probe7;
mod probe8;
mod probe9;
mod probe_findings;
mod report;
mod report_paths;
mod schemas;
mod spec;
mod submounts;
mod suggest;
mod uidmap;
mod unreachable;
mod userns;
mod ux;
mod vagrant;
mod vagrant_boot;
mod verify;
mod watch;
