//! The section tree: a report as headings holding paragraphs, lists (with
//! nested items) and tables, with source line numbers. Extraction of metrics,
//! projects and incidents walks this tree instead of scanning raw text, so
//! "the 入金有效成功率 bullet under 【系统运行数据】" is a question about structure.

use std::sync::LazyLock;

use regex::Regex;
use serde::Serialize;

#[derive(Debug, Clone, Default, Serialize)]
pub struct Section {
    /// Heading text as plain text; empty for the root (text before any heading).
    pub title: String,
    /// Nesting level after repair (see `effective_level`); 0 for the root.
    pub level: u8,
    /// The heading's anchor in the rendered page.
    pub id: String,
    pub line: usize,
    pub blocks: Vec<Block>,
    pub children: Vec<Section>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Block {
    Paragraph {
        text: String,
        line: usize,
    },
    List {
        ordered: bool,
        items: Vec<Item>,
    },
    Table {
        header: Vec<String>,
        rows: Vec<Vec<String>>,
        line: usize,
    },
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Item {
    /// The item's own text: all its paragraphs, joined by newlines (soft
    /// breaks are kept as newlines too, so "原因：" lines stay lines).
    pub text: String,
    pub line: usize,
    /// The item's anchor in the rendered page (`L12`).
    pub anchor: String,
    /// Nested lists and tables.
    pub children: Vec<Block>,
}

/// One section's searchable text, borrowed from its page's `Sections`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct SectionText<'a> {
    /// The heading's anchor; empty for the text before the first heading.
    pub id: &'a str,
    pub title: &'a str,
    /// The section's own blocks (not its sub-sections') as plain text: one
    /// line per paragraph, list item and table row.
    pub text: &'a str,
    /// Its depth in the page's table of contents (1 for a top entry), or 0
    /// when the contents leave it out. The contents are rebuilt from these
    /// rather than kept as a tree of their own: at 10,000 reports a second
    /// copy of every heading's title and anchor was 20 MB.
    pub toc: u8,
}

/// A page's section texts, for the search index and the table of
/// contents. The site keeps these instead of the section tree, which is
/// several times larger and only needed while facts are extracted; and it
/// keeps them packed, every anchor and title of the page in one string and
/// every text in another: as three strings a section, they were 250,000
/// allocations and a quarter more memory at 10,000 reports. The texts are
/// apart because only the search index reads them, once: a build moves
/// them out to disk until then (`take_bodies`, `site::spill`), keeping the
/// anchors and titles the contents are made of.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Sections {
    heads: Box<str>,
    bodies: Box<str>,
    /// Per section: where its anchor and title end in `heads` (each starts
    /// where the one before ends), where its text ends in `bodies`, and its
    /// `toc` depth.
    ends: Box<[([usize; 3], u8)]>,
}

impl Sections {
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// The sections; their texts are empty once `take_bodies` took them.
    pub fn iter(&self) -> impl Iterator<Item = SectionText<'_>> {
        self.iter_with(&self.bodies)
    }

    /// The sections with their texts from `bodies`: what `take_bodies`
    /// returned. Bodies that are not this page's give empty texts.
    pub fn iter_with<'a>(&'a self, bodies: &'a str) -> impl Iterator<Item = SectionText<'a>> {
        let whole = bodies.len() == self.body_bytes();
        let (mut head, mut body) = (0usize, 0usize);
        self.ends.iter().map(move |&(ends, toc)| {
            let id = &self.heads[head..ends[0]];
            let title = &self.heads[ends[0]..ends[1]];
            let text = if whole { &bodies[body..ends[2]] } else { "" };
            (head, body) = (ends[1], ends[2]);
            SectionText {
                id,
                title,
                text,
                toc,
            }
        })
    }

    /// The texts, one after the other (empty once taken).
    pub fn bodies(&self) -> &str {
        &self.bodies
    }

    /// The length of all the texts together, whether here or taken.
    pub fn body_bytes(&self) -> usize {
        self.ends.last().map_or(0, |e| e.0[2])
    }

    /// Moves the texts out (for `iter_with`), leaving anchors and titles.
    pub fn take_bodies(&mut self) -> Box<str> {
        std::mem::take(&mut self.bodies)
    }

    /// Puts back what `take_bodies` took.
    pub fn put_bodies(&mut self, bodies: Box<str>) {
        self.bodies = bodies;
    }
}

