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
	@echo "make install  install to \$$PREFIX/bin (PREFIX=$(PREFIX))"
	@echo "make bench    benchmark against ss/netstat (BENCH_SCALE=small|medium|large)"
	@echo "make cross    static aarch64 build; make test-cross runs fixture tests under qemu"
	@echo "make fuzz     fuzz every target (FUZZ_SECONDS=60 each, nightly)"

# Install what a fresh machine lacks: the musl target of the installed toolchain.
toolchain:
	@command -v $(CARGO) >/dev/null || { echo "error: cargo not found: install Rust (rustup) first" >&2; exit 1; }
	@if ! rustup target list --installed 2>/dev/null | grep -qx '$(TARGET)'; then \
	  echo "installing Rust target $(TARGET)"; \
	  rustup target add $(TARGET) || { echo "error: could not install the Rust target $(TARGET) (rustup target add $(TARGET) failed)" >&2; exit 1; }; \
	fi

build: toolchain
	$(CARGO) build --locked --release --target $(TARGET)
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
test: lint static-check
	OPENPORTS_BIN=$(CURDIR)/$(BIN) $(CARGO) test --locked
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
