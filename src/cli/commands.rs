//! One function per command, over the library.
//!
//! Commands that change a lab (`up`, `apply`, `destroy`, `test`) hold its
//! [`Lock`] for their whole life; commands that read it (`verify`,
//! `status`, `ssh`) use the lab as `up` recorded it and say when it is being
//! changed or half made. Every command stops on SIGINT, SIGTERM or SIGHUP
//! ([`super::signals`]), undoing what it started; `destroy` (and the
//! teardown of an interrupted `up` or `test`) finishes first.

use super::Command;
use super::signals;
use crate::error::{LabError, Result};
use crate::provider::vagrant::Vm;
use crate::provider::{self, Kind, Provider};
use crate::report::{self, Reporter, Tally, output::Reports, terminal::Terminal};
use crate::spec::{self, Lab, LoadOptions};
use crate::state::{self, Lock, Phase, State};
use crate::verify;
use std::io::Write;
use std::path::PathBuf;

/// A line to stdout; a closed stdout (`lab status | head -1`) is not an error.
macro_rules! out {
    ($($arg:tt)*) => {{
        let _ = writeln!(std::io::stdout(), $($arg)*);
    }};
}

/// Text to stdout as is, with the same tolerance.
macro_rules! out_raw {
    ($($arg:tt)*) => {{
        let _ = write!(std::io::stdout(), $($arg)*);
    }};
}

pub async fn run(cmd: Command) -> Result<()> {
    match cmd {
        Command::Up {
            lab,
            provider,
            variant,
            nodes,
            vm,
            keep,
        } => up(&lab, provider, vm, variant, nodes, keep).await,
        Command::Apply { lab, variant } => interruptible(apply(&lab, &variant)).await,
        Command::Verify {
            lab,
            variant,
            only,
            junit,
            json,
        } => verify_cmd(lab, variant, only, junit, json).await,
        Command::Test {
            lab,
            provider,
            nodes,
            vm,
            junit,
            json,
            keep,
        } => test(&lab, provider, vm, nodes, junit, json, keep).await,
        // A teardown is finished, not stopped half way, whatever signal
        // arrives: it is what an interrupted command would do anyway.
        Command::Destroy { lab, purge } => destroy(&lab, purge).await,
        Command::Book(args) => super::book::run(args).await,
        Command::Status { lab } => interruptible(status(lab)).await,
        Command::Ssh { lab, node, command } => ssh(&lab, &node, &command).await,
        Command::Render {
            lab,
            nodes,
            vm,
            script,
            node,
        } => interruptible(async { render(&lab, nodes, vm, script, node) }).await,
        Command::Doctor {
            provider,
            fix,
            lab,
            vm,
        } => interruptible(async { doctor(provider, fix, lab, vm) }).await,
        Command::Proxy { .. } => unreachable!("handled before the runtime starts"),
    }
}

pub(super) fn reporter(lab_name: &str) -> Reporter {
    let rep = Reporter::new(vec![Box::new(Terminal::new())]);
    rep.log_to(&state::lab_dir(lab_name).join(state::LOG_FILE));
    rep
}

/// The lab name a command refers to: a name, or a path whose lab.yaml names it.
fn lab_name(arg: &str) -> Result<String> {
    let is_path = arg.contains('/') || arg.ends_with(".yaml") || arg.ends_with(".yml");
    if !is_path && spec::validate_name(arg) {
        return Ok(arg.to_string());
    }
    Ok(spec::load(arg, LoadOptions::default())?.name)
}

/// What a command that reads a lab needs of it.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Need {
    /// Anything that has state (`status`, `ssh`, `apply`).
    State,
    /// A lab that is up and not being changed (`verify`).
    Up,
}

