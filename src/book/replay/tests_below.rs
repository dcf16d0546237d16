//! A remark in brackets on its own line right under a command's output
//! (`(then all echoes were lost)` under a ping's replies, `(node2 answered a
//! few seconds later)` under its header alone, a claim after a cut's note):
//! the author's claim about what the command got. probe21ca (W4) found it
//! dropped silently, the command `match` (or `skipped` as cut), while the
//! same line under `kubectl logs`, inside its output, was not understood.
//! It is read as a command's remark is, strictly: its claims held against
//! the lab, else the command is not understood naming the line.

use super::tests_drift::on_netns;
use super::*;

const NEAR: &str = "PING 10.244.1.2 (10.244.1.2) 56(84) bytes of data.\n64 bytes from 10.244.1.2: icmp_seq=1 ttl=64 time=0.054 ms\n64 bytes from 10.244.1.2: icmp_seq=2 ttl=64 time=0.060 ms\n";
const FAR: &str = "PING 10.244.2.2 (10.244.2.2) 56(84) bytes of data.\n";

/// `vagrant ssh node1`, then `ping` of `ip` with `output` and `below` in
/// the same block, then `exit`: the ping's report.
async fn ping_with(ip: &str, output: &str, below: &str) -> CommandReport {
    let text = format!("```bash\nvagrant ssh node1\nping {ip}\n{output}{below}\nexit\n```\n");
    let r = on_netns(&text).await;
    r.blocks[0].commands[1].clone()
}

/// Seen failing first: each was `match` (the near ping) or `skipped` as
/// cut (the far one's header), the line named nowhere.
#[tokio::test]
async fn a_claim_below_a_pings_output_is_read_or_not_understood() {
    for below in [
        "(every later echo timed out)",
        "(flannel.1 carried this one)",
        "(node1 stopped answering after this)",
        "(output truncated)\n(node1 stopped answering after this)",
        "...\n(every later echo timed out)",
        // Filler words alone under output still claim (a remark of a
        // command's line that says them claims nothing).
        "(both pods are still running)",
    ] {
        let p = ping_with("10.244.1.2", NEAR, below).await;
        assert_eq!(p.verdict, Verdict::NotUnderstood, "{below}: {p:?}");
        let claim = below.lines().last().unwrap();
        let reason = p.reason.as_deref().unwrap_or_default();
        assert!(
            reason.contains(claim) && reason.contains("below this command's output"),
            "{below}: {reason}"
        );
    }
    // Read, and wrong: the lab's ping got its replies.
    let p = ping_with("10.244.1.2", NEAR, "(then all echoes were lost)").await;
    assert_eq!(p.verdict, Verdict::Drift, "{p:?}");
    assert!(
        p.differences
            .iter()
            .any(|d| d.contains("… (then all echoes were lost)") && d.contains("no answer")),
        "{p:?}"
    );
    // Under the far ping's header alone: a claim is no cut.
    let p = ping_with("10.244.2.2", FAR, "(node2 answered a few seconds later)").await;
    assert_eq!(p.verdict, Verdict::NotUnderstood, "{p:?}");
    // Read, and wrong: the lab's far ping got none.
    let p = ping_with("10.244.2.2", FAR, "(then it worked)").await;
    assert_eq!(p.verdict, Verdict::Drift, "{p:?}");
}

/// A cut's note stays a cut, an instruction to the reader claims nothing,
/// and a claim lab reads that holds passes: none is a failure (probe21ca's
/// W2 showed that rejecting ordinary notes is a wrong red).
#[tokio::test]
async fn a_cut_an_instruction_or_a_true_claim_below_the_output_passes() {
    for below in [
        "(more replies omitted)",
        "(output truncated)",
        "(removed lines for brevity, only top few lines)",
        "(press Ctrl-C to stop)",
        "(see above)",
        "(replies continue until Ctrl-C)",
        "(it replies)",
    ] {
        let p = ping_with("10.244.1.2", NEAR, below).await;
        assert_eq!(p.verdict, Verdict::Match, "{below}: {p:?}");
    }
}

