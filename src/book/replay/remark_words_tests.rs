//! The wordings [`super::read`] reads, and those it leaves unread or
//! takes for no claim.

use super::{Claim, Names, Reading, read, read_below};

fn reading(remark: &str) -> Reading {
    reading_by(read, remark)
}

fn reading_by(by: fn(&str, &Names) -> Reading, remark: &str) -> Reading {
    let nodes = ["master".to_string(), "node1".into(), "node2".into()];
    let pods = ["nginx-deployment-75675f5897-rfj56".to_string()];
    let devices = ["enp0s3".to_string(), "enp0s8".into()];
    by(
        remark,
        &Names {
            nodes: &nodes,
            pods: &pods,
            devices: &devices,
        },
    )
}

fn claims(remark: &str) -> Vec<Claim> {
    match reading(remark) {
        Reading::Claims(c) => c,
        other => panic!("{remark}: {other:?}"),
    }
}

/// probe21bh, finding 3: the reader before (`remark_claims::claim`) knew
/// `same node`, `across node(s)` and `other node` only; `same-node`, `same
/// host`, `local`, `pod on node2`, `across node: works` were no claim
/// there (the it test `probe21bh_remarks` was seen failing on them).
#[test]
fn wordings_of_place_and_outcome_are_read() {
    use Claim::*;
    for (remark, want) in [
        ("same node", vec![SameNode(true)]),
        ("same-node", vec![SameNode(true)]),
        ("Same Host", vec![SameNode(true)]),
        ("on the same node", vec![SameNode(true)]),
        ("local", vec![SameNode(true)]),
        ("node-local", vec![SameNode(true)]),
        ("across node", vec![SameNode(false)]),
        ("Across nodes", vec![SameNode(false)]),
        ("cross-node", vec![SameNode(false)]),
        ("cross node", vec![SameNode(false)]),
        ("other node", vec![SameNode(false)]),
        ("on another host", vec![SameNode(false)]),
        ("remote pod", vec![SameNode(false)]),
        ("inter-node", vec![SameNode(false)]),
        ("not same node", vec![SameNode(false)]),
        ("not across node", vec![SameNode(true)]),
        ("from node1", vec![From("node1".into())]),
        ("from master", vec![From("master".into())]),
        (
            "pod on node2",
            vec![OnNode {
                node: "node2".into(),
                on: true,
                pod: true,
            }],
        ),
        (
            "node2's pod",
            vec![OnNode {
                node: "node2".into(),
                on: true,
                pod: true,
            }],
        ),
        (
            "on node1",
            vec![OnNode {
                node: "node1".into(),
                on: true,
                pod: false,
            }],
        ),
        (
            "same node as nginx-deployment-75675f5897-rfj56",
            vec![SameNodeAs {
                pod: "nginx-deployment-75675f5897-rfj56".into(),
                same: true,
            }],
        ),
        (
            "from node1 to node2",
            vec![
                From("node1".into()),
                OnNode {
                    node: "node2".into(),
                    on: true,
                    pod: true,
                },
            ],
        ),
        ("works", vec![Reaches(true)]),
        ("replies", vec![Reaches(true)]),
        ("no reply", vec![Reaches(false)]),
        ("doesn't work", vec![Reaches(false)]),
        ("does not reply", vec![Reaches(false)]),
        ("times out", vec![Reaches(false)]),
        ("unreachable", vec![Reaches(false)]),
        ("across node: works", vec![SameNode(false), Reaches(true)]),
        ("across node, replies", vec![SameNode(false), Reaches(true)]),
        ("same node - fails", vec![SameNode(true), Reaches(false)]),
        (
            "across nodes, no reply",
            vec![SameNode(false), Reaches(false)],
        ),
        ("works as expected", vec![Reaches(true)]),
        // probe21bk, findings 2 and 3.
        ("between nodes", vec![SameNode(false)]),
        ("node to node", vec![SameNode(false)]),
        ("host-to-host", vec![SameNode(false)]),
        ("off-node", vec![SameNode(false)]),
        ("fixed", vec![Reaches(true)]),
        (
            "across node, all good",
            vec![SameNode(false), Reaches(true)],
        ),
        ("across node, healthy", vec![SameNode(false), Reaches(true)]),
        ("across node, up", vec![SameNode(false), Reaches(true)]),
        (
            "across node, resolved",
            vec![SameNode(false), Reaches(true)],
        ),
        ("same node, down", vec![SameNode(true), Reaches(false)]),
        ("back on the host", vec![BackHome]),
        (
            "node1 -> node2, works now",
            vec![
                From("node1".into()),
                OnNode {
                    node: "node2".into(),
                    on: true,
                    pod: true,
                },
                Reaches(true),
            ],
        ),
        ("back to my machine", vec![BackHome]),
        (
            "from node1, back home",
            vec![From("node1".into()), BackHome],
        ),
    ] {
        assert_eq!(claims(remark), want, "{remark}");
    }
}

