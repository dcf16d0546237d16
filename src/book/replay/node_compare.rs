//! How a node-level command's output compares with the book's: a ping's
//! replies and errors (or what the book's cut or header alone leaves of
//! them), a capture's packets, a route table's rows, any other command's
//! lines. Apart from [`super::node`], which decides what runs, for its size.

use super::{Replayer, output_blocks};
use crate::book::recognize::Cmd;
use crate::book::{CommandReport, Verdict};
use crate::book::{compare, exec_exit};
use crate::provider::PodRef;

impl Replayer<'_> {
    /// Compare what a node-level command showed with what the book shows
    /// (`full_ping`: the whole output of a ping whose grep left `r.lab`).
    pub(super) fn compare(
        &self,
        c: &Cmd,
        code: Option<i32>,
        r: &mut CommandReport,
        (epoch, remarked): (usize, bool),
        pods: &[PodRef],
        full_ping: Option<&[String]>,
    ) {
        let mut book = self.book_in_lab(r, epoch, pods);
        // kubectl's `command terminated with exit code N` under an exec is
        // kubectl's line, not the command's: its code is held against the
        // lab's command's exit, and the rest compared as the command's
        // (curl reads it as its failure, by meaning: kept).
        let exit_shown = exec_exit::is_exec(&r.command)
            && book.iter().any(|l| exec_exit::exit_code(l).is_some());
        if exit_shown {
            let how = match c {
                Cmd::Curl(_) => exec_exit::Agreement::CurlsOwn,
                _ => exec_exit::Agreement::Exact,
            };
            r.differences
                .extend(exec_exit::differences(&book, code, how));
            if !matches!(c, Cmd::Curl(_)) {
                book = exec_exit::without(&book);
            }
        }
        if let Cmd::Curl(_) = c {
            return crate::book::curl::judge(&book, code, r);
        }
        let inner = match c {
            Cmd::Grep { inner, .. } => inner.as_ref(),
            c => c,
        };
        // What the book prints that lab cannot compare, said in `why`.
        let mut uncompared: Vec<String> = Vec::new();
        if let Cmd::Tcpdump { iface } = inner {
            let (d, note) = crate::book::printed_numbers::snap_lengths(&book, &r.lab);
            r.differences.extend(d);
            uncompared.extend(note);
            // Its counts and times are claims of their own, held against
            // the packets the book shows before the counts go.
            let grepped = matches!(c, Cmd::Grep { .. });
            r.differences
                .extend(crate::book::capture_claims::differences(&book, grepped));
            // So are its packets' times and ids among themselves, and its
            // pings against the lab's (probe21bh, lesser 3).
            r.differences
                .extend(crate::book::capture_order::differences(
                    &book,
                    iface == "any",
                ));
            r.differences
                .extend(crate::book::capture_order::ids_beyond_lab(&book, &r.lab));
            book.retain(|l| !compare::is_capture_end(l));
        }
        // Under `| grep P` the reader sees only the lines P matches (and
        // what the program says on stderr): a line of the book that grep
        // drops is not what the reader sees.
        if let Cmd::Grep { ignore_case, .. } = c {
            let pattern = self.grep_pattern(c, epoch, pods, r).unwrap_or_default();
            r.differences.extend(compare::lines_grep_drops(
                &book,
                inner,
                &pattern,
                *ignore_case,
            ));
        }
        // A ping without reply exits 1, a grep that finds nothing too, and a
        // capture stopped by its deadline 124: their output says the rest.
        let failed = match (c, code) {
            (_, Some(0)) => None,
            (Cmd::Ping { .. }, Some(1)) | (Cmd::Grep { .. }, Some(1)) => None,
            (Cmd::Tcpdump { .. }, Some(124)) => None,
            (Cmd::Grep { inner, .. }, Some(124)) if matches!(**inner, Cmd::Tcpdump { .. }) => None,
            (_, Some(n)) => Some(format!("exit {n}")),
            (_, None) => Some("killed by a signal".to_string()),
        };
        r.differences
            .extend(compare::errors_not_in_book(&book, &r.lab));
        // The book's ping header names what its ping pinged: another
        // address is another command's output (its "no reply" matched).
        if let Cmd::Ping { target, .. } = inner
            && let Some(shown) = compare::ping_header_target(&book)
        {
            let lab_ip = self.target_ip(*target, epoch, pods, &mut r.bindings);
            if shown != lab_ip {
                r.differences.push(format!(
                    "ping: the book's output is a ping of {shown}; the command pings {lab_ip}"
                ));
            }
        }
        if let Some(how) = failed
            && !matches!(inner, Cmd::Ping { .. })
        {
            r.differences
                .push(format!("`{}` failed in the lab ({how})", r.command));
        }
        if book.iter().all(|l| l.trim().is_empty()) {
            // kubectl's exit line alone tells of the failure, its code
            // compared above.
            if exit_shown {
                if r.differences.is_empty() {
                    r.verdict = Verdict::Skipped;
                    r.reason = Some(format!(
                        "{}, as kubectl's exit line the book shows says; the book shows none of the command's own output to compare",
                        ran_how(inner, code)
                    ));
                }
                return;
            }
            r.differences
                .extend(output_blocks::failed_unshown(c, code, r));
            if r.differences.is_empty() {
                r.verdict = Verdict::Skipped;
                r.reason = Some(
                    "it ran without an error, but the book shows no output to compare it with"
                        .into(),
                );
            }
            return;
        }
        // Output the author cut down to nothing (`...` alone, or a ping's
        // header then `...`: whether a reply came is what was cut), or
        // replaced by words of their own under a ping (`[output omitted]`),
        // claims nothing: never a match (a ping's was read as "no reply").
        let cut = book.iter().any(|l| compare::is_elision(l));
        let says_nothing = match inner {
            Cmd::Ping { target, .. } => {
                let f = compare::ping_facts(&book);
                // "No reply" is claimed by ping's own lines alone, about
                // an address of the lab's: a line of any other kind may be
                // what the author put for the replies, and a ping to an
                // address that is no node's or pod's of the lab (a book
                // address left unbound) gets no reply whatever the lab is.
                // A node's address is the lab file's own; a pod's, or a
                // node's `cni0` (its pod subnet's .1) or `flannel.1` (.0),
                // is the lab's only where the chapter binds the book's
                // address to it (one written as it is may be another pod
                // of the lab's: the sixteenth probe). Every lab node has
                // both of its pod subnet's addresses.
                let lab_ip = self.target_ip(*target, epoch, pods, &mut r.bindings);
                let of_lab = self.of_lab(*target, epoch, pods);
                let no_reply = !cut
                    && !remarked
                    && book.iter().all(|l| compare::is_pings_own(l))
                    && book.iter().any(|l| compare::tells_no_reply(l));
                // A ping with a count that failed in the lab and whose book
                // output is its header alone drifts whatever its address:
                // the lab's ping ended with its statistics, the book's was
                // cut, and read as "no reply" the header matched a lab
                // that got none while the text below claimed the reply
                // (probe21av, finding 2: "a header line is worse than
                // nothing", probe21as's rule, for bound addresses too).
                if !f.reply
                    && f.error.is_none()
                    && no_reply
                    && r.differences.is_empty()
                    && let Some(d) = output_blocks::failed_header_alone(c, code, &book, r)
                {
                    return r.differences.push(d);
                }
                if !f.reply && f.error.is_none() && no_reply && !of_lab && r.differences.is_empty()
                {
                    r.verdict = Verdict::Skipped;
                    r.reason = Some(format!(
                        "the book shows no reply from {target}, which is no node's address and which the chapter binds to no pod of the lab nor to a node's cni0 or flannel.1 ({lab_ip} here): what it is in the lab is not known, nothing to compare"
                    ));
                    return;
                }
                !(f.reply || f.error.is_some() || no_reply)
            }
            // tcpdump's banner says which interface it listened on, not
            // what came: a capture shown by its banner alone (books often
            // cut the packets without a mark) claims no packet either way.
            Cmd::Tcpdump { .. } => !book.iter().any(|l| {
                !l.trim().is_empty() && !compare::is_elision(l) && !compare::is_tcpdump_banner(l)
            }),
            // `route -n`'s two header lines are in every output: cut below
            // them, the book shows no row (they were a match).
            Cmd::RouteN => cut && compare::route_rows(&book).is_empty(),
            _ => {
                cut && !book
                    .iter()
                    .any(|l| !l.trim().is_empty() && !compare::is_elision(l))
            }
        };
        if says_nothing {
            // A line ping does not print is named before "nothing to
            // compare": a reply whose `bytes` holds a zero-width space or a
            // Cyrillic `у` read as none was skipped, and its block matched
            // on its other ping (probe21aj, finding 1).
            if matches!(inner, Cmd::Ping { .. }) {
                // Below a header, any line lab cannot read is one
                // (probe21ba, finding 4).
                r.differences.extend(compare::lines_lab_cannot_read(&book));
                // What its header says is a claim whatever was cut below
                // it: the address in brackets, the sizes (probe21ay,
                // finding 5).
                r.differences.extend(compare::header_and_statistics(
                    &book,
                    full_ping.unwrap_or(&r.lab),
                ));
                // Its statistics' numbers against one another
                // (probe21bh, lesser 4).
                r.differences
                    .extend(crate::book::ping_numbers::contradictions(&book));
            }
            if r.differences.is_empty() {
                r.verdict = Verdict::Skipped;
                // A remark is no cut: it is read as the author's claim
                // (`replay/remark_below.rs`; probe21ca, W4).
                let shown = match inner {
                    Cmd::Ping { .. } if remarked && !cut => {
                        "shows the ping's header with a remark in brackets below it in place of its replies (the remark is read as the author's claim, not compared as ping's lines)"
                    }
                    _ => {
                        "cut its output (`...`), shows none of the command's own lines, or shows a capture's banner alone"
                    }
                };
                r.reason = Some(format!(
                    "{}, but the book {shown}: nothing to compare it with",
                    ran_how(inner, code)
                ));
            }
            return;
        }
        r.differences.extend(match inner {
            Cmd::Ping { count, .. } => {
                let mut d = match full_ping {
                    Some(full) => compare::grepped_ping(&book, full, &r.lab),
                    None => compare::ping_replies(&book, &r.lab),
                };
                // Compared by its replies and statistics: every other line
                // is named, never passed over (probe21ab, rule A).
                d.extend(compare::not_pings_own(&book));
                d.extend(count.and_then(|n| compare::replies_past_count(&book, n)));
                d.extend(crate::book::printed_numbers::slow_replies(
                    &book,
                    full_ping.unwrap_or(&r.lab),
                ));
                uncompared.extend(crate::book::printed_numbers::error_sizes(&book));
                d
            }
            c => compare::lines_of(c, &book, &r.lab),
        });
        crate::book::printed_numbers::not_compared(r, uncompared);
    }
}

/// How a command the book cut ran in the lab, said before "but the book cut
/// its output": "it ran without an error" only where it exited 0 (a ping
/// that got no reply exits 1, and was said to have run without one:
/// probe21av, finding 5).
fn ran_how(c: &Cmd, code: Option<i32>) -> String {
    match (c, code) {
        (_, Some(0)) => "it ran without an error".into(),
        (Cmd::Ping { .. }, Some(1)) => {
            "it exited 1 in the lab (ping's exit when no reply came)".into()
        }
        (Cmd::Tcpdump { .. }, Some(124)) => "the capture ran until its deadline".into(),
        (_, Some(n)) => format!("it exited {n} in the lab"),
        (_, None) => "it was killed by a signal in the lab".into(),
    }
}
