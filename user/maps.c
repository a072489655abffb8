// SPDX-License-Identifier: MIT
/*
 * The forwarding program's maps from user space: pin paths, adopting pinned
 * maps, and every write xlbd makes. Writes are ordered so the running
 * program never sees a half-made VIP.
 */
#include <errno.h>
#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/magic.h>
#include <netinet/in.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "xlb.skel.h"
#include "log.h"
#include "maps.h"

#define BPFFS_MOUNT   "/sys/fs/bpf"
#define PIN_DIR_MODE  0700
#define RING_MAP_NAME "xlb_ring"
#define BITS_PER_WORD 32

static const char *const stat_names[XLB_STAT__MAX] = {
	[XLB_STAT_PASS_NOT_IP] = "pass_not_ip",
	[XLB_STAT_PASS_NOT_VIP] = "pass_not_vip",
	[XLB_STAT_PASS_MALFORMED] = "pass_malformed",
	[XLB_STAT_PASS_ND] = "pass_nd",
	[XLB_STAT_DROP_MALFORMED] = "drop_malformed",
	[XLB_STAT_DROP_NO_VIP] = "drop_no_vip",
	[XLB_STAT_DROP_FRAG] = "drop_frag",
	[XLB_STAT_DROP_ICMP] = "drop_icmp",
	[XLB_STAT_TX_ECHO_REPLY] = "tx_echo_reply",
	[XLB_STAT_DROP_NO_BACKEND] = "drop_no_backend",
	[XLB_STAT_DROP_FAMILY] = "drop_family",
	[XLB_STAT_DROP_NO_SOURCE] = "drop_no_source",
	[XLB_STAT_TX_TOO_BIG] = "tx_too_big",
	[XLB_STAT_DROP_TOO_BIG] = "drop_too_big",
	[XLB_STAT_DROP_TOO_BIG_LIMIT] = "drop_too_big_limit",
	[XLB_STAT_DROP_NO_NEIGH] = "drop_no_neigh",
	[XLB_STAT_DROP_FIB] = "drop_fib",
	[XLB_STAT_DROP_NO_TX_PORT] = "drop_no_tx_port",
	[XLB_STAT_DROP_ADJUST] = "drop_adjust",
	[XLB_STAT_FWD_TX] = "fwd_tx",
	[XLB_STAT_FWD_REDIRECT] = "fwd_redirect",
	[XLB_STAT_DROP_ACL] = "drop_acl",
	[XLB_STAT_DROP_RATELIMIT_PPS] = "drop_ratelimit_pps",
	[XLB_STAT_DROP_RATELIMIT_FLOWS] = "drop_ratelimit_flows",
	[XLB_STAT_EV_NEW_FLOW] = "new_flow",
	[XLB_STAT_EV_RESCHEDULED] = "rescheduled",
	[XLB_STAT_EV_ICMP_ERROR] = "icmp_error_forwarded",
	[XLB_STAT_EV_FRAGMENT] = "fragment_forwarded",
	[XLB_STAT_EV_VLAN] = "vlan_tagged",
	[XLB_STAT_EV_FLOW_NOT_STORED] = "flow_not_stored",
	[XLB_STAT_EV_SAMPLED] = "flow_sampled",
	[XLB_STAT_EV_SAMPLE_LOST] = "flow_sample_lost",
};

const char *xlb_stat__name(enum xlb_stat idx)
{
	if ((unsigned int)idx >= XLB_STAT__MAX || !stat_names[idx])
		return "unknown";
	return stat_names[idx];
}

int xlb_pin_dir(char *buf, size_t len, const char *name)
{
	int n;

	if (!name || !*name || strchr(name, '/') || strcmp(name, ".") == 0 ||
	    strcmp(name, "..") == 0)
		return -EINVAL;
	n = snprintf(buf, len, "%s/%s/abi%d", XLB_PIN_ROOT, name, XLB_ABI_VERSION);
	if (n < 0 || (size_t)n >= len)
		return -ENAMETOOLONG;
	return 0;
}

int xlb_bpffs__ensure(void)
{
	struct statfs st;

	if (statfs(BPFFS_MOUNT, &st) == 0 && st.f_type == BPF_FS_MAGIC)
		return 0;
	if (mount("bpf", BPFFS_MOUNT, "bpf", 0, "mode=0700")) {
		int err = -errno;

		pr_warn("cannot mount bpffs on %s: %s\n", BPFFS_MOUNT, strerror(-err));
		return err;
	}
	return 0;
}

