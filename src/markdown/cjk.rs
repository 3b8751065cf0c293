//! CJK-friendly emphasis. CommonMark's flanking rules treat CJK punctuation
//! like ASCII punctuation, so `沉淀**。**元旦后启动` and `**注意：**正文` stay
//! literal asterisks, although every Chinese reader (and Notion, Typora,
//! Obsidian) sees bold. pulldown-cmark 0.13 has no option for this yet, so
//! this pass pairs the leftover `**`/`*` delimiters in each text run.

use pulldown_cmark::{CowStr, Event, Tag, TagEnd};
use std::ops::Range;

type Ev<'a> = (Event<'a>, Range<usize>);

/// Repairs emphasis across the whole event stream. `source` is the Markdown
/// the events came from: runs whose source has an escaped `\*` are left
/// alone, since the author asked for a literal asterisk there.
pub fn repair<'a>(events: Vec<Ev<'a>>, source: &str) -> Vec<Ev<'a>> {
    // Nothing to pair without an asterisk: the stream is handed back as it
    // is, rather than copied event by event with its split runs of text
    // joined (a string made for each), which is all the pass would do.
    // Most reports have none.
    if memchr::memchr(b'*', source.as_bytes()).is_none() {
        return events;
    }
    let mut out = Vec::with_capacity(events.len());
    let mut in_code = false;
    // Consecutive text events are one run of text here (pulldown-cmark
    // splits text at every delimiter it did not pair): the run's first
    // event, and once a second one joins, the run's text so far, grown in
    // place so a long run costs its length rather than its length squared.
    let mut run: Option<(CowStr<'a>, Range<usize>)> = None;
    let mut grown: Option<String> = None;
    for (ev, range) in events {
        if let Event::Text(t) = ev {
            match &mut run {
                Some((first, first_range)) => {
                    grown.get_or_insert_with(|| first.to_string()).push_str(&t);
                    first_range.end = first_range.end.max(range.end);
                }
                None => run = Some((t, range)),
            }
            continue;
        }
        end_run(&mut out, &mut run, &mut grown, in_code, source);
        match &ev {
            Event::Start(Tag::CodeBlock(_)) => in_code = true,
            Event::End(TagEnd::CodeBlock) => in_code = false,
            _ => {}
        }
        out.push((ev, range));
    }
    end_run(&mut out, &mut run, &mut grown, in_code, source);
    out
}

/// Hands the run of text collected so far, if any, to `push_text`.
fn end_run<'a>(
    out: &mut Vec<Ev<'a>>,
    run: &mut Option<(CowStr<'a>, Range<usize>)>,
    grown: &mut Option<String>,
    in_code: bool,
    source: &str,
) {
    if let Some((first, range)) = run.take() {
        let text = grown.take().map_or(first, CowStr::from);
        push_text(out, text, range, in_code, source);
    }
}

/// One run of text, with the delimiters pulldown-cmark left in it paired.
fn push_text<'a>(
    out: &mut Vec<Ev<'a>>,
    t: CowStr<'a>,
    range: Range<usize>,
    in_code: bool,
    source: &str,
) {
    if in_code
        || memchr::memchr(b'*', t.as_bytes()).is_none()
        || source.get(range.clone()).is_some_and(|s| s.contains("\\*"))
    {
        out.push((Event::Text(t), range));
        return;
    }
    for piece in split(&t, 2) {
        match piece {
            Piece::Text(s) => {
                for p in split(&s, 1) {
                    push_piece(out, p, TagEnd::Emphasis, &range);
                }
            }
            other => push_piece(out, other, TagEnd::Strong, &range),
        }
    }
}

enum Piece {
    Text(String),
    Open,
    Close,
}

fn push_piece<'a>(out: &mut Vec<Ev<'a>>, p: Piece, end: TagEnd, range: &Range<usize>) {
    let start = match end {
        TagEnd::Strong => Tag::Strong,
        _ => Tag::Emphasis,
    };
    let ev = match p {
        Piece::Text(s) if s.is_empty() => return,
        Piece::Text(s) => Event::Text(CowStr::from(s)),
        Piece::Open => Event::Start(start),
        Piece::Close => Event::End(end),
    };
    out.push((ev, range.clone()));
}

