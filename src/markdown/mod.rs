//! The markdown stage: parse a report body with pulldown-cmark, repair CJK
//! emphasis, give headings ids that work for Chinese, point links between
//! the archive's files at their rendered pages, and build the section tree
//! that extraction reads.

pub mod cjk;
pub mod sections;

use rustc_hash::FxHashMap as HashMap;
use std::ops::Range;

use pulldown_cmark::{CowStr, Event, Options, Parser, Tag, TagEnd};
use serde::Serialize;

use sections::TreeBuilder;
pub use sections::{Block, Item, Section, SectionText, Sections};

/// How the `title` of a missing link's marker starts. The render stage
/// swaps it for the theme's words in the site's language (the markdown stage
/// does not know the language; see `render::localize`).
pub const MISSING_TITLE: &str = "missing: ";

/// How every list item starts: with its anchor as its id (`<li id="L12">`).
/// The render stage finds items by it to add incident marks and project
/// links without parsing the HTML. The id sits on the item itself rather
/// than on an empty `<a>` inside it: a report's list items are most of its
/// markup, and the empty element was an eighth of every report page.
pub const ITEM_ANCHOR: &str = "<li id=\"";

/// What a link to another Markdown file turned into.
pub enum Resolved {
    /// The page's URL, relative to the page being rendered.
    Page(String),
    /// The file is not in the archive.
    Missing,
}

/// An entry of a page's table of contents, borrowed from its section
/// texts (`Rendered::toc`).
#[derive(Debug, Clone, Serialize)]
pub struct TocEntry<'a> {
    pub title: &'a str,
    pub id: &'a str,
    pub children: Vec<TocEntry<'a>>,
}

#[derive(Debug, Default)]
pub struct Rendered {
    pub html: String,
    /// Each section's plain text, for the search index, and its place in
    /// the table of contents (`toc`).
    pub text: Sections,
    /// (line, target) of links to Markdown files that are not in the archive.
    pub missing_links: Vec<(usize, String)>,
}

/// The deepest heading level in a table of contents.
const TOC_LEVEL: u8 = 3;

impl Rendered {
    /// Gives back what growing the HTML reserved, for a page whose HTML
    /// stays in memory until the site is written (a tenth of a build's
    /// peak). A copy, not `shrink_to_fit`: mimalloc shrinks a block in
    /// place, keeping all of it, unless the new size is under half.
    pub fn shrink(&mut self) {
        if self.html.capacity() > self.html.len() {
            self.html = String::from(self.html.as_str());
        }
    }

    /// The table of contents: headings down to `TOC_LEVEL`, nested as in
    /// the page.
    pub fn toc(&self) -> Vec<TocEntry<'_>> {
        // Entries arrive in page order with their depth: each goes under
        // the latest entry one level up, which `open` keeps a path to.
        let mut top: Vec<TocEntry> = Vec::new();
        let mut open: Vec<TocEntry> = Vec::new();
        fn close<'a>(open: &mut Vec<TocEntry<'a>>, top: &mut Vec<TocEntry<'a>>) {
            if let Some(done) = open.pop() {
                match open.last_mut() {
                    Some(parent) => parent.children.push(done),
                    None => top.push(done),
                }
            }
        }
        for s in self.text.iter().filter(|s| s.toc > 0) {
            while open.len() >= usize::from(s.toc) {
                close(&mut open, &mut top);
            }
            open.push(TocEntry {
                title: s.title,
                id: s.id,
                children: Vec::new(),
            });
        }
        while !open.is_empty() {
            close(&mut open, &mut top);
        }
        top
    }
}

pub struct RenderOptions {
    /// Keep raw HTML; otherwise it is shown as text.
    pub unsafe_html: bool,
    /// Line of the body's first line in its file, for line numbers.
    pub first_line: usize,
}

fn parser_options() -> Options {
    Options::ENABLE_TABLES
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_FOOTNOTES
}

/// Byte offset → line, by binary search over newline positions (a linear
/// scan per event would make a 20 MB report quadratic).
struct Lines {
    starts: Vec<usize>,
    first: usize,
}

impl Lines {
    fn new(text: &str, first: usize) -> Self {
        let mut starts = vec![0];
        // memchr's iterator, not `match_indices`: a searcher set up per
        // line was a fifth of this stage's string searching.
        starts.extend(memchr::memchr_iter(b'\n', text.as_bytes()).map(|i| i + 1));
        Self { starts, first }
    }
    fn line(&self, offset: usize) -> usize {
        self.first + self.starts.partition_point(|&s| s <= offset) - 1
    }
}