static int mkdir_one(const char *path)
{
	if (mkdir(path, PIN_DIR_MODE) && errno != EEXIST) {
		int err = -errno;

		pr_warn("mkdir %s: %s\n", path, strerror(-err));
		return err;
	}
	return 0;
}

/* Creates XLB_PIN_ROOT, XLB_PIN_ROOT/name and the ABI directory under it. */
static int pin_dir__create(const char *name, char *dir, size_t len)
{
	char parent[PATH_MAX];
	int err;

	err = xlb_pin_dir(dir, len, name);
	if (err)
		return err;
	err = mkdir_one(XLB_PIN_ROOT);
	if (err)
		return err;
	snprintf(parent, sizeof(parent), "%s/%s", XLB_PIN_ROOT, name);
	err = mkdir_one(parent);
	if (err)
		return err;
	return mkdir_one(dir);
}

static int pin_path(char *buf, size_t len, const char *dir, const char *file)
{
	int n = snprintf(buf, len, "%s/%s", dir, file);

	if (n < 0 || (size_t)n >= len)
		return -ENAMETOOLONG;
	return 0;
}

int xlb_maps__reuse_pinned(struct xlb_bpf *skel, const char *name, int *reused)
{
	char dir[PATH_MAX], path[PATH_MAX];
	struct bpf_map *map;
	int err, fd;

	*reused = 0;
	err = xlb_pin_dir(dir, sizeof(dir), name);
	if (err)
		return err;
	bpf_object__for_each_map(map, skel->obj)
	{
		if (bpf_map__is_internal(map))
			continue;
		err = pin_path(path, sizeof(path), dir, bpf_map__name(map));
		if (err)
			return err;
		fd = bpf_obj_get(path);
		if (fd < 0) {
			if (errno == ENOENT)
				continue;
			err = -errno;
			pr_warn("open pinned map %s: %s\n", path, strerror(-err));
			return err;
		}
		err = bpf_map__reuse_fd(map, fd);
		close(fd);
		if (err) {
			pr_warn("reuse pinned map %s: %s\n", path, strerror(-err));
			return err;
		}
		(*reused)++;
	}
	return 0;
}

int xlb_maps__pin(struct xlb_bpf *skel, const char *name)
{
	char dir[PATH_MAX], path[PATH_MAX];
	struct bpf_map *map;
	int err, fd;

	err = pin_dir__create(name, dir, sizeof(dir));
	if (err)
		return err;
	bpf_object__for_each_map(map, skel->obj)
	{
		if (bpf_map__is_internal(map))
			continue;
		err = pin_path(path, sizeof(path), dir, bpf_map__name(map));
		if (err)
			return err;
		fd = bpf_obj_get(path);
		if (fd >= 0) {
			close(fd); /* reused from the pin: already there */
			continue;
		}
		err = bpf_obj_pin(bpf_map__fd(map), path);
		if (err) {
			err = -errno;
			pr_warn("pin %s: %s\n", path, strerror(-err));
			return err;
		}
	}
	return 0;
}

int xlb_maps__unpin(const char *name)
{
	char dir[PATH_MAX], path[PATH_MAX];
	struct dirent *de;
	DIR *d;
	int err = 0;

	err = xlb_pin_dir(dir, sizeof(dir), name);
	if (err)
		return err;
	d = opendir(dir);
	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		if (pin_path(path, sizeof(path), dir, de->d_name) == 0 && unlink(path) && !err)
			err = -errno;
	}
	closedir(d);
	if (rmdir(dir) && !err)
		err = -errno;
	snprintf(path, sizeof(path), "%s/%s", XLB_PIN_ROOT, name);
	if (rmdir(path) && errno != ENOTEMPTY && !err)
		err = -errno;
	if (err)
		pr_warn("unpin %s: %s\n", dir, strerror(-err));
	return err;
}

void xlb_maps__init(struct xlb_maps *m)
{
	int *fds = (int *)m;
	size_t i;

	for (i = 0; i < sizeof(*m) / sizeof(int); i++)
		fds[i] = -1;
}

