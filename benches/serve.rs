//! Save-to-reload on a large archive: `make bench-serve`
//! (`cargo bench --bench serve`; `CHRONICLE_BENCH_REPORTS=N` for another size).
//!
//! The archive is the five sample reports replicated with shifted dates and
//! weeks, one report a week, 1,000 by default. Measured:
//! - a full in-memory build, for scale;
//! - `Engine::update_pages_named` (what `serve` calls for a save the
//!   watcher named) after editing one report's body, after editing its
//!   title (its neighbours re-render too), and after adding a report (a
//!   file the engine has not seen: the folder is walked, the link index
//!   changes, so everything is re-prepared);
//! - end to end through the real server: write the file, wait for the
//!   `reload` event on the page's event stream. This includes the
//!   watcher's debounce, and is the figure the 100 ms target is about.
//!
//! It prints figures and never fails on them: timings belong here, not in
//! `make test`.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use chronicle::content::Weeks;
use chronicle::new::{restyle, Stamp};
use chronicle::serve::rebuild::Engine;
use chronicle::Paths;
use chrono::{Duration as Days, NaiveDate};

/// The allocator the `chronicle` binary uses, so the server measured here
/// is the one `chronicle serve` runs.
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

const SAMPLES: [&str; 5] = [
    "第16周 2023-04-14.md",
    "第17周 2023-04-21.md",
    "第22周 2023-05-27.md",
    "第39周 2023-09-22.md",
    "第50周 2023-12-09.md",
];

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Writes `n` weekly reports, the samples in turn, each moved to its own
/// week (Fridays from 2005-01-07 on), and returns the site root.
fn archive(n: usize) -> (tempfile::TempDir, Vec<PathBuf>) {
    let tmp = tempfile::tempdir().unwrap();
    let content = tmp.path().join("content");
    std::fs::create_dir_all(&content).unwrap();
    std::fs::copy(repo().join("config.toml"), tmp.path().join("config.toml")).unwrap();
    let samples: Vec<(Stamp, String)> = SAMPLES
        .iter()
        .map(|name| {
            let date =
                NaiveDate::parse_from_str(&name[name.len() - 13..name.len() - 3], "%Y-%m-%d")
                    .unwrap();
            let text = std::fs::read_to_string(repo().join("content").join(name)).unwrap();
            (Stamp::of(Weeks::Jan1, date), text)
        })
        .collect();
    let first = NaiveDate::from_ymd_opt(2005, 1, 7).unwrap();
    let mut files = Vec::with_capacity(n);
    for i in 0..n {
        let (from, text) = &samples[i % samples.len()];
        let to = Stamp::of(Weeks::Jan1, first + Days::weeks(i as i64));
        let name = format!("第{}周 {}.md", to.week, to.date.format("%Y-%m-%d"));
        let path = content.join(name);
        std::fs::write(&path, restyle(text, from, &to)).unwrap();
        files.push(path);
    }
    (tmp, files)
}

/// Edits `target` with `edit` `rounds` times, updating the engine after
/// each; prints the times, the files rendered and each stage's median, and
/// returns the median time.
fn timed_edits(
    engine: &mut Engine,
    target: &Path,
    rounds: usize,
    edit: fn(&Path, usize),
    name: &str,
) -> f64 {
    let mut times = Vec::new();
    let mut rendered = 0;
    let mut phases: Vec<(&str, Vec<f64>)> = Vec::new();
    for i in 0..rounds {
        edit(target, i);
        let t = Instant::now();
        let out = engine.update_pages_named(&[target.to_path_buf()]).unwrap();
        times.push(ms(t.elapsed()));
        assert_eq!(out.stats.prepared, 1);
        rendered = out.stats.rendered;
        for (k, (name, d)) in out.stats.phases.iter().enumerate() {
            if phases.len() <= k {
                phases.push((name, Vec::new()));
            }
            phases[k].1.push(ms(*d));
        }
    }
    let median = stats(name, times);
    println!(
        "  {rendered} files rendered; median ms by stage: {}",
        phase_medians(phases)
    );
    median
}

