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

mod child;
pub mod dashboard;
mod folders;
pub mod inputs;
mod merging;
mod read_back;
mod render;
pub mod shown;
pub mod suggestion;
pub mod summary;
#[cfg(test)]
mod tests_ends;
mod timings;

pub use render::{junit, render_outputs};

use crate::error::{LabError, Result};
use crate::history::analysis::Analysis;
use crate::history::{History, NightStatus, RunData, RunStatus};
use crate::provider::Kind;
use crate::provider::vagrant::Vm;
use crate::report::run::HostInfo;
use crate::spec::{self, Lab, LoadOptions};
use child::Ctx;
pub use folders::check_out;
pub use merging::merge;
use std::collections::{BTreeMap, VecDeque};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::time::Duration;

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

/// A folder name for a night: letters, digits, `-`, `_` and `.` kept,
/// anything else `-` (no `:`; CI artifact names refuse it), and a leading
/// `.` too, so `.`, `..` or `.x` stay a folder inside `nights/`. Two names
/// with one folder are refused ([`check_night_name`]).
fn slug(s: &str) -> String {
    s.chars()
        .enumerate()
        .map(|(i, c)| {
            if c.is_ascii_alphanumeric() || "-_".contains(c) || (c == '.' && i > 0) {
                c
            } else {
                '-'
            }
        })
        .collect()
}

/// The longest night name (its folder is named after it).
const NIGHT_NAME_MAX: usize = 100;

/// Refuse a night name that cannot name a night, or whose folder would be
/// another night's of `others` (`x:1` and `x-1`): exit 2, before anything
/// is made.
fn check_night_name(name: &str, others: &[String]) -> Result<()> {
    let unseen = |c: char| c.is_control() || crate::report::terminal::is_unseen_format(c);
    if name.trim().is_empty() || name.chars().any(unseen) {
        return Err(LabError::Usage(format!(
            "--night {name:?}: give a name of printable characters (no control, direction or zero-width character)"
        )));
    }
    if name.chars().count() > NIGHT_NAME_MAX {
        return Err(LabError::Usage(format!(
            "--night: {} characters; give a name of at most {NIGHT_NAME_MAX}",
            name.chars().count()
        )));
    }
    if let Some(o) = others.iter().find(|o| *o != name && slug(o) == slug(name)) {
        return Err(LabError::Usage(format!(
            "--night '{name}': its folder nights/{} is night '{o}''s; give another --night",
            slug(name)
        )));
    }
    Ok(())
}

/// The folder of a night's run of `lab` on `provider`, relative to the
/// nightly's output folder: `nights/<night>/<lab>.<provider>` (its
/// `test.json`, `junit.xml`, `test.log`, `book.html`).
pub fn run_dir(night: &str, lab: &str, provider: &str) -> String {
    format!("nights/{}/{lab}.{provider}", slug(night))
}

