//! Instances: one lab brought up under several names at once (`--name
//! NAME`), for a classroom (one chapter, thirty readers) or a CI job testing
//! one chapter several ways in parallel.
//!
//! An instance is the lab with its name replaced: everything keyed by the
//! lab's name (its state folder, lock, claim, namespaces, MAC addresses,
//! VMs) carries the instance's name instead, so instances never meet; what
//! the lab file says (nodes, addresses, pods, checks, chapter) is unchanged,
//! so every instance has the book's addresses, each inside its own
//! namespaces. The state records which lab an instance is of
//! ([`super::State::instance_of`]).
//!
//! The rule for naming one: a state folder's name is what every command
//! addresses. `lab CMD LAB` means the instance named like the lab (the one
//! `lab up LAB` makes); `lab CMD LAB --name NAME` means the instance NAME,
//! which must be of LAB; `lab CMD NAME` (or `--name NAME` alone, where the
//! lab is optional) means the instance NAME whatever its lab. A lab that is
//! not up under its own name is never taken to mean one of its instances:
//! commands that need a running lab refuse and name the instances.

use super::{State, root};
use crate::error::{LabError, Result};
use crate::spec::Lab;

/// The longest name: node and pod namespace names are built from it (as
/// from a lab's name, see `testbed::validate`).
pub const MAX_LEN: usize = 40;

/// Why `name` cannot name an instance, if it cannot: like a lab name, a
/// DNS label of at most [`MAX_LEN`] characters.
pub fn problem(name: &str) -> Option<String> {
    if !crate::spec::validate_name(name) {
        return Some(format!(
            "--name '{}': not a valid instance name (like a lab name: lowercase letters, digits and '-', not at either end)",
            name.escape_debug()
        ));
    }
    (name.len() > MAX_LEN).then(|| {
        format!(
            "--name '{name}': too long ({} characters; at most {MAX_LEN}: namespace and pod names are built from it)",
            name.len()
        )
    })
}

/// [`problem`] as a usage error (exit 2), before anything is made.
pub fn check(name: &str) -> Result<()> {
    match problem(name) {
        Some(p) => Err(LabError::Usage(p)),
        None => Ok(()),
    }
}

/// `lab` as the instance `name` (`--name`); the lab itself when None or
/// its own name.
pub fn of(mut lab: Lab, name: Option<&str>) -> Result<Lab> {
    let Some(name) = name else {
        return Ok(lab);
    };
    check(name)?;
    if name != lab.name {
        let own = std::mem::replace(&mut lab.name, name.to_string());
        lab.instance_of = Some(own);
    }
    Ok(lab)
}

/// The lab whose state is `st` named as the state is (its copy of the lab
/// file says the lab's own name).
pub fn as_state_names(mut lab: Lab, st: &State) -> Lab {
    if lab.name != st.name {
        let own = std::mem::replace(&mut lab.name, st.name.clone());
        lab.instance_of = Some(own);
    }
    lab
}

/// The name of the lab the instance with state `st` is of.
pub fn lab_of(st: &State) -> &str {
    st.instance_of.as_deref().unwrap_or(&st.name)
}

/// Every state here that can be read, sorted by name (an unreadable one is
/// skipped: `lab status NAME` says what is wrong with it).
pub fn all() -> Vec<State> {
    let mut v: Vec<State> = std::fs::read_dir(root())
        .map(|rd| {
            rd.filter_map(|e| e.ok())
                .filter_map(|e| State::load(e.file_name().to_str()?).ok().flatten())
                .collect()
        })
        .unwrap_or_default();
    v.sort_by(|a, b| a.name.cmp(&b.name));
    v
}

/// The names of the instances of the lab `lab` here under other names.
pub fn others_of(lab: &str) -> Vec<String> {
    all()
        .into_iter()
        .filter(|s| s.instance_of.as_deref() == Some(lab))
        .map(|s| s.name)
        .collect()
}

/// The instance `name` of the lab `lab`: refused when the state of that
/// name is another lab's (`lab verify chapter5 --name a1` where `a1` is
/// chapter4's). No state is fine: the caller says what that means.
pub fn check_belongs(lab: &str, name: &str) -> Result<()> {
    match State::load(name) {
        Ok(Some(st)) if lab_of(&st) != lab => Err(LabError::Usage(format!(
            "'{name}' is an instance of lab '{}', not of '{lab}' (`lab list` shows every instance)",
            lab_of(&st)
        ))),
        _ => Ok(()),
    }
}

/// The refusal of a command that names the lab `lab` alone when it is not
/// up under its own name but instances of it are: it never picks one.
/// `example` is the command, e.g. `lab destroy`.
pub fn check_not_only_instances(lab: &str, example: &str) -> Result<()> {
    if super::lab_dir(lab).join(super::STATE_FILE).exists() {
        return Ok(());
    }
    let others = others_of(lab);
    match others.first() {
        None => Ok(()),
        Some(first) => Err(LabError::Usage(format!(
            "lab '{lab}' is not up under its own name; its instances are: {}. Name one with --name, e.g. `{example} {lab} --name {first}`",
            others.join(", ")
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instance_names_are_lab_names() {
        assert_eq!(problem("a1"), None);
        assert_eq!(problem(&"a".repeat(MAX_LEN)), None);
        for bad in ["", "A1", "a_1", "-a", "a-", "a.b", "a/b", "../x", "a b"] {
            let p = problem(bad).unwrap_or_else(|| panic!("{bad:?} accepted"));
            assert!(p.starts_with("--name '"), "{p}");
        }
        let long = problem(&"a".repeat(MAX_LEN + 1)).unwrap();
        assert!(
            long.contains("too long (41 characters; at most 40"),
            "{long}"
        );
        assert!(matches!(check("Bad"), Err(LabError::Usage(_))));
    }

    #[test]
    fn an_instance_carries_its_name_and_the_labs_addresses() {
        let lab = crate::spec::load("chapter4", crate::spec::LoadOptions::default()).unwrap();
        let i = of(lab.clone(), Some("c4a")).unwrap();
        assert_eq!(i.name, "c4a");
        assert_eq!(i.instance_of.as_deref(), Some("chapter4"));
        let ips = |l: &Lab| l.nodes.iter().map(|n| n.ip).collect::<Vec<_>>();
        assert_eq!(ips(&i), ips(&lab));
        assert_eq!(i.checks.len(), lab.checks.len());
        // Its own name is the lab itself; no name too.
        assert_eq!(of(lab.clone(), Some("chapter4")).unwrap().instance_of, None);
        assert_eq!(of(lab.clone(), None).unwrap().name, "chapter4");
        assert!(of(lab, Some("C4")).is_err());
    }
}
