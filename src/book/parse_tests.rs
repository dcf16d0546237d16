//! Unit tests of [`super`]: blocks, prompts, fences, steps.
use super::*;

fn p(text: &str) -> Result<Chapter, ChapterError> {
    parse(Path::new("c.md"), text.as_bytes())
}

#[test]
fn blocks_with_lines_and_languages() {
    let c = p("# T\n\n```bash\nping 10.0.0.1\n```\n\ntext\n```\nkubectl get nodes\n```\n").unwrap();
    assert_eq!(c.blocks.len(), 2);
    assert_eq!(
        (c.blocks[0].line, c.blocks[0].lang.as_str(), c.blocks[0].end),
        (3, "bash", 5)
    );
    assert_eq!(c.blocks[1].line, 8);
    assert!(c.blocks[1].is_shell());
}

#[test]
fn bad_input_is_refused_with_its_line() {
    let e = p("a\n```bash\nls\n").unwrap_err();
    assert_eq!(e.line, Some(2));
    assert!(e.message.contains("never closed"), "{e}");
    let e = p("a\r\nb\r\n").unwrap_err();
    assert_eq!(e.line, Some(1));
    assert!(e.message.contains("CRLF"));
    let e = parse(Path::new("c.md"), b"ok\n\xff\xfe\n").unwrap_err();
    assert_eq!(e.line, Some(2));
    assert!(e.message.contains("UTF-8"));
    let e = parse(Path::new("c.md"), b"\x7fELF\x02\x01\x00\x00").unwrap_err();
    assert!(e.message.contains("binary"));
    let many = "```bash\nping -c 1 10.0.0.1\n```\n".repeat(MAX_BLOCKS + 1);
    let e = p(&many).unwrap_err();
    assert!(e.message.contains("more than 1000"), "{e}");
    let e = read(Path::new("/nonexistent/chapter.md")).unwrap_err();
    assert!(e.to_string().contains("cannot read the chapter"), "{e}");
}

#[test]
fn steps_split_commands_output_and_remarks() {
    let c = p("```bash\nvagrant ssh node1\n\nping 10.244.1.2  (same node)\n\nPING 10.244.1.2 (10.244.1.2) 56(84) bytes of data.\n64 bytes from 10.244.1.2: icmp_seq=1 ttl=64 time=0.054 ms\n\nexit (from node1)\n```\n").unwrap();
    let (steps, prose) = steps(&c.blocks[0]);
    let cmds: Vec<&str> = steps.iter().map(|s| s.command.as_str()).collect();
    assert_eq!(cmds, ["vagrant ssh node1", "ping 10.244.1.2", "exit"]);
    assert_eq!(steps[1].remark.as_deref(), Some("same node"));
    assert_eq!(steps[1].output.len(), 2);
    assert!(prose.is_empty());
    let c = p("```bash\nkubectl logs x\n\n(removed lines for brevity)\nline one\n```\n").unwrap();
    let (steps, prose) = super::steps(&c.blocks[0]);
    // A remark that says lines were removed is the output's cut (twelfth
    // probe: dropped as prose, a ping's header above one claimed "no
    // reply"); comparison skips it as it skips `...`.
    assert_eq!(steps[0].output, ["(removed lines for brevity)", "line one"]);
    assert!(prose.is_empty(), "{prose:?}");
}

#[test]
fn tabs_and_blocks_without_a_language() {
    let text = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/book/tabs-and-no-language.md"
    ))
    .unwrap();
    let c = parse(Path::new("t.md"), &text).unwrap();
    assert!(c.blocks[0].is_shell() && !c.blocks[1].is_shell());
    let (steps, _) = steps(&c.blocks[0]);
    let cmds: Vec<_> = steps
        .iter()
        .map(|s| crate::book::recognize::recognize(&s.command))
        .collect();
    assert_eq!(
        cmds[0],
        Ok(crate::book::recognize::Cmd::Ssh {
            node: "node1".into()
        })
    );
    assert!(matches!(
        cmds[1],
        Ok(crate::book::recognize::Cmd::Ping { count: Some(1), .. })
    ));
    assert_eq!(steps[1].output.len(), 2);
}

#[test]
fn unknown_programs_are_commands_not_output() {
    let c = p("```bash\nkubectl get nodes\nrm -rf /\n```\n").unwrap();
    let (steps, _) = steps(&c.blocks[0]);
    assert_eq!(steps.len(), 2);
    assert_eq!(steps[1].command, "rm -rf /");
}

