// SPDX-License-Identifier: MIT
/*
 * State file format, one record a line, words separated by spaces:
 *
 *   xlb-state 1
 *   mtu 1500
 *   source 198.18.0.1 32
 *   vip ID ADDR PORT PROTO MODE FLAGS
 *   fail-open VIP_ID
 *   announce-off VIP_ID            (`announce off`)
 *   vip-check VIP_ID CHECK-WORDS...   (the words of `check ...`, quoted as by save)
 *   backend VIP_ID ID GENERATION ADDR PORT WEIGHT FLAGS HEALTH
 *   backend-check ID CHECK-WORDS...
 *   flow-budget N
 *   sample N                       (access log: one new flow in N; absent = 0, off)
 *   ratelimit SCOPE PPS PPS_BURST FLOWS FLOWS_BURST PLEN4 PLEN6
 *   acl SCOPE ADDR PLEN deny|allow
 *   free-vip ID GENERATION         (free ids, oldest freed first)
 *   free-backend ID GENERATION
 *
 * Ports and numbers in decimal, host order. Written by xlbd only.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "log.h"
#include "netaddr.h"
#include "state_file.h"

#define STATE_FILE_MAGIC   "xlb-state"
#define STATE_FILE_VERSION 1
#define STATE_FILE_MODE	   0600
#define STATE_LINE_MAX	   XLB_CLI_LINE_MAX /* a check's words */
#define STATE_WORDS_MAX	   12
#define STATE_PLEN_MAX	   128 /* an IPv6 prefix; state__set_source checks per family */

int state_file__path(char *buf, size_t len, const char *name)
{
	int n;

	if (!name || !*name || strchr(name, '/'))
		return -EINVAL;
	n = snprintf(buf, len, "%s/%s%s", XLB_STATE_DIR, name, XLB_STATE_SUFFIX);
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

static void write_free(FILE *f, const char *what, const struct state_ids *ids)
{
	__u32 i, id;

	for (i = 0; i < ids->count; i++) {
		id = ids->fifo[(ids->head + i) % ids->max];
		if (ids->gen[id])
			fprintf(f, "%s %u %u\n", what, id, ids->gen[id]);
	}
}

static void write_source(FILE *f, int family, const struct state_source *src)
{
	char a[XLB_ADDRSTRLEN];

	if (src->set && !xlb_addr__format(family, &src->addr, a, sizeof(a)))
		fprintf(f, "source %s %u\n", a, src->plen);
}

/* A check as the words of `check ...`; a spec too long for a line (it
 * cannot be: the CLI read it from one) is left out, logged. */
static void write_check(FILE *f, const char *what, __u32 id, const struct state_check *c)
{
	char words[STATE_LINE_MAX - 64];

	if (!c)
		return;
	if (xlb_check_spec__format(&c->spec, words, sizeof(words))) {
		pr_warn("state file: the check of %s %u does not fit a line\n", what, id);
		return;
	}
	fprintf(f, "%s-check %u %s\n", what, id, words);
}

/* The ACL list and rate limit of a scope (0 or a VIP id, after its line). */
static void write_guard(FILE *f, __u32 scope, const struct state_acl *acl,
			const struct state_ratelimit *rl)
{
	char a[XLB_ADDRSTRLEN];
	size_t i;

	if (rl->set)
		fprintf(f, "ratelimit %u %u %u %u %u %u %u\n", scope, rl->rl.pps, rl->rl.pps_burst,
			rl->rl.flows, rl->rl.flows_burst, rl->rl.plen4, rl->rl.plen6);
	for (i = 0; i < acl->n; i++) {
		const struct xlb_acl_rule *r = &acl->r[i];

		if (!xlb_addr__format(r->family, &r->addr, a, sizeof(a)))
			fprintf(f, "acl %u %s %u %s\n", scope, a, r->plen,
				r->action == XLB_ACL_ALLOW ? "allow" : "deny");
	}
}

static void write_model(FILE *f, const struct xlb_state *s)
{
	char a[XLB_ADDRSTRLEN];
	size_t i, j;

	fprintf(f, "%s %d\n", STATE_FILE_MAGIC, STATE_FILE_VERSION);
	fprintf(f, "mtu %u\n", s->mtu);
	write_source(f, XLB_AF_INET, &s->src4);
	write_source(f, XLB_AF_INET6, &s->src6);
	fprintf(f, "flow-budget %u\n", s->flow_budget);
	if (s->sample_every)
		fprintf(f, "sample %u\n", s->sample_every);
	write_guard(f, XLB_SCOPE_GLOBAL, &s->acl, &s->rl);
	for (i = 0; i < s->nr_vips; i++) {
		const struct state_vip *v = &s->vips[i];

		xlb_addr__format(v->key.family, &v->key.addr, a, sizeof(a));
		fprintf(f, "vip %u %s %u %u %u %u\n", v->id, a, ntohs(v->key.port), v->key.proto,
			v->mode, v->flags);
		if (v->fail_open)
			fprintf(f, "fail-open %u\n", v->id);
		if (v->announce_off)
			fprintf(f, "announce-off %u\n", v->id);
		write_check(f, "vip", v->id, v->check);
		for (j = 0; j < v->nr_be; j++) {
			const struct state_backend *b = &v->be[j];

			xlb_addr__format(b->family, &b->addr, a, sizeof(a));
			fprintf(f, "backend %u %u %u %s %u %u %u %u\n", v->id, b->id, b->generation,
				a, ntohs(b->port), b->weight, b->flags, b->health);
			write_check(f, "backend", b->id, b->check);
		}
		write_guard(f, v->id, &v->acl, &v->rl);
	}
	write_free(f, "free-vip", &s->vip_ids);
	write_free(f, "free-backend", &s->be_ids);
}

int state_file__save(const char *path, const struct xlb_state *s)
{
	char tmp[PATH_MAX];
	FILE *f = NULL;
	int fd = -1, err = 0;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, STATE_FILE_MODE);
	if (fd < 0) {
		err = -errno;
		pr_warn("create %s: %s\n", tmp, strerror(-err));
		return err;
	}
	f = fdopen(fd, "w");
	if (!f) {
		err = -errno;
		pr_warn("fdopen %s: %s\n", tmp, strerror(-err));
		close(fd);
		goto cleanup;
	}
	write_model(f, s);
	if (fflush(f) || fsync(fileno(f))) {
		err = -errno;
		pr_warn("write %s: %s\n", tmp, strerror(-err));
	}
	if (fclose(f) && !err) {
		err = -errno;
		pr_warn("close %s: %s\n", tmp, strerror(-err));
	}
	if (err)
		goto cleanup;
	if (rename(tmp, path)) {
		err = -errno;
		pr_warn("rename %s to %s: %s\n", tmp, path, strerror(-err));
	}
cleanup:
	if (err)
		unlink(tmp);
	return err;
}

