//! The operations behind the commands, as a library: each takes one
//! resolved settings struct and a [`Reporter`] (where its events go) and
//! returns a typed result; the command line (`crate::cli`) parses, resolves
//! the settings, calls one of these and prints.
//!
//! - [`up`]: bring a lab up, tearing down what a failed bring-up made;
//! - [`apply`]: switch a running lab to another variant;
//! - [`verify`]: run the checks of a lab that is up, as one recorded run;
//! - [`test`]: the chapter's story (up, verify, evidence, every other
//!   variant, verify, the chapter replayed when the lab has one, teardown)
//!   as one recorded run;
//! - [`book`]: replay the lab's chapter against it (`lab book`);
//! - [`destroy`]: remove a lab;
//! - [`doctor`]: what the host lacks, and installing it;
//! - [`instance`]: which instance of a lab a command means (`--name`).
//!
//! Operations that change a lab (`up`, `apply`, `destroy`, `test`, `book`) hold its
//! [`Lock`] for their whole life; those that read it use the lab as `up`
//! recorded it ([`running`]) and say when it is being changed or half made.
//! Every operation stops on SIGINT, SIGTERM or SIGHUP
//! ([`crate::signals`]), undoing what it started; a teardown finishes first.

pub mod apply;
pub mod book;
mod book_changed;
pub mod destroy;
pub mod doctor;
mod held;
pub mod instance;
mod run;
pub mod test;
pub mod up;
pub mod verify;

pub use run::Ran;

use crate::error::{LabError, Result};
use crate::provider::{self, Provider};
use crate::report::Reporter;
use crate::spec::{self, Lab, LoadOptions};
use crate::state::{self, Lock, Phase, State};

/// The lab name a command refers to: a name, or a path whose lab.yaml names
/// it. A bare word that is also a lab folder here (which `up` reads as that
/// folder, [`spec::find`]) means the lab of its own name when that one is
/// up, else the folder's lab when that one is; both up is a usage error
/// naming both (never a guess: `destroy` would remove the other). A folder
/// whose lab file cannot be read leaves the word a name.
pub fn lab_name(arg: &str) -> Result<String> {
    let is_path = arg.contains('/') || arg.ends_with(".yaml") || arg.ends_with(".yml");
    if !is_path && spec::validate_name(arg) {
        let folders = std::path::Path::new(arg)
            .join(spec::LAB_FILE)
            .is_file()
            .then(|| spec::load(arg, LoadOptions::default()).ok())
            .flatten()
            .map(|l| l.testbed.name)
            .filter(|n| n != arg);
        let Some(other) = folders else {
            return Ok(arg.to_string());
        };
        // Up: a state or a claim (a destroyed lab's folder may keep its log).
        let up =
            |n: &str| State::load(n).ok().flatten().is_some() || state::claim::read(n).is_some();
        return match (up(arg), up(&other)) {
            (true, true) => Err(LabError::Usage(format!(
                "'{arg}' names the lab {arg}, which is up, and the folder ./{arg}, whose lab \
                 {other} is up too: say `{arg}` by its folder (`./{arg}`) or name the other \
                 lab ({other})"
            ))),
            (true, false) => Ok(arg.to_string()),
            _ => Ok(other),
        };
    }
    Ok(spec::load(arg, LoadOptions::default())?.testbed.name)
}

