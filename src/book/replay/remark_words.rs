//! The words of a command's remark, read as the claims they make: where
//! it is typed (`from node1`; `reply from node2`: who answered), where what
//! it reaches is (`same node`, `same host`, `local`, `cross-node`, `pod on
//! node2`, `same node as POD`) and what it gets (`works`, `no reply`,
//! `unreachable`), each possibly negated (`doesn't work`). A remark written as a shell comment (`ping
//! 10.244.3.3 # same node`) is read as one in brackets is: probe21bh
//! (finding 3) found `# same node` ignored and near wordings (`(same-node)`,
//! `(local)`, `(across node: works)`) only noted, the ping `match` while
//! its remark was wrong. [`super::remark_claims`] checks what is read here.
//!
//! A remark is read word by word against short lists: the words of place
//! and of outcome, filler (`the`, `pod`, `ping`, `to`), the names of the
//! lab's nodes and of the book's pods. A remark of filler words alone is
//! an ordinary note (`ping the pod`): it claims nothing. Every other word
//! is read and checked, or the remark is [`Reading::Unread`] (`same node
//! as the old one`, `100% loss`, `between nodes`, `see above`): lab cannot
//! check it, so it must not pass the line. probe21bk (findings 2 and 3)
//! found remarks with no listed word of place or outcome (`(between
//! nodes)`, `(via flannel.1)`, `(fixed)`, `# node to node`) and unread
//! words after a read one (`(across node, fixed)`) taken for notes that
//! claim nothing, the line green though each was wrong.

/// What a remark claims, read from its words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Claim {
    /// `from NODE`: the session the line is typed in.
    From(String),
    /// `same node` (true), `across nodes` (false): whether the address the
    /// line reaches is a pod of the session's own node.
    SameNode(bool),
    /// `on NODE` (or `not on NODE`): the node of the address the line
    /// reaches; `pod`: the remark names the pod (`pod on node2`) or says
    /// `to NODE`, so it is not where the line is typed.
    OnNode { node: String, on: bool, pod: bool },
    /// `same node as POD` (or not).
    SameNodeAs { pod: String, same: bool },
    /// `works`, `replies` (true); `fails`, `no reply` (false).
    Reaches(bool),
    /// `back on the host`, `back home`: after the line the reader is on
    /// their own machine (said of an `exit`).
    BackHome,
    /// `ttl=64`, `ttl 63`, `ttl: 63`, `ttl of 63`: the TTL of the replies
    /// the line gets.
    Ttl(u8),
    /// `pod 4dm42`, `(to nginx-deployment-…-rfj56)`: the book's pod whose
    /// address the line reaches (a name of the book's tables, whole or its
    /// last part).
    Pod(String),
    /// `via enp0s8`, `over enp0s3`: the node's device the line's traffic
    /// leaves the node over to another (one of the lab's node devices).
    Underlay(String),
}

/// A remark read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Reading {
    /// Filler words alone: an ordinary note.
    NoClaim,
    /// Every claim of the remark, each read whole.
    Claims(Vec<Claim>),
    /// A part of the remark (its words) that lab does not read: a word on
    /// no list, or a claim it cannot make out.
    Unread(String),
}

use super::remark_answers::{
    FromNames, answer_words, answers_joined, bare_from, from_names, ttl_forms,
};
use super::remark_lists::{
    ACROSS_DEVICES, FAILS, FILLER, IMPERATIVES, INSTRUCTION_OBJECTS, NEGATIONS, NODE_NOUNS,
    OTHER_ALONE, OTHER_WITH_NOUN, SAME_ALONE, SAME_DEVICES, SAME_WITH_NOUN, SEPARATORS, WORKS,
};

fn is(list: &[&str], w: &str) -> bool {
    list.contains(&w)
}

