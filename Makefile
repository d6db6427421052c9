# Callboard. `make` lists the targets.
GO ?= go
STATICCHECK_VERSION ?= v0.7.0
BIN ?= bin/callboard
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -X main.version=$(VERSION)

.DEFAULT_GOAL := help

.PHONY: help # list the targets
help:
	@grep -E '^\.PHONY: [a-z-]+ # ' $(MAKEFILE_LIST) | sed -E 's/\.PHONY: ([a-z-]+) # (.*)/  \1\t\2/' | expand -t 18

.PHONY: build # build bin/callboard
build:
	$(GO) build -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/callboard

.PHONY: run # run the portal on SQLite with the demo organisation
run:
	$(GO) run ./cmd/callboard serve --config examples/app-config.yaml

.PHONY: test # run every test (the PostgreSQL suite too when CALLBOARD_TEST_POSTGRES is set)
test:
	$(GO) test ./...

.PHONY: test-postgres # run every test with a throwaway PostgreSQL server
test-postgres:
	scripts/with-postgres.sh $(GO) test ./...

.PHONY: bench # generate a synthetic organisation, ingest it and measure (N=10000 by default)
bench:
	$(GO) run ./cmd/callboard-bench -n $${N:-10000}

.PHONY: fuzz # run each fuzzer for a short while
fuzz:
	@for pkg in $$($(GO) list ./...); do \
	  for f in $$($(GO) test -list 'Fuzz.*' $$pkg 2>/dev/null | grep '^Fuzz'); do \
	    $(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime 10s $$pkg || exit 1; \
	  done; \
	done

.PHONY: lint # gofmt, go vet and staticcheck
lint:
	@out=$$(gofmt -l $$(git ls-files '*.go' | grep -v /testdata/)); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	@command -v staticcheck >/dev/null 2>&1 || GOFLAGS= $(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)
	staticcheck ./...

.PHONY: ci # what CI runs: lint, then every test with PostgreSQL
ci: lint
	scripts/with-postgres.sh $(GO) test -count=1 ./...
