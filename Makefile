# chronicle — the two commands a new user needs: `make site` and `make test`.
CARGO ?= cargo
BIN := target/release/chronicle

.PHONY: site build test lint fmt serve bench bench-serve fuzz clean

site: build
	$(BIN) build
	@echo "open $(CURDIR)/public/index.html"

build:
	$(CARGO) build --release --locked

test:
	$(CARGO) fmt --check
	$(CARGO) clippy --all-targets --locked -- -D warnings
	$(CARGO) test --locked

lint:
	$(CARGO) clippy --all-targets --locked -- -D warnings

fmt:
	$(CARGO) fmt

# The writing loop: serves the site on http://127.0.0.1:1111/ with live reload.
serve: build
	$(BIN) serve

# Save-to-reload time on a generated 1,000-report archive (release build).
bench-serve:
	$(CARGO) bench --locked --bench serve

# Every fuzz target for FUZZ_SECONDS each (default 600); see README "Fuzzing".
fuzz:
	scripts/fuzz.sh

clean:
	rm -rf public target
