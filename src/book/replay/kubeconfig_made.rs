//! Whether the kubeconfig a book's `kubectl --kubeconfig PATH` names is one
//! the reader has. Lab gives every kubectl line a kubeconfig of the name it
//! asks for (offline, any name works), so a typo of the chapter's path
//! (`./admin.cfg` for `./admin.conf`) passed (probe21bc, lesser 8), though
//! the reader's kubectl fails on it (kubectl 1.32, measured: `error: stat
//! ./admin.cfg: no such file or directory`). The reader has kubeadm's
//! `admin.conf` in the folder they work in (the lab's cluster's kubeconfig,
//! the one lab uses for a line without `--kubeconfig`) and in
//! `/etc/kubernetes` where kubeadm wrote it, kubectl's own `~/.kube/config`,
//! and what the chapter's commands write: a redirect's file, `tee`'s files,
//! the last word of `cp`, `scp`, `mv` or `install` (a folder's: the file
//! copied into it). The path is judged as typed, not its file name alone:
//! `./old/admin.conf` passed (probe21be, lesser 4), though no command makes
//! a folder `old`. `./` and `$HOME` are read as the shell reads them; a
//! path behind another variable is judged by its file name alone.

use crate::book::parse::Step;
use crate::book::recognize::Cmd;

/// The paths of the kubeconfigs the reader has ([`normal`]), from the
/// chapter's commands ([`written`]) and those every reader has.
pub(super) fn known(blocks: &[Vec<(Step, Result<Cmd, String>)>]) -> Vec<String> {
    let mut paths: Vec<String> = ["admin.conf", "/etc/kubernetes/admin.conf", "~/.kube/config"]
        .map(String::from)
        .to_vec();
    for (step, _) in blocks.iter().flatten() {
        for path in written(&step.command) {
            let path = normal(&path);
            if !paths.contains(&path) {
                paths.push(path);
            }
        }
    }
    paths
}

