//! The `chronicle` command line.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use clap::{Args, Parser, Subcommand};

use chronicle::diag::{Diagnostic, Level};
use chronicle::Paths;

/// mimalloc rather than the system allocator: a build makes and frees
/// millions of small strings from two threads, and glibc's malloc and free
/// were a sixth of a large build's time.
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Turns a folder of weekly reports in Markdown into a linked static site:
/// one page per report, an archive by year and month, daily notes, data files.
#[derive(Parser)]
#[command(name = "chronicle", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Args, Clone)]
struct SiteArgs {
    /// Site root: where config.toml, content/, themes/ and templates/ are.
    #[arg(long, default_value = ".", value_name = "DIR")]
    root: PathBuf,
    /// Config file to use instead of ROOT/config.toml (it must exist).
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Folder of Markdown reports, instead of the config's content_dir.
    #[arg(long, value_name = "DIR")]
    content: Option<PathBuf>,
}

#[derive(Subcommand)]
enum Command {
    /// Build the site into the output folder (public/ by default).
    ///
    /// Exit status: 0 built (warnings allowed); 1 nothing built (bad config,
    /// theme or template, missing folder); 2 built, but some files had errors.
    Build {
        #[command(flatten)]
        site: SiteArgs,
        /// Output folder, instead of the config's output_dir.
        #[arg(long, value_name = "DIR")]
        output: Option<PathBuf>,
        /// Only print errors and the summary line.
        #[arg(long, short)]
        quiet: bool,
    },
    /// Lint the archive without writing anything: missing link targets,
    /// undated reports, week/date disagreements, duplicate weeks, bad front matter.
    ///
    /// Prints `path:line: level: message` per finding. Exit status: 1 on
    /// errors (or on warnings with --deny-warnings), else 0.
    Check {
        #[command(flatten)]
        site: SiteArgs,
        /// Fail on warnings too.
        #[arg(long)]
        deny_warnings: bool,
    },
    /// Write a synthetic archive in the samples' style, for benchmarks.
    #[command(hide = true)]
    Gen {
        /// Number of weekly reports.
        #[arg(long, default_value_t = 1000)]
        reports: usize,
        /// Same seed, same archive.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Teams, each in its own subfolder.
        #[arg(long, default_value_t = 1)]
        teams: usize,
        /// New or empty folder for the archive.
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
        /// Also write the same files with Hugo front matter into this folder.
        #[arg(long, value_name = "DIR")]
        hugo: Option<PathBuf>,
    },
    /// Serve the site with live reload while you write: every save rebuilds
    /// what changed and reloads open pages; errors show in the page.
    ///
    /// The site is kept in memory; public/ is not touched. Prints the address
    /// it listens on, then one line per rebuild.
    Serve {
        #[command(flatten)]
        site: SiteArgs,
        /// Port to listen on; 0 picks a free one. [default: 1111, or a free
        /// port if 1111 is taken]
        #[arg(long, short)]
        port: Option<u16>,
        /// Address to listen on. Anything but loopback shows your reports to
        /// the network.
        #[arg(long, default_value = "127.0.0.1", value_name = "ADDR")]
        bind: std::net::IpAddr,
        /// Open the site in the default browser.
        #[arg(long)]
        open: bool,
    },
    /// Write next week's report beside the latest one and print its path.
    ///
    /// Title, file name, week number and date follow the latest report's
    /// style and the archive's week convention; its sections and project
    /// bullets are carried over, incident and reflection lists emptied.
    /// templates/new-report.md overrides the scaffold. Never overwrites.
    New {
        #[command(flatten)]
        site: SiteArgs,
        /// The new report's date, instead of the Friday after the latest
        /// report's week.
        #[arg(long, value_name = "YYYY-MM-DD")]
        date: Option<chrono::NaiveDate>,
    },
}

fn paths(site: &SiteArgs, output: Option<PathBuf>) -> Paths {
    Paths {
        root: site.root.clone(),
        config: site.config.clone(),
        content: site.content.clone(),
        output,
    }
}

fn print(diags: &[Diagnostic], quiet: bool) {
    for d in diags {
        if !quiet || d.level == Level::Error {
            eprintln!("{d}");
        }
    }
}

fn gen(opts: &chronicle::synth::Options, out: &Path, hugo: Option<&Path>) -> anyhow::Result<()> {
    use chronicle::synth;
    let files = synth::generate(opts);
    synth::write(&files, out)?;
    if let Some(h) = hugo {
        synth::write_hugo(&files, h)?;
    }
    let reports = files
        .iter()
        .filter(|f| f.kind == synth::Kind::Report)
        .count();
    let bytes: usize = files.iter().map(|f| f.text.len()).sum();
    println!(
        "wrote {reports} reports, {} daily notes ({:.1} MB) to {}",
        files.len() - reports,
        bytes as f64 / 1e6,
        out.display()
    );
    Ok(())
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Gen {
            reports,
            seed,
            teams,
            out,
            hugo,
        } => {
            let opts = chronicle::synth::Options {
                reports,
                seed,
                teams,
            };
            match gen(&opts, &out, hugo.as_deref()) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("error: {e:#}");
                    ExitCode::from(1)
                }
            }
        }
        Command::Build {
            site,
            output,
            quiet,
        } => {
            let start = Instant::now();
            match chronicle::build(&paths(&site, output)) {
                Ok((built, mut s)) => {
                    print(&built.site.diags, quiet);
                    // The process ends here: the OS takes the memory back at
                    // once, where dropping the site frees it allocation by
                    // allocation (2% of a build's instructions).
                    std::mem::forget(built);
                    s.elapsed = start.elapsed();
                    println!(
                        "built {} reports, {} daily notes: {} pages, {} files in {} ({} warnings, {} errors) in {:.0?}",
                        s.reports,
                        s.dailies,
                        s.pages,
                        s.files,
                        s.output.display(),
                        s.warnings,
                        s.errors,
                        s.elapsed
                    );
                    if s.errors > 0 {
                        ExitCode::from(2)
                    } else {
                        ExitCode::SUCCESS
                    }
                }
                Err(diags) => {
                    print(&diags, false);
                    eprintln!("build failed; the previous site (if any) is unchanged");
                    ExitCode::from(1)
                }
            }
        }
        Command::Serve {
            site,
            port,
            bind,
            open,
        } => {
            let opts = chronicle::serve::Options {
                paths: paths(&site, None),
                bind,
                port,
                open,
                quiet: false,
            };
            match chronicle::serve::run(opts) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("error: {e}");
                    ExitCode::from(1)
                }
            }
        }
        Command::New { site, date } => match chronicle::new::run(&paths(&site, None), date) {
            Ok(path) => {
                // `content/x.md`, not `./content/x.md`, for `$EDITOR $(chronicle new)`.
                println!("{}", path.strip_prefix(".").unwrap_or(&path).display());
                ExitCode::SUCCESS
            }
            Err(d) => {
                eprintln!("{d}");
                ExitCode::from(1)
            }
        },
        Command::Check {
            site,
            deny_warnings,
        } => {
            let diags = match chronicle::build_in_memory(&paths(&site, None)) {
                Ok(built) => built.site.diags,
                Err(diags) => diags,
            };
            for d in &diags {
                println!("{d}");
            }
            let errors = diags.iter().filter(|d| d.level == Level::Error).count();
            let warnings = diags.len() - errors;
            eprintln!("checked: {errors} errors, {warnings} warnings");
            if errors > 0 || (deny_warnings && warnings > 0) {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            }
        }
    }
}
