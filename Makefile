# chronicle — the two commands a new user needs: `make site` and `make test`.
CARGO ?= cargo
export CARGO
# The release binary, built with profile-guided optimisation by
# scripts/release.sh in a target folder of its own (see README, Performance).
BIN := $(or $(CARGO_TARGET_DIR),target)/pgo/release/chronicle

.PHONY: site build test e2e lint fmt serve bench bench-serve fuzz loadtest pgo clean

site: build
	$(BIN) build
	@echo "open $(CURDIR)/public/index.html"

build:
	scripts/release.sh

# Makes pgo/chronicle.profdata anew from a training run (scripts/pgo.sh).
pgo:
	scripts/pgo.sh

test:
	$(CARGO) fmt --check
	$(CARGO) clippy --all-targets --locked -- -D warnings
	$(CARGO) test --locked
	$(MAKE) e2e

# Browser tests: the sample site from file:// in chromium (see README).
# Needs chromium and Node.js; playwright-core is installed from e2e/package-lock.json.
e2e:
	$(CARGO) build --locked
	cd e2e && { test -d node_modules/playwright-core || npm ci --no-audit --no-fund; }
	cd e2e && node --test

lint:
	$(CARGO) clippy --all-targets --locked -- -D warnings

fmt:
	$(CARGO) fmt

# The writing loop: serves the site on http://127.0.0.1:1111/ with live reload.
serve: build
	$(BIN) serve

# Save-to-reload time on a generated 1,000-report archive (optimised as the
# release binary is; CHRONICLE_BENCH_REPORTS=N for another size).
bench-serve:
	scripts/release.sh bench --bench serve

# 50 connections, at least 10,000 requests against `chronicle serve` on
# loopback; fails on errors or memory above 256 MiB (see README).
loadtest:
	scripts/loadtest.sh

# Every fuzz target for FUZZ_SECONDS each (default 600); see README "Fuzzing".
fuzz:
	scripts/fuzz.sh

# chronicle and Hugo side by side on generated archives of 1,000 and 10,000
# reports, then the stage benchmarks (criterion); writes BENCHMARKS.md.
# Everything runs on the profile-optimised build (scripts/release.sh).
# Knobs: BENCH_SIZES, BENCH_RUNS, BENCH_SEED, CHRONICLE_BENCH_REPORTS,
# BENCH_SETTLE. Everything is compiled first, and nothing is timed until
# the disk has settled after the compile's deletions (scripts/settle.sh).
bench:
	scripts/release.sh --quiet
	scripts/release.sh bench --no-run --quiet
	scripts/settle.sh
	scripts/bench.sh

clean:
	rm -rf public target
