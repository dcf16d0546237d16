//! The output block below a command's block (probe21aq, finding 2): which
//! blocks are read as a command's output, and which are not.

use super::*;

const PING: &str = "```bash\nvagrant ssh node1\nping -c 1 10.244.3.3\n```\n";
const REPLY: &str = "PING 10.244.3.3 (10.244.3.3) 56(84) bytes of data.\n64 bytes from 10.244.3.3: icmp_seq=1 ttl=63 time=0.403 ms\n";

fn roles_of(text: &str) -> Vec<Role> {
    roles(&parse::parse(std::path::Path::new("c.md"), text.as_bytes()).unwrap())
}

/// `PING`, then `between`, then a block `lang` of the reply.
fn split(between: &str, lang: &str) -> String {
    format!("{PING}{between}```{lang}\n{REPLY}```\n")
}

/// Whether the first block shows its ping's output in the second.
fn paired(text: &str) -> bool {
    let r = roles_of(text);
    matches!(&r[0], Role::Shows(s) if s.line == 3 && s.output.len() == 2)
        && matches!(&r[1], Role::OutputOf { line: 3, .. })
}

/// An output block after a lead-in, or after nothing, in every language
/// that says output, unlabelled and `console` too: the ping's output,
/// at the output block's own lines; and what is no command's output is
/// not paired.
#[test]
fn an_output_block_below_is_its_commands_output() {
    for lang in [
        "text",
        "output",
        "plaintext",
        "log",
        "txt",
        "none",
        "",
        "console",
    ] {
        for between in ["\nOutput:\n\n", "\nYou should see:\n\n", "", "\n"] {
            let text = split(between, lang);
            assert!(paired(&text), "{lang:?} {between:?}: {:?}", roles_of(&text));
        }
    }
    let Role::Shows(s) = &roles_of(&split("\nOutput:\n\n", "text"))[0] else {
        panic!("no pairing")
    };
    assert_eq!(s.output_at, [9, 10]);
    assert_eq!((s.block, s.lead.as_str()), ((8, 11), "Output:"));
    assert!(s.output[1].contains("ttl=63"));
    // A command that shows its output in its own block and ends it goes
    // on with it below (probe21as, finding 1: it was not paired).
    let with_output = format!("```bash\nping -c 1 10.244.3.3\n{REPLY}```\n\n```text\n{REPLY}```\n");
    let r = roles_of(&with_output);
    assert!(
        matches!(&r[0], Role::Shows(s) if s.parts == 2 && s.output.len() == 5 && s.output[2] == CUT),
        "{r:?}"
    );
    // Not paired: a block with a line at a prompt (typed, not output),
    // an unlabelled block whose first line has a command's shape or holding a command
    // read under the ping, and data (`yaml`).
    let prompted = format!("{PING}\n```text\n$ ping -c 1 10.244.3.3\n{REPLY}```\n");
    let shaped = format!("{PING}\n```\nsysctl -w net.ipv4.ip_forward=1\n```\n");
    let holds = format!("{PING}\n```\n{REPLY}kubectl get pods\n```\n");
    let yaml = format!("{PING}\n```yaml\nkind: Pod\n```\n");
    for text in [prompted, shaped, holds, yaml] {
        assert!(
            roles_of(&text).iter().all(|r| *r == Role::Alone),
            "{text}: {:?}",
            roles_of(&text)
        );
    }
}