#[test]
fn prompts_tildes_and_indented_blocks() {
    let c = p("text\n\n~~~console\nvagrant@node1:~$ ping -c 1 10.0.0.1\nPING x\n[root@node1 ~]# ip route\n# cat /run/flannel/subnet.env\nFLANNEL_SUBNET=10.244.1.1/24\n# a comment that is output\nnode1:~# exit\n~~~\n\nProse:\n\n    # first a comment\n    ping 10.0.0.2   # the other node\n\n    PING y\n\nmore prose\n    not code: a paragraph goes on\n\n- item\n\n    item text, not code\n").unwrap();
    assert_eq!(c.blocks.len(), 2, "{:?}", c.blocks);
    let (s, _) = steps(&c.blocks[0]);
    let cmds: Vec<&str> = s.iter().map(|s| s.command.as_str()).collect();
    assert_eq!(
        cmds,
        [
            "ping -c 1 10.0.0.1",
            "ip route",
            "cat /run/flannel/subnet.env",
            "exit"
        ]
    );
    assert_eq!(
        s[2].output,
        ["FLANNEL_SUBNET=10.244.1.1/24", "# a comment that is output"]
    );
    let b = &c.blocks[1];
    assert_eq!((b.line, b.end, b.fence.as_str()), (15, 18, ""));
    let (s, prose) = steps(b);
    // A comment right above the first command is the block's title
    // (probe21cd, G6; probe21ce, H1), read by the replay, and prose.
    assert_eq!(prose.len(), 1, "{prose:?}");
    assert_eq!(s[0].command, "ping 10.0.0.2");
    assert_eq!(s[0].remark.as_deref(), Some("the other node"));
    assert_eq!(s[0].title, [(15, "# first a comment".to_string())]);
    assert_eq!(s[0].output, ["PING y"]);
    // A backtick fence is not closed by tildes, nor the other way.
    let c = p("```\nls\n~~~\n```\n~~~~\nls\n```\n~~~~\n").unwrap();
    assert_eq!(c.blocks.len(), 2);
    assert_eq!(c.blocks[0].body.len(), 2);
}

/// A node named like a program (`cp`) in a table's rows is output, not
/// a command; a program after a blank line is a command again.
#[test]
fn table_rows_named_like_programs_are_output() {
    for text in [
        "```\nkubectl get nodes\nNAME   STATUS\ncp     Ready\nw1     Ready\n\ncat /run/x\n```\n",
        "```console\n$ kubectl get nodes\nNAME   STATUS\ncp     Ready\nw1     Ready\n$ cat /run/x\n```\n",
    ] {
        let c = p(text).unwrap();
        let (s, _) = steps(&c.blocks[0]);
        let cmds: Vec<&str> = s.iter().map(|s| s.command.as_str()).collect();
        assert_eq!(cmds, ["kubectl get nodes", "cat /run/x"], "{text}");
        assert_eq!(
            s[0].output,
            ["NAME   STATUS", "cp     Ready", "w1     Ready"]
        );
    }
}

/// The fifth probe: `vagrant@node1:~$ ping ...` after `vagrant ssh
/// node1` was read as that line's output, which lab never compares
/// (it asks the node its hostname): a block claiming a reply the lab
/// does not give was a match.
#[test]
fn a_shell_prompt_opens_a_command() {
    let c = p("```\n$ vagrant ssh node1\nvagrant@node1:~$ ping -c 1 10.244.2.2\n64 bytes from 10.244.2.2: icmp_seq=1 ttl=63 time=0.4 ms\nroot@node1:/run# cat flannel/subnet.env\nFLANNEL_MTU=1450\nenp0s3@if2: <UP> $ # not a prompt\n```\n").unwrap();
    let (steps, _) = steps(&c.blocks[0]);
    let cmds: Vec<&str> = steps.iter().map(|s| s.command.as_str()).collect();
    assert_eq!(
        cmds,
        [
            "vagrant ssh node1",
            "ping -c 1 10.244.2.2",
            "cat flannel/subnet.env"
        ]
    );
    assert_eq!(steps[1].output.len(), 1);
    assert_eq!(steps[2].output.len(), 2);
}