/// A remark of place or outcome lab cannot read is said to be unread, not
/// taken for no claim. probe21bk's cases (below) were no claim, or their
/// unread part dropped; seen failing with the rule on a word lab does not
/// read off (`100% loss` then read as `loss` alone).
#[test]
fn a_claim_in_other_words_is_unread() {
    for remark in [
        "same node as the old one",
        "100% loss",
        "across node, works but not always",
        "should work but doesn't",
        "same node across",
        "from node1 to 10.244.3.3",
        // probe21bk, findings 2 and 3: once taken for notes that claim
        // nothing, or their unread words dropped.
        "between the pods",
        "off the overlay",
        "across node, fixed since the patch",
        "from the top node",
        "same as above",
        "node to the pod",
    ] {
        assert!(
            matches!(reading(remark), Reading::Unread(_)),
            "{remark}: {:?}",
            reading(remark)
        );
    }
}

/// Ordinary notes claim nothing.
#[test]
fn a_note_claims_nothing() {
    for remark in ["ping the pod", "as expected", "the second ping"] {
        assert_eq!(reading(remark), Reading::NoClaim, "{remark}");
    }
}

/// probe21bm, wrong reds 4: an instruction or pointer to the reader claims
/// nothing by itself (`press Ctrl-C to stop`, `see below`, `check
/// connectivity`, `same as before`, `hangs until Ctrl-C`'s end); a path's
/// device is read as its place (`flannel.1`, `overlay`: across; `cni0`:
/// the same node); a TTL is a claim (`note the ttl=64`, `ttl 63`). A part
/// that also says a wrong or unread thing is still read as such. Seen
/// failing before `IMPERATIVES`, the devices and `Claim::Ttl`: each
/// `Unread`.
#[test]
fn instructions_devices_and_ttls_are_read() {
    use Claim::*;
    for (remark, want) in [
        ("same node, press Ctrl-C to stop", vec![SameNode(true)]),
        ("across node, see below", vec![SameNode(false)]),
        ("same node, same as before", vec![SameNode(true)]),
        (
            "across node, hangs until Ctrl-C",
            vec![SameNode(false), Reaches(false)],
        ),
        ("same node, note the ttl=64", vec![SameNode(true), Ttl(64)]),
        ("across node, ttl 63", vec![SameNode(false), Ttl(63)]),
        (
            "across node, through flannel.1",
            vec![SameNode(false), SameNode(false), Reaches(true)],
        ),
        ("over the overlay", vec![SameNode(false)]),
        ("via cni0", vec![SameNode(true)]),
        ("see below, works", vec![Reaches(true)]),
        ("note: fails", vec![Reaches(false)]),
    ] {
        assert_eq!(claims(remark), want, "{remark}");
    }
    for remark in [
        "check connectivity",
        "see below",
        "press Ctrl-C to stop",
        "as before",
    ] {
        assert_eq!(reading(remark), Reading::NoClaim, "{remark}");
    }
    for remark in [
        "see the pod on the other side",
        "note the ttl",
        "across node, ttl 63: one hop more",
        "same node through flannel.1",
        "hangs until it is fixed",
    ] {
        assert!(
            !matches!(reading(remark), Reading::NoClaim),
            "{remark}: {:?}",
            reading(remark)
        );
    }
}