/// The lead-in is at most one paragraph of plain text of at most
/// [`LEAD_IN_WORDS`] words; past it, an output block is not paired and
/// says why (never a silent pass).
#[test]
fn the_lead_in_is_bounded_and_says_so_past_it() {
    let words = |n: usize| vec!["word"; n].join(" ");
    assert!(paired(&split(
        &format!("\n{}\n{}:\n\n", words(20), words(19)),
        "text"
    )));
    for between in [
        format!("\n{}:\n\n", words(LEAD_IN_WORDS + 1)),
        "\nOne paragraph.\n\nAnother one:\n\n".to_string(),
        "\n## Output\n\n".to_string(),
        "\n* Output:\n\n".to_string(),
        "\n<!-- output -->\n\n".to_string(),
        "\n---\n\n".to_string(),
    ] {
        // Lines that are no ping's output: set apart, and why.
        let prose = format!("{PING}{between}```text\nThe reply came back.\n```\n");
        let r = roles_of(&prose);
        assert_eq!(r[0], Role::Alone, "{between:?}");
        let Role::Apart(why) = &r[1] else {
            panic!("{between:?}: {r:?}")
        };
        assert!(
            why.starts_with("not read as the output of line 3's `ping -c 1 10.244.3.3`: "),
            "{why}"
        );
        // The ping's own lines, a reply among them: set apart by the rule,
        // but compared as its output all the same (probe21av, finding 2;
        // they were `Apart`, skipped, and the chapter passed).
        let r = roles_of(&split(&between, "text"));
        assert!(
            matches!(&r[0], Role::Shows(s) if s.output.len() == 2 && s.apart.is_some()),
            "{between:?}: {r:?}"
        );
        assert!(
            matches!(
                &r[1],
                Role::OutputOf {
                    line: 3,
                    apart: Some(_),
                    ..
                }
            ),
            "{between:?}: {r:?}"
        );
    }
}

/// The lead-in's inline command names whose output it is: a command of
/// the block above (not its last), or one told in prose alone, which lab
/// never runs.
#[test]
fn the_lead_ins_inline_command_names_whose_output_it_is() {
    let two = "```bash\nvagrant ssh node1\nping -c 1 10.244.1.2\nping -c 1 10.244.3.3\n```\n";
    let r = roles_of(&format!(
        "{two}\nThe output of `ping -c 1 10.244.1.2`:\n\n```text\n{REPLY}```\n"
    ));
    assert!(matches!(&r[0], Role::Shows(s) if s.line == 3), "{r:?}");
    let prose = format!(
        "{PING}\nOn node2 (`vagrant ssh node2`), run `ping -c 1 10.244.1.2`. You will see:\n\n```text\n{REPLY}```\n"
    );
    let r = roles_of(&prose);
    assert_eq!(r[0], Role::Alone);
    assert_eq!(
        r[1],
        Role::OfProse {
            line: 6,
            code: "ping -c 1 10.244.1.2".into()
        }
    );
    // With no block above it at all.
    let r = roles_of(&format!(
        "# T\n\nRun `ping -c 1 10.244.3.3`:\n\n```output\n{REPLY}```\n"
    ));
    assert!(matches!(&r[0], Role::OfProse { line: 3, .. }), "{r:?}");
}

/// A block read as output shows no output below it itself: an
/// unlabelled block of output, then a `text` block, is one output, the
/// `text` block going on with it (probe21as, finding 1: it was `Alone`).
#[test]
fn a_block_of_output_shows_no_output_itself() {
    let text = format!(
        "{PING}\n```\nPING 10.244.3.3 (10.244.3.3) 56(84) bytes of data.\n```\n\n```text\n{REPLY}```\n"
    );
    let r = roles_of(&text);
    assert!(
        matches!(&r[0], Role::Shows(s) if s.output.len() == 4 && s.parts == 2),
        "{r:?}"
    );
    assert!(
        matches!(
            &r[1],
            Role::OutputOf {
                line: 3,
                continues: false,
                ..
            }
        ),
        "{r:?}"
    );
    assert!(
        matches!(
            &r[2],
            Role::OutputOf {
                line: 3,
                continues: true,
                ..
            }
        ),
        "{r:?}"
    );
}

const HEADER: &str = "PING 10.244.3.3 (10.244.3.3) 56(84) bytes of data.\n";
const REST: &str = "64 bytes from 10.244.3.3: icmp_seq=1 ttl=62 time=0.500 ms\n\n--- 10.244.3.3 ping statistics ---\n1 packets transmitted, 1 received, 0% packet loss, time 0ms\n";

