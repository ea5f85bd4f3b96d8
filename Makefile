# strata - thin wrapper over CMake. Every target installs missing Debian
# packages first (scripts/install-deps), so a fresh Debian 12 machine needs
# nothing else.
BUILD    ?= build
SAN      ?= build-sanitize
FUZZ     ?= build-fuzz
JOBS     ?= $(shell nproc)
CMAKE    ?= cmake
CTEST_ARGS ?= --output-on-failure

.PHONY: all deps build demo check test bench fmt lint sanitize fuzz clean

all: build

deps:
	@scripts/install-deps build test

build: deps
	@$(CMAKE) -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	@$(CMAKE) --build $(BUILD) -j $(JOBS)

demo: build
	@scripts/demo $(BUILD)

check: build
	@scripts/test-servers run ctest --test-dir $(BUILD) $(CTEST_ARGS) -j $(JOBS)

test: check

bench: build
	@scripts/install-deps bench
	@scripts/test-servers run scripts/bench $(BUILD)

sanitize: deps
	@$(CMAKE) -S . -B $(SAN) -DCMAKE_BUILD_TYPE=Debug -DSTRATA_SANITIZE=ON >/dev/null
	@$(CMAKE) --build $(SAN) -j $(JOBS)
	@ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		scripts/test-servers run ctest --test-dir $(SAN) $(CTEST_ARGS) -j $(JOBS)

fuzz:
	@scripts/install-deps dev
	@CC=clang $(CMAKE) -S . -B $(FUZZ) -DCMAKE_BUILD_TYPE=Debug -DSTRATA_FUZZ=ON -DSTRATA_TESTS=OFF >/dev/null
	@$(CMAKE) --build $(FUZZ) -j $(JOBS) --target fuzzers
	@scripts/fuzz $(FUZZ) $${FUZZ_SECONDS:-20}

fmt:
	@scripts/install-deps dev
	@git ls-files '*.c' '*.h' | xargs clang-format -i

lint: build
	@scripts/install-deps dev
	@git ls-files '*.c' '*.h' | xargs clang-format --dry-run --Werror
	@git ls-files 'src/*.c' | xargs clang-tidy -p $(BUILD) --quiet --extra-arg=-Wno-unknown-warning-option
	@cppcheck --quiet --error-exitcode=1 --enable=warning,portability --inline-suppr \
		--std=c11 -I include -I src --suppress=missingIncludeSystem src

clean:
	rm -rf $(BUILD) $(SAN) $(FUZZ)
