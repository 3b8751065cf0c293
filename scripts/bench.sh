#!/usr/bin/env bash
# Whole-process benchmark: chronicle and Hugo build the same generated
# archives, side by side in one run, and the results go to BENCHMARKS.md.
#
#   scripts/bench.sh                      # what `make bench` runs
#   BENCH_SIZES=1000 BENCH_RUNS=3 scripts/bench.sh
#
# Settings (environment): BENCH_SIZES (default "1000 10000"), BENCH_RUNS
# (timed runs per tool and size, default 5, after one untimed warm-up),
# BENCH_SEED (default 42), BENCH_DIR (work folder, default target/bench),
# BENCH_OUT (default BENCHMARKS.md), BENCH_SETTLE (see scripts/settle.sh),
# BENCH_STAGES (0: no criterion stage benchmarks), BENCH_SERVE (0: no serve edits),
# BENCH_NOTE (a line to print under the
# title, e.g. why a run is not the final one).
#
# Installs Debian's hugo and time packages when they are missing.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

SIZES=${BENCH_SIZES:-"1000 10000"}
RUNS=${BENCH_RUNS:-5}
SEED=${BENCH_SEED:-42}
WORK=${BENCH_DIR:-$ROOT/target/bench}
OUT_MD=${BENCH_OUT:-$ROOT/BENCHMARKS.md}
BIN=${CARGO_TARGET_DIR:-$ROOT/target}/pgo/release/chronicle

have() { command -v "$1" >/dev/null 2>&1; }

install_debian() {
    echo "bench: installing $* (Debian packages)" >&2
    local sudo=""
    if [ "$(id -u)" != 0 ]; then
        have sudo || { echo "bench: need root or sudo to install $*; install them and rerun" >&2; exit 1; }
        sudo=sudo
    fi
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$@" >/dev/null
}

