//! Incident extraction.
#![no_main]
use chronicle::config::IncidentsConfig;
use chronicle::markdown::{render, RenderOptions, Resolved};
use chrono::NaiveDate;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    let r = render(text, &RenderOptions { unsafe_html: false, first_line: 1 }, &|_| Resolved::Missing);
    for date in [(2023, 12, 29), (2024, 1, 2)] {
        let d = NaiveDate::from_ymd_opt(date.0, date.1, date.2).unwrap();
        let _ = chronicle::extract::incidents::incidents(&r.tree, d, &IncidentsConfig::default());
    }
});
