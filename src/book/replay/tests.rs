//! The vagrant path, replayed against outputs RECORDED BY HAND in the
//! formats a VirtualBox run of the lab prints (kubectl 1.32, iputils,
//! net-tools, flanneld's klog lines): not a real cluster's output, and no
//! VMs run here. One scripted [`FakeSession`] per variant: switching the
//! variant switches sessions. kubectl is faked too ([`RecordedLab`]): its
//! refusal of `exec POD CMD` is kubectl 1.32.3's message, recorded by hand;
//! the real binaries judge the chapter in `tests_drift` and end to end.

use super::*;
use crate::book::known::KnownFile;
use crate::book::parse;
use crate::error::Result;
use crate::provider::Kind;
use crate::session::Session;
use crate::session::fake::FakeSession;
use async_trait::async_trait;
use std::sync::Mutex;

pub(super) fn failed(stdout: &str) -> Output {
    Output {
        code: Some(1),
        stdout: stdout.into(),
        stderr: String::new(),
    }
}

pub(super) fn replied(stdout: &str) -> Output {
    Output {
        code: Some(0),
        stdout: stdout.into(),
        stderr: String::new(),
    }
}

const NGINX1: &str = "nginx-deployment-6b7f6d9b8c-k2v9x";
const NGINX2: &str = "nginx-deployment-6b7f6d9b8c-zt4mf";

/// kubectl 1.32.3's refusal of `exec POD CMD`, recorded by hand.
pub(super) const EXEC_REFUSED: &str =
    "error: exec [POD] [COMMAND] is not supported anymore. Use exec [POD] -- [COMMAND] instead";

const ROUTES: &str = "Kernel IP routing table\nDestination     Gateway         Genmask         Flags Metric Ref    Use Iface\n0.0.0.0         10.0.2.2        0.0.0.0         UG    100    0        0 enp0s3\n10.0.2.0        0.0.0.0         255.255.255.0   U     100    0        0 enp0s3\n10.100.198.0    0.0.0.0         255.255.255.0   U     0      0        0 enp0s8\n10.244.0.0      10.244.0.0      255.255.255.0   UG    0      0        0 flannel.1\n10.244.1.0      0.0.0.0         255.255.255.0   U     0      0        0 cni0\n10.244.2.0      10.244.2.0      255.255.255.0   UG    0      0        0 flannel.1\n";