/// A bare prompt closing a block (the terminal waiting) is neither an
/// empty command (the block was not understood: a false red, the sixth
/// probe) nor output of the line above.
#[test]
fn a_bare_prompt_is_no_command_and_no_output() {
    let c =
        p("```\n$ vagrant ssh node1\nvagrant@node1:~$ hostname\nnode1\nvagrant@node1:~$\n```\n")
            .unwrap();
    let (steps, _) = steps(&c.blocks[0]);
    let cmds: Vec<&str> = steps.iter().map(|s| s.command.as_str()).collect();
    assert_eq!(cmds, ["vagrant ssh node1", "hostname"]);
    assert_eq!(steps[1].output, ["node1"]);
}

/// `read_within` checks where the opened file is, not the name: a chapter
/// (or known-drift file) that is a link out of its folder is not read, one
/// in it is.
#[test]
fn a_file_read_within_a_folder_is_refused_when_it_resolves_outside() {
    let (home, out) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let home_real = std::fs::canonicalize(home.path()).unwrap();
    std::fs::write(out.path().join("host.md"), "# Host\n").unwrap();
    std::fs::write(out.path().join("host.yaml"), "version: 2\ndrift: SECRET\n").unwrap();
    std::fs::write(home.path().join("own.md"), "# Own\n").unwrap();
    let link = home.path().join("chapter.md");
    std::os::unix::fs::symlink(out.path().join("host.md"), &link).unwrap();
    let e = read_within(&link, Some(&home_real))
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("outside the lab folder") && e.contains("not read"),
        "{e}"
    );
    assert!(
        read(&link).is_ok(),
        "without a home it is read, as --chapter is"
    );
    assert!(read_within(&home.path().join("own.md"), Some(&home_real)).is_ok());
    let known = home.path().join("chapter.drift.yaml");
    std::os::unix::fs::symlink(out.path().join("host.yaml"), &known).unwrap();
    let e = crate::book::known::load_within(&known, Some(&home_real)).unwrap_err();
    assert!(
        e.contains("outside the chapter's folder") && !e.contains("SECRET"),
        "{e}"
    );
}

/// A comment typed at a prompt is no command: `vagrant@node1:~$ # ping
/// -c 1 10.244.3.3` ran the ping (the prompt's path took the `$` and the
/// comment's `#` was read as a root prompt; twelfth probe).
#[test]
fn a_comment_at_a_prompt_is_no_command() {
    let c = p("```\n$ vagrant ssh node1\nvagrant@node1:~$ # ping -c 1 10.244.3.3\nroot@node1:~# # route -n\n$ # cat /etc/hostname\nvagrant@node1:~$ route -n\n```\n").unwrap();
    let (steps, prose) = steps(&c.blocks[0]);
    let cmds: Vec<&str> = steps.iter().map(|s| s.command.as_str()).collect();
    assert_eq!(cmds, ["vagrant ssh node1", "route -n"]);
    // Placed as without their prompts (probe21ce, H2): right under a
    // command that shows no output and above the next, its remark.
    assert!(prose.is_empty(), "{prose:?}");
    assert_eq!(
        steps[1].remark.as_deref(),
        Some("ping -c 1 10.244.3.3; route -n; cat /etc/hostname")
    );
}

/// A remark in parentheses that says output was cut stays in the output
/// as a cut: dropped as prose, a ping's header above it claimed "no
/// reply" (twelfth probe); other remarks stay prose.
#[test]
fn a_remark_that_cuts_output_is_output() {
    let c = p("```\nvagrant@node1:~$ ping 10.244.3.3\nPING 10.244.3.3 (10.244.3.3) 56(84) bytes of data.\n(output omitted)\n(same node)\n```\n").unwrap();
    let (steps, prose) = steps(&c.blocks[0]);
    assert_eq!(steps[0].output.len(), 2, "{:?}", steps[0].output);
    assert_eq!(steps[0].output[1], "(output omitted)");
    assert_eq!(prose.len(), 1, "{prose:?}");
}

/// A block inside an HTML comment is hidden from every reader: it is no
/// block (it ran and was counted; twelfth probe). One after it is.
#[test]
fn a_block_in_an_html_comment_is_no_block() {
    let c = p("# T\n\n<!--\n```console\nvagrant@node1:~$ ping -c 1 10.244.1.2\n```\n-->\n\n<!-- one line -->\n\n```console\nvagrant@node1:~$ route -n\n```\n").unwrap();
    assert_eq!(c.blocks.len(), 1);
    assert_eq!(c.blocks[0].line, 11);
}

/// The commands of an unprompted block's steps, by their block.
fn commands_of(body: &str) -> Vec<String> {
    let c = p(&format!("```bash\n{body}```\n")).unwrap();
    let (steps, _) = steps(&c.blocks[0]);
    steps.into_iter().map(|s| s.command).collect()
}

