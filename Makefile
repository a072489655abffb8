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
# bench/*.bpf.c: the benchmark's own BPF programs, into $(BUILD)/bench/.
BENCH_BPF_SRCS  := $(wildcard bench/*.bpf.c)
BENCH_BPF_SKELS := $(patsubst bench/%.bpf.c,$(BUILD)/bench/%.skel.h,$(BENCH_BPF_SRCS))
# Kept, so the bench tools are not rebuilt by every make.
.SECONDARY: $(BENCH_BPF_SKELS) $(BENCH_BPF_SKELS:.skel.h=.bpf.o)

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
TOOL_SRCS := $(wildcard tests/e2e/*.c) $(filter-out %.bpf.c,$(wildcard bench/*.c))
TOOLS := $(patsubst %.c,$(BUILD)/%,$(TOOL_SRCS))
BENCH_TOOLS := $(filter $(BUILD)/bench/%,$(TOOLS))

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

$(BUILD)/bench/%.bpf.o: bench/%.bpf.c $(BPF_HDRS)
	@mkdir -p $(@D)
	@echo "  BPF     $@"
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(BUILD)/bench/%.skel.h: $(BUILD)/bench/%.bpf.o
	@echo "  SKEL    $@"
	$(Q)$(BPFTOOL) gen skeleton $< name $(subst -,_,$*)_bpf > $@.tmp && mv $@.tmp $@

$(BUILD)/user/%.o: user/%.c $(USER_HDRS) $(BPF_SKELS)
	@mkdir -p $(@D)
	@echo "  CC      $@"
	$(Q)$(CC) $(CFLAGS) -c $< -o $@

$(LIB): $(LIB_OBJS)
	@echo "  AR      $@"
	$(Q)rm -f $@ && ar rcs $@ $^

# xlbctl top draws with curses; only xlbctl links it.
$(BUILD)/xlbctl: LDLIBS += -lncurses
$(BUILD)/%: user/%.c $(LIB)
	@echo "  LD      $@"
	$(Q)$(CC) $(CFLAGS) -o $@ $< $(LIB) $(LDLIBS)

$(BUILD)/tests/e2e/%: tests/e2e/%.c $(LIB)
	@mkdir -p $(@D)
	@echo "  LD      $@"
	$(Q)$(CC) $(CFLAGS) -o $@ $< $(LIB) $(LDLIBS)

$(BUILD)/bench/%: bench/%.c $(LIB) $(BPF_SKELS) $(BENCH_BPF_SKELS) $(wildcard bench/*.h)
	@mkdir -p $(@D)
	@echo "  LD      $@"
	$(Q)$(CC) $(CFLAGS) -o $@ $< $(LIB) $(LDLIBS)

test: deps
	$(Q)$(MAKE) --no-print-directory all $(TEST_BINS) $(TOOLS) $(PREV_BPF_OBJ)
	$(Q)./tests/run.sh

demo: deps
	$(Q)$(MAKE) --no-print-directory all $(TOOLS)
	$(Q)./scripts/demo.sh

# Benchmarks (never part of `make test`): writes BENCHMARKS.md.
bench: deps
	$(Q)$(MAKE) --no-print-directory all $(BENCH_TOOLS) $(BUILD)/tests/e2e/xlb-smoke \
		$(BUILD)/tests/e2e/xlb-hc-probe
	$(Q)BUILD=$(BUILD) ./bench/run.sh

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

# Installation. PREFIX and DESTDIR as usual; the units are rewritten to name
# the installed binaries. The BPF objects go to XLBLIBDIR for inspection
# (bpftool, llvm-objdump): the programs load the copies their skeletons embed.
PREFIX     ?= /usr/local
SBINDIR    ?= $(PREFIX)/sbin
XLBLIBDIR  ?= $(PREFIX)/lib/xlb
MANDIR     ?= $(PREFIX)/share/man
DOCDIR     ?= $(PREFIX)/share/doc/xlb
UNITDIR    ?= $(PREFIX)/lib/systemd/system
SYSCONFDIR ?= /etc
INSTALL    ?= install

INST_PROGS := $(notdir $(PROGS))
INST_BPF   := $(notdir $(BPF_OBJS))
INST_UNITS := $(notdir $(wildcard deploy/systemd/*.service))
INST_MAN5  := $(notdir $(wildcard docs/man/*.5))
INST_MAN8  := $(notdir $(wildcard docs/man/*.8))
INST_DOCS  := README.md $(wildcard docs/*.md)
# deploy/ example -> its name under $(SYSCONFDIR)/xlb/
INST_EXAMPLES := xlb.conf:xlb.conf.example xlb-decap.env:decap.env.example
# Monitoring examples: deploy/D/* -> $(EXAMPLEDIR)/D/
EXAMPLEDIR ?= $(DOCDIR)/examples
INST_MONITORING := prometheus grafana

.PHONY: install uninstall deb
install: all
	$(INSTALL) -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(XLBLIBDIR) $(DESTDIR)$(UNITDIR) \
		$(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(DOCDIR) \
		$(DESTDIR)$(SYSCONFDIR)/xlb
	$(INSTALL) -m 0755 $(PROGS) $(DESTDIR)$(SBINDIR)/
	$(INSTALL) -m 0644 $(BPF_OBJS) $(DESTDIR)$(XLBLIBDIR)/
	$(foreach u,$(INST_UNITS),sed -e 's|/usr/sbin/|$(SBINDIR)/|g' \
		-e 's|/usr/share/doc/xlb|$(DOCDIR)|g' deploy/systemd/$(u) \
		>$(DESTDIR)$(UNITDIR)/$(u) && chmod 0644 $(DESTDIR)$(UNITDIR)/$(u) &&) true
	$(INSTALL) -m 0644 $(addprefix docs/man/,$(INST_MAN5)) $(DESTDIR)$(MANDIR)/man5/
	$(INSTALL) -m 0644 $(addprefix docs/man/,$(INST_MAN8)) $(DESTDIR)$(MANDIR)/man8/
	$(INSTALL) -m 0644 $(INST_DOCS) $(DESTDIR)$(DOCDIR)/
	$(foreach e,$(INST_EXAMPLES),$(INSTALL) -m 0644 deploy/$(word 1,$(subst :, ,$(e))) \
		$(DESTDIR)$(SYSCONFDIR)/xlb/$(word 2,$(subst :, ,$(e))) &&) true
	$(foreach d,$(INST_MONITORING),$(INSTALL) -d $(DESTDIR)$(EXAMPLEDIR)/$(d) && \
		$(INSTALL) -m 0644 $(wildcard deploy/$(d)/*) $(DESTDIR)$(EXAMPLEDIR)/$(d)/ &&) true

# Removes what install put there; the directories only if left empty (an
# operator's /etc/xlb/*.conf stays).
uninstall:
	rm -f $(addprefix $(DESTDIR)$(SBINDIR)/,$(INST_PROGS)) \
		$(addprefix $(DESTDIR)$(XLBLIBDIR)/,$(INST_BPF)) \
		$(addprefix $(DESTDIR)$(UNITDIR)/,$(INST_UNITS)) \
		$(addprefix $(DESTDIR)$(MANDIR)/man5/,$(INST_MAN5)) \
		$(addprefix $(DESTDIR)$(MANDIR)/man8/,$(INST_MAN8)) \
		$(addprefix $(DESTDIR)$(DOCDIR)/,$(notdir $(INST_DOCS))) \
		$(foreach e,$(INST_EXAMPLES),$(DESTDIR)$(SYSCONFDIR)/xlb/$(word 2,$(subst :, ,$(e)))) \
		$(foreach d,$(INST_MONITORING),$(addprefix $(DESTDIR)$(EXAMPLEDIR)/$(d)/,$(notdir $(wildcard deploy/$(d)/*))))
	for d in $(DESTDIR)$(XLBLIBDIR) $(addprefix $(DESTDIR)$(EXAMPLEDIR)/,$(INST_MONITORING)) \
		$(DESTDIR)$(EXAMPLEDIR) $(DESTDIR)$(DOCDIR) $(DESTDIR)$(SYSCONFDIR)/xlb; do \
		[ ! -d $$d ] || rmdir --ignore-fail-on-non-empty $$d; done

# The Debian package, built by dpkg-buildpackage from a copy of the tree
# (tracked and new files) in $(BUILD)/deb/src: the .deb and .changes land
# in $(BUILD)/deb/, then lintian checks them (fails on errors). The copy
# builds with its own defaults: none of this make's variables reach it.
DEB_DIR := $(BUILD)/deb
deb:
	rm -rf $(DEB_DIR) && mkdir -p $(DEB_DIR)/src
	if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then \
		git ls-files -z --cached --others --exclude-standard | \
			tar --null -T - --ignore-failed-read -cf - 2>/dev/null; \
	else \
		tar --exclude=./build --exclude='./$(BUILD)' -cf - .; \
	fi | tar -C $(DEB_DIR)/src -xf -
	cd $(DEB_DIR)/src && env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u BUILD \
		dpkg-buildpackage -b -us -uc
	lintian --fail-on error $(DEB_DIR)/*.changes