/// A claim right under a command that shows no output, and one in the
/// output block below the command (inside its lines, or under them), are
/// the command's too. Seen failing first: skipped (no output shown), and
/// `match`.
#[tokio::test]
async fn a_claim_under_a_bare_command_or_in_the_output_block_below_is_its() {
    let text = "```bash\nvagrant ssh node1\nping -c 2 10.244.1.2\n(no reply)\nexit\n```\n";
    let r = on_netns(text).await;
    let p = &r.blocks[0].commands[1];
    assert_eq!(p.verdict, Verdict::Drift, "{p:?}");
    for (output, want) in [
        (
            format!("{NEAR}(every later echo timed out)\n"),
            "below this command's output",
        ),
        (
            "PING 10.244.1.2 (10.244.1.2) 56(84) bytes of data.\n(flannel.1 carried this one)\n64 bytes from 10.244.1.2: icmp_seq=1 ttl=64 time=0.054 ms\n".to_string(),
            "inside this command's output",
        ),
    ] {
        let text = format!("```bash\nvagrant ssh node1\nping -c 2 10.244.1.2\n```\n\n```text\n{output}```\n");
        let r = on_netns(&text).await;
        let p = &r.blocks[0].commands[1];
        assert_eq!(p.verdict, Verdict::NotUnderstood, "{output}: {p:?}");
        let reason = p.reason.as_deref().unwrap_or_default();
        assert!(reason.contains(want), "{reason}");
    }
}

/// tcpdump's packet line, then a claim of what came after.
#[tokio::test]
async fn a_claim_below_a_captures_packets_is_not_understood() {
    let text = "```bash\nvagrant ssh node1\nsudo tcpdump -i flannel.1\ntcpdump: verbose output suppressed, use -v[v]... for full protocol decode\nlistening on flannel.1, link-type EN10MB (Ethernet), snapshot length 262144 bytes\n12:00:00.000001 IP 10.244.1.0 > 10.244.2.2: ICMP echo request, id 7, seq 1, length 64\n(then the capture stopped: no replies seen)\n```\n";
    let r = on_netns(text).await;
    let p = &r.blocks[0].commands[1];
    assert_eq!(p.verdict, Verdict::NotUnderstood, "{p:?}");
}

/// A claim under an `apply`'s messages: the line's meaning, done after
/// its remarks were read, left it `skipped` and the claim unsaid. Seen
/// failing first: skipped.
#[tokio::test]
async fn a_claim_below_an_applys_messages_is_not_understood() {
    let text = "```bash\nkubectl --kubeconfig ./admin.conf apply -f nginx-deployment.yaml\n\ndeployment.apps/nginx-deployment created\n(wait until both pods are Running)\n```\n";
    let r = on_netns(text).await;
    let p = &r.blocks[0].commands[0];
    assert_eq!(p.verdict, Verdict::NotUnderstood, "{p:?}");
    let reason = p.reason.as_deref().unwrap_or_default();
    assert!(
        reason.contains("(wait until both pods are Running)"),
        "{reason}"
    );
}

/// A ping's header with a claim below it that holds (`(no reply)`, the
/// lab's far ping got none) is skipped, and the reason says a remark
/// stands for its replies, never that the book cut its output (a claim
/// is no cut). Seen failing first: "the book cut its output".
#[tokio::test]
async fn a_true_claim_below_a_pings_header_is_no_cut() {
    let p = ping_with("10.244.2.2", FAR, "(no reply)").await;
    assert_eq!(p.verdict, Verdict::Skipped, "{p:?}");
    let reason = p.reason.as_deref().unwrap_or_default();
    assert!(
        reason.contains("a remark in brackets below it") && !reason.contains("cut its output"),
        "{reason}"
    );
}