/// Why `kind` cannot run `lab` here, if it cannot (the provider's own
/// answer, from its registry entry).
pub fn unavailable(lab: &Lab, kind: Kind, vm: Option<Vm>) -> Option<String> {
    let entry = crate::provider::registry::entry(kind);
    (entry.unavailable)(lab, &crate::provider::registry::Options { vm })
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
    let started = crate::clock::Utc::now().rfc3339();
    let night_name = opts.night.clone().unwrap_or_else(|| started.clone());
    let work = opts.out.join("nights").join(slug(&night_name));
    folders::refuse_linked_night(&opts.out, &work)?;
    let mut h = History::open(&opts.db)?;
    check_night_name(&night_name, &h.night_names()?)?;
    if h.has_night(&night_name)? {
        return Err(LabError::Usage(format!(
            "night '{night_name}' is already in {}; give another --night",
            opts.db.display()
        )));
    }
    let exe = std::env::current_exe().map_err(|e| LabError::io("finding the lab binary", e))?;
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
    // Tonight's runs as recorded, to check the history's rows against.
    let mut written = read_back::Written::new();
    let mut queue = VecDeque::new();
    for lab in &labs {
        for &k in &opts.providers {
            if let Some(why) = unavailable(lab, k, opts.vm) {
                say(&format!("{} · {k}: not run: {why}", lab.name));
                let d = RunData::not_run(why);
                read_back::record(&mut h, &mut written, night, &lab.name, k, d)?;
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
                    let (lab, k) = (&job.lab.name, job.provider);
                    if let Err(e) = read_back::record(&mut h, &mut written, night, lab, k, *data) {
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
            read_back::record(&mut h, &mut written, night, &job.lab.name, job.provider, d)?;
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
    read_back::check(&opts.db, &h.load()?, &night_name, &written)?;
    let analysis = render_outputs(&h, &opts.out)?;
    // A signal after the last run was recorded (while the dashboard was
    // written) ends the night as interrupted too: its record and outputs
    // are whole, and the exit code says the signal came (130).
    Ok(Outcome {
        analysis,
        interrupted: interrupted || stop(),
    })
}

fn describe(d: &RunData) -> String {
    let tally = crate::report::Tally::of_verdicts(d.results.iter().map(|x| x.verdict));
    let took = d
        .duration_s
        .map(|s| format!(" in {s:.1} s"))
        .unwrap_or_default();
    match d.status {
        RunStatus::Passed | RunStatus::Failed => {
            format!("{}: {}{took}", d.status.as_str(), tally.summary())
        }
        s => format!(
            "{}{took}: {}",
            s.as_str().replace('_', " "),
            d.reason.as_deref().unwrap_or("")
        ),
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    /// probe21bl (lesser 9): a right-to-left override in a merged night's
    /// name came out raw in `summary.md`. Seen failing before the fix: the
    /// characters were copied.
    #[test]
    fn a_format_character_in_the_summary_is_written_as_its_code() {
        let md = summary::md("a\u{2066}b\u{200f}");
        assert_eq!(md, "a\\u{2066}b\\u{200f}");
    }

    #[test]
    fn a_night_folder_stays_in_nights_and_is_its_nights_alone() {
        for name in ["..", ".", "../x", "./..", "a/../../b"] {
            let dir = run_dir(name, "chapter4", "netns");
            let night = dir.split('/').nth(1).unwrap();
            assert!(
                !night.starts_with('.') && !night.contains('/'),
                "{name:?} gives {dir}"
            );
        }
        assert_eq!(slug("2026-11-27T03:17:02Z"), "2026-11-27T03-17-02Z");
        let have = vec!["x:1".to_string()];
        let e = check_night_name("x-1", &have).unwrap_err();
        assert_eq!(e.exit_code(), 2);
        assert!(e.to_string().contains("'x:1'"), "{e}");
        check_night_name("x-2", &have).unwrap();
        // The seventh probe: a right-to-left override showed the name reordered.
        for bad in [
            "",
            " ",
            "a\nb",
            "a\u{202e}b",
            "a\u{200b}b",
            &"n".repeat(200),
        ] {
            assert!(check_night_name(bad, &[]).is_err(), "{bad:?}");
        }
    }

    /// A database with one finished night of that name.
    fn db_with_night(path: &Path, night: &str) {
        let h = History::open(path).unwrap();
        let n = h.begin_night(night, "2026-01-01T00:00:00Z", None).unwrap();
        h.finish_night(n, NightStatus::Complete, "2026-01-01T00:01:00Z")
            .unwrap();
    }

    #[test]
    fn a_merge_of_nights_that_share_a_folder_is_refused_naming_both() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b, c) = (
            dir.path().join("a.db"),
            dir.path().join("b.db"),
            dir.path().join("c.db"),
        );
        db_with_night(&a, "x:1");
        db_with_night(&b, "x-1");
        db_with_night(&c, "x:2");
        let out = dir.path().join("out");
        // Two sources: nothing is made, the target included.
        let target = dir.path().join("all.db");
        let Err(e) = merge(&[a.clone(), b.clone()], &target, &out, &|_| {}, &|| false) else {
            panic!("merged")
        };
        assert_eq!(e.exit_code(), 2, "{e}");
        let m = e.to_string();
        for want in [
            "'x:1'",
            "'x-1'",
            "a.db",
            "b.db",
            "nights/x-1",
            "nothing was merged",
        ] {
            assert!(m.contains(want), "{want} not in: {m}");
        }
        assert!(!target.exists() && !out.exists(), "{m}");
        // A source against the target: the target is left as it was.
        let Err(e) = merge(std::slice::from_ref(&b), &a, &out, &|_| {}, &|| false) else {
            panic!("merged")
        };
        assert!(
            e.to_string().contains("'x:1'") && e.to_string().contains("'x-1'"),
            "{e}"
        );
        let names = History::open_read(&a).unwrap().night_names().unwrap();
        assert_eq!(names, vec!["x:1".to_string()]);
        // Nights with folders of their own merge.
        assert!(merge(&[c], &a, &out, &|_| {}, &|| false).is_ok());
        let names = History::open_read(&a).unwrap().night_names().unwrap();
        assert_eq!(names, vec!["x:1".to_string(), "x:2".to_string()]);
    }
}