missing=()
have hugo || missing+=(hugo)
[ -x /usr/bin/time ] || missing+=(time)
[ ${#missing[@]} -eq 0 ] || install_debian "${missing[@]}"

# The binary `make build` makes (with profile-guided optimisation), and
# then no timed run until the disk has settled if it was just compiled.
scripts/release.sh --quiet
scripts/settle.sh

# Nothing is deleted while runs are timed: right after thousands of files
# are deleted, ext4 is slow to create new ones, which would swamp what is
# measured. Without a journal (as on the machines here) it skips every inode
# freed in the last 60 s (360 s while its inode table block is unwritten),
# one by one, for each file it creates: after a few GB of sites were
# deleted, a 1,000-report build that takes 0.27 s into tmpfs took 0.64 s
# into an empty folder on disk, and 0.65 to 1.14 s rebuilt over its own
# output (which deletes the site it replaces). The
# previous results are moved aside now and deleted at the end, and every
# run writes into a folder of its own.
TRASH=()
if [ -e "$WORK" ]; then
    mv "$WORK" "$WORK.old-$$"
    TRASH+=("$WORK.old-$$")
fi
mkdir -p "$WORK"
# Where criterion's stage benchmarks keep the sites they build (run below,
# after the timed runs: CHRONICLE_BENCH_KEEP, benches/pipeline.rs), deleted
# at the end too.
STAGES=${CARGO_TARGET_DIR:-$ROOT/target}/bench-stages
if [ -e "$STAGES" ]; then
    mv "$STAGES" "$STAGES.old-$$"
    TRASH+=("$STAGES.old-$$")
fi
LOG=$WORK/last-command.log

# measure FILE CMD...: runs CMD once; appends "microseconds peak-RSS-KiB" to FILE.
measure() {
    local file=$1
    shift
    local t0 t1
    t0=$(date +%s%N)
    if ! /usr/bin/time -f '%M' -o "$WORK/rss" "$@" >"$LOG" 2>&1; then
        echo "bench: command failed: $*" >&2
        cat "$LOG" >&2
        exit 1
    fi
    t1=$(date +%s%N)
    echo "$(((t1 - t0) / 1000)) $(tail -n 1 "$WORK/rss")" >>"$file"
}

# median COLUMN FILE
median() {
    sort -n -k"$1","$1" "$2" | awk -v c="$1" '{v[NR] = $c} END {
        if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
colmin() { sort -n -k"$1","$1" "$2" | head -n 1 | awk -v c="$1" '{print $c}'; }
colmax() { sort -n -k"$1","$1" "$2" | tail -n 1 | awk -v c="$1" '{print $c}'; }
num() { echo "$1" | sed -e ':a' -e 's/\([0-9]\)\([0-9]\{3\}\)\($\|,\)/\1,\2\3/' -e 'ta'; }
ms() { awk -v u="$1" 'BEGIN {printf "%.0f ms", u / 1000}'; }
mib() { awk -v k="$1" 'BEGIN {printf "%.0f MiB", k / 1024}'; }

# Hugo gets its own copy of the site folder: it may write a lock file or
# resources/ there, and the repository is never written by a benchmark.
rm -rf "$WORK/hugo-site"
cp -r "$ROOT/bench/hugo" "$WORK/hugo-site"

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
rows=()
targets=()
gens=()
verdict() { if [ "$1" = 1 ]; then echo "met"; else echo "**not met**"; fi; }
for n in $SIZES; do
    dir=$WORK/$n
    mkdir -p "$dir/out"
    echo "bench: generating $n reports (seed $SEED)" >&2
    "$BIN" gen --reports "$n" --seed "$SEED" --out "$dir/content" --hugo "$dir/hugo-content" >"$dir/gen.txt"

    # What gen wrote goes to disk now, not during the timed runs.
    sync
    : >"$dir/chronicle.runs"
    : >"$dir/hugo.runs"
    # One untimed warm-up each (page cache, binaries), then timed runs that
    # alternate, so background load on a shared machine hits both alike.
    # Every run starts with no output folder.
    for run in $(seq 0 "$RUNS"); do
        for tool in chronicle hugo; do
            o=$dir/out/$tool-$run
            if [ "$tool" = chronicle ]; then
                cmd=("$BIN" build --root "$dir" --content "$dir/content" --output "$o" --quiet)
            else
                cmd=(hugo --source "$WORK/hugo-site" --contentDir "$dir/hugo-content" --destination "$o" --noBuildLock --quiet)
            fi
            if [ "$run" = 0 ]; then
                measure "$dir/warmup.runs" "${cmd[@]}"
            else
                measure "$dir/$tool.runs" "${cmd[@]}"
            fi
        done
        echo "bench: $n reports, run $run of $RUNS done" >&2
    done
    cp "$LOG" "$dir/hugo-last.log"

    # Both must have built a page for every report and daily note.
    docs=$(awk '{print $2 + $4}' "$dir/gen.txt")
    for tool in chronicle hugo; do
        f=$dir/$tool.runs
        files=$(find "$dir/out/$tool-$RUNS" -type f | wc -l)
        pages=$(find "$dir/out/$tool-$RUNS" -type f -name '*.html' | wc -l)
        if [ "$pages" -lt "$docs" ]; then
            echo "bench: $tool wrote $pages pages for $docs documents; see $dir/out/$tool-$RUNS" >&2
            exit 1
        fi
        eval "${tool}_med=$(median 1 "$f")"
        eval "${tool}_rss=$(median 2 "$f")"
        eval "${tool}_rssmax=$(colmax 2 "$f")"
        row="| $(num "$n") | $tool | $pages | $files | $(ms "$(median 1 "$f")") | $(ms "$(colmin 1 "$f")") | $(ms "$(colmax 1 "$f")") | $(mib "$(median 2 "$f")") |"
        rows+=("$row")
    done
    ratio=$(awk -v c="$chronicle_med" -v h="$hugo_med" 'BEGIN {printf "%.2f", c / h}')
    rows+=("| | **chronicle / Hugo** | | | **$ratio** | | | $(awk -v c="$chronicle_rss" -v h="$hugo_rss" 'BEGIN {printf "%.2f", c / h}') |")

    faster=$(awk -v c="$chronicle_med" -v h="$hugo_med" 'BEGIN {print (c < h) ? 1 : 0}')
    targets+=("| $(num "$n") reports below Hugo | $(ms "$chronicle_med") vs $(ms "$hugo_med") | $(verdict "$faster") |")
    case $n in
    1000)
        ok=$(awk -v c="$chronicle_med" 'BEGIN {print (c <= 300000) ? 1 : 0}')
        targets+=("| 1,000 reports in at most 0.3 s | $(ms "$chronicle_med") | $(verdict "$ok") |")
        ;;
    10000)
        ok=$(awk -v c="$chronicle_med" 'BEGIN {print (c <= 2500000) ? 1 : 0}')
        targets+=("| 10,000 reports in at most 2.5 s | $(ms "$chronicle_med") | $(verdict "$ok") |")
        ok=$(awk -v k="$chronicle_rssmax" 'BEGIN {print (k <= 300 * 1024) ? 1 : 0}')
        targets+=("| 10,000 reports in at most 300 MiB | $(mib "$chronicle_rssmax") (highest of the runs) | $(verdict "$ok") |")
        ;;
    esac
    TRASH+=("$dir/out")
    gens+=("- $(sed -e 's/^wrote //' -e 's/ to .*//' "$dir/gen.txt")")
done
# One-report edits in `serve` on the largest archive (benches/serve.rs).
serve_row="| one-report edit in \`serve\` on 10,000 reports in at most 150 ms | not measured (BENCH_SERVE=0) | |"
largest=$(printf '%s\n' $SIZES | sort -n | tail -n 1)
if [ "${BENCH_SERVE:-1}" != 0 ]; then
    echo "bench: serve edits on $largest reports" >&2
    CHRONICLE_BENCH_REPORTS=$largest scripts/release.sh bench --quiet --bench serve >"$WORK/serve.txt" 2>&1 || {
        cat "$WORK/serve.txt" >&2
        exit 1
    }
    result=$(grep '^result:' "$WORK/serve.txt" | tail -n 1)
    val() { echo "$result" | sed -n "s/.* $1=\([0-9.]*\).*/\1/p"; }
    prose=$(val engine_prose_ms)
    figure=$(val engine_figure_ms)
    ok=$(awk -v p="$prose" 'BEGIN {print (p <= 150) ? 1 : 0}')
    serve_row="| one-report edit in \`serve\` on $(num "$largest") reports in at most 150 ms | prose: ${prose} ms; a metric figure: ${figure} ms (engine medians, \`CHRONICLE_BENCH_REPORTS=$largest make bench-serve\`) | $(verdict "$ok") for prose, $(verdict "$(awk -v f="$figure" 'BEGIN {print (f <= 150) ? 1 : 0}')") for figures |"
fi
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

# The stage benchmarks (criterion) come after the whole-process runs, not
# before them: their write and build stages create a few hundred thousand
# files in two minutes, and 1,000-report builds timed right after them
# took 328 ms (324-419) where, with nothing before them, they took 277 ms
# (261-281) on the same disk minutes apart. BENCH_STAGES=0 skips them.
if [ "${BENCH_STAGES:-1}" != 0 ]; then
    echo "bench: stage benchmarks (criterion)" >&2
    sync
    CHRONICLE_BENCH_KEEP=$STAGES scripts/release.sh bench --bench pipeline >"$WORK/stages.txt" 2>&1 || {
        cat "$WORK/stages.txt" >&2
        exit 1
    }
    TRASH+=("$STAGES")
fi

# Stage timings from criterion (above).
stages=""
criterion=${CARGO_TARGET_DIR:-$ROOT/target}/pgo-bench/criterion
if have python3 && [ -d "$criterion" ] && [ "${BENCH_STAGES:-1}" != 0 ]; then
    stages=$(python3 - "$criterion" <<'EOF'
import json, os, sys
root = sys.argv[1]
rows = []
for group in sorted(os.listdir(root)):
    gdir = os.path.join(root, group)
    if not os.path.isdir(gdir) or group == "report":
        continue
    for bench in os.listdir(gdir):
        est = os.path.join(gdir, bench, "new", "estimates.json")
        info = os.path.join(gdir, bench, "new", "benchmark.json")
        if not os.path.isfile(est):
            continue
        with open(est) as f:
            e = json.load(f)
        with open(info) as f:
            b = json.load(f)
        rows.append((os.path.getmtime(est), b.get("full_id", bench), e["median"]["point_estimate"]))
for _, name, ns in sorted(rows):
    print(f"| {name} | {ns / 1e6:.1f} ms |")
EOF
)
fi

cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
mem=$(awk '/MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo)
os=$(. /etc/os-release && echo "$PRETTY_NAME")
commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
git diff --quiet HEAD 2>/dev/null || commit="$commit (with uncommitted changes)"

{
    echo "# Benchmarks"
    echo
    echo "Written by \`make bench\` (\`scripts/bench.sh\`) on $(date -u '+%Y-%m-%d %H:%M UTC'). Rerun it rather than editing this file."
    if [ -n "${BENCH_NOTE:-}" ]; then
        echo
        echo "**Note:** $BENCH_NOTE"
    fi
    echo
    echo "## Machine and versions"
    echo
    echo "- CPU: $cpu, $(nproc) cores (\`nproc\`)"
    echo "- Memory: $mem"
    echo "- OS: $os, Linux $(uname -r)"
    echo "- Load average (1, 5, 15 min) before: $load_before; after: $load_after"
    echo "- chronicle $("$BIN" --version | awk '{print $2}') (commit $commit), $(rustc --version)"
    echo "- $(hugo version | awk '{print $1, $2}') (Debian package)"
    echo
    echo "## Command"
    echo
    echo '```sh'
    echo "make bench    # BENCH_SIZES=\"$SIZES\" BENCH_RUNS=$RUNS BENCH_SEED=$SEED"
    echo '```'
    echo
    echo "Archives (\`chronicle gen --reports N --seed $SEED\`):"
    echo
    printf '%s\n' "${gens[@]}"
    echo
    echo "## Whole build, chronicle and Hugo on the same reports"
    echo
    echo "Wall time of the whole process, $RUNS timed runs each after one warm-up; peak resident memory from \`/usr/bin/time -v\`'s maximum RSS. chronicle is the binary \`make build\` makes, with profile-guided optimisation (\`pgo/chronicle.profdata\`; see the README)."
    echo
    echo "| reports | tool | HTML pages | files | median | min | max | peak RSS (median) |"
    echo "|---:|---|---:|---:|---:|---:|---:|---:|"
    printf '%s\n' "${rows[@]}"
    echo
    echo "## Targets"
    echo
    echo "| target | measured | |"
    echo "|---|---|---|"
    printf '%s\n' "${targets[@]}"
    echo "$serve_row"
    if [ -n "$stages" ]; then
        echo
        echo "## Stages (criterion, \`cargo bench --bench pipeline\`)"
        echo
        echo "Median time per iteration on a generated archive (size in the name); see benches/pipeline.rs for what each stage covers. Built like the binary, with the profile (\`scripts/release.sh bench\`), as is \`make bench-serve\`'s engine."
        echo
        echo "| benchmark | median |"
        echo "|---|---:|"
        echo "$stages"
    fi
    echo
    echo "## What is compared, fairly"
    echo
    cat "$ROOT/bench/FAIRNESS.md"
} >"$OUT_MD"
echo "bench: wrote $OUT_MD" >&2
rm -rf "${TRASH[@]}"
# When the next `make bench` may start timing (scripts/settle.sh).
touch "${CARGO_TARGET_DIR:-$ROOT/target}/bench-deleted.stamp"
