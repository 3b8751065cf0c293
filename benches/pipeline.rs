//! Stage benchmarks on a generated archive (`make bench`, or
//! `cargo bench --bench pipeline`). Each stage runs the way the build runs
//! it (in parallel where the build is), on the output of the stage before:
//!
//! - `load`: walk, read, decode, metadata, classify and name (`content::load`)
//! - `markdown`: parse and render every report and daily note, links resolved
//! - `extract`: facts from every report's section tree
//! - `site`: `site::build`, i.e. markdown + extract + assembling the site
//! - `render`: every output file in memory (`Renderer::render_all`)
//! - `write`: write the files into a new output folder
//! - `build`: all of it, in process, as `chronicle build` does
//!
//! The archive has 1,000 reports unless `CHRONICLE_BENCH_REPORTS` says
//! otherwise; the whole-process comparison with Hugo is scripts/bench.sh.

use std::time::Duration;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use rayon::prelude::*;

use chronicle::config::Config;

/// The allocator the `chronicle` binary uses, so stages cost here what they
/// cost in a build.
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

use chronicle::content::{self, Doc};
use chronicle::markdown::{self, RenderOptions, Rendered, Resolved, Section};
use chronicle::{extract, output, render, site, synth, Paths};

fn report_count() -> usize {
    std::env::var("CHRONICLE_BENCH_REPORTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1000)
}

/// Renders one document the way `site::prepare` does, without extraction.
fn render_doc(d: &Doc, index: &site::LinkIndex) -> (Rendered, Section) {
    let opts = RenderOptions {
        unsafe_html: false,
        first_line: d.body_line(),
    };
    let resolve = |target: &str| match index.resolve(d, target) {
        Some(url) => Resolved::Page(site::relative_url(&d.url, url)),
        None => Resolved::Missing,
    };
    markdown::render(d.body(), &opts, &resolve)
}

fn stages(c: &mut Criterion) {
    let n = report_count();
    // `make bench` sets CHRONICLE_BENCH_KEEP: the folder is then left for
    // scripts/bench.sh to delete after its timed runs. Deleted here, its tens
    // of thousands of files would slow down the whole-process runs that
    // start seconds later (see `next_out` below).
    let keep = std::env::var_os("CHRONICLE_BENCH_KEEP").map(std::path::PathBuf::from);
    let tmp = match &keep {
        Some(dir) => {
            std::fs::create_dir_all(dir).expect("CHRONICLE_BENCH_KEEP folder");
            tempfile::tempdir_in(dir)
        }
        None => tempfile::tempdir(),
    }
    .expect("temp folder");
    let content_dir = tmp.path().join("content");
    let out_root = tmp.path().join("out");
    let files = synth::generate(&synth::Options {
        reports: n,
        seed: 42,
        teams: 1,
    });
    synth::write(&files, &content_dir).expect("write archive");
    drop(files);

    let config = Config::default();
    // The temp root has no themes/ folder: the built-in theme, as a bare
    // `chronicle build --content DIR` uses.
    let theme = render::theme::load(tmp.path(), &config.theme, &config.language).expect("theme");
    let archive = content::load(&content_dir, &config, &[]);
    let index = site::LinkIndex::new(archive.reports.iter().chain(&archive.dailies));
    let docs: Vec<&Doc> = archive.reports.iter().chain(&archive.dailies).collect();

    let mut g = c.benchmark_group(format!("{n} reports"));
    g.sample_size(10);
    g.warm_up_time(Duration::from_secs(1));
    g.measurement_time(Duration::from_secs(5));
    g.throughput(Throughput::Elements(n as u64));

    g.bench_function("load", |b| {
        b.iter(|| content::load(&content_dir, &config, &[]))
    });

    g.bench_function("markdown", |b| {
        b.iter(|| {
            docs.par_iter()
                .map(|d| render_doc(d, &index))
                .collect::<Vec<_>>()
        })
    });

    let rendered: Vec<(Rendered, Section)> = archive
        .reports
        .par_iter()
        .map(|d| render_doc(d, &index))
        .collect();
    g.bench_function("extract", |b| {
        b.iter(|| {
            archive
                .reports
                .par_iter()
                .zip(&rendered)
                .map(|(d, (_, tree))| extract::extract(d, tree, &config))
                .collect::<Vec<_>>()
        })
    });
    drop(rendered);

    g.bench_function("site", |b| {
        b.iter_batched(
            || content::Archive {
                reports: archive.reports.clone(),
                dailies: archive.dailies.clone(),
                weeks: archive.weeks,
                diags: Vec::new(),
            },
            |a| site::build(a, config.clone()),
            BatchSize::PerIteration,
        )
    });

    let built = site::build(content::load(&content_dir, &config, &[]), config.clone());
    let renderer = render::Renderer::new(&built, &theme);
    g.bench_function("render", |b| {
        b.iter(|| renderer.render_all().expect("render"))
    });
    // Part of "render", on its own: the largest single piece of it, and on
    // a small archive the one the build waits for last.
    g.bench_function("search index", |b| {
        b.iter(|| render::search::files(&renderer))
    });

    // Every iteration writes a new folder and nothing is deleted until the
    // end: right after thousands of files are deleted ext4 creates new ones
    // slowly, which would be measured instead of chronicle (see
    // scripts/bench.sh). Rebuilding over an existing site costs that too.
    let fresh = std::sync::atomic::AtomicUsize::new(0);
    let next_out = || {
        let i = fresh.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        out_root.join(format!("public-{i}"))
    };
    let out_files = renderer.render_all().expect("render");
    g.bench_function("write", |b| {
        b.iter_batched(
            next_out,
            |out| output::write_site(&out, &out_files).expect("write"),
            BatchSize::PerIteration,
        )
    });
    drop(out_files);

    g.bench_function("build", |b| {
        b.iter_batched(
            || Paths {
                root: tmp.path().to_path_buf(),
                config: None,
                content: Some(content_dir.clone()),
                output: Some(next_out()),
            },
            |paths| {
                chronicle::build(&paths)
                    .map_err(|_| "build failed")
                    .expect("build")
            },
            BatchSize::PerIteration,
        )
    });
    g.finish();
    if keep.is_some() {
        let _ = tmp.keep();
    }
}

criterion_group!(benches, stages);
criterion_main!(benches);
