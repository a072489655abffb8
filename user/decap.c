// SPDX-License-Identifier: MIT
/*
 * The backend-side decapsulation program from user space: its life (load,
 * pin, attach or adopt, detach), its allowed sets and its counters. Attached
 * once with bpf_xdp_attach, like the forwarding program; the attachment
 * outlives the process that made it.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <linux/if_link.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

/* The generated skeleton casts its const ELF bytes. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wcast-qual"
#include "decap.skel.h"
#pragma GCC diagnostic pop
#include "decap.h"
#include "log.h"
#include "netaddr.h"

#define PROG_NAME     "xlb_decap"
#define PIN_DIR_MODE  0700
#define IPV4_BITS     32
#define IPV6_BITS     128
#define BITS_PER_BYTE 8
#define ARRAY_LEN(a)  (sizeof(a) / sizeof((a)[0]))

/* Every map the program pins, by its name in the object. */
static const char *const map_names[] = {
	"decap_lbs4", "decap_lbs6", "decap_vips4", "decap_vips6", "decap_stats",
};

static const char *const stat_names[XLB_DECAP_STAT__MAX] = {
	[XLB_DECAP_PASS_NOT_IP] = "pass_not_ip",
	[XLB_DECAP_PASS_NOT_ENCAP] = "pass_not_encap",
	[XLB_DECAP_PASS_SHORT] = "pass_short",
	[XLB_DECAP_PASS_DECAP] = "pass_decap",
	[XLB_DECAP_DROP_MALFORMED] = "drop_malformed",
	[XLB_DECAP_DROP_FRAGMENT] = "drop_fragment",
	[XLB_DECAP_DROP_FAMILY] = "drop_family",
	[XLB_DECAP_DROP_UNKNOWN_LB] = "drop_unknown_lb",
	[XLB_DECAP_DROP_UNKNOWN_VIP] = "drop_unknown_vip",
	[XLB_DECAP_DROP_ECN] = "drop_ecn",
	[XLB_DECAP_DROP_ADJUST] = "drop_adjust",
	[XLB_DECAP_EV_VLAN] = "vlan_tagged",
	[XLB_DECAP_EV_ECN_CE] = "ecn_ce_copied",
};

const char *decap_stat__name(enum xlb_decap_stat idx)
{
	if ((unsigned int)idx >= XLB_DECAP_STAT__MAX || !stat_names[idx])
		return "unknown";
	return stat_names[idx];
}

int decap_pin_dir(char *buf, size_t len, const char *name)
{
	int n;

	if (!name || !*name || strchr(name, '/') || strcmp(name, ".") == 0 ||
	    strcmp(name, "..") == 0)
		return -EINVAL;
	n = snprintf(buf, len, "%s/%s", XLB_DECAP_PIN_ROOT, name);
	if (n < 0 || (size_t)n >= len)
		return -ENAMETOOLONG;
	return 0;
}

static int pin_path(char *buf, size_t len, const char *name, const char *leaf)
{
	char dir[PATH_MAX];
	int err, n;

	err = decap_pin_dir(dir, sizeof(dir), name);
	if (err)
		return err;
	n = snprintf(buf, len, "%s/%s", dir, leaf);
	if (n < 0 || (size_t)n >= len)
		return -ENAMETOOLONG;
	return 0;
}

/* True when the host bits of p (beyond plen) are all zero. */
static int host_bits_zero(const struct decap_prefix *p)
{
	const __u8 *b = (const __u8 *)p->addr.a;
	unsigned int bits = p->family == XLB_AF_INET ? IPV4_BITS : IPV6_BITS;
	unsigned int i;

	for (i = p->plen; i < bits; i++)
		if (b[i / BITS_PER_BYTE] & (0x80 >> (i % BITS_PER_BYTE)))
			return 0;
	return 1;
}

