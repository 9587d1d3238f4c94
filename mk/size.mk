# Binary size budget (issue 7): the stripped static x86_64 musl binary.
#
#   make size         print the stripped size of $(BIN); fail over SIZE_LIMIT
#   make size-bloat   what each crate costs (cargo bloat --crates; installs
#                     cargo-bloat from crates.io when missing; builds in
#                     target/bloat so the release binary is left alone)
#
# The numbers and what they mean are in the README's "Size" section.

# The budget is 400 KiB (SIZE_BUDGET), and `make size` fails above it
# (SIZE_LIMIT). It was met again on 2 December 2026 (issue 15): 399,960 bytes
# after packing the help texts, wording the command-line errors without
# core's Debug formatting, and panics as trap instructions
# (-Cpanic=immediate-abort); README, "Size", says what each change saved and
# what was tried before. Issue 15's third session took it to 380,112 bytes
# (threads, stdio and file opens without std's machinery for them) and every
# cross target under the budget too (mk/cross.mk). SIZE_LIMIT can be raised for an experiment; every run
# says how far from the budget the binary is.
SIZE_BUDGET := 409600
SIZE_LIMIT ?= $(SIZE_BUDGET)
SIZE_BLOAT_ARGS ?= --crates -n 20

.PHONY: size size-bloat

# The profile already strips; strip a copy anyway so the check measures the
# stripped size whatever the profile says (a foreign-arch binary that the host
# strip cannot read is measured as it is).
size: build
	@set -e; bin='$(BIN)'; tmp=$$(mktemp); \
	strip -o "$$tmp" "$$bin" 2>/dev/null || cp "$$bin" "$$tmp"; \
	n=$$(stat -c %s "$$tmp"); rm -f "$$tmp"; \
	kib() { awk -v b="$$1" 'BEGIN { printf "%.1f KiB", b / 1024 }'; }; \
	if [ "$$n" -gt $(SIZE_LIMIT) ]; then \
	  echo "error: size: $$bin is $$n bytes stripped ($$(kib $$n)), over the limit of $(SIZE_LIMIT) bytes ($$(kib $(SIZE_LIMIT))) by $$((n - $(SIZE_LIMIT))) bytes; see the README's Size section" >&2; \
	  exit 1; \
	fi; \
	echo "size: $$bin is $$n bytes stripped ($$(kib $$n)), limit $(SIZE_LIMIT) ($$(kib $(SIZE_LIMIT))), $$(( $(SIZE_LIMIT) - n )) bytes to spare"; \
	if [ "$$n" -gt $(SIZE_BUDGET) ]; then echo "size: over the 400 KiB budget ($(SIZE_BUDGET) bytes) by $$((n - $(SIZE_BUDGET))) bytes: not met (README, \"Size\")"; fi

size-bloat: toolchain
	@command -v cargo-bloat >/dev/null 2>&1 || $(CARGO) install cargo-bloat --locked \
	  || { echo "error: could not install cargo-bloat (cargo install cargo-bloat --locked)" >&2; exit 1; }
	$(CARGO) bloat --release --target $(TARGET) --target-dir target/bloat $(SIZE_BLOAT_ARGS)

test-extra:: size
