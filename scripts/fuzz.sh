#!/usr/bin/env bash
# Runs every cargo-fuzz target for FUZZ_SECONDS each (default 600), seeded
# with the sample reports. Crashes land in fuzz/artifacts/<target>/; turn
# each into a regression test before fixing it.
#
#   scripts/fuzz.sh              # all targets, 10 minutes each
#   FUZZ_SECONDS=60 scripts/fuzz.sh markdown
set -euo pipefail
cd "$(dirname "$0")/.."
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked
# cargo-fuzz needs nightly-only sanitizer flags; the stable toolchain
# accepts them with RUSTC_BOOTSTRAP (no other toolchain can be fetched here).
export RUSTC_BOOTSTRAP=1
seconds=${FUZZ_SECONDS:-600}
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(meta markdown metrics projects incidents)
for t in "${targets[@]}"; do
  mkdir -p "fuzz/corpus/$t"
  echo "== fuzzing $t for ${seconds}s"
  cargo fuzz run "$t" "fuzz/corpus/$t" content -- \
    -max_total_time="$seconds" -max_len=65536 -rss_limit_mb=2048 -timeout=10 -print_final_stats=1
done