/// A heading id: lower-case letters and digits of any script, words joined by
/// `-`, so `【系统运行数据】` gets `系统运行数据` and `A. 支付账户2.0升级` gets
/// `a-支付账户20升级` — readable in the address bar, like GitHub's.
pub fn heading_id(title: &str) -> String {
    let mut out = String::with_capacity(title.len());
    let mut dash = false;
    for c in title.chars() {
        // A Chinese character is a letter with no case: pushed as it is,
        // without the Unicode tables `is_alphanumeric` and `to_lowercase`
        // search for it.
        let han = ('\u{4E00}'..='\u{9FFF}').contains(&c);
        if han || c.is_alphanumeric() {
            if dash && !out.is_empty() {
                out.push('-');
            }
            dash = false;
            if han {
                out.push(c);
            } else {
                out.extend(c.to_lowercase());
            }
        } else if c.is_whitespace() || c == '-' || c == '_' {
            dash = true;
        }
    }
    if out.is_empty() {
        "section".to_string()
    } else {
        out
    }
}

fn is_markdown_target(path: &str) -> bool {
    let lower = path.to_ascii_lowercase();
    lower.ends_with(".md") || lower.ends_with(".markdown")
}

fn is_relative(url: &str) -> bool {
    !(url.starts_with('#')
        || url.starts_with('/')
        || url.contains("://")
        || url.starts_with("mailto:"))
}

enum Frame {
    Para {
        text: String,
        line: usize,
    },
    Heading {
        text: String,
        level: u8,
        line: usize,
        out_idx: usize,
    },
    List {
        ordered: bool,
        items: Vec<Item>,
    },
    Item(Item),
    Table {
        header: Vec<String>,
        rows: Vec<Vec<String>>,
        row: Vec<String>,
        line: usize,
    },
    Cell(String),
    Opaque,
}

/// Lists nested deeper than this are folded into their ancestor item: the
/// tree stays shallow (recursive walks and drops cannot overflow the stack
/// on a hostile 10,000-deep list) while no text is lost.
const MAX_LIST_DEPTH: usize = 32;

struct State {
    frames: Vec<Frame>,
    tree: TreeBuilder,
    code_depth: usize,
    /// One flag per open list: true when it is folded (see MAX_LIST_DEPTH).
    lists: Vec<bool>,
}

impl State {
    /// The frame that collects inline text, if any.
    fn sink(&mut self) -> Option<&mut String> {
        if self.code_depth > 0 {
            return None;
        }
        match self.frames.last_mut()? {
            Frame::Para { text, .. } | Frame::Heading { text, .. } | Frame::Cell(text) => {
                Some(text)
            }
            Frame::Item(item) => Some(&mut item.text),
            _ => None,
        }
    }

    /// Adds a finished block to the innermost list item, or to the section.
    fn push_block(&mut self, block: Block) {
        for f in self.frames.iter_mut().rev() {
            if let Frame::Item(item) = f {
                item.children.push(block);
                return;
            }
        }
        self.tree.push_block(block);
    }
}