/// What the lab's VMs answer in `variant` (recorded by hand).
pub(super) fn recorded(fixed: bool) -> FakeSession {
    let mut s = FakeSession::new();
    for (n, node) in ["master", "node1", "node2"].iter().enumerate() {
        s = s.on(node, "hostname", &format!("{node}\n")).on(
            node,
            "cat /run/flannel/subnet.env",
            &format!("FLANNEL_NETWORK=10.244.0.0/16\nFLANNEL_SUBNET=10.244.{n}.1/24\nFLANNEL_MTU=1450\nFLANNEL_IPMASQ=true\n"),
        );
    }
    let near2 = "PING 10.244.1.2 (10.244.1.2) 56(84) bytes of data.\n64 bytes from 10.244.1.2: icmp_seq=1 ttl=64 time=0.061 ms\n64 bytes from 10.244.1.2: icmp_seq=2 ttl=64 time=0.058 ms\n";
    let near1 = "PING 10.244.1.2 (10.244.1.2) 56(84) bytes of data.\n64 bytes from 10.244.1.2: icmp_seq=1 ttl=64 time=0.061 ms\n";
    let (from_node, from_pod) = if fixed {
        (
            replied(
                "PING 10.244.2.2 (10.244.2.2) 56(84) bytes of data.\n64 bytes from 10.244.2.2: icmp_seq=1 ttl=63 time=0.5 ms\n",
            ),
            replied(
                "PING 10.244.2.2 (10.244.2.2) 56(84) bytes of data.\n64 bytes from 10.244.2.2: icmp_seq=1 ttl=62 time=0.9 ms\n",
            ),
        )
    } else {
        (
            failed(
                "PING 10.244.2.2 (10.244.2.2) 56(84) bytes of data.\n\n--- 10.244.2.2 ping statistics ---\n1 packets transmitted, 0 received, 100% packet loss\n",
            ),
            failed(
                "PING 10.244.2.2 (10.244.2.2) 56(84) bytes of data.\nFrom 10.244.1.1 icmp_seq=1 Destination Net Unreachable\n",
            ),
        )
    };
    for node in ["master", "node1", "node2"] {
        s = s
            .on(
                node,
                "tcpdump -l -n -i flannel.1",
                "tcpdump: verbose output suppressed, use -v[v]... for full protocol decode\nlistening on flannel.1, link-type EN10MB (Ethernet), snapshot length 262144 bytes\n20:55:02.971181 IP 10.244.1.0 > 10.244.2.2: ICMP echo request, id 9, seq 1, length 64\n",
            )
            .on(node, "-c 2 -i 0.01 -W 1 10.244.1.", near2)
            .on(node, " 10.244.1.", near1)
            .on_out(node, " 10.244.2.2", from_node.clone())
            .on(node, "route -n", ROUTES);
    }
    for pod in [NGINX1, NGINX2] {
        s = s.in_pod(pod, " 10.244.1.", replied(near1)).in_pod(
            pod,
            " 10.244.2.2",
            from_pod.clone(),
        );
    }
    // Rules match by "contains", first one first: the most specific first.
    s.kubectl("spec.nodeName=master", "pod/kube-flannel-ds-2xkcd\n")
        .kubectl("spec.nodeName=node1", "pod/kube-flannel-ds-8hz7q\n")
        .kubectl("spec.nodeName=node2", "pod/kube-flannel-ds-q5l9w\n")
        .kubectl("-- route -n", ROUTES)
        .kubectl(
            "logs -n kube-system",
            "I1127 02:40:01.123456       1 match.go:210] Determining IP address of default interface\nI1127 02:40:01.123456       1 match.go:263] Using interface with name enp0s3 and address 10.0.2.15\nI1127 02:40:01.123456       1 match.go:281] Defaulting external address to interface address (10.0.2.15)\n",
        )
        .kubectl(
            "get pods -n kube-system -l app=flannel -o wide",
            "NAME                    READY   STATUS    RESTARTS   AGE   IP               NODE     NOMINATED NODE   READINESS GATES\nkube-flannel-ds-2xkcd   1/1     Running   0          1h    10.100.198.200   master   <none>           <none>\nkube-flannel-ds-8hz7q   1/1     Running   0          1h    10.100.198.201   node1    <none>           <none>\nkube-flannel-ds-q5l9w   1/1     Running   0          1h    10.100.198.202   node2    <none>           <none>\n",
        )
        .kubectl(
            "get pods -n kube-system -l app=flannel",
            "NAME                    READY   STATUS    RESTARTS   AGE\nkube-flannel-ds-2xkcd   1/1     Running   0          40s\nkube-flannel-ds-8hz7q   1/1     Running   0          40s\nkube-flannel-ds-q5l9w   1/1     Running   0          40s\n",
        )
        .kubectl(
            "get pods --all-namespaces -l app=flannel",
            "NAMESPACE      NAME                    READY   STATUS    RESTARTS   AGE\nkube-system    kube-flannel-ds-2xkcd   1/1     Running   0          35s\nkube-system    kube-flannel-ds-8hz7q   1/1     Running   0          35s\nkube-system    kube-flannel-ds-q5l9w   1/1     Running   0          35s\n",
        )
        .kubectl(
            "get nodes",
            "NAME     STATUS   ROLES           AGE   VERSION\nmaster   Ready    control-plane   8m    v1.32.3\nnode1    Ready    <none>          3m    v1.32.3\nnode2    Ready    <none>          3m    v1.32.3\n",
        )
        .kubectl(
            "get pods -o wide",
            "NAME                                READY   STATUS    RESTARTS   AGE   IP           NODE    NOMINATED NODE   READINESS GATES\nnginx-deployment-6b7f6d9b8c-k2v9x   1/1     Running   0          2m    10.244.1.2   node1   <none>           <none>\nnginx-deployment-6b7f6d9b8c-zt4mf   1/1     Running   0          2m    10.244.2.2   node2   <none>           <none>\n",
        )
}

/// A lab behind [`Target`]: scripted sessions, one per variant, and a
/// kubectl that is either the real one offline ([`RealKubectl`]) or faked
/// with outputs recorded by hand.
pub(super) struct RecordedLab {
    pub kind: Kind,
    pub broken: FakeSession,
    pub fixed: FakeSession,
    pub variant: String,
    pub switches: Vec<String>,
    pub pods: Vec<PodRef>,
    pub real: Option<RealKubectl>,
    pub kubectl_lines: Mutex<Vec<String>>,
}

