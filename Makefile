# Thin wrapper over CMake. The two README commands are `make run` and `make test`.
BUILD      ?= build
ASAN_BUILD ?= build-asan
FUZZ_BUILD ?= build-fuzz
JOBS       ?= 2
CMAKE_ARGS ?= $(if $(NX_CI),-DNX_WERROR=ON,)
FUZZ_SECS  ?= 10

.PHONY: all deps build run test test-only asan tsan bench fuzz fuzz-long crash-long style clean

all: build

deps:
	@./scripts/deps.sh

$(BUILD)/CMakeCache.txt:
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release $(CMAKE_ARGS)

build: $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j$(JOBS)

# The main job on data bundled in the repo.
run: deps build
	./scripts/run-demo.sh $(BUILD)/nexus

# Every test: unit, property, crash, CLI, style, plus a short fuzz pass.
test: deps build
	cd $(BUILD) && ctest --output-on-failure -j$(JOBS)
	$(MAKE) --no-print-directory fuzz FUZZ_SECS=$(FUZZ_SECS)

test-only: build
	cd $(BUILD) && ctest --output-on-failure -j$(JOBS)

# AddressSanitizer + UndefinedBehaviorSanitizer build of the test suite.
asan:
	cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DNX_SANITIZE=ON -DNX_BENCH=OFF $(CMAKE_ARGS)
	cmake --build $(ASAN_BUILD) -j$(JOBS)
	cd $(ASAN_BUILD) && NX_SANITIZED=1 ctest --output-on-failure -j$(JOBS)

# One JSON line per figure on stdout; the build's own output only if it fails.
# ThreadSanitizer on the threaded parts: rings and the real-clock kernel, the journal writer.
tsan:
	cmake -S . -B build-tsan -DCMAKE_BUILD_TYPE=Debug -DNX_TSAN=ON -DNX_BENCH=OFF $(CMAKE_ARGS)
	cmake --build build-tsan -j$(JOBS) --target test_kernel test_journal
	cd build-tsan && ./test_kernel && ./test_journal

bench:
	@{ [ -f $(BUILD)/CMakeCache.txt ] || cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release $(CMAKE_ARGS); \
	   cmake --build $(BUILD) -j$(JOBS); } >$(BUILD).bench-build.log 2>&1 || { cat $(BUILD).bench-build.log; exit 1; }
	@for b in $(BUILD)/bench_*; do [ -x "$$b" ] && "$$b"; done

fuzz:
	CC=clang-14 cmake -S . -B $(FUZZ_BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DNX_FUZZ=ON -DNX_TESTS=OFF -DNX_BENCH=OFF $(CMAKE_ARGS) >/dev/null
	cmake --build $(FUZZ_BUILD) -j$(JOBS)
	./scripts/fuzz.sh $(FUZZ_BUILD) $(FUZZ_SECS)

fuzz-long:
	$(MAKE) --no-print-directory fuzz FUZZ_SECS=600

# The journal crash test with thousands of kills.
crash-long: build
	cd $(BUILD) && NX_CRASH_ITERATIONS=5000 ./test_journal_crash

style:
	./scripts/style-check.sh

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD) build-tsan build-clang
