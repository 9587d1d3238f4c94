# Fuzzing (fuzz/, a cargo-fuzz crate with its own workspace; see fuzz/README.md).
#
#   make fuzz         run every target for FUZZ_SECONDS (default 60) on the nightly
#                     toolchain, installing it and cargo-fuzz when missing; new
#                     crashes are copied to fuzz/regressions/<target>/ and fail the run
#   make fuzz-seed    copy seeds from testdata/ into fuzz/corpus/<target>/
#   make fuzz-check   (part of make test) cargo check of the fuzz crate, then a
#                     replay of every seed, corpus file and saved crash on stable
#
# FUZZ_TARGETS=… picks targets; FUZZ_MAX_LEN caps input size (each target also
# caps its own); FUZZ_TOOLCHAIN=nightly.
FUZZ_SECONDS ?= 60
FUZZ_MAX_LEN ?= 65536
FUZZ_TOOLCHAIN ?= nightly
FUZZ_TARGETS ?= $(sort $(basename $(notdir $(wildcard fuzz/fuzz_targets/*.rs))))
FUZZ_LOGS := fuzz/artifacts/logs
# `cargo fuzz build` takes one target or all.
FUZZ_TARGETS_BUILD = $(if $(filter 1,$(words $(FUZZ_TARGETS))),$(FUZZ_TARGETS))

.PHONY: fuzz fuzz-seed fuzz-check fuzz-tools

test-extra:: fuzz-check

fuzz-check:
	cd fuzz && $(CARGO) check --locked --bins --quiet
	$(CARGO) test --locked --quiet --test fuzz_replay

fuzz-seed:
	$(CARGO) test --locked --quiet --test fuzz_replay -- --ignored --exact write_seed_corpus

fuzz-tools:
	@command -v rustup >/dev/null || { echo "error: make fuzz needs rustup (for the $(FUZZ_TOOLCHAIN) toolchain)" >&2; exit 1; }
	@if ! rustup run $(FUZZ_TOOLCHAIN) rustc --version >/dev/null 2>&1; then \
	  echo "installing the $(FUZZ_TOOLCHAIN) toolchain"; \
	  rustup toolchain install $(FUZZ_TOOLCHAIN) --profile minimal || { echo "error: rustup toolchain install $(FUZZ_TOOLCHAIN) failed" >&2; exit 1; }; \
	fi
	@if ! $(CARGO) fuzz --version >/dev/null 2>&1; then \
	  echo "installing cargo-fuzz"; \
	  $(CARGO) install cargo-fuzz --locked || { echo "error: cargo install cargo-fuzz failed" >&2; exit 1; }; \
	fi

# Each target runs for FUZZ_SECONDS with a 10 s per-input timeout (a hang is a
# failure) and a 1 GiB memory limit. All targets run even when one crashes;
# the summary lists executions and time per target from libFuzzer's own stats.
fuzz: fuzz-tools fuzz-seed
	@mkdir -p $(FUZZ_LOGS)
	$(CARGO) +$(FUZZ_TOOLCHAIN) fuzz build --fuzz-dir fuzz $(FUZZ_TARGETS_BUILD)
	@failed=""; summary=""; \
	for t in $(FUZZ_TARGETS); do \
	  echo "== fuzz $$t for $(FUZZ_SECONDS) s"; \
	  mkdir -p fuzz/artifacts/$$t fuzz/corpus/$$t; \
	  ls fuzz/artifacts/$$t > $(FUZZ_LOGS)/$$t.before; \
	  start=$$(date +%s); \
	  $(CARGO) +$(FUZZ_TOOLCHAIN) fuzz run --fuzz-dir fuzz $$t fuzz/corpus/$$t -- \
	    -max_total_time=$(FUZZ_SECONDS) -max_len=$(FUZZ_MAX_LEN) -timeout=10 \
	    -rss_limit_mb=1024 -print_final_stats=1 > $(FUZZ_LOGS)/$$t.log 2>&1; \
	  rc=$$?; secs=$$(( $$(date +%s) - start )); \
	  runs=$$(sed -n 's/^stat::number_of_executed_units: *//p' $(FUZZ_LOGS)/$$t.log | tail -1); \
	  new=$$(ls fuzz/artifacts/$$t | grep -vxF -f $(FUZZ_LOGS)/$$t.before); \
	  status=ok; \
	  if [ $$rc -ne 0 ] || [ -n "$$new" ]; then \
	    status=FAILED; failed="$$failed $$t"; \
	    grep -v -e '^ *[0-9]*: ' -e '^ *at ' $(FUZZ_LOGS)/$$t.log | tail -25; \
	    mkdir -p fuzz/regressions/$$t; \
	    for f in $$new; do cp fuzz/artifacts/$$t/$$f fuzz/regressions/$$t/; \
	      echo "saved fuzz/regressions/$$t/$$f: fix the cause and add a regression test naming it"; done; \
	  fi; \
	  summary="$$summary$$(printf '%-10s %12s runs in %5s s  %s' $$t "$${runs:-?}" $$secs $$status)\n"; \
	done; \
	echo "== fuzz summary (logs in $(FUZZ_LOGS)/)"; printf "$$summary"; \
	if [ -n "$$failed" ]; then echo "error: fuzzing found failures in:$$failed" >&2; exit 1; fi
