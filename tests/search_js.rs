//! search.js must tokenize exactly like src/render/search.rs, or queries
//! would look up tokens the index never wrote. Runs the theme's own file
//! under Node (the browser tests in tests/e2e.rs cover the page itself).

use std::process::Command;

use chronicle::render::search::{query_tokens, shard_of, tokens};

const SAMPLES: &[&str] = &[
    "热点账户80并发线程数tps最大72",
    "C. HIVE标准数仓建设 Hive数仓建设总进度：72.2%",
    "ＡＢＣ全角 Ｈｉｖｅ １２３，半角 abc",
    "账户2.0性能 1,047 4/14 99.99% v1.5.3 O2系统",
    "Ünïcödé ÉCOLE straße İstanbul ΣΊΣΥΦΟΣ",
    "ひらがな カタカナ 한국어 混合mixed文本123abc",
    "𠀀𠀁 emoji 😀 tab\tand\nnewlines",
    "",
    "...,,, ---",
];

fn node(script: &str) -> String {
    let out = Command::new("node")
        .arg("-e")
        .arg(script)
        .output()
        .expect("node is needed for this test (apt-get install nodejs)");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn search_js_and_rust_agree_on_tokens_and_shards() {
    let js = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/themes/default/static/search.js"
    );
    let input = serde_json::to_string(SAMPLES).unwrap();
    let script = format!(
        r#"const s = require({js:?}); const out = {input}.map(t => {{
             const all = []; s.tokens(t, x => all.push(x));
             const q = s.queryTokens(t);
             return {{all, q, shards: all.map(x => s.shardOf(x, 977))}};
           }}); console.log(JSON.stringify(out));"#
    );
    let got: Vec<serde_json::Value> = serde_json::from_str(&node(&script)).unwrap();
    for (text, js) in SAMPLES.iter().zip(got) {
        let mut all = Vec::new();
        tokens(text, |t| all.push(t.to_string()));
        let shards: Vec<usize> = all.iter().map(|t| shard_of(t, 977)).collect();
        assert_eq!(js["all"], serde_json::json!(all), "tokens of {text:?}");
        assert_eq!(
            js["q"],
            serde_json::json!(query_tokens(text)),
            "query {text:?}"
        );
        assert_eq!(
            js["shards"],
            serde_json::json!(shards),
            "shards of {text:?}"
        );
    }
}
