# wmsbridge - build, test, demo and install.
#
# Modules live in src/<group>/. Each group may only use the groups named in
# DEPS_<group> (the walls of docs/design.md); unit tests named
# tests/unit/test_<group>_*.c link exactly that closure, so one module's
# work in progress never breaks another module's tests.
#
#   make                 release build          build/release/wmsbridge
#   make check           deps + sanitizer build + every test, summary last
#   make demo            deps + simulator + spool + dispatch job, end to end
#   make fuzz            libFuzzer targets for every parser (FUZZ_SECONDS each)
#   make valgrind        debug build, unit tests + convert + check under valgrind
#   make stress          the long reliability runs
#   make bench           benchmarks with baselines from the same run
#   make mutate          planted bugs (tests/mutants/), each built and run against its tests
#   make coverage        lines and branches of src/ per module, every process counted
#   make install PREFIX=/usr/local DESTDIR=

VARIANT ?= release
BUILD ?= build
# the builds `make check` and `make demo` start run one compiler per core
NPROC := $(shell nproc 2>/dev/null || echo 2)
B := $(BUILD)/$(VARIANT)
PREFIX ?= /usr/local
DESTDIR ?=

# the libraries, linked like any Debian C program (pkg-config gives flags and the dependency list)
PKGS := zlib jansson libxml-2.0 libcurl libssh2 sqlite3 libcrypto
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
LIBS := $(PKG_LIBS) -lcsv -lm
CMOCKA_LIBS := $(shell pkg-config --libs cmocka 2>/dev/null || echo -lcmocka)

WARN := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
        -Wformat=2 -Wno-format-nonliteral -Wvla
BASE_CFLAGS := -std=c11 -D_GNU_SOURCE $(WARN) -Isrc $(PKG_CFLAGS)

ifeq ($(VARIANT),release)
OPT := -O2 -g
else ifeq ($(VARIANT),asan)
OPT := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined
LDOPT := -fsanitize=address,undefined
else ifeq ($(VARIANT),fuzz)
CC := clang
OPT := -O1 -g -fno-omit-frame-pointer -fsanitize=fuzzer-no-link,address,undefined \
       -DWB_FUZZING
LDOPT := -fsanitize=address,undefined
else ifeq ($(VARIANT),debug)
OPT := -O0 -g
else ifeq ($(VARIANT),coverage)
OPT := -O0 -g --coverage -DWB_COVERAGE
LDOPT := --coverage
endif
CFLAGS ?=
LDFLAGS ?=
ALL_CFLAGS := $(BASE_CFLAGS) $(OPT) $(CFLAGS)
ALL_LDFLAGS := $(LDOPT) $(LDFLAGS)

GROUPS := core layout maps amazon spool net flows sched
DEPS_core :=
DEPS_layout := core
DEPS_maps := core
DEPS_amazon := core
DEPS_spool := core
DEPS_net := core
DEPS_sched := core
DEPS_flows := core layout maps amazon spool net
DEPS_cmd := core layout maps amazon spool net flows sched