/// Whether `w` is one of the lists' words.
fn listed(w: &str) -> bool {
    [
        NODE_NOUNS,
        SAME_ALONE,
        SAME_WITH_NOUN,
        OTHER_ALONE,
        OTHER_WITH_NOUN,
        NEGATIONS,
        WORKS,
        FAILS,
        FILLER,
        SEPARATORS,
    ]
    .iter()
    .any(|l| is(l, w))
}

/// The remark's parts, each its words: lowercase, outer punctuation gone,
/// a compound of listed words split (`same-node`, `cross-node`), a few
/// phrases made one word (`times out`, `goes through`, `no route`).
fn parts(remark: &str) -> Vec<Vec<String>> {
    let mut parts = vec![Vec::new()];
    for raw in remark.split_whitespace() {
        let lower = raw.to_lowercase().replace('’', "'");
        let ends = lower.ends_with([',', ';', ':', '!', '?'])
            || (lower.ends_with('.') && !lower[..lower.len() - 1].contains('.'));
        let w = lower.trim_matches(|c: char| "()[]{}\"'`,;:.!?*".contains(c));
        let w = w.strip_suffix("'s").unwrap_or(w);
        let words: Vec<&str> = if w.contains('-') && w.split('-').all(listed) {
            w.split('-').filter(|p| !p.is_empty()).collect()
        } else {
            vec![w]
        };
        for w in words.into_iter().filter(|w| !w.is_empty()) {
            if is(SEPARATORS, w) {
                parts.push(Vec::new());
            } else {
                parts.last_mut().unwrap().push(w.to_string());
            }
        }
        if ends {
            parts.push(Vec::new());
        }
    }
    parts
        .into_iter()
        .filter(|p| !p.is_empty())
        .map(|p| phrases(&p))
        .collect()
}

/// `times out` → `timeout`, `goes through` → `through`, `no route` →
/// `unreachable`, `does not` → `not`.
fn phrases(words: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for w in words {
        let last = out.last().map(String::as_str);
        match (last, w.as_str()) {
            (Some("times" | "time"), "out") => *out.last_mut().unwrap() = "timeout".into(),
            (Some("no"), "route") => *out.last_mut().unwrap() = "unreachable".into(),
            // `replies keep coming`: they continue (probe21cb, F4).
            (Some("keep" | "keeps" | "kept"), "coming" | "going") => {
                *out.last_mut().unwrap() = "continues".into()
            }
            (Some("does" | "do" | "did" | "is" | "are" | "can" | "will"), "not") => {
                *out.last_mut().unwrap() = "not".into()
            }
            _ => out.push(w.clone()),
        }
        // `node to node`, `host-to-host`: between two nodes.
        if let [.., a, to, b] = &out[..]
            && is(NODE_NOUNS, a)
            && to == "to"
            && is(NODE_NOUNS, b)
        {
            out.truncate(out.len() - 3);
            out.push("internode".into());
        }
    }
    back_home(out)
}

/// `back on the host`, `back to my machine`, `back home` → `backhome`: the
/// reader's own machine.
fn back_home(mut words: Vec<String>) -> Vec<String> {
    let home = |w: &str| {
        matches!(
            w,
            "home" | "host" | "machine" | "laptop" | "workstation" | "computer"
        )
    };
    let between = |w: &str| matches!(w, "on" | "to" | "in" | "at" | "the" | "my" | "your" | "our");
    if let Some(i) = words.iter().position(|w| w == "back")
        && let Some(k) = (i + 1..words.len()).find(|k| !between(&words[*k]))
        && home(&words[k])
    {
        words.splice(i..=k, ["backhome".to_string()]);
    }
    words
}

/// The names a remark may use: the lab's nodes, the book's pods and the
/// nodes' own devices (`enp0s8`).
pub(super) struct Names<'a> {
    pub nodes: &'a [String],
    pub pods: &'a [String],
    pub devices: &'a [String],
}

