//! `.ci/install` refuses service starts only while it installs: a
//! policy-rc.d it wrote is gone when it ends, and one the machine had is
//! left exactly as it was. Package tools are stand-ins that report every
//! package present (the script's own logic is what is tested).

use crate::harness::root;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;

fn stub(dir: &Path, name: &str, body: &str) {
    let p = dir.join(name);
    std::fs::write(&p, format!("#!/bin/sh\n{body}\n")).unwrap();
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
}

fn install(policy: &Path) -> std::process::Output {
    let bin = tempfile::tempdir().unwrap();
    stub(
        bin.path(),
        "dpkg-query",
        "case \"$*\" in *Version*) echo 1~bpo12;; *) echo 'install ok installed';; esac",
    );
    stub(bin.path(), "python3", "exit 0");
    stub(bin.path(), "actionlint", "exit 0");
    stub(
        bin.path(),
        "apt-get",
        "echo apt-get must not run >&2; exit 1",
    );
    let sources = bin.path().join("backports.sources");
    std::fs::write(&sources, "present\n").unwrap();
    let out = Command::new("bash")
        .arg(root().join(".ci/install"))
        .env("PATH", format!("{}:/usr/bin:/bin", bin.path().display()))
        .env("LAB_INSTALL_POLICY_RC_D", policy)
        .env("LAB_INSTALL_BACKPORTS_SOURCE", &sources)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

#[test]
fn the_install_leaves_no_policy_rc_d_behind() {
    let dir = tempfile::tempdir().unwrap();
    let policy = dir.path().join("policy-rc.d");
    let out = install(&policy);
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(!policy.exists(), "policy-rc.d left on the host: {said}");
    assert!(said.contains("while this script installs"), "{said}");
    assert!(said.contains("removed"), "{said}");

    // A machine's own policy is kept byte for byte.
    std::fs::write(&policy, "#!/bin/sh\n# the machine's own\nexit 0\n").unwrap();
    let out = install(&policy);
    assert_eq!(
        std::fs::read_to_string(&policy).unwrap(),
        "#!/bin/sh\n# the machine's own\nexit 0\n"
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("left as it is"));
}