/// probe21bp, lesser 4: an instruction opened by `stop`, `test` or the
/// interrupt itself (`Ctrl+C to stop`) claims nothing; `node1 to node2`
/// is `from node1 to node2`; `ttl: 63`, `ttl of 63` are TTLs; a node's
/// device (`via enp0s8`) is the way across nodes; a book pod's name, whole
/// or its last part, is the pod reached. A pod or device lab does not know,
/// a negated one, a TTL it cannot read stay unread. Seen failing before
/// these were read: each `Unread`.
#[test]
fn instructions_pods_devices_and_ttl_forms_are_read() {
    use Claim::*;
    let rfj56 = || Pod("nginx-deployment-75675f5897-rfj56".into());
    for (remark, want) in [
        ("same node, Ctrl+C to stop", vec![SameNode(true)]),
        ("across node, stop it with Ctrl-C", vec![SameNode(false)]),
        ("test connectivity; same node", vec![SameNode(true)]),
        ("across node, ttl: 64", vec![SameNode(false), Ttl(64)]),
        ("across node, ttl of 63", vec![SameNode(false), Ttl(63)]),
        ("TTL is 63", vec![Ttl(63)]),
        (
            "across node, via enp0s8",
            vec![SameNode(false), SameNode(false), Underlay("enp0s8".into())],
        ),
        ("same node, pod rfj56", vec![SameNode(true), rfj56()]),
        ("to nginx-deployment-75675f5897-rfj56", vec![rfj56()]),
        (
            "node1 to node2",
            vec![
                From("node1".into()),
                OnNode {
                    node: "node2".into(),
                    on: true,
                    pod: true,
                },
            ],
        ),
    ] {
        assert_eq!(claims(remark), want, "{remark}");
    }
    for remark in ["Ctrl+C to stop", "stop it with Ctrl-C", "test connectivity"] {
        assert_eq!(reading(remark), Reading::NoClaim, "{remark}");
    }
    for remark in [
        "same node, pod xyz12",
        "not via enp0s8",
        "same node via enp0s8",
        "via eth0",
        "ttl 64-1",
        "ttl=0x40",
        "stop it once it replies",
        "not rfj56",
        // probe21bt finding 3: an instruction hiding a claim lab does
        // not read (seen failing before `INSTRUCTION_OBJECTS`: NoClaim).
        "across node, see it stall",
        "verify latency is low",
        "check it is quick",
    ] {
        assert!(
            matches!(reading(remark), Reading::Unread(_)),
            "{remark}: {:?}",
            reading(remark)
        );
    }
}

/// probe21bu finding 1: the words after `until Ctrl-C` are the part's
/// (`wait until ctrl-c shows no reply` claims no reply; `replies until
/// ctrl-c then fails` says two outcomes). Wrong reds of the same probe:
/// `wait a few seconds`, `give it a second` claim nothing. Seen failing
/// before `without_interrupt_span`: the first three claimed only
/// `SameNode(false)` (the rest thrown away, a plain match on a ping that
/// replies); before the list words: the last two `Unread`.
#[test]
fn words_after_the_interrupt_are_read() {
    use Claim::*;
    // Read whole, or left unread (a not-understood block): never the place
    // alone.
    for (remark, outcome) in [
        ("across node, wait until ctrl-c shows no reply", false),
        ("across node, until ctrl-c it fails", false),
        ("across node, replies until you press ctrl-c", true),
    ] {
        match reading(remark) {
            Reading::Claims(c) => assert!(c.contains(&Reaches(outcome)), "{remark}: {c:?}"),
            Reading::Unread(_) => {}
            Reading::NoClaim => panic!("{remark}: no claim"),
        }
    }
    assert_eq!(
        claims("across node, replies until you press ctrl-c"),
        vec![SameNode(false), Reaches(true)]
    );
    // Two outcomes: either read both (the replay finds them at odds) or
    // leave the part unread; never only the first.
    match reading("across node, replies until ctrl-c then fails") {
        Reading::Claims(c) => assert!(c.contains(&Reaches(false)), "{c:?}"),
        Reading::Unread(_) => {}
        Reading::NoClaim => panic!("two outcomes read as no claim"),
    }
    for remark in [
        "across node, wait a few seconds",
        "across node, give it a second",
    ] {
        assert_eq!(claims(remark), vec![SameNode(false)], "{remark}");
    }
}

