//! Manifests a chapter applies that the lab folder lacks, drafted from
//! lab's own templates when the chapter says enough: a flannel manifest
//! (lab's chapter4 flannel.yml, lab's own text) with the chapter's pod
//! network and `--iface`, and an nginx Deployment with the chapter's
//! name, `app` label and replica count. Anything else is named, not drafted.

use super::facts::Facts;
use super::plan::Plan;

/// lab's flannel manifest (VXLAN), without its chapter4 header.
const FLANNEL: &str = include_str!("../../labs/chapter4/flannel.yml");
/// lab's nginx Deployment, without its header.
const NGINX: &str = include_str!("../../labs/chapter4/nginx-deployment.yaml");

/// The body of a template: from its first line that is not a comment.
fn body(t: &str) -> &str {
    let mut at = 0;
    for l in t.split_inclusive('\n') {
        if !l.starts_with('#') {
            break;
        }
        at += l.len();
    }
    &t[at..]
}

/// A flannel manifest for `file`, or why it cannot be drafted.
pub fn flannel(plan: &Plan, facts: &Facts, file: &str, chapter: &str) -> Result<String, String> {
    let Some(v) = plan.variants.iter().find(|v| v.file == file) else {
        return Err("not a network variant".into());
    };
    let lower = file.to_lowercase();
    if !lower.contains("flannel") && facts.vxlan.is_none() {
        return Err("the chapter says neither flannel nor VXLAN for it".into());
    }
    let pods = plan.pods.0;
    let mut text = body(FLANNEL).replace(
        "\"Network\": \"10.244.0.0/16\"",
        &format!("\"Network\": \"{pods}\""),
    );
    if let Some((iface, _)) = &v.iface {
        text = text.replace(
            "            - --kube-subnet-mgr\n",
            &format!("            - --kube-subnet-mgr\n            - --iface={iface}\n"),
        );
    }
    let mut head = format!(
        "# Drafted by `lab init` from lab's flannel template for {chapter}:\n# flannel with the VXLAN backend, Network {pods} ({}",
        plan.pods.1
    );
    head.push(')');
    match &v.iface {
        Some((i, l)) => head.push_str(&format!(",\n# and --iface={i} (line {l}).\n")),
        None => head.push_str(",\n# no --iface: flanneld picks the default-route interface.\n"),
    }
    head.push_str("# Check it against the manifest the book used.\n");
    Ok(format!("{head}{text}"))
}

/// An nginx Deployment for a workload file, or why it cannot be drafted.
pub fn workload(
    plan: &Plan,
    facts: &Facts,
    taken: &[String],
    file: &str,
) -> Result<(String, String), String> {
    let dep = facts
        .deployments
        .keys()
        .find(|d| !taken.contains(d))
        .ok_or("no `kubectl get pods` table shows its pods")?;
    let app = plan.app(dep);
    if !app.contains("nginx") && !dep.contains("nginx") {
        return Err(format!(
            "its pods ({dep}) are not nginx, lab's only workload template"
        ));
    }
    let replicas = facts.deployments[dep];
    let text = body(NGINX)
        .replace("name: nginx-deployment", &format!("name: {dep}"))
        .replace("app: nginx", &format!("app: {app}"))
        .replace("replicas: 2", &format!("replicas: {replicas}"));
    Ok((
        dep.clone(),
        format!(
            "# Drafted by `lab init` from lab's nginx template for {file}: Deployment\n# {dep}, app {app}, {replicas} replica(s) as the chapter's pod table shows,\n# spread one per node. Check it against the manifest the book used.\n{text}"
        ),
    ))
}