/// `walk 2.9, read 0.2, …`: each stage's median over the rounds.
fn phase_medians(phases: Vec<(&str, Vec<f64>)>) -> String {
    phases
        .into_iter()
        .map(|(name, mut v)| {
            v.sort_by(|a, b| a.partial_cmp(b).unwrap());
            format!("{name} {:.1}", v[v.len() / 2])
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn stats(name: &str, mut ms: Vec<f64>) -> f64 {
    ms.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let pct = |p: f64| ms[((ms.len() - 1) as f64 * p).round() as usize];
    println!(
        "{name:<44} n={:<3} min {:>7.1} ms  median {:>7.1} ms  p90 {:>7.1} ms  max {:>7.1} ms",
        ms.len(),
        ms[0],
        pct(0.5),
        pct(0.9),
        ms[ms.len() - 1]
    );
    pct(0.5)
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Edits prose that feeds no metric, project or incident: a sentence at
/// the end of the report, different on every save.
fn touch(path: &Path, i: usize) {
    let text = std::fs::read_to_string(path).unwrap();
    let text = match text.find("\n\n基准测试") {
        Some(at) => text[..at].to_string(),
        None => text,
    };
    std::fs::write(path, format!("{text}\n\n基准测试：第 {i} 次保存。\n")).unwrap();
}

/// Edits a figure the site's views are built from: a success rate, which
/// feeds its metric page, the home page's headline and the next report's
/// change.
fn touch_figure(path: &Path, i: usize) {
    let text = std::fs::read_to_string(path).unwrap();
    let re = regex::Regex::new(r"入金有效成功率：[0-9.]+%").unwrap();
    let text = re.replace(&text, format!("入金有效成功率：99.{:02}%", i % 100));
    std::fs::write(path, text.as_ref()).unwrap();
}

/// Reads the event stream until a `reload` event, or fails after 10 s.
fn wait_reload(stream: &mut TcpStream, buf: &mut Vec<u8>, seen: &mut usize) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(pos) = buf[*seen..].windows(13).position(|w| w == b"event: reload") {
            *seen += pos + 13;
            return;
        }
        assert!(Instant::now() < deadline, "no reload event");
        let mut chunk = [0u8; 8192];
        match stream.read(&mut chunk) {
            Ok(0) => panic!("event stream closed"),
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
            Err(_) => {}
        }
    }
}

fn main() {
    let n: usize = std::env::var("CHRONICLE_BENCH_REPORTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1000);
    let rounds = 30;
    // Edits that render everything take seconds on a big archive.
    let slow_rounds = if n >= 5000 { 5 } else { rounds };
    println!("chronicle serve benchmark: {n} reports");
    let t = Instant::now();
    let (site, files) = archive(n);
    println!("archive written in {:.0?}", t.elapsed());
    let root = site.path().to_path_buf();
    let paths = Paths {
        root: root.clone(),
        ..Paths::default()
    };

    let t = Instant::now();
    let built = chronicle::build_in_memory(&paths).unwrap();
    println!(
        "full in-memory build: {:.1} ms ({} files)",
        ms(t.elapsed()),
        built.files.len()
    );
    drop(built);

    let mut engine = Engine::new(paths.clone());
    let t = Instant::now();
    engine.update_pages(&[]).unwrap();
    println!("engine first build:   {:.1} ms", ms(t.elapsed()));

    let target = &files[n / 2];
    let engine_median = timed_edits(
        &mut engine,
        target,
        rounds,
        touch,
        "engine: prose edited in one report",
    );
    let figure_median = timed_edits(
        &mut engine,
        target,
        rounds,
        touch_figure,
        "engine: a metric figure edited",
    );

    let mut title = Vec::new();
    for i in 0..slow_rounds {
        let text = std::fs::read_to_string(target).unwrap();
        let first = text.lines().next().unwrap().to_string();
        let base = first.split(" #").next().unwrap().to_string();
        std::fs::write(target, text.replacen(&first, &format!("{base} #{i}"), 1)).unwrap();
        let t = Instant::now();
        engine
            .update_pages_named(std::slice::from_ref(target))
            .unwrap();
        title.push(ms(t.elapsed()));
    }
    stats("engine: one report's title edited", title);

    let mut added = Vec::new();
    for i in 0..5 {
        let last = Stamp::of(
            Weeks::Jan1,
            NaiveDate::from_ymd_opt(2005, 1, 7).unwrap() + Days::weeks((n + i) as i64),
        );
        let p = root
            .join("content")
            .join(format!("第{}周 {}.md", last.week, last.date));
        std::fs::write(
            &p,
            format!("# 第{}周 {}\n\n- 新报告\n", last.week, last.date),
        )
        .unwrap();
        let t = Instant::now();
        engine.update_pages_named(std::slice::from_ref(&p)).unwrap();
        added.push(ms(t.elapsed()));
    }
    stats("engine: a report added (everything relinked)", added);
    drop(engine);

    // End to end: the real server, a real save, the page's event stream.
    let server = chronicle::serve::start(chronicle::serve::Options {
        paths,
        bind: [127, 0, 0, 1].into(),
        port: Some(0),
        open: false,
        quiet: true,
    })
    .unwrap();
    let token = server.shared.borrow().token();
    let mut stream = TcpStream::connect(server.addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_millis(100)))
        .unwrap();
    write!(
        stream,
        "GET /_chronicle/events?since={token} HTTP/1.1\r\nHost: bench\r\n\r\n"
    )
    .unwrap();
    let (mut buf, mut seen) = (Vec::new(), 0);
    // Let the stream settle before the first measured save.
    std::thread::sleep(Duration::from_millis(200));
    let mut e2e = Vec::new();
    for i in 0..rounds {
        let t = Instant::now();
        touch(target, 1000 + i);
        wait_reload(&mut stream, &mut buf, &mut seen);
        e2e.push(ms(t.elapsed()));
        // Editors save seconds apart; don't let saves merge into one batch.
        std::thread::sleep(Duration::from_millis(100));
    }
    let e2e_median = stats("save -> reload, prose (debounce included)", e2e);
    // For scripts/bench.sh, which puts the 10,000-report figures in
    // BENCHMARKS.md.
    println!(
        "result: reports={n} engine_prose_ms={engine_median:.1} engine_figure_ms={figure_median:.1} reload_prose_ms={e2e_median:.1}"
    );
    let mut e2e_figure = Vec::new();
    for i in 0..rounds / 3 {
        let t = Instant::now();
        touch_figure(target, 50 + i);
        wait_reload(&mut stream, &mut buf, &mut seen);
        e2e_figure.push(ms(t.elapsed()));
        std::thread::sleep(Duration::from_millis(100));
    }
    stats("save -> reload, a figure (debounce included)", e2e_figure);
    println!(
        "debounce: {} ms; target: save to reload under 100 ms: {} for prose edits (engine median {engine_median:.1} ms, end to end median {e2e_median:.1} ms)",
        chronicle::serve::watch::DEBOUNCE.as_millis(),
        if e2e_median < 100.0 { "met" } else { "NOT met" }
    );
}
