//! A `kubectl get` line's label selector read by Kubernetes' own rules
//! for keys and values. Apart from [`super`] (the recogniser), to keep
//! that file short.

/// A `get` line's label selector, in each form kubectl takes (`-l SEL`,
/// `-l=SEL`, `--selector SEL`, `--selector=SEL`): one `KEY=VALUE` of names.
/// Any other (`k in (v)`, `k!=v`, `a=b,c=d`) is not understood: lab could
/// not say which pods it selects.
pub(super) fn selector(sel: &str) -> Result<(String, String), String> {
    let (k, v) = sel.split_once('=').ok_or("-l without key=value")?;
    if !is_label_key(k) || !is_label_value(v) {
        return Err(format!("-l {sel}: lab reads key=value of names"));
    }
    // Labels a DaemonSet's or StatefulSet's controller adds to every pod
    // it makes, numbered by its template's changes: no manifest says
    // their value, so a listing by them shows what lab cannot tell
    // (probe21bt: `-l pod-template-generation=1` then `No resources
    // found` passed; every DaemonSet pod carries it).
    if CONTROLLER_LABELS.contains(&k) {
        return Err(format!(
            "-l {sel}: a label Kubernetes adds to a DaemonSet's or StatefulSet's pods, whose value lab cannot know"
        ));
    }
    Ok((k.to_string(), v.to_string()))
}

/// A label key by Kubernetes' rules: an optional prefix, a DNS subdomain
/// of at most 253 characters, and `/`; then a name of at most 63
/// characters of `[A-Za-z0-9-_.]`, a letter or digit at each end
/// (`app.kubernetes.io/name`, probe21bt: refused for its `/`).
fn is_label_key(k: &str) -> bool {
    match k.split_once('/') {
        Some((prefix, name)) => is_dns_subdomain(prefix) && is_label_value(name),
        None => is_label_value(k),
    }
}

/// A label value (and a key's name) by Kubernetes' rules: 1 to 63
/// characters of `[A-Za-z0-9-_.]`, a letter or digit at each end (an
/// empty value, which Kubernetes allows, lab does not read).
fn is_label_value(v: &str) -> bool {
    let alnum = |b: Option<&u8>| b.is_some_and(u8::is_ascii_alphanumeric);
    (1..=63).contains(&v.len())
        && v.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
        && alnum(v.as_bytes().first())
        && alnum(v.as_bytes().last())
}

/// A DNS subdomain (RFC 1123): at most 253 characters, dot-separated
/// labels of lowercase letters, digits and `-`, each 1 to 63 long with a
/// letter or digit at each end.
fn is_dns_subdomain(s: &str) -> bool {
    let label = |l: &str| {
        (1..=63).contains(&l.len())
            && l.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && !l.starts_with('-')
            && !l.ends_with('-')
    };
    (1..=253).contains(&s.len()) && s.split('.').all(label)
}

/// Labels Kubernetes' controllers add to the pods they make, with values
/// no manifest gives (`pod-template-hash`, a Deployment's, is read as
/// every replica's: see the replay's listing).
const CONTROLLER_LABELS: &[&str] = &["pod-template-generation", "controller-revision-hash"];