impl RecordedLab {
    /// Chapter 4 on vagrant as recorded: the broken variant first, its two
    /// nginx pods on node1 and node2, kubectl faked.
    pub(super) fn vagrant_chapter4() -> RecordedLab {
        RecordedLab {
            kind: Kind::Vagrant,
            broken: recorded(false),
            fixed: recorded(true),
            variant: "broken".into(),
            switches: Vec::new(),
            pods: vec![
                pod(NGINX1, "node1", "10.244.1.2"),
                pod(NGINX2, "node2", "10.244.2.2"),
            ],
            real: None,
            kubectl_lines: Mutex::default(),
        }
    }
}

/// The real kubectl of the lab's minor, offline, in a folder of its own.
pub(super) struct RealKubectl {
    pub pick: crate::kubectl::Pick,
    pub dir: tempfile::TempDir,
    pub files: Vec<(String, std::path::PathBuf)>,
}

impl RealKubectl {
    /// The kubectl of `lab`'s minor on this machine; a test that needs it
    /// fails (never passes silently) where there is none.
    pub fn of(lab: &Lab) -> RealKubectl {
        let pick = crate::kubectl::for_minor(&crate::kubectl::discover(), &lab.kubernetes)
            .unwrap_or_else(|e| panic!("this test gives the chapter to the real kubectl: {e}"));
        let files = lab
            .variants
            .iter()
            .map(|v| &v.manifest)
            .chain(lab.workload_files.iter())
            .map(|p| {
                (
                    p.file_name().unwrap().to_string_lossy().into_owned(),
                    p.clone(),
                )
            })
            .collect();
        RealKubectl {
            pick,
            dir: tempfile::tempdir().unwrap(),
            files,
        }
    }
}

impl RecordedLab {
    /// A lab of `kind` on its broken variant whose both variants answer as
    /// `session` makes them, its two nginx pods `nginx-…-k2v9x` on node1
    /// (10.244.1.2) and `nginx-…-zt4mf` on node2 (10.244.2.2).
    pub(super) fn two_pods(kind: Kind, session: impl Fn() -> FakeSession) -> RecordedLab {
        RecordedLab {
            kind,
            broken: session(),
            fixed: session(),
            variant: "broken".into(),
            switches: Vec::new(),
            pods: vec![
                pod("nginx-deployment-6b7f6d9b8c-k2v9x", "node1", "10.244.1.2"),
                pod("nginx-deployment-6b7f6d9b8c-zt4mf", "node2", "10.244.2.2"),
            ],
            real: None,
            kubectl_lines: Mutex::default(),
        }
    }

    /// Everything asked of the lab: the broken variant's, then the fixed one's.
    pub fn ran(&self) -> Vec<String> {
        let mut v = self.broken.ran();
        v.extend(self.fixed.ran());
        v
    }
}

