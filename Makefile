# luasync build, test and benchmark entry points. CI runs `bash .ci/run`,
# which installs the tools the tests need and then runs `make test`.

GO        ?= go
PKGS      := ./...
BENCHTIME ?= 1x
VERSION   ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)

.PHONY: all build test test-short bench lint fmt clean

all: lint test build

build:
	$(GO) build -ldflags "-X main.version=$(VERSION)" -o bin/luasync ./cmd/luasync

# The whole suite, with the race detector, against real inotify, real files
# and the real luasync binary.
test:
	$(GO) test -race -count=1 -timeout 12m $(PKGS)

# The randomized torture test (issue 8) for as long as you like: SEEDS
# random seeds per sink and file system, each writing for DURATION, against
# a plain build of the binary (faster than the race build make test uses;
# TORTURE_BIN= runs the race build). More flags through TORTURE_FLAGS, e.g.
# TORTURE_FLAGS='-torture.sinks=daemon -torture.fs=tmpfs -torture.writers=4'.
SEEDS         ?= 10
DURATION      ?= 20s
TORTURE_BIN   ?= $(CURDIR)/bin/luasync
TORTURE_FLAGS ?=
.PHONY: torture
torture: build
	$(GO) test -count=1 -timeout 0 -v -run '^TestTorture$$' ./cmd/luasync \
		-torture.bin='$(TORTURE_BIN)' -torture.seeds=$(SEEDS) -torture.duration=$(DURATION) $(TORTURE_FLAGS)

# Benchmarks: queue merge cost, watching 100k directories, direct-sink
# latency. BENCHTIME=5x (or 2s) for steadier figures.
bench:
	$(GO) test -run '^$$' -bench . -benchmem -benchtime $(BENCHTIME) -timeout 30m $(PKGS)

# Side-by-side sync benchmark (issues 3 and 8): luasync, lsyncd (default and
# tuned) and the inotifywait | rsync loop against a local rsync daemon, each
# scenario 3 times, 15-20 min per pass. BENCHSYNC_FLAGS=-quick for a smoke
# run, "-workdir /dev/shm/luasync-bench" for tmpfs; see bench/README.md.
.PHONY: bench-sync
bench-sync:
	$(GO) run ./bench/cmd/benchsync $(BENCHSYNC_FLAGS)

# Regenerate the plugin protocol's Go code (plugins/sdk/pluginv1) and the
# Python example's. Needs Debian's protobuf-compiler (protoc) and
# python3-grpc-tools (its bundled protoc is too old for the messages, so
# Debian's protoc writes them and grpc_tools only the service stubs); the
# Go generators are installed at pinned versions.
PROTOC_GEN_GO      ?= v1.36.12
PROTOC_GEN_GO_GRPC ?= v1.6.0
GOBIN              ?= $(shell $(GO) env GOPATH)/bin
.PHONY: proto
proto:
	@command -v protoc >/dev/null || { echo "protoc missing: apt-get install -y protobuf-compiler"; exit 1; }
	$(GO) install google.golang.org/protobuf/cmd/protoc-gen-go@$(PROTOC_GEN_GO)
	$(GO) install google.golang.org/grpc/cmd/protoc-gen-go-grpc@$(PROTOC_GEN_GO_GRPC)
	cd plugins/sdk/pluginv1 && PATH="$(GOBIN):$$PATH" protoc -I . -I /usr/include \
		--go_out=. --go_opt=paths=source_relative \
		--go-grpc_out=. --go-grpc_opt=paths=source_relative plugin.proto
	protoc -I plugins/sdk/pluginv1 -I /usr/include --python_out=examples/plugins/python plugin.proto
	/usr/bin/python3 -m grpc_tools.protoc -I plugins/sdk/pluginv1 -I /usr/include \
		--grpc_python_out=examples/plugins/python plugin.proto

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet $(PKGS)
	GOOS=darwin $(GO) vet ./runtime/watch/
	GOOS=freebsd $(GO) vet ./runtime/watch/

fmt:
	gofmt -w $$(git ls-files '*.go')

clean:
	rm -rf bin
