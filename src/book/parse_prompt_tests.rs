//! Unit tests of [`super`] (probe21aq, finding 1): prompts read by their
//! shape, and the command behind a prompt lab knows whatever its program.

use super::after_prompt;
use crate::book::parse::{Chapter, parse, steps};
use std::path::Path;

fn commands(text: &str) -> Vec<String> {
    let c: Chapter = parse(Path::new("c.md"), text.as_bytes()).unwrap();
    steps(&c.blocks[0])
        .0
        .into_iter()
        .map(|s| s.command)
        .collect()
}

/// A prompt lab has no pattern for, made of signs with what a theme shows
/// between them, before a listed program. Seen failing first (the glyph
/// list and `None` when the glyph-and-folder form failed): each was no
/// prompt.
#[test]
fn a_prompt_of_signs_before_a_listed_program_is_one() {
    for prompt in [
        "➜  lab git:(main) ✗ ",
        "➜  ~ git:(main) ✗ ",
        "❯ ~/lab main ",
        "✗ ",
        "❱ ",
        "⟩ ",
        "▸ ",
        "⚡ ",
        "🐳 ",
        "~ → ",
        "$: ",
        "❯❯❯ ",
        "→ ",
        "▶ ",
        "☸ ",
        "⎈ ~ ",
        "╰─➤ ",
        "lab main ✗ ",
        "🦀 ~/lab ",
    ] {
        for cmd in [
            "sudo ip link set cni0 down",
            "kubectl --kubeconfig ./admin.conf scale deployment nginx-deployment --replicas=0",
        ] {
            let line = format!("{prompt}{cmd}");
            assert_eq!(after_prompt(&line), Some(cmd), "{line:?}");
        }
    }
    // A word between a sign and a listed program may be a host or a
    // wrapper (`nice`): the line is read from it, and is not understood.
    let line = "🚀 node1 sudo ip link set cni0 down";
    assert_eq!(after_prompt(line), Some("node1 sudo ip link set cni0 down"));
}

/// A program lab does not list, behind a prompt lab knows or a prompt of
/// signs: the line is a command all the same (understood or not). Seen
/// failing first: each was no prompt, the line output.
#[test]
fn any_program_behind_a_prompt_is_a_command() {
    for prompt in [
        "% ",
        "node1$ ",
        "> ",
        "❯ ",
        "➜ ",
        "vagrant@node1 ~ % ",
        "[vagrant@node1 ~]% ",
        "(venv) % ",
        "node1# ",
        "➜  lab git:(main) ✗ ",
        "🐧 ",
        "vagrant@node1:~$",
    ] {
        for cmd in [
            "ifdown enp0s8",
            "nice sudo ip link set cni0 down",
            "setsid sudo ip link set cni0 down",
            "stdbuf -o0 sudo ip link set cni0 down",
            "chrt -o 0 sudo ip link set cni0 down",
            "su -c \"ip link set cni0 down\"",
            "systemd-run ip link set cni0 down",
            "busybox ip link set cni0 down",
        ] {
            let line = format!("{prompt}{cmd}");
            assert_eq!(after_prompt(&line), Some(cmd), "{line:?}");
        }
    }
    assert_eq!(
        after_prompt("vagrant@node1:~$sudo ip link set cni0 down"),
        Some("sudo ip link set cni0 down")
    );
}

/// Output and prose that open with a sign, a number or a word before `%`,
/// `#` or `>` are no prompt: a bullet or a status before what no program
/// lab lists opens, a tree, a YAML list, a cut, a percentage, a comment.
#[test]
fn signs_in_output_are_no_prompt() {
    for line in [
        "● kubelet.service - kubelet: The Kubernetes Node Agent",
        "✓ ensuring node image",
        "├── kube-flannel.yml",
        "│   └── flannel_fix.yml",
        "- nginx",
        "* item one",
        "… and more",
        "50 % done",
        "node1 # the first node",
        "a > b c",
        ">> more text",
        ">>> import os",
        "© 2018 Canonical Ltd.",
        "Добро пожаловать в ubuntu",
        "| ip | link |",
        "  % Total    % Received % Xferd  Average Speed   Time    Time     Time  Current",
        "Receiving objects: 100% (10/10), done.",
        "~",
    ] {
        assert_eq!(after_prompt(line), None, "{line:?}");
    }
}

/// The probe's blocks: after `vagrant ssh node1` and after `exit`, the
/// line behind a prompt of signs is a step. Seen failing first: it was the
/// login's banner, or `exit`'s output.
#[test]
fn a_prompt_of_signs_after_a_login_or_exit_is_a_step() {
    let c = commands(
        "```bash\nvagrant ssh node1\n➜  lab git:(main) ✗ sudo ip link set cni0 down\nexit\n```\n",
    );
    assert_eq!(
        c,
        ["vagrant ssh node1", "sudo ip link set cni0 down", "exit"]
    );
    let c = commands(
        "```bash\nvagrant ssh node1\nping -c 1 10.244.1.2\nPING 10.244.1.2 (10.244.1.2) 56(84) bytes of data.\n64 bytes from 10.244.1.2: icmp_seq=1 ttl=64 time=0.054 ms\nexit\n\n✗ kubectl --kubeconfig ./admin.conf scale deployment nginx-deployment --replicas=0\n```\n",
    );
    assert_eq!(c.len(), 4, "{c:?}");
    assert!(c[3].starts_with("kubectl"), "{c:?}");
    let c = commands("```bash\nvagrant ssh node1\n% ifdown enp0s8\nexit\n```\n");
    assert_eq!(c, ["vagrant ssh node1", "ifdown enp0s8", "exit"]);
}
