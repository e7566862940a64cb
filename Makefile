# Portico. `make run` starts the demo; `make test` runs every test.
GO ?= go
BIN := bin/portico
STATICCHECK := honnef.co/go/tools/cmd/staticcheck@v0.8.2

.PHONY: run build test test-short lint fmt clean bench bench-go screenshots

run: build
	./$(BIN) serve --demo

build:
	$(GO) build -o $(BIN) ./cmd/portico

# The load benchmark (docs/performance.md): builds portico and portico-load,
# imports synthetic patients, serves the demo on a loopback port and runs
# the standard set against it and its same-run echo baselines, about five
# minutes a run: on SQLite, on PostgreSQL, and on two PostgreSQL nodes with
# the load spread over both. Reports go to .cache/bench/<timestamp>*.md
# (.json, .svg).
bench: build
	$(GO) build -o bin/portico-load ./cmd/portico-load
	./cmd/portico-load/bench/run.sh
	BENCH_DRIVER=postgres ./cmd/portico-load/bench/run.sh
	BENCH_DRIVER=postgres BENCH_NODES=2 ./cmd/portico-load/bench/run.sh

# The Go benchmarks of the hot paths, benchstat-friendly (-count 6).
bench-go:
	$(GO) test -run '^$$' -bench . -count 6 ./bot ./bot/password ./storage/sqlite ./connectors/web ./flows

# Every test, including the flows' transcript tests, the end-to-end tests
# over real sockets and SMTP, the crash test and the fuzz seeds.
test:
	$(GO) vet ./...
	$(GO) test -count=1 -timeout 20m ./...

test-short:
	$(GO) test -short ./...

lint:
	@out=$$(gofmt -l .); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(GO) run $(STATICCHECK) ./...

fmt:
	gofmt -w .

clean:
	rm -rf bin data

# Screenshots of the widget (desktop and phone, English and Spanish) into
# .cache/screenshots; copy the best into docs/images by hand.
screenshots:
	$(GO) test -count=1 -run TestWidgetAccessibility ./cmd/portico
	@ls .cache/screenshots
