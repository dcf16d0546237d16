//! The topology as Mermaid (`flowchart`) and Graphviz DOT: one box per
//! node holding its NICs, bridge, VXLAN device (with its VTEP) and pods;
//! the private network joining the nodes; the routes between pod subnets.
//! A VTEP held by several nodes is marked (red, "shared").

use super::Topology;

/// A name as an identifier both Mermaid and DOT take, one to one: ASCII
/// letters and digits stay, every other byte is `_` and its two hex digits
/// (`_` itself too), so `veth-a` and `veth_a`, or two names of non-ASCII
/// letters, never meet in one box (they did when each became `_`).
fn id(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() {
            out.push(b as char);
        } else {
            out.push_str(&format!("_{b:02x}"));
        }
    }
    out
}

/// A node's identifier: `n_` before it, so no node is `private`, or a
/// keyword (`end`, `subgraph`, `graph`) of either language.
fn node_id(name: &str) -> String {
    format!("n_{}", id(name))
}

/// A device's identifier in its node's box (`_d_`), apart from a pod's
/// (`_p_`) of the same name.
fn device_id(nid: &str, name: &str) -> String {
    format!("{nid}_d_{}", id(name))
}

fn pod_id(nid: &str, name: &str) -> String {
    format!("{nid}_p_{}", id(name))
}

/// Text safe inside a double-quoted Mermaid label, each character shown as
/// itself: Mermaid reads `#name;` as an entity and a label in backquotes
/// as markdown, and puts the rest into HTML, so `#` and `&` are escaped
/// too (a device named `<i>x&"q` was drawn with `&#quot;`: probe21bz).
fn mq(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '#' => out.push_str("#35;"),
            '&' => out.push_str("#amp;"),
            '"' => out.push_str("#quot;"),
            '<' => out.push_str("#lt;"),
            '>' => out.push_str("#gt;"),
            '`' => out.push_str("#96;"),
            c => out.push(c),
        }
    }
    out
}

/// Text safe inside a double-quoted DOT string.
fn dq(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"")
}

fn heading(t: &Topology) -> String {
    format!(
        "lab {} · variant {} · {}",
        t.lab,
        t.variant,
        if t.source == "live" {
            format!("live ({})", t.provider.as_deref().unwrap_or("?"))
        } else {
            "declared (from the lab file, not a running lab)".into()
        }
    )
}

pub fn mermaid(t: &Topology) -> String {
    let shared = t.shared_vteps();
    let mut s = format!("---\ntitle: \"{}\"\n---\nflowchart TB\n", mq(&heading(t)));
    s.push_str(&format!(
        "  private[\"private network {}\"]\n",
        mq(&t.private_network)
    ));
    for n in &t.nodes {
        let nid = node_id(&n.name);
        s.push_str(&format!(
            "  subgraph {nid}[\"{} ({})\"]\n",
            mq(&n.name),
            mq(&n.role)
        ));
        for nic in &n.nics {
            let mut label = vec![mq(&format!("{} {}", nic.name, nic.addresses.join(" ")))];
            if nic.name == t.overlay_device
                && let Some(v) = &n.vtep
            {
                label.push(mq(&format!("VTEP {v}")));
            }
            if n.cni_interface.as_ref().is_some_and(|c| c.name == nic.name) {
                label.push(mq(&format!("{} uses this", t.cni)));
            }
            s.push_str(&format!(
                "    {}[\"{}\"]\n",
                device_id(&nid, &nic.name),
                label.join("<br/>")
            ));
        }
        for p in &n.pods {
            s.push_str(&format!(
                "    {}([\"pod {} {}\"])\n",
                pod_id(&nid, &p.name),
                mq(&p.name),
                mq(&p.ip)
            ));
            s.push_str(&format!(
                "    {} --- {}\n",
                device_id(&nid, "cni0"),
                pod_id(&nid, &p.name)
            ));
        }
        s.push_str("  end\n");
        if let Some(private) = n.nics.iter().find(|x| t.on_private_network(x)) {
            s.push_str(&format!(
                "  {} --- private\n",
                device_id(&nid, &private.name)
            ));
        }
        if n.vtep.as_ref().is_some_and(|v| shared.contains(v)) {
            s.push_str(&format!(
                "  style {} fill:#fdd,stroke:#c00,stroke-width:3px\n",
                device_id(&nid, &t.overlay_device)
            ));
        }
    }
    for (n, r, o) in t.pod_routes() {
        s.push_str(&format!(
            "  {} -. \"{} via {}\" .-> {}\n",
            device_id(&node_id(&n.name), &r.dev),
            mq(&r.to),
            mq(r.via.as_deref().unwrap_or("-")),
            device_id(&node_id(&o.name), &t.overlay_device)
        ));
    }
    s
}

