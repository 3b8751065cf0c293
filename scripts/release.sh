#!/usr/bin/env bash
# Builds the release binary that `make site`, `make serve`, `make bench` and
# `make loadtest` run: target/pgo/release/chronicle (CARGO_TARGET_DIR moves
# target/), optimised with the profile in pgo/chronicle.profdata
# (profile-guided optimisation: the compiler lays out and inlines the code
# for the branches a real build takes; about a seventh off a build).
#
#   scripts/release.sh [cargo build options, e.g. --quiet]
#
# The profile is committed, so this needs nothing but the Rust toolchain;
# `make pgo` (scripts/pgo.sh) makes it anew. A rustc whose LLVM is older
# than the profile's cannot read it: the binary is then built without it,
# with a note. The binary has its own target folder because cargo rebuilds
# every crate when RUSTFLAGS change: `cargo build --release` and
# `cargo bench` keep theirs in target/release.
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
CARGO_TARGET_DIR=$target/pgo RUSTFLAGS="$flags" ${CARGO:-cargo} build --release --locked "$@"
