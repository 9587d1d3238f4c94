# Cross builds for devices: static musl binaries linked with rust-lld (it ships
# with every rustup toolchain, so no cross gcc or sysroot is needed: the musl
# targets' rust-std brings its own crt objects and libc.a).
#
#   make cross                  static aarch64 binary (always), plus every
#                               target in CROSS_TARGETS, e.g.
#                               CROSS_TARGETS="i686-unknown-linux-musl powerpc64-unknown-linux-musl"
#   make cross-TRIPLE           one target, e.g. make cross-i686-unknown-linux-musl
#   make test-cross             fixture-tree integration tests against the aarch64
#                               binary under qemu-aarch64-static (installs Debian's
#                               qemu-user-static when missing); run by `make test`
#
# Tried on stable 1.95 from this project's machines: aarch64, i686 and
# powerpc64 (-musl) build and are static; armv7/arm/armv5te/i586/riscv64gc/
# loongarch64/powerpc64le -musl have rust-std upstream but the mirror here has
# none (rustup target add: HTTP 404); mips/mipsel -musl are tier 3 (no rust-std
# at all). Numbers: docs/size.md (the README's Size section).

CROSS_TARGET := aarch64-unknown-linux-musl
CROSS_TARGETS ?=
CROSS_BIN := target/$(CROSS_TARGET)/release/openports
CROSS_RUNNER ?= qemu-aarch64-static
# Integration test files (tests/NAME.rs) that only use --proc-root fixture
# trees, so they mean something under emulation; missing ones are skipped.
CROSS_TESTS ?= fixtures check
# Passed to the test binaries (after --). tests/check.rs mixes in live tests
# (named live_*): they read this machine's /proc and race with other tests,
# which emulation (~10x slower) makes likelier, so they are left out.
CROSS_TEST_ARGS ?= --skip live_

.PHONY: cross test-cross cross-runner

cross: cross-$(CROSS_TARGET) $(addprefix cross-,$(filter-out $(CROSS_TARGET),$(CROSS_TARGETS)))

# One target: install its rust-std if missing, build with rust-lld, then check
# that the result is a static ELF for the right machine.
# +crt-static: most musl targets default to it, powerpc64-musl does not;
# link-self-contained=yes: use the crt objects and libc.a from rust-std, not
# a (missing) cross toolchain's.
cross-%:
	@set -e; t='$*'; \
	case "$$t" in *-linux-musl*) ;; *) echo "error: cross-$$t: only *-linux-musl* targets are supported (static builds)" >&2; exit 1;; esac; \
	command -v rustup >/dev/null 2>&1 || { echo "error: rustup not found: it is needed to install the Rust target $$t" >&2; exit 1; }; \
	if ! rustup target list --installed 2>/dev/null | grep -qx "$$t"; then \
	  echo "installing Rust target $$t"; \
	  rustup target add "$$t" || { echo "error: could not install the Rust target $$t (rustup target add $$t failed: no prebuilt standard library for it on this toolchain, or it cannot be downloaded)" >&2; exit 1; }; \
	fi; \
	T=$$(printf '%s' "$$t" | tr 'a-z.-' 'A-Z__'); \
	echo "$(CARGO) build --locked --release --target $$t  (linker rust-lld)"; \
	env "CARGO_TARGET_$${T}_LINKER=rust-lld" \
	    "CARGO_TARGET_$${T}_RUSTFLAGS=-C target-feature=+crt-static -C link-self-contained=yes" \
	    $(CARGO) build --locked --release --target "$$t"; \
	bin="target/$$t/release/openports"; \
	case "$$t" in \
	  aarch64-*) want='AArch64';; \
	  i586-*|i686-*) want='Intel 80386';; \
	  x86_64-*) want='Advanced Micro Devices X86-64';; \
	  arm*|thumb*) want='ARM';; \
	  riscv*) want='RISC-V';; \
	  powerpc64*) want='PowerPC64';; \
	  powerpc-*) want='PowerPC';; \
	  mips*) want='MIPS';; \
	  loongarch*) want='LoongArch';; \
	  s390x-*) want='IBM S/390';; \
	  *) want='';; \
	esac; \
	machine=$$(readelf -h "$$bin" | sed -n 's/^ *Machine: *//p'); \
	case "$$machine" in "$$want"*) ;; *) echo "error: $$bin is for '$$machine', expected '$$want'" >&2; exit 1;; esac; \
	if readelf -lW "$$bin" | grep -q 'program interpreter'; then echo "error: $$bin has a program interpreter (dynamically linked)" >&2; readelf -lW "$$bin" | grep interpreter >&2; exit 1; fi; \
	if readelf -dW "$$bin" 2>/dev/null | grep -q NEEDED; then echo "error: $$bin needs shared libraries" >&2; readelf -dW "$$bin" | grep NEEDED >&2; exit 1; fi; \
	echo "built $$bin: $$(stat -c %s "$$bin") bytes, static, $$machine"

# qemu user-mode emulation for the aarch64 binary: Debian's qemu-user-static.
cross-runner:
	@command -v $(CROSS_RUNNER) >/dev/null 2>&1 && exit 0; \
	echo "$(CROSS_RUNNER) not found: installing Debian's qemu-user-static"; \
	command -v apt-get >/dev/null 2>&1 || { echo "error: $(CROSS_RUNNER) not found and there is no apt-get to install qemu-user-static: install QEMU user-mode emulation, or set CROSS_RUNNER" >&2; exit 1; }; \
	sudo=; [ "$$(id -u)" = 0 ] || sudo=sudo; \
	$$sudo apt-get update -q || { echo "error: apt-get update failed, cannot install qemu-user-static for test-cross" >&2; exit 1; }; \
	DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -q --no-install-recommends qemu-user-static \
	  || { echo "error: apt-get install qemu-user-static failed: test-cross needs $(CROSS_RUNNER)" >&2; exit 1; }; \
	command -v $(CROSS_RUNNER) >/dev/null 2>&1 || { echo "error: qemu-user-static is installed but $(CROSS_RUNNER) is not on PATH (set CROSS_RUNNER)" >&2; exit 1; }

# The aarch64 binary through the integration tests that read fixture trees
# (tests/common runs it through OPENPORTS_RUNNER). A smoke run first, so a
# binary that cannot start at all fails with its own message.
test-cross: cross-$(CROSS_TARGET) cross-runner
	@set -e; \
	tests=; for n in $(CROSS_TESTS); do if [ -f "tests/$$n.rs" ]; then tests="$$tests --test $$n"; fi; done; \
	[ -n "$$tests" ] || { echo "error: test-cross: none of the fixture test files exist (tests/{$(subst $() ,$(comma),$(CROSS_TESTS))}.rs)" >&2; exit 1; }; \
	echo "$(CROSS_RUNNER) $(CROSS_BIN) --version"; \
	$(CROSS_RUNNER) $(CROSS_BIN) --version; \
	echo "OPENPORTS_BIN=$(CROSS_BIN) OPENPORTS_RUNNER=$(CROSS_RUNNER) $(CARGO) test --locked --no-fail-fast$$tests $(if $(CROSS_TEST_ARGS),-- $(CROSS_TEST_ARGS))"; \
	OPENPORTS_BIN=$(CURDIR)/$(CROSS_BIN) OPENPORTS_RUNNER=$(CROSS_RUNNER) $(CARGO) test --locked --no-fail-fast $$tests $(if $(CROSS_TEST_ARGS),-- $(CROSS_TEST_ARGS))

comma := ,

test-extra:: test-cross