/// A lab that is up: its state, definition (as `up` recorded it) and
/// provider. Warns when the lab file changed or moved since `up`.
fn running(arg: Option<String>, need: Need) -> Result<(State, Lab, Box<dyn Provider>)> {
    let name = match arg {
        Some(a) => lab_name(&a)?,
        None => only_lab()?,
    };
    let st = State::require(&name)?;
    if need == Need::Up {
        if let Some(h) = Lock::holder(&name) {
            return Err(LabError::Busy {
                name,
                holder: h.to_string(),
            });
        }
        match st.phase {
            Phase::Up => {}
            Phase::Creating => {
                return Err(LabError::Usage(format!(
                    "lab '{name}' is half made: its `lab up` was interrupted; `lab destroy {name}` removes it"
                )));
            }
            Phase::Applying => {
                return Err(LabError::Usage(format!(
                    "lab '{name}' is half switched: its `lab apply --variant {}` was interrupted; run it again to complete it",
                    st.applying.as_deref().unwrap_or("V")
                )));
            }
            Phase::Destroying => {
                return Err(LabError::Usage(format!(
                    "lab '{name}' is half destroyed; `lab destroy {name}` completes it"
                )));
            }
        }
    }
    if let Some(w) = st.lab_drift() {
        let _ = writeln!(std::io::stderr(), "warning: {w}");
    }
    let lab = spec::load_file(
        &st.lab_source(),
        LoadOptions {
            workers: st.workers,
        },
    )?;
    let p = provider::for_state(&st)?;
    Ok((st, lab, p))
}

