//! `lab nightly`: the nightly regression of the book. For each lab and each
//! provider that can run here, it runs this very `lab` binary as a child
//! (`lab test LAB --provider P --json F --junit F`, which replays the lab's
//! chapter too when it has a `book:`), each with a state folder of its own (`LAB_STATE_DIR`), `-j N` at a time;
//! providers that cannot run here are recorded as not run, with why. Each
//! run's report enters the history database through one function
//! ([`crate::history::ingest::test_report`]); the night's `summary.md`,
//! `index.html` ([`dashboard`]) and `junit.xml` are rendered from the
//! database, so `lab nightly report` and `lab nightly merge` give the same.
//!
//! Children die with the nightly: they are told SIGTERM when it dies
//! (`PR_SET_PDEATHSIG`, also on `kill -9`), which makes `lab test` tear its
//! lab down; on Ctrl-C or SIGTERM the nightly forwards SIGTERM to the
//! children it started (by the PIDs it recorded), waits for them, and marks
//! the night interrupted.

pub mod dashboard;
pub mod inputs;
pub mod summary;

use crate::error::{LabError, Result};
use crate::history::analysis::Analysis;
use crate::history::ingest;
use crate::history::{History, NightStatus, ResultKind, RunData, RunStatus, Verdict};
use crate::provider::Kind;
use crate::provider::vagrant::Vm;
use crate::report::CheckResult;
use crate::report::run::{HostInfo, Inputs};
use crate::spec::{self, Lab, LoadOptions};
use std::collections::{BTreeMap, VecDeque};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

/// When the nightly exits 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum FailOn {
    /// A check, a block or a run that did not fail the night before fails now.
    New,
    /// Anything fails tonight.
    Any,
}

/// What `lab nightly` was asked for.
#[derive(Debug, Clone)]
pub struct Options {
    /// Lab names or paths; empty: every lab `lab` can find.
    pub labs: Vec<String>,
    pub providers: Vec<Kind>,
    /// The VM provider of the vagrant runs.
    pub vm: Option<Vm>,
    pub db: PathBuf,
    pub out: PathBuf,
    pub jobs: usize,
    /// The night's name (default: its start, `2026-11-27T03:17:02Z`); one
    /// name on every machine of a CI run lets `merge` join their runs.
    pub night: Option<String>,
}

/// How a night or a report ended, for the exit code.
pub struct Outcome {
    pub analysis: Analysis,
    pub interrupted: bool,
}

impl Outcome {
    /// The command's result under `fail_on`: exit 1 (as failed checks),
    /// 130 when interrupted.
    pub fn result(&self, fail_on: FailOn) -> Result<()> {
        if self.interrupted {
            return Err(LabError::Interrupted);
        }
        let a = &self.analysis;
        let fails = match fail_on {
            FailOn::New => a.anything_new_fails(),
            FailOn::Any => a.anything_fails(),
        };
        if fails {
            let failing = a.items.iter().filter(|i| i.failing()).count() + a.run_failures.len();
            Err(LabError::ChecksFailed {
                failed: failing,
                total: a.items.iter().filter(|i| i.now.is_some()).count() + a.run_failures.len(),
            })
        } else {
            Ok(())
        }
    }
}

/// One run to make: a lab on a provider.
#[derive(Clone)]
struct Job {
    lab: Lab,
    provider: Kind,
}

enum Msg {
    Started(Job),
    Done(Job, Box<RunData>),
}

/// A folder name for a night (no `:`; CI artifact names refuse it).
fn slug(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "-_.".contains(c) {
                c
            } else {
                '-'
            }
        })
        .collect()
}

/// The folder of a night's run of `lab` on `provider`, relative to the
/// nightly's output folder: `nights/<night>/<lab>.<provider>` (its
/// `test.json`, `junit.xml`, `test.log`, `book.html`).
pub fn run_dir(night: &str, lab: &str, provider: &str) -> String {
    format!("nights/{}/{lab}.{provider}", slug(night))
}

