//! One run of a night: this very `lab` binary as a child (`lab test LAB
//! --provider P --json F --junit F`) with a state folder of its own, its
//! output in the run's folder ([`run_dir`]); its record read into the
//! history's [`RunData`] (the exit code says what the record cannot), and
//! the chapter's page written from the record's book section.

use super::{Job, run_dir};
use crate::history::ingest;
use crate::history::{RunData, RunStatus};
use crate::provider::vagrant::Vm;
use crate::report::run::{HostInfo, Inputs};
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Mutex;
use std::time::Instant;

/// What the workers share.
pub(super) struct Ctx<'a> {
    pub exe: &'a Path,
    /// The nightly's output folder; each run's files go to its
    /// [`run_dir`].
    pub out: &'a Path,
    pub night: &'a str,
    pub vm: Option<Vm>,
    pub host: &'a HostInfo,
    pub children: &'a Mutex<BTreeMap<u32, String>>,
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
    /// `log`; returns its exit code (None: killed by a signal). A stop
    /// (`stopped`) that came while it was being started, before the
    /// nightly's stopping thread could see it among the children, is
    /// passed to it here (SIGTERM), so no run goes on after a stop.
    fn child(
        &self,
        what: &str,
        args: &[&std::ffi::OsStr],
        state: &Path,
        log: &Path,
        stopped: &dyn Fn() -> bool,
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
        let missed_stop = {
            let mut children = self.children.lock().unwrap();
            children.insert(c.id(), what.to_string());
            stopped()
        };
        if missed_stop {
            let _ = nix::sys::signal::kill(
                nix::unistd::Pid::from_raw(c.id() as i32),
                nix::sys::signal::Signal::SIGTERM,
            );
        }
        let status = c.wait();
        self.children.lock().unwrap().remove(&c.id());
        status.map(|s| s.code()).map_err(|e| e.to_string())
    }

    pub(super) fn run_one(&self, job: &Job, stopped: &dyn Fn() -> bool) -> RunData {
        let lab = &job.lab;
        let provider = job.provider.to_string();
        let dir = self.out.join(run_dir(self.night, &lab.name, &provider));
        let state = dir.join("state");
        // The run's folder may predate this night (an `--out` another can
        // write): a link in it would take the run's reports anywhere.
        if let Err(e) = std::fs::create_dir_all(&dir)
            .map_err(|e| crate::error::LabError::io(format!("creating {}", dir.display()), e))
            .and_then(|()| crate::state::refuse_links(&dir))
        {
            let mut d = RunData::empty(RunStatus::Error);
            d.reason = Some(e.to_string());
            return d;
        }
        if let Err(e) = std::fs::create_dir_all(&state) {
            let mut d = RunData::empty(RunStatus::Error);
            d.reason = Some(format!("creating {}: {e}", state.display()));
            return d;
        }
        // What the run depends on, as the run record computes it: the
        // record's own inputs are these; they stand in when it wrote none.
        let computed = crate::history::ingest::input_keys(
            &Inputs::of(
                lab,
                &lab.dir,
                crate::provider::registry::entry(job.provider)
                    .capabilities
                    .boots_box,
            ),
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
            // The chapter's kubectl lines through every kubectl minor
            // found, one result a minor: a new kubectl that refuses a line
            // is a newly failing result in the history.
            "--kubectl-matrix".as_ref(),
        ];
        let vm = self.vm.map(|v| v.to_string());
        if job.provider.capabilities().takes_vm
            && let Some(vm) = &vm
        {
            args.push("--vm".as_ref());
            args.push(vm.as_ref());
        }
        let what = format!("lab test {} --provider {}", lab.name, job.provider);
        let code = self.child(&what, &args, &state, &log, stopped);
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
            let _ = std::fs::write(dir.join("book.html"), crate::book::report::html(book, lab));
        }
        d
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The seventh probe's race, by reading: a stop between a worker's
    /// start of its child and the child's place among the children was
    /// never passed to it (the run went on to its end). Here the stop is
    /// already there when the child starts: it is told at once.
    #[test]
    fn a_stop_while_a_child_starts_is_passed_to_it() {
        let dir = tempfile::tempdir().unwrap();
        let host = HostInfo::here();
        let children = Mutex::new(BTreeMap::new());
        let ctx = Ctx {
            exe: Path::new("/bin/sleep"),
            out: dir.path(),
            night: "n",
            vm: None,
            host: &host,
            children: &children,
        };
        let code = ctx
            .child(
                "sleep",
                &["20".as_ref()],
                dir.path(),
                &dir.path().join("log"),
                &|| true,
            )
            .unwrap();
        assert_eq!(code, None, "sleep ended by itself: the stop was not passed");
        assert!(children.lock().unwrap().is_empty());
    }
}