src_of = $(wildcard src/$(1)/*.c)
objs_of = $(patsubst src/%.c,$(B)/obj/%.o,$(call src_of,$(1)))
closure = $(sort $(1) $(DEPS_$(1)))
objs_closure = $(foreach g,$(call closure,$(1)),$(call objs_of,$(g)))

LIB_OBJS := $(foreach g,$(GROUPS),$(call objs_of,$(g)))
CMD_SRCS := $(wildcard src/main.c src/cmd_*.c)
CMD_OBJS := $(patsubst src/%.c,$(B)/obj/%.o,$(CMD_SRCS))
BIN := $(B)/wmsbridge

UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(patsubst tests/unit/%.c,$(B)/tests/%,$(UNIT_SRCS))
unit_group = $(word 2,$(subst _, ,$(basename $(notdir $(1)))))

FUZZ_SRCS := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BINS := $(patsubst tests/fuzz/%.c,$(BUILD)/fuzz/fuzz/%,$(FUZZ_SRCS))
FUZZ_LIB := $(BUILD)/fuzz/libwmsbridge.a
FUZZ_SECONDS ?= 60

.PHONY: FORCE all unit check check-quick demo fuzz fuzz-build fuzz-bins stress bench install clean deps valgrind \
        format format-check lint $(addprefix unit-,$(GROUPS))

all: $(BIN)

# V=1 shows full command lines.
Q := $(if $(V),,@)
say = $(if $(V),,@echo "  $(1) $(2)")

# libcurl's type checks of curl_easy_setopt/getinfo arguments are macros of a system header,
# whose findings gcc shows in full only with -Wsystem-headers
$(B)/obj/net/http.o: ALL_CFLAGS += -Wsystem-headers

# the version --version prints: the nearest tag and commit, from git when the tree is a clone
WB_VERSION := $(shell git describe --tags --always --dirty 2>/dev/null || echo unknown)
$(B)/obj/main.o: ALL_CFLAGS += -DWB_VERSION='"$(WB_VERSION)"'
$(B)/obj/main.o: $(B)/version
$(B)/version: FORCE
	@mkdir -p $(B); echo '$(WB_VERSION)' | cmp -s - $@ || echo '$(WB_VERSION)' >$@
FORCE:

$(B)/obj/%.o: src/%.c
	@mkdir -p $(dir $@)
	$(call say,CC,$@)
	$(Q)$(CC) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

$(B)/libwmsbridge.a: $(LIB_OBJS)
	@rm -f $@
	$(call say,AR,$@)
	$(Q)ar rcs $@ $^

$(BIN): $(CMD_OBJS) $(B)/libwmsbridge.a
	$(call say,LD,$@)
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $(CMD_OBJS) $(B)/libwmsbridge.a $(LIBS)

$(B)/tests/%.o: tests/unit/%.c
	@mkdir -p $(dir $@)
	$(call say,CC,$@)
	$(Q)$(CC) $(ALL_CFLAGS) -Itests -MMD -MP -c -o $@ $<

define unit_rule
$(B)/tests/$(basename $(notdir $(1))): $(B)/tests/$(basename $(notdir $(1))).o $(call objs_closure,$(call unit_group,$(1)))
	$$(call say,LD,$$@)
	$$(Q)$$(CC) $$(ALL_LDFLAGS) -o $$@ $$^ $$(LIBS) $$(CMOCKA_LIBS)
unit-$(call unit_group,$(1)): $(B)/tests/$(basename $(notdir $(1)))
endef
$(foreach t,$(UNIT_SRCS),$(eval $(call unit_rule,$(t))))

# unit-GROUP builds and runs that group's unit tests only.
$(addprefix unit-,$(GROUPS)):
	@for t in $^; do echo "== $$t"; $$t || exit 1; done

unit: $(UNIT_BINS)

deps:
	@sh scripts/deps.sh

# check: everything under ASan+UBSan, then the suite; the runner prints the summary.
check: deps
	$(MAKE) -j$(NPROC) VARIANT=asan all unit
	$(MAKE) -j$(NPROC) fuzz-build
	@WB_FUZZ_DIR=$(BUILD)/fuzz/fuzz sh tests/run.sh $(BUILD)/asan

check-quick:
	$(MAKE) -j$(NPROC) VARIANT=asan all unit
	@WB_SKIP_SLOW=1 sh tests/run.sh $(BUILD)/asan

demo: deps
	$(MAKE) -j$(NPROC) VARIANT=release all
	@sh scripts/demo.sh $(BUILD)/release

# Fuzz binaries link the fuzz-variant library; it is brought up to date first so a
# change anywhere in src/ rebuilds every target.
$(BUILD)/fuzz/fuzz/%: tests/fuzz/%.c $(FUZZ_LIB)
	@mkdir -p $(dir $@)
	$(call say,FUZZ,$@)
	$(Q)clang $(BASE_CFLAGS) -O1 -g -fsanitize=fuzzer,address,undefined -o $@ $< \
	    $(FUZZ_LIB) $(LIBS)

fuzz-build:
	$(MAKE) VARIANT=fuzz $(FUZZ_LIB)
	$(MAKE) fuzz-bins

fuzz-bins: $(FUZZ_BINS)

fuzz: deps fuzz-build
	@WB_FUZZ_DIR=$(BUILD)/fuzz/fuzz sh tests/fuzz/run.sh $(FUZZ_SECONDS)

# valgrind: a debug build; every unit test, convert and check under valgrind's leak check.
valgrind: deps
	$(MAKE) VARIANT=debug all unit
	@sh tests/valgrind.sh $(BUILD)/debug

stress: deps
	$(MAKE) VARIANT=asan all
	@WB_STRESS=1 sh tests/run.sh $(BUILD)/asan stress

bench: deps
	$(MAKE) VARIANT=release all
	@sh bench/run.sh $(BUILD)/release
	@sh bench/settlement.sh $(BUILD)/release

install: $(BIN)
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/wmsbridge/formats \
	    $(DESTDIR)$(PREFIX)/share/wmsbridge/etc $(DESTDIR)$(PREFIX)/share/man/man1 \
	    $(DESTDIR)$(PREFIX)/share/man/man5
	install -m 0755 $(BIN) $(DESTDIR)$(PREFIX)/bin/wmsbridge
	install -m 0644 formats/*.layout $(DESTDIR)$(PREFIX)/share/wmsbridge/formats/
	install -m 0644 etc/*.map etc/*.conf etc/*.txt etc/schedule $(DESTDIR)$(PREFIX)/share/wmsbridge/etc/
	install -m 0755 etc/alert-mail.sh $(DESTDIR)$(PREFIX)/share/wmsbridge/etc/
	install -d $(DESTDIR)$(PREFIX)/share/doc/wmsbridge/examples
	install -m 0644 docs/examples/* $(DESTDIR)$(PREFIX)/share/doc/wmsbridge/examples/
	install -m 0644 docs/wmsbridge.1 $(DESTDIR)$(PREFIX)/share/man/man1/
	install -m 0644 docs/wmsbridge.conf.5 $(DESTDIR)$(PREFIX)/share/man/man5/

# mutate: each planted bug of tests/mutants/ built into a scratch copy (BUILD/mutate) and run
# against the tests it names; prints the score, fails if one survives. Slow; not part of check.
# MUTANTS="name ..." runs some of them.
.PHONY: mutate
mutate: deps
	$(MAKE) VARIANT=asan all unit
	@python3 tests/mutate.py --build $(BUILD) $(MUTANTS)

# coverage: a --coverage build in BUILD/coverage, the suite (unit + integration, no fuzz) with
# every process counted (forked jobs write theirs before _exit: wb_exit_now), then lines and
# branches of src/ per module (src/<group>; cmd = src/*.c) and in total, by gcovr.
.PHONY: coverage
coverage: deps
	$(MAKE) VARIANT=coverage all unit
	@find $(BUILD)/coverage -name '*.gcda' -delete
	@WB_SKIP_SLOW=1 sh tests/run.sh $(BUILD)/coverage; rc=$$?; \
	    sh scripts/coverage.sh $(BUILD)/coverage && exit $$rc

format:
	clang-format -i $$(git ls-files 'src/*.[ch]' 'tests/*.[ch]' 'bench/*.[ch]')

format-check:
	@sh scripts/checksrc.sh

clean:
	rm -rf $(BUILD)

-include $(shell find $(B) -name '*.d' 2>/dev/null)
