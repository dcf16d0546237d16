//! The rooms of the library (its top-level modules: a folder or a file of
//! `src/`) import one way only: down the order of [`ROOMS`], which
//! `docs/architecture.md` draws. This test reads every `crate::…` path of
//! `src/` (comments aside) and fails on an import that goes up the order
//! or sideways, so no new circle between rooms can land. None goes up
//! today: [`UPWARD_TODAY`], where one would have to be listed with why, is
//! empty (and an entry that no longer occurs fails the test, so a listed
//! one is struck off when its circle is broken). A room's own `mod` tree
//! is free.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// The rooms, lowest first: a room may import only rooms before it.
pub const ROOMS: &[&str] = &[
    // Foundations: nothing of a lab.
    "error",
    "clock",
    "fault",
    "signals",
    "suggest",
    "digest",
    "shell",
    "input_file",
    "places",
    // The labs shipped in the binary, which the definition finds by name.
    "shipped",
    "session",
    "report",
    // The lab as data: its pod network plugins (which read their own
    // manifests), its testbed (which asks them), what its checks ask (which
    // resolve against the testbed), the definition (testbed and checks).
    "cni",
    "testbed",
    "probe",
    "spec",
    // The host: state folders, processes, SSH, the real kubectl.
    "state",
    "exec",
    "ssh",
    "kubectl",
    // Making and checking labs.
    "bringup",
    "cluster",
    "provider",
    "verify",
    "graph",
    "book",
    "history",
    "init",
    // The story and its faces.
    "ops",
    "nightly",
    "cli",
];

/// Imports that go up [`ROOMS`] today, each closing a circle still to be
/// broken: `(from, to, why)`. Empty since `spec` -> `probe` was broken (the
/// lab's testbed moved below the probes, `spec` above them); kept, empty:
/// an import going up fails the test unless it is listed here, with why.
pub const UPWARD_TODAY: &[(&str, &str, &str)] = &[];

/// Every room's imports of other rooms, from the `.rs` files under `src`.
pub fn room_imports(src: &Path) -> BTreeMap<String, BTreeSet<String>> {
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut files = Vec::new();
    collect(src, &mut files);
    for file in files {
        let rel = file.strip_prefix(src).expect("under src");
        let first = rel.components().next().expect("a path");
        let room = first
            .as_os_str()
            .to_string_lossy()
            .trim_end_matches(".rs")
            .to_string();
        if ["lib", "main", "import_graph"].contains(&room.as_str()) {
            continue;
        }
        let text = std::fs::read_to_string(&file).expect("readable source");
        let to = graph.entry(room.clone()).or_default();
        for used in imports(&text) {
            if used != room {
                to.insert(used);
            }
        }
    }
    graph
}

fn collect(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for e in std::fs::read_dir(dir).expect("readable src") {
        let p = e.expect("entry").path();
        if p.is_dir() {
            collect(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// The rooms a source text names by `crate::room` (or `crate::{room, …}`),
/// outside comments.
pub fn imports(text: &str) -> BTreeSet<String> {
    let ident = |s: &str| -> String {
        s.trim()
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect()
    };
    let mut out = BTreeSet::new();
    for line in text.lines() {
        let code = match line.find("//") {
            Some(i) => &line[..i],
            None => line,
        };
        for (i, _) in code.match_indices("crate::") {
            if code[..i].ends_with('$') {
                continue;
            }
            let rest = &code[i + "crate::".len()..];
            if let Some(group) = rest.strip_prefix('{') {
                let group = group.split('}').next().unwrap_or("");
                out.extend(group.split(',').map(ident).filter(|s| is_room(s)));
            } else {
                let name = ident(rest);
                if is_room(&name) {
                    out.insert(name);
                }
            }
        }
    }
    out
}

/// A module's name (the crate root's re-exports, `crate::Result`, are
/// types: capitalised).
fn is_room(name: &str) -> bool {
    name.starts_with(|c: char| c.is_ascii_lowercase())
}

/// What is wrong with `graph` against [`ROOMS`] and `upward`: imports up
/// the order not listed, listed ones that no longer occur, rooms not placed.
pub fn problems(
    graph: &BTreeMap<String, BTreeSet<String>>,
    rooms: &[&str],
    upward: &[(&str, &str, &str)],
) -> Vec<String> {
    let rank = |r: &str| rooms.iter().position(|x| *x == r);
    let mut out = Vec::new();
    for (from, tos) in graph {
        let Some(rf) = rank(from) else {
            out.push(format!("room '{from}' is not placed in ROOMS"));
            continue;
        };
        for to in tos {
            match rank(to) {
                None => out.push(format!("room '{to}' (imported by {from}) is not placed in ROOMS")),
                Some(rt) if rt >= rf && !upward.iter().any(|(a, b, _)| a == from && b == to) => {
                    out.push(format!("{from} imports {to}, which is not below it in ROOMS: a circle between rooms"))
                }
                _ => {}
            }
        }
    }
    for (a, b, _) in upward {
        if !graph.get(*a).is_some_and(|t| t.contains(*b)) {
            out.push(format!(
                "{a} no longer imports {b}: strike it off UPWARD_TODAY"
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rooms_import_only_downward() {
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let graph = room_imports(&src);
        assert!(graph.contains_key("provider") && graph["provider"].contains("session"));
        let p = problems(&graph, ROOMS, UPWARD_TODAY);
        assert!(p.is_empty(), "{}", p.join("\n"));
    }

    /// docs/architecture.md's table lists the rooms in [`ROOMS`]' order.
    #[test]
    fn the_architecture_table_is_rooms() {
        let doc = std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/architecture.md"),
        )
        .expect("docs/architecture.md");
        let table: Vec<&str> = doc
            .lines()
            .filter_map(|l| {
                let cells: Vec<&str> = l.split('|').map(str::trim).collect();
                let n = cells.get(1)?.parse::<usize>().ok()?;
                let room = cells.get(2)?.trim_matches('`');
                (n >= 1).then_some(room)
            })
            .collect();
        assert_eq!(table, ROOMS, "docs/architecture.md's rooms are not ROOMS");
    }

    #[test]
    fn an_upward_import_or_a_stale_entry_is_found() {
        let graph: BTreeMap<String, BTreeSet<String>> = [
            ("session".to_string(), ["error".to_string()].into()),
            ("error".to_string(), ["session".to_string()].into()),
        ]
        .into();
        assert_eq!(
            problems(&graph, &["error", "session"], &[]),
            ["error imports session, which is not below it in ROOMS: a circle between rooms"]
        );
        assert!(problems(&graph, &["error", "session"], &[("error", "session", "")]).is_empty());
        assert_eq!(
            problems(
                &graph,
                &["error", "session"],
                &[("error", "session", ""), ("session", "cli", "")]
            ),
            ["session no longer imports cli: strike it off UPWARD_TODAY".to_string()]
        );
        assert_eq!(
            problems(&graph, &["session"], &[]),
            [
                "room 'error' is not placed in ROOMS",
                "room 'error' (imported by session) is not placed in ROOMS"
            ]
        );
    }

    #[test]
    fn imports_are_read_from_code_not_comments() {
        let text = "use crate::spec::Lab;\nuse crate::Result;\n//! see [`crate::cli`]\nlet x = crate::{probe::X, cni};\n$crate::macro_only\n  foo(); // crate::ops\n";
        let got: Vec<String> = imports(text).into_iter().collect();
        assert_eq!(got, ["cni", "probe", "spec"]);
    }
}