/// Refuse an output folder that cannot be one, before anything is made.
pub fn check_out(out: &Path) -> Result<()> {
    match std::fs::metadata(out) {
        Ok(m) if m.is_dir() => Ok(()),
        Ok(_) => Err(LabError::Usage(format!(
            "--out {}: is a file, not a folder; nothing was run",
            out.display()
        ))),
        Err(_) => {
            // It will be made: its nearest existing ancestor must be a folder.
            let mut p = out.to_path_buf();
            while !p.exists() {
                match p.parent() {
                    Some(q) if !q.as_os_str().is_empty() => p = q.to_path_buf(),
                    _ => return Ok(()),
                }
            }
            if p.is_dir() {
                Ok(())
            } else {
                Err(LabError::Usage(format!(
                    "--out {}: {} is not a folder; nothing was run",
                    out.display(),
                    p.display()
                )))
            }
        }
    }
}

/// Why `kind` cannot run `lab` here, if it cannot.
pub fn unavailable(lab: &Lab, kind: Kind, vm: Option<Vm>) -> Option<String> {
    match kind {
        Kind::Netns => {
            if let Err(e) = crate::provider::default_kind() {
                return Some(e.to_string());
            }
            let missing = crate::provider::netns::missing_programs();
            if !missing.is_empty() {
                let progs: Vec<&str> = missing.iter().map(|(p, _)| *p).collect();
                return Some(format!(
                    "netns: missing programs {} (`lab doctor --fix`)",
                    progs.join(", ")
                ));
            }
            use crate::provider::netns::limits;
            limits::exceeded(lab, &limits::Host::read())
        }
        Kind::Vagrant => {
            let vm = match vm {
                Some(v) => v,
                None => match crate::provider::vagrant::Vagrant::new().vm() {
                    Ok(v) => v,
                    Err(e) => return Some(e.to_string()),
                },
            };
            let problems: Vec<String> = crate::provider::vagrant::doctor(Some(lab), vm)
                .into_iter()
                .filter(|l| !l.ok)
                .map(|l| l.what)
                .collect();
            (!problems.is_empty()).then(|| {
                format!(
                    "vagrant ({}): {} (`lab doctor --provider vagrant --lab {}`)",
                    vm,
                    problems.join("; "),
                    lab.name
                )
            })
        }
    }
}

/// The labs asked for (or every lab found), validated: a lab that cannot be
/// found or is invalid stops the nightly before anything runs.
fn resolve_labs(args: &[String]) -> Result<Vec<Lab>> {
    let files: Vec<PathBuf> = if args.is_empty() {
        spec::discover().into_iter().map(|(_, f)| f).collect()
    } else {
        args.iter()
            .map(|a| spec::find(a))
            .collect::<Result<Vec<_>>>()?
    };
    if files.is_empty() {
        return Err(LabError::Usage(
            "no lab found (labs/ here, LAB_PATH, or lab's own labs); name one".into(),
        ));
    }
    let mut labs: Vec<Lab> = Vec::new();
    for f in files {
        let f = std::fs::canonicalize(&f).unwrap_or(f);
        let lab = spec::load_file(&f, LoadOptions::default())?;
        if labs.iter().any(|l| l.name == lab.name) {
            return Err(LabError::Usage(format!(
                "two labs are named '{}' ({} and {}); a night runs each lab once",
                lab.name,
                labs.iter()
                    .find(|l| l.name == lab.name)
                    .unwrap()
                    .file
                    .display(),
                lab.file.display()
            )));
        }
        labs.push(lab);
    }
    Ok(labs)
}