/// Renders a document body. Returns the page body, which the site keeps
/// until the page is written, and the section tree, which extraction reads
/// and which is then dropped: on a big archive, keeping every tree was a
/// fifth of a build's memory.
pub fn render(
    body: &str,
    opts: &RenderOptions,
    resolve: &dyn Fn(&str) -> Resolved,
) -> (Rendered, Section) {
    let lines = Lines::new(body, opts.first_line);
    // Room for the events from the start: the parser cannot say how many
    // it will give, and a list grown from empty copied itself about as
    // many times as it doubled. A report has an event for every 20 bytes
    // or so of Markdown (300 for the sample's 7 KB).
    let mut events: Vec<(Event, Range<usize>)> = Vec::with_capacity(body.len() / 16 + 16);
    events.extend(Parser::new_ext(body, parser_options()).into_offset_iter());
    let has_raw_html = events
        .iter()
        .any(|(e, _)| matches!(e, Event::Html(_) | Event::InlineHtml(_)));
    let events = cjk::repair(events, body);

    // An event out for every event in (an item's start becomes its tag with
    // its id), and a few more.
    let mut out: Vec<Event> = Vec::with_capacity(events.len() + 16);
    let mut ids: HashMap<String, usize> = HashMap::default();
    let mut st = State {
        frames: Vec::new(),
        tree: TreeBuilder::new(),
        code_depth: 0,
        lists: Vec::new(),
    };
    let mut missing_links = Vec::new();
    let mut link_missing_stack: Vec<bool> = Vec::new();
    // Item anchors (`L12`) cannot collide with heading ids, which are lower
    // case, so they skip the id map (hashing one per item was 2% of a
    // build); only items that start on one line (`- - x`) need a suffix.
    let mut last_item: (usize, usize) = (0, 0);

    for (ev, range) in events {
        let line = lines.line(range.start);
        match ev {
            Event::Start(Tag::Heading {
                level,
                classes,
                attrs,
                ..
            }) => {
                st.frames.push(Frame::Heading {
                    text: String::with_capacity(range.len()),
                    level: level as u8,
                    line,
                    out_idx: out.len(),
                });
                out.push(Event::Start(Tag::Heading {
                    level,
                    id: None,
                    classes,
                    attrs,
                }));
            }
            Event::End(TagEnd::Heading(level)) => {
                if let Some(Frame::Heading {
                    text: title,
                    level: raw,
                    line,
                    out_idx,
                }) = st.frames.pop()
                {
                    let title = trimmed(title);
                    let id = unique_id(&mut ids, heading_id(&title));
                    if let Event::Start(Tag::Heading { id: slot, .. }) = &mut out[out_idx] {
                        *slot = Some(CowStr::from(id.clone()));
                    }
                    let eff = st.tree.effective_level(&title, raw);
                    st.tree.open(title, eff, id, line);
                }
                out.push(Event::End(TagEnd::Heading(level)));
            }
            Event::Start(Tag::Paragraph) => {
                st.frames.push(Frame::Para {
                    text: String::with_capacity(range.len()),
                    line,
                });
                out.push(Event::Start(Tag::Paragraph));
            }
            Event::End(TagEnd::Paragraph) => {
                if let Some(Frame::Para { text: para, line }) = st.frames.pop() {
                    match st.frames.last_mut() {
                        Some(Frame::Item(item)) => {
                            if !item.text.is_empty() {
                                item.text.push('\n');
                            }
                            item.text.push_str(para.trim());
                        }
                        _ => st.push_block(Block::Paragraph {
                            text: trimmed(para),
                            line,
                        }),
                    }
                }
                out.push(Event::End(TagEnd::Paragraph));
            }
            Event::Start(Tag::List(first)) => {
                let fold = st.lists.len() >= MAX_LIST_DEPTH;
                st.lists.push(fold);
                if !fold {
                    st.frames.push(Frame::List {
                        ordered: first.is_some(),
                        items: Vec::new(),
                    });
                }
                out.push(Event::Start(Tag::List(first)));
            }
            Event::End(TagEnd::List(ordered)) => {
                if st.lists.pop() == Some(false) {
                    if let Some(Frame::List { ordered, items }) = st.frames.pop() {
                        st.push_block(Block::List {
                            ordered,
                            items: shrunk(items),
                        });
                    }
                }
                out.push(Event::End(TagEnd::List(ordered)));
            }
            Event::Start(Tag::Item) => {
                // `L12`, or `L12-1` for a second item on one line; written
                // without `format!`, as every list item has one.
                let mut digits = itoa::Buffer::new();
                let mut anchor = String::with_capacity(12);
                anchor.push('L');
                anchor.push_str(digits.format(line));
                if last_item.0 == line {
                    last_item.1 += 1;
                    anchor.push('-');
                    anchor.push_str(digits.format(last_item.1));
                } else {
                    last_item = (line, 0);
                }
                // The item's start tag, with its id: pulldown-cmark writes
                // `<li>` with no attributes. Every item starts after a list's
                // or another item's end of line, which is where the HTML
                // writer would put `<li>` too.
                out.push(Event::InlineHtml(CowStr::from(
                    [ITEM_ANCHOR, &anchor, "\">"].concat(),
                )));
                if st.lists.last() == Some(&true) {
                    if let Some(sink) = st.sink() {
                        sink.push('\n');
                    }
                } else {
                    // Room for its first line or so: the item's range
                    // covers what is nested under it too.
                    st.frames.push(Frame::Item(Item {
                        text: String::with_capacity(range.len().min(512)),
                        line,
                        anchor,
                        ..Default::default()
                    }));
                }
            }
            Event::End(TagEnd::Item) if st.lists.last() == Some(&true) => {
                out.push(Event::End(TagEnd::Item));
            }
            Event::End(TagEnd::Item) => {
                if let Some(Frame::Item(mut item)) = st.frames.pop() {
                    item.text = trimmed(std::mem::take(&mut item.text));
                    if let Some(Frame::List { items, .. }) = st.frames.last_mut() {
                        items.push(item);
                    }
                }
                out.push(Event::End(TagEnd::Item));
            }
            Event::Start(Tag::Table(a)) => {
                st.frames.push(Frame::Table {
                    header: Vec::new(),
                    rows: Vec::new(),
                    row: Vec::new(),
                    line,
                });
                out.push(Event::Start(Tag::Table(a)));
            }
            Event::End(TagEnd::Table) => {
                if let Some(Frame::Table {
                    header, rows, line, ..
                }) = st.frames.pop()
                {
                    st.push_block(Block::Table { header, rows, line });
                }
                out.push(Event::End(TagEnd::Table));
            }
            Event::End(TagEnd::TableHead) | Event::End(TagEnd::TableRow) => {
                let head = matches!(ev, Event::End(TagEnd::TableHead));
                if let Some(Frame::Table {
                    header, rows, row, ..
                }) = st.frames.last_mut()
                {
                    let r = std::mem::take(row);
                    if head {
                        *header = r;
                    } else {
                        rows.push(r);
                    }
                }
                out.push(ev);
            }
            Event::Start(Tag::TableCell) => {
                st.frames.push(Frame::Cell(String::new()));
                out.push(ev);
            }
            Event::End(TagEnd::TableCell) => {
                if let Some(Frame::Cell(cell)) = st.frames.pop() {
                    if let Some(Frame::Table { row, .. }) = st.frames.last_mut() {
                        row.push(trimmed(cell));
                    }
                }
                out.push(ev);
            }
            Event::Start(Tag::CodeBlock(_)) => {
                st.code_depth += 1;
                out.push(ev);
            }
            Event::End(TagEnd::CodeBlock) => {
                st.code_depth = st.code_depth.saturating_sub(1);
                out.push(ev);
            }
            Event::Start(Tag::BlockQuote(_)) | Event::Start(Tag::FootnoteDefinition(_)) => {
                st.frames.push(Frame::Opaque);
                out.push(ev);
            }
            Event::End(TagEnd::BlockQuote(_)) | Event::End(TagEnd::FootnoteDefinition) => {
                if matches!(st.frames.last(), Some(Frame::Opaque)) {
                    st.frames.pop();
                }
                out.push(ev);
            }
            Event::Start(Tag::Link {
                link_type,
                dest_url,
                title,
                id,
            }) => {
                let (path, fragment) = match dest_url.split_once('#') {
                    Some((p, f)) => (p, Some(f)),
                    None => (&*dest_url, None),
                };
                if is_relative(path) && is_markdown_target(path) {
                    let decoded = percent_encoding::percent_decode_str(path)
                        .decode_utf8_lossy()
                        .into_owned();
                    match resolve(&decoded) {
                        Resolved::Page(url) => {
                            let url = match fragment {
                                Some(f) => format!("{url}#{f}"),
                                None => url,
                            };
                            link_missing_stack.push(false);
                            out.push(Event::Start(Tag::Link {
                                link_type,
                                dest_url: CowStr::from(url),
                                title,
                                id,
                            }));
                        }
                        Resolved::Missing => {
                            missing_links.push((line, decoded.clone()));
                            link_missing_stack.push(true);
                            out.push(Event::InlineHtml(CowStr::from(format!(
                                "<span class=\"missing-link\" title=\"{}\">",
                                escape_attr(&format!("{MISSING_TITLE}{decoded}"))
                            ))));
                        }
                    }
                } else {
                    link_missing_stack.push(false);
                    out.push(Event::Start(Tag::Link {
                        link_type,
                        dest_url,
                        title,
                        id,
                    }));
                }
            }
            Event::End(TagEnd::Link) => {
                if link_missing_stack.pop() == Some(true) {
                    out.push(Event::InlineHtml(CowStr::from("</span>")));
                } else {
                    out.push(ev);
                }
            }
            Event::Text(ref t) | Event::Code(ref t) => {
                if let Some(sink) = st.sink() {
                    sink.push_str(t);
                }
                out.push(ev);
            }
            Event::SoftBreak | Event::HardBreak => {
                if let Some(sink) = st.sink() {
                    sink.push('\n');
                }
                out.push(ev);
            }
            Event::TaskListMarker(done) => {
                if let Some(sink) = st.sink() {
                    sink.push_str(if done { "[x] " } else { "[ ] " });
                }
                out.push(ev);
            }
            ev => out.push(ev),
        }
    }
    // Unbalanced frames cannot happen with pulldown-cmark, but an odd input
    // must never lose the blocks collected so far.
    while let Some(f) = st.frames.pop() {
        if let Frame::Para { text: t, line } = f {
            st.push_block(Block::Paragraph { text: t, line });
        }
    }

    // A report's HTML is about 1.6 times its Markdown (ids on every item
    // and heading): room for twice, so it is not copied as it grows.
    let mut html = String::with_capacity(body.len() * 2 + 256);
    pulldown_cmark::html::push_html(&mut html, out.into_iter());
    // Raw HTML is cleaned after rendering, when the whole page is well
    // formed, so a tag opened in one place and closed in another is judged
    // as a whole. Only reports that have raw HTML pay for it.
    if has_raw_html && !opts.unsafe_html {
        html = sanitize(&html);
    }
    // Left as grown: `site::prepare` shrinks a page that stays in memory
    // (`Rendered::shrink`); one going to a build's spill file needs no copy.
    let tree = st.tree.finish();
    let text = tree.texts(TOC_LEVEL, body.len());
    let rendered = Rendered {
        html,
        text,
        missing_links,
    };
    (rendered, tree)
}