/// The lab definition `arg` (a name or a path) means, and `--name`'s
/// instance of it: the one lookup of every command that reads a lab file
/// (`up`, `test`, `book`, `graph`, `render`, `doctor`), as [`lab_name`] is
/// of those that use a running lab by its state. A name of a lab that is
/// up here (or whose instance `instance` is) is the lab file it was
/// brought up from, whatever that file is called (`lab up
/// ./dir/custom.yaml`: `lab book NAME` said "no lab named", probe21bz), as
/// `up` recorded it and named as its state is (a new instance's, as the
/// lab's own); otherwise a path is read as is and a name is looked up by
/// [`spec::find`].
pub fn definition(arg: &str, instance: Option<&str>, opts: LoadOptions) -> Result<Lab> {
    let is_path = arg.contains('/') || arg.ends_with(".yaml") || arg.ends_with(".yml");
    if !is_path && spec::validate_name(arg) {
        let name = lab_name(arg)?;
        // Only a state that is there is read (a lab not up needs no
        // usable state root to be drawn or checked).
        let has_state =
            |n: &str| std::fs::symlink_metadata(state::lab_dir(n).join(state::STATE_FILE)).is_ok();
        // The instance's own state, else the lab's (a new instance of a
        // lab that is up is brought up from the same file).
        let of_instance = match instance.filter(|i| *i != name && has_state(i)) {
            Some(i) => State::load(i)?.filter(|s| state::instance::lab_of(s) == name),
            None => None,
        };
        let st = match of_instance {
            Some(st) => Some(st),
            None if has_state(&name) => State::load(&name)?,
            None => None,
        };
        if let Some(st) = st {
            return up_definition(&st, opts);
        }
    }
    spec::load(arg, opts)
}

/// The lab that is up as `st`, from the file it was brought up from as
/// that file is now (a chapter is read where it is), or from the copy
/// `up` kept when that file no longer loads as the same lab (moved,
/// renamed, broken); named as the state is. Its workers are `opts`'s
/// when given (`--nodes` of a new instance), else those it runs with.
fn up_definition(st: &State, opts: LoadOptions) -> Result<Lab> {
    let opts = || LoadOptions {
        workers: opts.workers.or(st.workers),
    };
    let own = state::instance::lab_of(st);
    let lab = match spec::load_file(&st.lab_file, opts()) {
        Ok(l) if l.testbed.name == own => l,
        _ => spec::load_file(&st.lab_source()?, opts())?,
    };
    Ok(state::instance::as_state_names(lab, st))
}

/// Send `rep`'s log to the lab's `lab.log` from now on.
pub fn log_to_lab(rep: &Reporter, name: &str) {
    rep.log_to(&state::lab_dir(name).join(state::LOG_FILE));
}

/// What a command that reads a lab needs of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Need {
    /// Anything that has state (`status`, `ssh`, `apply`).
    State,
    /// A lab that is up and not being changed (`verify`).
    Up,
}

/// A lab that is up: its state, its definition as `up` recorded it, its
/// provider, and a warning when the lab file changed or moved since `up`.
pub struct Running {
    pub state: State,
    pub lab: Lab,
    pub provider: Box<dyn Provider>,
    pub drift: Option<String>,
}

/// The lab `arg` names (the one lab here when None), which must have state;
/// with [`Need::Up`] also be up and not being changed.
pub fn running(arg: Option<String>, need: Need) -> Result<Running> {
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
        if let Some(e) = not_whole(&st) {
            return Err(e);
        }
    }
    Running::of(st)
}

impl Running {
    /// The lab whose state is `st`, as `up` recorded it.
    pub fn of(st: State) -> Result<Running> {
        let drift = st.lab_drift();
        let lab = spec::load_file(
            &st.lab_source()?,
            LoadOptions {
                workers: st.workers,
            },
        )?;
        // An instance: its copy of the lab file says the lab's own name.
        let lab = state::instance::as_state_names(lab, &st);
        let provider = provider::for_state(&st)?;
        Ok(Running {
            state: st,
            lab,
            provider,
            drift,
        })
    }
}

