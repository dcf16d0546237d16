//! The book page held to what it must show.

mod render {
    use super::super::markdown;

    #[test]
    fn markdown_renders_lists_emphasis_and_tasks_and_shows_raw_html_as_text() {
        let fig = |alt: &str, dest: &str| format!("<figure>{alt}|{dest}</figure>");
        let h = markdown(
            "- [ ] Code\n\n*create local cluster* and `flannel.yml`\n\n<script>x</script>\n\n![Figure : Pod Network](images/a.png)\n",
            &fig,
        );
        assert!(
            h.contains("<input disabled=\"\" type=\"checkbox\"/>"),
            "{h}"
        );
        assert!(h.contains("<em>create local cluster</em>"), "{h}");
        assert!(h.contains("<code>flannel.yml</code>"), "{h}");
        assert!(!h.contains("<script>"), "{h}");
        assert!(h.contains("&lt;script&gt;"), "{h}");
        assert!(
            h.contains("<figure>Figure : Pod Network|images/a.png</figure>"),
            "{h}"
        );
        assert!(!h.contains("<p><figure>"), "{h}");
    }
}

mod page_tests {
    use super::super::super::{BlockReport, BookReport, CommandReport, Summary, Verdict};

    pub(super) fn report() -> BookReport {
        let mut r = BookReport {
            version: 1,
            chapter: "chapter.md".into(),
            lab: "t1".into(),
            provider: "netns".into(),
            known_file: "chapter.drift.yaml".into(),
            stale: vec![],
            blocks: vec![BlockReport {
                line: 4,
                end: 7,
                fence: "bash".into(),
                verdict: Verdict::Drift,
                commands: vec![CommandReport {
                    line: 5,
                    command: "ip route".into(),
                    verdict: Verdict::Drift,
                    ran_on: Some("node1".into()),
                    ran: Some("ip route".into()),
                    variant: "broken".into(),
                    book: vec!["10.244.2.0/24 via 10.244.2.0 dev flannel.1".into(), "same".into()],
                    lab: vec!["same".into()],
                    bindings: vec![],
                    differences: vec![
                        "the book shows `10.244.2.0/24 via 10.244.2.0 dev flannel.1`, the lab does not"
                            .into(),
                    ],
                    known: vec![String::new()],
                    reason: None,
                    kubectl: None,
                    why: vec![],
                }],
                prose: vec![],
                duration_s: 0.1,
            }],
            summary: Summary::default(),
            blessed: false,
            kubectl_matrix: None,
            verdict: None,
            text: "# Title <b>x</b>\n\nSome *prose*.\n```bash\n$ ip route\n10.244.2.0/24 via 10.244.2.0 dev flannel.1\n```\n\n![Figure : net](images/n.png)\n".into(),
        };
        r.summarize();
        r
    }

    #[test]
    fn the_page_has_a_jump_list_marked_lines_rendered_prose_and_the_graph() {
        let file = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("labs/chapter4/lab.yaml");
        let lab = crate::spec::load_file(&file, Default::default()).unwrap();
        let t = crate::graph::declared::topology(&lab, "broken").unwrap();
        let html = super::super::page(&report(), Some(&t));
        assert!(!html.contains("internal error"), "{html}");
        assert!(html.contains("<a href=\"#line-4\">line 4</a>"), "{html}");
        assert!(
            html.contains("<section class=\"block v-drift\" id=\"line-4\">"),
            "{html}"
        );
        assert!(
            html.contains("<mark>10.244.2.0&#x2F;24 via")
                || html.contains("<mark>10.244.2.0/24 via"),
            "{html}"
        );
        assert!(html.contains("<em>prose</em>"), "{html}");
        assert!(
            html.contains("&lt;b&gt;x&lt;&#x2F;b&gt;") || html.contains("&lt;b&gt;x&lt;/b&gt;"),
            "{html}"
        );
        assert!(
            html.contains("<figure class=\"chapter-figure\" id=\"figure-1\">"),
            "{html}"
        );
        assert_eq!(html.matches("VTEP 10.0.2.15  ✗ shared").count(), 3);
        assert!(html.contains("1 drift"), "{html}");
        assert!(
            !html.contains("http://") && !html.contains("<script"),
            "{html}"
        );
        // No script runs: the page says so to the browser.
        assert!(
            html.contains("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; script-src 'none';"),
            "{html}"
        );
    }

