# Portico. `make run` starts the demo; `make test` runs every test.
GO ?= go
BIN := bin/portico
STATICCHECK := honnef.co/go/tools/cmd/staticcheck@v0.8.2

.PHONY: run build test test-short lint fmt clean

run: build
	./$(BIN) serve --demo

build:
	$(GO) build -o $(BIN) ./cmd/portico

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
