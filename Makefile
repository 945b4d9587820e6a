# mmusim - cycle-approximate MMU/TLB simulator.
# make demo | test | check | bench | fuzz-diff | deps | all | clean   (see README.md)

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
LIB_OBJ  := $(LIB_SRC:%.c=$(BUILD)/%.o) $(BUILD)/gen/default_ini.o
TEST_SRC := $(wildcard test/unit/*.c)
TEST_OBJ := $(TEST_SRC:%.c=$(BUILD)/%.o)
BENCH_OBJ := $(BUILD)/test/bench/bench.o

# Build and test dependencies: the libraries, valgrind (lackey traces in the
# tests), qemu-user (the recorder), GNU parallel, gnuplot, Slurm and munge
# (the sweep tests start a single-node Slurm cluster of their own).
DEB_PKGS := libiniparser-dev zlib1g-dev libelf-dev liblzma-dev libzstd-dev pkg-config valgrind \
	    qemu-user parallel gnuplot-nox slurm-wlm munge

.PHONY: all test check bench demo deps clean figures fuzz-diff
all: $(BUILD)/mmusim $(BUILD)/test_runner $(BUILD)/mmusim-rec.so

# Installs the Debian packages the build needs, only when one is missing.
deps:
	@missing=""; for p in $(DEB_PKGS); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $$missing >/dev/null || exit 1; \
	fi

$(BUILD)/gen/default_ini.c: configs/default.ini mmu/util/embed.sh
	@mkdir -p $(dir $@)
	sh mmu/util/embed.sh cfg_default_ini < $< > $@

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

# The recorder: a QEMU TCG plugin (record/). No -z defs: its qemu_plugin_*
# symbols resolve against qemu-x86_64 when QEMU loads it. Never built with
# the sanitizers (QEMU does not load the sanitizer runtime).
$(BUILD)/mmusim-rec.so: record/mmusim-rec.c record/qemu-plugin.h workloads/bin_enc.h
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

clean:
	rm -rf build build-san

-include $(shell find $(BUILD) build-san -name '*.d' -type f 2>/dev/null)
