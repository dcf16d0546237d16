//! Which of a node's files are the reader's. On a provider that boots the
//! reader's box (vagrant) every file a `cat` shows is what the reader's
//! machine has. A provider that boots none (netns) has only a few files as
//! the chapter's cluster has them ([`crate::provider::registry::Capabilities::cluster_files`]);
//! the rest of its node is the host's (its `/etc/os-release` says Debian
//! where the book's box is Ubuntu; `nf_conntrack_max` follows the host's
//! memory) or the lab's own plumbing, so a `cat` of it compares the host
//! with the book: a match there is a false green. Such a `cat` is skipped,
//! saying why. The path is resolved where it is read (`realpath` in the
//! node or pod), so a link into the host's files (`/etc/os-release`,
//! `/proc/self/root/…`) is judged by where it leads.

use super::{Replayer, Target};
use crate::book::recognize::Cmd;
use crate::exec::quote;
use crate::provider::PodRef;

/// The path a `cat` (or a `cat` piped to grep) reads.
fn cat_path(c: &Cmd) -> Option<&str> {
    match c {
        Cmd::Cat { path } => Some(path),
        Cmd::Grep { inner, .. } => cat_path(inner),
        _ => None,
    }
}

/// `path` with `.`, `..` and repeated slashes taken out, as written (no
/// link followed): what is judged when the node cannot resolve it.
fn lexical(path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for p in path.split('/') {
        match p {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            p => parts.push(p),
        }
    }
    format!("/{}", parts.join("/"))
}

/// Whether `path` (absolute, resolved) is one of `files`: a pattern ending
/// in `/` is a folder (anything under it); else the same components, `*`
/// standing for any one. A process's own view (`/proc/self/net/…`, which
/// resolves to `/proc/PID/net/…`) is the namespace's `/proc/net/…`.
fn listed(path: &str, files: &[&str]) -> bool {
    let own = path.strip_prefix("/proc/").and_then(|rest| {
        let (pid, rest) = rest.split_once('/')?;
        (pid == "self" || pid.bytes().all(|b| b.is_ascii_digit())).then(|| format!("/proc/{rest}"))
    });
    let path = own
        .as_deref()
        .filter(|p| p.starts_with("/proc/net/"))
        .unwrap_or(path);
    files.iter().any(|f| match f.strip_suffix('/') {
        Some(folder) => path == folder || path.starts_with(f),
        None => {
            let (a, b): (Vec<&str>, Vec<&str>) =
                (path.split('/').collect(), f.split('/').collect());
            a.len() == b.len() && a.iter().zip(&b).all(|(x, y)| *y == "*" || x == y)
        }
    })
}

impl Replayer<'_> {
    /// Why the file `c` reads is not the reader's on this provider (`None`:
    /// it is, or `c` reads none).
    pub(super) async fn not_the_readers(
        &self,
        t: &dyn Target,
        c: &Cmd,
        node: &str,
        pod: Option<&PodRef>,
    ) -> Option<String> {
        let path = cat_path(c)?;
        let files = t.kind().capabilities().cluster_files?;
        let line = format!("realpath -e -- {}", quote(path));
        let out = match pod {
            Some(p) => t.session().pod_output(p, &line).await,
            None => t.session().output(node, &line, None).await,
        };
        let written = lexical(path);
        let resolved = match out {
            Ok(o) if o.code == Some(0) && o.stdout.lines().count() == 1 => {
                o.stdout.trim().to_string()
            }
            _ => written.clone(),
        };
        if listed(&resolved, files) {
            return None;
        }
        let on = pod.map_or_else(|| node.to_string(), |p| format!("pod {}", p.name));
        let leads = if resolved == written {
            String::new()
        } else {
            format!(" (it leads to {resolved})")
        };
        Some(format!(
            "{path}{leads} on {on} is not the reader's: a {} lab boots no box, and only {} are as the chapter's cluster has them; its other files are the host's (programs, kernel values) or the lab's own, so nothing of it is compared (the vagrant provider reads the box's)",
            t.kind(),
            files.join(", ")
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_path_is_judged_by_where_it_leads() {
        assert_eq!(
            lexical("//run//flannel//subnet.env"),
            "/run/flannel/subnet.env"
        );
        assert_eq!(
            lexical("/run/flannel/../../usr/lib/os-release"),
            "/usr/lib/os-release"
        );
        assert_eq!(lexical("/../etc/./os-release"), "/etc/os-release");
        let f = crate::provider::netns::rootfs::CLUSTER_FILES;
        assert!(listed("/run/flannel/subnet.env", f));
        assert!(listed("/run/flannel", f));
        assert!(listed("/proc/sys/net/ipv4/ip_forward", f));
        assert!(listed("/proc/4242/net/route", f));
        assert!(listed("/proc/self/net/route", f));
        assert!(!listed("/proc/4242/root/etc/shadow", f));
        assert!(!listed("/proc/4242/net/softnet_stat", f));
        assert!(!listed("/proc/sys/net/netfilter/nf_conntrack_max", f));
        assert!(!listed("/proc/sys/net/ipv4/tcp_rmem", f));
        assert!(!listed("/sys/class/net/enp0s3/speed", f));
        assert!(!listed("/proc/version", f));
        assert!(!listed("/run/flannelx/a", f));
        let star = &["/sys/class/net/*/mtu"];
        assert!(listed("/sys/class/net/cni0/mtu", star));
        assert!(!listed("/sys/class/net/cni0/speed", star));
        assert!(!listed("/sys/class/net/mtu", star));
    }
}
