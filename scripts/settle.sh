#!/usr/bin/env bash
# Waits, before `make bench` times anything, until the disk has had a few
# minutes without mass deletions that the benchmark itself caused.
#
#   scripts/settle.sh          # what `make bench` runs after compiling
#   BENCH_SETTLE=0 make bench  # no wait
#
# ext4 without a journal (as on the machines here) skips every inode freed
# in the last 60 s, 360 s while its inode table block is unwritten, looking
# each one up as it creates a file (docs/performance.md, How cost grows). Compiling the
# benchmarks deletes thousands of files (each crate's object files once
# linked), and so does the end of a previous `make bench` (its sites):
# four minutes after a run had deleted its sites, 1,000-report builds took
# 430–447 ms instead of 266–281.
#
# It waits until BENCH_SETTLE seconds (default 360) have passed since the
# newest of: the release binary, the compiled benchmarks, and the stamp
# scripts/bench.sh leaves when it deletes its sites. Deletions it cannot
# see (anything else on the machine) are not waited for.
set -euo pipefail
cd "$(dirname "$0")/.."
target=${CARGO_TARGET_DIR:-$PWD/target}
settle=${BENCH_SETTLE:-360}
[ "$settle" -gt 0 ] || exit 0

newest=0
for f in "$target/pgo/release/chronicle" \
    "$target"/pgo-bench/release/deps/pipeline-* \
    "$target"/pgo-bench/release/deps/serve-* \
    "$target/bench-deleted.stamp"; do
    [ -f "$f" ] || continue
    t=$(stat -c %Y "$f")
    [ "$t" -gt "$newest" ] && newest=$t
done
wait=$((newest + settle - $(date +%s)))
if [ "$wait" -gt 0 ]; then
    echo "bench: waiting ${wait} s for the disk to settle after the last build or deletion (BENCH_SETTLE=0 skips; see scripts/settle.sh)" >&2
    sleep "$wait"
fi
