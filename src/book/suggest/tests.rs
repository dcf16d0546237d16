//! `--suggest` on a recorded replay of chapter4 (netns, kubectl 1.32: the
//! fixture is `lab book chapter4 --json` as it ran), with a judge that
//! accepts what kubectl 1.32 accepts of an `exec`.

use super::*;
use crate::book::parse;
use std::path::Path;

struct Kubectl132;

#[async_trait::async_trait]
impl Judge for Kubectl132 {
    async fn accepts(&self, words: &[String]) -> Result<bool, String> {
        // The pod is the one word before `--`; `-n` and `--kubeconfig` take
        // a value.
        let mut pos = Vec::new();
        let mut i = 0;
        while i < words.len() && words[i] != "--" {
            match words[i].as_str() {
                "-n" | "--kubeconfig" => i += 2,
                w if w.starts_with('-') => i += 1,
                w => {
                    pos.push(w.to_string());
                    i += 1;
                }
            }
        }
        Ok(i < words.len() && pos.len() == 2)
    }
}

fn fixture() -> (BookReport, Chapter, Lab) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let r: BookReport = serde_json::from_slice(
        &std::fs::read(root.join("tests/fixtures/suggest/chapter4.book.json")).unwrap(),
    )
    .unwrap();
    let c = parse::read(&root.join("labs/chapter4/chapter.md")).unwrap();
    let lab =
        crate::spec::load_file(&root.join("labs/chapter4/lab.yaml"), Default::default()).unwrap();
    (r, c, lab)
}

/// The chapter's lines outside its fenced blocks, in order.
fn prose(text: &str) -> Vec<String> {
    let c = parse::parse(Path::new("c.md"), text.as_bytes()).unwrap();
    text.lines()
        .enumerate()
        .filter(|(i, _)| !c.blocks.iter().any(|b| (b.line..=b.end).contains(&(i + 1))))
        .map(|(_, l)| l.to_string())
        .collect()
}

#[tokio::test]
async fn known_drift_is_left_alone_unless_asked() {
    let (r, c, lab) = fixture();
    let s = suggest(&r, &c, &lab, &Kubectl132, &Options::default(), "chapter.md").await;
    assert!(s.patch.is_empty(), "{}", s.patch);
    assert!(s.blocks.is_empty());
}

#[tokio::test]
async fn suggest_known_rewrites_every_known_drift_and_no_prose() {
    let (r, c, lab) = fixture();
    let s = suggest(
        &r,
        &c,
        &lab,
        &Kubectl132,
        &Options { known: true },
        "chapter.md",
    )
    .await;
    assert_eq!(s.blocks, [48, 103, 116, 139, 247], "{}", s.patch);
    assert!(s.left.is_empty(), "{:?}", s.left);
    for want in [
        "+kubectl --kubeconfig ./admin.conf exec -it nginx-deployment-75675f5897-4dm42 -- ping 10.244.3.3",
        "+kubectl --kubeconfig ./admin.conf exec -n kube-system kube-flannel-ds-v8m8f -- cat //run//flannel//subnet.env",
        "+$ kubectl --kubeconfig ./admin.conf exec -it nginx-deployment-75675f5897-rq75g -- ping 10.244.3.4",
        "-172.17.0.0      0.0.0.0         255.255.0.0     U     0      0        0 docker0",
        "+From 10.244.1.1 icmp_seq=1 Time to live exceeded",
        "+master    Ready     control-plane   8m   v1.32",
        "--- chapter.md",
    ] {
        assert!(s.patch.contains(want), "no {want:?} in\n{}", s.patch);
    }
    // The book's names and addresses stay the book's: no lab pod name, no
    // lab address of node2's subnet.
    assert!(!s.text.contains("nginx-deployment-node"), "{}", s.patch);
    assert!(!s.text.contains("10.244.2."), "{}", s.patch);
    assert_eq!(prose(&s.text), prose(&c.text));
    // Nothing the patch does not need: the matching blocks are untouched.
    assert!(
        !s.patch.contains("-64 bytes from 10.244.1.2"),
        "{}",
        s.patch
    );
}

/// The fifth probe: the headers named the chapter by its path from the
/// current folder, newlines included: a lab folder named `evil\n+++ x`
/// gave `--- evil` / `+++ x/chapter.md` / `+++ evil` / ..., headers of
/// files the folder's name chose.
#[test]
fn a_header_never_holds_a_newline_from_a_folders_name() {
    use std::path::Path;
    let cwd = Path::new("/tmp/p");
    assert_eq!(
        super::header_of(Path::new("/tmp/p/labs/ch4/chapter.md"), Some(cwd)),
        "labs/ch4/chapter.md"
    );
    assert_eq!(
        super::header_of(Path::new("/tmp/p/evil\n+++ x/chapter.md"), Some(cwd)),
        "chapter.md"
    );
    assert_eq!(
        super::header_of(Path::new("/elsewhere/chapter.md"), Some(cwd)),
        "chapter.md"
    );
}

