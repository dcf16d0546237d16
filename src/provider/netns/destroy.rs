//! Teardown: stop exactly the processes `lab` started (recorded PIDs, start
//! times checked) and whatever runs inside the lab's own namespaces, delete
//! the namespaces (found by the lab's prefix, so it works without state and
//! on a half-built lab), remove the state folder (except `lab.log` and
//! `artifacts/`, the evidence the CLI keeps unless told to purge; the folder
//! goes when nothing else is left). Idempotent.

use super::pstate::NetnsState;
use super::{names, plan, sys};
use crate::bringup::{self, Planned, Step};
use crate::error::{LabError, Result};
use crate::report::Reporter;
use crate::state::State;
use async_trait::async_trait;
use std::path::PathBuf;
use std::time::Duration;

pub struct DestroyCtx {
    pub name: String,
    pub ps: NetnsState,
    pub rep: Reporter,
    /// The lab's state folder.
    pub dir: PathBuf,
    /// The lab may have been interrupted while making things (no state, or
    /// not up): an orphaned `ip -batch` may still be adding namespaces, so
    /// look again until none has appeared for a while.
    pub settle: bool,
}

struct StopProcesses;
struct DeleteNamespaces;
struct RemoveFolder;

#[async_trait]
impl Step<DestroyCtx> for StopProcesses {
    async fn run(&self, ctx: &mut DestroyCtx) -> Result<()> {
        let recorded: Vec<(i32, u64)> = ctx
            .ps
            .processes
            .iter()
            .map(|p| (p.pid, p.start_time))
            .collect();
        let name = ctx.name.clone();
        let left = tokio::task::spawn_blocking(move || {
            // Recorded daemons and everything inside the lab's namespaces
            // (ssh sessions, nginx workers, processes a user started there)
            // are signalled together.
            let mut procs = recorded;
            procs.extend(sys::pids_in(&sys::lab_namespaces(&name)));
            procs.sort_unstable();
            procs.dedup();
            let mut left = sys::stop(&procs, Duration::from_secs(1));
            // Anything forked meanwhile.
            let again = sys::pids_in(&sys::lab_namespaces(&name));
            if !again.is_empty() {
                left.extend(sys::stop(&again, Duration::ZERO));
            }
            left
        })
        .await
        .map_err(|e| LabError::Usage(format!("internal error: {e}")))?;
        if !left.is_empty() {
            ctx.rep.info(format!(
                "processes still alive after SIGKILL (uninterruptible?): {left:?}"
            ));
        }
        Ok(())
    }
}

#[async_trait]
impl Step<DestroyCtx> for DeleteNamespaces {
    async fn run(&self, ctx: &mut DestroyCtx) -> Result<()> {
        let deadline = std::time::Instant::now() + Duration::from_secs(5);
        let mut quiet = 0;
        loop {
            let found = sys::lab_namespaces(&ctx.name);
            if found.is_empty() {
                quiet += 1;
            } else {
                quiet = 0;
                // Anything started in them since the processes were stopped.
                let scan = found.clone();
                let _ = tokio::task::spawn_blocking(move || {
                    sys::stop(&sys::pids_in(&scan), Duration::ZERO)
                })
                .await;
                sys::run_batches(
                    &ctx.rep,
                    vec![sys::Batch::namespaces(plan::netns_del(&found)).tolerant()],
                )
                .await?;
            }
            if !ctx.settle || quiet >= 2 || std::time::Instant::now() >= deadline {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let left = sys::lab_namespaces(&ctx.name);
        if left.is_empty() {
            Ok(())
        } else {
            Err(LabError::Usage(format!(
                "could not delete namespaces: {} (see lab.log)",
                left.join(", ")
            )))
        }
    }
}

#[async_trait]
impl Step<DestroyCtx> for RemoveFolder {
    async fn run(&self, ctx: &mut DestroyCtx) -> Result<()> {
        // The node overlays first: never delete through a mount.
        super::files::unmount_lab(&ctx.name, &ctx.dir)?;
        crate::state::clear_lab_dir(&ctx.dir, true)
    }
}

/// Remove everything of the lab `name`.
pub async fn destroy(name: &str, state: Option<&State>, rep: &Reporter) -> Result<()> {
    if !names::valid_lab_name(name) {
        return Err(LabError::Usage(format!(
            "'{name}' is not a lab name (a DNS label: lowercase letters, digits, '-')"
        )));
    }
    let ps = state
        .and_then(|s| NetnsState::from_value(&s.provider_state).ok())
        .unwrap_or_default();
    let dir = state
        .map(|s| s.dir())
        .unwrap_or_else(|| crate::state::lab_dir(name));
    let settle = state.is_none_or(|s| s.phase != crate::state::Phase::Up);
    let mut ctx = DestroyCtx {
        name: name.to_string(),
        ps,
        rep: rep.clone(),
        dir,
        settle,
    };
    let steps = vec![
        Planned::new("stop processes", StopProcesses),
        Planned::new("delete namespaces", DeleteNamespaces),
        Planned::new("remove state folder", RemoveFolder),
    ];
    bringup::run(steps, &mut ctx, rep).await
}