/// probe21ca, W4: under a command's output, a remark is said of what the
/// command got, so one that claims nothing is an instruction or pointer
/// to the reader in every part; filler words alone are a claim lab does
/// not read there (a command's own remark of them claims nothing). Seen
/// failing with `read_below` as `read`: the filler ones were no claim.
#[test]
fn under_the_output_only_an_instruction_claims_nothing() {
    use Claim::*;
    let below = |r: &str| reading_by(read_below, r);
    for remark in [
        "press Ctrl-C to stop",
        "see above",
        "same as before",
        "until Ctrl-C",
        "wait a few seconds",
    ] {
        assert_eq!(below(remark), Reading::NoClaim, "{remark}");
    }
    for remark in [
        "both pods are still running",
        "ping the pod",
        "then it was done",
        "not always",
        "see above; the second ping",
        // Unread as a command's remark too.
        "every later echo timed out",
        "flannel.1 carried this one",
        "node2 answered a few seconds later",
        "the pod answered on the second try",
    ] {
        assert!(
            matches!(below(remark), Reading::Unread(_)),
            "{remark}: {:?}",
            below(remark)
        );
    }
    for (remark, want) in [
        ("then all echoes were lost", vec![Reaches(false)]),
        ("replies continue until Ctrl-C", vec![Reaches(true)]),
        ("no reply, press Ctrl-C", vec![Reaches(false)]),
    ] {
        assert_eq!(below(remark), Reading::Claims(want), "{remark}");
    }
}

/// probe21cb F3: `from NODE` right after a word of an answer names who
/// answered (the address's node, as `node2's pod replies` says), not the
/// session. Seen failing first: `From("node2")`.
#[test]
fn from_a_node_after_an_answer_is_the_answerer() {
    use Claim::*;
    let on = |n: &str| OnNode {
        node: n.into(),
        on: true,
        pod: true,
    };
    for (remark, want) in [
        ("reply from node2", vec![Reaches(true), on("node2")]),
        ("no reply from node2", vec![Reaches(false), on("node2")]),
        (
            "the reply comes from node2",
            vec![Reaches(true), on("node2")],
        ),
        (
            "replies come back from node2",
            vec![Reaches(true), on("node2")],
        ),
        ("answered from node1", vec![Reaches(true), on("node1")]),
        (
            "works from node1",
            vec![Reaches(true), From("node1".into())],
        ),
        ("from node1", vec![From("node1".into())]),
    ] {
        assert_eq!(claims(remark), want, "{remark}");
    }
}

