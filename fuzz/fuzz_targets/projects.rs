//! Project updates, and joining them across reports.
#![no_main]
use chronicle::config::ProjectsConfig;
use chronicle::markdown::{render, RenderOptions, Resolved};
use chrono::NaiveDate;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    let r = render(text, &RenderOptions { unsafe_html: false, first_line: 1 }, &|_| Resolved::Missing);
    for date in [(2023, 12, 29), (2024, 1, 2)] {
        let d = NaiveDate::from_ymd_opt(date.0, date.1, date.2).unwrap();
        for u in chronicle::extract::projects::updates(&r.tree, d, &ProjectsConfig::default()) {
            assert!(u.progress.is_none_or(|p| (0.0..=100.0).contains(&p)));
            let n = chronicle::site::projects::normalize(&u.name);
            let s = chronicle::site::projects::similarity(&n, "支付账户2.0升级");
            assert!((0.0..=1.0).contains(&s));
        }
    }
});