static int parse_u32(const char *w, __u32 max, __u32 *out)
{
	unsigned long v;
	char *end;

	if (!w || !*w)
		return -EINVAL;
	errno = 0;
	v = strtoul(w, &end, 10);
	if (errno || *end || v > max)
		return -EINVAL;
	*out = (__u32)v;
	return 0;
}

static int split(char *line, char **w, int max)
{
	int n = 0;
	char *save = NULL, *tok;

	for (tok = strtok_r(line, " \t\n", &save); tok && n < max;
	     tok = strtok_r(NULL, " \t\n", &save))
		w[n++] = tok;
	return tok ? -E2BIG : n;
}

/* Free-id lines, collected to rebuild the allocators' order at the end. */
struct free_order {
	__u32 *ids;
	size_t n;
};

static int parse_free(struct state_ids *ids, struct free_order *o, char **w, int n)
{
	__u32 id, gen;

	if (n != 3 || parse_u32(w[1], ids->max - 1, &id) || !id ||
	    parse_u32(w[2], UINT32_MAX, &gen) || ids->used[id])
		return -EINVAL;
	state__ids_restore_gen(ids, id, gen);
	o->ids[o->n++] = id;
	return 0;
}

static int parse_vip(struct xlb_state *s, char **w, int n)
{
	struct xlb_vip_key key = {};
	__u32 id, port, proto, mode, flags;
	int family;

	if (n != 7 || parse_u32(w[1], XLB_MAX_VIPS - 1, &id) ||
	    xlb_addr__parse_any(w[2], &family, &key.addr) || parse_u32(w[3], UINT16_MAX, &port) ||
	    parse_u32(w[4], UINT8_MAX, &proto) || parse_u32(w[5], XLB_MODE__MAX - 1, &mode) ||
	    parse_u32(w[6], UINT8_MAX, &flags))
		return -EINVAL;
	key.family = (__u8)family;
	key.port = htons((__u16)port);
	key.proto = (__u8)proto;
	return state__vip_restore(s, id, &key, (__u8)mode, (__u8)flags);
}

static int parse_announce_off(struct xlb_state *s, char **w, int n)
{
	struct state_vip *v;
	__u32 id;

	if (n != 2 || parse_u32(w[1], XLB_MAX_VIPS - 1, &id))
		return -EINVAL;
	v = state__vip_by_id(s, id);
	return v ? state__vip_set_announce(s, &v->key, false, NULL) : -ENOENT;
}

