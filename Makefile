# The two commands a new user needs: `make run` and `make test`.
SWIFT ?= swift
RELEASE_BIN = .build/release/backdrop

.PHONY: run test build deps test-deps bench clean

## Install what is missing, build in release mode, set up the demo once, and run the daemon here.
run: deps build
	@if [ ! -f var/backdrop.db ]; then $(RELEASE_BIN) demo; fi
	$(RELEASE_BIN) serve

## Install what the tests need and run every test (unit and end-to-end).
test: test-deps
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build

build:
	$(SWIFT) build -c release --product backdrop

deps:
	scripts/install-deps.sh

test-deps:
	scripts/install-deps.sh --tests

## The create-training-records benchmark against the Python peer (see README, Performance).
bench: build
	scripts/install-deps.sh --bench
	scripts/bench.sh

clean:
	rm -rf .build
