//! One function per command, over the library.

use super::Command;
use crate::error::{LabError, Result};
use crate::provider::vagrant::Vm;
use crate::provider::{self, Kind, Provider};
use crate::report::{self, Reporter, Tally, output::Reports, terminal::Terminal};
use crate::spec::{self, Lab, LoadOptions};
use crate::state::{self, State};
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
        } => up(&lab, provider, vm, variant, nodes, keep)
            .await
            .map(|_| ()),
        Command::Apply { lab, variant } => apply(&lab, &variant).await,
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
        Command::Destroy { lab, purge } => destroy(&lab, purge).await,
        Command::Status { lab } => status(lab).await,
        Command::Ssh { lab, node, command } => ssh(&lab, &node, &command).await,
        Command::Render {
            lab,
            nodes,
            vm,
            script,
            node,
        } => render(&lab, nodes, vm, script, node),
        Command::Doctor {
            provider,
            fix,
            lab,
            vm,
        } => doctor(provider, fix, lab, vm),
        Command::Proxy { .. } => unreachable!("handled before the runtime starts"),
    }
}

fn reporter(lab_name: &str) -> Reporter {
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

/// A lab that is up: its state, definition and provider.
fn running(arg: Option<String>) -> Result<(State, Lab, Box<dyn Provider>)> {
    let name = match arg {
        Some(a) => lab_name(&a)?,
        None => only_lab()?,
    };
    let st = State::require(&name)?;
    let lab = spec::load_file(
        &st.lab_file,
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
) -> Result<(State, Lab, Box<dyn Provider>)> {
    let lab = spec::load(arg, LoadOptions { workers: nodes })?;
    let variant = variant.unwrap_or_else(|| lab.default_variant.clone());
    lab.variant(&variant)?;
    if let Some(st) = State::load(&lab.name)? {
        return Err(LabError::AlreadyUp {
            name: lab.name.clone(),
            provider: st.provider,
            variant: st.variant,
        });
    }
    let p: Box<dyn Provider> = match (kind, vm) {
        (Some(Kind::Vagrant), Some(vm)) => Box::new(provider::vagrant::Vagrant::with_vm(vm)),
        (_, Some(_)) => return Err(LabError::Usage("--vm applies to --provider vagrant".into())),
        (kind, None) => provider::get(kind)?,
    };
    p.available()?;
    let rep = reporter(&lab.name);
    rep.info(format!(
        "lab {}: {} ({} nodes, provider {}, variant {variant})",
        lab.name,
        lab.title,
        lab.nodes.len(),
        p.kind()
    ));
    let st = match interruptible(p.up(&lab, &variant, &rep), || async {}).await {
        Ok(st) => st,
        Err(e) => {
            // The same for every provider: what a failed or interrupted
            // bring-up made is removed, unless kept for debugging. A provider
            // records state before it makes anything, so no state means
            // nothing was made (a refusal such as leftovers of this lab).
            let Some(st) = State::load(&lab.name).ok().flatten() else {
                return Err(e);
            };
            if keep {
                rep.info(format!(
                    "keeping what was made (--keep); `lab destroy {}` removes it",
                    lab.name
                ));
            } else {
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

/// Run `fut`; on Ctrl-C, run `on_interrupt` and return `Interrupted`.
async fn interruptible<T, F, C, CF>(fut: F, on_interrupt: C) -> Result<T>
where
    F: std::future::Future<Output = Result<T>>,
    C: FnOnce() -> CF,
    CF: std::future::Future<Output = ()>,
{
    tokio::select! {
        r = fut => r,
        _ = tokio::signal::ctrl_c() => {
            on_interrupt().await;
            Err(LabError::Interrupted)
        }
    }
}

async fn apply(arg: &str, variant: &str) -> Result<()> {
    let (mut st, lab, p) = running(Some(arg.to_string()))?;
    lab.variant(variant)?;
    if st.variant == variant {
        let _ = writeln!(
            std::io::stderr(),
            "lab {} already runs variant {variant}",
            lab.name
        );
        return Ok(());
    }
    let rep = reporter(&lab.name);
    p.apply(&lab, &mut st, variant, &rep).await?;
    rep.info(format!("lab {} now runs variant {variant}", lab.name));
    Ok(())
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
    let (st, lab, p) = running(arg)?;
    let rep = reporter(&lab.name);
    let results = verify::verify(
        &lab,
        &st,
        p.as_ref(),
        &verify::Options {
            variant,
            only,
            no_diagnostics: false,
        },
        &rep,
    )
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
    let (mut st, lab, p) = up(arg, kind, vm, None, nodes, false).await?;
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
    let outcome = interruptible(story, || async { rep.info("interrupted") }).await;
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
    let st = State::load(&name).unwrap_or(None);
    // Log into the lab's folder only if it has one: destroying a lab that
    // is not there must not leave a folder behind.
    let rep = if state::lab_dir(&name).exists() {
        reporter(&name)
    } else {
        Reporter::new(vec![Box::new(Terminal::new())])
    };
    match &st {
        Some(st) => {
            provider::for_state(st)?
                .destroy(&name, Some(st), &rep)
                .await?
        }
        None => {
            // No state: whatever is left is found by the lab's name.
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
    let (st, lab, p) = running(arg)?;
    let s = p.status(&lab, &st, &Reporter::quiet()).await?;
    out!(
        "lab {} ({}), provider {}, variant {} ({:?})",
        lab.name,
        lab.title,
        st.provider,
        st.variant,
        st.phase
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
    let (st, lab, p) = running(Some(arg.to_string()))?;
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
