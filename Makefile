# Shortcuts for the project's scripts; each script installs what it needs.
.PHONY: demo test bench ci install release docs

demo:     ## build, start zenlayer-sim, apply the quickstart, show what happened
	bash scripts/demo.sh

test:     ## the whole test suite
	bash scripts/test.sh

bench:    ## the benchmark; writes BENCHMARKS.md
	bash scripts/bench.sh

ci:       ## what CI runs
	bash .ci/run