/// ammonia with what chronicle's own Markdown output needs on top of its
/// safe defaults: ids and classes (anchors, footnotes, missing links), task
/// list checkboxes, table alignment. Scripts, event handlers, `javascript:`
/// URLs and styles are removed; `<br>`, `<sub>`, `<kbd>` and friends stay.
fn sanitize(html: &str) -> String {
    use std::sync::LazyLock;
    static CLEANER: LazyLock<ammonia::Builder<'static>> = LazyLock::new(|| {
        let mut b = ammonia::Builder::default();
        b.add_generic_attributes(["id", "class", "title", "align"])
            .add_tags(["input", "section"])
            .add_tag_attributes("input", ["type", "checked", "disabled"])
            .add_tag_attributes("a", ["href", "rel"])
            .link_rel(None);
        b
    });
    CLEANER.clean(html).to_string()
}

/// `s` without its leading and trailing whitespace, in its own buffer:
/// every paragraph, item, heading and cell is trimmed, and a copy each was
/// an allocation each.
fn trimmed(mut s: String) -> String {
    s.truncate(s.trim_end().len());
    let start = s.len() - s.trim_start().len();
    s.drain(..start);
    s
}

fn shrunk<T>(mut v: Vec<T>) -> Vec<T> {
    v.shrink_to_fit();
    v
}