    /// A node's interface named with ESC and BEL (`ip link add
    /// "$(printf 'x\033]0;PWN\007y')" ...`) reached the page raw through a
    /// drift sentence, which the template escaped with its own escaper
    /// (the ninth probe of issue 21): every value of the page goes through
    /// the one escaper.
    #[test]
    fn a_drift_sentence_reaches_the_page_without_control_characters() {
        let mut r = report();
        r.blocks[0].commands[0].differences =
            vec!["route -n: the lab has the row `10.9.9.0 U x\u{1b}]0;PWN\u{7}y`".into()];
        r.blocks[0].commands[0].command = "route -n \u{1b}[2J".into();
        let html = super::super::page(&r, None);
        assert!(!html.contains("internal error"), "{html}");
        assert!(html.contains("PWN"), "{html}");
        assert!(
            !html.contains('\u{1b}') && !html.contains('\u{7}'),
            "a control character reached the page"
        );
    }
}

mod quote_tests {
    #[test]
    fn a_row_quoted_without_its_columns_is_marked() {
        let row = "172.17.0.0 0.0.0.0 255.255.0.0 U 0 0 0 docker0";
        assert!(super::super::quotes_line(
            "172.17.0.0 0.0.0.0 255.255.0.0 U docker0",
            row
        ));
        assert!(!super::super::quotes_line("10.244.3.0 docker0", row));
        assert!(!super::super::quotes_line("docker0", "docker1 x"));
    }

    /// A line a node printed, with a quote and a control character, is
    /// escaped as the dashboard and JUnit escape it (one escaper).
    #[test]
    fn a_nodes_line_is_escaped_as_everywhere_else() {
        let line = "it's <b>\u{1}</b> & \"so\"";
        let html = super::super::marked(&[serde_json::Value::String(line.into())], &[]);
        assert_eq!(html, crate::report::escape(line));
        assert_eq!(
            html,
            "it&apos;s &lt;b&gt;\u{fffd}&lt;/b&gt; &amp; &quot;so&quot;"
        );
    }

    /// A chapter's link is kept where it leads to a page (http, https,
    /// mailto, a relative path, a fragment); any other scheme is its text
    /// (probe21z: `javascript:` became a live link of the report).
    #[test]
    fn only_links_to_pages_are_kept() {
        let html = super::super::markdown(
            "[a](javascript:alert(3)) [b](https://x.org/a) [c](#f) [d](mailto:a@b.org) [e](JaVaScRiPt:x) [f](data:text/html,x) [g](vbscript:x) [h](other.html) [i](http://y.org) [j](java%0ascript:x) <javascript:alert(4)> [k](%20javascript:x) [l](file:///etc/passwd) [m](./a:b)",
            &|_, _| String::new(),
        );
        for kept in [
            "href=\"https://x.org/a\"",
            "href=\"#f\"",
            "href=\"mailto:a@b.org\"",
            "href=\"other.html\"",
            "href=\"http://y.org\"",
            "href=\"./a:b\"",
        ] {
            assert!(html.contains(kept), "{kept}: {html}");
        }
        assert_eq!(html.matches("<a ").count(), 6, "{html}");
        for t in ["a", "e", "f", "g", "j", "k", "l"] {
            assert!(
                html.contains(&format!(" {t} ")) || html.contains(&format!(">{t} ")),
                "{t}: {html}"
            );
        }
    }
}

