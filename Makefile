# mmusim - cycle-approximate MMU/TLB simulator.
# make demo | test | check | bench | fuzz | fuzz-diff | deps | all | clean   (see README.md)

CC      ?= cc
CFLAGS  ?= -O2 -g
WARN    := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wno-missing-field-initializers -Werror
STD     := -std=c11 -D_GNU_SOURCE
BUILD   ?= build

# iniparser has no pkg-config file on Debian 12 (its headers are under
# /usr/include/iniparser); zlib and libelf have one.
INI_CFLAGS := $(shell pkg-config --cflags iniparser 2>/dev/null || echo -I/usr/include/iniparser)
INI_LIBS   := $(shell pkg-config --libs iniparser 2>/dev/null || echo -liniparser)
PC_CFLAGS  := $(shell pkg-config --cflags zlib libelf liblzma libzstd 2>/dev/null)
PC_LIBS    := $(shell pkg-config --libs zlib libelf liblzma libzstd 2>/dev/null || echo -lz -lelf -llzma -lzstd)

ALL_CFLAGS := $(STD) $(WARN) $(CFLAGS) $(INI_CFLAGS) $(PC_CFLAGS) -I. -I$(BUILD)/gen -MMD -MP
LDLIBS     := $(INI_LIBS) $(PC_LIBS) -lm