/// probe21as, finding 1: output goes on across blocks. A second output
/// block after one read as the ping's (`o1b`), three in a row, and one
/// after the ping's own header in its block (`o2b`, after "You should
/// see:") are the rest of the ping's output, after a cut; each was `Alone`
/// (skipped "not commands") before.
#[test]
fn output_going_on_in_the_next_block_is_the_commands_output() {
    for between in ["\n", "\nAnd then:\n\n", ""] {
        let text = format!("{PING}\n```text\n{HEADER}```\n{between}```text\n{REST}```\n");
        let r = roles_of(&text);
        let Role::Shows(s) = &r[0] else {
            panic!("{between:?}: {r:?}")
        };
        assert_eq!(s.parts, 2);
        assert_eq!(
            s.output[..3],
            [HEADER.trim(), CUT, REST.lines().next().unwrap()]
        );
        // The cut stands at the second block's opening fence.
        assert_eq!(s.output_at[1], 9 + between.lines().count());
        assert!(s.note().contains("in 2 parts"), "{}", s.note());
        assert!(
            matches!(
                &r[2],
                Role::OutputOf {
                    line: 3,
                    continues: true,
                    ..
                }
            ),
            "{r:?}"
        );
    }
    let three = format!(
        "{PING}\n```text\n{HEADER}```\n\n```text\n{REST}```\n\n```output\nrtt min/avg/max/mdev = 0.5/0.5/0.5/0.0 ms\n```\n"
    );
    let r = roles_of(&three);
    assert!(matches!(&r[0], Role::Shows(s) if s.parts == 3), "{r:?}");
    assert!(
        matches!(
            &r[3],
            Role::OutputOf {
                continues: true,
                ..
            }
        ),
        "{r:?}"
    );

    let own = format!(
        "```bash\nvagrant ssh node1\nping -c 1 10.244.3.3\n{HEADER}```\n\nYou should see:\n\n```text\n{REST}```\n"
    );
    let r = roles_of(&own);
    let Role::Shows(s) = &r[0] else {
        panic!("{r:?}")
    };
    assert_eq!((s.line, s.parts), (3, 2));
    assert_eq!(s.output[..2], [HEADER.trim(), CUT]);
    assert_eq!(s.output_at[..2], [4, 9]);
    assert!(
        matches!(
            &r[1],
            Role::OutputOf {
                line: 3,
                continues: true,
                ..
            }
        ),
        "{r:?}"
    );
}

/// An output block after a shell block that is not read as output says
/// why (`Apart`), never `Alone`: past the lead-in's bound from an output
/// block, from a command showing its own output, and after a command
/// whose own output is followed by `exit` (probe21an's `lt3`: a repeat of
/// the output, not its rest).
#[test]
fn an_output_block_not_read_as_output_says_why() {
    // Lines that are no ping's output (the reply's words, prose): apart.
    let words = "The reply came back.\n";
    let far = format!("{PING}\n```text\n{HEADER}```\n\n## The rest\n\n```text\n{words}```\n");
    let r = roles_of(&far);
    assert!(matches!(&r[0], Role::Shows(s) if s.parts == 1), "{r:?}");
    let Role::Apart(why) = &r[2] else {
        panic!("{r:?}")
    };
    assert!(
        why.starts_with("not read as going on with the output of line 3's `ping -c 1 10.244.3.3` (in the block above): line 10 between them is no plain text"),
        "{why}"
    );
    let own_far = format!(
        "```bash\nping -c 1 10.244.3.3\n{HEADER}```\n\n## The rest\n\n```text\n{words}```\n"
    );
    let r = roles_of(&own_far);
    assert_eq!(r[0], Role::Alone);
    assert!(
        matches!(&r[1], Role::Apart(w) if w.starts_with("not read as the output of line 2's `ping -c 1 10.244.3.3`: line 6")),
        "{r:?}"
    );
    let repeat = format!(
        "```bash\nvagrant ssh node1\nping -c 1 10.244.3.3\n{HEADER}exit\n```\n\nAs the reader saw it:\n\n```text\n{HEADER}```\n"
    );
    let r = roles_of(&repeat);
    assert_eq!(r[0], Role::Alone);
    let Role::Apart(why) = &r[1] else {
        panic!("{r:?}")
    };
    assert!(
        why.ends_with("it shows output of its own in its block, and line 5's `exit` follows it"),
        "{why}"
    );
}