int xlb_maps__from_skel(struct xlb_maps *m, struct xlb_bpf *skel)
{
	m->vip_addrs4 = bpf_map__fd(skel->maps.vip_addrs4);
	m->vip_addrs6 = bpf_map__fd(skel->maps.vip_addrs6);
	m->vips = bpf_map__fd(skel->maps.vips);
	m->rings = bpf_map__fd(skel->maps.rings);
	m->backends = bpf_map__fd(skel->maps.backends);
	m->flows = bpf_map__fd(skel->maps.flows);
	m->config = bpf_map__fd(skel->maps.config);
	m->tx_ports = bpf_map__fd(skel->maps.tx_ports);
	m->vlan_ifs = bpf_map__fd(skel->maps.vlan_ifs);
	m->stats = bpf_map__fd(skel->maps.stats);
	m->vip_stats = bpf_map__fd(skel->maps.vip_stats);
	m->backend_stats = bpf_map__fd(skel->maps.backend_stats);
	m->acl4 = bpf_map__fd(skel->maps.acl4);
	m->acl6 = bpf_map__fd(skel->maps.acl6);
	m->guard = bpf_map__fd(skel->maps.guard);
	m->rl_state = bpf_map__fd(skel->maps.rl_state);
	m->flow_budget = bpf_map__fd(skel->maps.flow_budget);
	return m->vips < 0 ? -EBADF : 0;
}

struct map_name {
	const char *name;
	size_t offset;
};

#define MAP_NAME(field)                                                                            \
	{                                                                                          \
#field, offsetof(struct xlb_maps, field)                                           \
	}
static const struct map_name map_names[] = {
	MAP_NAME(vip_addrs4),  MAP_NAME(vip_addrs6), MAP_NAME(vips),	  MAP_NAME(rings),
	MAP_NAME(backends),    MAP_NAME(flows),	     MAP_NAME(config),	  MAP_NAME(tx_ports),
	MAP_NAME(vlan_ifs),    MAP_NAME(stats),	     MAP_NAME(vip_stats), MAP_NAME(backend_stats),
	MAP_NAME(acl4),	       MAP_NAME(acl6),	     MAP_NAME(guard),	  MAP_NAME(rl_state),
	MAP_NAME(flow_budget),
};

int xlb_maps__open_pinned(struct xlb_maps *m, const char *name)
{
	char dir[PATH_MAX], path[PATH_MAX];
	size_t i;
	int err;

	xlb_maps__init(m);
	err = xlb_pin_dir(dir, sizeof(dir), name);
	if (err)
		return err;
	for (i = 0; i < sizeof(map_names) / sizeof(map_names[0]); i++) {
		int *fd = (int *)((char *)m + map_names[i].offset);

		err = pin_path(path, sizeof(path), dir, map_names[i].name);
		if (err)
			goto cleanup;
		*fd = bpf_obj_get(path);
		if (*fd < 0) {
			err = -errno;
			pr_warn("open pinned map %s: %s\n", path, strerror(-err));
			goto cleanup;
		}
	}
	return 0;
cleanup:
	xlb_maps__close(m);
	return err;
}

void xlb_maps__close(struct xlb_maps *m)
{
	int *fds = (int *)m;
	size_t i;

	for (i = 0; i < sizeof(*m) / sizeof(int); i++) {
		if (fds[i] >= 0)
			close(fds[i]);
		fds[i] = -1;
	}
}

static int map_update(int fd, const void *key, const void *value, const char *what)
{
	if (bpf_map_update_elem(fd, key, value, BPF_ANY)) {
		int err = -errno;

		pr_warn("update %s: %s\n", what, strerror(-err));
		return err;
	}
	return 0;
}

int xlb_config__read(const struct xlb_maps *m, struct xlb_config *cfg)
{
	__u32 key = 0;

	if (bpf_map_lookup_elem(m->config, &key, cfg))
		return -errno;
	return 0;
}

int xlb_config__write(const struct xlb_maps *m, const struct xlb_config *cfg)
{
	__u32 key = 0;

	if (cfg->mtu && (cfg->mtu < XLB_MTU_MIN || cfg->mtu > XLB_MTU_MAX))
		return -ERANGE;
	return map_update(m->config, &key, cfg, "config");
}

/* Network-order mask of the first plen bits of a 32-bit word. */
static __be32 word_mask(int plen)
{
	if (plen <= 0)
		return 0;
	if (plen >= BITS_PER_WORD)
		return 0xffffffffu;
	return htonl(~((1u << (BITS_PER_WORD - plen)) - 1));
}

