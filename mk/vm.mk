# Real kernels: every architecture's binary inside Debian's own kernel for it,
# booted under qemu-system (TCG) from an initramfs of busybox-static,
# openports and vm/helper (ophelper) with vm/init.sh as /init.
#
#   make test-vm       VM_SUITES x VM_ARCHES (default: bookworm, all five);
#                      e.g. make test-vm VM_SUITES="bullseye bookworm trixie"
#   make vm-capture    the same, and the kernels' tables become fixture trees
#                      testdata/linux-X.Y-MACHINE (review, then commit)
#
# First run: installs qemu-system-{x86,arm,mips,misc} with apt-get when
# missing, downloads kernel images and busybox-static (vm/apt-fetch.sh: a
# private apt state, the system's untouched) into target/vm; later runs reuse
# them. Per VM: console log, every openports output and the captured tree
# under target/vm-results/SUITE-ARCH/. vm/vm.py says what is checked.

VM_SUITES ?= bookworm
VM_ARCHES ?= amd64 arm64 armhf s390x mipsel
# Suites the mirror does not carry for an architecture are skipped with a
# SKIPPED line (vm/apt-fetch.sh reads the suite's Architectures); VM_SKIP
# skips more by hand, e.g. VM_SKIP=trixie-s390x.
VM_SKIP ?=
VM_TIMEOUT ?= 600
VM_CAPTURE ?=

vm_triple = $(patsubst amd64,x86_64-unknown-linux-musl,$(patsubst arm64,aarch64-unknown-linux-musl,$(patsubst armhf,armv7-unknown-linux-musleabihf,$(patsubst s390x,s390x-unknown-linux-musl,$(patsubst mipsel,mipsel-unknown-linux-musl,$(1))))))
VM_TRIPLES := $(foreach a,$(VM_ARCHES),$(call vm_triple,$(a)))
VM_QEMU_PKGS := qemu-system-x86 qemu-system-arm qemu-system-mips qemu-system-misc

.PHONY: test-vm vm-capture vm-deps vm-helpers

vm-deps:
	@command -v python3 >/dev/null 2>&1 || { echo "error: test-vm: python3 is needed for vm/vm.py (apt-get install python3)" >&2; exit 1; }
	@missing=; for q in qemu-system-x86_64 qemu-system-aarch64 qemu-system-arm qemu-system-mipsel qemu-system-s390x; do \
	  command -v $$q >/dev/null 2>&1 || missing="$$missing $$q"; done; \
	[ -z "$$missing" ] && exit 0; \
	echo "test-vm:$$missing not found: installing $(VM_QEMU_PKGS)"; \
	command -v apt-get >/dev/null 2>&1 || { echo "error: test-vm:$$missing not found and there is no apt-get: install QEMU system emulation for x86_64, aarch64, arm, mipsel and s390x" >&2; exit 1; }; \
	sudo=; [ "$$(id -u)" = 0 ] || sudo=sudo; \
	$$sudo apt-get update -q || { echo "error: test-vm: apt-get update failed, cannot install $(VM_QEMU_PKGS)" >&2; exit 1; }; \
	DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -q --no-install-recommends -o DPkg::Lock::Timeout=300 $(VM_QEMU_PKGS) \
	  || { echo "error: test-vm: apt-get install $(VM_QEMU_PKGS) failed" >&2; exit 1; }

# ophelper for every architecture, with the same recipe as openports.
vm-helpers:
	@set -e; $(foreach t,$(VM_TRIPLES),NIGHTLY='$(NIGHTLY)' CARGO='$(CARGO)' mk/cross-build.sh $(t) vm/helper/Cargo.toml target/helper;)

test-vm: vm-deps vm-helpers $(addprefix cross-,$(VM_TRIPLES))
	@set -u; fail=; t0=$$(date +%s); mkdir -p target/vm-results; : > target/vm-results/summary; \
	for s in $(VM_SUITES); do for a in $(VM_ARCHES); do \
	  case " $(VM_SKIP) " in *" $$s-$$a "*) echo "SKIPPED: $$s/$$a (VM_SKIP)" | tee -a target/vm-results/summary; continue;; esac; \
	  case $$a in amd64) t=x86_64-unknown-linux-musl;; arm64) t=aarch64-unknown-linux-musl;; armhf) t=armv7-unknown-linux-musleabihf;; \
	    s390x) t=s390x-unknown-linux-musl;; mipsel) t=mipsel-unknown-linux-musl;; *) echo "error: test-vm: unknown architecture $$a" >&2; exit 1;; esac; \
	  echo "== test-vm $$s/$$a"; \
	  python3 vm/vm.py --suite $$s --arch $$a --bin target/$$t/release/openports --helper target/helper/$$t/release/ophelper \
	    --cache target/vm --out target/vm-results --timeout $(VM_TIMEOUT) $(if $(VM_CAPTURE),--capture testdata) \
	    | tee -a target/vm-results/summary; \
	  rc=$${PIPESTATUS[0]}; [ $$rc = 0 ] || [ $$rc = 3 ] || fail="$$fail $$s/$$a"; \
	done; done; \
	echo "test-vm: $$(( $$(date +%s) - t0 )) s for $(VM_SUITES) x $(VM_ARCHES) (summary: target/vm-results/summary)"; \
	if [ -n "$$fail" ]; then echo "error: test-vm failed for:$$fail (details: target/vm-results/SUITE-ARCH/)" >&2; exit 1; fi

vm-capture:
	@$(MAKE) --no-print-directory test-vm VM_CAPTURE=1
