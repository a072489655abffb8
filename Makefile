# xlb — build, test, bench, demo.
# Everything generated goes to build/. `make V=1` shows the commands.

CC      ?= gcc
CLANG   ?= clang
BPFTOOL ?= bpftool
ARCH    := $(shell uname -m | sed 's/x86_64/x86/;s/aarch64/arm64/')
MULTIARCH := $(shell $(CC) -print-multiarch 2>/dev/null)

BUILD   := build
VERSION := $(shell git describe --always --dirty 2>/dev/null || echo 0.1)

WARNINGS := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
	-Wmissing-prototypes -Wpointer-arith -Wcast-qual
CFLAGS  ?= -O2 -g
CFLAGS  += $(WARNINGS) -std=gnu11 -D_GNU_SOURCE -Iinclude -Iuser -isystem $(BUILD) \
	-DXLB_VERSION='"$(VERSION)"'
LDLIBS  := -lbpf -lelf -lz -lmnl -lcurl -lmicrohttpd -lsystemd

BPF_CFLAGS := -O2 -g -target bpf -D__TARGET_ARCH_$(ARCH) -Wall -Werror \
	-Iinclude -Ibpf -I/usr/include/$(MULTIARCH)

BPF_SRCS  := $(wildcard bpf/*.bpf.c)
BPF_OBJS  := $(patsubst bpf/%.bpf.c,$(BUILD)/%.bpf.o,$(BPF_SRCS))
BPF_SKELS := $(patsubst bpf/%.bpf.c,$(BUILD)/%.skel.h,$(BPF_SRCS))
BPF_HDRS  := $(wildcard bpf/*.h) $(wildcard include/xlb/*.h)

# user/: every file but the programs' mains is library code.
PROG_MAINS := user/xlbd.c user/xlbctl.c user/xlb-decap.c
LIB_SRCS := $(filter-out $(PROG_MAINS),$(wildcard user/*.c))
LIB_OBJS := $(patsubst user/%.c,$(BUILD)/user/%.o,$(LIB_SRCS))
LIB      := $(BUILD)/libxlb.a
PROGS    := $(patsubst user/%.c,$(BUILD)/%,$(wildcard $(PROG_MAINS)))
USER_HDRS := $(wildcard user/*.h) $(wildcard include/xlb/*.h)

# tests/<suite>/test_*.c are Criterion suites; other .c files there are
# helpers linked into every suite of that directory.
TEST_DIRS := unit bpf
define suite_rules
$(1)_HELPERS := $$(filter-out tests/$(1)/test_%.c,$$(wildcard tests/$(1)/*.c))
$(1)_SUITES  := $$(patsubst tests/$(1)/%.c,$(BUILD)/tests/$(1)/%,$$(wildcard tests/$(1)/test_*.c))
$(BUILD)/tests/$(1)/%: tests/$(1)/%.c $$($(1)_HELPERS) $$(wildcard tests/$(1)/*.h) $(LIB) $(BPF_SKELS) $(USER_HDRS)
	@mkdir -p $$(@D)
	$$(Q)$(CC) $(CFLAGS) -Itests/$(1) -o $$@ $$< $$($(1)_HELPERS) $(LIB) $(LDLIBS) -lcriterion
endef
$(foreach d,$(TEST_DIRS),$(eval $(call suite_rules,$(d))))
TEST_BINS := $(foreach d,$(TEST_DIRS),$($(d)_SUITES))

# Helper programs used by shell tests and benchmarks (tests/e2e/*.c, bench/*.c).
TOOL_SRCS := $(wildcard tests/e2e/*.c) $(wildcard bench/*.c)
TOOLS := $(patsubst %.c,$(BUILD)/%,$(TOOL_SRCS))

ifeq ($(V),1)
Q :=
else
Q := @
endif

.PHONY: all deps test demo bench clean format format-check
all: $(BPF_OBJS) $(BPF_SKELS) $(LIB) $(PROGS)

deps:
	$(Q)./scripts/install-deps.sh

$(BUILD)/%.bpf.o: bpf/%.bpf.c $(BPF_HDRS)
	@mkdir -p $(@D)
	@echo "  BPF     $@"
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(BUILD)/%.skel.h: $(BUILD)/%.bpf.o
	@echo "  SKEL    $@"
	$(Q)$(BPFTOOL) gen skeleton $< name $(subst -,_,$*)_bpf > $@.tmp && mv $@.tmp $@

$(BUILD)/user/%.o: user/%.c $(USER_HDRS) $(BPF_SKELS)
	@mkdir -p $(@D)
	@echo "  CC      $@"
	$(Q)$(CC) $(CFLAGS) -c $< -o $@

$(LIB): $(LIB_OBJS)
	@echo "  AR      $@"
	$(Q)rm -f $@ && ar rcs $@ $^

$(BUILD)/%: user/%.c $(LIB)
	@echo "  LD      $@"
	$(Q)$(CC) $(CFLAGS) -o $@ $< $(LIB) $(LDLIBS)

$(BUILD)/tests/e2e/%: tests/e2e/%.c $(LIB)
	@mkdir -p $(@D)
	@echo "  LD      $@"
	$(Q)$(CC) $(CFLAGS) -o $@ $< $(LIB) $(LDLIBS)

$(BUILD)/bench/%: bench/%.c $(LIB)
	@mkdir -p $(@D)
	@echo "  LD      $@"
	$(Q)$(CC) $(CFLAGS) -o $@ $< $(LIB) $(LDLIBS)

test: deps
	$(Q)$(MAKE) --no-print-directory all $(TEST_BINS) $(TOOLS) $(PREV_BPF_OBJ)
	$(Q)./tests/run.sh

demo: deps
	$(Q)$(MAKE) --no-print-directory all $(TOOLS)
	$(Q)./scripts/demo.sh

FORMAT_SRCS = $(shell find bpf include user tests bench -name '*.[ch]' 2>/dev/null)
format:
	clang-format -i $(FORMAT_SRCS)
format-check:
	clang-format --dry-run --Werror $(FORMAT_SRCS)

clean:
	rm -rf $(BUILD)

# An earlier build of the forwarding program for the upgrade test: the same
# source with other code generation (-mcpu=v2; the default is v1), so its tag
# differs from the current one.
PREV_BPF_OBJ := $(BUILD)/tests/e2e/xlb-prev.bpf.o
$(PREV_BPF_OBJ): bpf/xlb.bpf.c $(BPF_HDRS)
	@mkdir -p $(@D)
	@echo "  BPF     $@"
	$(Q)$(CLANG) $(BPF_CFLAGS) -mcpu=v2 -c $< -o $@