int decap_prefix__parse(const char *s, struct decap_prefix *p)
{
	char buf[XLB_ADDRSTRLEN];
	const char *slash = strchr(s, '/');
	unsigned long plen;
	size_t alen = slash ? (size_t)(slash - s) : strlen(s);
	unsigned int max;
	char *endp;
	int family;

	if (alen >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, alen);
	buf[alen] = '\0';
	if (xlb_addr__parse_any(buf, &family, &p->addr))
		return -EINVAL;
	max = family == XLB_AF_INET ? IPV4_BITS : IPV6_BITS;
	plen = max;
	if (slash) {
		errno = 0;
		plen = strtoul(slash + 1, &endp, 10);
		if (errno || endp == slash + 1 || *endp || plen > max)
			return -EINVAL;
	}
	p->family = (__u8)family;
	p->plen = (__u8)plen;
	return host_bits_zero(p) ? 0 : -EINVAL;
}

void decap_maps__init(struct decap_maps *m)
{
	m->lbs4 = -1;
	m->lbs6 = -1;
	m->vips4 = -1;
	m->vips6 = -1;
	m->stats = -1;
}

void decap_maps__close(struct decap_maps *m)
{
	int *fds[] = {&m->lbs4, &m->lbs6, &m->vips4, &m->vips6, &m->stats};
	size_t i;

	for (i = 0; i < ARRAY_LEN(fds); i++) {
		if (*fds[i] >= 0)
			close(*fds[i]);
		*fds[i] = -1;
	}
}

int decap_maps__open_pinned(struct decap_maps *m, const char *name)
{
	int *fds[] = {&m->lbs4, &m->lbs6, &m->vips4, &m->vips6, &m->stats};
	char path[PATH_MAX];
	size_t i;
	int err;

	decap_maps__init(m);
	for (i = 0; i < ARRAY_LEN(fds); i++) {
		err = pin_path(path, sizeof(path), name, map_names[i]);
		if (err)
			goto cleanup;
		*fds[i] = bpf_obj_get(path);
		if (*fds[i] < 0) {
			err = -errno;
			pr_warn("open %s: %s\n", path, strerror(-err));
			goto cleanup;
		}
	}
	return 0;
cleanup:
	decap_maps__close(m);
	return err;
}

/* The id and name of a program, by fd. */
static int prog_info(int fd, __u32 *id, char *name, size_t len)
{
	struct bpf_prog_info info = {};
	__u32 info_len = sizeof(info);
	int err;

	err = bpf_obj_get_info_by_fd(fd, &info, &info_len);
	if (err) {
		err = -errno;
		pr_warn("read BPF program info: %s\n", strerror(-err));
		return err;
	}
	*id = info.id;
	if (name)
		snprintf(name, len, "%s", info.name);
	return 0;
}

/* The id of name's pinned program; 0 when none is pinned. */
static int pinned_prog_id(const char *name, __u32 *id)
{
	char path[PATH_MAX];
	int fd, err;

	*id = 0;
	err = pin_path(path, sizeof(path), name, XLB_DECAP_PROG_PIN);
	if (err)
		return err;
	fd = bpf_obj_get(path);
	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;
	err = prog_info(fd, id, NULL, 0);
	close(fd);
	return err;
}

/* The program attached to ifindex (id 0 if none), its mode's attach flag
 * and whether it is a decap program (of any name). */
static int attached(int ifindex, __u32 *id, __u32 *mode_flag, int *is_decap)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);
	char prog_name[BPF_OBJ_NAME_LEN];
	__u32 unused;
	int fd, err;

	*is_decap = 0;
	err = bpf_xdp_query(ifindex, 0, &q);
	if (err) {
		pr_warn("query XDP on ifindex %d: %s\n", ifindex, strerror(-err));
		return err;
	}
	*id = q.prog_id;
	*mode_flag = q.attach_mode == XDP_ATTACHED_SKB ? XDP_FLAGS_SKB_MODE : XDP_FLAGS_DRV_MODE;
	if (!*id)
		return 0;
	fd = bpf_prog_get_fd_by_id(*id);
	if (fd < 0) {
		err = -errno;
		pr_warn("open XDP program id %u: %s\n", *id, strerror(-err));
		return err;
	}
	err = prog_info(fd, &unused, prog_name, sizeof(prog_name));
	close(fd);
	if (err)
		return err;
	*is_decap = strcmp(prog_name, PROG_NAME) == 0;
	return 0;
}

