//! Unit tests of [`super`] for the bookread2 session (probe21ab's findings
//! 1 and 2): prompts of any number of words, ANSI colours. Kept apart from
//! `parse_read_tests.rs` and `parse_tests.rs`.
use crate::book::parse::Block;
use crate::book::parse::{Chapter, after_prompt, parse, steps};
use std::path::Path;

fn p(text: &str) -> Chapter {
    parse(Path::new("c.md"), text.as_bytes()).unwrap()
}

fn commands(b: &Block) -> Vec<String> {
    steps(b).0.into_iter().map(|s| s.command).collect()
}

const PING: &str = "ping -c 1 10.244.1.2\n\nPING 10.244.1.2 (10.244.1.2) 56(84) bytes of data.\n64 bytes from 10.244.1.2: icmp_seq=1 ttl=64 time=0.054 ms\n";

/// probe21ab, finding 1: a prompt of four words or more (git, virtualenv,
/// themes) before a listed program is a prompt; the line was ping output.
#[test]
fn a_prompt_of_any_number_of_words_before_a_listed_program_is_one() {
    for prompt in [
        "(venv) me@host:~/lab (main) $ ",
        "vagrant@node1:~/lab (main *) $ ",
        "vagrant@node1 ~/lab (main) $ ",
        "🐳 node1 ~ ❯ ",
        "me@host:~/lab (main) [x] $ ",
        "a b c d e f g h $ ",
    ] {
        let c = p(&format!(
            "```bash\n{PING}{prompt}sudo ip link set cni0 down\n```\n"
        ));
        assert_eq!(
            commands(&c.blocks[0]),
            ["ping -c 1 10.244.1.2", "sudo ip link set cni0 down"],
            "{prompt:?}"
        );
    }
}

/// probe21ab (`pansi2.md`): a coloured prompt is read as its text.
#[test]
fn ansi_colours_are_read_past_in_a_block() {
    let c = p(&format!(
        "```bash\n{PING}\x1b[32m$\x1b[0m sudo ip link set cni0 down\n```\n"
    ));
    assert_eq!(
        commands(&c.blocks[0]),
        ["ping -c 1 10.244.1.2", "sudo ip link set cni0 down"]
    );
}

/// What a table or a sentence holds before a prompt character is no
/// prompt (a false red on chapter4 would be).
#[test]
fn words_before_an_arrow_or_a_table_cell_are_no_prompt() {
    for line in [
        "default via 10.0.2.2 dev enp0s3 -> ip route",
        "NAME  PORTS  <none> ping",
        "this is a sentence => ping",
    ] {
        assert_eq!(after_prompt(line), None, "{line}");
    }
}

/// probe21aj, finding 3: a line the reader sees as a command (its program
/// in invisible or look-alike characters) after `vagrant ssh` is a step,
/// never a login banner; recognising it says why it is not understood.
/// Seen failing first: with the parser reading the line as written, the
/// block had the one step `vagrant ssh node1`.
#[test]
fn a_disguised_command_after_vagrant_ssh_is_a_step() {
    for line in [
        "s\u{200b}udo ip link set cni0 down",
        "\u{0455}udo ip link set cni0 down",
        "s\u{00ad}udo ip link set cni0 down",
        "\u{feff}sudo ip link set cni0 down",
        "ifdow\u{043f} cni0",
    ] {
        let c = p(&format!("```bash\nvagrant ssh node1\n{line}\nexit\n```\n"));
        assert_eq!(
            commands(&c.blocks[0]),
            ["vagrant ssh node1", line, "exit"],
            "{}",
            line.escape_unicode()
        );
        let why = crate::book::recognize::recognize(line).unwrap_err();
        assert!(why.starts_with(crate::book::lookalike::DISGUISED), "{why}");
    }
    // A banner stays a banner.
    let c = p("```bash\nvagrant ssh node1\nWelcome to Ubuntu 16.04.4 LTS\nexit\n```\n");
    assert_eq!(commands(&c.blocks[0]), ["vagrant ssh node1", "exit"]);
}

/// probe21an, lesser finding: every output line was kept (about 470
/// bytes a line through the replay). A chapter keeps `left` lines of its
/// output, each command its first `PER_COMMAND` past them; the lines past
/// them are read (what they are decides what follows: `exit` is still a
/// command, a page closed past them ends the curl's output) and counted in
/// `cut`, blank lines at the end aside. Seen failing first: with `push`
/// keeping every line, the ping kept its 152 lines and `cut` stayed 0.
#[test]
fn a_chapter_keeps_a_bounded_count_of_output_lines_and_counts_the_rest() {
    use crate::book::caps::PER_COMMAND;
    use crate::book::parse::steps_within;
    let xs = "x\n".repeat(150);
    let ps = "<p>a</p>\n".repeat(PER_COMMAND);
    let c = p(&format!(
        "```bash\nvagrant ssh node1\n{PING}{xs}\n\nexit\nping -c 1 10.0.0.9\ny\nz\n```\n\n\
         ```bash\ncurl 10.0.0.2\n<html>\n{ps}</html>\n\nsysctl -a\n```\n"
    ));
    let mut left = 3;
    let (s, _) = steps_within(&c.blocks[0], &mut left);
    let got: Vec<(&str, usize, usize)> = s
        .iter()
        .map(|s| (s.command.as_str(), s.output.len(), s.cut))
        .collect();
    assert_eq!(
        got,
        [
            ("vagrant ssh node1", 0, 0),
            ("ping -c 1 10.244.1.2", PER_COMMAND, 152 - PER_COMMAND),
            ("exit", 0, 0),
            ("ping -c 1 10.0.0.9", 2, 0),
        ]
    );
    assert_eq!(
        s[1].output[0],
        "PING 10.244.1.2 (10.244.1.2) 56(84) bytes of data."
    );
    assert_eq!(s[1].output[PER_COMMAND - 1], "x");
    assert_eq!(left, 0);
    // Past the bound, `</html>` read and not kept still closes the page:
    // `sysctl -a` after it is a command, as it is with every line kept.
    for mut left in [1, usize::MAX] {
        let (s, _) = steps_within(&c.blocks[1], &mut left);
        let got: Vec<&str> = s.iter().map(|s| s.command.as_str()).collect();
        assert_eq!(got, ["curl 10.0.0.2", "sysctl -a"], "{left}");
    }
    let (s, _) = steps_within(&c.blocks[1], &mut 1);
    assert_eq!((s[0].output.len(), s[0].cut), (PER_COMMAND, 2));
}

