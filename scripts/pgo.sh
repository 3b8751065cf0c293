#!/usr/bin/env bash
# Makes pgo/chronicle.profdata anew: the profile that scripts/release.sh
# (`make build`) optimises the release binary with. Run by `make pgo`;
# rerun it after changing code on the build's hot path, or the compiler
# has no profile for the changed functions (they are then optimised as
# without one, and the rest as before).
#
# 1. builds an instrumented binary (target/pgo-gen), which counts every
#    branch it takes;
# 2. runs it on what users run: the sample site (build, check), a
#    generated archive of 600 reports in two teams with daily notes (another
#    seed than the benchmark's; built without a config, then with the
#    sample's), and `serve` on it while a report's prose
#    and a figure are edited, a report is added and `new` scaffolds next
#    week's, then stops it with SIGTERM (a normal exit writes the counts);
#    and the serve benchmark on 300 reports, for the benchmarks' copy of the
#    library;
# 3. merges the counts into pgo/chronicle.profdata (sparse: functions never
#    run are left out) and records the toolchain in pgo/toolchain.
#
# Needs llvm-profdata from rustup's llvm-tools component (installed here
# when missing).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
target=${CARGO_TARGET_DIR:-$root/target}
work=$target/pgo-train

host=$(rustc -vV | sed -n 's/^host: //p')
profdata=$(rustc --print sysroot)/lib/rustlib/$host/bin/llvm-profdata
if [ ! -x "$profdata" ]; then
    echo "pgo: installing rustup's llvm-tools (for llvm-profdata)" >&2
    rustup component add llvm-tools-preview
fi
[ -x "$profdata" ] || { echo "pgo: $profdata not found" >&2; exit 1; }

rm -rf "$work"
mkdir -p "$work"
# instrumented DIR ARGS...: cargo ARGS with counting code, in target/DIR.
instrumented() {
    local dir=$1
    shift
    CARGO_TARGET_DIR=$target/$dir RUSTFLAGS="-Cprofile-generate=$work/raw" ${CARGO:-cargo} "$@"
}
instrumented pgo-gen build --release --locked --quiet
bin=$target/pgo-gen/release/chronicle
# The benchmarks' copy of the library: they link criterion, which turns on
# other features of crates chronicle shares with it, so their copy (and the
# binary built beside them) has other symbol names and needs counts of its
# own, for `make bench` and `make bench-serve` to measure the optimised
# engine too. In a target folder of its own, so that the binary above is
# not rebuilt with those features.
bench_bin=$(instrumented pgo-gen-bench bench --locked --quiet --bench serve --no-run \
    --message-format=json | python3 -c '
import json, sys
for line in sys.stdin:
    m = json.loads(line)
    t = m.get("target", {})
    if m.get("reason") == "compiler-artifact" and "bench" in t.get("kind", []) and m.get("executable"):
        print(m["executable"])
')
[ -x "$bench_bin" ] || { echo "pgo: no serve benchmark was built" >&2; exit 1; }
# The build's own scripts and macros ran instrumented too: their counts go.
rm -rf "$work/raw"

echo "pgo: training on the sample site" >&2
"$bin" build --root "$root" --output "$work/sample" --quiet
"$bin" check --root "$root" >/dev/null || true

echo "pgo: training on a generated archive" >&2
site=$work/gen
"$bin" gen --reports 600 --seed 7 --teams 2 --out "$site/content" >/dev/null
# Without a config (metrics found by discovery), then with the sample's.
"$bin" build --root "$site" --quiet
# And through the spill file, as a build of a big archive goes (10,000
# reports in `make bench`; this archive is below `SPILL_FROM`): code a
# training run never reaches is laid out and inlined as cold.
CHRONICLE_SPILL_FROM=0 "$bin" build --root "$site" --quiet
cp "$root/config.toml" "$site/config.toml"
"$bin" build --root "$site" --quiet
"$bin" check --root "$site" >/dev/null || true

echo "pgo: training on serve" >&2
"$bin" serve --root "$site" --port 0 >"$work/serve.out" 2>"$work/serve.err" &
pid=$!
trap 'kill "$pid" 2>/dev/null || true' EXIT
# waits until serve has printed $1 lines matching $2 (20 s at most)
wait_for() {
    for _ in $(seq 200); do
        [ "$(grep -c "$2" "$work/serve.out" || true)" -ge "$1" ] && return 0
        sleep 0.1
    done
    echo "pgo: serve did not print '$2' in time" >&2
    cat "$work/serve.err" >&2
    exit 1
}
wait_for 1 "serving at"
latest=$(find "$site/content" -name '第*周 *.md' | sort | tail -n 1)
printf '\n本周补充：支付网关灰度完成。\n' >>"$latest"
wait_for 1 "rebuilt in"
sed -i '0,/99\.9[0-9]*%/s//99.5%/' "$latest"
wait_for 2 "rebuilt in"
"$bin" new --root "$site" >/dev/null
wait_for 3 "rebuilt in"
kill -TERM "$pid"
wait "$pid"
trap - EXIT

echo "pgo: training the benchmarks' copy (make bench-serve on 300 reports)" >&2
CHRONICLE_BENCH_REPORTS=300 "$bench_bin" --bench >"$work/bench-serve.out" 2>&1 || {
    cat "$work/bench-serve.out" >&2
    exit 1
}

mkdir -p "$root/pgo"
"$profdata" merge --sparse -o "$root/pgo/chronicle.profdata" "$work/raw"
rustc -vV >"$root/pgo/toolchain"
echo "pgo: wrote pgo/chronicle.profdata ($(wc -c <"$root/pgo/chronicle.profdata") bytes)" >&2