/// probe21aq finding 5: the page said "Every replayed block matches the
/// book." of a run that failed (it compared nothing; a difference blessed
/// with its reason still the TODO; a failing kubectl matrix, which the
/// page did not show). The page says the run's own verdict
/// ([`crate::book::verdict::of`]), and that sentence only when it passed.
mod verdict_tests {
    use super::super::super::{BookReport, Verdict};
    use crate::kubectl::{KubeVersion, Kubectl, Matrix, MatrixLine, Verdict as K};

    const PASSED: &str = "Every replayed block matches the book.";

    fn matched() -> BookReport {
        let mut r = super::page_tests::report();
        r.blocks[0].verdict = Verdict::Match;
        r.blocks[0].commands[0].verdict = Verdict::Match;
        r.blocks[0].commands[0].differences.clear();
        r.blocks[0].commands[0].known.clear();
        r.summarize();
        r
    }

    #[test]
    fn a_run_that_passed_says_so_and_one_that_compared_nothing_says_why_not() {
        let r = matched();
        let html = super::super::page(&r, None);
        assert!(html.contains(PASSED), "{html}");
        assert!(!html.contains("class=\"verdict fail\""), "{html}");

        let mut r = matched();
        r.blocks[0].verdict = Verdict::Skipped;
        r.blocks[0].commands[0].verdict = Verdict::Skipped;
        r.summarize();
        let html = super::super::page(&r, None);
        assert!(!html.contains(PASSED), "{html}");
        assert!(
            html.contains("<div class=\"verdict fail\"><b>FAILED</b>")
                && html.contains("the replay compared nothing, which is no pass"),
            "{html}"
        );
    }

    #[test]
    fn a_difference_blessed_with_the_todo_is_drift_on_the_page() {
        let mut r = super::page_tests::report();
        r.blocks[0].commands[0].known = vec![crate::book::known::TODO.into()];
        let html = super::super::page(&r, None);
        assert!(!html.contains(PASSED), "{html}");
        assert!(html.contains("blessed without a reason"), "{html}");
        assert!(!html.contains("<div class=\"diff known\">"), "{html}");
    }

    fn matrix() -> Matrix {
        let v = |minor| KubeVersion {
            major: 1,
            minor,
            patch: 0,
        };
        let cell = |minor, verdict, message: &str| crate::kubectl::Cell {
            version: v(minor),
            verdict,
            message: message.into(),
        };
        Matrix {
            kubectls: [30, 32]
                .map(|m| Kubectl {
                    path: format!("/usr/bin/kubectl.1.{m}").into(),
                    version: v(m),
                })
                .to_vec(),
            lines: vec![MatrixLine {
                line: 5,
                args: "--kubeconfig ./admin.conf exec pod ls"
                    .split(' ')
                    .map(String::from)
                    .collect(),
                cells: vec![
                    cell(30, K::Deprecated, "warning: exec POD CMD is deprecated"),
                    cell(
                        32,
                        K::Refused,
                        "error: exec [POD] [COMMAND] is not supported anymore",
                    ),
                ],
            }],
        }
    }

    #[test]
    fn a_failing_kubectl_matrix_fails_the_page_and_is_shown_as_a_table() {
        let mut r = matched();
        r.kubectl_matrix = Some(matrix());
        assert!(!r.ok());
        let html = super::super::page(&r, None);
        assert!(!html.contains(PASSED), "{html}");
        assert!(
            html.contains("the kubectl matrix: kubectl 1.32 refuse line 5 (see the matrix"),
            "{html}"
        );
        assert!(
            html.contains("<section class=\"matrix\" id=\"kubectl-matrix\">"),
            "{html}"
        );
        assert!(html.contains("<td class=\"m-ref\""), "{html}");
        assert!(
            html.contains(">REF</td>") && html.contains(">dep</td>"),
            "{html}"
        );
        assert!(html.contains("<code>exec pod ls</code>"), "{html}");
        assert!(html.contains("<td class=\"r-fail\""), "{html}");
    }
}
