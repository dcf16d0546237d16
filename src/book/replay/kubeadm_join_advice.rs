//! The join advice `kubeadm init` prints at its end (`kubeadm join
//! 10.100.198.200:6443 --token … \` and `--discovery-token-ca-cert-hash
//! sha256:…`), read as init's output, not as a command (probe21bu, wrong
//! reds BUKO11, BUKO11b: "`kubeadm` is not a command lab replays", "`\` is
//! shell syntax"). Its endpoint is the control plane's address and the API
//! server's port, which the lab knows: compared. Its token and CA hash are
//! the reader's own init's: named as not compared.

use std::net::Ipv4Addr;

/// The API server's port kubeadm advertises (`--apiserver-bind-port`),
/// which `lab up` does not change.
const API_PORT: u16 = 6443;

/// What a line of the join advice says against the lab's init.
#[derive(Debug, Default, PartialEq, Eq)]
pub(super) struct JoinLine {
    pub differences: Vec<String>,
    pub compared: Vec<String>,
}

/// `l` read as a line of kubeadm init's join advice; None: it is none.
/// (Its address is compared with the other addresses of init's output by
/// [`super::kubeadm_output::read`]; here its port, and what is not
/// compared.)
pub(super) fn read(l: &str, control_plane: &str) -> Option<JoinLine> {
    let t = l.trim();
    let mut out = JoinLine::default();
    if let Some(rest) = t.strip_prefix("kubeadm join ") {
        let endpoint = rest.split_whitespace().next().unwrap_or("");
        match endpoint
            .rsplit_once(':')
            .map(|(h, p)| (h.parse::<Ipv4Addr>(), p.parse::<u16>()))
        {
            Some((Ok(_), Ok(API_PORT))) => out.compared.push(format!(
                "the join line's endpoint `{endpoint}` has the API server's port {API_PORT}"
            )),
            Some((Ok(_), Ok(p))) => out.differences.push(format!(
                "kubeadm init: the book's join line (`{t}`) gives the port {p}; the lab's API server on {control_plane} listens on kubeadm's {API_PORT}"
            )),
            _ => out.differences.push(format!(
                "kubeadm init: the book's join line (`{t}`) names no endpoint ADDRESS:PORT; kubeadm prints the control plane's address and port {API_PORT}"
            )),
        }
    } else if !(t.starts_with("--discovery-token-ca-cert-hash")
        || t.starts_with("--token")
        || t.starts_with("--control-plane")
        || t.starts_with("--certificate-key"))
    {
        return None;
    }
    if t.contains("--token")
        || t.contains("--discovery-token-ca-cert-hash")
        || t.contains("--certificate-key")
    {
        out.compared.push(format!(
            "the token, CA hash and key of `{t}` are not compared (the reader's own init made them)"
        ));
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_port_is_compared_and_the_token_named() {
        let r = read(
            "kubeadm join 10.100.198.200:6443 --token abcdef.0123456789abcdef \\",
            "master",
        )
        .unwrap();
        assert!(r.differences.is_empty(), "{r:?}");
        assert_eq!(r.compared.len(), 2, "{r:?}");
        let r = read("kubeadm join 10.100.198.200:443 --token a.b", "master").unwrap();
        assert_eq!(r.differences.len(), 1, "{r:?}");
        let r = read("\t--discovery-token-ca-cert-hash sha256:0123", "master").unwrap();
        assert!(r.differences.is_empty() && r.compared.len() == 1, "{r:?}");
        assert_eq!(
            read("[init] Using Kubernetes version: v1.32.0", "master"),
            None
        );
    }
}
