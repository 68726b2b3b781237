# Shortcuts for the project's automation (the xtask crate); each command installs what it needs.
XTASK = cargo run --quiet --package xtask --
.PHONY: setup demo test bench ci install release mirror docs

setup:    ## prepare plain cargo commands: protoc, the patched tf-provider, `cargo xtask`
	$(XTASK) setup

demo:     ## build, start zenlayer-sim, apply the quickstart, show what happened
	$(XTASK) demo

test:     ## the whole test suite
	$(XTASK) test

bench:    ## the benchmark; writes BENCHMARKS.md
	$(XTASK) bench

ci:       ## what CI runs
	$(XTASK) ci

install:  ## put the release binary into ~/.terraform.d/plugins (a filesystem mirror)
	$(XTASK) install

release:  ## release zip, SHA256SUMS and manifest in dist/ (GPG_FINGERPRINT=... to sign)
	$(XTASK) dist

mirror:   ## a provider network mirror (static files for an HTTPS host) in dist/mirror
	$(XTASK) mirror

docs:     ## regenerate docs/ from templates/ and the provider's schema
	$(XTASK) docs