/// probe21av, finding 2: an output block the lead-in rule sets apart (a
/// heading, two paragraphs, `exit` between them) whose lines are the
/// ping's own, telling what came back, is compared as its output all the
/// same, going on from the ping's own lines, and says why; unlabelled too
/// (finding 9: it was `not_understood` there, skipped as `text`). Seen
/// failing with `forced` always None in `roles` (every block below was
/// `Apart`, or `Alone` unlabelled).
#[test]
fn a_block_set_apart_that_reads_as_the_commands_output_is_compared() {
    let own = "```bash\nvagrant ssh node1\nping 10.244.3.3\nPING 10.244.3.3 (10.244.3.3) 56(84) bytes of data.\n";
    let reply = "64 bytes from 10.244.3.3: icmp_seq=1 ttl=63 time=0.403 ms\n";
    for (text, line) in [
        (
            format!("{own}```\n\n#### Output\n\n```text\n{reply}```\n"),
            3,
        ),
        (
            format!("{own}exit\n```\n\nYou should see:\n\n```text\n{reply}```\n"),
            3,
        ),
        (
            format!("{own}```\n\nOne.\n\nTwo:\n\n```text\n{reply}```\n"),
            3,
        ),
        (format!("{own}```\n\n### Output\n\n```\n{reply}```\n"), 3),
        (
            format!("{own}```\n\n### Output\n\n```console\n{reply}```\n"),
            3,
        ),
        (
            format!("{PING}\n## Output\n\n```text\n{HEADER}\n{REST}```\n"),
            3,
        ),
    ] {
        let r = roles_of(&text);
        let Role::Shows(s) = &r[0] else {
            panic!("{text}: {r:?}")
        };
        assert!(s.output.iter().any(|l| l.contains("bytes from")), "{s:?}");
        assert!(
            s.note().contains("sets that block apart") && s.note().contains("all the same"),
            "{}",
            s.note()
        );
        assert!(
            matches!(&r[1], Role::OutputOf { line: l, apart: Some(_), .. } if *l == line),
            "{text}: {r:?}"
        );
    }
    // A curl's status after a heading, `route -n`'s rows after two paragraphs.
    let curl = "```bash\ncurl -s -o /dev/null -w \"%{http_code}\" 10.244.3.3\n```\n\n#### Output\n\n```text\n200\n```\n";
    assert!(matches!(
        &roles_of(curl)[1],
        Role::OutputOf { apart: Some(_), .. }
    ));
    let route = "```bash\nroute -n\n```\n\nOne.\n\nTwo:\n\n```text\n10.244.1.0      0.0.0.0         255.255.255.0   U     0      0        0 cni0\n```\n";
    assert!(
        matches!(&roles_of(route)[1], Role::OutputOf { apart: Some(_), .. }),
        "{:?}",
        roles_of(route)
    );
}