/// probe21cb, F1: a comment right under a command's output, no blank line
/// between, with a blank line below it before the next command, is the
/// upper command's claim, read as a bracketed one there is. Seen failing
/// first: joined to the next ping's remark, where the claim held (no
/// reply, `then all echoes were lost`), and the near ping was `match`.
#[tokio::test]
async fn a_comment_glued_under_output_is_the_upper_commands_claim() {
    let block = |below: &str| {
        format!(
            "```bash\nvagrant ssh node1\nping 10.244.1.2\n{NEAR}{below}\n\nping 10.244.2.2\n\n{FAR}\nexit\n```\n"
        )
    };
    for below in ["# then all echoes were lost", "## no reply", "# ttl 63"] {
        let r = on_netns(&block(below)).await;
        let near = &r.blocks[0].commands[1];
        assert_eq!(near.verdict, Verdict::Drift, "{below}: {near:?}");
    }
    // Its words unread: not understood, naming the line.
    let r = on_netns(&block("# flannel.1 carried these")).await;
    let near = &r.blocks[0].commands[1];
    assert_eq!(near.verdict, Verdict::NotUnderstood, "{near:?}");
    assert!(
        near.reason
            .as_deref()
            .unwrap_or_default()
            .contains("# flannel.1 carried these"),
        "{near:?}"
    );
    // True, or a cut's note: the near ping matches.
    for below in ["# it replies", "# output truncated"] {
        let r = on_netns(&block(below)).await;
        let near = &r.blocks[0].commands[1];
        assert_eq!(near.verdict, Verdict::Match, "{below}: {near:?}");
    }
    // With a blank line above it, right above the command: the next
    // command's remark (probe21bk, finding 2), read there.
    let text = format!(
        "```bash\nvagrant ssh node1\nping 10.244.1.2\n{NEAR}\n# across node\nping 10.244.2.2\n\n{FAR}\nexit\n```\n"
    );
    let c = crate::book::parse::parse(std::path::Path::new("c.md"), text.as_bytes()).unwrap();
    let (steps, _) = crate::book::parse::steps(&c.blocks[0]);
    assert_eq!(steps[2].remark.as_deref(), Some("across node"), "{steps:?}");
    assert!(steps[1].remarks_below.is_empty(), "{steps:?}");
    let c = crate::book::parse::parse(std::path::Path::new("c.md"), block("# ttl 63").as_bytes())
        .unwrap();
    let (steps, _) = crate::book::parse::steps(&c.blocks[0]);
    assert_eq!(steps[2].remark, None, "{steps:?}");
    assert_eq!(steps[1].remarks_below.len(), 1, "{steps:?}");
}

/// probe21cb F3: `from NODE` after a word of an answer (`reply from
/// node2`, `no answer from node2`, `the reply comes from node2`) names the
/// node that answered, held against the pinged address's node by the
/// book's tables; it was read as "typed from NODE". Seen failing first:
/// the true ones drifted ("typed from node2 … node1's session"), the false
/// ones (node1 said of node2's pod's address) passed.
#[tokio::test]
async fn from_a_node_after_a_reply_names_who_answered() {
    // The book's table puts 10.244.1.2 on node1 and 10.244.2.2 on node2.
    let table = "```bash\nkubectl --kubeconfig ./admin.conf get pods -o wide\n\nNAME                                READY     STATUS    RESTARTS   AGE       IP           NODE\nnginx-deployment-75675f5897-4dm42   1/1       Running   0          2m        10.244.1.2   node1\nnginx-deployment-75675f5897-rfj56   1/1       Running   0          2m        10.244.2.2   node2\n```\n\n";
    let ping = |ip: &str, output: &str, below: &str| {
        format!("{table}```bash\nvagrant ssh node1\nping {ip}\n{output}{below}\nexit\n```\n")
    };
    let ran = |text: String| async move { on_netns(&text).await.blocks[1].commands[1].clone() };
    for (ip, output, below) in [
        ("10.244.1.2", NEAR, "(reply from node1)"),
        ("10.244.1.2", NEAR, "(the reply comes back from node1)"),
        ("10.244.2.2", FAR, "(no reply from node2)"),
        ("10.244.2.2", FAR, "(no answer from node2)"),
    ] {
        let p = ran(ping(ip, output, below)).await;
        assert!(
            p.differences.is_empty() && matches!(p.verdict, Verdict::Match | Verdict::Skipped),
            "{below}: {p:?}"
        );
    }
    for (ip, output, below, node) in [
        ("10.244.1.2", NEAR, "(reply from node2)", "node1"),
        ("10.244.1.2", NEAR, "(answered from node2)", "node1"),
        ("10.244.2.2", FAR, "(no reply from node1)", "node2"),
    ] {
        let p = ran(ping(ip, output, below)).await;
        assert_eq!(p.verdict, Verdict::Drift, "{below}: {p:?}");
        assert!(
            p.differences.iter().any(|d| d
                .contains(&format!("but the book's own tables put it on {node}"))
                && !d.contains("typed from")),
            "{below}: {p:?}"
        );
    }
    // On the command's line too; a bare `from node1` is still the session.
    for (remark, drift) in [
        ("(no reply from node2)", None),
        ("(across node, no reply from node2)", None),
        ("(from node1)", None),
        (
            "(across node, no answer from node1)",
            Some(
                "the remark says 10.244.2.2 is on node1, but the book's own tables put it on node2",
            ),
        ),
        (
            "(from node2)",
            Some("the remark says the line is typed from node2"),
        ),
    ] {
        let text = format!(
            "{table}```bash\nvagrant ssh node1\nping 10.244.2.2 {remark}\n{FAR}exit\n```\n"
        );
        let p = ran(text).await;
        match drift {
            None => assert!(
                p.differences.is_empty() && matches!(p.verdict, Verdict::Match | Verdict::Skipped),
                "{remark}: {p:?}"
            ),
            Some(d) => assert!(
                p.differences.iter().any(|x| x.contains(d)),
                "{remark}: {p:?}"
            ),
        }
    }
}

