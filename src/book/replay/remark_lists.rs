//! The short lists of words a command's remark is read against (place,
//! outcome, negation, filler, separators): one owner for the vocabulary
//! [`super::remark_words`] reads, so a word added to a list is added once.

/// Words of a node (`same node`, `other host`).
pub(super) const NODE_NOUNS: &[&str] = &[
    "node", "nodes", "host", "hosts", "machine", "machines", "vm", "vms", "server", "servers",
    "box", "worker", "workers", "minion",
];
/// Words that say "the session's own node" by themselves.
pub(super) const SAME_ALONE: &[&str] = &["local", "locally", "intranode", "samenode", "colocated"];
/// Words that say it with a node's word (`same node`, `this host`).
pub(super) const SAME_WITH_NOUN: &[&str] = &["same", "this", "own", "intra", "within"];
/// Words that say "another node" by themselves.
pub(super) const OTHER_ALONE: &[&str] = &[
    "across",
    "cross",
    "crossnode",
    "internode",
    "remote",
    "remotely",
    "elsewhere",
];
/// Words that say it with a node's word (`other node`, `different host`).
pub(super) const OTHER_WITH_NOUN: &[&str] = &[
    "other",
    "another",
    "different",
    "second",
    "foreign",
    "separate",
    "inter",
    "between",
    "off",
    "neighbour",
    "neighbor",
];
/// Words that negate the next word of place or outcome.
pub(super) const NEGATIONS: &[&str] = &[
    "not", "no", "non", "never", "isn't", "doesn't", "don't", "won't", "can't", "cannot",
    "without", "isnt", "doesnt", "dont", "wont", "cant", "aren't", "didn't",
];
/// Words that say the line gets its answer.
pub(super) const WORKS: &[&str] = &[
    "works",
    "work",
    "working",
    "worked",
    "ok",
    "okay",
    "fine",
    "succeeds",
    "succeed",
    "succeeded",
    "success",
    "successful",
    "successfully",
    "replies",
    "reply",
    "replied",
    "replying",
    "answers",
    "answer",
    "answered",
    "responds",
    "respond",
    "responded",
    "response",
    "responses",
    "reachable",
    "reached",
    "reaches",
    "reach",
    "pingable",
    "connects",
    "connected",
    "pong",
    "pongs",
    "alive",
    "passes",
    "through",
    "fixed",
    "good",
    "healthy",
    "resolved",
    "up",
];
/// Words that say it does not.
pub(super) const FAILS: &[&str] = &[
    "fails",
    "fail",
    "failed",
    "failing",
    "failure",
    "unreachable",
    "timeout",
    "timeouts",
    "timed",
    "broken",
    "blocked",
    "dropped",
    "drops",
    "lost",
    "loss",
    "hangs",
    "hang",
    "hung",
    "unanswered",
    "unresponsive",
    "silent",
    "nothing",
    "error",
    "errors",
    "refused",
    "dead",
    "down",
    "bad",
    "unhealthy",
];
/// Words that say nothing of place or outcome by themselves.
pub(super) const FILLER: &[&str] = &[
    "the",
    "a",
    "an",
    "to",
    "on",
    "in",
    "at",
    "of",
    "is",
    "are",
    "was",
    "were",
    "be",
    "been",
    "it",
    "its",
    "pod",
    "pods",
    "ping",
    "pings",
    "pinging",
    "pinged",
    "curl",
    "curls",
    "should",
    "will",
    "would",
    "must",
    "expected",
    "expect",
    "expecting",
    "with",
    "we",
    "you",
    "here",
    "there",
    "ip",
    "address",
    "addresses",
    "container",
    "containers",
    "via",
    "also",
    "still",
    "now",
    "both",
    "too",
    "then",
    "packets",
    "packet",
    "echo",
    "echoes",
    "icmp",
    "traffic",
    "target",
    "destination",
    "goes",
    "go",
    "get",
    "gets",
    "got",
    "over",
    "out",
    "does",
    "do",
    "did",
    "can",
    "for",
    "all",
    "each",
    "again",
    "yet",
    "back",
    "comes",
    "come",
    "any",
    "one",
    "that",
    "which",
    "same's",
    "from",
    "as",
    "running",
    "runs",
    "run",
    "pod's",
    "node's",
    // `replies continue until Ctrl-C` under a ping's header: its replies.
    "continue",
    "continues",
    "continuing",
];

/// Words that end one part of a remark and start another.
pub(super) const SEPARATORS: &[&str] = &["and", "but", "so", "-", "--", "—", "–", "->", "=>", "→"];

/// Devices and paths of traffic that leaves the node (`through
/// flannel.1`, `over the overlay`): read as across nodes (probe21bm).
pub(super) const ACROSS_DEVICES: &[&str] = &["flannel.1", "vxlan", "overlay", "tunnel"];

/// Devices of traffic that stays on the node (`via cni0`, `over the
/// bridge`): read as the same node (probe21bm).
pub(super) const SAME_DEVICES: &[&str] = &["cni0", "bridge"];

/// Imperatives that open an instruction or a pointer to the reader
/// (`press Ctrl-C to stop`, `see below`, `note the ttl=64`, `stop it with
/// Ctrl-C`, `test connectivity`; a leading `Ctrl-C to stop` is one too):
/// such a part claims nothing by its own words, only by words of place,
/// outcome or TTL it also has (probe21bm, wrong reds 4; probe21bp, lesser
/// 4).
pub(super) const IMPERATIVES: &[&str] = &[
    "press",
    "hit",
    "type",
    "see",
    "note",
    "check",
    "wait",
    "compare",
    "look",
    "watch",
    "stop",
    "test",
    "try",
    "quit",
    "interrupt",
    "verify",
    "give",
    "allow",
];

/// What an instruction to the reader may name besides its imperative and
/// the interrupt, claiming nothing (`see below`, `stop it with Ctrl-C`,
/// `test connectivity again`). Any other word in an instruction is a claim
/// lab does not read (`see it stall`, `verify latency is low`, `check it
/// is quick`: probe21bt finding 3, each passed as a note).
pub(super) const INSTRUCTION_OBJECTS: &[&str] = &[
    "below",
    "above",
    "again",
    "to",
    "it",
    "with",
    "the",
    "output",
    "connectivity",
    "connection",
    "here",
    "now",
    "first",
    "then",
    "and",
    "this",
    "that",
    "them",
    "a",
    "yourself",
    "out",
    "for",
    "once",
    "more",
    "few",
    "second",
    "seconds",
    "moment",
    "bit",
    "couple",
    "of",
    "while",
];

/// Words of an answer: `from NODE` right after one (`reply from node2`,
/// `no answer from node2`, `the reply comes back from node2`) names who
/// answered, not where the line is typed (probe21cb F3: `(no reply from
/// node2)` drifted as "typed from node2", `(reply from node1)` under
/// node2's pod's reply passed as node1's session).
const ANSWERS: &[&str] = &[
    "reply",
    "replies",
    "replied",
    "answer",
    "answers",
    "answered",
    "response",
    "responses",
    "responds",
    "respond",
    "responded",
    "comes",
    "come",
    "came",
    "pong",
    "pongs",
];

/// Whether the `from` at `at` of a part's words follows a word of an
/// answer ([`ANSWERS`]; `back` between them too): its node is the one
/// that answered.
pub(super) fn answer_before(words: &[String], at: usize) -> bool {
    words[..at]
        .iter()
        .rev()
        .find(|w| *w != "back")
        .is_some_and(|w| ANSWERS.contains(&w.as_str()))
}
