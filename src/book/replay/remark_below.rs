//! A remark in brackets on a line of its own right under a command's
//! output (`(then all echoes were lost)` under a ping's replies, `(the pod
//! answered on the second try)` under a failing curl, `(node2 answered a
//! few seconds later)` under a ping's header alone): the author's claim
//! about what the command got. probe21ca (W4) found such a line dropped
//! silently and the command `match` (or `skipped` as cut), while the same
//! line among `kubectl logs`' lines was not understood
//! ([`super::plan`]'s rule for a remark inside the output, which stays).
//!
//! Apart from [`super::remark_claims`], which reads a command's trailing
//! remark, because under the output the reading is strict: the remark is
//! read by the same words ([`super::remark_words::read_below`]) and each
//! claim held against the lab as a trailing remark's is, but every word
//! must be read, on any command (a trailing remark of a line that reaches
//! nothing may be a note of what it is for; a line under output is said of
//! the output), and one that claims nothing must be an instruction to the
//! reader (`(press Ctrl-C to stop)`). Else the command is not understood,
//! naming the line. A cut's note (`(output truncated)`) is no remark: it
//! stays in the output as a cut ([`crate::book::compare::is_elision`]),
//! as does a note that the output went on (`(and so on)`); a note that the
//! author stopped it (`(Ctrl-C pressed here)`), alone or beside a cut's
//! note or an instruction, claims nothing ([`super::remark_notes`]).

use super::plan::Planned;
use super::remark_claims::{LabWords, hold, names, not_green};
use super::remark_words::{Names, Reading, read_below};
use crate::book::CommandReport;
use crate::book::bind::Binding;

/// Read each remark under `p`'s command (`gone`: why a ping or curl to a
/// deleted pod gets no answer, [`super::remark_claims::check_gone`]).
pub(super) fn check(
    p: &Planned,
    binding: &Binding,
    lab: &LabWords,
    r: &mut CommandReport,
    gone: Option<&str>,
) {
    if p.step.remarks_below.is_empty() {
        return;
    }
    let (nodes, pods) = names(binding, &lab.nodes);
    let names = Names {
        nodes: &nodes,
        pods: &pods,
        devices: &lab.devices,
    };
    let under = match p.step.output.iter().any(|l| !l.trim().is_empty()) {
        true => "below this command's output",
        false => "right under this command, which shows no output,",
    };
    for (line, written) in &p.step.remarks_below {
        // `(…)`, or a comment (`# …`) glued to the output with a blank
        // line below it (`parse_lines`' `glued_claims`; probe21cb, F1).
        let comment = written.strip_prefix('#').map(|w| w.trim_start_matches('#'));
        let inner = comment
            .or_else(|| written.strip_prefix('(').and_then(|w| w.strip_suffix(')')))
            .unwrap_or(written)
            .trim();
        let kind = match (comment, under.starts_with("below")) {
            (Some(_), true) => "a comment right under the output",
            (Some(_), false) => "a comment right under it",
            (None, _) => "a remark in brackets",
        };
        let inner = &own_address(inner, &p.step.command);
        match read_below(inner, &names) {
            Reading::NoClaim => r.why.push(format!(
                "the book shows `{written}` {under} (line {line}): it tells the reader what to do, or that the output went on or was stopped, and claims nothing of what it held"
            )),
            Reading::Unread(part) => not_green(
                r,
                format!(
                    "the book shows `{written}` {under} (line {line}): {kind} that claims something of the output in words lab does not read (`{part}`), so it compares nothing of the command"
                ),
            ),
            Reading::Claims(claims) => {
                // The command with its remark, as `ping … (same node)`.
                let typed = format!("{} … {written}", p.step.command);
                hold(&claims, p, binding, lab, r, &typed, gone);
                r.why.push(format!(
                    "the book shows `{written}` {under} (line {line}): read as the author's claim of where the line is typed, what it reaches or what it gets, and held against the lab"
                ));
            }
        }
    }
}

/// `replies from 10.244.1.2` under `ping 10.244.1.2`: the command's own
/// address, read as `the target` (a word that says nothing), so `replies`
/// is what is claimed and held (probe21cb, `TE0`: it was not
/// understood). Another address stays, unread.
fn own_address(remark: &str, command: &str) -> String {
    let own: Vec<&str> = command
        .split_whitespace()
        .filter(|w| w.parse::<std::net::Ipv4Addr>().is_ok())
        .collect();
    let words: Vec<&str> = remark.split_whitespace().collect();
    let mut out: Vec<String> = Vec::new();
    for (i, w) in words.iter().enumerate() {
        let bare = w.trim_end_matches([',', ';', ':', '.', ')']);
        let after_from = i > 0 && words[i - 1].eq_ignore_ascii_case("from");
        match after_from && own.contains(&bare) {
            true => out.push(format!("the target{}", &w[bare.len()..])),
            false => out.push(w.to_string()),
        }
    }
    out.join(" ")
}
