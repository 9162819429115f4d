# mlops-loop — every task is a target; `make help` lists them.
# The two you need: `make serve` (build and serve the page) and `make test` (every test).
# Both install what is missing first, so they work on a fresh Debian machine with rustup and Node.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PORT ?= 8000
HOST ?= 127.0.0.1
CRATE := mlops_loop
WASM_TARGET := wasm32-unknown-unknown
WASM_PROFILE := wasm-release
# Two modules from the same crate: the lite one (no `loop-exports` feature: no registry, no loop)
# is what the first page load fetches; the full one is loaded by the worker when a panel needs it.
# Neither has the `python` feature: the learner's sandbox (docs/learner-code.md) is a third module,
# the full one plus `python`, loaded by a worker of its own when a learner opens the editor.
# The lite and sandbox builds have their own profiles so that no build overwrites another's .wasm
# in target/ (the lite one with the same settings, the sandbox one optimised for speed).
WASM_LITE_PROFILE := wasm-lite
WASM_PY_PROFILE := wasm-python
TARGET_DIR := $(or $(CARGO_TARGET_DIR),target)
WASM_RAW := $(TARGET_DIR)/$(WASM_TARGET)/$(WASM_PROFILE)/$(CRATE).wasm
WASM_LITE_RAW := $(TARGET_DIR)/$(WASM_TARGET)/$(WASM_LITE_PROFILE)/$(CRATE).wasm
WASM_PY_RAW := $(TARGET_DIR)/$(WASM_TARGET)/$(WASM_PY_PROFILE)/$(CRATE).wasm
PKG := www/pkg
PKG_WASM := $(PKG)/$(CRATE)_bg.wasm
PKG_LITE_WASM := $(PKG)/$(CRATE)_lite_bg.wasm
PKG_PY_WASM := $(PKG)/$(CRATE)_py_bg.wasm
WASM_BINDGEN := wasm-bindgen --target web --no-typescript --remove-name-section --remove-producers-section
WASM_FEATURES := --enable-bulk-memory --enable-reference-types --enable-nontrapping-float-to-int \
  --enable-sign-ext --enable-multivalue --enable-mutable-globals
# A function with one caller is inlined into it only if it is small (-ocimfs 300; binaryen's default
# inlines it whatever its size): the GBM's node growing stays out of the fit, so V8 moves it to its
# optimising tier while a page's first fits still run, and compiles smaller functions in the
# background (the loop's steps are kept out of its driver in the Rust: orchestrator/driver.rs).
# About 20 % less main-thread CPU over a fresh page's first five fits, the same speed after, and
# 8.9 KB less gzip (docs/gbm-speed.md).
WASM_OPT := wasm-opt -Oz -ocimfs 300 $(WASM_FEATURES)
# The lite first-load module: flattened and re-relooped before -Oz, about 1.1 KB less gzip than
# -Oz alone for the same speed (the first load's 300 KB budget; docs/gbm-speed.md).
WASM_OPT_LITE := wasm-opt --flatten --rereloop -Oz -Oz --converge -ocimfs 300 $(WASM_FEATURES)
# The sandbox module is optimised for speed (its cargo profile is opt-level 3; Cargo.toml says why).
WASM_OPT_PY := wasm-opt -O3 $(WASM_FEATURES)
# The wasm-bindgen CLI must match the crate's version in Cargo.lock exactly.
WBG_VERSION := $(shell sed -n '/^name = "wasm-bindgen"$$/{n;s/version = "\(.*\)"/\1/p;}' Cargo.lock)
CARGO_BIN := $(HOME)/.cargo/bin
export PATH := $(CARGO_BIN):$(CURDIR)/node_modules/.bin:$(PATH)
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
RUST_SRC := $(shell find src -name '*.rs') Cargo.toml Cargo.lock build.rs
WWW_SRC := $(shell find www -type f -not -path 'www/pkg/*') vite.config.js package.json

.PHONY: help serve test build wasm size bench fuzz fixtures setup setup-rust setup-node setup-browser \
        fmt lint test-native test-wasm test-e2e screenshots clean

help: ## List every target
	@grep -hE '^[a-zA-Z0-9_-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}'

# ---------------------------------------------------------------- set-up (idempotent, fast when done)
setup: setup-rust setup-node setup-browser ## Install everything the build and tests need

setup-rust: ## wasm32 target + wasm-bindgen-cli pinned to Cargo.lock
	@rustup target list --installed | grep -qx $(WASM_TARGET) || rustup target add $(WASM_TARGET)
	@if ! wasm-bindgen --version 2>/dev/null | grep -qF "$(WBG_VERSION)"; then \
	  echo "installing wasm-bindgen-cli $(WBG_VERSION) (a few minutes, once)"; \
	  cargo install wasm-bindgen-cli --version "$(WBG_VERSION)"; fi

setup-node: node_modules/.installed ## npm packages (Vite, Playwright, binaryen, axe)
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

setup-browser: ## Debian's chromium + chromium-driver (no browser downloads)
	@if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then \
	  $(SUDO) apt-get update -q && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -q chromium chromium-driver; fi

# ---------------------------------------------------------------- build
wasm: setup-rust setup-node $(PKG_LITE_WASM) $(PKG_WASM) $(PKG_PY_WASM) ## Build the three WASM modules (lite, full: wasm-opt -Oz; sandbox: -O3) into www/pkg