static int unlink_pin(const char *name, const char *leaf)
{
	char path[PATH_MAX];
	int err;

	err = pin_path(path, sizeof(path), name, leaf);
	if (err)
		return err;
	if (unlink(path) && errno != ENOENT) {
		err = -errno;
		pr_warn("unlink %s: %s\n", path, strerror(-err));
		return err;
	}
	return 0;
}

/* Removes name's pins and directory; what is already gone is no error. */
static int unpin(const char *name)
{
	char path[PATH_MAX];
	size_t i;
	int err;

	for (i = 0; i < ARRAY_LEN(map_names); i++) {
		err = unlink_pin(name, map_names[i]);
		if (err)
			return err;
	}
	err = unlink_pin(name, XLB_DECAP_PROG_PIN);
	if (err)
		return err;
	err = decap_pin_dir(path, sizeof(path), name);
	if (err)
		return err;
	if (rmdir(path) && errno != ENOENT) {
		err = -errno;
		pr_warn("rmdir %s: %s\n", path, strerror(-err));
		return err;
	}
	return 0;
}

static int mkdir_one(const char *path)
{
	int err;

	if (mkdir(path, PIN_DIR_MODE) && errno != EEXIST) {
		err = -errno;
		pr_warn("mkdir %s: %s\n", path, strerror(-err));
		return err;
	}
	return 0;
}

/* Loads the program with its maps pinned (or shared) under name, attaches
 * it, then pins it; an attachment whose pin failed is undone. */
static int load_and_attach(const char *name, int ifindex, __u32 mode_flag)
{
	char path[PATH_MAX];
	struct decap_bpf *skel;
	struct bpf_map *map;
	int err, prog_fd;

	err = mkdir_one(XLB_DECAP_PIN_ROOT);
	if (!err)
		err = decap_pin_dir(path, sizeof(path), name);
	if (!err)
		err = mkdir_one(path);
	if (err)
		return err;
	skel = decap_bpf__open();
	if (!skel) {
		err = -errno;
		pr_warn("open decap skeleton: %s\n", strerror(-err));
		return err;
	}
	bpf_object__for_each_map(map, skel->obj)
	{
		err = pin_path(path, sizeof(path), name, bpf_map__name(map));
		if (err)
			goto cleanup;
		/* libbpf reuses a map pinned there, else pins the new one. */
		err = bpf_map__set_pin_path(map, path);
		if (err) {
			pr_warn("set pin path %s: %s\n", path, strerror(-err));
			goto cleanup;
		}
	}
	err = decap_bpf__load(skel);
	if (err) {
		pr_warn("load decap program: %s\n", strerror(-err));
		goto cleanup;
	}
	prog_fd = bpf_program__fd(skel->progs.xlb_decap);
	err = bpf_xdp_attach(ifindex, prog_fd, mode_flag | XDP_FLAGS_UPDATE_IF_NOEXIST, NULL);
	if (err) {
		pr_warn("attach decap program to ifindex %d: %s\n", ifindex, strerror(-err));
		goto cleanup;
	}
	/* A stale pin (its device was removed) gives way to the new program. */
	err = unlink_pin(name, XLB_DECAP_PROG_PIN);
	if (!err)
		err = pin_path(path, sizeof(path), name, XLB_DECAP_PROG_PIN);
	if (!err)
		err = bpf_program__pin(skel->progs.xlb_decap, path);
	if (err) {
		pr_warn("pin decap program at %s: %s\n", path, strerror(-err));
		if (bpf_xdp_detach(ifindex, mode_flag, NULL))
			pr_warn("detach decap program from ifindex %d failed\n", ifindex);
	}
cleanup:
	decap_bpf__destroy(skel);
	return err;
}

