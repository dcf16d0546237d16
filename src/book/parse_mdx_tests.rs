//! Unit tests of MDX components read as blocks (`parse_mdx.rs`): probe21ad's
//! finding 3, the shapes probe21ab's reading passed over.
use super::read_tests::{commands, p};

const WANT: [&str; 3] = ["vagrant ssh node1", "sudo ip link set cni0 down", "exit"];

/// The blocks of `text` lab replays (shell blocks read), with their
/// commands; and the blocks not understood, with their reasons.
fn read(text: &str) -> (Vec<Vec<String>>, Vec<(usize, String)>) {
    let c = p(text);
    let shell = c
        .blocks
        .iter()
        .filter(|b| b.is_shell() && b.unread.is_none())
        .map(commands)
        .collect();
    let unread = c.blocks.iter().filter_map(|b| b.unread.clone()).collect();
    (shell, unread)
}

/// probe21ad, finding 3: code in a prop, in `children`, a JS string body,
/// and a component that names no language were read as nothing: a change
/// there passed between two matching blocks. Each is a block now, its
/// escapes read; a string of no command is none.
#[test]
fn code_in_any_string_of_a_component_is_a_block() {
    let lit = "`vagrant ssh node1\nsudo ip link set cni0 down\nexit`";
    for text in [
        format!("<Code lang=\"bash\" code={{{lit}}} />\n"),
        format!("<CodeBlock language=\"bash\" children={{{lit}}} />\n"),
        "<CodeBlock language=\"bash\">\n{\"vagrant ssh node1\\nsudo ip link set cni0 down\\nexit\"}\n</CodeBlock>\n".into(),
        "<Terminal>{'vagrant ssh node1\\nsudo ip link set cni0 down\\nexit'}</Terminal>\n".into(),
        format!("<Terminal>\n{{{lit}}}\n</Terminal>\n"),
        format!("<Steps title=\"Take it down\" run={{{lit}}}></Steps>\n"),
        "<Shell cmd=\"vagrant ssh node1\nsudo ip link set cni0 down\nexit\" />\n".into(),
        // Indented (MDX has no indented code), after another tag.
        format!("<Tabs>\n    <Tab label=\"bash\">{{{lit}}}</Tab>\n</Tabs>\n"),
        format!("<Tabs><Tab value=\"bash\">{{{lit}}}</Tab></Tabs>\n"),
        // `\u0020` and a line continuation, as JavaScript reads them.
        "<Terminal>{\"vagrant ssh node1\\nsudo\\u0020ip link set cni0 \\\ndown\\nexit\"}</Terminal>\n".into(),
    ] {
        let text = format!("# M\n\n{text}\nAfter.\n");
        let (shell, unread) = read(&text);
        assert_eq!(shell, [WANT], "{text}");
        assert!(unread.is_empty(), "{text}: {unread:?}");
    }
    // What holds no command is no block: a tab's name, a title, a note's
    // text, inline code; a fence inside a component is read once.
    for text in [
        "<Tabs groupId=\"os\">\n<TabItem value=\"bash\" label=\"Bash\">\n\ntext\n\n</TabItem>\n</Tabs>\n",
        "<Note title=\"Install kubectl first\">{`Read on.`}</Note>\n",
        "<Badge text={'new'} variant=\"tip\" />\n",
        "Inline `<Code code={`ip link`} />` is prose.\n",
    ] {
        assert!(p(text).blocks.is_empty(), "{text}");
    }
    let c = p("<Tabs>\n<Tab>\n\n```bash\nawk '{print \"ip route\"}' x\n```\n\n</Tab>\n</Tabs>\n");
    assert_eq!(c.blocks.len(), 1, "{:?}", c.blocks);
    assert_eq!(c.blocks[0].line, 4);
}

/// A string lab cannot read as the page shows it, holding a command, is a
/// block not understood, its reason naming the line: never dropped.
#[test]
fn a_string_the_page_fills_in_is_not_understood() {
    for (text, why) in [
        (
            "<Terminal>{`vagrant ssh node1\nsudo ip link set ${dev} down`}</Terminal>",
            "`sudo ip link set ${dev} down` from a template literal's `${…}`",
        ),
        (
            "<Terminal>{\"vagrant ssh node1\\n\" + \"sudo ip link set cni0 down\"}</Terminal>",
            "`vagrant ssh node1` from a string that is part of a longer",
        ),
        (
            "<Code code={String.raw`sudo ip link set cni0 down`} />",
            "`sudo ip link set cni0 down` from a string that is part of a longer",
        ),
        (
            "<Shell cmd=\"sudo ip link set cni0 down &amp;&amp; exit\" />",
            "character reference",
        ),
    ] {
        let (shell, unread) = read(&format!("# M\n\n{text}\n"));
        assert!(shell.is_empty(), "{text}: {shell:?}");
        assert_eq!(unread.len(), 1, "{text}");
        assert!(unread[0].1.contains(why), "{text}: {unread:?}");
        assert_eq!(
            unread[0].0,
            3 + text[..text.find("sudo").unwrap()].matches('\n').count()
        );
    }
}