impl Section {
    /// The text of this section and every section below it, in document
    /// order. The root always comes first; sections with neither a title nor
    /// text are left out.
    ///
    /// Sections down to `toc_level` with a title are in the table of
    /// contents (`SectionText::toc`), unless a section above them is not.
    ///
    /// `source_bytes`: the Markdown's length, which the texts fit in (they
    /// are the Markdown without its markup), so they are not copied as
    /// they grow.
    pub fn texts(&self, toc_level: u8, source_bytes: usize) -> Sections {
        let (mut heads, mut bodies, mut ends) = (
            String::with_capacity(256),
            String::with_capacity(source_bytes),
            Vec::new(),
        );
        let mut scratch = String::new();
        for (i, (s, toc)) in self.walk_toc(toc_level).into_iter().enumerate() {
            scratch.clear();
            for b in &s.blocks {
                b.plain_text(&mut scratch);
            }
            let text = scratch.trim();
            if i > 0 && text.is_empty() && s.title.is_empty() {
                continue;
            }
            heads.push_str(&s.id);
            let id = heads.len();
            heads.push_str(&s.title);
            bodies.push_str(text);
            ends.push(([id, heads.len(), bodies.len()], toc));
        }
        // Copied out at their exact size: they stay in memory until the
        // search index is written, and buffers grown by doubling hold a
        // third more (mimalloc shrinks a block in place, keeping all of it).
        Sections {
            heads: heads.as_str().into(),
            bodies: bodies.as_str().into(),
            ends: ends.as_slice().into(),
        }
    }

    /// `walk`, each section with its depth in the table of contents.
    fn walk_toc(&self, toc_level: u8) -> Vec<(&Section, u8)> {
        // `depth`: the parent's depth in the contents (0 for the root);
        // `None` when the parent is left out, and with it everything below.
        fn go<'s>(s: &'s Section, depth: Option<u8>, max: u8, out: &mut Vec<(&'s Section, u8)>) {
            for c in &s.children {
                let own = depth
                    .filter(|_| c.level <= max && !c.title.is_empty())
                    .map(|d| d + 1);
                out.push((c, own.unwrap_or(0)));
                go(c, own, max, out);
            }
        }
        let mut out = vec![(self, 0)];
        go(self, Some(0), toc_level, &mut out);
        out
    }

    /// Depth-first walk over this section and all below it.
    pub fn walk(&self) -> Vec<&Section> {
        let mut out = vec![self];
        for c in &self.children {
            out.extend(c.walk());
        }
        out
    }
}

impl Item {
    /// The item's text followed by all its descendants' text, one per line.
    pub fn full_text(&self) -> String {
        let mut s = self.text.clone();
        for b in &self.children {
            b.append_text(&mut s, 1);
        }
        s
    }
}

impl Block {
    /// Calls `f` with each line of text in the block and its nesting depth
    /// (`depth` for the block's own lines, one more for a list item's
    /// children): paragraphs, list items, table rows with cells joined by
    /// ` | `.
    fn lines<F: FnMut(usize, &str)>(&self, depth: usize, f: &mut F) {
        match self {
            Block::Paragraph { text, .. } => f(depth, text),
            Block::List { items, .. } => {
                for it in items {
                    f(depth, &it.text);
                    for c in &it.children {
                        c.lines(depth + 1, f);
                    }
                }
            }
            Block::Table { header, rows, .. } => {
                for r in std::iter::once(header).chain(rows) {
                    f(depth, &r.join(" | "));
                }
            }
        }
    }

    /// Plain text for search: non-empty lines without indentation.
    fn plain_text(&self, out: &mut String) {
        self.lines(0, &mut |_, s| line(out, s));
    }

    /// Each line on a line of its own, indented two spaces a level.
    fn append_text(&self, out: &mut String, depth: usize) {
        self.lines(depth, &mut |d, s| {
            out.push('\n');
            for _ in 0..d {
                out.push_str("  ");
            }
            out.push_str(s);
        });
    }
}

