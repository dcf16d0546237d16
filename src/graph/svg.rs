//! The topology as a standalone SVG, laid out by hand (no Graphviz): one
//! column per node under the private network that joins them; in each, the
//! node's NICs (the one the CNI chose marked), the VXLAN device with its
//! VTEP, the bridge with its pods, and the routes to the other nodes' pod
//! subnets. A VTEP held by several nodes (the chapter's bug: every node's
//! flannel on the NAT address 10.0.2.15) is drawn red with a banner saying
//! so; distinct VTEPs are green.

use super::{NodeView, Topology};

const COL: i32 = 340;
const GAP: i32 = 72;
const MARGIN: i32 = 24;
const ROW: i32 = 20;
const RED: &str = "#c62828";
const GREEN: &str = "#2e7d32";

/// Text for XML.
fn x(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

struct Canvas {
    body: String,
}

impl Canvas {
    /// A rectangle at `(x, y)`, `w` by `h`.
    fn rect(
        &mut self,
        (x0, y, w, h): (i32, i32, i32, i32),
        fill: &str,
        stroke: &str,
        sw: f32,
        rx: i32,
    ) {
        self.body.push_str(&format!(
            "<rect x=\"{x0}\" y=\"{y}\" width=\"{w}\" height=\"{h}\" rx=\"{rx}\" fill=\"{fill}\" stroke=\"{stroke}\" stroke-width=\"{sw}\"/>\n"
        ));
    }
    fn text(&mut self, x0: i32, y: i32, class: &str, s: &str) {
        self.body.push_str(&format!(
            "<text x=\"{x0}\" y=\"{y}\" class=\"{class}\">{}</text>\n",
            x(s)
        ));
    }
    fn line(&mut self, a: (i32, i32), b: (i32, i32), stroke: &str, dash: bool) {
        self.body.push_str(&format!(
            "<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"{stroke}\" stroke-width=\"1.5\"{}/>\n",
            a.0,
            a.1,
            b.0,
            b.1,
            if dash { " stroke-dasharray=\"6 4\"" } else { "" }
        ));
    }
}

/// The SVG of `t`.
pub fn render(t: &Topology) -> String {
    let shared = t.shared_vteps();
    let n = t.nodes.len().max(1) as i32;
    let width = MARGIN * 2 + n * COL + (n - 1) * GAP;
    let mut c = Canvas {
        body: String::new(),
    };
    // Title and the verdict at a glance.
    let source = if t.source == "live" {
        format!("live lab on {}", t.provider.as_deref().unwrap_or("?"))
    } else {
        "DECLARED topology (from the lab file; no running lab was asked)".into()
    };
    c.text(
        MARGIN,
        30,
        "title",
        &format!("{} · variant {}", t.lab, t.variant),
    );
    c.text(MARGIN, 50, "sub", &format!("{} · {source}", t.title));
    let (banner, colour) = if let Some(v) = shared.first() {
        (
            format!(
                "Every node's VTEP is {v}: {} sends VXLAN to an address no other node can reach",
                t.overlay_device
            ),
            RED,
        )
    } else {
        (
            format!(
                "Each node has its own VTEP: {} can reach the other nodes",
                t.overlay_device
            ),
            GREEN,
        )
    };
    c.rect((MARGIN, 62, width - 2 * MARGIN, 26), colour, colour, 1.0, 4);
    c.text(MARGIN + 10, 80, "banner", &banner);
    // The private network joining the nodes.
    let bar_y = 116;
    c.line((MARGIN, bar_y), (width - MARGIN, bar_y), "#1565c0", false);
    c.body.push_str(&format!(
        "<line x1=\"{MARGIN}\" y1=\"{bar_y}\" x2=\"{}\" y2=\"{bar_y}\" stroke=\"#1565c0\" stroke-width=\"4\"/>\n",
        width - MARGIN
    ));
    c.text(
        MARGIN,
        bar_y - 8,
        "net",
        &format!("private network {}", t.private_network),
    );
    let top = bar_y + 28;
    let mut bottom = top;
    let mut vxlan_y = Vec::new();
    for (i, node) in t.nodes.iter().enumerate() {
        let x0 = MARGIN + i as i32 * (COL + GAP);
        let (h, vy) = node_column(&mut c, t, node, x0, top, bar_y, &shared);
        vxlan_y.push((x0, vy));
        bottom = bottom.max(top + h);
    }
    // The overlay between neighbouring nodes' VXLAN devices.
    for w in vxlan_y.windows(2) {
        let ((xa, ya), (xb, yb)) = (w[0], w[1]);
        let stroke = if shared.is_empty() { GREEN } else { RED };
        c.line((xa + COL, ya), (xb, yb), stroke, true);
        c.text(xa + COL + 8, ya - 6, "small", "VXLAN");
        c.text(
            xa + COL + 8,
            ya + 14,
            "small",
            &format!("udp {}", t.overlay_port),
        );
    }
    let legend_y = bottom + 24;
    c.text(
        MARGIN,
        legend_y,
        "small",
        &format!(
            "pod network {} · NAT network {} (each node's own, not shared) · {} · ◀ = the interface {} chose",
            t.pod_network, t.nat_network, t.cni, t.cni
        ),
    );
    let height = legend_y + 16;
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\">\n\
<title>{}</title>\n\
<style>\n\
.title {{ font-size: 18px; font-weight: bold; fill: #212121 }}\n\
.sub {{ font-size: 12px; fill: #616161 }}\n\
.banner {{ font-size: 13px; font-weight: bold; fill: #fff }}\n\
.net {{ font-size: 12px; fill: #1565c0; font-weight: bold }}\n\
.node {{ font-size: 15px; font-weight: bold; fill: #212121 }}\n\
.role {{ font-size: 11px; fill: #757575 }}\n\
.mono, .bad, .good {{ white-space: pre }}\n\
.mono {{ font-size: 11.5px; font-family: DejaVu Sans Mono, Menlo, monospace; fill: #212121 }}\n\
.bad {{ font-size: 11.5px; font-family: DejaVu Sans Mono, Menlo, monospace; fill: {RED}; font-weight: bold }}\n\
.good {{ font-size: 11.5px; font-family: DejaVu Sans Mono, Menlo, monospace; fill: {GREEN}; font-weight: bold }}\n\
.small {{ font-size: 11px; fill: #616161 }}\n\
</style>\n\
<rect width=\"100%\" height=\"100%\" fill=\"#fff\"/>\n{}</svg>\n",
        x(&format!("{} {} ({})", t.lab, t.variant, t.source)),
        c.body
    )
}

