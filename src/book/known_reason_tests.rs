//! A placeholder a person typed for a reason is refused when the file is
//! read (probe21by, lesser 5: `N/A`, `WIP`, `x`, `to do`, `T0DO` and
//! `pending` explained drift, the run passing), naming the file, the line
//! and the field; `--bless`'s TODO and its kin stay what they were: drift
//! until a person writes why. Apart from `known.rs` for its size.

use super::*;

fn file(reason: &str) -> String {
    format!(
        "version: 2\ndrift:\n- command: route -n\n  line: 140\n  difference: 'route -n: the book has the row `172.17.0.0 0.0.0.0 255.255.0.0 U docker0`; the lab has none'\n  reason: {reason}\n"
    )
}

#[test]
fn a_typed_placeholder_reason_is_refused_with_its_file_line_and_field() {
    for reason in [
        "N/A",
        "n/a",
        "'(N/A)'",
        "WIP",
        "'**WIP**: later'",
        "x",
        "ok",
        "to do",
        "To-Do",
        "T0DO",
        "'T0DO: explain'",
        "pending",
        "Pending",
        "T.B.D.",
        "tba",
        "to be determined",
        "'<pending>'",
        "none",
    ] {
        let e = parse(Path::new("c.drift.yaml"), &file(reason)).unwrap_err();
        assert!(
            e.starts_with("c.drift.yaml:6: drift[0].reason: `")
                && e.contains("is a placeholder, not a reason"),
            "{reason}: {e}"
        );
    }
}

#[test]
fn blesss_todo_and_a_persons_reason_still_load() {
    for reason in [
        super::TODO,
        "TODO",
        "FIXME: ask",
        "TBD",
        "?",
        "No Docker on the lab's nodes",
        "Pending a fix in flannel, the lab cannot show the book's route",
        "To do so the book's kernel needed Docker",
        "IPv6",
    ] {
        let k = parse(Path::new("c.drift.yaml"), &file(&format!("\"{reason}\"")));
        assert!(k.is_ok(), "{reason}: {k:?}");
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    load(&root.join("labs/chapter4/chapter.drift.yaml")).unwrap();
}