/// Run a night. `say` gets one line per event; `stop` says whether the
/// user asked to stop (a signal).
pub fn run(
    opts: &Options,
    say: &(dyn Fn(&str) + Sync),
    stop: &(dyn Fn() -> bool + Sync),
) -> Result<Outcome> {
    let labs = resolve_labs(&opts.labs)?;
    if opts.providers.is_empty() {
        return Err(LabError::Usage("--providers names no provider".into()));
    }
    check_out(&opts.out)?;
    let mut h = History::open(&opts.db)?;
    let started = crate::clock::Utc::now().rfc3339();
    let night_name = opts.night.clone().unwrap_or_else(|| started.clone());
    if night_name.trim().is_empty() || night_name.chars().any(char::is_control) {
        return Err(LabError::Usage(format!(
            "--night {night_name:?}: give a name of printable characters"
        )));
    }
    if h.has_night(&night_name)? {
        return Err(LabError::Usage(format!(
            "night '{night_name}' is already in {}; give another --night",
            opts.db.display()
        )));
    }
    let exe = std::env::current_exe().map_err(|e| LabError::io("finding the lab binary", e))?;
    let work = opts.out.join("nights").join(slug(&night_name));
    std::fs::create_dir_all(&work)
        .map_err(|e| LabError::io(format!("creating {}", work.display()), e))?;
    let here = HostInfo::here();
    let host = Some(here.hostname.clone()).filter(|h| !h.is_empty());
    let night = h.begin_night(&night_name, &started, host.as_deref())?;
    say(&format!(
        "night {night_name}: {} lab{} × {}, -j {}; history {}",
        labs.len(),
        if labs.len() == 1 { "" } else { "s" },
        opts.providers
            .iter()
            .map(|k| k.to_string())
            .collect::<Vec<_>>()
            .join(", "),
        opts.jobs,
        opts.db.display()
    ));
    let mut queue = VecDeque::new();
    for lab in &labs {
        for &k in &opts.providers {
            if let Some(why) = unavailable(lab, k, opts.vm) {
                say(&format!("{} · {k}: not run: {why}", lab.name));
                h.record_run(night, &lab.name, &k.to_string(), &RunData::not_run(why))?;
            } else {
                queue.push_back(Job {
                    lab: lab.clone(),
                    provider: k,
                });
            }
        }
    }
    let queue = Mutex::new(queue);
    let children: Mutex<BTreeMap<u32, String>> = Mutex::new(BTreeMap::new());
    let stopping = AtomicBool::new(false);
    let (tx, rx) = mpsc::channel::<Msg>();
    let ctx = Ctx {
        exe: &exe,
        out: &opts.out,
        night: &night_name,
        vm: opts.vm,
        host: &here,
        children: &children,
    };
    let write_err: Arc<Mutex<Option<LabError>>> = Arc::new(Mutex::new(None));
    std::thread::scope(|s| {
        for _ in 0..opts.jobs.max(1) {
            let tx = tx.clone();
            let (queue, stopping, ctx) = (&queue, &stopping, &ctx);
            // A worker thread lives as long as its child: the child's
            // PDEATHSIG is tied to the thread that started it.
            s.spawn(move || {
                loop {
                    if stopping.load(Ordering::SeqCst) {
                        break;
                    }
                    let Some(job) = queue.lock().unwrap().pop_front() else {
                        break;
                    };
                    let _ = tx.send(Msg::Started(job.clone()));
                    let data = ctx.run_one(&job, &|| stopping.load(Ordering::SeqCst));
                    let _ = tx.send(Msg::Done(job, Box::new(data)));
                }
            });
        }
        drop(tx);
        // The database is written by this thread alone.
        loop {
            match rx.recv_timeout(Duration::from_millis(200)) {
                Ok(Msg::Started(job)) => {
                    say(&format!("{} · {}: running", job.lab.name, job.provider));
                    if let Err(e) = h.begin_run(
                        night,
                        &job.lab.name,
                        &job.provider.to_string(),
                        &crate::clock::Utc::now().rfc3339(),
                    ) {
                        write_err.lock().unwrap().get_or_insert(e);
                    }
                }
                Ok(Msg::Done(job, data)) => {
                    say(&format!(
                        "{} · {}: {}",
                        job.lab.name,
                        job.provider,
                        describe(&data)
                    ));
                    if let Err(e) =
                        h.record_run(night, &job.lab.name, &job.provider.to_string(), &data)
                    {
                        write_err.lock().unwrap().get_or_insert(e);
                    }
                }
                Err(mpsc::RecvTimeoutError::Timeout) => {}
                Err(mpsc::RecvTimeoutError::Disconnected) => break,
            }
            if stop() && !stopping.swap(true, Ordering::SeqCst) {
                say("stopping: the runs under way are told to stop (SIGTERM) and tear down");
                for (&pid, what) in children.lock().unwrap().iter() {
                    say(&format!("  stopping {what} (pid {pid})"));
                    let _ = nix::sys::signal::kill(
                        nix::unistd::Pid::from_raw(pid as i32),
                        nix::sys::signal::Signal::SIGTERM,
                    );
                }
            }
        }
    });
    if let Some(e) = write_err.lock().unwrap().take() {
        return Err(e);
    }
    let interrupted = stopping.load(Ordering::SeqCst);
    if interrupted {
        // What never started is said so.
        for job in queue.lock().unwrap().drain(..) {
            let mut d = RunData::empty(RunStatus::Interrupted);
            d.reason = Some("not started: the nightly was stopped".into());
            h.record_run(night, &job.lab.name, &job.provider.to_string(), &d)?;
        }
    }
    h.finish_night(
        night,
        if interrupted {
            NightStatus::Interrupted
        } else {
            NightStatus::Complete
        },
        &crate::clock::Utc::now().rfc3339(),
    )?;
    let analysis = render_outputs(&h, &opts.out)?;
    Ok(Outcome {
        analysis,
        interrupted,
    })
}