/// probe21cb, F4: notes that the output went on or that the author
/// stopped it, under a ping's replies, claim nothing of what it held (as
/// `...` and `^C`); `replies keep coming` claims replies, held against the
/// lab. Seen failing first: each note was not understood.
#[tokio::test]
async fn a_note_that_the_output_went_on_or_was_stopped_passes() {
    for below in [
        "(and so on)",
        "(etc.)",
        "(output continues)",
        "(more lines follow)",
        "(repeats until stopped)",
        "(Ctrl-C pressed here)",
        "(stopped with Ctrl-C)",
        "(and so on, until you press Ctrl-C)",
        "(replies keep coming until Ctrl-C)",
        "(output truncated, press Ctrl-C to stop)",
    ] {
        let p = ping_with("10.244.1.2", NEAR, below).await;
        assert_eq!(p.verdict, Verdict::Match, "{below}: {p:?}");
    }
    // Read, and wrong: the lab's far ping got no reply.
    let p = ping_with("10.244.2.2", FAR, "(replies keep coming until Ctrl-C)").await;
    assert_eq!(p.verdict, Verdict::Drift, "{p:?}");
    // A claim beside a note is still read.
    let p = ping_with("10.244.1.2", NEAR, "(and so on, flannel.1 carried them)").await;
    assert_eq!(p.verdict, Verdict::NotUnderstood, "{p:?}");
}

/// probe21cb, F4 (`TE0`): `replies from ADDR`, ADDR the command's own
/// address, says that address replied: held against the lab; any other
/// address is no claim lab reads. Seen failing first: the first was not
/// understood.
#[tokio::test]
async fn replies_from_the_commands_own_address_is_read() {
    let p = ping_with("10.244.1.2", NEAR, "(replies from 10.244.1.2)").await;
    assert_eq!(p.verdict, Verdict::Match, "{p:?}");
    let p = ping_with("10.244.2.2", FAR, "(replies from 10.244.2.2)").await;
    assert_eq!(p.verdict, Verdict::Drift, "{p:?}");
    let p = ping_with("10.244.1.2", NEAR, "(replies from 10.244.1.1)").await;
    assert_eq!(p.verdict, Verdict::NotUnderstood, "{p:?}");
}

