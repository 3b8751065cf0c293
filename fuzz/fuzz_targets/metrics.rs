//! Metric extraction with the sample archive's definitions, and discovery.
#![no_main]
use chronicle::config::Config;
use chronicle::markdown::{render, RenderOptions, Resolved};
use libfuzzer_sys::fuzz_target;
use std::sync::LazyLock;

static CONFIG: LazyLock<Config> = LazyLock::new(|| {
    let text = include_str!("../../config.toml");
    Config::parse(text, std::path::Path::new("config.toml")).expect("sample config").0
});

fuzz_target!(|text: &str| {
    let r = render(text, &RenderOptions { unsafe_html: false, first_line: 1 }, &|_| Resolved::Missing);
    for f in chronicle::extract::metrics::figures(&r.tree, CONFIG.compiled_metrics()) {
        assert!(f.value.is_finite());
    }
    let _ = chronicle::extract::metrics::candidates(&r.tree, &Config::default());
});