/// probe21ay, finding 2: a block in another language than a shell's or
/// output's (`terminal`, `ansi`, `plain-text`, `json`, `python`, ...)
/// whose lines read as the command's output is compared as it, paired by a
/// lead-in or set apart by a heading; one that does not (code, prose), a
/// manifest and a patch stay what they are. Seen failing first: each was
/// `Alone`, skipped as "not commands".
#[test]
fn a_block_of_any_language_that_reads_as_output_is_compared() {
    let reply = "64 bytes from 10.244.3.3: icmp_seq=1 ttl=63 time=0.403 ms\n";
    for lang in [
        "terminal",
        "ansi",
        "plain-text",
        "console-output",
        "shell-output",
        "json",
        "yaml",
        "ini",
        "python",
        "diff",
        "mermaid",
    ] {
        for between in [
            "\nThe ping across nodes gets its reply:\n\n",
            "\n#### Output\n\n",
        ] {
            let text = format!("{PING}{between}```{lang}\n{reply}```\n");
            let r = roles_of(&text);
            assert!(
                matches!(&r[0], Role::Shows(s) if s.output == [reply.trim_end()]),
                "{lang} {between:?}: {r:?}"
            );
            assert!(
                matches!(&r[1], Role::OutputOf { line: 3, .. }),
                "{lang} {between:?}: {r:?}"
            );
        }
        // Going on from the ping's header in its own block.
        let own = format!("```bash\nping -c 1 10.244.3.3\n{HEADER}```\n\n```{lang}\n{reply}```\n");
        assert!(
            matches!(&roles_of(&own)[0], Role::Shows(s) if s.parts == 2),
            "{lang}"
        );
    }
    // Not the command's output: code, prose, a manifest, a patch.
    for (lang, body) in [
        (
            "python",
            "import requests\nprint(requests.get(URL).status_code)\n",
        ),
        ("terminal", "The reply came back.\n"),
        ("yaml", "apiVersion: v1\nkind: Pod\nmetadata:\n  name: x\n"),
        ("json", "{\"kind\": \"Pod\", \"apiVersion\": \"v1\"}\n"),
        (
            "diff",
            "--- a/flannel.yml\n+++ b/flannel.yml\n@@ -1 +1 @@\n-a\n+b\n",
        ),
    ] {
        let text = format!("{PING}\nOutput:\n\n```{lang}\n{body}```\n");
        assert_eq!(roles_of(&text), [Role::Alone, Role::Alone], "{lang}");
    }
    // A capture's packets, a kubectl table and a log in a `terminal` block.
    for (cmd, body) in [
        (
            "sudo tcpdump -i flannel.1",
            "20:55:02.971181 IP 10.244.1.0 > 10.244.3.3: ICMP echo reply, id 5874, seq 1, length 64\n",
        ),
        (
            "kubectl get nodes",
            "NAME      STATUS     ROLES     AGE       VERSION\nnode2     NotReady   <none>    3m        v1.10.0\n",
        ),
        (
            "kubectl logs -n kube-system kube-flannel-ds-zzkf7",
            "I1206 20:55:02.971181       1 main.go:475] Using interface with name enp0s8\n",
        ),
    ] {
        let text = format!("```bash\n{cmd}\n```\n\n#### Output\n\n```terminal\n{body}```\n");
        assert!(
            matches!(
                &roles_of(&text)[1],
                Role::OutputOf {
                    line: 2,
                    apart: Some(_),
                    ..
                }
            ),
            "{cmd}: {:?}",
            roles_of(&text)
        );
    }
}

/// probe21ay, finding 3: set apart by a heading, a capture's, a log's
/// and a kubectl table's lines in a `text` block are compared as their
/// command's output, as they are paired. Seen failing first: each was
/// `Apart`, skipped.
#[test]
fn a_capture_a_log_and_a_table_set_apart_are_compared() {
    for (cmd, body) in [
        (
            "sudo tcpdump -i flannel.1",
            "listening on flannel.1, link-type EN10MB (Ethernet), capture size 262144 bytes\n20:55:02.971181 IP 10.244.1.0 > 10.244.3.3: ICMP echo reply, id 5874, seq 1, length 64\n",
        ),
        (
            "kubectl --kubeconfig ./admin.conf get pods --all-namespaces -l app=flannel",
            "NAMESPACE     NAME                    READY     STATUS    RESTARTS   AGE\nkube-system   kube-flannel-ds-fj8dg   1/1       Error     0          35s\n",
        ),
        (
            "kubectl --kubeconfig ./admin.conf logs -n kube-system kube-flannel-ds-zzkf7",
            "Using interface with name enp0s8 and address 10.0.2.15\n",
        ),
    ] {
        let text = format!("```bash\n{cmd}\n```\n\n#### Output\n\n```text\n{body}```\n");
        let r = roles_of(&text);
        assert!(
            matches!(&r[0], Role::Shows(s) if s.apart.is_some() && !s.output.is_empty()),
            "{cmd}: {r:?}"
        );
        assert!(
            matches!(
                &r[1],
                Role::OutputOf {
                    line: 2,
                    apart: Some(_),
                    ..
                }
            ),
            "{cmd}: {r:?}"
        );
    }
}