# Source folders, lowest layer first (docs/architecture.md): each may
# include headers of the folders before it, never of those after it.
SRC_DIRS := mmu/util tlb mmu/machine walkers workloads mmu mmu/place mmu/cli
LIB_SRC  := $(filter-out mmu/cli/main.c,$(foreach d,$(SRC_DIRS),$(wildcard $(d)/*.c)))
LIB_OBJ  := $(LIB_SRC:%.c=$(BUILD)/%.o) $(BUILD)/gen/default_ini.o $(BUILD)/gen/version.o
TEST_SRC := $(wildcard test/unit/*.c) test/fuzz/harness.c
TEST_OBJ := $(TEST_SRC:%.c=$(BUILD)/%.o)
BENCH_OBJ := $(BUILD)/test/bench/bench.o

# Build and test dependencies: the libraries, valgrind (lackey traces in the
# tests), qemu-user (the recorder), GNU parallel, gnuplot, Slurm and munge
# (the sweep tests start a single-node Slurm cluster of their own).
DEB_PKGS := libiniparser-dev zlib1g-dev libelf-dev liblzma-dev libzstd-dev pkg-config valgrind \
	    qemu-user parallel gnuplot-nox slurm-wlm munge

# `make fuzz` only: clang with libFuzzer and its sanitizer runtimes.
FUZZ_PKGS := clang libclang-rt-14-dev

.PHONY: all test check bench demo deps fuzz fuzz-build clean figures fuzz-diff FORCE
all: $(BUILD)/mmusim $(BUILD)/test_runner $(BUILD)/mmusim-rec.so

# Installs the Debian packages $(1), only those missing.
define install_pkgs
missing=""; for p in $(1); do \
  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || missing="$$missing $$p"; \
done; \
if [ -n "$$missing" ]; then \
  echo "installing:$$missing"; \
  SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $$missing >/dev/null || exit 1; \
fi
endef

# Installs the Debian packages the build needs, only when one is missing.
deps:
	@$(call install_pkgs,$(DEB_PKGS))

$(BUILD)/gen/default_ini.c: configs/default.ini mmu/util/embed.sh
	@mkdir -p $(dir $@)
	sh mmu/util/embed.sh cfg_default_ini < $< > $@

# mmusim's version: `git describe` of the source tree at build time
# ("unknown" outside a git checkout). The file is rewritten only when the
# version changes, so an unchanged tree does not relink.
MMUSIM_VERSION := $(shell git describe --always --dirty --tags 2>/dev/null || echo unknown)
$(BUILD)/gen/version.c: FORCE
	@mkdir -p $(dir $@)
	@printf 'const char mmusim_version[] = "%s";\n' '$(MMUSIM_VERSION)' > $@.tmp
	@cmp -s $@.tmp $@ && rm -f $@.tmp || mv $@.tmp $@

$(BUILD)/gen/version.o: $(BUILD)/gen/version.c
	$(CC) $(ALL_CFLAGS) -c $< -o $@

FORCE:

$(BUILD)/gen/default_ini.o: $(BUILD)/gen/default_ini.c
	$(CC) $(ALL_CFLAGS) -c $< -o $@

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c $< -o $@

$(BUILD)/libmmusim.a: $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/mmusim: $(BUILD)/mmu/cli/main.o $(BUILD)/libmmusim.a
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/test_runner: $(TEST_OBJ) $(BUILD)/libmmusim.a
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# The recorder: a QEMU TCG plugin (workloads/record/). No -z defs: its qemu_plugin_*
# symbols resolve against qemu-x86_64 when QEMU loads it. Never built with
# the sanitizers (QEMU does not load the sanitizer runtime).
$(BUILD)/mmusim-rec.so: workloads/record/mmusim-rec.c workloads/record/qemu-plugin.h workloads/bin_enc.h
	@mkdir -p $(dir $@)
	$(CC) -std=c11 -D_GNU_SOURCE $(WARN) -O2 -g -fPIC -shared -fvisibility=hidden -o $@ $<

$(BUILD)/mmusim-bench: $(BENCH_OBJ) $(BUILD)/libmmusim.a
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# The two set-up commands of README.md.
demo: deps
	@$(MAKE) --no-print-directory $(BUILD)/mmusim
	$(BUILD)/mmusim demo

test: deps
	@$(MAKE) --no-print-directory all
	$(BUILD)/test_runner

# The suite under AddressSanitizer and UndefinedBehaviorSanitizer.
check: deps
	@$(MAKE) --no-print-directory BUILD=build-san \
	  CFLAGS="-O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer" \
	  LDFLAGS="-fsanitize=address,undefined" build-san/mmusim build-san/test_runner build-san/mmusim-rec.so
	ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 build-san/test_runner

# The differential random-trace test, long: FUZZ_TRACES traces of
# FUZZ_EVENTS events from seed FUZZ_SEED (make test runs 2016 of 120 from 1).
FUZZ_SEED ?= 100000
FUZZ_TRACES ?= 50000
FUZZ_EVENTS ?= 400
fuzz-diff: deps
	@$(MAKE) --no-print-directory all
	MMUSIM_DIFF_SEED=$(FUZZ_SEED) MMUSIM_DIFF_TRACES=$(FUZZ_TRACES) MMUSIM_DIFF_EVENTS=$(FUZZ_EVENTS) \
	  MMUSIM_DIFF_TRAIL=1 nice -n 19 $(BUILD)/test_runner diff_random_traces 2>$(BUILD)/fuzz-diff.trail || \
	  { echo "fuzz-diff failed; the last trace started:"; tail -n 2 $(BUILD)/fuzz-diff.trail; exit 1; }

bench: deps
	@$(MAKE) --no-print-directory $(BUILD)/mmusim $(BUILD)/mmusim-bench $(BUILD)/mmusim-rec.so
	$(BUILD)/mmusim-bench

# The README's figure (docs/figures/walkers.*), from scratch: its plan,
# one sweep, one plot. test_sweep.c checks that the committed data is what
# this makes.
FIGURE_PLOT := --kind bars --metric total_cycles --relative native --log \
	--title "Address-translation cost relative to native (log scale)"
figures: deps
	@$(MAKE) --no-print-directory $(BUILD)/mmusim
	rm -rf $(BUILD)/figures
	$(BUILD)/mmusim sweep docs/figures/walkers.ini --results $(BUILD)/figures/walkers --jobs 2
	$(BUILD)/mmusim plot $(BUILD)/figures/walkers/results.csv $(FIGURE_PLOT) -o docs/figures/walkers.svg

# Fuzzing (docs/fuzzing.md): every target of test/fuzz/harness.h under
# libFuzzer with ASan and UBSan, FUZZ_TIME seconds each, one after another
# (niced; test/fuzz/run.sh). New inputs go to build-fuzz/corpus/NAME; those
# that reach new coverage are merged into the kept corpus test/fuzz/NAME,
# which `make test` replays. A crash, leak, sanitizer report or hang is kept
# in build-fuzz/findings/ and fails the run. One row per target is appended
# to FUZZ_LOG (test/fuzz/CAMPAIGNS.md; FUZZ_LOG=/dev/null for none).
# FUZZ_TARGETS picks targets; FUZZ_EXTRA names further make targets that
# `make fuzz` runs after them: the long modes of other randomized tests
# (default: fuzz-diff, the differential random-trace test; FUZZ_EXTRA= for
# none).
FUZZ_TARGETS ?= trace_text trace_bin trace_lackey ini override gen cluster vmtrace backing sim
FUZZ_TIME    ?= 600
FUZZ_LOG     ?= test/fuzz/CAMPAIGNS.md
FUZZ_EXTRA   ?= fuzz-diff
FUZZ_FLAGS   := -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
FUZZ_BUILD   := build-fuzz

fuzz-build:
	@$(call install_pkgs,$(FUZZ_PKGS))
	@$(MAKE) --no-print-directory BUILD=$(FUZZ_BUILD) CC=clang \
	  CFLAGS="-O1 -g -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer" \
	  $(FUZZ_BUILD)/libmmusim.a $(FUZZ_BUILD)/test/fuzz/harness.o
	@for t in $(FUZZ_TARGETS); do \
	  clang $(STD) $(WARN) -O1 -g $(FUZZ_FLAGS) -DFUZZ_TARGET=fuzz_$$t -I. test/fuzz/libfuzzer.c \
	    $(FUZZ_BUILD)/test/fuzz/harness.o $(FUZZ_BUILD)/libmmusim.a $(LDLIBS) -o $(FUZZ_BUILD)/fuzz_$$t || exit 1; \
	done

fuzz: deps fuzz-build
	@sh test/fuzz/run.sh $(FUZZ_BUILD) $(FUZZ_TIME) $(FUZZ_LOG) $(FUZZ_TARGETS); st=$$?; \
	for x in $(FUZZ_EXTRA); do $(MAKE) --no-print-directory $$x || st=1; done; \
	exit $$st

clean:
	rm -rf build build-san build-fuzz

-include $(shell find $(BUILD) build-san $(FUZZ_BUILD) -name '*.d' -type f 2>/dev/null)
