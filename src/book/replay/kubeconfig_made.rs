//! Whether the kubeconfig a book's `kubectl --kubeconfig PATH` names is one
//! the reader has. Lab gives every kubectl line a kubeconfig of the name it
//! asks for (offline, any name works), so a typo of the chapter's path
//! (`./admin.cfg` for `./admin.conf`) passed (probe21bc, lesser 8), though
//! the reader's kubectl fails on it (kubectl 1.32, measured: `error: stat
//! ./admin.cfg: no such file or directory`). The reader has kubeadm's
//! `admin.conf` (the lab's cluster's kubeconfig, the one lab uses for a
//! line without `--kubeconfig`), kubectl's own `~/.kube/config`, and what
//! the chapter's commands write: a redirect's file, `tee`'s files, the
//! last word of `cp`, `scp`, `mv` or `install`. Only the file name is
//! judged: the reader's working folder is not the book's to know.

use crate::book::parse::Step;
use crate::book::recognize::Cmd;

/// The file names of the kubeconfigs the reader has, from the chapter's
/// commands ([`written`]) and the two every reader has.
pub(super) fn known(blocks: &[Vec<(Step, Result<Cmd, String>)>]) -> Vec<String> {
    let mut names = vec!["admin.conf".to_string()];
    for (step, _) in blocks.iter().flatten() {
        for path in written(&step.command) {
            let name = file_name(&path).to_string();
            if !names.contains(&name) {
                names.push(name);
            }
        }
    }
    names
}

/// The last part of a path (`admin.conf` of `./admin.conf`).
fn file_name(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
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
            Some("cp" | "scp" | "mv" | "install") if args.len() > 2 => {
                out.extend(args.last().map(|s| s.to_string()))
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
    let name = file_name(kubeconfig);
    let default = kubeconfig.ends_with(".kube/config");
    (!default && !known.iter().any(|k| k == name)).then(|| {
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
            ["."]
        );
        assert_eq!(written("cat a | sudo tee -a b.conf"), ["b.conf"]);
        assert!(written("kubectl --kubeconfig ./admin.conf get pods").is_empty());
        assert!(written("ping -c 1 10.0.0.1 2>&1 > /dev/null").is_empty());
    }

    /// probe21bc, lesser 8: a kubeconfig no command makes, other than the
    /// lab's own and kubectl's default, is a difference.
    #[test]
    fn a_kubeconfig_the_reader_lacks_is_a_difference() {
        let known = vec!["admin.conf".to_string(), "my.conf".to_string()];
        assert!(unmade("./admin.conf", &known, "1.32").is_none());
        assert!(unmade("/etc/kubernetes/admin.conf", &known, "1.32").is_none());
        assert!(unmade("$HOME/my.conf", &known, "1.32").is_none());
        assert!(unmade("~/.kube/config", &known, "1.32").is_none());
        assert_eq!(
            unmade("./admin.cfg", &known, "1.32").unwrap(),
            "no command of the chapter makes the kubeconfig ./admin.cfg, and the lab's cluster gives admin.conf: the reader's kubectl 1.32 fails: error: stat ./admin.cfg: no such file or directory"
        );
    }
}
