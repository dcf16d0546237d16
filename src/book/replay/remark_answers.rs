//! Who answered, in a command's remark: `from NODE` after a word of an
//! answer (`reply from node2`, `the replies are from node2`, `replies:
//! from node2`, `reply received from node2`, `answered by node2`) names
//! the node that answered, the address's, never where the line is typed.
//! probe21cb (F3) read only `from` right after the answer's word;
//! probe21cd (G2) found a verb or a separator between (`the reply is from
//! node1`, `replies, from node1`) read as the session again, the false
//! claim passing and the true one (`the replies are from node2`) drifting
//! as "typed from node2". probe21ce (H3) found `comes`/`came` and
//! `echo(es)` taken as an answer's words, so `this ping comes from node2`
//! and `echo sent from node2` named the answerer (false greens beside the
//! session) and the true `echoes sent from node1` drifted: only a word of
//! an answer names who answered; an ICMP error's sender is its own line's
//! address, not the target's node, so `the error comes from node2` is not
//! understood. Also the forms a remark's text is read in before its
//! words (`ttl: 63`). Apart from `remark_words.rs` for its size.

/// Words of an answer: a `from NODE` after one, with only [`BETWEEN`]'s
/// words between, names who answered.
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
    "pong",
    "pongs",
];

/// Words of an ICMP error: a `from NODE` after one names neither the
/// session nor the target's node (`Destination Net Unreachable` comes from
/// the address on its own line, often a router's), so it is not understood.
const ERRORS: &[&str] = &["error", "errors", "unreachable", "icmp"];

/// Words that may stand between an answer's word and its `from` (`the
/// reply is back from`, `replies all come from`, `reply received from`).
const BETWEEN: &[&str] = &[
    "back", "is", "are", "was", "were", "all", "only", "always", "then", "still", "now", "in",
    "come", "comes", "came", "coming", "arrive", "arrives", "arrived", "received", "do", "does",
    "did", "get", "gets", "got", "sent",
];

/// Words of [`BETWEEN`] no list of `remark_words` holds, left out of a
/// part whose `from` they lead to (`reply received from node2` is read as
/// `reply from node2`).
const UNLISTED: &[&str] = &[
    "coming", "arrive", "arrives", "arrived", "received", "came", "only", "always", "sent",
];

/// What the `from` of a part names.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum FromNames {
    /// No word of an answer before it: where the line is typed.
    Session,
    /// The node that answered.
    Answerer,
    /// A word of an answer before it, and words lab does not read between
    /// (`reply via flannel.1 from node1`), or a word of an error or `back`
    /// (`the error comes from node2`): neither sure, so not understood.
    Unclear,
}

/// What the `from` at `at` of a part's words names.
pub(super) fn from_names(words: &[String], at: usize) -> FromNames {
    if words[..at].iter().any(|w| ERRORS.contains(&w.as_str())) {
        return FromNames::Unclear;
    }
    let Some(k) = words[..at]
        .iter()
        .rposition(|w| ANSWERS.contains(&w.as_str()))
    else {
        // `comes back from node2`: an answer with no answer's word.
        return match at > 0 && words[at - 1] == "back" {
            true => FromNames::Unclear,
            false => FromNames::Session,
        };
    };
    match words[k + 1..at]
        .iter()
        .all(|w| BETWEEN.contains(&w.as_str()))
    {
        true => FromNames::Answerer,
        false => FromNames::Unclear,
    }
}

/// A part's words with the unlisted words between an answer's word and
/// its `from` left out, and `answered by X` read as `answered from X`.
pub(super) fn answer_words(words: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for (i, w) in words.iter().enumerate() {
        let after_answer = i > 0 && ANSWERS.contains(&words[i - 1].as_str());
        if w == "by" && after_answer && words[i - 1].ends_with("ed") {
            out.push("from".into());
            continue;
        }
        if UNLISTED.contains(&w.as_str())
            && let Some(f) = words[i..].iter().position(|w| w == "from").map(|f| f + i)
            && from_names(words, f) == FromNames::Answerer
        {
            continue;
        }
        // `echoes sent from node1`, `the traffic came from node1`: the
        // session's `from`, read as `echoes from node1`.
        if matches!(w.as_str(), "sent" | "came")
            && words.get(i + 1).is_some_and(|n| n == "from")
            && from_names(words, i + 1) == FromNames::Session
        {
            continue;
        }
        out.push(w.clone());
    }
    out
}

/// `replies: from node1`, `the reply, from node1`: the separator between
/// an answer's words and `from` left out, so the `from` is read with them.
pub(super) fn answers_joined(remark: &str) -> String {
    static JOINED: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        let word = |l: &[&str]| l.join("|");
        regex::Regex::new(&format!(
            r"(?i)\b((?:{})(?:\s+(?:{}))*)\s*[,:]\s+(from\s)",
            word(ANSWERS),
            word(BETWEEN)
        ))
        .unwrap()
    });
    JOINED.replace_all(remark, "$1 $2").into_owned()
}

/// A piece of a remark under the output (between `,`, `;`, `:`) that is
/// `from NODE` alone: under a reply it may say who answered as well as
/// where the line was typed, so it is not understood there (probe21cd,
/// lesser 5: `(from node1)` under node2's pod's reply passed as node1's
/// session). On the command's line it is the session.
pub(super) fn bare_from(remark: &str) -> Option<String> {
    remark
        .split([',', ';', ':'])
        .map(|p| p.trim().to_lowercase())
        .find(|p| matches!(p.split_whitespace().collect::<Vec<_>>()[..], ["from", _]))
}

/// `ttl: 63`, `TTL of 63`, `ttl is 63`, `ttl = 63` read as `ttl=63` (a
/// colon would end the part before its number; `of` is no TTL).
pub(super) fn ttl_forms(remark: &str) -> String {
    static FORMS: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(r"(?i)\bttl(?:\s*[:=]\s*|\s+(?:of|is|was)\s+)(\d+)\b").unwrap()
    });
    FORMS.replace_all(remark, "ttl=$1").into_owned()
}

#[cfg(test)]
mod tests {
    use super::{FromNames, from_names};

    fn names(remark: &str) -> FromNames {
        let words: Vec<String> = remark.split_whitespace().map(String::from).collect();
        let at = words.iter().rposition(|w| w == "from").unwrap();
        from_names(&words, at)
    }

    /// probe21ce, H3: only a word of an answer names who answered; `comes
    /// from`, `echoes sent from` without one say where the line is typed;
    /// an error's sender, or `comes back from`, is not understood. Seen
    /// failing first: `comes`/`came`/`echo(es)` named the answerer.
    #[test]
    fn only_an_answers_word_names_who_answered() {
        for remark in [
            "this ping comes from node2",
            "this comes from node2",
            "echo sent from node2",
            "echoes sent from node1",
            "the traffic comes from node1",
            "the traffic came from node1",
            "the echo request comes from node1",
            "the echo requests go out from node1",
        ] {
            assert_eq!(names(remark), FromNames::Session, "{remark}");
        }
        for remark in [
            "echo reply from node2",
            "the reply comes from node2",
            "replies all come from node2",
            "pong sent from node2",
            "answered from node2",
        ] {
            assert_eq!(names(remark), FromNames::Answerer, "{remark}");
        }
        for remark in [
            "the error comes from node2",
            "the unreachable comes from node2",
            "icmp errors from node1",
            "the reply is an error from node2",
            "the echo came back from node2",
        ] {
            assert_eq!(names(remark), FromNames::Unclear, "{remark}");
        }
    }
}
