//! What a new user meets first: a typo'd lab name, a copied binary, an
//! interactive `lab ssh`, the last line of a run. Each test here failed
//! before its fix.

use crate::harness::lab_cmd;
use crate::labs::{TestLab, text};

#[test]
fn destroy_of_a_lab_that_never_existed_is_an_error_naming_the_labs_up() {
    let (mut cmd, state) = lab_cmd();
    let out = cmd.args(["destroy", "chapter5"]).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(!err.contains("destroyed"), "{err}");
    assert!(
        err.contains("there is no lab 'chapter5' here to destroy"),
        "{err}"
    );
    assert!(err.contains("(labs up here: none)"), "{err}");
    // Nothing was made for it.
    assert!(!state.path().join("chapter5").exists());
}

#[test]
fn up_of_an_unknown_lab_suggests_the_nearest_and_lists_the_labs() {
    let (mut cmd, state) = lab_cmd();
    let out = cmd
        .current_dir(crate::harness::root())
        .args(["up", "chapter5"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("did you mean 'chapter4'?"), "{err}");
    assert!(err.contains("labs found: chapter4"), "{err}");
    assert!(!state.path().join("chapter5").exists());
}

/// The binary copied into an empty folder, run from another empty folder
/// with `LAB_PATH` unset: `lab`'s own labs travel with it.
fn copied_binary() -> (tempfile::TempDir, std::path::PathBuf, tempfile::TempDir) {
    let bin_dir = tempfile::tempdir().unwrap();
    let bin = bin_dir.path().join("lab");
    std::fs::copy(env!("CARGO_BIN_EXE_lab"), &bin).unwrap();
    let cwd = tempfile::tempdir().unwrap();
    (bin_dir, bin, cwd)
}

#[test]
fn a_copied_binary_in_an_empty_folder_finds_chapter4() {
    let (_bin_dir, bin, cwd) = copied_binary();
    let state = tempfile::tempdir().unwrap();
    let cache = tempfile::tempdir().unwrap();
    let out = std::process::Command::new(&bin)
        .current_dir(cwd.path())
        .env_remove("LAB_PATH")
        .env("LAB_STATE_DIR", state.path())
        .env("LAB_CACHE_DIR", cache.path())
        .env("CI", "1")
        .arg("list")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(
        stdout.starts_with("chapter4: Setup Network Using Flannel\n"),
        "{stdout}"
    );
    assert!(stdout.contains("  checks    11\n"), "{stdout}");
    // The files are written to lab's cache, not read from the repository.
    let file = stdout
        .lines()
        .find_map(|l| l.strip_prefix("  file      "))
        .unwrap();
    assert!(
        file.starts_with(&cache.path().display().to_string()),
        "{file}"
    );
    assert!(!file.contains(env!("CARGO_MANIFEST_DIR")), "{file}");
    // The whole lab came along: its chapter and manifests load.
    let out = std::process::Command::new(&bin)
        .current_dir(cwd.path())
        .env_remove("LAB_PATH")
        .env("LAB_STATE_DIR", state.path())
        .env("LAB_CACHE_DIR", cache.path())
        .args(["render", "chapter4"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
}

#[test]
fn a_nodes_resolver_is_its_own_loopback_not_the_hosts_nameserver() {
    let lab = TestLab::chapter4("ux");
    lab.up(&[]);
    let out = lab.ssh("node1", "cat /etc/resolv.conf");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let conf = String::from_utf8_lossy(&out.stdout);
    let servers: Vec<&str> = conf
        .lines()
        .filter_map(|l| l.strip_prefix("nameserver"))
        .map(str::trim)
        .collect();
    assert!(!servers.is_empty(), "no nameserver line: {conf}");
    assert!(
        servers.iter().all(|s| s.starts_with("127.")),
        "a node would wait for a nameserver it cannot reach: {conf}"
    );
    // The last line of a run ends with a newline, on every stream.
    let out = lab.lab(&["verify", &lab.name, "--only", "own pod subnet"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    for s in [&out.stdout, &out.stderr] {
        assert!(s.is_empty() || s.ends_with(b"\n"), "{}", text(&out));
    }
}

fn schema(name: &str) -> serde_json::Value {
    let path = crate::harness::root().join("docs").join(name);
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).expect("the schema is JSON")
}

/// `doc` against `docs/<schema>`: no problem; and a copy with `break_it`
/// applied is refused (the validation can fail).
fn assert_valid(
    doc: &serde_json::Value,
    name: &str,
    break_it: impl FnOnce(&mut serde_json::Value),
) {
    let s = schema(name);
    let problems = crate::report::validate(&s, doc);
    assert!(problems.is_empty(), "{name}: {problems:?}\n{doc:#}");
    let mut broken = doc.clone();
    break_it(&mut broken);
    assert!(
        !crate::report::validate(&s, &broken).is_empty(),
        "{name} accepts a broken document"
    );
}

#[test]
fn list_json_validates_against_its_schema() {
    let (mut cmd, _state) = lab_cmd();
    let out = cmd
        .current_dir(crate::harness::root())
        .args(["list", "-o", "json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(doc["labs"][0]["name"], "chapter4");
    assert_eq!(doc["labs"][0]["variants"][0]["default"], true);
    assert_valid(&doc, "lab-list.schema.json", |d| {
        d["labs"][0]["variants"][0]["default"] = "yes".into()
    });
}

/// What `COMPLETE=bash lab -- WORDS` answers for the last word.
fn complete(cmd: &mut assert_cmd::Command, words: &[&str]) -> Vec<String> {
    let out = cmd
        .env("COMPLETE", "bash")
        .env("_CLAP_COMPLETE_INDEX", (words.len() - 1).to_string())
        .env("_CLAP_IFS", "\n")
        .arg("--")
        .args(words)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    // Options are offered too; the names are what is asked here.
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| !l.starts_with('-'))
        .map(str::to_string)
        .collect()
}

#[test]
fn completion_offers_lab_names_variants_and_commands_but_not_internal_ones() {
    let root = crate::harness::root();
    let (mut cmd, _s) = lab_cmd();
    let labs = complete(cmd.current_dir(&root), &["lab", "up", ""]);
    assert!(labs.contains(&"chapter4".to_string()), "{labs:?}");
    let (mut cmd, _s) = lab_cmd();
    let v = complete(
        cmd.current_dir(&root),
        &["lab", "up", "chapter4", "--variant", ""],
    );
    assert_eq!(v, ["broken", "fixed"]);
    let (mut cmd, _s) = lab_cmd();
    let n = complete(
        cmd.current_dir(&root),
        &["lab", "render", "chapter4", "--node", ""],
    );
    assert_eq!(n, ["master", "node1", "node2"]);
    let (mut cmd, _s) = lab_cmd();
    let subs = complete(&mut cmd, &["lab", ""]);
    for s in ["up", "verify", "graph", "inspect", "nightly", "list"] {
        assert!(subs.contains(&s.to_string()), "{s} not in {subs:?}");
    }
    for s in ["proxy", "tcp-proxy"] {
        assert!(!subs.contains(&s.to_string()), "{s} offered: {subs:?}");
    }
}

#[test]
fn man_out_writes_one_page_per_command_and_every_page_it_names_exists() {
    let dir = tempfile::tempdir().unwrap();
    let (mut cmd, _s) = lab_cmd();
    let out = cmd.args(["man", "--out"]).arg(dir.path()).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let files: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    for f in [
        "lab.1",
        "lab-up.1",
        "lab-graph.1",
        "lab-nightly.1",
        "lab-nightly-merge.1",
        "lab-box-build.1",
    ] {
        assert!(files.contains(&f.to_string()), "{f} not in {files:?}");
    }
    assert!(
        !files
            .iter()
            .any(|f| f.contains("proxy") || f.contains("help")),
        "{files:?}"
    );
    // Every `lab-X(1)` a page refers to is a page.
    let re = regex::Regex::new(r"(lab(?:\\-[a-z]+)+)\(1\)").unwrap();
    for f in &files {
        let page = std::fs::read_to_string(dir.path().join(f)).unwrap();
        for c in re.captures_iter(&page) {
            let name = c[1].replace("\\-", "-");
            assert!(files.contains(&format!("{name}.1")), "{f} names {name}(1)");
        }
        assert!(!page.contains("tcp\\-proxy"), "{f} shows tcp-proxy");
    }
    let main = std::fs::read_to_string(dir.path().join("lab.1")).unwrap();
    for v in ["LAB_STATE_DIR", "LAB_PATH", "NO_COLOR"] {
        assert!(main.contains(v), "lab.1 does not explain {v}");
    }
}

#[test]
fn every_argument_of_every_command_has_help_text() {
    fn walk(cmd: &clap::Command, path: &str, missing: &mut Vec<String>) {
        for a in cmd.get_arguments() {
            if a.is_hide_set() || ["help", "version"].contains(&a.get_id().as_str()) {
                continue;
            }
            if a.get_help().is_none() && a.get_long_help().is_none() {
                missing.push(format!("{path} {}", a.get_id()));
            }
        }
        for s in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
            if s.get_about().is_none() && s.get_name() != "help" {
                missing.push(format!("{path} {} (no about)", s.get_name()));
            }
            walk(s, &format!("{path} {}", s.get_name()), missing);
        }
    }
    let mut cmd = lab::cli::command();
    cmd.build();
    let mut missing = Vec::new();
    walk(&cmd, "lab", &mut missing);
    assert!(missing.is_empty(), "no help text: {missing:#?}");
    let help = cmd.render_long_help().to_string();
    assert!(
        help.contains("LAB_STATE_DIR") && help.contains("LAB_PATH"),
        "{help}"
    );
}

#[test]
fn a_live_lab_graph_shows_three_shared_vteps_broken_and_distinct_ones_fixed() {
    let lab = TestLab::chapter4("uxg");
    lab.up(&[]);
    let json = |args: &[&str]| -> serde_json::Value {
        let out = lab.lab(args);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out));
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(&out)))
    };
    let vteps = |doc: &serde_json::Value| -> Vec<String> {
        doc["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n["vtep"].as_str().unwrap_or("-").to_string())
            .collect()
    };
    let status = json(&["status", &lab.name, "-o", "json"]);
    assert_valid(&status, "lab-status.schema.json", |d| {
        d["pods"][0]["ip"] = 7.into()
    });
    let broken = json(&["inspect", &lab.name, "-o", "json"]);
    assert_eq!(broken["source"], "live");
    assert_valid(&broken, "lab-inspect.schema.json", |d| {
        d["nodes"][0]["vtep"] = "not an address".into()
    });
    assert_eq!(vteps(&broken), ["10.0.2.15"; 3]);
    assert_eq!(broken["nodes"][1]["cni_interface"]["name"], "enp0s3");
    let svg = lab.lab(&["graph", &lab.name]);
    let svg = String::from_utf8_lossy(&svg.stdout);
    assert_eq!(svg.matches("VTEP 10.0.2.15  ✗ shared").count(), 3, "{svg}");
    assert!(svg.contains("live lab on netns"), "{svg}");
    // Nodes complete from the lab that is up.
    let mut cmd = assert_cmd::Command::new(env!("CARGO_BIN_EXE_lab"));
    cmd.env("LAB_STATE_DIR", lab.state.path())
        .env_remove("LAB_PATH");
    assert_eq!(
        complete(&mut cmd, &["lab", "ssh", &lab.name, ""]),
        ["master", "node1", "node2"]
    );

    let out = lab.lab(&["apply", &lab.name, "--variant", "fixed"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let fixed = json(&["inspect", &lab.name, "-o", "json"]);
    assert_eq!(
        vteps(&fixed),
        ["10.100.198.200", "10.100.198.201", "10.100.198.202"]
    );
    let out = lab.lab(&["graph", &lab.name, "--format", "dot"]);
    let dot = String::from_utf8_lossy(&out.stdout);
    assert!(!dot.contains("shared"), "{dot}");
    for v in [
        "VTEP 10.100.198.200",
        "VTEP 10.100.198.201",
        "VTEP 10.100.198.202",
    ] {
        assert!(dot.contains(v), "{v}: {dot}");
    }
    let out = lab.lab(&["graph", &lab.name, "--format", "mermaid"]);
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("---\ntitle: "));
}

#[test]
fn graph_without_a_live_lab_draws_the_declared_topology_marked_as_such() {
    let (mut cmd, _s) = lab_cmd();
    let out = cmd
        .current_dir(crate::harness::root())
        .args(["graph", "chapter4"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let svg = String::from_utf8_lossy(&out.stdout);
    assert!(svg.starts_with("<svg "), "{svg}");
    assert!(svg.contains("DECLARED topology"), "{svg}");
    assert_eq!(svg.matches("VTEP 10.0.2.15  ✗ shared").count(), 3);
    assert!(String::from_utf8_lossy(&out.stderr).contains("not up here"));
}

/// A failing `lab verify`, piped and in a terminal (`script` gives it a
/// pty of 80 columns): every stream's last line ends with a newline, the
/// last line is the summary with the total time, and the diagnostics are
/// one folder per check, relative to the lab's folder (named once).
#[test]
fn a_failing_verify_ends_its_last_line_and_names_one_folder_a_check() {
    let lab = TestLab::new("chapter4", "vf", |y| {
        y.replace(
            "expect: { broken: unreachable, fixed: { status: 200 } }",
            "expect: { status: 200 }",
        )
    });
    lab.up(&[]);
    let only = "nginx answers";
    // Piped.
    let out = lab.lab(&["verify", &lab.name, "--only", only]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert!(stdout.ends_with(" s\n"), "{stdout:?}");
    assert!(stderr.ends_with('\n'), "{stderr:?}");
    let last = stdout.lines().last().unwrap();
    assert!(last.starts_with("0 passed, 1 failed in "), "{last:?}");
    let dir = lab.dir().display().to_string();
    let diagnostics = stdout
        .split_once("diagnostics, under the lab's folder ")
        .map(|(_, d)| d)
        .unwrap_or_else(|| panic!("no diagnostics: {stdout}"));
    let mine = format!("{dir}/:\n  nginx answers across nodes (broken): artifacts/");
    assert!(diagnostics.starts_with(&mine), "{stdout}");
    let folder = diagnostics.lines().nth(1).unwrap();
    assert!(
        folder.ends_with("/broken/nginx-answers-across-nodes/"),
        "{folder}"
    );
    assert_eq!(stdout.matches(&dir).count(), 1, "{stdout}");
    let rel = folder.rsplit_once(": ").unwrap().1;
    assert!(lab.dir().join(rel).is_dir(), "{rel} is not a folder");

    // In a terminal: what the user sees ends with the pty's newline.
    let cmd = format!(
        "stty cols 80; {} verify {} --only '{only}'",
        env!("CARGO_BIN_EXE_lab"),
        lab.name
    );
    let out = std::process::Command::new("script")
        .args(["-q", "-e", "-c", &cmd, "/dev/null"])
        .env("LAB_STATE_DIR", lab.state.path())
        .env_remove("CI")
        .env_remove("COLUMNS")
        .current_dir(lab.src.path())
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let seen = String::from_utf8_lossy(&out.stdout);
    assert!(
        seen.ends_with(" s\r\n"),
        "{:?}",
        &seen[seen.len().saturating_sub(200)..]
    );
    assert!(seen.contains("0 passed, 1 failed in "), "{seen}");

    // `lab status` at 80 columns: a node's addresses wrap, whole.
    let out = lab
        .cmd()
        .env("COLUMNS", "80")
        .args(["status", &lab.name])
        .output()
        .unwrap();
    let status = String::from_utf8_lossy(&out.stdout);
    assert!(status.lines().all(|l| l.chars().count() <= 80), "{status}");
    assert!(status.contains("enp0s8 10.100.198.201/24"), "{status}");
}

/// `lab ARGS` with the state folder `state`, run in `dir`.
fn run_in(state: &std::path::Path, dir: &std::path::Path, args: &[&str]) -> std::process::Output {
    crate::harness::lab_cmd_in(state)
        .current_dir(dir)
        .args(args)
        .output()
        .unwrap()
}

/// What a command printed, both streams.
fn said(o: &std::process::Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// probe21n, lesser: `lab up hl` took `hl`, a lab folder in the current
/// directory, as that folder, while `lab destroy hl` (and `status`) took
/// it as a lab's name and said "no lab 'hl'" (exit 2). Now every command
/// reads a folder argument as `up` does.
#[test]
fn a_lab_folder_named_like_a_lab_is_the_same_lab_for_every_command() {
    crate::harness::require_root();
    let name = crate::harness::unique_name("hlfold");
    let lab = crate::harness::copy_lab("chapter4", &name);
    let parent = tempfile::tempdir().unwrap();
    std::fs::rename(lab.path(), parent.path().join("hl")).unwrap();
    let state = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| run_in(state.path(), parent.path(), args);
    let up = run(&["up", "hl"]);
    assert!(up.status.success(), "{}", said(&up));
    let status = run(&["status", "hl"]);
    let destroy = run(&["destroy", "hl"]);
    if !destroy.status.success() {
        run(&["destroy", &name]);
    }
    assert!(status.status.success(), "{}", said(&status));
    assert!(said(&status).contains(&name), "{}", said(&status));
    assert!(destroy.status.success(), "{}", said(&destroy));
    assert!(
        said(&destroy).contains(&format!("lab {name} destroyed")),
        "{}",
        said(&destroy)
    );
    assert!(
        crate::harness::netns_list()
            .iter()
            .all(|n| !n.contains(&name))
    );
}

/// The review of that fix: with a lab up under the bare word's own name
/// too, a folder of that name here was taken first, so the other lab could
/// not be destroyed by its name (and, both up, the wrong one would go).
/// Now the lab of that name is meant unless only the folder's lab is up,
/// and both up is a usage error naming both.
#[test]
fn a_bare_word_naming_a_lab_up_and_a_lab_folder_is_never_guessed() {
    crate::harness::require_root();
    let word = crate::harness::unique_name("hlb");
    let inner = crate::harness::unique_name("hla");
    let named = crate::harness::copy_lab("chapter4", &word);
    let folder_lab = crate::harness::copy_lab("chapter4", &inner);
    let parent = tempfile::tempdir().unwrap();
    std::fs::rename(folder_lab.path(), parent.path().join(&word)).unwrap();
    let state = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| run_in(state.path(), parent.path(), args);
    let up_named = run(&["up", named.path().to_str().unwrap()]);
    let up_folder = run(&["up", &format!("./{word}")]);
    let both = run(&["destroy", &word]);
    let folder_gone = run(&["destroy", &format!("./{word}")]);
    let named_gone = run(&["destroy", &word]);
    // Whatever failed above, both go (the folder's by its path first: the
    // bare word is refused while both are up).
    for n in [format!("./{word}"), word.clone(), inner.clone()] {
        run(&["destroy", &n]);
    }
    assert!(
        up_named.status.success() && up_folder.status.success(),
        "{}{}",
        said(&up_named),
        said(&up_folder)
    );
    assert_eq!(both.status.code(), Some(2), "{}", said(&both));
    assert!(
        said(&both).contains(&inner) && said(&both).contains(&word),
        "{}",
        said(&both)
    );
    assert!(
        said(&folder_gone).contains(&format!("lab {inner} destroyed")),
        "{}",
        said(&folder_gone)
    );
    assert!(
        said(&named_gone).contains(&format!("lab {word} destroyed")),
        "{}",
        said(&named_gone)
    );
}

/// probe21o, lesser: a FIFO planted as a lab's `state.json` made `status`
/// and `destroy` block in `open()` for ten minutes and more, through
/// SIGTERM. Now it is opened without blocking and refused by its type:
/// `status` says the state is no lab state, `destroy` goes on without it.
#[test]
fn a_fifo_as_a_labs_state_blocks_no_command() {
    use std::os::unix::fs::PermissionsExt;
    let state = tempfile::tempdir().unwrap();
    let name = crate::harness::unique_name("fifost");
    let dir = state.path().join(&name);
    std::fs::create_dir(&dir).unwrap();
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700)).unwrap();
    let fifo = std::ffi::CString::new(dir.join("state.json").to_str().unwrap()).unwrap();
    // SAFETY: a NUL-terminated path of ours.
    assert_eq!(unsafe { libc::mkfifo(fifo.as_ptr(), 0o600) }, 0);
    for cmd in ["status", "destroy"] {
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_lab"))
            .env("LAB_STATE_DIR", state.path())
            .env("CI", "1")
            .args([cmd, &name])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        while child.try_wait().unwrap().is_none() && std::time::Instant::now() < deadline {
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        let ended = child.try_wait().unwrap().is_some();
        if !ended {
            let _ = child.kill();
        }
        let out = child.wait_with_output().unwrap();
        let said = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(ended, "`lab {cmd}` still waits after 20 s: {said}");
        if cmd == "status" {
            assert!(said.contains("is a FIFO"), "{said}");
        }
    }
}

/// probe21p, finding 2: root's `lab` wrote its state by path into a state
/// root in a folder another user owns, who swapped it while lab ran (and
/// made root overwrite files of its choice). Now such a state root is
/// refused before anything is made (exit 2).
#[test]
fn a_state_root_in_another_users_folder_is_refused() {
    crate::harness::require_root();
    let t = tempfile::tempdir().unwrap();
    let theirs = t.path().join("checkout");
    std::fs::create_dir(&theirs).unwrap();
    std::os::unix::fs::chown(&theirs, Some(65534), Some(65534)).unwrap();
    let name = crate::harness::unique_name("theirs");
    let lab = crate::harness::copy_lab("chapter4", &name);
    let state = theirs.join(".lab");
    let out = crate::harness::lab_cmd_in(&state)
        .env_remove("SUDO_UID")
        .args(["up", lab.path().to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", said(&out));
    assert!(
        said(&out).contains("belongs to uid 65534"),
        "{}",
        said(&out)
    );
    assert!(!state.exists(), "{}", said(&out));
    crate::book::no_namespaces_of(&name);
    // A state root lab is yet to make in the sticky /tmp is root's own.
    let unmade = std::env::temp_dir().join(format!("{name}-unmade"));
    let state = unmade.join("state");
    let run = |args: &[&str]| {
        crate::harness::lab_cmd_in(&state)
            .env_remove("SUDO_UID")
            .args(args)
            .output()
            .unwrap()
    };
    let up = run(&["up", lab.path().to_str().unwrap()]);
    let down = run(&["destroy", &name, "--purge"]);
    let _ = std::fs::remove_dir_all(&unmade);
    assert!(up.status.success(), "{}", said(&up));
    assert!(down.status.success(), "{}", said(&down));
}