static int parse_backend(struct xlb_state *s, char **w, int n)
{
	struct state_backend b = {};
	__u32 vip_id, id, port, health;
	int family;

	if (n != 9 || parse_u32(w[1], XLB_MAX_VIPS - 1, &vip_id) ||
	    parse_u32(w[2], XLB_MAX_BACKENDS - 1, &id) ||
	    parse_u32(w[3], UINT32_MAX, &b.generation) ||
	    xlb_addr__parse_any(w[4], &family, &b.addr) || parse_u32(w[5], UINT16_MAX, &port) ||
	    parse_u32(w[6], XLB_WEIGHT_MAX, &b.weight) || parse_u32(w[7], XLB_BE_F_ALL, &b.flags) ||
	    parse_u32(w[8], XLB_HEALTH__MAX - 1, &health))
		return -EINVAL;
	b.family = (__u8)family;
	b.port = htons((__u16)port);
	b.health = (__u8)health;
	return state__backend_restore(s, vip_id, id, &b);
}

static int parse_source(struct xlb_state *s, char **w, int n)
{
	struct xlb_addr addr;
	int family;
	__u32 plen;

	if (n != 3 || xlb_addr__parse_any(w[1], &family, &addr) ||
	    parse_u32(w[2], STATE_PLEN_MAX, &plen))
		return -EINVAL;
	return state__set_source(s, family, &addr, plen, NULL);
}

/* "vip-check ID WORDS..." or "backend-check ID WORDS...". */
static int parse_check(struct xlb_state *s, char *line)
{
	char *w[XLB_CLI_MAX_WORDS];
	struct xlb_check_spec spec;
	struct state_backend *b;
	struct state_vip *v;
	bool vip;
	__u32 id;
	int n, err;

	n = xlb_cli__split(line, w, XLB_CLI_MAX_WORDS);
	if (n < 3)
		return -EINVAL;
	vip = !strcmp(w[0], "vip-check");
	if (parse_u32(w[1], (vip ? XLB_MAX_VIPS : XLB_MAX_BACKENDS) - 1, &id))
		return -EINVAL;
	err = xlb_check_spec__parse(&spec, n - 2, w + 2, NULL, NULL);
	if (err)
		return err;
	if (vip) {
		v = state__vip_by_id(s, id);
		return v ? state__vip_set_check(s, &v->key, &spec, NULL) : -ENOENT;
	}
	b = state__backend_by_id(s, id, &v);
	if (!b)
		return -ENOENT;
	return state__backend_set_check(s, &v->key, b->family, &b->addr, b->port, &spec, NULL);
}

/* The VIP key of a scope (NULL for the global one), or -ENOENT. */
static int scope_key(const struct xlb_state *s, __u32 scope, const struct xlb_vip_key **key)
{
	const struct state_vip *v;

	*key = NULL;
	if (scope == XLB_SCOPE_GLOBAL)
		return 0;
	v = state__vip_by_id(s, scope);
	if (!v)
		return -ENOENT;
	*key = &v->key;
	return 0;
}

static int parse_ratelimit(struct xlb_state *s, char **w, int n)
{
	const struct xlb_vip_key *key;
	struct xlb_ratelimit rl;
	__u32 scope, plen4, plen6;

	if (n != 8 || parse_u32(w[1], XLB_MAX_VIPS - 1, &scope) ||
	    parse_u32(w[2], UINT32_MAX, &rl.pps) || parse_u32(w[3], UINT32_MAX, &rl.pps_burst) ||
	    parse_u32(w[4], UINT32_MAX, &rl.flows) ||
	    parse_u32(w[5], UINT32_MAX, &rl.flows_burst) || parse_u32(w[6], UINT8_MAX, &plen4) ||
	    parse_u32(w[7], UINT8_MAX, &plen6) || scope_key(s, scope, &key))
		return -EINVAL;
	rl.plen4 = (__u8)plen4;
	rl.plen6 = (__u8)plen6;
	return state__ratelimit_set(s, key, &rl, NULL);
}

static int parse_acl(struct xlb_state *s, char **w, int n)
{
	const struct xlb_vip_key *key;
	struct xlb_acl_rule r = {};
	__u32 scope, plen;
	int family;

	if (n != 5 || parse_u32(w[1], XLB_MAX_VIPS - 1, &scope) ||
	    xlb_addr__parse_any(w[2], &family, &r.addr) || parse_u32(w[3], UINT8_MAX, &plen) ||
	    scope_key(s, scope, &key))
		return -EINVAL;
	if (!strcmp(w[4], "deny"))
		r.action = XLB_ACL_DENY;
	else if (!strcmp(w[4], "allow"))
		r.action = XLB_ACL_ALLOW;
	else
		return -EINVAL;
	r.family = (__u8)family;
	r.plen = (__u8)plen;
	return state__acl_add(s, key, &r, NULL);
}