/// In a block without prompts, a line with a command's shape whose program
/// `lab` does not list is a command (reported as not understood) wherever
/// the output above cannot hold it: after a ping's own lines, after
/// `route -n`'s table, after a move (`vagrant ssh`), after a blank line.
/// Read as output, it never ran and the block was a match (the seventeenth
/// probe of issue 21). Output lab knows stays output.
#[test]
fn an_unlisted_program_in_an_unprompted_block_is_a_command() {
    let ping = "ping -c 1 10.244.1.2\nPING 10.244.1.2 (10.244.1.2) 56(84) bytes of data.\n64 bytes from 10.244.1.2: icmp_seq=1 ttl=64 time=0.054 ms\n";
    for (then, want) in [
        (
            "\nsysctl net.ipv4.ip_forward\nnet.ipv4.ip_forward = 0\n",
            "sysctl net.ipv4.ip_forward",
        ),
        ("crictl ps\n", "crictl ps"),
        ("nsenter -t 1 -n ip addr\n", "nsenter -t 1 -n ip addr"),
        ("conntrack -L\n", "conntrack -L"),
    ] {
        let got = commands_of(&format!("vagrant ssh node1\n{ping}{then}"));
        assert_eq!(got.last().map(String::as_str), Some(want), "{got:?}");
    }
    let route = "route -n\nKernel IP routing table\nDestination     Gateway         Genmask         Flags Metric Ref    Use Iface\n0.0.0.0         10.0.2.2        0.0.0.0         UG    100    0        0 eth0\n";
    let got = commands_of(&format!(
        "{route}hostname -I\n10.0.2.15\n\niptables-save -t nat\n*nat\nCOMMIT\n"
    ));
    assert_eq!(got, ["route -n", "hostname -I", "iptables-save -t nat"]);
    assert_eq!(
        commands_of("vagrant ssh node1\nsysctl -w net.ipv4.ip_forward=1\n"),
        ["vagrant ssh node1", "sysctl -w net.ipv4.ip_forward=1"]
    );
    // Output of the shapes lab knows stays output: a ping's round-trip
    // line, a capture's banner, a table's rows, `ip route`'s rows, a
    // value printed as `name = value`.
    let stats = format!(
        "{ping}\n--- 10.244.1.2 ping statistics ---\n1 packets transmitted, 1 received, 0% packet loss, time 0ms\nrtt min/avg/max/mdev = 0.054/0.054/0.054/0.000 ms\n"
    );
    assert_eq!(commands_of(&stats), ["ping -c 1 10.244.1.2"]);
    assert_eq!(
        commands_of(
            "sudo tcpdump -i flannel.1\ntcpdump: verbose output suppressed, use -v or -vv for full protocol decode\nlistening on flannel.1, link-type EN10MB (Ethernet), capture size 262144 bytes\n"
        ),
        ["sudo tcpdump -i flannel.1"]
    );
    assert_eq!(
        commands_of("crictl ps\nCONTAINER      IMAGE     NAME\nabc123def      nginx     web\n"),
        ["crictl ps"]
    );
    assert_eq!(
        commands_of("ip route\ndefault via 10.0.2.2 dev eth0\nblackhole 10.244.1.0/24\n"),
        ["ip route"]
    );
    assert_eq!(
        commands_of("sysctl net.ipv4.ip_forward\nnet.ipv4.ip_forward = 0\n"),
        ["sysctl net.ipv4.ip_forward"]
    );
    // Under a curl's page (closed) or its headers, a command's shape is a
    // command (probe21h: read as the page, `sysctl -w` and `tc` never ran
    // and the chapter passed); an open page's lines stay the page.
    let page =
        "curl 10.244.1.2\n<!DOCTYPE html>\n<html>\n<title>Welcome to nginx!</title>\n</html>\n";
    assert_eq!(
        commands_of(&format!(
            "{page}sysctl -w net.ipv4.ip_forward=0\ntc qdisc add dev cni0 root netem loss 100%\n"
        )),
        [
            "curl 10.244.1.2",
            "sysctl -w net.ipv4.ip_forward=0",
            "tc qdisc add dev cni0 root netem loss 100%"
        ]
    );
    assert_eq!(
        commands_of(
            "kubectl get pods -o wide\nNAME    READY   STATUS    IP         NODE\nweb-1   1/1     Running   10.0.1.2   w1\nkubectl scale deployment web --replicas=0\n"
        ),
        [
            "kubectl get pods -o wide",
            "kubectl scale deployment web --replicas=0"
        ]
    );
    assert_eq!(
        commands_of("curl -sI 10.244.1.2\nHTTP/1.1 200 OK\nServer: nginx/1.27.0\nlsmod\n"),
        ["curl -sI 10.244.1.2", "lsmod"]
    );
    assert_eq!(
        commands_of(
            "curl 10.244.1.2\n<html>\n<p>further configuration is\nrequired here</p>\n</html>\n"
        ),
        ["curl 10.244.1.2"]
    );
}

