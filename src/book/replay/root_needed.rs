//! A command that needs root, typed without `sudo` where the reader is no
//! root (probe21by, finding 6). On netns a node's shell is root, so
//! `tcpdump -i flannel.1` ran and matched whether the book typed `sudo` or
//! not; but the reader of `vagrant ssh NODE` is the `vagrant` user, and
//! there tcpdump gets "You don't have permission to perform this capture
//! on that device", kubeadm refuses a user who is not root
//! (`[ERROR IsPrivilegedUser]`), `ip link set`, `ip route add` and iptables
//! say "Operation not permitted". Such a line drifts where the reader is
//! no root: inside a `vagrant ssh` session until a step the book shows
//! makes them root (`sudo -i`, `sudo su -`: [`super::plan::Shell`]), a
//! root prompt there too (probe21ca, W3: `root@node1:~# tcpdump …` right
//! after `vagrant ssh node1` matched); outside a session behind a user's
//! prompt (`vagrant@node1:~$ `, `$ `), or with no prompt at all. Behind a
//! root prompt (`# `, `root@…`, `[root@node1 ~]# `) outside a session
//! (the author on the machine, how the chapter does not say) it is fine.

use super::plan::{Planned, Shell};

/// The difference of `p` when it needs root and the reader runs it as a
/// user without `sudo`.
pub(super) fn without_sudo(p: &Planned) -> Option<String> {
    let user = reader_user(p)?;
    let command = crate::book::parse::after_assignments(p.step.command.trim());
    let what = needs_root(command)?;
    Some(format!(
        "{user}: {what} needs sudo, and the book types `{}` without it (the reader gets a refusal of permission)",
        p.step.command.trim()
    ))
}

/// The prompt `written` (a line as the book shows it) is typed at, if
/// it is root's: it ends in `#`, or names the user `root`.
pub(super) fn root_prompt(written: &str) -> Option<String> {
    let prompt = prompt_of(written)?;
    (prompt.ends_with('#') || user_of(&prompt).as_deref() == Some("root")).then_some(prompt)
}

/// The prompt `written` is typed at, if it shows one.
fn prompt_of(written: &str) -> Option<String> {
    let written = written.trim();
    crate::book::parse::after_prompt(written)
        .map(|rest| written[..written.len() - rest.len()].trim().to_string())
        .filter(|s| !s.is_empty())
}

/// The user a prompt names (`vagrant@node1:~$ `, `[root@node1 ~]# `).
fn user_of(prompt: &str) -> Option<String> {
    prompt
        .trim_start_matches('[')
        .split_once('@')
        .map(|(u, _)| u.rsplit([' ', ')']).next().unwrap_or(u).to_string())
}

/// Who the reader is at `p`, when it is no root, said as the lead of the
/// difference: in a `vagrant ssh` session, `vagrant` until a step made
/// them root, whatever prompt the book shows; elsewhere the user of its
/// prompt (`vagrant@node1:~$ `), a user's prompt (`$ `), and a user's
/// without a prompt on the reader's own machine. None for root.
fn reader_user(p: &Planned) -> Option<String> {
    let prompt = prompt_of(&p.step.written);
    let root = root_prompt(&p.step.written);
    match (&p.shell, prompt) {
        (Shell::Root { .. }, _) => None,
        (Shell::Vagrant, _) if root.is_some() => Some(format!(
            "the book shows a root prompt (`{}`), but the reader of `vagrant ssh {}` is `vagrant` and no line made them root",
            root.unwrap_or_default(),
            p.node.as_deref().unwrap_or("NODE")
        )),
        (Shell::Vagrant, None) => Some("the reader's shell is `vagrant`, not root".to_string()),
        (_, Some(_)) if root.is_some() => None,
        (_, Some(pr)) => Some(match user_of(&pr) {
            Some(u) if !u.is_empty() => format!("the reader's shell is `{u}`, not root"),
            _ => format!("the reader's shell is a user's (its prompt `{pr}`), not root"),
        }),
        // On the reader's own machine, whose user a book shows no root
        // prompt for, a user (`kubeadm init` as the chapter's first line,
        // probe21by `SU6`).
        (Shell::NoSession, None) => {
            Some("the reader's shell is a user's (the book shows no root prompt), not root".into())
        }
    }
}

/// What about `command` (its words from its program on) needs root, if
/// anything: a capture, kubeadm's node setup, a change of links, routes,
/// addresses or the firewall. `sudo` (or `doas`) before it gives root.
fn needs_root(command: &str) -> Option<String> {
    let w: Vec<&str> = command.split_whitespace().collect();
    let (program, args) = w.split_first()?;
    let program = program.rsplit('/').next().unwrap_or(program);
    let named: Vec<&str> = args
        .iter()
        .filter(|a| !a.starts_with('-'))
        .copied()
        .collect();
    let has = |f: &str| args.contains(&f);
    let why = match program {
        "sudo" | "doas" => return None,
        "tcpdump" if !(has("-r") || has("--version") || has("-h") || has("--help")) => {
            "a capture (`tcpdump`)".to_string()
        }
        "kubeadm"
            if matches!(
                named.first(),
                Some(&("init" | "join" | "reset" | "upgrade"))
            ) =>
        {
            format!("`kubeadm {}`", named[0])
        }
        "ip" => {
            // `ip [-4] OBJECT VERB …`: a change, not a read.
            let (object, verb) = (named.first()?, named.get(1)?);
            let objects = [
                "link", "l", "route", "r", "ro", "address", "addr", "a", "neigh", "n", "netns",
                "rule", "tunnel",
            ];
            let changes = [
                "add", "set", "del", "delete", "change", "replace", "flush", "append",
            ];
            if !(objects.contains(object) && changes.contains(verb)) {
                return None;
            }
            format!("`ip {object} {verb}`")
        }
        "iptables" | "ip6tables" | "iptables-save" | "iptables-restore" | "nft" | "ipvsadm" => {
            format!("`{program}`")
        }
        "route" if matches!(named.first(), Some(&("add" | "del"))) => {
            format!("`route {}`", named[0])
        }
        "bridge" | "brctl"
            if named
                .iter()
                .any(|a| ["add", "del", "addbr", "delbr", "addif", "delif"].contains(a)) =>
        {
            format!("`{program}`'s change")
        }
        "sysctl" if has("-w") || named.iter().any(|a| a.contains('=')) => "`sysctl -w`".to_string(),
        "swapoff" | "swapon" | "modprobe" | "rmmod" | "insmod" => format!("`{program}`"),
        "systemctl"
            if matches!(
                named.first(),
                Some(
                    &("start"
                        | "stop"
                        | "restart"
                        | "enable"
                        | "disable"
                        | "daemon-reload"
                        | "mask")
                )
            ) =>
        {
            format!("`systemctl {}`", named[0])
        }
        "apt" | "apt-get" | "dnf" | "yum"
            if matches!(
                named.first(),
                Some(&("install" | "update" | "upgrade" | "remove" | "purge"))
            ) =>
        {
            format!("`{program} {}`", named[0])
        }
        _ => return None,
    };
    Some(why)
}

#[cfg(test)]
#[path = "root_needed_tests.rs"]
mod tests;