/// Why a lab whose state is `st` is not up as a whole (exit 6, naming the
/// command that completes or removes it), if it is not: half made by an
/// interrupted `up`, half switched by an `apply`, half destroyed by a
/// `destroy`. The one wording of `verify`, `up`, `ssh`, `test`, `book`.
pub fn not_whole(st: &State) -> Option<LabError> {
    let name = &st.name;
    let why = match st.phase {
        Phase::Up => return None,
        Phase::Creating => format!(
            "lab '{name}' is half made: its `lab up` was interrupted; `lab destroy {name}` removes it"
        ),
        Phase::Applying => {
            let how = match &st.apply_failed {
                Some(why) => format!("failed ({why})"),
                None => "was interrupted".to_string(),
            };
            format!(
                "lab '{name}' is half switched: its `lab apply --variant {}` {how}; run it again to complete it",
                st.applying.as_deref().unwrap_or("V")
            )
        }
        Phase::Destroying => format!(
            "lab '{name}' is half destroyed: its `lab destroy` was interrupted; `lab destroy {name}` completes it"
        ),
    };
    Some(LabError::NeedsRepair(why))
}

/// The files the lab that is up as `st` was brought up from, where they
/// are (the lab file, its manifests, its chapter and the chapter's known
/// drift), and the copies `lab` reads now: what a report or a picture of a
/// command on it never overwrites (`lab verify --json lab.yaml` replaced
/// the lab file: probe21bl finding 1).
pub fn inputs_of_up(st: &State) -> Vec<std::path::PathBuf> {
    let base = st.lab_file.parent().unwrap_or(std::path::Path::new("."));
    let copy = st.dir().join(state::LAB_COPY);
    let mut v: Vec<std::path::PathBuf> = st.lab_files.iter().map(|f| base.join(f)).collect();
    v.push(st.lab_file.clone());
    let opts = || LoadOptions {
        workers: st.workers,
    };
    // The copy's files (the known drift too) and where each came from.
    if let Ok(lab) = st.lab_source().and_then(|f| spec::load_file(&f, opts())) {
        for f in lab.input_files() {
            if let Ok(rel) = f.strip_prefix(&copy) {
                v.push(base.join(rel));
            }
            v.push(f);
        }
    }
    // The lab file as it is now (it may name a chapter added since).
    if let Ok(lab) = spec::load_file(&st.lab_file, opts()) {
        v.extend(lab.input_files());
    }
    v
}

/// [`inputs_of_up`] of the lab `arg` names (the one lab here when None),
/// if it has a state that can be read (else none: the command refuses it
/// for that).
pub fn inputs_of_named(arg: Option<&str>) -> Vec<std::path::PathBuf> {
    let name = match arg {
        Some(a) => lab_name(a).ok(),
        None => only_lab().ok(),
    };
    name.and_then(|n| State::load(&n).ok().flatten())
        .map(|st| inputs_of_up(&st))
        .unwrap_or_default()
}

/// With no lab named, the one lab that is up here.
fn only_lab() -> Result<String> {
    let root = state::root();
    let mut names = labs_up();
    match names.len() {
        1 => Ok(names.remove(0)),
        0 => {
            state::root_is_usable()?;
            Err(LabError::Usage(format!(
                "no lab is up here ({}); name one",
                root.display()
            )))
        }
        _ => Err(LabError::Usage(format!(
            "several labs are up ({}); name one",
            names.join(", ")
        ))),
    }
}

/// The labs with a state here (up, or half made), sorted.
pub fn labs_up() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(state::root())
        .map(|rd| {
            rd.filter_map(|e| e.ok())
                .filter(|e| e.path().join(state::STATE_FILE).is_file())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

/// A lab's phase for people: `Up`, `applying fixed, interrupted`, ...
pub fn phase_text(st: &State) -> String {
    let busy = Lock::holder(&st.name);
    let what = match st.phase {
        Phase::Up => return "Up".into(),
        Phase::Creating => "creating".to_string(),
        Phase::Applying => format!("applying {}", st.applying.as_deref().unwrap_or("?")),
        Phase::Destroying => "destroying".to_string(),
    };
    match (busy, &st.apply_failed) {
        (Some(h), _) => format!("{what}, by {h}"),
        (None, Some(why)) if st.phase == Phase::Applying => format!("{what}, failed: {why}"),
        (None, _) => format!("{what}, interrupted"),
    }
}
