//! The steps that make the reader root in the shell they type in
//! (probe21ca, lesser 6): `sudo -i`, `sudo -s`, `sudo su [-] [root]`,
//! `sudo bash`, and `su [-] [root]`, which asks root's password. Apart
//! from [`super`], the recogniser, which takes `sudo` off a line before it
//! reads the program: here `sudo` and what it runs are the step together.
//! What such a step means (the reader is root in that session until its
//! `exit`) is the plan's ([`super::replay`]'s `plan`).

use super::recognize::Cmd;

/// The root shell `w` (a line's words) opens, if it opens one.
pub(super) fn root_shell(w: &[&str]) -> Option<Cmd> {
    match w {
        ["sudo", rest @ ..] => match rest {
            ["-i" | "--login" | "-s" | "--shell"] => Some(Cmd::RootShell { su: false }),
            ["su", args @ ..] if su(args) => Some(Cmd::RootShell { su: false }),
            ["bash" | "sh"] | ["bash" | "sh", "-l" | "--login" | "-i"] => {
                Some(Cmd::RootShell { su: false })
            }
            _ => None,
        },
        ["su", args @ ..] if su(args) => Some(Cmd::RootShell { su: true }),
        _ => None,
    }
}

/// `su`'s words after it that give root's shell: none, a login's `-`
/// (`-l`, `--login`), then `root` or no user.
fn su(args: &[&str]) -> bool {
    let args = match args {
        [rest @ .., "root"] => rest,
        a => a,
    };
    matches!(args, [] | ["-" | "-l" | "--login"])
}