int xlb_config__set_source(struct xlb_config *cfg, int family, const struct xlb_addr *addr,
			   unsigned int plen)
{
	int i;

	if (family == XLB_AF_INET) {
		if (plen > BITS_PER_WORD)
			return -EINVAL;
		cfg->src4 = addr->a[0] & word_mask(plen);
		cfg->src4_hostmask = ~word_mask(plen);
		return 0;
	}
	if (family != XLB_AF_INET6 || plen > 4 * BITS_PER_WORD)
		return -EINVAL;
	for (i = 0; i < 4; i++) {
		__be32 mask = word_mask((int)plen - i * BITS_PER_WORD);

		cfg->src6.a[i] = addr->a[i] & mask;
		cfg->src6_hostmask.a[i] = ~mask;
	}
	return 0;
}

static int proto_slot(__u8 proto)
{
	if (proto == IPPROTO_TCP)
		return XLB_SLOT_TCP;
	if (proto == IPPROTO_UDP)
		return XLB_SLOT_UDP;
	return -EINVAL;
}

/* Recomputes the shortcuts of one VIP address from the vips map, leaving out
 * skip (a VIP about to be deleted). Removes the entry when no VIP is left. */
static int vip_addr__refresh(const struct xlb_maps *m, const struct xlb_vip_key *of,
			     const struct xlb_vip_key *skip)
{
	struct xlb_vip single[XLB_SLOT__MAX] = {};
	struct xlb_vip_addr va = {};
	struct xlb_vip_key key, next;
	struct xlb_vip vip;
	int fd = of->family == XLB_AF_INET ? m->vip_addrs4 : m->vip_addrs6;
	const void *akey = of->family == XLB_AF_INET ? (const void *)&of->addr.a[0] : &of->addr;
	int slot, found = 0, err;
	void *prev = NULL;

	while (bpf_map_get_next_key(m->vips, prev, &next) == 0) {
		key = next;
		prev = &key;
		if (key.family != of->family || memcmp(&key.addr, &of->addr, sizeof(key.addr)))
			continue;
		if (skip && memcmp(&key, skip, sizeof(key)) == 0)
			continue;
		if (bpf_map_lookup_elem(m->vips, &key, &vip))
			continue; /* deleted meanwhile */
		slot = proto_slot(key.proto);
		if (slot < 0)
			continue;
		found++;
		if (key.port == 0) {
			va.any_port[slot] = vip;
		} else {
			va.nr_ports[slot]++;
			single[slot] = vip;
		}
	}
	if (!found) {
		if (bpf_map_delete_elem(fd, akey) && errno != ENOENT)
			return -errno;
		return 0;
	}
	/* Fragments carry no ports: usable only where the VIP is unambiguous. */
	for (slot = 0; slot < XLB_SLOT__MAX; slot++) {
		if (va.any_port[slot].id)
			va.frag[slot] = va.any_port[slot];
		else if (va.nr_ports[slot] == 1)
			va.frag[slot] = single[slot];
	}
	err = map_update(fd, akey, &va, "vip address");
	return err;
}

static int vip_key__check(const struct xlb_vip_key *key)
{
	if (key->family != XLB_AF_INET && key->family != XLB_AF_INET6)
		return -EAFNOSUPPORT;
	if (key->family == XLB_AF_INET && (key->addr.a[1] || key->addr.a[2] || key->addr.a[3]))
		return -EINVAL;
	return proto_slot(key->proto) < 0 ? -EPROTONOSUPPORT : 0;
}

int xlb_vip__write(const struct xlb_maps *m, const struct xlb_vip_key *key,
		   const struct xlb_vip *vip)
{
	int err = vip_key__check(key);

	if (err)
		return err;
	if (!vip->id || vip->id >= XLB_MAX_VIPS || vip->mode >= XLB_MODE__MAX)
		return -EINVAL;
	err = map_update(m->vips, key, vip, "vip");
	if (err)
		return err;
	return vip_addr__refresh(m, key, NULL);
}

int xlb_vip__delete(const struct xlb_maps *m, const struct xlb_vip_key *key)
{
	struct xlb_vip vip;
	int err = vip_key__check(key);

	if (err)
		return err;
	if (bpf_map_lookup_elem(m->vips, key, &vip))
		return -ENOENT;
	err = vip_addr__refresh(m, key, key);
	if (err)
		return err;
	if (bpf_map_delete_elem(m->vips, key) && errno != ENOENT)
		return -errno;
	return xlb_ring__clear(m, vip.id);
}

int xlb_backend__write(const struct xlb_maps *m, __u32 id, const struct xlb_backend *be)
{
	if (!id || id >= XLB_MAX_BACKENDS)
		return -EINVAL;
	return map_update(m->backends, &id, be, "backend");
}

