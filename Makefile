# Shortcuts for the project's scripts; each script installs what it needs.
.PHONY: setup demo test bench ci install release mirror docs

setup:    ## prepare plain cargo commands: protoc and the patched tf-provider
	bash scripts/setup.sh

demo:     ## build, start zenlayer-sim, apply the quickstart, show what happened
	bash scripts/demo.sh

test:     ## the whole test suite
	bash scripts/test.sh

bench:    ## the benchmark; writes BENCHMARKS.md
	bash scripts/bench.sh

ci:       ## what CI runs
	bash .ci/run

install:  ## put the release binary into ~/.terraform.d/plugins (a filesystem mirror)
	bash scripts/install.sh

release:  ## release zip, SHA256SUMS and manifest in dist/ (GPG_FINGERPRINT=... to sign)
	bash scripts/release.sh

mirror:   ## a provider network mirror (static files for an HTTPS host) in dist/mirror
	bash scripts/mirror.sh

docs:     ## regenerate docs/ from templates/ and the provider's schema
	UPDATE_DOCS=1 cargo test --test e2e docs