impl Names<'_> {
    fn node(&self, w: &str) -> Option<String> {
        self.nodes
            .iter()
            .find(|n| n.eq_ignore_ascii_case(w))
            .cloned()
    }
    /// A book pod named whole, or by its last part (`4dm42` of
    /// `nginx-deployment-75675f5897-4dm42`) when one pod alone ends so.
    fn pod(&self, w: &str) -> Option<String> {
        if let Some(p) = self.pods.iter().find(|p| p.eq_ignore_ascii_case(w)) {
            return Some(p.clone());
        }
        let by_suffix: Vec<&String> = self
            .pods
            .iter()
            .filter(|p| {
                p.rsplit_once('-')
                    .is_some_and(|(_, last)| last.eq_ignore_ascii_case(w))
            })
            .collect();
        match by_suffix[..] {
            [one] => Some(one.clone()),
            _ => None,
        }
    }
    fn device(&self, w: &str) -> Option<String> {
        self.devices.iter().find(|d| d.as_str() == w).cloned()
    }
}

/// One part of a remark, read.
#[derive(Debug, PartialEq, Eq)]
enum Part {
    /// Its claims (none: it claims nothing).
    Claims(Vec<Claim>),
    /// A negation and no claim (`doesn't`, `not always`): it says
    /// something of another part's claim.
    Negation,
    /// It speaks of place or outcome in words lab does not read.
    Unread,
}

/// What the words of a part said so far.
#[derive(Default)]
struct Said {
    claims: Vec<Claim>,
    /// A negation not yet spent on a word of place or outcome.
    negated: bool,
    /// Whether the place words said the session's own node.
    place: Option<bool>,
    /// A word of place or outcome, or a node's name.
    claimish: bool,
    /// A word on no list, or a place word with no node's word (`same`).
    unknown: bool,
    /// A word of place was said (`same node`, `across`), even if spent.
    placed: bool,
}

impl Said {
    /// A word of place (`Some(same)`) or a claim: the pending negation
    /// spent on it. Err: two places that disagree (`same node across`).
    fn said(&mut self, place: Option<bool>, claim: Option<Claim>) -> Result<(), ()> {
        self.claimish = true;
        if let Some(same) = place {
            self.placed = true;
            let same = same != self.negated;
            if self.place.is_some_and(|p| p != same) {
                return Err(());
            }
            self.place = Some(same);
        }
        self.claims.extend(claim);
        self.negated = false;
        Ok(())
    }
}

fn part(words: &[String], names: &Names) -> Part {
    if as_before(words) {
        return Part::Claims(Vec::new());
    }
    // `hangs until Ctrl-C`: how the reader ends it says no claim; what
    // comes after it (`wait until ctrl-c shows no reply`) is read as the
    // rest of the part (probe21bu finding 1: it was thrown away).
    let kept = without_interrupt_span(words);
    let words = kept.as_slice();
    // `press Ctrl-C to stop`, `see below`, `note the ttl=64`: an
    // instruction to the reader claims only by its words of place,
    // outcome or TTL, read as any part's.
    if let [first, rest @ ..] = words
        && (is(IMPERATIVES, first) || is_interrupt(first))
    {
        if !rest.iter().any(|w| claims_something(w, names)) {
            let says_nothing =
                |w: &String| is(INSTRUCTION_OBJECTS, w) || is(IMPERATIVES, w) || is_interrupt(w);
            return match rest.iter().all(says_nothing) {
                true => Part::Claims(Vec::new()),
                false => Part::Unread,
            };
        }
        return part_claims(rest, names).unwrap_or(Part::Unread);
    }
    part_claims(words, names).unwrap_or(Part::Unread)
}

/// `same as before`, `as before`: a pointer to what the reader saw.
fn as_before(words: &[String]) -> bool {
    matches!(words, [a, b] if a == "as" && b == "before")
        || matches!(words, [s, a, b] if s == "same" && a == "as" && b == "before")
}