$(PKG_WASM): $(RUST_SRC)
	cargo build --lib --target $(WASM_TARGET) --profile $(WASM_PROFILE) --no-default-features --features loop-exports
	$(WASM_BINDGEN) --out-dir $(PKG) $(WASM_RAW)
	$(WASM_OPT) $(PKG_WASM) -o $(PKG_WASM)

$(PKG_LITE_WASM): $(RUST_SRC)
	cargo build --lib --target $(WASM_TARGET) --profile $(WASM_LITE_PROFILE) --no-default-features
	$(WASM_BINDGEN) --out-dir $(PKG) --out-name $(CRATE)_lite $(WASM_LITE_RAW)
	$(WASM_OPT_LITE) $(PKG_LITE_WASM) -o $(PKG_LITE_WASM)

$(PKG_PY_WASM): $(RUST_SRC) $(shell find src/python -name '*.py')
	cargo build --lib --target $(WASM_TARGET) --profile $(WASM_PY_PROFILE) --no-default-features --features loop-exports,python
	$(WASM_BINDGEN) --out-dir $(PKG) --out-name $(CRATE)_py $(WASM_PY_RAW)
	$(WASM_OPT_PY) $(PKG_PY_WASM) -o $(PKG_PY_WASM)

build: setup-rust setup-node dist/index.html ## Production build of the page into dist/
dist/index.html: $(PKG_LITE_WASM) $(PKG_WASM) $(PKG_PY_WASM) $(WWW_SRC) node_modules/.installed
	vite build --logLevel warn

serve: setup-rust setup-node build ## Build and serve the page on http://127.0.0.1:8000 (PORT=...)
	@echo "mlops-loop is at http://$(HOST):$(PORT)/  (Ctrl-C to stop)"
	vite preview --host $(HOST) --port $(PORT) --strictPort

size: build ## Print the page weight (gzip -9): first load (lite module) and the full module
	@node scripts/size.mjs dist

# ---------------------------------------------------------------- tests
test: setup fmt lint test-native test-wasm test-e2e ## Every test: fmt, clippy, native, WASM in Chromium, Playwright

fmt: ## cargo fmt --check
	cargo fmt --all -- --check

lint: setup-rust ## cargo clippy (native, wasm32 full and lite), warnings are errors
	cargo clippy --all-targets -- -D warnings
	cargo clippy --target $(WASM_TARGET) --lib --tests -- -D warnings
	cargo clippy --target $(WASM_TARGET) --lib --no-default-features -- -D warnings

test-native: ## Native cargo test (fixtures, CLI, doc tests)
	cargo test

# The browser tests use the page's full module's features; the sandbox module's own test
# (tests/web_python.rs: its exports, host functions and hostile programs) runs apart with `python`,
# so that the other test binaries are not rebuilt with the sandbox.
WASM_TEST = CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner WASM_BINDGEN_TEST_TIMEOUT=120 \
  CHROMEDRIVER=$$(command -v chromedriver) cargo test --target $(WASM_TARGET) --no-default-features
test-wasm: setup-rust setup-browser ## wasm-bindgen-test in headless Chromium
	$(WASM_TEST) --tests --features loop-exports -- --nocapture
	$(WASM_TEST) --test web_python --features loop-exports,python -- --nocapture

# Several specs compare the page with the native CLI (tests/e2e/helpers.mjs). They use a dev-profile
# binary (after test-native most of it is built; the rest took 1.5 min in CI against 4 min for an
# LTO release build with the Python sandbox): the same bits as the release binary.
test-e2e: build setup-browser ## Playwright end-to-end tests of the page (Debian's chromium)
	cargo build --bin mlops-loop
	MLOPS_LOOP_CLI=$(TARGET_DIR)/debug/mlops-loop playwright test

screenshots: build setup-browser ## Re-take the README's screenshots into docs/ (test runs keep theirs in test-results/)
	UPDATE_SCREENSHOTS=1 playwright test

# ---------------------------------------------------------------- measurements and data
bench: build setup-browser ## Benchmarks: native (criterion), the fit natively/WASM/sklearn, the page and the learner's sandbox in Chromium
	cargo bench --bench core
	node scripts/bench-fit.mjs
	node scripts/bench-loop.mjs
	node scripts/bench-browser.mjs
	node scripts/bench-python.mjs
	cargo build --release --bin mlops-loop
	node scripts/bench-registry-cli.mjs
	cargo run --release --example bench_python

FUZZ_SECONDS ?= 120
fuzz: ## cargo-fuzz the model loader, registry import and link parameters (FUZZ_SECONDS each; not in CI)
	@command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz
	cd fuzz && for t in model_loader registry_import url_params; do \
	  RUSTC_BOOTSTRAP=1 cargo fuzz run -O $$t -- -max_total_time=$(FUZZ_SECONDS) -rss_limit_mb=2048 || exit 1; done

fixtures: ## Regenerate tests/fixtures from the pinned Python stack (needs Python 3; not run by CI)
	@[ -x .venv/bin/python ] || python3 -m venv .venv
	.venv/bin/pip install -q -r tests/oracle/requirements.txt
	for s in tests/oracle/gen*.py; do echo "== $$s"; .venv/bin/python $$s; done

clean: ## Remove build outputs
	cargo clean
	rm -rf dist $(PKG) test-results