/// A block in a block quote or a list item: the lines `--suggest` writes
/// keep the quote's `> ` (or the item's indentation); without it the patch
/// ended the quote. Blocks there are read since the seventeenth probe.
#[test]
fn a_rewrite_inside_a_quote_keeps_its_markers() {
    let text = "> ```console\n> $ ping -c 1 10.0.0.1\n> 64 bytes from 10.0.0.1: icmp_seq=1 ttl=64\n> ```\n";
    let chapter = parse::parse(Path::new("c.md"), text.as_bytes()).unwrap();
    let (steps, _) = parse::steps(&chapter.blocks[0]);
    let step = &steps[0];
    assert_eq!(container_prefix(&chapter.text, step), "> ");
    let mut edits = Edits::default();
    edits.output(
        step,
        &["64 bytes from 10.0.0.1: icmp_seq=1 ttl=63".to_string()],
        container_prefix(&chapter.text, step),
    );
    assert_eq!(
        edits.apply(text),
        "> ```console\n> $ ping -c 1 10.0.0.1\n> 64 bytes from 10.0.0.1: icmp_seq=1 ttl=63\n> ```\n"
    );
}

/// A block of raw HTML (read as a block since probe21l) is never rewritten:
/// its lines hold tags and entities the replay read through, so a line
/// written back would drop them. Its difference is left, saying why.
#[tokio::test]
async fn a_block_of_html_is_left_as_it_is() {
    let (r, c, lab) = fixture();
    let text: String = c
        .text
        .lines()
        .enumerate()
        .map(|(i, l)| match i + 1 {
            139 => "<pre><code>\n".to_string(),
            150 => "</code></pre>\n".to_string(),
            _ => format!("{l}\n"),
        })
        .collect();
    let html = parse::parse(Path::new("chapter.md"), text.as_bytes()).unwrap();
    assert!(
        html.blocks
            .iter()
            .any(|b| b.line == 139 && b.fence == "<pre><code>")
    );
    let s = suggest(
        &r,
        &html,
        &lab,
        &Kubectl132,
        &Options { known: true },
        "chapter.md",
    )
    .await;
    assert_eq!(s.blocks, [48, 103, 116, 247], "{}", s.patch);
    assert!(!s.patch.contains("docker0"), "{}", s.patch);
    assert!(
        s.left
            .iter()
            .any(|l| l.starts_with("line 140: ") && l.contains("HTML")),
        "{:?}",
        s.left
    );
}

/// A command whose output the book shows in two blocks (read as one, with
/// a cut between them: probe21as, finding 1) is never rewritten: the cut
/// is no line of the book's, and written back the parts would lose their
/// fences. Its difference is left, saying why.
#[tokio::test]
async fn an_output_shown_in_two_blocks_is_left_as_it_is() {
    let (mut r, c, lab) = fixture();
    let far = r
        .blocks
        .iter_mut()
        .flat_map(|b| b.commands.iter_mut())
        .find(|c| c.line == 232)
        .unwrap();
    assert_eq!(far.command, "ping 10.244.3.4");
    far.verdict = Verdict::Drift;
    far.differences = vec!["ping: the book shows a reply with ttl 63; the lab shows ttl 62".into()];
    let text: String = c
        .text
        .lines()
        .enumerate()
        .map(|(i, l)| match i + 1 {
            234 => format!("{l}\n```\n\n```text\n"),
            236 => "```\n\n```bash\n".to_string(),
            _ => format!("{l}\n"),
        })
        .collect();
    let split = parse::parse(Path::new("chapter.md"), text.as_bytes()).unwrap();
    let roles = crate::book::output_below::roles(&split);
    assert!(
        roles
            .iter()
            .any(|r| matches!(r, Role::Shows(s) if s.line == 232 && s.parts == 2)),
        "{roles:?}"
    );
    let s = suggest(
        &r,
        &split,
        &lab,
        &Kubectl132,
        &Options::default(),
        "chapter.md",
    )
    .await;
    assert!(!s.patch.contains("ttl=62"), "{}", s.patch);
    assert!(
        s.left
            .iter()
            .any(|l| l.starts_with("line 232: ") && l.contains("more than one block")),
        "{:?}",
        s.left
    );
}

/// What `--suggest` writes back comes from the lab's output, which a
/// node's root makes (a device's name): a line holding control characters
/// reached the patch raw (probe21bz: `cat` of the patch set the author's
/// window title; `git apply` put it into the chapter). Now such output is
/// left, said so, and the patch holds no control character. Seen failing
/// before: block 139 was rewritten with the ESC in it.
#[tokio::test]
async fn lab_output_with_control_characters_is_never_written_back() {
    let (mut r, c, lab) = fixture();
    let route = r
        .blocks
        .iter_mut()
        .flat_map(|b| b.commands.iter_mut())
        .find(|c| c.line == 140)
        .unwrap();
    route.lab.push(
        "10.99.0.0       0.0.0.0         255.255.255.0   U     0      0        0 \u{1b}]0;RT\u{7}r"
            .into(),
    );
    let s = suggest(
        &r,
        &c,
        &lab,
        &Kubectl132,
        &Options { known: true },
        "chapter.md",
    )
    .await;
    assert!(!s.blocks.contains(&139), "{}", s.patch);
    assert!(
        s.left
            .iter()
            .any(|l| l.starts_with("line 140:") && l.contains("control character")),
        "{:?}",
        s.left
    );
    assert!(
        !s.patch
            .chars()
            .any(|ch| ch.is_control() && ch != '\n' && ch != '\t'),
        "{}",
        s.patch
    );
}