/// The words of a part less its `until [you press] Ctrl-C` span: the
/// interrupt ends the ping and claims nothing, the words on both sides
/// of it are the part's. A span with any other word between `until` and
/// the interrupt (`until it is fixed, ctrl-c`) is kept whole, to be read
/// (or left unread) as it stands.
fn without_interrupt_span(words: &[String]) -> Vec<String> {
    const BETWEEN: &[&str] = &[
        "you", "press", "pressing", "hit", "hitting", "type", "the", "key",
    ];
    let Some(until) = words.iter().position(|w| w == "until") else {
        return words.to_vec();
    };
    let rest = &words[until + 1..];
    let Some(at) = rest.iter().position(|w| is_interrupt(w)) else {
        return words.to_vec();
    };
    if !rest[..at].iter().all(|w| BETWEEN.contains(&w.as_str())) {
        return words.to_vec();
    }
    words[..until]
        .iter()
        .chain(&rest[at + 1..])
        .cloned()
        .collect()
}

/// `ctrl-c`, `ctrl+c`, `^c`: the reader's interrupt.
fn is_interrupt(w: &str) -> bool {
    matches!(w, "ctrl-c" | "ctrl+c" | "^c" | "control-c")
}

/// `ttl=64`, `ttl` then `63`: the TTL said, of the word `w` (and the one
/// after it, `next`).
fn ttl_of(w: &str, next: Option<&str>) -> Option<u8> {
    match w.strip_prefix("ttl=") {
        Some(n) => n.parse().ok(),
        None if w == "ttl" => next?.parse().ok(),
        None => None,
    }
}

/// Whether a word says something of place, outcome or TTL: a listed
/// word of them, a device of a path, a node's or a pod's name.
fn claims_something(w: &str, names: &Names) -> bool {
    of_place_or_outcome(w, names)
        || names.device(w).is_some()
        || [NEGATIONS, ACROSS_DEVICES, SAME_DEVICES]
            .iter()
            .any(|l| is(l, w))
        || w == "ttl"
        || w.starts_with("ttl=")
}

