# Stress check of the test suite itself (issue 10).
#
#   make test-stress   the live, netns, hostile and check test binaries STRESS_RUNS
#                      times (default 5), each with the default test thread
#                      count, while mk/stress-load.sh runs a background load
#                      (forking processes, loopback socket churn, a raw socket,
#                      a thread with its own fd table, leftover and vanishing
#                      `ip netns` namespaces). Every run must pass.
#
# The load stops when the runs end, pass or fail (and by itself after
# STRESS_LOAD_SECONDS, or if this recipe's shell is gone), removing what it made.
# .ci/run calls this after `make test`.
STRESS_RUNS ?= 5
STRESS_LOAD_SECONDS ?= 900
STRESS_TESTS := --test live --test netns --test hostile --test check
# Tests over generated input only (no live state): once in `make test` is enough.
# The hostile churn tests' own run count (50 in `make test`).
STRESS_CHURN_RUNS ?= 10
STRESS_SKIP ?= --skip property:: --skip million_row --skip one_mib_line

.PHONY: test-stress

test-stress: build
	@set -e; \
	$(CARGO) test --locked --no-run $(STRESS_TESTS); \
	ready=$$(mktemp -u "$${TMPDIR:-/tmp}/openports-stress-ready.XXXXXX"); \
	bash mk/stress-load.sh $$$$ $(STRESS_LOAD_SECONDS) "$$ready" & load=$$!; \
	trap 'kill $$load 2>/dev/null; wait $$load 2>/dev/null; rm -f "$$ready"' EXIT; \
	for _ in $$(seq 600); do [ -e "$$ready" ] && break; kill -0 $$load 2>/dev/null || break; sleep 0.1; done; \
	[ -e "$$ready" ] || { echo "error: test-stress: the background load did not start" >&2; exit 1; }; \
	start=$$(date +%s); \
	for i in $$(seq $(STRESS_RUNS)); do \
	  echo "test-stress: run $$i of $(STRESS_RUNS) under load"; \
	  OPENPORTS_BIN=$(CURDIR)/$(BIN) OPENPORTS_CHURN_RUNS=$(STRESS_CHURN_RUNS) $(CARGO) test --locked $(STRESS_TESTS) -- $(STRESS_SKIP) \
	    || { echo "error: test-stress: run $$i of $(STRESS_RUNS) failed under load" >&2; exit 1; }; \
	done; \
	echo "test-stress: $(STRESS_RUNS) runs passed under load in $$(( $$(date +%s) - start )) s"