pub fn dot(t: &Topology) -> String {
    let shared = t.shared_vteps();
    let mut s = format!(
        "digraph \"{}\" {{\n  label=\"{}\";\n  labelloc=t;\n  fontname=\"sans-serif\";\n  node [shape=box, fontname=\"monospace\", fontsize=10];\n  edge [fontname=\"monospace\", fontsize=9];\n",
        dq(&t.lab),
        dq(&heading(t))
    );
    s.push_str(&format!(
        "  private [label=\"private network {}\", shape=ellipse];\n",
        dq(&t.private_network)
    ));
    for n in &t.nodes {
        let nid = node_id(&n.name);
        s.push_str(&format!(
            "  subgraph cluster_{nid} {{\n    label=\"{} ({})\";\n",
            dq(&n.name),
            dq(&n.role)
        ));
        for nic in &n.nics {
            let mut label = format!("{}\\n{}", dq(&nic.name), dq(&nic.addresses.join(" ")));
            let mut extra = String::new();
            if nic.name == t.overlay_device
                && let Some(v) = &n.vtep
            {
                label.push_str(&format!("\\nVTEP {}", dq(v)));
                if shared.contains(v) {
                    label.push_str(" (shared!)");
                    extra = ", color=red, penwidth=3, fontcolor=red".into();
                }
            }
            if n.cni_interface.as_ref().is_some_and(|c| c.name == nic.name) {
                label.push_str(&format!("\\n{} uses this", dq(&t.cni)));
            }
            s.push_str(&format!(
                "    {} [label=\"{label}\"{extra}];\n",
                device_id(&nid, &nic.name)
            ));
        }
        for p in &n.pods {
            let pid = pod_id(&nid, &p.name);
            s.push_str(&format!(
                "    {pid} [label=\"pod {}\\n{}\", shape=oval];\n    {} -> {pid} [dir=none];\n",
                dq(&p.name),
                dq(&p.ip),
                device_id(&nid, "cni0"),
            ));
        }
        s.push_str("  }\n");
        if let Some(private) = n.nics.iter().find(|x| t.on_private_network(x)) {
            s.push_str(&format!(
                "  {} -> private [dir=none];\n",
                device_id(&nid, &private.name)
            ));
        }
    }
    for (n, r, o) in t.pod_routes() {
        s.push_str(&format!(
            "  {} -> {} [style=dashed, label=\"{} via {}\"];\n",
            device_id(&node_id(&n.name), &r.dev),
            device_id(&node_id(&o.name), &t.overlay_device),
            dq(&r.to),
            dq(r.via.as_deref().unwrap_or("-"))
        ));
    }
    s.push_str("}\n");
    s
}

#[cfg(test)]
mod tests {
    use super::super::Nic;

    /// chapter4's declared topology with a device of node1 named `name`.
    fn with_device(name: &str) -> super::Topology {
        let file = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("labs/chapter4/lab.yaml");
        let lab = crate::spec::load_file(&file, Default::default()).unwrap();
        let mut t = super::super::declared::topology(&lab, "broken").unwrap();
        t.nodes[1].nics.push(Nic {
            name: name.into(),
            kind: "dummy".into(),
            addresses: vec![],
        });
        t
    }

    /// probe21bz lesser: a device named `<i>x&"q` (legal for the kernel)
    /// was drawn `#lt;i#gt;x&#quot;q`, its `&` meeting the quote's entity;
    /// `#` and a backquote (Mermaid's entities and markdown strings) are
    /// the label's own characters too.
    #[test]
    fn a_mermaid_label_shows_every_character_of_a_name_as_itself() {
        let m = super::mermaid(&with_device("<i>x&\"q#amp;`b`"));
        assert!(
            m.contains("[\"#lt;i#gt;x#amp;#quot;q#35;amp;#96;b#96; \"]"),
            "{m}"
        );
        // Every `&` of a label is one of an entity: none is the name's.
        for l in m.lines() {
            assert!(!l.contains('&'), "{l}");
        }
    }

    /// Two names one character apart (`veth-a`, `veth_a`) were one box:
    /// every character but a letter or digit became `_`. And a pod named
    /// as a device of its node met that device's box.
    #[test]
    fn names_that_differ_are_boxes_that_differ() {
        let mut t = with_device("veth-a");
        t.nodes[1].nics.push(Nic {
            name: "veth_a".into(),
            kind: "veth".into(),
            addresses: vec![],
        });
        let pod = t.nodes[1].pods[0].name.clone();
        t.nodes[1].nics.push(Nic {
            name: pod,
            kind: "dummy".into(),
            addresses: vec![],
        });
        for text in [super::mermaid(&t), super::dot(&t)] {
            let boxes: Vec<&str> = text
                .lines()
                .map(str::trim)
                .filter(|l| !l.starts_with("subgraph "))
                .filter(|l| l.contains("[\"") || l.contains(" [label="))
                .map(|l| l.split(['[', ' ', '(']).next().unwrap())
                .collect();
            let mut unique = boxes.clone();
            unique.sort();
            unique.dedup();
            assert_eq!(unique.len(), boxes.len(), "{text}");
        }
    }

    /// DOT's strings: a backslash and a quote escaped, nothing else (a
    /// graphviz escape such as `\N` is the name's text).
    #[test]
    fn a_dot_label_shows_every_character_of_a_name_as_itself() {
        let d = super::dot(&with_device("a\\N\"b<&>"));
        assert!(d.contains("[label=\"a\\\\N\\\"b<&>\\n\"]"), "{d}");
    }
}
