//! Decoding and metadata: any bytes, as any file name.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let chronicle::content::decode::Decoded::Text { text, .. } = chronicle::content::decode::decode(data) {
        let e = chronicle::content::meta::extract(&text, std::path::Path::new("第16周 2023-04-14.md"));
        assert!(e.body_offset <= text.len());
        assert!(text.is_char_boundary(e.body_offset));
        let _ = chronicle::content::meta::parse_title(&text);
    }
});