/// Only the whole address: `10.244.1.23` is not `10.244.1.2`'s.
#[tokio::test]
async fn replies_from_a_longer_address_is_not_the_commands() {
    let p = ping_with("10.244.1.2", NEAR, "(replies from 10.244.1.23, ttl 64)").await;
    assert_eq!(p.verdict, Verdict::NotUnderstood, "{p:?}");
    let p = ping_with("10.244.1.2", NEAR, "(replies from 10.244.1.2, ttl 64)").await;
    assert_eq!(p.verdict, Verdict::Match, "{p:?}");
}

/// probe21cd lesser 3: a note that the output went on (`(and so on)`,
/// `(more lines follow)`, `(the same line repeats)`, `(then more output
/// until Ctrl-C)`) right under a ping's header alone says lines came
/// after it; a ping that got nothing prints none until its statistics.
/// Against the lab's far ping, which got nothing, it drifts. A cut
/// (`...`, `(output truncated)`) says only that the author left lines out:
/// still skipped. Under replies the lab's ping got, a note of going on
/// still matches. Seen failing first: skipped ("the book cut its output").
#[tokio::test]
async fn a_note_of_going_on_under_a_header_that_got_nothing_drifts() {
    for below in [
        "(and so on)",
        "(more lines follow)",
        "(the same line repeats)",
        "(then more output until Ctrl-C)",
        "(etc.)",
    ] {
        let p = ping_with("10.244.2.2", FAR, below).await;
        assert_eq!(p.verdict, Verdict::Drift, "{below}: {p:?}");
        assert!(
            p.differences
                .iter()
                .any(|d| d.contains(below) && d.contains("printed nothing after its header")),
            "{below}: {p:?}"
        );
    }
    for below in ["...", "(output truncated)", "(Ctrl-C pressed here)"] {
        let p = ping_with("10.244.2.2", FAR, below).await;
        assert_eq!(p.verdict, Verdict::Skipped, "{below}: {p:?}");
    }
    for below in [
        "(and so on)",
        "(the same line repeats)",
        "(then more output until Ctrl-C)",
    ] {
        let p = ping_with("10.244.1.2", NEAR, below).await;
        assert_eq!(p.verdict, Verdict::Match, "{below}: {p:?}");
    }
}

/// probe21cd, G1 and lesser 1: a note that says the output stopped (what
/// it did) is a claim, not the author's stop; true notes of going on
/// until the author stops it pass; `after two replies` claims replies.
/// G2, lesser 2 and 5: `from NODE` after an answer's word with a verb or
/// `,` between names who answered (held against the book's tables), and
/// a bare `from NODE` under a reply is not understood. Seen failing first:
/// the false ones were `match`, `(the replies are from node1)` drifted as
/// "typed from node1"... and the true notes were not understood.
#[tokio::test]
async fn a_stopped_output_or_an_answerer_below_the_replies_is_read() {
    let table = "```bash\nkubectl --kubeconfig ./admin.conf get pods -o wide\n\nNAME                                READY     STATUS    RESTARTS   AGE       IP           NODE\nnginx-deployment-75675f5897-4dm42   1/1       Running   0          2m        10.244.1.2   node1\n```\n\n";
    let near = |below: &str| {
        format!("{table}```bash\nvagrant ssh node1\nping 10.244.1.2\n{NEAR}{below}\n\nexit\n```\n")
    };
    let ran = |text: String| async move { on_netns(&text).await.blocks[1].commands[1].clone() };
    for below in [
        "(runs until you press Ctrl-C)",
        "(and so on, until Ctrl-C is pressed)",
        "(it keeps going until you stop it)",
        "(I hit Ctrl-C after two replies)",
        "(the replies are from node1)",
        "(reply received from node1)",
        "(answered by node1)",
        "# the reply is from node1",
    ] {
        let p = ran(near(below)).await;
        assert_eq!(p.verdict, Verdict::Match, "{below}: {p:?}");
    }
    for below in [
        "(then the output stopped until I pressed Ctrl-C)",
        "(stopped here until Ctrl-C)",
        "(from node2)",
        "(from node1)",
    ] {
        let p = ran(near(below)).await;
        assert_eq!(p.verdict, Verdict::NotUnderstood, "{below}: {p:?}");
    }
    for below in [
        "(the replies are from node2)",
        "(replies, from node2)",
        "# the reply is from node2",
    ] {
        let p = ran(near(below)).await;
        assert_eq!(p.verdict, Verdict::Drift, "{below}: {p:?}");
        assert!(
            p.differences
                .iter()
                .any(|d| d.contains("tables put it on node1")),
            "{below}: {p:?}"
        );
    }
    let p = ping_with("10.244.2.2", FAR, "(I hit Ctrl-C after two replies)").await;
    assert_eq!(p.verdict, Verdict::Drift, "{p:?}");
}