/// With no lab named, the one lab that is up here.
fn only_lab() -> Result<String> {
    let root = state::root();
    let mut names: Vec<String> = std::fs::read_dir(&root)
        .map(|rd| {
            rd.filter_map(|e| e.ok())
                .filter(|e| e.path().join(state::STATE_FILE).is_file())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    match names.len() {
        1 => Ok(names.remove(0)),
        0 => Err(LabError::Usage(format!(
            "no lab is up here ({}); name one",
            root.display()
        ))),
        _ => Err(LabError::Usage(format!(
            "several labs are up ({}); name one",
            names.join(", ")
        ))),
    }
}

async fn up(
    arg: &str,
    kind: Option<Kind>,
    vm: Option<Vm>,
    variant: Option<String>,
    nodes: Option<u32>,
    keep: bool,
) -> Result<()> {
    let lab = spec::load(arg, LoadOptions { workers: nodes })?;
    let variant = variant.unwrap_or_else(|| lab.default_variant.clone());
    lab.variant(&variant)?;
    let fresh = !state::lab_dir(&lab.name).exists();
    let _lock = Lock::acquire(&lab.name, "up")?;
    up_locked(lab, kind, vm, variant, keep, fresh)
        .await
        .map(drop)
}

/// `up` of a lab whose lock the caller holds; `fresh`: its state folder
/// did not exist before (the lock made it).
pub(super) async fn up_locked(
    lab: Lab,
    kind: Option<Kind>,
    vm: Option<Vm>,
    variant: String,
    keep: bool,
    fresh: bool,
) -> Result<(State, Lab, Box<dyn Provider>)> {
    let refused = |e: LabError| {
        // Nothing was made: a folder made for this `up` goes too.
        let dir = state::lab_dir(&lab.name);
        if fresh {
            let _ = std::fs::remove_dir_all(&dir);
        } else {
            let _ = state::clear_lab_dir(&dir, true);
        }
        e
    };
    if let Some(st) = State::load(&lab.name)? {
        return Err(LabError::AlreadyUp {
            name: lab.name.clone(),
            provider: st.provider.to_string(),
            variant: st.variant,
        });
    }
    let p: Box<dyn Provider> = match (kind, vm) {
        (Some(Kind::Vagrant), Some(vm)) => Box::new(provider::vagrant::Vagrant::with_vm(vm)),
        (_, Some(_)) => {
            return Err(refused(LabError::Usage(
                "--vm applies to --provider vagrant".into(),
            )));
        }
        (kind, None) => provider::get(kind).map_err(refused)?,
    };
    p.available().map_err(refused)?;
    state::copy_lab_files(&lab, &state::lab_dir(&lab.name)).map_err(refused)?;
    let rep = reporter(&lab.name);
    rep.info(format!(
        "lab {}: {} ({} nodes, provider {}, variant {variant})",
        lab.name,
        lab.title,
        lab.nodes.len(),
        p.kind()
    ));
    let st = match interruptible(p.up(&lab, &variant, &rep)).await {
        Ok(st) => st,
        Err(e) => {
            // The same for every provider: what a failed or interrupted
            // bring-up made is removed, unless kept for debugging. A provider
            // records state before it makes anything, so no state means
            // nothing was made (a refusal such as leftovers of this lab).
            let Some(st) = State::load(&lab.name).ok().flatten() else {
                return Err(refused(e));
            };
            if keep && !matches!(e, LabError::Interrupted) {
                rep.info(format!(
                    "keeping what was made (--keep); `lab destroy {}` removes it",
                    lab.name
                ));
            } else {
                if let Some(sig) = signals::received() {
                    rep.info(format!("{sig}: stopping"));
                }
                rep.info("tearing down what was made (use --keep to keep it)");
                if let Err(d) = p.destroy(&lab.name, Some(&st), &rep).await {
                    rep.info(format!(
                        "the teardown failed too: {d}; run `lab destroy {}`",
                        lab.name
                    ));
                }
            }
            return Err(e);
        }
    };
    rep.info(format!(
        "lab {} is up; `lab verify {0}` checks it, `lab destroy {0}` removes it",
        lab.name
    ));
    Ok((st, lab, p))
}

/// Run `fut` until it ends or SIGINT, SIGTERM or SIGHUP arrives; then it is
/// dropped (with what it holds: SSH masters, temporary folders) and the
/// command is `Interrupted`. An error that a signal caused (a child process
/// killed by the terminal's Ctrl-C) is `Interrupted` too.
pub(super) async fn interruptible<T, F>(fut: F) -> Result<T>
where
    F: std::future::Future<Output = Result<T>>,
{
    tokio::select! {
        r = fut => r.map_err(|e| if signals::received().is_some() { LabError::Interrupted } else { e }),
        _ = signals::interrupted() => Err(LabError::Interrupted),
    }
}

async fn apply(arg: &str, variant: &str) -> Result<()> {
    let name = lab_name(arg)?;
    State::require(&name)?;
    let _lock = Lock::acquire(&name, "apply")?;
    let (mut st, lab, p) = running(Some(name), Need::State)?;
    lab.variant(variant)?;
    match st.phase {
        Phase::Up | Phase::Applying => {}
        Phase::Creating | Phase::Destroying => {
            return Err(LabError::Usage(format!(
                "lab '{}' is half made or half destroyed ({}); `lab destroy {0}` removes it",
                lab.name,
                phase_text(&st)
            )));
        }
    }
    // An interrupted switch is redone, whatever variant it was going to.
    if st.variant == variant && st.phase == Phase::Up {
        let _ = writeln!(
            std::io::stderr(),
            "lab {} already runs variant {variant}",
            lab.name
        );
        return Ok(());
    }
    let rep = reporter(&lab.name);
    if st.phase == Phase::Applying {
        rep.info(format!(
            "completing the interrupted switch ({}) with variant {variant}",
            phase_text(&st)
        ));
    }
    p.apply(&lab, &mut st, variant, &rep).await?;
    rep.info(format!("lab {} now runs variant {variant}", lab.name));
    Ok(())
}

/// A lab's phase for people: `up`, `applying fixed, interrupted`, ...
fn phase_text(st: &State) -> String {
    let busy = Lock::holder(&st.name);
    let what = match st.phase {
        Phase::Up => return "Up".into(),
        Phase::Creating => "creating".to_string(),
        Phase::Applying => format!("applying {}", st.applying.as_deref().unwrap_or("?")),
        Phase::Destroying => "destroying".to_string(),
    };
    match busy {
        Some(h) => format!("{what}, by {h}"),
        None => format!("{what}, interrupted"),
    }
}

/// Show the results (table, then summary) and write the reports asked for.
/// A report that cannot be written is said after the results, never
/// instead of them, and does not stop the other report.
fn finish_checks(lab: &str, results: &[report::CheckResult], reports: &Reports) -> Result<()> {
    // With a report on stdout, stdout is that report alone.
    let show = |text: &str| {
        if reports.to_stdout() {
            let _ = write!(std::io::stderr(), "{text}");
        } else {
            out_raw!("{text}");
        }
    };
    show(&report::table::render(results));
    let unwritten = reports.write(lab, results);
    let t = Tally::of(results);
    show(&format!("{}\n", t.summary()));
    if !unwritten.is_empty() {
        return Err(LabError::Step {
            step: "write reports".into(),
            message: format!(
                "{}; the results are in the table above",
                unwritten.join("; ")
            ),
        });
    }
    if t.ok() {
        Ok(())
    } else {
        Err(LabError::ChecksFailed {
            failed: t.failed + t.errored,
            total: results.len(),
        })
    }
}

async fn verify_cmd(
    arg: Option<String>,
    variant: Option<String>,
    only: Option<String>,
    junit: Option<PathBuf>,
    json: Option<PathBuf>,
) -> Result<()> {
    let reports = Reports::new(junit, json);
    reports.check(&state::root())?;
    let (st, lab, p) = running(arg, Need::Up)?;
    let rep = reporter(&lab.name);
    let results = interruptible(verify::verify(
        &lab,
        &st,
        p.as_ref(),
        &verify::Options {
            variant,
            only,
            no_diagnostics: false,
        },
        &rep,
    ))
    .await?;
    finish_checks(&lab.name, &results, &reports)
}

async fn test(
    arg: &str,
    kind: Option<Kind>,
    vm: Option<Vm>,
    nodes: Option<u32>,
    junit: Option<PathBuf>,
    json: Option<PathBuf>,
    keep: bool,
) -> Result<()> {
    // Before the story: a bad report path must not cost a whole run.
    let reports = Reports::new(junit, json);
    reports.check(&state::root())?;
    let lab = spec::load(arg, LoadOptions { workers: nodes })?;
    let fresh = !state::lab_dir(&lab.name).exists();
    let _lock = Lock::acquire(&lab.name, "test")?;
    let variant = lab.default_variant.clone();
    let (mut st, lab, p) = up_locked(lab, kind, vm, variant, false, fresh).await?;
    let rep = reporter(&lab.name);
    // Results in check order, variant after variant; kept if a step fails.
    let results = std::sync::Mutex::new(Vec::new());
    let story = async {
        let opts = verify::Options::default();
        let run = verify::verify(&lab, &st, p.as_ref(), &opts, &rep).await?;
        results.lock().unwrap().extend(run);
        let evidence = verify::collect_evidence(&lab, &st, p.as_ref(), &rep).await?;
        rep.info(format!(
            "troubleshooting evidence ({}) in {}",
            st.variant,
            evidence.display()
        ));
        let others: Vec<String> = lab
            .variants
            .iter()
            .map(|v| v.name.clone())
            .filter(|v| *v != lab.default_variant)
            .collect();
        for v in others {
            p.apply(&lab, &mut st, &v, &rep).await?;
            let run = verify::verify(&lab, &st, p.as_ref(), &opts, &rep).await?;
            results.lock().unwrap().extend(run);
        }
        Ok::<(), LabError>(())
    };
    let outcome = interruptible(story).await;
    if let Some(sig) = signals::received() {
        rep.info(format!("{sig}: stopping"));
    }
    let destroyed = if keep {
        rep.info(format!(
            "--keep: lab {} stays up; `lab destroy {0}` removes it",
            lab.name
        ));
        Ok(())
    } else {
        let st_now = State::load(&lab.name).ok().flatten();
        p.destroy(&lab.name, st_now.as_ref(), &rep).await
    };
    // The results are shown even when the teardown failed.
    let all = results.into_inner().unwrap();
    let checked = finish_checks(&lab.name, &all, &reports);
    outcome.and(destroyed).and(checked)
}

async fn destroy(arg: &str, purge: bool) -> Result<()> {
    let name = lab_name(arg)?;
    // Lock the lab's folder if it has one: destroying a lab that is not
    // there must not leave a folder behind.
    let dir = state::lab_dir(&name);
    let exists = dir.exists();
    let lock_file = dir.join(state::LOCK_FILE);
    let new_lock = exists && !lock_file.exists();
    let lock = if exists {
        Some(Lock::acquire(&name, "destroy")?)
    } else {
        None
    };
    let r = destroy_locked(&name, exists, purge).await;
    if matches!(r, Err(LabError::Untrusted(_))) && new_lock {
        // A refusal touches nothing, not even with a lock file.
        let _ = std::fs::remove_file(&lock_file);
    }
    drop(lock);
    r
}

async fn destroy_locked(name: &str, exists: bool, purge: bool) -> Result<()> {
    let name = name.to_string();
    // A state that is not valid JSON is as good as none (what is left is
    // found by the lab's claim); one that does not belong here is refused.
    let st = match State::load(&name) {
        Ok(st) => st,
        Err(e @ LabError::Untrusted(_)) => return Err(e),
        Err(_) => None,
    };
    let rep = if exists {
        reporter(&name)
    } else {
        Reporter::new(vec![Box::new(Terminal::new())])
    };
    match &st {
        Some(st) => {
            let p = provider::for_state(st)?;
            if let Some(w) = st.lab_drift() {
                rep.info(format!("warning: {w}"));
            }
            p.destroy(&name, Some(st), &rep).await?
        }
        None => {
            // No state: what is left is found by the lab's claim.
            if cfg!(target_os = "linux") && nix::unistd::geteuid().is_root() {
                provider::get(Some(Kind::Netns))?
                    .destroy(&name, None, &rep)
                    .await?;
            }
        }
    }
    // Whatever the provider left (a folder without state), and with
    // --purge the evidence too.
    state::clear_lab_dir(&state::lab_dir(&name), !purge)?;
    let _ = writeln!(std::io::stderr(), "lab {name} destroyed");
    Ok(())
}

async fn status(arg: Option<String>) -> Result<()> {
    let (st, lab, p) = running(arg, Need::State)?;
    let s = p.status(&lab, &st, &Reporter::quiet()).await?;
    out!(
        "lab {} ({}), provider {}, variant {} ({})",
        lab.name,
        lab.title,
        st.provider,
        st.variant,
        phase_text(&st)
    );
    out!("{:<12} {:<14} {:<10} ADDRESSES", "NODE", "ROLE", "STATE");
    for n in &s.nodes {
        out!(
            "{:<12} {:<14} {:<10} {}",
            n.name,
            n.role,
            n.state,
            n.addresses.join(" ")
        );
    }
    if !s.pods.is_empty() {
        out!("\n{:<36} {:<10} {:<12} IP", "POD", "APP", "NODE");
        for pod in &s.pods {
            out!(
                "{:<36} {:<10} {:<12} {}",
                pod.name,
                pod.app,
                pod.node,
                pod.ip
            );
        }
    }
    Ok(())
}

async fn ssh(arg: &str, node: &str, command: &[String]) -> Result<()> {
    use std::os::unix::process::CommandExt;
    let (st, lab, p) = running(Some(arg.to_string()), Need::State)?;
    lab.require_node(node)?;
    let access = p.access(&lab, &st, &Reporter::quiet()).await?;
    let mut cmd = std::process::Command::new("ssh");
    cmd.arg("-F").arg(&access.ssh_config);
    if command.is_empty() {
        cmd.arg("-t");
    }
    cmd.arg(node);
    if !command.is_empty() {
        cmd.arg("--").args(command);
    }
    let err = cmd.exec();
    Err(LabError::io("running ssh", err))
}

fn render(
    arg: &str,
    nodes: Option<u32>,
    vm: Vm,
    script: Option<String>,
    node: Option<String>,
) -> Result<()> {
    use crate::provider::vagrant::render;
    let lab = spec::load(arg, LoadOptions { workers: nodes })?;
    let text = match script {
        None => render::vagrantfile(&lab, vm)?,
        Some(name) => {
            let node = match node {
                Some(n) => n,
                None => match name.as_str() {
                    "worker" => lab
                        .workers()
                        .next()
                        .map(|n| n.name.clone())
                        .ok_or_else(|| LabError::Usage("the lab has no workers".into()))?,
                    _ => lab.control_plane().name.clone(),
                },
            };
            render::script(&lab, &name, &node)?
        }
    };
    out_raw!("{text}");
    Ok(())
}

fn doctor(kind: Option<Kind>, fix: bool, lab: Option<String>, vm: Vm) -> Result<()> {
    let kind = match kind {
        Some(k) => k,
        None => provider::default_kind().unwrap_or(Kind::Vagrant),
    };
    match kind {
        Kind::Netns => {
            let limits_fail = match &lab {
                Some(l) => doctor_netns_limits(&spec::load(l, LoadOptions::default())?),
                None => None,
            };
            let missing = provider::netns::missing_programs();
            for (prog, pkg) in provider::netns::PACKAGES {
                let ok = !missing.iter().any(|(p, _)| p == prog);
                out!(
                    "{} {prog:<16} (Debian package {pkg})",
                    if ok { "ok     " } else { "MISSING" }
                );
            }
            if missing.is_empty() {
                if let Some(why) = limits_fail {
                    return Err(LabError::Unavailable {
                        provider: "netns".into(),
                        why,
                    });
                }
                out!("netns provider: ready");
                return Ok(());
            }
            let mut pkgs: Vec<&str> = missing.iter().map(|(_, p)| *p).collect();
            pkgs.sort();
            pkgs.dedup();
            if !fix {
                return Err(LabError::Unavailable {
                    provider: "netns".into(),
                    why: format!(
                        "missing programs; run `lab doctor --fix` or `apt-get install {}`",
                        pkgs.join(" ")
                    ),
                });
            }
            install(&pkgs)
        }
        Kind::Vagrant => {
            let lab = match lab {
                Some(l) => Some(spec::load(&l, LoadOptions::default())?),
                None => None,
            };
            let lines = crate::provider::vagrant::doctor(lab.as_ref(), vm);
            let mut bad = 0;
            for l in &lines {
                out!("{} {}", if l.ok { "ok     " } else { "PROBLEM" }, l.what);
                if !l.ok {
                    bad += 1;
                    if let Some(fix) = &l.fix {
                        out!("        fix: {fix}");
                    }
                }
            }
            if bad == 0 {
                Ok(())
            } else {
                Err(LabError::Unavailable {
                    provider: "vagrant".into(),
                    why: format!("{bad} problem(s) above"),
                })
            }
        }
    }
}

/// `lab doctor --lab L` on netns: each limit of the host the lab needs, one
/// line each; the refusal `lab up` would give, if any.
fn doctor_netns_limits(lab: &Lab) -> Option<String> {
    use crate::provider::netns::limits;
    for l in limits::limits(lab, &limits::Host::read()) {
        out!(
            "{} {} (needs {}, has {}){}",
            if l.ok() { "ok     " } else { "LIMIT  " },
            l.what,
            l.needed,
            l.available,
            if l.ok() {
                String::new()
            } else {
                format!("\n        fix: {}", l.fix)
            }
        );
    }
    limits::exceeded(lab, &limits::Host::read())
}

/// Install Debian packages, saying which first.
fn install(pkgs: &[&str]) -> Result<()> {
    out!("installing with apt-get: {}", pkgs.join(" "));
    let status =
        |c: &mut std::process::Command| c.env("DEBIAN_FRONTEND", "noninteractive").status();
    let ok = status(
        std::process::Command::new("apt-get")
            .arg("update")
            .arg("-qq"),
    )
    .map(|s| s.success())
    .unwrap_or(false);
    if !ok {
        return Err(LabError::Step {
            step: "apt-get update".into(),
            message: "failed; install the packages by hand".into(),
        });
    }
    let ok = status(
        std::process::Command::new("apt-get")
            .args(["install", "-y", "-qq", "--no-install-recommends"])
            .args(pkgs),
    )
    .map(|s| s.success())
    .unwrap_or(false);
    if ok {
        Ok(())
    } else {
        Err(LabError::Step {
            step: "apt-get install".into(),
            message: format!("failed to install {}", pkgs.join(" ")),
        })
    }
}
