# openports — build, run, test. `make help` lists the targets.
SHELL := /bin/bash
TARGET ?= x86_64-unknown-linux-musl
BIN := target/$(TARGET)/release/openports
PREFIX ?= /usr/local
CARGO ?= cargo

.PHONY: help build run test unit integration lint static-check install clean toolchain

help:
	@echo "make build    static musl release binary at $(BIN)"
	@echo "make run      build, then list this machine's open ports (ARGS='-a' to pass flags)"
	@echo "make test     lint, unit and integration tests, static-link check"
	@echo "make install  install to \$$PREFIX/bin, the man page and completions under \$$PREFIX/share (PREFIX=$(PREFIX))"
	@echo "make bench    benchmark against ss/netstat (BENCH_SCALE=small|medium|large)"
	@echo "make cross    static x86_64, aarch64, armv7, mipsel, s390x builds; make test-cross runs fixture tests under qemu-user"
	@echo "make test-vm  every binary inside a real Debian kernel under qemu-system (VM_SUITES=bookworm)"
	@echo "make dist     dist/openports-VERSION-ARCH for every target, with SHA256SUMS"
	@echo "make fuzz     fuzz every target (FUZZ_SECONDS=60 each, nightly)"
	@echo "make test-stress  the live tests (live, netns, hostile, check) 5 times under background load (in .ci/run)"
	@echo "make size     stripped size of every binary vs the 400 KiB budget (size-bloat: per crate)"

# Install what a fresh machine lacks: the musl target of the installed toolchain.
toolchain:
	@command -v $(CARGO) >/dev/null || { echo "error: cargo not found: install Rust (rustup) first" >&2; exit 1; }
	@if ! rustup target list --installed 2>/dev/null | grep -qx '$(TARGET)'; then \
	  echo "installing Rust target $(TARGET)"; \
	  rustup target add $(TARGET) || { echo "error: could not install the Rust target $(TARGET) (rustup target add $(TARGET) failed)" >&2; exit 1; }; \
	fi

# The release binary is built with std recompiled for size (nightly
# -Zbuild-std, std without its backtrace printer and panic messages: about
# 400 KiB instead of 630 KiB). The nightly toolchain comes with this
# kind of machine; rust-src and the musl target are installed when missing.
# Without nightly (or with SMALL=0) the stable build is used and `make size`
# says it is over budget. See the README, "Size".
SMALL ?= 1
NIGHTLY ?= nightly
# optimize_for_size: std's size-optimised code paths (smaller sort and
# formatting code; same results). -Cpanic=immediate-abort: a failed check
# (a panic) runs a trap instruction instead of formatting a message, which
# removes every panic message and the formatting behind them (26 KiB);
# src/proc/sys.rs's trap handler says on stderr that openports failed, and
# the signal then ends it as before. -Zlocation-detail=none: no source paths
# are stored. Appended to .cargo/config.toml's rustflags (--config arrays are
# merged), nightly only. README, "Size".
BUILD_STD := -Zbuild-std=std,panic_abort -Zbuild-std-features=optimize_for_size \
  --config 'target.$(TARGET).rustflags=["-Zlocation-detail=none","-Zunstable-options","-Cpanic=immediate-abort"]'

build: toolchain
	@set -e; \
	if [ "$(SMALL)" = 1 ] && rustup run $(NIGHTLY) rustc --version >/dev/null 2>&1; then \
	  rustup component list --toolchain $(NIGHTLY) --installed 2>/dev/null | grep -q '^rust-src' \
	    || rustup component add rust-src --toolchain $(NIGHTLY) \
	    || { echo "error: could not install rust-src for $(NIGHTLY) (needed to rebuild std for size); build with SMALL=0 for the stable build" >&2; exit 1; }; \
	  rustup target list --toolchain $(NIGHTLY) --installed 2>/dev/null | grep -qx '$(TARGET)' \
	    || rustup target add $(TARGET) --toolchain $(NIGHTLY) \
	    || { echo "error: could not install $(TARGET) for $(NIGHTLY); build with SMALL=0 for the stable build" >&2; exit 1; }; \
	  echo "$(CARGO) +$(NIGHTLY) build --locked --release --target $(TARGET) $(BUILD_STD)"; \
	  $(CARGO) +$(NIGHTLY) build --locked --release --target $(TARGET) $(BUILD_STD); \
	else \
	  [ "$(SMALL)" = 1 ] && echo "notice: no $(NIGHTLY) toolchain: building with the precompiled stable std (about 630 KiB instead of 400 KiB)" >&2; \
	  echo "$(CARGO) build --locked --release --target $(TARGET)"; \
	  $(CARGO) build --locked --release --target $(TARGET); \
	fi
	@ls -l $(BIN) | awk '{print "built $(BIN): " $$5 " bytes"}'

run: build
	$(BIN) $(ARGS)

static-check: build
	@if file $(BIN) | grep -q 'dynamically linked'; then echo "error: $(BIN) is dynamically linked" >&2; file $(BIN); exit 1; fi
	@if readelf -d $(BIN) 2>/dev/null | grep -q NEEDED; then echo "error: $(BIN) needs shared libraries" >&2; readelf -d $(BIN) | grep NEEDED; exit 1; fi
	@echo "static-check: $(BIN) is statically linked"

lint: toolchain
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --locked --all-targets -- -D warnings

# Unit and integration tests run against the static release binary
# (OPENPORTS_BIN), the artefact users get.
# OPENPORTS_JSON_LOG: the tests record the JSON they get (mk/eco.mk, test-schema).
test: lint static-check
	@mkdir -p target/eco && : > target/eco/test-json.ndjson
	OPENPORTS_BIN=$(CURDIR)/$(BIN) OPENPORTS_JSON_LOG=$(CURDIR)/target/eco/test-json.ndjson $(CARGO) test --locked
	$(MAKE) --no-print-directory test-extra

install: build
	install -d $(DESTDIR)$(PREFIX)/bin
	install -m 0755 $(BIN) $(DESTDIR)$(PREFIX)/bin/openports

clean:
	$(CARGO) clean

# Further targets (bench, cross, fuzz) live in mk/*.mk; each adds itself to
# test-extra when it has something `make test` must run.
.PHONY: test-extra
test-extra::
	@true
-include mk/*.mk