/// probe21cb, F4 and probe21ca's WC16: under the output, a note that the
/// output went on or that the author stopped it claims nothing, alone or
/// beside an instruction or a cut's note; `replies keep coming` claims
/// replies; a claim beside such a note is still read, and what says what
/// came back still is a claim or unread. Seen failing first: every note
/// was unread.
#[test]
fn under_the_output_a_note_of_going_on_or_stopping_claims_nothing() {
    use Claim::*;
    let below = |r: &str| reading_by(read_below, r);
    for remark in [
        "and so on",
        "etc.",
        "output continues",
        "continues",
        "repeats",
        "and more",
        "more lines follow",
        "repeats until stopped",
        "Ctrl-C pressed here",
        "stopped with Ctrl-C",
        "and so on, until you press Ctrl-C",
        "output truncated, press Ctrl-C to stop",
        "output truncated; press Ctrl-C to stop",
        "more replies omitted; stop with Ctrl-C",
    ] {
        assert_eq!(below(remark), Reading::NoClaim, "{remark}");
    }
    for (remark, want) in [
        ("replies keep coming until Ctrl-C", vec![Reaches(true)]),
        ("and so on, ttl 63", vec![Ttl(63)]),
        ("no reply until Ctrl-C", vec![Reaches(false)]),
        ("then all echoes were lost", vec![Reaches(false)]),
        ("ttl 63", vec![Ttl(63)]),
    ] {
        assert_eq!(below(remark), Reading::Claims(want), "{remark}");
    }
    for remark in [
        "every later echo timed out",
        "flannel.1 carried this one",
        "stopped",
        "and so on, flannel.1 carried them",
        "Ctrl-C pressed once node2 answered",
    ] {
        assert!(
            matches!(below(remark), Reading::Unread(_)),
            "{remark}: {:?}",
            below(remark)
        );
    }
}

/// probe21cd G2 and lesser 2: `from NODE` in a part that speaks of an
/// answer anywhere before it (a verb or `,`/`:` between) names who
/// answered, or is not understood; never the session. Lesser 5: under the
/// output a bare `from NODE` is not understood (on the command's line it
/// is the session). Seen failing first: `From("node1")` for each verb
/// form, unread for `received`/`coming`/`answered by`.
#[test]
fn from_a_node_anywhere_after_an_answer_is_never_the_session() {
    use Claim::*;
    let on = |n: &str| OnNode {
        node: n.into(),
        on: true,
        pod: true,
    };
    for (remark, want) in [
        (
            "the replies are from node1",
            vec![Reaches(true), on("node1")],
        ),
        ("the reply is from node1", vec![Reaches(true), on("node1")]),
        (
            "the answer was from node2",
            vec![Reaches(true), on("node2")],
        ),
        ("replies: from node1", vec![Reaches(true), on("node1")]),
        ("replies, from node1", vec![Reaches(true), on("node1")]),
        (
            "reply received from node2",
            vec![Reaches(true), on("node2")],
        ),
        (
            "replies coming from node2",
            vec![Reaches(true), on("node2")],
        ),
        ("answered by node2", vec![Reaches(true), on("node2")]),
        (
            "no reply received from node2",
            vec![Reaches(false), on("node2")],
        ),
        (
            "across node, replies are from node1",
            vec![SameNode(false), Reaches(true), on("node1")],
        ),
        (
            "from node1; the reply is from node2",
            vec![From("node1".into()), Reaches(true), on("node2")],
        ),
        ("from node1", vec![From("node1".into())]),
        (
            "works from node1",
            vec![Reaches(true), From("node1".into())],
        ),
    ] {
        assert_eq!(claims(remark), want, "{remark}");
    }
    for remark in ["reply via flannel.1 from node1", "echo requests from node1"] {
        assert!(matches!(reading(remark), Reading::Unread(_)), "{remark}");
    }
    let below = |r: &str| reading_by(read_below, r);
    assert_eq!(
        below("the reply is from node1"),
        Reading::Claims(vec![Reaches(true), on("node1")])
    );
    for remark in ["from node1", "and so on, from node1"] {
        assert!(matches!(below(remark), Reading::Unread(_)), "{remark}");
    }
    // probe21ce H3: the session's `from`, never who answered.
    for (remark, node) in [
        ("this ping comes from node2", "node2"),
        ("echoes sent from node1", "node1"),
        ("the traffic comes from node1", "node1"),
    ] {
        assert!(claims(remark).contains(&From(node.into())), "{remark}");
    }
    assert!(matches!(
        below("the error comes from node2"),
        Reading::Unread(_)
    ));
}