/// probe21bk, finding 2: a comment on its own line above a command is the
/// author's remark about that command (with the command's own remark, if
/// any); one above output lines stays output. Seen failing with the
/// holding of comments off: `# across node` was `vagrant ssh`'s output
/// and the ping had only its own remark.
#[test]
fn a_comment_above_a_command_is_its_remark() {
    let c = p(
        "```bash\nvagrant ssh node1\n# across node\n\nping 10.244.1.2 (same node)\n\nPING x\n\n# the resolver\ncat /etc/resolv.conf\n# Generated\nnameserver 10.0.0.1\n# trailing\n```\n",
    );
    let (s, _) = steps(&c.blocks[0]);
    let got: Vec<(&str, Option<&str>, Vec<&str>)> = s
        .iter()
        .map(|s| {
            let out = s.output.iter().map(String::as_str).collect();
            (s.command.as_str(), s.remark.as_deref(), out)
        })
        .collect();
    assert_eq!(
        got,
        [
            ("vagrant ssh node1", None, vec![]),
            (
                "ping 10.244.1.2",
                Some("across node; same node"),
                vec!["PING x"]
            ),
            (
                "cat /etc/resolv.conf",
                Some("the resolver"),
                vec!["# Generated", "nameserver 10.0.0.1", "# trailing"]
            ),
        ]
    );
}

/// probe21bt, lesser 2: the commands `kubeadm init` prints for its reader
/// (indented after a line ending in `:`, and a newer kubeadm's `kubeadm
/// join` at the margin) are its output; the same lines elsewhere are
/// commands. Seen failing with `advised_by` off: the mkdir, cp, chown,
/// export and join lines were each a command.
#[test]
fn what_kubeadm_init_tells_its_reader_to_run_is_its_output() {
    let init = "sudo kubeadm init --pod-network-cidr 10.244.0.0/16\n\n\
        Your Kubernetes control-plane has initialized successfully!\n\n\
        To start using your cluster, you need to run the following as a regular user:\n\n  \
        mkdir -p $HOME/.kube\n  \
        sudo cp -i /etc/kubernetes/admin.conf $HOME/.kube/config\n  \
        sudo chown $(id -u):$(id -g) $HOME/.kube/config\n\n\
        Alternatively, if you are the root user, you can run:\n\n  \
        export KUBECONFIG=/etc/kubernetes/admin.conf\n\n\
        Then you can join any worker nodes by running the following on each as root:\n\n\
        kubeadm join 10.100.198.200:6443 --token abcdef.0123456789abcdef \\\n\t\
        --discovery-token-ca-cert-hash sha256:0123\n";
    let c = p(&format!("```bash\n{init}\nkubectl get nodes\n```\n"));
    assert_eq!(
        commands(&c.blocks[0]),
        [
            "sudo kubeadm init --pod-network-cidr 10.244.0.0/16",
            "kubectl get nodes"
        ]
    );
    // Under another command, or with no line introducing them, they are
    // the reader's.
    for block in [
        "ls\n\nfiles to run:\n\n  mkdir -p /tmp/x\n",
        "sudo kubeadm init\n\n  mkdir -p /tmp/x\n",
    ] {
        let c = p(&format!("```bash\n{block}```\n"));
        assert_eq!(commands(&c.blocks[0]).len(), 2, "{block}");
    }
}

/// probe21cf, F1: each `#` comment glued under a command's output asked
/// whether the output kept so far shows a comment of its own, reading it
/// all again: 10,000 lines of output, then 1,000,000 comments, took 72 s,
/// deaf to TERM. What the output shows is kept as its lines come. Seen
/// failing first: 4,000 lines asked 4,004,004 times whether a line is a
/// comment.
#[test]
fn comments_glued_under_output_are_read_once() {
    let n = 2_000;
    let c = p(&format!(
        "```bash\nvagrant ssh node1\nping -c 1 10.244.1.2\n{}{}\nping -c 1 10.244.1.2\n```\n",
        "x\n".repeat(n),
        "#a\n".repeat(n)
    ));
    super::COMMENT_READS.with(|r| r.set(0));
    let (s, _) = steps(&c.blocks[0]);
    let reads = super::COMMENT_READS.with(|r| r.get());
    assert_eq!(s.len(), 3);
    assert!(reads <= 10 * 2 * n, "{reads} reads of {} lines", 2 * n);
}