/// A fenced block in a list item (indented as the item's content) or in a
/// block quote, nested or not, and an indented block in an item, are
/// blocks, at their chapter lines, their bodies without the containers'
/// markers (read as prose, they were never replayed: the seventeenth probe
/// of issue 21). A fence left open in a quote ends with the quote.
#[test]
fn blocks_in_list_items_and_quotes_are_blocks() {
    let text = "1. A step:\n\n    ```console\n    $ ping -c 1 10.0.0.1\n    64 bytes\n    ```\n\n> ```bash\n> route -n\n> ```\n\n- item\n  > ```\n  > ip route\n  > ```\n\n* item\n\n      ping 10.0.0.2\n\n> ```\n> ls\n\nafter\n";
    let c = p(text).unwrap();
    let got: Vec<(usize, usize, &str, Vec<&str>)> = c
        .blocks
        .iter()
        .map(|b| {
            (
                b.line,
                b.end,
                b.lang.as_str(),
                b.body.iter().map(|(_, l)| l.as_str()).collect(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            (3, 6, "console", vec!["$ ping -c 1 10.0.0.1", "64 bytes"]),
            (8, 10, "bash", vec!["route -n"]),
            (13, 15, "", vec!["ip route"]),
            (19, 19, "", vec!["ping 10.0.0.2"]),
            (21, 22, "", vec!["ls"]),
        ]
    );
    assert_eq!(c.blocks[0].body[0].0, 4);
    assert_eq!(c.blocks[0].fence, "    ```console");
    // A top-level fence left open is still refused.
    assert!(p("- x\n\n```\nls\n").is_err());
}

/// probe21l: a whole line in brackets whose inside has a command's shape
/// and names a program is a subshell the reader runs, never the author's
/// remark (`(sudo ip link set cni0 down)` under a `cat`'s lines never ran);
/// remarks in prose stay remarks, cuts stay cuts.
#[test]
fn a_subshell_in_brackets_is_a_command_and_a_remark_is_not() {
    let cat = "vagrant ssh node1\ncat /run/flannel/subnet.env\nFLANNEL_NETWORK=10.244.0.0/16\nFLANNEL_SUBNET=10.244.1.1/24\n";
    for sub in [
        "(sudo ip link set cni0 down)",
        "( ip link set cni0 down )",
        "(cd /tmp && rm -f subnet.env)",
    ] {
        let got = commands_of(&format!("{cat}{sub}\nexit\n"));
        assert_eq!(got[2], sub.trim(), "{got:?}");
    }
    let c = p("```bash\nkubectl logs x\nline one\n(same node)\n(replies continue until Ctrl-C)\n(output omitted)\n(removed lines for brevity, only top few lines)\n```\n").unwrap();
    let (steps, prose) = steps(&c.blocks[0]);
    assert_eq!(steps.len(), 1, "{steps:?}");
    assert_eq!(prose.len(), 2, "{prose:?}");
}

/// probe21l: `NAME=value` before a program hides no command: the line
/// has the program's shape (`IFACE=cni0 sudo ip link set cni0 down` under a
/// ping's reply was read as the reply's); a line of assignments alone (a
/// file's) stays output.
#[test]
fn assignments_before_a_program_hide_no_command() {
    let ping = "vagrant ssh node1\nping -c 1 10.244.1.2\nPING 10.244.1.2 (10.244.1.2) 56(84) bytes of data.\n64 bytes from 10.244.1.2: icmp_seq=1 ttl=64 time=0.054 ms\n";
    for line in [
        "IFACE=cni0 sudo ip link set cni0 down",
        "A=1 B=2 sysctl -w net.ipv4.ip_forward=0",
    ] {
        let got = commands_of(&format!("{ping}{line}\n"));
        assert_eq!(got.last().map(String::as_str), Some(line), "{got:?}");
        assert!(command_shaped(line), "{line}");
    }
    assert!(is_program("LC_ALL=C kubectl get pods"));
    let got = commands_of(
        "cat /run/flannel/subnet.env\nFLANNEL_NETWORK=10.244.0.0/16\nFLANNEL_SUBNET=10.244.1.1/24 FLANNEL_MTU=1450\n",
    );
    assert_eq!(got, ["cat /run/flannel/subnet.env"]);
    for line in ["FLANNEL_MTU=1450", "A=1 B=2", "net.ipv4.ip_forward=1 x"] {
        assert!(!command_shaped(line) && !is_program(line), "{line}");
    }
}

/// probe21t's finding 7: a code span split over a quote's or an item's
/// line and a lazy continuation line (no `>`, or less indentation: the
/// same paragraph for CommonMark) is one span. Each case is checked
/// against pulldown-cmark, the renderer of `lab book --html`: the spans
/// lab reads are the code it renders, lazy lines or not.
#[test]
fn a_span_over_a_lazy_continuation_line_is_one() {
    let rendered = |text: &str| -> Vec<String> {
        pulldown_cmark::Parser::new(text)
            .filter_map(|e| match e {
                // Words as lab reads them (pulldown-cmark keeps a
                // continuation line's indentation in a span; cmark drops it).
                pulldown_cmark::Event::Code(c) => {
                    Some(c.split_whitespace().collect::<Vec<_>>().join(" "))
                }
                _ => None,
            })
            .collect()
    };
    let cases = [
        "> Take the bridge down with `sudo ip link\nset cni0 down` and ping again.\n",
        "- Take the bridge down with `sudo ip link\nset cni0 down` and ping again.\n",
        "> > Take the bridge down with `sudo ip link\n> set cni0 down` and ping again.\n",
        "> > Take it down with `sudo ip link\nset cni0 down` and ping again.\n",
        "* Take it down: `sudo ip link set\ncni0 down`\n",
        "1. Take it down:\n   `sudo ip link\nset cni0 down`\n",
        "- a\n  - Take it down: `sudo ip link\nset cni0 down`\n",
        "> - Take it down: `sudo ip link\nset cni0 down`\n",
        "- Take it down: `sudo ip link\n        set cni0 down`\n",
        // Where the paragraph does end, the span is none.
        "> Take it down: `sudo ip link\n\nset cni0 down`\n",
        "> Take it down: `sudo ip link\n# set cni0 down`\n",
        "> Take it down: `sudo ip link\n- set cni0 down`\n",
        "- Take it down: `sudo ip link\n> set cni0 down`\n",
        "> Take it down: `sudo ip link\n2. set cni0 down`\n",
        "> Take it down: `sudo ip link\n===\nset cni0 down`\n",
        "> Take it down: `sudo ip link\n<span>\nset cni0 down`\n",
        "> Take it down: `sudo ip link\n***\nset cni0 down`\n",
        "> Take it down: `sudo ip link\n<div>\nset cni0 down`\n",
    ];
    for text in cases {
        let c = p(text).unwrap();
        let read: Vec<String> = c.inline.iter().map(|s| s.code.clone()).collect();
        assert_eq!(read, rendered(text), "{text:?}");
    }
    let c = p(cases[0]).unwrap();
    assert_eq!(
        (c.inline[0].line, c.inline[0].code.as_str()),
        (1, "sudo ip link set cni0 down")
    );
}

/// probe21t: a line of 1,000,000 list markers (2 MB) was parsed in
/// quadratic time (nesting a container per marker, each reading the rest
/// of the line). Nesting is bounded: past [`MAX_NESTING`] the chapter is
/// refused at that line; up to it, read.
#[test]
fn containers_nest_at_most_max_nesting_deep() {
    let deep = format!("# T\n\n{}x\n", "- ".repeat(1_000_000));
    let e = p(&deep).unwrap_err();
    assert_eq!(e.line, Some(3), "{e}");
    assert!(
        e.message
            .contains(&format!("nested more than {MAX_NESTING} deep")),
        "{e}"
    );
    let e = p(&format!("{}x\n", "> ".repeat(MAX_NESTING + 1))).unwrap_err();
    assert_eq!(e.line, Some(1), "{e}");
    let c = p(&format!(
        "{}`sudo ip link set cni0 down`\n",
        "> - ".repeat(MAX_NESTING / 2)
    ))
    .unwrap();
    assert_eq!(c.inline.len(), 1);
}