int xlb_backend__read(const struct xlb_maps *m, __u32 id, struct xlb_backend *be)
{
	if (!id || id >= XLB_MAX_BACKENDS)
		return -EINVAL;
	if (bpf_map_lookup_elem(m->backends, &id, be))
		return -errno;
	return 0;
}

int xlb_ring__swap(const struct xlb_maps *m, __u32 vip_id, const __u32 *ids)
{
	__u32 zero = 0;
	int inner, err;

	if (!vip_id || vip_id >= XLB_MAX_VIPS)
		return -EINVAL;
	inner = bpf_map_create(BPF_MAP_TYPE_ARRAY, RING_MAP_NAME, sizeof(__u32),
			       sizeof(struct xlb_ring), 1, NULL);
	if (inner < 0) {
		err = -errno;
		pr_warn("create ring map: %s\n", strerror(-err));
		return err;
	}
	err = map_update(inner, &zero, ids, "ring");
	if (err)
		goto cleanup;
	/* The one update readers can observe: old ring or new, never a mix. */
	err = map_update(m->rings, &vip_id, &inner, "ring slot");
cleanup:
	close(inner);
	return err;
}

int xlb_ring__read(const struct xlb_maps *m, __u32 vip_id, __u32 *ids)
{
	__u32 inner_id, zero = 0;
	int fd, err = 0;

	if (bpf_map_lookup_elem(m->rings, &vip_id, &inner_id))
		return -errno;
	fd = bpf_map_get_fd_by_id(inner_id);
	if (fd < 0)
		return -errno;
	if (bpf_map_lookup_elem(fd, &zero, ids))
		err = -errno;
	close(fd);
	return err;
}

int xlb_ring__clear(const struct xlb_maps *m, __u32 vip_id)
{
	if (bpf_map_delete_elem(m->rings, &vip_id) && errno != ENOENT)
		return -errno;
	return 0;
}

int xlb_tx_port__add(const struct xlb_maps *m, __u32 ifindex)
{
	struct bpf_devmap_val val = {.ifindex = ifindex};

	return map_update(m->tx_ports, &ifindex, &val, "tx port");
}

int xlb_tx_port__del(const struct xlb_maps *m, __u32 ifindex)
{
	if (bpf_map_delete_elem(m->tx_ports, &ifindex) && errno != ENOENT)
		return -errno;
	return 0;
}

int xlb_vlan_if__set(const struct xlb_maps *m, __u32 ifindex, const struct xlb_vlan_if *v)
{
	return map_update(m->vlan_ifs, &ifindex, v, "vlan interface");
}

int xlb_vlan_if__prune(const struct xlb_maps *m, const int *keep, size_t n, size_t *removed)
{
	__u32 keys[XLB_MAX_TX_PORTS], key, *prev = NULL;
	size_t i, j, nkeys = 0;

	*removed = 0;
	/* collected first: deleting while walking restarts the walk */
	while (nkeys < XLB_MAX_TX_PORTS && !bpf_map_get_next_key(m->vlan_ifs, prev, &key)) {
		keys[nkeys] = key;
		prev = &keys[nkeys++];
	}
	for (i = 0; i < nkeys; i++) {
		for (j = 0; j < n && (__u32)keep[j] != keys[i]; j++)
			;
		if (j < n)
			continue;
		if (bpf_map_delete_elem(m->vlan_ifs, &keys[i]) && errno != ENOENT)
			return -errno;
		(*removed)++;
	}
	return 0;
}

int xlb_guard__read(const struct xlb_maps *m, __u32 scope, struct xlb_guard *g)
{
	if (scope >= XLB_MAX_VIPS)
		return -EINVAL;
	if (bpf_map_lookup_elem(m->guard, &scope, g)) {
		int err = -errno;

		pr_warn("read guard %u: %s\n", scope, strerror(-err));
		return err;
	}
	return 0;
}

int xlb_guard__write(const struct xlb_maps *m, __u32 scope, const struct xlb_guard *g)
{
	if (scope >= XLB_MAX_VIPS)
		return -EINVAL;
	return map_update(m->guard, &scope, g, "guard");
}

int xlb_guard__is_active(const struct xlb_guard *g)
{
	size_t i;

	if (g->flags & XLB_GUARD_F_RATELIMIT)
		return 1;
	for (i = 0; i < sizeof(g->acl) / sizeof(g->acl[0]); i++)
		if (g->acl[i].deny || g->acl[i].allow)
			return 1;
	return 0;
}

