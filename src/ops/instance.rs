//! Which instance a command means, from its lab argument and `--name`
//! (the rule is [`crate::state::instance`]'s): resolved before anything
//! runs, so a wrong pairing is a usage error (exit 2) that touches nothing.

use crate::error::Result;
use crate::spec::Lab;
use crate::state::instance;

/// The state name a command on a running lab means: `lab` (a name or a
/// path, optional where the command allows it) and `--name`. `command` is
/// how the refusal's example starts, e.g. `lab destroy`.
///
/// - `--name NAME`: the instance NAME, which must be of `lab` when a lab is
///   given;
/// - no `--name`: the lab as named, refused when it is not up under its own
///   name but instances of it are (one is never picked for the user).
pub fn addressed(
    lab: Option<String>,
    name: Option<String>,
    command: &str,
) -> Result<Option<String>> {
    match (lab, name) {
        (lab, Some(name)) => {
            instance::check(&name)?;
            if let Some(l) = lab {
                instance::check_belongs(&super::lab_name(&l)?, &name)?;
            }
            Ok(Some(name))
        }
        (Some(l), None) => {
            let own = super::lab_name(&l)?;
            instance::check_not_only_instances(&own, command)?;
            Ok(Some(own))
        }
        (None, None) => Ok(None),
    }
}

/// [`addressed`] for commands whose lab is required.
pub fn addressed_one(lab: String, name: Option<String>, command: &str) -> Result<String> {
    Ok(addressed(Some(lab), name, command)?.expect("a lab was given"))
}

/// The lab a command brings up (`up`, `test`, `book`), as the instance
/// `--name` names: checked before anything is made.
pub fn bring_up(lab: Lab, name: Option<&str>) -> Result<Lab> {
    let lab = instance::of(lab, name)?;
    instance::check_belongs(lab.instance_of.as_deref().unwrap_or(&lab.name), &lab.name)?;
    Ok(lab)
}