/// pulldown-cmark splits text at every failed delimiter; join the pieces so a
/// pair of `**` in one run of text can be seen.
/// Splits `text` at delimiter runs of exactly `len` asterisks that pair up:
/// an opener must be followed, and a closer preceded, by a non-space, and the
/// pair must enclose something.
fn split(text: &str, len: usize) -> Vec<Piece> {
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    // Positions (byte offsets) of delimiter runs of exactly `len` stars.
    let mut runs = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        if chars[i].1 == '*' {
            let start = i;
            while i < chars.len() && chars[i].1 == '*' {
                i += 1;
            }
            if i - start == len {
                let before = start.checked_sub(1).map(|j| chars[j].1);
                let after = chars.get(i).map(|c| c.1);
                runs.push((chars[start].0, before, after));
            }
        } else {
            i += 1;
        }
    }
    let can_open = |after: Option<char>| after.is_some_and(|c| !c.is_whitespace());
    let can_close = |before: Option<char>| before.is_some_and(|c| !c.is_whitespace());

    let mut pairs = Vec::new();
    let mut k = 0;
    while k + 1 < runs.len() {
        let (o, _, after) = runs[k];
        let (c, before, _) = runs[k + 1];
        if can_open(after) && can_close(before) && c > o + len {
            pairs.push((o, c));
            k += 2;
        } else {
            k += 1;
        }
    }
    if pairs.is_empty() {
        return vec![Piece::Text(text.to_string())];
    }
    let mut pieces = Vec::new();
    let mut at = 0;
    for (o, c) in pairs {
        pieces.push(Piece::Text(text[at..o].to_string()));
        pieces.push(Piece::Open);
        pieces.push(Piece::Text(text[o + len..c].to_string()));
        pieces.push(Piece::Close);
        at = c + len;
    }
    pieces.push(Piece::Text(text[at..].to_string()));
    pieces
}

#[cfg(test)]
mod tests {
    use crate::markdown::tests::html_of;

    #[test]
    fn bold_around_cjk_punctuation() {
        let html = html_of("建立实时账单的治理规范和技术沉淀**。**元旦后启动");
        assert!(html.contains("沉淀<strong>。</strong>元旦后启动"), "{html}");
    }

    #[test]
    fn bold_label_with_fullwidth_colon() {
        let html = html_of("**注意：**正文");
        assert!(html.contains("<strong>注意：</strong>正文"), "{html}");
    }

    #[test]
    fn emphasis_with_single_star() {
        let html = html_of("原因：*网联演练*，处置：*已修复。*完成");
        assert!(html.contains("<em>已修复。</em>完成"), "{html}");
        assert!(html.contains("<em>网联演练</em>"), "{html}");
    }

    #[test]
    fn commonmark_cases_unchanged() {
        assert!(html_of("**bold** text").contains("<strong>bold</strong> text"));
        assert!(html_of("5 * 3 * 2").contains("5 * 3 * 2"));
        assert!(html_of(r"\*\*注意：\*\*正文").contains("**注意：**正文"));
        assert!(html_of("`a**。**b`").contains("<code>a**。**b</code>"));
    }

    #[test]
    fn a_stream_without_asterisks_is_left_as_it_is() {
        // pulldown-cmark splits this text at `[`, `]` and `&`; with no
        // asterisk to pair, the runs are not joined.
        let md = "事件 [未完成] & 跟进，A_B";
        let events: Vec<_> = pulldown_cmark::Parser::new(md).into_offset_iter().collect();
        let texts = |evs: &[super::Ev]| {
            evs.iter()
                .filter(|(e, _)| matches!(e, pulldown_cmark::Event::Text(_)))
                .count()
        };
        assert!(texts(&events) > 1);
        let repaired = super::repair(events.clone(), md);
        assert_eq!(repaired, events);
        // With an asterisk in the source the runs are joined, as pairing needs.
        let md = "事件 [未完成] & 跟进**。**";
        let events: Vec<_> = pulldown_cmark::Parser::new(md).into_offset_iter().collect();
        assert!(texts(&super::repair(events.clone(), md)) < texts(&events));
    }

    #[test]
    fn no_zero_width_characters() {
        let html = html_of("技术沉淀**。**元旦后启动，**注意：**正文");
        assert!(
            !html.contains('\u{200b}') && !html.contains('\u{200c}') && !html.contains('\u{2060}')
        );
        assert_eq!(html.matches("<strong>").count(), 2, "{html}");
    }
}