int xlb_guard__update(const struct xlb_maps *m, __u32 scope, struct xlb_guard *g)
{
	struct xlb_guard old, global;
	int delta, err;

	err = xlb_guard__read(m, scope, &old);
	if (err)
		return err;
	delta = xlb_guard__is_active(g) - xlb_guard__is_active(&old);
	if (scope == XLB_SCOPE_GLOBAL) {
		g->nr_active += (__u32)delta;
		return xlb_guard__write(m, scope, g);
	}
	/* The scope first: the program may skip it briefly, never find the
	 * checks on with nothing behind them. */
	err = xlb_guard__write(m, scope, g);
	if (err || !delta)
		return err;
	err = xlb_guard__read(m, XLB_SCOPE_GLOBAL, &global);
	if (err)
		return err;
	global.nr_active += (__u32)delta;
	return xlb_guard__write(m, XLB_SCOPE_GLOBAL, &global);
}

/* Reads one per-CPU element and adds its u64 fields into out. */
static int percpu_sum(int fd, __u32 key, __u64 *out, size_t nfields)
{
	int ncpu = libbpf_num_possible_cpus();
	__u64 *vals;
	int cpu, err = 0;
	size_t f;

	if (ncpu <= 0)
		return ncpu ? ncpu : -EINVAL;
	vals = calloc((size_t)ncpu * nfields, sizeof(__u64));
	if (!vals)
		return -ENOMEM;
	if (bpf_map_lookup_elem(fd, &key, vals)) {
		err = -errno;
		goto cleanup;
	}
	memset(out, 0, nfields * sizeof(__u64));
	for (cpu = 0; cpu < ncpu; cpu++)
		for (f = 0; f < nfields; f++)
			out[f] += vals[(size_t)cpu * nfields + f];
cleanup:
	free(vals);
	return err;
}

int xlb_stats__read(const struct xlb_maps *m, enum xlb_stat idx, struct xlb_counter *out)
{
	if ((unsigned int)idx >= XLB_STAT__MAX)
		return -EINVAL;
	return percpu_sum(m->stats, idx, (__u64 *)out, sizeof(*out) / sizeof(__u64));
}

int xlb_vip_stats__read(const struct xlb_maps *m, __u32 vip_id, struct xlb_vip_counter *out)
{
	if (vip_id >= XLB_MAX_VIPS)
		return -EINVAL;
	return percpu_sum(m->vip_stats, vip_id, (__u64 *)out, sizeof(*out) / sizeof(__u64));
}

int xlb_backend_stats__read(const struct xlb_maps *m, __u32 id, struct xlb_counter *out)
{
	if (id >= XLB_MAX_BACKENDS)
		return -EINVAL;
	return percpu_sum(m->backend_stats, id, (__u64 *)out, sizeof(*out) / sizeof(__u64));
}

int xlb_percpu__sum_all(int fd, __u32 nr, size_t nfields, __u64 *out)
{
	int ncpu = libbpf_num_possible_cpus(), cpu, end, err = 0;
	__u32 done = 0, count, next, i, *keys;
	size_t stride, f;
	__u64 *vals;

	if (ncpu <= 0)
		return ncpu ? ncpu : -EINVAL;
	stride = (size_t)ncpu * nfields;
	keys = malloc((size_t)nr * sizeof(*keys));
	vals = malloc((size_t)nr * stride * sizeof(*vals));
	if (!keys || !vals) {
		err = -ENOMEM;
		goto cleanup;
	}
	memset(out, 0, (size_t)nr * nfields * sizeof(*out));
	while (done < nr) {
		count = nr - done;
		end = bpf_map_lookup_batch(fd, done ? &done : NULL, &next, keys, vals, &count,
					   NULL);
		if (end && errno != ENOENT) {
			err = -errno;
			pr_warn("per-CPU batch read: %s\n", strerror(-err));
			goto cleanup;
		}
		for (i = 0; i < count; i++) {
			if (keys[i] >= nr)
				continue;
			for (cpu = 0; cpu < ncpu; cpu++)
				for (f = 0; f < nfields; f++)
					out[(size_t)keys[i] * nfields + f] +=
						vals[(size_t)i * stride + (size_t)cpu * nfields +
						     f];
		}
		if (end || !count) /* ENOENT: the array's end */
			break;
		done = next;
	}
cleanup:
	free(keys);
	free(vals);
	return err;
}
