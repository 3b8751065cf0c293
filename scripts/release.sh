#!/usr/bin/env bash
# Builds chronicle with profile-guided optimisation from the committed
# profile pgo/chronicle.profdata: the compiler lays out and inlines the code
# for the branches a real build takes (about a seventh off a build).
#
#   scripts/release.sh [OPTIONS]          # cargo build --release --locked OPTIONS
#   scripts/release.sh bench [OPTIONS]    # cargo bench --locked OPTIONS
#
# The first makes the binary that `make site`, `make serve`, `make bench`
# and `make loadtest` run: target/pgo/release/chronicle (CARGO_TARGET_DIR
# moves target/). The second runs the benchmarks on the same optimised code
# (`make bench`, `make bench-serve`), in target/pgo-bench; the profile
# covers their copy of the library too (see scripts/pgo.sh).
#
# The profile is committed, so this needs nothing but the Rust toolchain;
# `make pgo` (scripts/pgo.sh) makes it anew. A rustc whose LLVM is older
# than the profile's cannot read it: the code is then built without it,
# with a note. Everything lives in its own target folder because cargo
# rebuilds every crate when RUSTFLAGS change: `cargo build --release`,
# `cargo bench` and `cargo test` keep theirs in target/release and
# target/debug.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
target=${CARGO_TARGET_DIR:-$root/target}
profile=$root/pgo/chronicle.profdata

llvm_major() { sed -n 's/^LLVM version: \([0-9]*\).*/\1/p'; }
have=$(rustc -vV | llvm_major)
made=$(llvm_major <"$root/pgo/toolchain" 2>/dev/null || true)
flags=${RUSTFLAGS:-}
if [ -f "$profile" ] && [ -n "$have" ] && [ -n "$made" ] && [ "$have" -ge "$made" ]; then
    flags="$flags -Cprofile-use=$profile"
else
    echo "release: rustc's LLVM ${have:-?} cannot read pgo/chronicle.profdata (made with LLVM ${made:-?}); building without profile-guided optimisation" >&2
fi
# Benchmarks get a target folder of their own too: building them rebuilds
# the binary with their crates' features (see scripts/pgo.sh).
if [ "${1:-}" = bench ]; then
    shift
    set -- bench --locked "$@"
    dir=$target/pgo-bench
else
    set -- build --release --locked "$@"
    dir=$target/pgo
fi
CARGO_TARGET_DIR=$dir RUSTFLAGS="$flags" exec ${CARGO:-cargo} "$@"