fn unique_id(ids: &mut HashMap<String, usize>, base: String) -> String {
    let n = ids.entry(base.clone()).or_insert(0);
    *n += 1;
    if *n == 1 {
        base
    } else {
        format!("{base}-{}", *n - 1)
    }
}

pub fn escape_attr(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('"', "&quot;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    #[test]
    fn trimmed_in_place_as_trim_would() {
        for s in ["", " ", "热点", "\u{3000}热点 账户\n ", "a\t", "\n\nb c"] {
            assert_eq!(trimmed(s.to_string()), s.trim(), "{s:?}");
        }
    }

    #[test]
    fn shrink_keeps_the_html_and_gives_back_the_rest() {
        let (mut r, _) = plain("# 第16周\n\n- 入金有效成功率：99.99%\n");
        let html = r.html.clone();
        assert!(r.html.capacity() > r.html.len());
        r.shrink();
        assert_eq!(r.html, html);
        assert_eq!(r.html.capacity(), r.html.len());
    }

    #[test]
    fn chinese_characters_are_letters_without_case() {
        for c in '\u{4E00}'..='\u{9FFF}' {
            assert!(c.is_alphanumeric(), "{c:?}");
            assert_eq!(c.to_lowercase().collect::<String>(), c.to_string(), "{c:?}");
        }
        assert_eq!(heading_id("A. 支付账户2.0升级"), "a-支付账户20升级");
        assert_eq!(heading_id("【系统运行数据】"), "系统运行数据");
    }

    /// `md` rendered with default options and every link missing.
    fn plain(md: &str) -> (Rendered, Section) {
        render(
            md,
            &RenderOptions {
                unsafe_html: false,
                first_line: 1,
            },
            &|_| Resolved::Missing,
        )
    }

    /// The section tree of `md`, for the extractors' tests.
    pub fn tree_of(md: &str) -> Section {
        plain(md).1
    }

    pub fn html_of(md: &str) -> String {
        plain(md).0.html
    }

    fn rendered(md: &str) -> Rendered {
        let (r, _) = render(
            md,
            &RenderOptions {
                unsafe_html: false,
                first_line: 1,
            },
            &|p| {
                if p.starts_with("2023-04-16") {
                    Resolved::Page("2023-w16/2023-04-16.html".into())
                } else {
                    Resolved::Missing
                }
            },
        );
        r
    }

    #[test]
    fn chinese_heading_ids() {
        assert_eq!(heading_id("【系统运行数据】"), "系统运行数据");
        assert_eq!(heading_id("A. 支付账户2.0升级"), "a-支付账户20升级");
        assert_eq!(heading_id("O1 服务业务"), "o1-服务业务");
        assert_eq!(heading_id("！！"), "section");
        let r = rendered("## 【系统运行数据】\n\n## 【系统运行数据】\n");
        assert!(r.html.contains("id=\"系统运行数据\""), "{}", r.html);
        assert!(r.html.contains("id=\"系统运行数据-1\""), "{}", r.html);
    }

    #[test]
    fn gfm_extensions() {
        let html = html_of(
            "| a | b |\n|---|---|\n| 1 | 2 |\n\n- [x] done\n\n~~old~~ note[^1]\n\n[^1]: foot\n",
        );
        assert!(html.contains("<table>"));
        assert!(html.contains("checkbox"));
        assert!(html.contains("<del>old</del>"));
        assert!(html.contains("footnote"));
    }

    #[test]
    fn notion_links_point_at_pages_and_missing_are_marked() {
        let r = rendered("[2023/04/16 周日](2023-04-16%20周日_xq6XwTk1fp7s1jZJ6CS97G.md)\n\n[gone](nowhere.md)\n");
        assert!(
            r.html.contains("href=\"2023-w16/2023-04-16.html\""),
            "{}",
            r.html
        );
        assert!(r.html.contains("class=\"missing-link\""), "{}", r.html);
        assert!(!r.html.contains("href=\"nowhere.md"), "{}", r.html);
        assert_eq!(r.missing_links, vec![(3, "nowhere.md".to_string())]);
    }

    #[test]
    fn raw_html_sanitised_unless_unsafe() {
        let h = html_of("a <script>alert(1)</script> b<br>c <img src=\"x.png\" onerror=\"alert(1)\"> <a href=\"javascript:alert(1)\">x</a>\n\n<div onclick=\"x()\" style=\"color:red\">block</div>\n\n- [x] task\n\n| a |\n|:-:|\n| 1 |\n");
        assert!(!h.contains("<script") && !h.contains("alert(1)"), "{h}");
        assert!(
            !h.contains("onerror") && !h.contains("onclick") && !h.contains("javascript:"),
            "{h}"
        );
        assert!(!h.contains("style="), "{h}");
        assert!(h.contains("<br>"), "harmless tags stay: {h}");
        assert!(h.contains("<img src=\"x.png\">"), "{h}");
        assert!(h.contains("block</div>"), "{h}");
        assert!(
            h.contains("type=\"checkbox\"") && h.contains("checked"),
            "chronicle's own markup stays: {h}"
        );
        assert!(h.contains("<li id=\"L"), "{h}");
        // Reports without raw HTML are not touched at all.
        assert_eq!(html_of("**a** <>"), "<p><strong>a</strong> &lt;&gt;</p>\n");
        let (r, _) = render(
            "a <b>x</b>",
            &RenderOptions {
                unsafe_html: true,
                first_line: 1,
            },
            &|_| Resolved::Missing,
        );
        assert!(r.html.contains("<b>x</b>"));
    }

    #[test]
    fn tree_with_items_tables_and_lines() {
        let md = "## 【系统运行数据】\n\n成功率：\n\n- 入金有效成功率：99.99%\n- 出金：99.9%\n    1. 子项\n\n| 指标 | 值 |\n|---|---|\n| 可用性 | 100% |\n\n## 【O1】\n\n- 4/16 15:35 监控\n原因：x 处置：y\n";
        let (r, tree) = render(
            md,
            &RenderOptions {
                unsafe_html: false,
                first_line: 10,
            },
            &|_| Resolved::Missing,
        );
        let secs = &tree.children;
        assert_eq!(secs.len(), 2);
        assert_eq!(secs[0].title, "【系统运行数据】");
        assert_eq!(secs[0].line, 10);
        match &secs[0].blocks[..] {
            [Block::Paragraph { text, .. }, Block::List { items, .. }, Block::Table { header, rows, .. }] =>
            {
                assert_eq!(text, "成功率：");
                assert_eq!(items[0].text, "入金有效成功率：99.99%");
                assert_eq!(items[0].line, 14);
                assert_eq!(items[1].full_text(), "出金：99.9%\n  子项");
                assert_eq!(header, &["指标", "值"]);
                assert_eq!(rows[0], ["可用性", "100%"]);
            }
            other => panic!("{other:?}"),
        }
        match &secs[1].blocks[0] {
            Block::List { items, .. } => {
                assert_eq!(items[0].text, "4/16 15:35 监控\n原因：x 处置：y")
            }
            other => panic!("{other:?}"),
        }
        assert!(r.html.contains("id=\"L14\""));
        assert_eq!(r.toc().len(), 2);
    }

    #[test]
    fn toc_nests_headings_to_level_three_and_drops_what_is_under_an_untitled_one() {
        let md =
            "## A\n\n### A1\n\n#### A1x\n\n### A2\n\n## \n\n### under empty\n\n## B\n\n### B1\n";
        let (r, _) = plain(md);
        fn flat(t: &[TocEntry], depth: usize, out: &mut Vec<String>) {
            for e in t {
                out.push(format!("{}{}", "-".repeat(depth), e.title));
                flat(&e.children, depth + 1, out);
            }
        }
        let mut got = Vec::new();
        flat(&r.toc(), 0, &mut got);
        assert_eq!(got, ["A", "-A1", "-A2", "B", "-B1"]);
        let ids: Vec<&str> = r.toc().iter().map(|e| e.id).collect();
        assert!(
            ids.iter()
                .all(|id| r.html.contains(&format!("id=\"{id}\""))),
            "{ids:?}"
        );
    }

    #[test]
    fn section_texts_are_what_search_indexes() {
        let md = "intro **bold**\n\n## 【系统运行数据】\n\n- 入金：99.99%\n    - 子项\n\n| 指标 | 值 |\n|---|---|\n| 可用性 | 100% |\n\n## 空\n\n### \n\n## 【O1】\n\n正文\n";
        let (r, _) = plain(md);
        let got: Vec<(&str, &str, &str)> = r.text.iter().map(|s| (s.id, s.title, s.text)).collect();
        assert_eq!(
            got,
            [
                ("", "", "intro bold"),
                (
                    "系统运行数据",
                    "【系统运行数据】",
                    "入金：99.99%\n子项\n指标 | 值\n可用性 | 100%"
                ),
                ("空", "空", ""),
                ("o1", "【O1】", "正文"),
            ],
            "the root comes first, a heading without title or text is left out"
        );
    }

    #[test]
    fn item_anchors_are_unique_and_apart_from_heading_ids() {
        let html = html_of("## L1\n\n- - x\n  - y\n- z\n");
        let ids: Vec<&str> = html
            .split("id=\"")
            .skip(1)
            .map(|s| &s[..s.find('"').unwrap()])
            .collect();
        assert_eq!(ids, ["l1", "L3", "L3-1", "L4", "L5"], "{html}");
    }

    #[test]
    fn deep_nesting_does_not_overflow() {
        let md = "> ".repeat(5000) + "x\n" + &"- ".repeat(5000) + "y\n";
        let (r, _) = render(
            &md,
            &RenderOptions {
                unsafe_html: false,
                first_line: 1,
            },
            &|_| Resolved::Missing,
        );
        assert!(r.html.contains('y'));
    }
}