static int parse_line(struct xlb_state *s, char *line, bool *magic, struct free_order *fv,
		      struct free_order *fb)
{
	char *w[STATE_WORDS_MAX];
	struct state_vip *vip;
	__u32 v;
	int n;

	if (*magic && (!strncmp(line, "vip-check ", strlen("vip-check ")) ||
		       !strncmp(line, "backend-check ", strlen("backend-check "))))
		return parse_check(s, line);

	n = split(line, w, STATE_WORDS_MAX);
	if (n <= 0)
		return n;
	if (!*magic) {
		if (n != 2 || strcmp(w[0], STATE_FILE_MAGIC) ||
		    parse_u32(w[1], STATE_FILE_VERSION, &v) || v != STATE_FILE_VERSION)
			return -EINVAL;
		*magic = true;
		return 0;
	}
	if (!strcmp(w[0], "mtu"))
		return n == 2 && !parse_u32(w[1], UINT32_MAX, &v) ? state__set_mtu(s, v, NULL)
								  : -EINVAL;
	if (!strcmp(w[0], "source"))
		return parse_source(s, w, n);
	if (!strcmp(w[0], "vip"))
		return parse_vip(s, w, n);
	if (!strcmp(w[0], "fail-open")) {
		if (n != 2 || parse_u32(w[1], XLB_MAX_VIPS - 1, &v))
			return -EINVAL;
		vip = state__vip_by_id(s, v);
		return vip ? state__vip_set_fail_open(s, &vip->key, true, NULL) : -ENOENT;
	}
	if (!strcmp(w[0], "announce-off"))
		return parse_announce_off(s, w, n);
	if (!strcmp(w[0], "backend"))
		return parse_backend(s, w, n);
	if (!strcmp(w[0], "flow-budget"))
		return n == 2 && !parse_u32(w[1], UINT32_MAX, &v)
			       ? state__set_flow_budget(s, v, NULL)
			       : -EINVAL;
	if (!strcmp(w[0], "sample"))
		return n == 2 && !parse_u32(w[1], UINT32_MAX, &v) ? state__set_sample(s, v, NULL)
								  : -EINVAL;
	if (!strcmp(w[0], "ratelimit"))
		return parse_ratelimit(s, w, n);
	if (!strcmp(w[0], "acl"))
		return parse_acl(s, w, n);
	if (!strcmp(w[0], "free-vip"))
		return parse_free(&s->vip_ids, fv, w, n);
	if (!strcmp(w[0], "free-backend"))
		return parse_free(&s->be_ids, fb, w, n);
	return -EINVAL;
}

int state_file__load(const char *path, struct xlb_state *s)
{
	struct free_order fv = {}, fb = {};
	char line[STATE_LINE_MAX];
	bool magic = false;
	unsigned int lineno = 0;
	FILE *f;
	int err = 0;

	f = fopen(path, "re");
	if (!f) {
		err = -errno;
		if (err != -ENOENT)
			pr_warn("open %s: %s\n", path, strerror(-err));
		return err;
	}
	fv.ids = calloc(XLB_MAX_VIPS, sizeof(*fv.ids));
	fb.ids = calloc(XLB_MAX_BACKENDS, sizeof(*fb.ids));
	if (!fv.ids || !fb.ids) {
		err = -ENOMEM;
		goto cleanup;
	}
	while (fgets(line, sizeof(line), f)) {
		lineno++;
		if (fv.n >= XLB_MAX_VIPS || fb.n >= XLB_MAX_BACKENDS) {
			err = -EINVAL;
			break;
		}
		err = parse_line(s, line, &magic, &fv, &fb);
		if (err) {
			pr_warn("%s:%u: damaged state record\n", path, lineno);
			err = -EINVAL;
			break;
		}
	}
	if (!err && !magic) {
		pr_warn("%s: not a state file\n", path);
		err = -EINVAL;
	}
	if (!err)
		err = state__ids_rebuild(&s->vip_ids, fv.ids, fv.n);
	if (!err)
		err = state__ids_rebuild(&s->be_ids, fb.ids, fb.n);
cleanup:
	free(fv.ids);
	free(fb.ids);
	fclose(f);
	return err;
}

int state_file__remove(const char *path)
{
	int err;

	if (unlink(path) && errno != ENOENT) {
		err = -errno;
		pr_warn("remove %s: %s\n", path, strerror(-err));
		return err;
	}
	return 0;
}
