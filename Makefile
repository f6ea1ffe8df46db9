# wafersim: the two set-up commands are `make run` and `make test` (see README.md).
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
RELEASE_DIR := build/release
TEST_DIR := build/asan

.PHONY: deps build run test bench clean docs-charts fuzz fuzz-smoke tsan install

deps:
	@bash scripts/install-deps.sh

build: deps
	cmake -S . -B $(RELEASE_DIR) -DCMAKE_BUILD_TYPE=Release -DWAFERSIM_TESTS=OFF -DWAFERSIM_BENCH=OFF > /dev/null
	cmake --build $(RELEASE_DIR) -j $(JOBS) --target wafersim

# The binary, configs and chart renderer under PREFIX (bin/, share/wafersim/): make install PREFIX=$$HOME/.local
PREFIX ?= /usr/local
install: build
	cmake --install $(RELEASE_DIR) --prefix $(PREFIX)

run: build
	./$(RELEASE_DIR)/wafersim run configs/scenarios/memory-wall.yaml -o out

test: deps
	bash scripts/check-format.sh
	cmake -S . -B $(TEST_DIR) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DWAFERSIM_SANITIZE=ON -DWAFERSIM_WERROR=ON -DWAFERSIM_BENCH=OFF > /dev/null
	cmake --build $(TEST_DIR) -j $(JOBS)
	cd $(TEST_DIR) && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 ctest --output-on-failure -j $(JOBS)

# libFuzzer targets with ASan+UBSan (clang), seconds per target: make fuzz SECONDS=300
SECONDS ?= 60
FUZZ_DIR := build/fuzz
fuzz:
	@bash scripts/install-deps.sh fuzz
	CC=clang CXX=clang++ cmake -S . -B $(FUZZ_DIR) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DWAFERSIM_FUZZ=ON -DWAFERSIM_TESTS=OFF -DWAFERSIM_BENCH=OFF > /dev/null
	cmake --build $(FUZZ_DIR) -j $(JOBS) --target fuzz_config fuzz_scenario fuzz_hf_import fuzz_units fuzz_cli
	bash scripts/fuzz.sh $(FUZZ_DIR) $(SECONDS)

# CI's short smoke: every fuzz target on the same 300 inputs from seed 1, from a fresh corpus.
fuzz-smoke:
	@bash scripts/install-deps.sh fuzz
	CC=clang CXX=clang++ cmake -S . -B $(FUZZ_DIR) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DWAFERSIM_FUZZ=ON -DWAFERSIM_TESTS=OFF -DWAFERSIM_BENCH=OFF > /dev/null
	cmake --build $(FUZZ_DIR) -j $(JOBS) --target fuzz_config fuzz_scenario fuzz_hf_import fuzz_units fuzz_cli
	rm -rf $(FUZZ_DIR)/corpus $(FUZZ_DIR)/findings
	FUZZ_RUNS=300 bash scripts/fuzz.sh $(FUZZ_DIR) 0

# ThreadSanitizer (CI runs it after make test): the TSan build holds only the tests that run
# threads (tests/CMakeLists.txt lists them: scenario -j 1/2/8 and its determinism, the config
# and graph caches, resume after a signal, the cycle-level crosscheck sweep's threads); the
# `wafersim` they start is built with TSan too, and a race anywhere fails the run.
TSAN_DIR := build/tsan
tsan:
	@bash scripts/install-deps.sh tsan
	cmake -S . -B $(TSAN_DIR) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DWAFERSIM_TSAN=ON -DWAFERSIM_BENCH=OFF > /dev/null
	cmake --build $(TSAN_DIR) -j $(JOBS) --target wafersim_tests wafersim
	WAFERSIM_CONFIGS=$(CURDIR)/configs TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1" \
	  ./$(TSAN_DIR)/tests/wafersim_tests

bench: deps
	cmake -S . -B build/bench -DCMAKE_BUILD_TYPE=Release -DWAFERSIM_TESTS=OFF -DWAFERSIM_BENCH=ON > /dev/null
	cmake --build build/bench -j $(JOBS)
	./build/bench/bench/wafersim_bench

# The charts embedded in docs/tutorial.md, regenerated from the shipped scenarios
# (WAFERSIM=path/to/wafersim to use a binary already built).
TUTORIAL_SCENARIOS := memory-wall batch-sweep roofline
docs-charts:
	@if [ -z "$(WAFERSIM)" ]; then $(MAKE) build; fi
	@set -e; bin="$(or $(WAFERSIM),./$(RELEASE_DIR)/wafersim)"; mkdir -p out/tutorial docs/img/tutorial; \
	for s in $(TUTORIAL_SCENARIOS); do \
	  $$bin run configs/scenarios/$$s.yaml -o out/tutorial > out/tutorial/$$s.txt 2>/dev/null; \
	  for f in out/tutorial/$$s/charts/*.png; do cp "$$f" "docs/img/tutorial/$$s-$$(basename $$f)"; done; \
	  echo "$$s: $$(ls out/tutorial/$$s/charts/*.png | wc -l) charts -> docs/img/tutorial/ (summary: out/tutorial/$$s.txt)"; \
	done

clean:
	rm -rf build out