#[async_trait]
impl Target for RecordedLab {
    fn kind(&self) -> Kind {
        self.kind
    }
    fn variant(&self) -> String {
        self.variant.clone()
    }
    fn pods(&self) -> Vec<PodRef> {
        self.pods.clone()
    }
    fn session(&self) -> &dyn Session {
        if self.variant == "fixed" {
            &self.fixed
        } else {
            &self.broken
        }
    }
    async fn switch(&mut self, variant: &str) -> Result<()> {
        self.switches.push(variant.to_string());
        self.variant = variant.to_string();
        Ok(())
    }
    async fn kubectl_line(
        &self,
        args: &[String],
        cluster: bool,
    ) -> std::result::Result<KubectlRun, String> {
        self.kubectl_lines.lock().unwrap().push(args.join(" "));
        if let Some(real) = &self.real {
            let conf = target::kubeconfig_of(args).unwrap_or("admin.conf");
            crate::kubectl::offline_dir(real.dir.path(), conf, &real.files)
                .map_err(|e| e.to_string())?;
            let output = crate::kubectl::run(
                &real.pick.kubectl,
                args,
                real.dir.path(),
                std::time::Duration::from_secs(20),
                crate::kubectl::Reach::Offline,
            )
            .await
            .map_err(|e| e.to_string())?;
            let said = match crate::kubectl::judge(&output) {
                crate::kubectl::Judgement::Accepted { warnings } => Said::Accepted { warnings },
                crate::kubectl::Judgement::Refused { message } => Said::Refused { message },
            };
            return Ok(KubectlRun {
                version: real.pick.kubectl.version.to_string(),
                skew: real.pick.skew.clone(),
                offline: Some("no API server on netns".into()),
                said,
                output,
                cached: false,
            });
        }
        let exec = args.iter().any(|a| a == "exec");
        let version = "1.32.3".to_string();
        if exec && !args.iter().any(|a| a == "--") {
            return Ok(KubectlRun {
                version,
                skew: None,
                offline: None,
                said: Said::Refused {
                    message: EXEC_REFUSED.into(),
                },
                output: failed(""),
                cached: false,
            });
        }
        if !cluster {
            return Ok(KubectlRun {
                version,
                skew: None,
                offline: Some("lab switches the lab's network itself".into()),
                said: Said::Accepted { warnings: vec![] },
                output: failed(""),
                cached: false,
            });
        }
        // The cluster's answer: the session's kubectl, without the book's
        // kubeconfig (the lab's admin.conf is its own).
        let mut rest: Vec<&str> = Vec::new();
        let mut it = args.iter();
        while let Some(a) = it.next() {
            if a == "--kubeconfig" {
                it.next();
            } else {
                rest.push(a);
            }
        }
        let output = self
            .session()
            .kubectl(&rest)
            .await
            .map_err(|e| e.to_string())?;
        Ok(KubectlRun {
            version,
            skew: None,
            offline: None,
            said: Said::Accepted { warnings: vec![] },
            output,
            cached: false,
        })
    }
}

pub(super) fn pod(name: &str, node: &str, ip: &str) -> PodRef {
    PodRef {
        name: name.into(),
        app: "nginx".into(),
        node: node.into(),
        ip: ip.parse().unwrap(),
        port: 80,
        namespace: "default".into(),
    }
}

pub(super) fn chapter4() -> (Lab, parse::Chapter) {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let lab =
        crate::spec::load_file(&root.join("labs/chapter4/lab.yaml"), Default::default()).unwrap();
    let chapter = parse::read(&root.join("labs/chapter4/chapter.md")).unwrap();
    (lab, chapter)
}

pub(super) fn verdicts(r: &BookReport) -> Vec<(usize, &str)> {
    r.blocks
        .iter()
        .map(|b| (b.line, b.verdict.as_str()))
        .collect()
}

pub(super) fn block(r: &BookReport, line: usize) -> &BlockReport {
    r.blocks.iter().find(|b| b.line == line).unwrap()
}

