# wafersim: the two set-up commands are `make run` and `make test` (see README.md).
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
RELEASE_DIR := build/release
TEST_DIR := build/asan

.PHONY: deps build run test bench clean docs-charts

deps:
	@bash scripts/install-deps.sh

build: deps
	cmake -S . -B $(RELEASE_DIR) -DCMAKE_BUILD_TYPE=Release -DWAFERSIM_TESTS=OFF -DWAFERSIM_BENCH=OFF > /dev/null
	cmake --build $(RELEASE_DIR) -j $(JOBS) --target wafersim

run: build
	./$(RELEASE_DIR)/wafersim run configs/scenarios/memory-wall.yaml -o out

test: deps
	cmake -S . -B $(TEST_DIR) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DWAFERSIM_SANITIZE=ON -DWAFERSIM_BENCH=OFF > /dev/null
	cmake --build $(TEST_DIR) -j $(JOBS)
	cd $(TEST_DIR) && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 ctest --output-on-failure -j $(JOBS)

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
	  $$bin run configs/scenarios/$$s.yaml -o out/tutorial --quiet > out/tutorial/$$s.txt; \
	  for f in out/tutorial/$$s/charts/*.png; do cp "$$f" "docs/img/tutorial/$$s-$$(basename $$f)"; done; \
	  echo "$$s: $$(ls out/tutorial/$$s/charts/*.png | wc -l) charts -> docs/img/tutorial/ (summary: out/tutorial/$$s.txt)"; \
	done

clean:
	rm -rf build out
