# make bench: time openports against ss, netstat, lsof and cat on a socket
# population that bench/run.sh builds itself (BENCH_SCALE=small|medium|large,
# BENCH_NETNS=K extra namespaces, BENCH_RUNS=N). See bench/README.md.
.PHONY: bench
bench: build
	BIN=$(BIN) bench/run.sh
