//! The Markdown render path: parse, CJK emphasis repair, links, the
//! section tree and sanitising.
#![no_main]
use chronicle::markdown::{render, RenderOptions, Resolved};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    for unsafe_html in [false, true] {
        let r = render(text, &RenderOptions { unsafe_html, first_line: 1 }, &|t| {
            if t.len() % 2 == 0 { Resolved::Page("x.html".into()) } else { Resolved::Missing }
        });
        if !unsafe_html {
            assert!(!r.html.contains("<script"), "script survived sanitising");
        }
        let _ = r.tree.walk();
    }
});
