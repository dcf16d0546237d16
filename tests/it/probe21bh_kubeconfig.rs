//! `lab book` on probe21bh's finding 1: a `--kubeconfig` no command of the
//! chapter makes passed on every `kubectl get` table (rc 0), though it
//! drifted on `logs`, `exec`, `apply` and `delete`: the table's comparison
//! replaced the differences found before it. Seen failing first: with
//! `tables.rs` assigning the comparison's differences again, every `get`
//! line below was `skipped` (or `known_drift`) and the run rc 0.

use crate::book::{book_chapter4_changed, command, report_commands, said};

/// Every `kubectl get` line of chapter 4 given `./admin.cfg`, a file no
/// command makes: each drifts with the kubeconfig named, and the run fails.
#[test]
fn a_kubeconfig_no_command_makes_drifts_on_every_get_table() {
    let from = "kubectl --kubeconfig ./admin.conf get ";
    let to = "kubectl --kubeconfig ./admin.cfg get ";
    let (code, out, v) = book_chapter4_changed("kcget21bh", |t| t.replace(from, to));
    assert_eq!(code, 1, "{out}");
    let gets: Vec<u64> = report_commands(&v)
        .iter()
        .filter(|c| said(c, "command").starts_with(to))
        .map(|c| c["line"].as_u64().unwrap())
        .collect();
    assert!(gets.len() >= 5, "{gets:?}\n{out}");
    for line in gets {
        let c = command(&v, line);
        assert_eq!(said(&c, "verdict"), "drift", "line {line}: {c}");
        assert!(
            c["differences"].as_array().unwrap().iter().any(|d| d
                .as_str()
                .unwrap_or("")
                .contains("makes the kubeconfig ./admin.cfg")),
            "line {line}: {c}"
        );
    }
}