fn describe(d: &RunData) -> String {
    let count = |v: Verdict| d.results.iter().filter(|x| x.verdict == v).count();
    let took = d
        .duration_s
        .map(|s| format!(" in {s:.1} s"))
        .unwrap_or_default();
    match d.status {
        RunStatus::Passed | RunStatus::Failed => format!(
            "{}: {} passed, {} failed, {} skipped{took}",
            d.status.as_str(),
            count(Verdict::Pass),
            count(Verdict::Fail) + count(Verdict::Error),
            count(Verdict::Skip)
        ),
        s => format!(
            "{}{took}: {}",
            s.as_str().replace('_', " "),
            d.reason.as_deref().unwrap_or("")
        ),
    }
}

/// What the workers share.
struct Ctx<'a> {
    exe: &'a Path,
    /// The nightly's output folder; each run's files go to its
    /// [`run_dir`].
    out: &'a Path,
    night: &'a str,
    vm: Option<Vm>,
    host: &'a HostInfo,
    children: &'a Mutex<BTreeMap<u32, String>>,
}

/// The last `error: ...` line of a child's output, or its last line.
fn error_line(log: &str) -> Option<String> {
    log.lines()
        .rev()
        .find(|l| l.starts_with("error: "))
        .map(|l| l.trim_start_matches("error: ").to_string())
        .or_else(|| {
            log.lines()
                .rev()
                .find(|l| !l.trim().is_empty())
                .map(str::to_string)
        })
}