int decap__attach(const char *name, int ifindex, enum xlb_attach_mode mode)
{
	__u32 id, pinned_id, cur_mode;
	int err, is_decap;

	err = attached(ifindex, &id, &cur_mode, &is_decap);
	if (err)
		return err;
	err = pinned_prog_id(name, &pinned_id);
	if (err)
		return err;
	if (id && id == pinned_id)
		return 1;
	if (id) {
		pr_warn("ifindex %d already runs XDP program id %u%s; detach it first\n", ifindex,
			id, is_decap ? " (a decap program pinned under another name)" : "");
		return -EBUSY;
	}
	return load_and_attach(name, ifindex,
			       mode == XLB_ATTACH_SKB ? XDP_FLAGS_SKB_MODE : XDP_FLAGS_DRV_MODE);
}

int decap__detach(const char *name, int ifindex)
{
	char path[PATH_MAX];
	__u32 id, pinned_id, mode_flag;
	int err, is_decap, had_pins;

	err = attached(ifindex, &id, &mode_flag, &is_decap);
	if (err)
		return err;
	err = pinned_prog_id(name, &pinned_id);
	if (err)
		return err;
	if (id && id != pinned_id && !is_decap) {
		pr_warn("ifindex %d runs XDP program id %u, not the decap program\n", ifindex, id);
		return -EBUSY;
	}
	if (id) {
		err = bpf_xdp_detach(ifindex, mode_flag, NULL);
		if (err) {
			pr_warn("detach XDP from ifindex %d: %s\n", ifindex, strerror(-err));
			return err;
		}
	}
	err = decap_pin_dir(path, sizeof(path), name);
	if (err)
		return err;
	had_pins = access(path, F_OK) == 0;
	err = unpin(name);
	if (err)
		return err;
	return id || had_pins ? 0 : 1;
}

/* A map's keys, for syncing it with a wanted set. */
struct key_set {
	void *keys;
	size_t n;
	size_t size;
};

static int key_set__has(const struct key_set *s, const void *key)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if (memcmp((const char *)s->keys + i * s->size, key, s->size) == 0)
			return 1;
	return 0;
}

/* Makes the map's keys exactly want's: adds first, then deletes the stale
 * keys, collected before deleting since deleting disturbs the iteration. */
static int sync_map(int fd, const struct key_set *want, size_t max_entries)
{
	const __u32 value = XLB_DECAP_ENTRY;
	struct key_set stale = {.size = want->size};
	char *cur = NULL, *prev = NULL;
	size_t i;
	int err = 0;

	for (i = 0; i < want->n; i++) {
		if (bpf_map_update_elem(fd, (const char *)want->keys + i * want->size, &value,
					BPF_ANY)) {
			err = -errno;
			pr_warn("add decap map entry: %s\n", strerror(-err));
			return err;
		}
	}
	stale.keys = calloc(max_entries, want->size);
	cur = calloc(1, want->size);
	prev = calloc(1, want->size);
	if (!stale.keys || !cur || !prev) {
		err = -ENOMEM;
		pr_warn("sync decap map: %s\n", strerror(-err));
		goto cleanup;
	}
	/* Bounded by the map's capacity: a map never holds more keys. */
	for (i = 0; i < max_entries; i++) {
		if (bpf_map_get_next_key(fd, i ? prev : NULL, cur)) {
			if (errno == ENOENT)
				break;
			err = -errno;
			pr_warn("iterate decap map: %s\n", strerror(-err));
			goto cleanup;
		}
		if (!key_set__has(want, cur))
			memcpy((char *)stale.keys + stale.n++ * stale.size, cur, stale.size);
		memcpy(prev, cur, want->size);
	}
	for (i = 0; i < stale.n; i++) {
		if (bpf_map_delete_elem(fd, (char *)stale.keys + i * stale.size) &&
		    errno != ENOENT) {
			err = -errno;
			pr_warn("delete decap map entry: %s\n", strerror(-err));
			goto cleanup;
		}
	}
cleanup:
	free(stale.keys);
	free(cur);
	free(prev);
	return err;
}