/// probe21cd, G4: a comment glued under a command (its output, or its line
/// where it shows none) is at least that command's claim, wherever the
/// blank lines are: glued to the next command too (`GB1`), a blank line
/// below it under a bare command line (`GD1`). Seen failing first: each was the next ping's
/// remark only, where the claim held, and the near ping was `match` (or
/// `skipped`, showing no output).
#[tokio::test]
async fn a_comment_glued_under_a_command_is_at_least_its_claim() {
    let near = "ping 10.244.1.2";
    let far = format!("ping 10.244.2.2\n\n{FAR}\nexit");
    for (between, claim) in [
        (format!("{NEAR}# ttl 63\n"), "# ttl 63"),
        (format!("{NEAR}# then all echoes were lost\n"), "lost"),
        ("# then all echoes were lost\n\n".to_string(), "lost"),
    ] {
        let text = format!("```bash\nvagrant ssh node1\n{near}\n{between}{far}\n```\n");
        let r = on_netns(&text).await;
        let c = &r.blocks[0].commands[1];
        assert_eq!(c.verdict, Verdict::Drift, "{between}: {c:?}");
        assert!(format!("{c:?}").contains(claim), "{between}: {c:?}");
    }
    // Between blank lines under the output it is a title of the next
    // (probe21ce, H5, which took back `GB4`'s reading for both): the near
    // ping is not held to it. Seen failing first: drift on the near ping.
    let between = format!("{NEAR}\n# now the cross-node ping\n\n");
    let text = format!("```bash\nvagrant ssh node1\n{near}\n{between}{far}\n```\n");
    let r = on_netns(&text).await;
    let c = &r.blocks[0].commands[1];
    assert_eq!(c.verdict, Verdict::Match, "{c:?}");
}

/// probe21cd, G5: in a block with prompts, a comment typed at a prompt
/// under a command's output is read as the same line without the prompt:
/// the command's claim. Seen failing first: it was prose, read by no one,
/// and the near ping `match`.
#[tokio::test]
async fn a_comment_at_a_prompt_under_output_is_the_commands_claim() {
    for (comment, verdict) in [
        ("# ttl 63", Verdict::Drift),
        ("# node2 answered every ping", Verdict::NotUnderstood),
    ] {
        let text = format!(
            "```\n$ vagrant ssh node1\nvagrant@node1:~$ ping 10.244.1.2\n{NEAR}vagrant@node1:~$ {comment}\nvagrant@node1:~$ ping 10.244.2.2\n{FAR}vagrant@node1:~$ exit\n```\n"
        );
        let r = on_netns(&text).await;
        let c = &r.blocks[0].commands[1];
        assert_eq!(c.verdict, verdict, "{comment}: {c:?}");
    }
}

/// probe21cd, G6 and lesser 6: a comment right above a block's first
/// command is its remark, as above any other command; one glued under the
/// last command's output is its claim. Seen failing first: `# ttl 63` above
/// the ping was prose (`match`), and `# Ctrl-C pressed here` under the
/// last ping's replies was compared as a line of its output (drift).
#[tokio::test]
async fn comments_at_a_blocks_edges_are_read() {
    let text = format!("```\n# ttl 63\nvagrant@node1:~$ ping 10.244.1.2\n{NEAR}```\n");
    let r = on_netns(&text).await;
    let c = &r.blocks[0].commands[0];
    assert_eq!(c.verdict, Verdict::Drift, "{c:?}");
    let text = format!(
        "```bash\n# Setup\nvagrant ssh node1\nping 10.244.1.2\n{NEAR}# Ctrl-C pressed here\n```\n"
    );
    let r = on_netns(&text).await;
    assert_eq!(r.blocks[0].verdict, Verdict::Match, "{:?}", r.blocks[0]);
}