impl Ctx<'_> {
    /// Run `args` of this binary with its own state folder, its output to
    /// `log`; returns its exit code (None: killed by a signal).
    fn child(
        &self,
        what: &str,
        args: &[&std::ffi::OsStr],
        state: &Path,
        log: &Path,
    ) -> Result<Option<i32>, String> {
        use std::os::unix::process::CommandExt;
        let out = std::fs::File::create(log).map_err(|e| format!("{}: {e}", log.display()))?;
        let err = out.try_clone().map_err(|e| e.to_string())?;
        let parent = std::process::id() as libc::pid_t;
        let mut cmd = std::process::Command::new(self.exe);
        cmd.args(args)
            .env("LAB_STATE_DIR", state)
            .env("CI", "1")
            .env("NO_COLOR", "1")
            .stdin(std::process::Stdio::null())
            .stdout(out)
            .stderr(err);
        // SAFETY: only async-signal-safe calls between fork and exec.
        unsafe {
            cmd.pre_exec(move || {
                // Told SIGTERM (and so tearing its lab down) when the
                // nightly dies, also by SIGKILL.
                if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGTERM) != 0 {
                    return Err(std::io::Error::last_os_error());
                }
                if libc::getppid() != parent {
                    libc::_exit(130);
                }
                Ok(())
            });
        }
        let mut c = cmd
            .spawn()
            .map_err(|e| format!("starting {}: {e}", self.exe.display()))?;
        self.children
            .lock()
            .unwrap()
            .insert(c.id(), what.to_string());
        let status = c.wait();
        self.children.lock().unwrap().remove(&c.id());
        status.map(|s| s.code()).map_err(|e| e.to_string())
    }

    fn run_one(&self, job: &Job, stopped: &dyn Fn() -> bool) -> RunData {
        let lab = &job.lab;
        let provider = job.provider.to_string();
        let dir = self.out.join(run_dir(self.night, &lab.name, &provider));
        let state = dir.join("state");
        if let Err(e) = std::fs::create_dir_all(&state) {
            let mut d = RunData::empty(RunStatus::Error);
            d.reason = Some(format!("creating {}: {e}", state.display()));
            return d;
        }
        // What the run depends on, as the run record computes it: the
        // record's own inputs are these; they stand in when it wrote none.
        let computed = crate::history::ingest::input_keys(
            &Inputs::of(lab, &lab.dir, job.provider == Kind::Vagrant),
            self.host,
        );
        let t0 = Instant::now();
        let started = crate::clock::Utc::now().rfc3339();
        let json = dir.join("test.json");
        let junit = dir.join("junit.xml");
        let log = dir.join("test.log");
        let mut args: Vec<&std::ffi::OsStr> = vec![
            "test".as_ref(),
            lab.file.as_os_str(),
            "--provider".as_ref(),
            provider.as_ref(),
            "--json".as_ref(),
            json.as_os_str(),
            "--junit".as_ref(),
            junit.as_os_str(),
        ];
        let vm = self.vm.map(|v| v.to_string());
        if job.provider == Kind::Vagrant
            && let Some(vm) = &vm
        {
            args.push("--vm".as_ref());
            args.push(vm.as_ref());
        }
        let what = format!("lab test {} --provider {}", lab.name, job.provider);
        let code = self.child(&what, &args, &state, &log);
        let finished = crate::clock::Utc::now().rfc3339();
        let duration = t0.elapsed().as_secs_f64();
        let log_text = std::fs::read_to_string(&log).unwrap_or_default();
        let report = std::fs::read_to_string(&json)
            .ok()
            .filter(|t| !t.trim().is_empty());
        let mut d = match (&code, report) {
            (Err(e), _) => {
                let mut d = RunData::empty(RunStatus::Error);
                d.reason = Some(e.clone());
                d
            }
            (Ok(_), Some(text)) => match ingest::test_report(&text) {
                Ok(d) => d,
                Err(e) => {
                    let mut d = RunData::empty(RunStatus::Error);
                    d.reason = Some(format!("{}: {e}", json.display()));
                    d
                }
            },
            (Ok(_), None) => {
                let mut d = RunData::empty(RunStatus::Error);
                d.reason = Some(error_line(&log_text).unwrap_or_else(|| "no report".into()));
                d
            }
        };
        // The exit code says how the run ended where the report cannot.
        if let Ok(code) = code {
            let why = || error_line(&log_text).unwrap_or_default();
            match code {
                Some(0) | Some(1) => {}
                Some(4) => {
                    d.status = RunStatus::NotRun;
                    d.reason = Some(why());
                }
                Some(130) | None => {
                    d.status = RunStatus::Interrupted;
                    d.reason.get_or_insert_with(|| "stopped by a signal".into());
                }
                Some(_) if stopped() => {
                    d.status = RunStatus::Interrupted;
                    d.reason.get_or_insert_with(|| "stopped by a signal".into());
                }
                Some(c) => {
                    d.status = RunStatus::Error;
                    if d.reason.is_none() {
                        d.reason = Some(format!("exit {c}: {}", why()));
                    }
                }
            }
        }
        for (k, v) in computed {
            d.inputs.entry(k).or_insert(v);
        }
        d.started_at.get_or_insert(started);
        d.finished_at.get_or_insert(finished);
        d.duration_s.get_or_insert(duration);
        d.host = d
            .host
            .or_else(|| Some(self.host.hostname.clone()).filter(|h| !h.is_empty()));
        d.kernel = d
            .kernel
            .or_else(|| Some(self.host.kernel.clone()).filter(|k| !k.is_empty()));
        // The chapter's page, from the record's typed book section.
        if let Some(book) = d.record.as_ref().and_then(|r| r.book.as_ref()) {
            let _ = std::fs::write(dir.join("book.html"), crate::book::report::html(book));
        }
        d
    }
}

/// Render the last night of `h` into `out`: `summary.md`, `index.html`,
/// `junit.xml`. Returns the analysis they were made from.
pub fn render_outputs(h: &History, out: &Path) -> Result<Analysis> {
    let a = Analysis::of(&h.load()?);
    std::fs::create_dir_all(out)
        .map_err(|e| LabError::io(format!("creating {}", out.display()), e))?;
    crate::state::write_atomic(&out.join("summary.md"), summary::render(&a).as_bytes())?;
    crate::state::write_atomic(
        &out.join("index.html"),
        dashboard::render(&a, out).as_bytes(),
    )?;
    crate::state::write_atomic(&out.join("junit.xml"), junit(&a).as_bytes())?;
    Ok(a)
}