/// The last part of a path (`admin.conf` of `./admin.conf`).
fn file_name(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

/// A path as the shell finds it from the reader's folder: `$HOME` and
/// `${HOME}` as `~`, no `./` part, no doubled `/` (`./admin.conf` is
/// `admin.conf`, `$HOME//x` is `~/x`).
fn normal(path: &str) -> String {
    let path = ["${HOME}", "$HOME"]
        .iter()
        .find_map(|h| path.strip_prefix(h).map(|rest| format!("~{rest}")))
        .unwrap_or_else(|| path.to_string());
    let absolute = path.starts_with('/');
    let parts: Vec<&str> = path
        .split('/')
        .filter(|p| !p.is_empty() && *p != ".")
        .collect();
    format!("{}{}", if absolute { "/" } else { "" }, parts.join("/"))
}

/// The files one command line writes: redirects (`> P`, `>P`, `>> P`),
/// `tee`'s files, and the last word of `cp`, `scp`, `mv`, `install`, in
/// each part of a line joined by `|`, `;`, `&&` or `||`. Quotes are taken
/// off a word (a `vagrant ssh -c "…"` line's inner command is read too).
pub(super) fn written(command: &str) -> Vec<String> {
    let text = command.replace(['"', '\''], " ");
    let mut out = Vec::new();
    for part in text.split(['|', ';', '&']) {
        let words: Vec<&str> = part.split_whitespace().collect();
        let mut i = 0;
        while i < words.len() {
            let w = words[i];
            if let Some(rest) = w.strip_prefix(">>").or_else(|| w.strip_prefix('>')) {
                match rest {
                    "" => out.extend(words.get(i + 1).map(|s| s.to_string())),
                    p => out.push(p.to_string()),
                }
            }
            i += 1;
        }
        let args: Vec<&str> = words
            .iter()
            .skip_while(|w| **w == "sudo")
            .copied()
            .take_while(|w| !w.starts_with('>'))
            .collect();
        match args.first().copied() {
            // Into a folder (`.`, `dir/`): the file copied, in it.
            Some("cp" | "scp" | "mv" | "install") if args.len() > 2 => {
                let to = args[args.len() - 1];
                let from = file_name(args[args.len() - 2]);
                match to == "." || to == "~" || to.ends_with('/') {
                    true => out.push(format!("{}/{from}", to.trim_end_matches('/'))),
                    false => out.push(to.to_string()),
                }
            }
            Some("tee") => out.extend(
                args[1..]
                    .iter()
                    .filter(|a| !a.starts_with('-'))
                    .map(|s| s.to_string()),
            ),
            _ => {}
        }
    }
    out.retain(|p| !p.is_empty() && !p.starts_with('&') && p != "/dev/null");
    out
}

/// The difference of a kubectl line whose `--kubeconfig` the reader does
/// not have (`known`: [`known`]), in kubectl's words for a missing file.
pub(super) fn unmade(kubeconfig: &str, known: &[String], minor: &str) -> Option<String> {
    let path = normal(kubeconfig);
    let had = match path.contains('$') {
        // Behind a variable the folder is not the book's to know.
        true => known.iter().any(|k| file_name(k) == file_name(&path)),
        false => known.contains(&path),
    };
    (!had).then(|| {
        format!(
            "no command of the chapter makes the kubeconfig {kubeconfig}, and the lab's cluster gives admin.conf: the reader's kubectl {minor} fails: error: stat {kubeconfig}: no such file or directory"
        )
    })
}

#[cfg(test)]
mod tests {
    use super::{unmade, written};

    #[test]
    fn the_files_a_command_writes() {
        assert_eq!(
            written("vagrant ssh master -c \"sudo cat /etc/kubernetes/admin.conf\" > admin.cfg"),
            ["admin.cfg"]
        );
        assert_eq!(written("cat x >>k.conf"), ["k.conf"]);
        assert_eq!(
            written("sudo cp /etc/kubernetes/admin.conf $HOME/my.conf"),
            ["$HOME/my.conf"]
        );
        assert_eq!(
            written("scp vagrant@10.0.0.1:/etc/kubernetes/admin.conf ."),
            ["./admin.conf"]
        );
        assert_eq!(written("cp admin.conf old/"), ["old/admin.conf"]);
        assert_eq!(written("cat a | sudo tee -a b.conf"), ["b.conf"]);
        assert!(written("kubectl --kubeconfig ./admin.conf get pods").is_empty());
        assert!(written("ping -c 1 10.0.0.1 2>&1 > /dev/null").is_empty());
    }

    /// probe21bc, lesser 8: a kubeconfig no command makes, other than the
    /// lab's own and kubectl's default, is a difference.
    #[test]
    fn a_kubeconfig_the_reader_lacks_is_a_difference() {
        let known = super::known(&[]);
        let mut made = known.clone();
        made.push(super::normal("$HOME/my.conf"));
        for had in [
            "./admin.conf",
            "admin.conf",
            ".//admin.conf",
            "/etc/kubernetes/admin.conf",
            "~/.kube/config",
            "$HOME/.kube/config",
            "${HOME}/.kube/config",
            "$KUBEDIR/admin.conf",
        ] {
            assert!(unmade(had, &known, "1.32").is_none(), "{had}");
        }
        assert!(unmade("$HOME/my.conf", &made, "1.32").is_none());
        assert!(unmade("~/my.conf", &made, "1.32").is_none());
        // probe21be, lesser 4: the file name kubeadm's, the folder no
        // command makes (it passed, the name alone judged).
        for lacked in [
            "./old/admin.conf",
            "old/admin.conf",
            "$HOME/admin.conf",
            "~/admin.conf",
            "/tmp/admin.conf",
            "./my.conf",
        ] {
            assert!(unmade(lacked, &made, "1.32").is_some(), "{lacked}");
        }
        assert_eq!(
            unmade("./admin.cfg", &known, "1.32").unwrap(),
            "no command of the chapter makes the kubeconfig ./admin.cfg, and the lab's cluster gives admin.conf: the reader's kubectl 1.32 fails: error: stat ./admin.cfg: no such file or directory"
        );
    }
}
