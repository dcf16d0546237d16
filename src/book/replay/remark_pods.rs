//! A remark that names the pod a line reaches (`ping 10.244.1.2 (same
//! node, pod 4dm42)`): checked against the chapter's own pod listings,
//! which say whose address the line's is. probe21bp (lesser 4, `PT1`,
//! `PT2`) found every such remark not understood, true or wrong; the pod
//! is what the author says the reader reaches, so a wrong one is drift.

use super::plan::Planned;
use crate::book::bind::Binding;
use crate::book::recognize::{Cmd, KubeAction, Kubectl};
use std::net::Ipv4Addr;

/// Whether `pod` (a book pod's name) is the one at `ip`, the address `p`
/// reaches, by the book's tables: Ok(None) it is; Ok(Some(why)) it is
/// not; Err(why) lab cannot tell. The pod at `ip` is the one the last
/// table before the line shows there (an address a deleted pod had may be
/// a new pod's later); with none before it, the pod is not there if every
/// table shows it at another address.
pub(super) fn reaches_pod(
    pod: &str,
    ip: Ipv4Addr,
    p: &Planned,
    binding: &Binding,
) -> Result<Option<String>, String> {
    let same = |a: &str| a.eq_ignore_ascii_case(pod);
    // `kubectl exec POD -- ping IP (pod POD)`: said of where it runs?
    if let Ok(Cmd::Kubectl(Kubectl {
        action: KubeAction::Exec { pod: from, .. },
        ..
    })) = &p.cmd
        && same(from)
    {
        return Err(format!(
            "the remark names {pod}, the pod the line runs in: lab cannot tell whether it also says {pod} is at {ip}"
        ));
    }
    let line = p.step.line;
    let before: Vec<_> = binding
        .shown
        .iter()
        .filter(|s| s.ip == Some(ip) && s.line < line)
        .collect();
    if let Some(last) = before.iter().map(|s| s.line).max() {
        let mut there: Vec<&str> = before
            .iter()
            .filter(|s| s.line == last)
            .map(|s| s.pod.as_str())
            .collect();
        there.sort_unstable();
        there.dedup();
        return match there[..] {
            [one] if same(one) => Ok(None),
            [one] => Ok(Some(format!(
                "the remark says the line reaches pod {pod}, but the book's table at line {last} shows {ip} as pod {one}'s address"
            ))),
            _ => Err(format!(
                "the book's table at line {last} shows {ip} on more than one pod, so lab could not check the remark"
            )),
        };
    }
    let addresses: Vec<Ipv4Addr> = binding
        .shown
        .iter()
        .filter(|s| same(&s.pod))
        .filter_map(|s| s.ip)
        .collect();
    if !addresses.is_empty() && !addresses.contains(&ip) {
        let mut a: Vec<String> = addresses.iter().map(|a| a.to_string()).collect();
        a.dedup();
        return Ok(Some(format!(
            "the remark says the line reaches pod {pod}, but the book's tables give {pod} the address {}, not {ip}",
            a.join(", ")
        )));
    }
    Err(format!(
        "the book shows no table before the line that says whose address {ip} is, so lab could not check that it is {pod}'s"
    ))
}