/// The last night as JUnit: a suite per lab, provider and variant, from
/// each run's own record (its `CheckResult`s); a run that failed as a whole
/// is one error, one not run is one skip. Runs stored without a record
/// (before history schema 2) give their rows.
pub fn junit(a: &Analysis) -> String {
    let n = a.nights.len();
    let mut runs: Vec<(String, Vec<CheckResult>)> = Vec::new();
    let as_check = |variant: &str, name: &str, v: Verdict, observed: &str| CheckResult {
        name: name.into(),
        variant: variant.into(),
        path: String::new(),
        expected: String::new(),
        observed: observed.into(),
        verdict: v,
        elapsed: Duration::ZERO,
        output: String::new(),
        artifacts: Vec::new(),
    };
    for line in &a.lines {
        let Some(Some(r)) = a.runs[line].get(n.wrapping_sub(1)) else {
            continue;
        };
        let prefix = format!("{}.{}", line.lab, line.provider);
        let mut results = Vec::new();
        match r.data.status {
            RunStatus::NotRun => results.push(as_check(
                "run",
                "(not run here)",
                Verdict::Skip,
                r.data.reason.as_deref().unwrap_or(""),
            )),
            RunStatus::Error | RunStatus::Interrupted | RunStatus::Running => {
                results.push(as_check(
                    "run",
                    "(the run)",
                    Verdict::Error,
                    r.data.reason.as_deref().unwrap_or("did not finish"),
                ))
            }
            _ => {}
        }
        match &r.data.record {
            Some(rec) => results.extend(rec.results.iter().map(|c| {
                let mut c = c.clone();
                c.artifacts = c.artifacts.iter().map(|p| rec.evidence_path(p)).collect();
                c
            })),
            None => results.extend(r.data.results.iter().map(|x| CheckResult {
                name: x.name.clone(),
                variant: if x.kind == ResultKind::Block {
                    crate::book::report::BOOK_VARIANT.into()
                } else {
                    x.variant.clone()
                },
                path: x.path.clone().unwrap_or_default(),
                expected: x.expected.clone().unwrap_or_default(),
                observed: x.observed.clone().unwrap_or_default(),
                verdict: x.verdict,
                elapsed: Duration::from_secs_f64(x.duration_s.unwrap_or(0.0).max(0.0)),
                output: String::new(),
                artifacts: Vec::new(),
            })),
        }
        runs.push((prefix, results));
    }
    let name = a
        .tonight()
        .map(|t| format!("nightly {}", t.name))
        .unwrap_or_else(|| "nightly".into());
    crate::report::junit::render_runs(&name, &runs)
}

/// `lab nightly report`: render the database's last night again.
pub fn report(db: &Path, out: &Path) -> Result<Outcome> {
    check_out(out)?;
    let h = History::open_read(db)?;
    Ok(Outcome {
        analysis: render_outputs(&h, out)?,
        interrupted: false,
    })
}