int decap_config__set(const struct decap_maps *m, const struct decap_prefix *lbs, size_t nlbs,
		      const struct decap_prefix *vips, size_t nvips)
{
	struct xlb_decap_lb4_key *lb4 = calloc(nlbs + 1, sizeof(*lb4));
	struct xlb_decap_lb6_key *lb6 = calloc(nlbs + 1, sizeof(*lb6));
	__be32 *vip4 = calloc(nvips + 1, sizeof(*vip4));
	struct xlb_in6 *vip6 = calloc(nvips + 1, sizeof(*vip6));
	struct key_set s4 = {.keys = lb4, .size = sizeof(*lb4)};
	struct key_set s6 = {.keys = lb6, .size = sizeof(*lb6)};
	struct key_set v4 = {.keys = vip4, .size = sizeof(*vip4)};
	struct key_set v6 = {.keys = vip6, .size = sizeof(*vip6)};
	size_t i;
	int err;

	if (!lb4 || !lb6 || !vip4 || !vip6) {
		err = -ENOMEM;
		pr_warn("decap config: %s\n", strerror(-err));
		goto cleanup;
	}
	for (i = 0; i < nlbs; i++) {
		if (lbs[i].family == XLB_AF_INET) {
			lb4[s4.n].prefixlen = lbs[i].plen;
			lb4[s4.n++].addr = lbs[i].addr.a[0];
		} else {
			lb6[s6.n].prefixlen = lbs[i].plen;
			memcpy(&lb6[s6.n++].addr, lbs[i].addr.a, sizeof(lb6->addr));
		}
	}
	for (i = 0; i < nvips; i++) {
		if (vips[i].family == XLB_AF_INET)
			vip4[v4.n++] = vips[i].addr.a[0];
		else
			memcpy(&vip6[v6.n++], vips[i].addr.a, sizeof(*vip6));
	}
	if (s4.n > XLB_DECAP_MAX_LBS || s6.n > XLB_DECAP_MAX_LBS || v4.n > XLB_DECAP_MAX_VIPS ||
	    v6.n > XLB_DECAP_MAX_VIPS) {
		err = -E2BIG;
		pr_warn("decap config: more than %d lb prefixes or %d VIPs of a family\n",
			XLB_DECAP_MAX_LBS, XLB_DECAP_MAX_VIPS);
		goto cleanup;
	}
	err = sync_map(m->lbs4, &s4, XLB_DECAP_MAX_LBS);
	if (!err)
		err = sync_map(m->lbs6, &s6, XLB_DECAP_MAX_LBS);
	if (!err)
		err = sync_map(m->vips4, &v4, XLB_DECAP_MAX_VIPS);
	if (!err)
		err = sync_map(m->vips6, &v6, XLB_DECAP_MAX_VIPS);
cleanup:
	free(lb4);
	free(lb6);
	free(vip4);
	free(vip6);
	return err;
}

int decap_stats__read(const struct decap_maps *m, enum xlb_decap_stat idx, struct xlb_counter *out)
{
	int ncpu = libbpf_num_possible_cpus();
	struct xlb_counter *vals;
	__u32 key = idx;
	int err = 0, i;

	memset(out, 0, sizeof(*out));
	if (ncpu < 0) {
		pr_warn("count possible CPUs: %s\n", strerror(-ncpu));
		return ncpu;
	}
	vals = calloc(ncpu, sizeof(*vals));
	if (!vals)
		return -ENOMEM;
	if (bpf_map_lookup_elem(m->stats, &key, vals)) {
		err = -errno;
		pr_warn("read decap counter %s: %s\n", decap_stat__name(idx), strerror(-err));
		goto cleanup;
	}
	for (i = 0; i < ncpu; i++) {
		out->packets += vals[i].packets;
		out->bytes += vals[i].bytes;
	}
cleanup:
	free(vals);
	return err;
}