#[tokio::test]
async fn vagrant_replays_every_block_as_the_reader_types_it() {
    let (lab, chapter) = chapter4();
    let mut t = RecordedLab::vagrant_chapter4();
    let r = replay(&chapter, &lab, &mut t, &KnownFile::default()).await;
    // kubectl 1.32 refuses `exec POD CMD` (blocks 103, 116, 247); the
    // book's 1.10 cluster named the control plane's role `master` and ran
    // v1.10.0 (block 48); the book's route -n has docker0 (block 139).
    assert_eq!(
        verdicts(&r),
        [
            (18, "skipped"),
            (31, "skipped"),
            (37, "match"),
            (48, "drift"),
            (61, "skipped"),
            (69, "match"),
            (81, "match"),
            (103, "drift"),
            (116, "drift"),
            (139, "drift"),
            (154, "match"),
            (169, "match"),
            (184, "skipped"),
            (194, "match"),
            (224, "match"),
            (247, "drift"),
            (261, "skipped")
        ],
        "{}",
        crate::book::report::terminal(&r)
    );
    let b48 = &block(&r, 48).commands[0];
    assert!(
        b48.differences[0].contains("master Ready master v1.10")
            && b48.differences[0].contains("master Ready control-plane v1.32"),
        "{:?}",
        b48.differences
    );
    // The refusal is kubectl's, and what the reader would see once the
    // line is fixed ran in the lab's pod, labelled so.
    for line in [103, 247] {
        let c = &block(&r, line).commands[0];
        let k = c.kubectl.as_ref().unwrap();
        assert_eq!(k.outcome, crate::book::KubectlOutcome::Refused);
        assert!(
            c.differences
                .iter()
                .any(|d| d == &format!("kubectl 1.32 refuses the book's line: {EXEC_REFUSED}")),
            "{:?}",
            c.differences
        );
        assert!(
            c.reason.as_ref().unwrap().contains("after fixing it"),
            "{c:?}"
        );
        assert!(
            c.ran_on
                .as_ref()
                .unwrap()
                .starts_with("pod nginx-deployment-")
        );
    }
    // Block 247's meaning agrees with the book (a reply, ttl 62): its only
    // difference is kubectl's refusal.
    assert_eq!(block(&r, 247).commands[0].differences.len(), 1);
    // The apply of the variant already up ran nothing: not a match.
    let c31 = &block(&r, 31).commands[0];
    assert_eq!(c31.verdict, Verdict::Skipped);
    assert!(
        c31.reason.as_ref().unwrap().contains("nothing ran"),
        "{c31:?}"
    );
    // The ping left running as the capture's traffic is not compared.
    let c156 = block(&r, 154)
        .commands
        .iter()
        .find(|c| c.line == 156)
        .unwrap();
    assert_eq!(c156.verdict, Verdict::Skipped);
    let calls = t.ran();
    for call in &calls {
        let place = call.split(':').next().unwrap_or_default();
        assert!(
            ["master", "node1", "node2"].contains(&place)
                || place.starts_with("pod nginx-deployment-")
                || call.starts_with("kubectl "),
            "{call}"
        );
        assert!(!call.contains("rm -rf"), "{call}");
    }
    assert_eq!(t.switches, ["fixed"]);
    let lines = t.kubectl_lines.lock().unwrap().clone();
    // Every kubectl line of the book went to kubectl, as typed, bound.
    assert_eq!(lines.len(), 19, "{lines:#?}");
    assert!(
        lines.contains(
            &"--kubeconfig ./admin.conf exec -it nginx-deployment-6b7f6d9b8c-k2v9x ping 10.244.2.2"
                .to_string()
        ),
        "{lines:#?}"
    );
    for (line, want) in [
        (
            8,
            "--kubeconfig ./admin.conf exec -n kube-system kube-flannel-ds-2xkcd cat //run//flannel//subnet.env",
        ),
        (
            9,
            "--kubeconfig ./admin.conf exec -n kube-system kube-flannel-ds-8hz7q cat //run//flannel//subnet.env",
        ),
        (
            10,
            "--kubeconfig ./admin.conf exec -n kube-system kube-flannel-ds-q5l9w cat //run//flannel//subnet.env",
        ),
        (
            12,
            "--kubeconfig ./admin.conf logs -n kube-system kube-flannel-ds-8hz7q",
        ),
        (
            16,
            "--kubeconfig ./admin.conf get pods --all-namespaces -l app=flannel",
        ),
    ] {
        assert_eq!(lines[line - 1], want, "{lines:#?}");
    }
    assert!(
        calls
            .iter()
            .any(|c| c.starts_with("node1: sudo sh -c") && c.contains("tcpdump -l -n -i flannel.1")),
        "{calls:#?}"
    );
}

/// The fifth probe: a switch before the verb hid it from lab
/// (`--warnings-as-errors proxy get`: lab read `proxy` as the switch's
/// value and `get` as the verb; kubectl ran `proxy --www=DIR`, serving host
/// files), as did a value flag lab did not know (`--token get proxy`); a
/// flag's value that is an absolute path names a host file.
#[test]
fn a_verb_hidden_behind_a_flag_is_not_judged() {
    for bad in [
        "kubectl --kubeconfig ./admin.conf --warnings-as-errors proxy get --www=/etc",
        "kubectl --kubeconfig ./admin.conf --warnings-as-errors create --insecure-skip-tls-verify secret --disable-compression generic get --from-file=x",
        "kubectl --token get proxy --address=0.0.0.0",
        "kubectl get pods -o=go-template-file=/etc/shadow",
    ] {
        assert_eq!(judgeable::judgeable(bad), None, "{bad}");
    }
    for good in [
        "kubectl --kubeconfig ./admin.conf get pods -o wide",
        "kubectl --kubeconfig=./admin.conf -n kube-system get pods",
        "kubectl --namespace=x --context c describe pod p",
    ] {
        assert!(judgeable::judgeable(good).is_some(), "{good}");
    }
}