fn part_claims(words: &[String], names: &Names) -> Result<Part, ()> {
    let owned = answer_words(words);
    let words = owned.as_slice();
    // `from X`, the whole part: the session (X need not be a node lab has:
    // `exit (from master)` is then wrong, not unread).
    if let [from, x] = words
        && from == "from"
        && !listed(x)
    {
        let node = names.node(x).unwrap_or_else(|| x.clone());
        return Ok(Part::Claims(vec![Claim::From(node)]));
    }
    let has_noun = words.iter().any(|w| is(NODE_NOUNS, w));
    let pod_word = words.iter().any(|w| {
        matches!(
            w.as_str(),
            "pod" | "pods" | "pod's" | "container" | "containers"
        )
    });
    let mut s = Said::default();
    for (i, w) in words.iter().enumerate() {
        let before = i.checked_sub(1).map(|j| words[j].as_str());
        if is(NEGATIONS, w) {
            if s.negated {
                return Err(());
            }
            s.negated = true;
        } else if is(SAME_ALONE, w) || (is(SAME_WITH_NOUN, w) && has_noun) {
            s.said(Some(true), None)?;
        } else if is(OTHER_ALONE, w) || (is(OTHER_WITH_NOUN, w) && has_noun) {
            s.said(Some(false), None)?;
        } else if matches!(
            w.as_str(),
            "same" | "other" | "another" | "different" | "between" | "off"
        ) {
            // A word of place with no node's word: same as what?
            s.unknown = true;
        } else if let Some(dev) = names.device(w) {
            // `via enp0s8`: the node's device it leaves over, to another.
            if s.negated {
                return Err(());
            }
            s.said(Some(false), Some(Claim::Underlay(dev)))?;
        } else if is(ACROSS_DEVICES, w) || is(SAME_DEVICES, w) {
            // `through flannel.1`: the path, read as its place.
            s.said(Some(is(SAME_DEVICES, w)), None)?;
        } else if let Some(ttl) = ttl_of(w, words.get(i + 1).map(String::as_str)) {
            if s.negated {
                return Err(());
            }
            s.said(None, Some(Claim::Ttl(ttl)))?;
        } else if before == Some("ttl") && ttl_of("ttl", Some(w)).is_some() {
            // The number of `ttl 63`, read with it.
        } else if w == "backhome" {
            if s.negated {
                return Err(());
            }
            s.said(None, Some(Claim::BackHome))?;
        } else if is(WORKS, w) || is(FAILS, w) {
            let works = is(WORKS, w) != s.negated;
            s.said(None, Some(Claim::Reaches(works)))?;
        } else if let Some(node) = names.node(w) {
            let claim = match before {
                Some("from") if s.negated => return Err(()),
                // `reply from node2`: the node that answered, the address's.
                Some("from") if from_names(words, i - 1) == FromNames::Unclear => return Err(()),
                Some("from") if from_names(words, i - 1) == FromNames::Answerer => Claim::OnNode {
                    node,
                    on: true,
                    pod: true,
                },
                Some("from") => Claim::From(node),
                // `same node as node1`: on node1.
                Some("as") => Claim::OnNode {
                    node,
                    on: s.place.take().unwrap_or(true) != s.negated,
                    pod: pod_word,
                },
                // `to node2`: what the line reaches, not where it is typed.
                _ => Claim::OnNode {
                    node,
                    on: !s.negated,
                    pod: pod_word || before == Some("to"),
                },
            };
            s.said(None, Some(claim))?;
        } else if let Some(pod) = names.pod(w) {
            // `same node as POD`; a pod's name anywhere else is the pod
            // the line reaches (`pod 4dm42`, `to rfj56`).
            let claim = match (before, s.place) {
                (Some("as"), Some(same)) => {
                    s.place = None;
                    Claim::SameNodeAs { pod, same }
                }
                (Some("as"), None) => return Err(()),
                _ if s.negated => return Err(()),
                _ => Claim::Pod(pod),
            };
            s.said(None, Some(claim))?;
        } else if !listed(w) {
            s.unknown = true;
        }
    }
    // A word lab does not read (`between`, `overlay`, `fixed` before
    // probe21bk), or a node's word with no word of place (`node to the
    // pod`): lab cannot say what the part claims, so it must not pass the
    // line as a note that claims nothing (probe21bk, findings 2 and 3).
    if s.unknown || (has_noun && !s.placed) {
        return Err(());
    }
    if !s.claimish {
        // `but not always`: a negation with no claim of its own says
        // something of another part's.
        return Ok(if s.negated {
            Part::Negation
        } else {
            Part::Claims(Vec::new())
        });
    }
    // A negation left over, a word lab does not read, or `as` with
    // nothing it names beside a claim: lab cannot say what is claimed.
    let as_left = words.iter().any(|w| w == "as") && s.place.is_some();
    if s.negated || as_left {
        return Err(());
    }
    if let Some(same) = s.place {
        s.claims.insert(0, Claim::SameNode(same));
    }
    Ok(Part::Claims(s.claims))
}

/// `node1 -> node2` (`→`, `=>`, `to`) between two nodes' names read as
/// `from node1 to node2`: the node typed on and the one reached. Alone, the
/// first name could say either (probe21bk, `W9`: `# node1 -> node2, works
/// now` not understood; probe21bp, `W13`: `node1 to node2 via flannel.1`).
fn arrows_read(remark: &str, names: &Names) -> String {
    let words: Vec<&str> = remark.split_whitespace().collect();
    let bare = |w: &str| {
        w.trim_matches(|c: char| "()[]{},;:.!?".contains(c))
            .to_string()
    };
    let mut out: Vec<String> = Vec::new();
    let mut i = 0;
    while i < words.len() {
        // `node1 to node2` too, unless `from` says it already.
        let next = words.get(i + 1).copied();
        let arrow = matches!(next, Some("->" | "→" | "=>"))
            || (next == Some("to") && !(i > 0 && words[i - 1].eq_ignore_ascii_case("from")));
        if i + 2 < words.len()
            && arrow
            && !words[i].ends_with([',', ';', ':'])
            && names.node(&bare(words[i])).is_some()
            && names.node(&bare(words[i + 2])).is_some()
        {
            out.push(format!("from {} to {}", words[i], words[i + 2]));
            i += 3;
        } else {
            out.push(words[i].to_string());
            i += 1;
        }
    }
    out.join(" ")
}