/// One node's column; returns its height and the y of its VXLAN device.
fn node_column(
    c: &mut Canvas,
    t: &Topology,
    node: &NodeView,
    x0: i32,
    top: i32,
    bar_y: i32,
    shared: &[String],
) -> (i32, i32) {
    let mut y = top;
    let pad = 10;
    let inner = x0 + pad;
    let mut body = Canvas {
        body: String::new(),
    };
    y += 24;
    body.text(inner, y, "node", &node.name);
    body.text(
        inner + 8 + 9 * node.name.len() as i32,
        y,
        "role",
        &node.role,
    );
    y += 10;
    // The machine's own NICs.
    let chosen = node.cni_interface.as_ref().map(|c| c.name.as_str());
    for nic in node.nics.iter().filter(|n| n.kind == "ethernet") {
        y += ROW;
        let mark = if chosen == Some(nic.name.as_str()) {
            format!("  ◀ {}", t.cni)
        } else {
            String::new()
        };
        let on_private = t.on_private_network(nic);
        let class = if !mark.is_empty() {
            if shared.is_empty() { "good" } else { "bad" }
        } else {
            "mono"
        };
        body.text(
            inner,
            y,
            class,
            &format!("{:<10}{}{mark}", nic.name, nic.addresses.join(" ")),
        );
        if on_private {
            // Up to the private network.
            c.line(
                (x0 + COL - 20, bar_y),
                (x0 + COL - 20, top),
                "#1565c0",
                false,
            );
        }
    }
    // The VXLAN device and its VTEP.
    y += 14;
    let vx_top = y;
    let bad = node.vtep.as_ref().is_some_and(|v| shared.contains(v));
    let (fill, stroke) = if bad {
        ("#ffebee", RED)
    } else {
        ("#e8f5e9", GREEN)
    };
    body.rect(
        (inner, vx_top, COL - 2 * pad, 46),
        fill,
        stroke,
        if bad { 3.0 } else { 1.5 },
        4,
    );
    let dev = node
        .nics
        .iter()
        .find(|n| n.name == t.overlay_device)
        .map(|n| n.addresses.join(" "))
        .unwrap_or_default();
    body.text(
        inner + 8,
        vx_top + 18,
        "mono",
        &format!("{}  {dev}", t.overlay_device),
    );
    body.text(
        inner + 8,
        vx_top + 36,
        if bad { "bad" } else { "good" },
        &format!(
            "VTEP {}{}",
            node.vtep.as_deref().unwrap_or("(none)"),
            if bad { "  ✗ shared" } else { "" }
        ),
    );
    y = vx_top + 46;
    let vx_mid = vx_top + 23;
    // The bridge and its pods.
    y += 14;
    let bridge = node.nics.iter().find(|n| n.kind == "bridge");
    let b_top = y;
    body.rect(
        (inner, b_top, COL - 2 * pad, 24),
        "#fff8e1",
        "#f9a825",
        1.5,
        4,
    );
    body.text(
        inner + 8,
        b_top + 16,
        "mono",
        &match bridge {
            Some(b) => format!("{}  {}", b.name, b.addresses.join(" ")),
            None => format!("cni0  (no bridge; pod subnet {})", node.pod_subnet),
        },
    );
    y = b_top + 24;
    for p in &node.pods {
        y += 10;
        body.line((inner + 20, y - 10), (inner + 20, y), "#f9a825", false);
        body.rect(
            (inner + 10, y, COL - 2 * pad - 20, 36),
            "#fffde7",
            "#f9a825",
            1.0,
            12,
        );
        body.text(inner + 22, y + 15, "mono", &format!("pod {}", p.name));
        body.text(inner + 22, y + 29, "mono", &format!("    {}", p.ip));
        y += 36;
    }
    if node.pods.is_empty() {
        y += ROW;
        body.text(inner + 10, y, "small", "no pods");
    }
    // Routes to the other nodes' pods.
    y += 8;
    for r in &node.routes {
        y += ROW - 4;
        body.text(
            inner,
            y,
            "mono",
            &format!(
                "→ {} via {} dev {}",
                r.to,
                r.via.as_deref().unwrap_or("-"),
                r.dev
            ),
        );
    }
    y += 12;
    let h = y - top;
    c.rect((x0, top, COL, h), "#fafafa", "#424242", 1.5, 8);
    c.body.push_str(&body.body);
    (h, vx_mid)
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_shared_vtep_is_drawn_red_and_text_is_escaped() {
        let file = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("labs/chapter4/lab.yaml");
        let lab = crate::spec::load_file(&file, Default::default()).unwrap();
        let mut t = super::super::declared::topology(&lab, "broken").unwrap();
        t.title = "a <b> & \"c\"".into();
        let svg = super::render(&t);
        assert!(svg.contains("Every node's VTEP is 10.0.2.15"));
        assert_eq!(svg.matches("VTEP 10.0.2.15  ✗ shared").count(), 3);
        assert!(svg.contains("a &lt;b&gt; &amp; &quot;c&quot;"));
        assert!(svg.contains("DECLARED"));
        let fixed = super::super::declared::topology(&lab, "fixed").unwrap();
        let svg = super::render(&fixed);
        assert!(!svg.contains("✗ shared"), "{svg}");
        for v in [
            "VTEP 10.100.198.200",
            "VTEP 10.100.198.201",
            "VTEP 10.100.198.202",
        ] {
            assert!(svg.contains(v), "{v}");
        }
    }
}