/// probe21ce, H1: a comment right above a block's first command is a title
/// of the block: read as the line's claim only where it says what the line
/// gets (strictly, as G6 wanted), else prose. Seen failing first: the
/// titles above `vagrant ssh node1` drifted ("typed from node1") or were
/// not understood.
#[tokio::test]
async fn a_title_above_a_blocks_first_command_claims_only_what_the_line_gets() {
    for title in [
        "# from node1, ping both pods",
        "# log in to node1",
        "# same node works, across node fails",
        "# again from node1: both pods reply now",
    ] {
        let text =
            format!("```bash\n{title}\nvagrant ssh node1\nping 10.244.1.2\n{NEAR}exit\n```\n");
        let r = on_netns(&text).await;
        assert_eq!(
            r.blocks[0].verdict,
            Verdict::Match,
            "{title}: {:?}",
            r.blocks[0]
        );
    }
    for (title, verdict) in [
        ("# ttl 63", Verdict::Drift),
        ("# from node1: no reply", Verdict::Drift),
        ("# ttl sixty-three", Verdict::NotUnderstood),
        ("# ttl 64, from node1", Verdict::Match),
    ] {
        let text = format!("```\n{title}\nvagrant@node1:~$ ping 10.244.1.2\n{NEAR}```\n");
        let r = on_netns(&text).await;
        let c = &r.blocks[0].commands[0];
        assert_eq!(c.verdict, verdict, "{title}: {c:?}");
    }
}

/// probe21ce, H2: a comment typed at a prompt is placed as the same line
/// without the prompt is, and a `#` line under `vagrant ssh` right above
/// the next prompted command is that command's remark, not the login's
/// output. Seen failing first: each ping was `match`.
#[tokio::test]
async fn a_comment_at_a_prompt_is_placed_as_one_without_it() {
    for comment in [
        "vagrant@node1:~$ # ttl 63",
        "# ttl 63",
        "vagrant@node1:~$ # no reply",
    ] {
        let text = format!(
            "```\n$ vagrant ssh node1\n{comment}\nvagrant@node1:~$ ping 10.244.1.2\n{NEAR}vagrant@node1:~$ exit\n```\n"
        );
        let r = on_netns(&text).await;
        let c = &r.blocks[0].commands[1];
        assert_eq!(c.verdict, Verdict::Drift, "{comment}: {c:?}");
    }
    // Above a block's first command: its title.
    let text =
        format!("```\nvagrant@node1:~$ # ttl 63\nvagrant@node1:~$ ping 10.244.1.2\n{NEAR}```\n");
    let r = on_netns(&text).await;
    assert_eq!(r.blocks[0].commands[0].verdict, Verdict::Drift, "{r:?}");
    // Glued to both: the upper's claim and the next one's remark.
    let text = format!(
        "```\n$ vagrant ssh node1\nvagrant@node1:~$ ping 10.244.2.2\n{FAR}vagrant@node1:~$ # replies\nvagrant@node1:~$ ping 10.244.1.2\n{NEAR}vagrant@node1:~$ exit\n```\n"
    );
    let r = on_netns(&text).await;
    let far = &r.blocks[0].commands[1];
    assert_eq!(far.verdict, Verdict::Drift, "{far:?}");
    let text = format!(
        "```\n$ vagrant ssh node1\nvagrant@node1:~$ ping 10.244.1.2\n{NEAR}\nvagrant@node1:~$ # no reply\nvagrant@node1:~$ ping 10.244.1.2\n{NEAR}vagrant@node1:~$ exit\n```\n"
    );
    let r = on_netns(&text).await;
    let lower = &r.blocks[0].commands[2];
    assert_eq!(lower.verdict, Verdict::Drift, "{lower:?}");
}