/// Whether any word of `remark` is one of place or outcome (`node`,
/// `across`, `works`, `fails`, `back on the host`) or names a node or a
/// book's pod. A remark with none (`install flannel`, `both should be
/// Running`) on a line that reaches no address is the author's note of
/// what the line is for: it says nothing lab could hold the line to.
pub(super) fn speaks_of_place_or_outcome(remark: &str, names: &Names) -> bool {
    let remark = arrows_read(&ttl_forms(remark), names);
    parts(&remark)
        .iter()
        .flatten()
        .any(|w| of_place_or_outcome(w, names))
}

/// Whether `w` is a listed word of place or outcome, the reader's own
/// machine (`backhome`), or a node's or a book's pod's name.
fn of_place_or_outcome(w: &str, names: &Names) -> bool {
    [
        NODE_NOUNS,
        SAME_ALONE,
        SAME_WITH_NOUN,
        OTHER_ALONE,
        OTHER_WITH_NOUN,
        WORKS,
        FAILS,
    ]
    .iter()
    .any(|l| is(l, w))
        || w == "backhome"
        || names.node(w).is_some()
        || names.pod(w).is_some()
}

/// Read `remark`: its claims, or that it claims nothing, or the part lab
/// cannot read.
pub(super) fn read(remark: &str, names: &Names) -> Reading {
    let remark = arrows_read(&ttl_forms(&answers_joined(remark)), names);
    let mut claims = Vec::new();
    let mut negation = None;
    for p in parts(&remark) {
        match part(&p, names) {
            Part::Claims(c) => claims.extend(c),
            Part::Negation => negation = Some(p.join(" ")),
            Part::Unread => return Reading::Unread(p.join(" ")),
        }
    }
    match (claims.is_empty(), negation) {
        (true, _) => Reading::NoClaim,
        // `works but doesn't`: the negation is of a claim.
        (false, Some(n)) => Reading::Unread(n),
        (false, None) => Reading::Claims(claims),
    }
}

/// [`read`] of a line under a command's output ([`super::remark_below`]),
/// said of what it got: claiming nothing, it is an instruction in every
/// part (`press Ctrl-C to stop`, `see above`), or a note that the output
/// went on (`and so on`, probe21cb F4); filler words alone (`then it was
/// done`) are a claim lab does not read (probe21ca, W4).
pub(super) fn read_below(remark: &str, names: &Names) -> Reading {
    let remark = &super::remark_notes::without_notes(&answers_joined(remark));
    if let Some(from) = bare_from(remark) {
        return Reading::Unread(from);
    }
    let reading = read(remark, names);
    if reading != Reading::NoClaim {
        return reading;
    }
    let remark = arrows_read(&ttl_forms(remark), names);
    let instruction = |words: &Vec<String>| {
        as_before(words)
            || without_interrupt_span(words)
                .first()
                .is_none_or(|f| is(IMPERATIVES, f) || is_interrupt(f))
    };
    match parts(&remark).into_iter().find(|p| !instruction(p)) {
        Some(p) => Reading::Unread(p.join(" ")),
        None => Reading::NoClaim,
    }
}

#[cfg(test)]
#[path = "remark_words_tests.rs"]
mod tests;
