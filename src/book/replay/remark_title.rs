//! The comments right above a block's first command ([`crate::book::parse::Step::title`]):
//! a title of the block. probe21cd (G6) made them the command's remark, so
//! `# ttl 63` above a ping whose replies show ttl 64 drifted, as the same
//! words behind it do; but a title speaks of the whole block, and probe21ce
//! (H1) found titles turned red: `# from node1, ping both pods` above
//! `vagrant ssh node1` ("typed from node1, but it stands on the reader's
//! machine"), `# log in to node1`, `# routes on node1`, `# clean up`.
//!
//! Apart from [`super::remark_claims`], which reads a trailing remark,
//! because a title is read for what the line gets alone: on a line whose
//! answer lab reads (a ping or a curl, from a node or a pod), its claims of
//! outcome (`no reply`, `works`, `ttl 63`) are held strictly, as a trailing
//! remark's are; a title with such words that lab does not read makes the
//! line not understood. Everything else is prose, as the chapter's prose
//! is: words of place (`from node1`, `on the master`: where the block
//! runs, said of the block and not of its first line, and a session the
//! block opens is where it runs), titles of other lines (`# clean up`
//! above `kubectl delete`, `# now both pods reply` above `vagrant ssh`:
//! said of the block's later lines, each read by its own rules).

use super::plan::Planned;
use super::remark_claims::{LabWords, hold, names, not_green, reached};
use super::remark_lists::{FAILS, WORKS};
use super::remark_words::{Claim, Names, Reading, read};
use crate::book::CommandReport;
use crate::book::bind::Binding;

/// Read `p`'s title, if any (`gone`: why a ping or curl to a deleted pod
/// gets no answer).
pub(super) fn check(
    p: &Planned,
    binding: &Binding,
    lab: &LabWords,
    r: &mut CommandReport,
    gone: Option<&str>,
) {
    if p.step.title.is_empty() || reached(p, binding).is_none() {
        return;
    }
    let (nodes, pods) = names(binding, &lab.nodes);
    let names = Names {
        nodes: &nodes,
        pods: &pods,
        devices: &lab.devices,
    };
    for (line, written) in &p.step.title {
        let words = written.trim_start_matches('#').trim();
        let typed = format!("{written} (line {line}) above {}", p.step.command);
        match read(words, &names) {
            Reading::Claims(claims) => {
                let outcome: Vec<Claim> = claims.into_iter().filter(of_outcome).collect();
                if !outcome.is_empty() {
                    hold(&outcome, p, binding, lab, r, &typed, gone);
                    r.why.push(format!(
                        "the book shows `{written}` right above the block's first command (line {line}): read as the author's claim of what the line gets, and held against the lab; its words of place, if any, are the block's title"
                    ));
                }
            }
            Reading::Unread(part) if says_outcome(words) => not_green(
                r,
                format!(
                    "`{typed}`: a title right above the line that speaks of what it gets in words lab does not read (`{part}`): lab cannot check it"
                ),
            ),
            Reading::Unread(_) | Reading::NoClaim => {}
        }
    }
}

/// A claim of what the line gets (its answer, its TTL), not of where it
/// is typed or what it reaches.
fn of_outcome(c: &Claim) -> bool {
    matches!(c, Claim::Reaches(_) | Claim::Ttl(_))
}

/// Whether a word of `title` says what a line gets: an answer or none, a
/// TTL.
fn says_outcome(title: &str) -> bool {
    title.split_whitespace().any(|w| {
        let w = w
            .to_lowercase()
            .trim_matches(|c: char| !c.is_alphanumeric() && c != '-' && c != '=')
            .to_string();
        w.starts_with("ttl") || WORKS.contains(&w.as_str()) || FAILS.contains(&w.as_str())
    })
}

#[cfg(test)]
mod tests {
    use super::says_outcome;

    #[test]
    fn a_title_speaks_of_outcome_by_its_words() {
        for t in ["no reply yet", "ttl sixty-three", "it fails, sadly"] {
            assert!(says_outcome(t), "{t}");
        }
        for t in [
            "log in to node1",
            "terminal 1: keep it running",
            "routes on node1",
        ] {
            assert!(!says_outcome(t), "{t}");
        }
    }
}