fn line(out: &mut String, s: &str) {
    if !s.is_empty() {
        if !out.is_empty() {
            out.push('\n');
        }
        out.push_str(s);
    }
}

static MARKER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^\s*(?:([A-Z])|(\d{1,2})|([一二三四五六七八九十]{1,3}))\s*[.．、]").unwrap()
});

/// An enumeration marker at the start of a heading: (kind, ordinal).
pub fn heading_marker(title: &str) -> Option<(u8, u32)> {
    let c = MARKER.captures(title)?;
    if let Some(m) = c.get(1) {
        return Some((0, m.as_str().chars().next()? as u32 - 'A' as u32));
    }
    if let Some(m) = c.get(2) {
        return Some((1, m.as_str().parse().ok()?));
    }
    let cn = "一二三四五六七八九十";
    let m = c.get(3)?.as_str();
    let n = m
        .chars()
        .map(|ch| cn.chars().position(|x| x == ch).unwrap_or(0) as u32 + 1)
        .sum();
    Some((2, n))
}

/// Builds the tree from headings in document order. Notion exports often
/// get one heading of a series wrong (`### A.`, `## B.`, `### C.`): a heading
/// whose enumeration continues the previous heading's (B after A) is placed
/// at that heading's level, so B stays a sibling of A and C.
#[derive(Default)]
pub struct TreeBuilder {
    /// Path of open sections from the root.
    stack: Vec<Section>,
    last_marker: Option<((u8, u32), u8)>,
}

impl TreeBuilder {
    pub fn new() -> Self {
        Self {
            stack: vec![Section::default()],
            last_marker: None,
        }
    }

    pub fn effective_level(&mut self, title: &str, level: u8) -> u8 {
        let marker = heading_marker(title);
        let level = match (marker, self.last_marker) {
            (Some((kind, n)), Some(((pk, pn), plevel))) if kind == pk && n == pn + 1 => plevel,
            _ => level,
        };
        self.last_marker = marker.map(|m| (m, level));
        level
    }

    pub fn open(&mut self, title: String, level: u8, id: String, line: usize) {
        while self.stack.len() > 1 && self.stack.last().is_some_and(|s| s.level >= level) {
            self.close_top();
        }
        self.stack.push(Section {
            title,
            level,
            id,
            line,
            ..Default::default()
        });
    }

    pub fn push_block(&mut self, block: Block) {
        if let Some(top) = self.stack.last_mut() {
            top.blocks.push(block);
        }
    }

    fn close_top(&mut self) {
        if let Some(s) = self.stack.pop() {
            if let Some(parent) = self.stack.last_mut() {
                parent.children.push(s);
            }
        }
    }

    pub fn finish(mut self) -> Section {
        while self.stack.len() > 1 {
            self.close_top();
        }
        self.stack.pop().unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markers() {
        assert_eq!(heading_marker("A. 支付账户2.0升级"), Some((0, 0)));
        assert_eq!(heading_marker("B. POS收单系统建设"), Some((0, 1)));
        assert_eq!(heading_marker("二、风险"), Some((2, 2)));
        assert_eq!(heading_marker("【O1 服务业务】"), None);
    }

    #[test]
    fn misleveled_lettered_heading_stays_a_sibling() {
        let mut b = TreeBuilder::new();
        let add = |b: &mut TreeBuilder, t: &str, l: u8| {
            let l = b.effective_level(t, l);
            b.open(t.into(), l, String::new(), 0);
        };
        add(&mut b, "【O2系统升级】", 2);
        add(&mut b, "A. 支付账户2.0升级", 3);
        add(&mut b, "B. POS收单系统建设", 2);
        add(&mut b, "C. HIVE标准数仓建设", 3);
        add(&mut b, "【O3 安全稳定、降本提效】", 2);
        let root = b.finish();
        assert_eq!(root.children.len(), 2);
        let o2 = &root.children[0];
        let names: Vec<_> = o2.children.iter().map(|c| c.title.as_str()).collect();
        assert_eq!(
            names,
            [
                "A. 支付账户2.0升级",
                "B. POS收单系统建设",
                "C. HIVE标准数仓建设"
            ]
        );
    }
}