/// `lab nightly merge SRC… --db FILE`: merge, then render.
pub fn merge(sources: &[PathBuf], db: &Path, out: &Path, say: &dyn Fn(&str)) -> Result<Outcome> {
    check_out(out)?;
    let files = crate::history::merge::sources(sources, db)?;
    // Every source is read (and refused if bad) before the target changes.
    let mut snaps = Vec::new();
    for f in &files {
        snaps.push((f, crate::history::merge::read_source(f)?));
    }
    let mut h = History::open(db)?;
    for (f, snap) in snaps {
        let m = crate::history::merge::merge(&mut h, &snap)?;
        say(&format!(
            "{}: {} night{} added, {} run{} added, {} replaced, {} kept",
            f.display(),
            m.nights_added,
            if m.nights_added == 1 { "" } else { "s" },
            m.runs_added,
            if m.runs_added == 1 { "" } else { "s" },
            m.runs_replaced,
            m.runs_kept
        ));
    }
    Ok(Outcome {
        analysis: render_outputs(&h, out)?,
        interrupted: false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::ingest::{run_data, tests::record_with_book};
    use crate::history::{Night, Run, Snapshot};

    /// One night whose chapter4 run replayed the chapter: a block drifts.
    fn night_with_a_drifting_block() -> Analysis {
        let mut d = run_data(record_with_book());
        d.status = RunStatus::Failed;
        Analysis::of(&Snapshot {
            nights: vec![Night {
                name: "2026-12-04T03:17:00Z".into(),
                started_at: "2026-12-04T03:17:00Z".into(),
                finished_at: None,
                status: NightStatus::Complete,
                host: None,
                runs: vec![Run {
                    lab: "chapter4".into(),
                    provider: "netns".into(),
                    data: d,
                }],
            }],
        })
    }

    #[test]
    fn book_blocks_sort_by_their_line_in_the_chapter() {
        let a = night_with_a_drifting_block();
        let blocks: Vec<&str> = a
            .items
            .iter()
            .filter(|i| i.key.kind == ResultKind::Block)
            .map(|i| i.key.name.as_str())
            .collect();
        assert_eq!(
            blocks,
            ["line 18: ip route", "line 103: kubectl get pods -o wide"]
        );
    }

    #[test]
    fn the_drift_sentence_reaches_the_dashboard_and_the_summary() {
        let a = night_with_a_drifting_block();
        let sentence = "the book shows 10.244.1.2, the lab shows 10.244.1.9";
        let md = summary::render(&a);
        let newly = md.split("## Newly failing").nth(1).expect("a section");
        assert!(newly.contains(sentence), "{md}");
        assert!(newly.contains("line 103: kubectl get pods -o wide"), "{md}");
        let dir = tempfile::tempdir().unwrap();
        let html = dashboard::render(&a, dir.path());
        assert!(
            html.contains(sentence),
            "the cell's detail says what differs"
        );
        assert!(
            html.contains("class=\"cell v-fail"),
            "verdict classes are the record's words"
        );
        assert!(!html.contains("{&quot;"), "no raw JSON in names");
    }

    #[test]
    fn the_headline_says_tonights_state_whatever_fail_on_decides() {
        let a = night_with_a_drifting_block();
        let md = summary::render(&a);
        assert!(
            md.starts_with("# Nightly 2026-12-04T03:17:00Z: 2 failing (2 new), 0 recovered\n"),
            "{md}"
        );
        let dir = tempfile::tempdir().unwrap();
        let html = dashboard::render(&a, dir.path());
        assert!(
            html.contains("<div class=\"headline bad\">2 failing (2 new), 0 recovered</div>"),
            "{html}"
        );
    }

    #[test]
    fn each_nights_cell_links_to_that_runs_files() {
        let a = night_with_a_drifting_block();
        let dir = tempfile::tempdir().unwrap();
        let run = dir
            .path()
            .join(run_dir("2026-12-04T03:17:00Z", "chapter4", "netns"));
        std::fs::create_dir_all(&run).unwrap();
        for f in ["test.log", "junit.xml", "book.html"] {
            std::fs::write(run.join(f), "x").unwrap();
        }
        let html = dashboard::render(&a, dir.path());
        let rel = "nights/2026-12-04T03-17-00Z/chapter4.netns";
        assert!(
            html.contains(&format!(
                "<a href=\"{rel}/test.log\" class=\"cell r-failed\""
            )),
            "{html}"
        );
        for f in ["junit.xml", "book.html"] {
            assert!(
                html.contains(&format!("<a href=\"{rel}/{f}\">{f}</a>")),
                "{f}"
            );
        }
        assert!(html.contains(">2026-12-04 03:17<"), "full dates");
    }

    #[test]
    fn the_nightlys_junit_is_the_records_results() {
        let a = night_with_a_drifting_block();
        let xml = junit(&a);
        let doc = roxmltree::Document::parse(&xml).unwrap();
        let names: Vec<&str> = doc
            .descendants()
            .filter(|n| n.has_tag_name("testcase"))
            .filter_map(|n| n.attribute("name"))
            .collect();
        assert_eq!(
            names,
            [
                "pod to pod",
                "line 103: kubectl get pods -o wide",
                "line 18: ip route"
            ]
        );
        assert!(xml.contains("chapter4.netns.book"), "{xml}");
    }
}
