// SPDX-License-Identifier: MIT
/*
 * xlbd's life and its one way of changing things (xlbd__commit). The state
 * file is written before the maps: after a crash it is never behind them,
 * and a restart that restores it re-writes whatever the maps missed.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

/* bpftool's generated skeleton casts its const ELF bytes. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wcast-qual"
#include "xlb.skel.h"
#pragma GCC diagnostic pop
#include "access_log.h"
#include "config.h"
#include "daemon.h"
#include "dataplane.h"
#include "health_sync.h"
#include "http.h"
#include "log.h"
#include "request.h"
#include "rtnl.h"
#include "state_file.h"

#define XLBD_RUN_DIR_MODE  0700
#define XLBD_LOCK_MODE	   0600
#define XLBD_LOCK_SUFFIX   ".lock"
#define XLBD_TICK_NS	   1000000000ULL /* housekeeping: rates every tick */
#define XLBD_NEXTHOP_TICKS 30 /* each backend's next hops re-ensured every this many ticks */
#define XLBD_ROUTE_TICKS   10 /* announced routes re-checked every this many ticks */

static const char *mode_name(enum xlb_attach_mode mode)
{
	return mode == XLB_ATTACH_SKB ? "skb" : "native";
}

static int path_join(char *buf, size_t len, const char *dir, const char *name, const char *sfx)
{
	int n = snprintf(buf, len, "%s/%s%s", dir, name, sfx);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

static int str_copy(char *buf, size_t len, const char *s)
{
	int n = snprintf(buf, len, "%s", s);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

/* One xlbd per name: a lock held for the daemon's life (released by the
 * kernel however it ends, kill -9 included). */
static int lock_instance(struct xlbd *d)
{
	int err;

	if (mkdir(XLB_STATE_DIR, XLBD_RUN_DIR_MODE) && errno != EEXIST) {
		err = -errno;
		pr_warn("mkdir %s: %s\n", XLB_STATE_DIR, strerror(-err));
		return err;
	}
	d->lock_fd = open(d->lock_path, O_RDWR | O_CREAT | O_CLOEXEC, XLBD_LOCK_MODE);
	if (d->lock_fd < 0) {
		err = -errno;
		pr_warn("open %s: %s\n", d->lock_path, strerror(-err));
		return err;
	}
	if (flock(d->lock_fd, LOCK_EX | LOCK_NB)) {
		err = errno == EWOULDBLOCK ? -EBUSY : -errno;
		pr_warn("another xlbd runs as '%s' (%s is locked)\n", d->name, d->lock_path);
		return err;
	}
	return 0;
}

int xlbd__init(struct xlbd *d, const struct xlbd_opts *o)
{
	int err;

	memset(d, 0, sizeof(*d));
	d->lock_fd = d->sig_fd = d->timer_fd = -1;
	d->loop.epfd = -1;
	xlb_maps__init(&d->maps);
	d->opt = *o;
	d->mode = o->mode;
	if (str_copy(d->name, sizeof(d->name), o->name ? o->name : o->dev) || !d->name[0] ||
	    strchr(d->name, '/') || d->name[0] == '.') {
		pr_warn("bad instance name '%s'\n", d->name);
		return -EINVAL;
	}
	if (o->sock_path)
		err = str_copy(d->sock_path, sizeof(d->sock_path), o->sock_path);
	else
		err = path_join(d->sock_path, sizeof(d->sock_path), XLB_CTL_SOCK_DIR, d->name,
				XLB_CTL_SOCK_SUFFIX);
	if (!err)
		err = state_file__path(d->state_path, sizeof(d->state_path), d->name);
	if (!err)
		err = path_join(d->lock_path, sizeof(d->lock_path), XLB_STATE_DIR, d->name,
				XLBD_LOCK_SUFFIX);
	if (err) {
		pr_warn("paths for '%s': %s\n", d->name, strerror(-err));
		return err;
	}
	err = state__init(&d->state);
	if (err)
		return err;
	d->rates = calloc(1, sizeof(*d->rates));
	if (!d->rates)
		return -ENOMEM;
	err = announce__init(&d->announce, o->announce_table);
	if (err)
		return err;
	err = xlb_loop__init(&d->loop);
	if (err)
		return err;
	return lock_instance(d);
}

/* Whether a previous xlbd left pinned maps for this name. */
static bool pins_exist(const char *name)
{
	char dir[PATH_MAX], path[PATH_MAX + sizeof("/vips")];

	if (xlb_pin_dir(dir, sizeof(dir), name))
		return false;
	snprintf(path, sizeof(path), "%s/vips", dir);
	return access(path, F_OK) == 0;
}

/* The model to start from: the running state if the pins and the state
 * file both survived, else the config (already checked) or nothing. */
static int choose_model(struct xlbd *d, bool pinned, struct xlb_state *conf)
{
	struct xlb_state saved;
	int err;

	if (pinned) {
		err = state__init(&saved);
		if (err)
			return err;
		err = state_file__load(d->state_path, &saved);
		if (!err) {
			err = dataplane__adopt_generations(&d->maps, &saved);
			if (err) {
				state__fini(&saved);
				return err;
			}
			state__move(&d->state, &saved);
			pr_info("%s: running state adopted (%zu VIPs)\n", d->name,
				d->state.nr_vips);
			if (d->opt.config)
				pr_info("%s: config %s not applied: running state adopted "
					"(SIGHUP applies it)\n",
					d->name, d->opt.config);
			return 0;
		}
		state__fini(&saved);
		if (err != -ENOENT)
			pr_warn("%s: state file %s unusable: starting from the config\n", d->name,
				d->state_path);
		else
			pr_warn("%s: pinned maps but no state file: starting from the config\n",
				d->name);
	} else if (access(d->state_path, F_OK) == 0) {
		pr_info("%s: state file without pinned maps (stale): ignored\n", d->name);
	}
	/* A generation must never go backwards, even when starting afresh. */
	if (pinned) {
		err = dataplane__adopt_generations(&d->maps, conf);
		if (err)
			return err;
	}
	state__move(&d->state, conf);
	return 0;
}

/* Writes the whole model into the maps, comparing with what they hold. */
static int sync_all(struct xlbd *d)
{
	struct xlb_errmsg em = {};
	unsigned int failed;
	int err;

	err = state_file__save(d->state_path, &d->state);
	if (err)
		return err;
	err = dataplane__ensure_nexthops(&d->maps, NULL, &d->state, &failed);
	if (err)
		return err;
	err = dataplane__sync(&d->maps, NULL, &d->state, &em);
	if (err)
		pr_warn("%s: %s: %s\n", d->name, em.text, strerror(-err));
	return err;
}

/* The announced routes follow the model: a route that cannot be changed
 * is logged where it fails and retried at the next housekeeping. */
static void announce_sync(struct xlbd *d)
{
	int err = announce__sync(&d->announce, &d->state, d->attached);

	if (err)
		pr_debug("%s: announcements incomplete (%s): retried\n", d->name, strerror(-err));
}

/* What a housekeeping tick does with the backends' next hops. */
enum xlbd_nexthops {
	XLBD_NEXTHOPS_NONE,
	XLBD_NEXTHOPS_SHARE, /* the tick's share of a round */
	XLBD_NEXTHOPS_ALL,
};

/* Rates, and the backends' next hops: all of them, or a tick's share. */
static void housekeeping(struct xlbd *d, enum xlbd_nexthops nh)
{
	unsigned int failed = 0;
	size_t i, total = 0;
	int err = 0;

	if (!d->attached)
		return;
	err = rates__sample(d->rates, &d->maps, &d->state);
	if (err)
		pr_debug("rates: %s\n", strerror(-err));
	if (nh == XLBD_NEXTHOPS_ALL) {
		err = dataplane__ensure_nexthops(&d->maps, NULL, &d->state, &failed);
	} else if (nh == XLBD_NEXTHOPS_SHARE) {
		/* every backend once in XLBD_NEXTHOP_TICKS ticks */
		for (i = 0; i < d->state.nr_vips; i++)
			total += d->state.vips[i].nr_be;
		err = dataplane__ensure_nexthops_some(
			&d->maps, &d->state, &d->nexthop_round,
			(total + XLBD_NEXTHOP_TICKS - 1) / XLBD_NEXTHOP_TICKS, &failed);
	}
	if (err || failed)
		pr_debug("next hops: %u failed\n", failed);
}

int xlbd__reload(struct xlbd *d)
{
	struct xlb_ctl_err e = {};
	struct xlb_errmsg em = {};
	struct xlb_state want, work;
	unsigned int bad = 0;
	int err;

	if (!d->opt.config)
		return 0;
	err = state__init(&want);
	if (err)
		return err;
	err = config__load(d->opt.config, &want, &bad);
	if (!err && bad) {
		pr_warn("%s: %u bad lines: nothing applied\n", d->opt.config, bad);
		err = -EINVAL;
	}
	if (!err)
		err = state__clone(&work, &d->state);
	if (err)
		goto cleanup;
	err = state__reconcile(&work, &want, &em);
	if (err)
		pr_warn("%s: %s: nothing applied\n", d->opt.config, em.text);
	else
		err = xlbd__commit(d, &work, &e);
	if (!err)
		d->counters.config_changes++;
	if (!err)
		pr_info("%s: config %s applied (%zu VIPs)\n", d->name, d->opt.config,
			d->state.nr_vips);
	else if (e.err)
		pr_warn("%s: config %s not applied: %s\n", d->name, d->opt.config, e.msg);
	state__fini(&work);
cleanup:
	state__fini(&want);
	return err;
}

static void on_signal(struct xlb_loop *loop, int fd, uint32_t events, void *arg)
{
	struct xlbd *d = arg;
	int sig;

	(void)events;
	while ((sig = xlb_signalfd__read(fd)) > 0) {
		if (sig == SIGHUP) {
			/* logged where it fails; the loop goes on either way */
			if (xlb_access_log__reopen(d->alog))
				pr_debug("SIGHUP: access log not reopened\n");
			if (xlbd__reload(d))
				pr_debug("SIGHUP: reload failed\n");
			housekeeping(d, XLBD_NEXTHOPS_ALL);
			continue;
		}
		pr_info("%s: stopping; the program stays attached and keeps forwarding\n",
			strsignal(sig));
		if (d->opt.withdraw_on_stop && announce__withdraw_all(&d->announce))
			pr_warn("%s: announced routes not all withdrawn\n", d->name);
		xlb_loop__stop(loop);
	}
}

static void on_timer(struct xlb_loop *loop, int fd, uint32_t events, void *arg)
{
	struct xlbd *d = arg;
	uint64_t n;

	(void)loop;
	(void)events;
	if (xlb_timerfd__read(fd, &n) || !n)
		return;
	d->ticks += n;
	housekeeping(d, XLBD_NEXTHOPS_SHARE);
	xlbd__metrics_tick(d);
	if (d->ticks % XLBD_ROUTE_TICKS < n)
		announce_sync(d);
}

static int set_health(void *arg, const struct health_sync_change *changes, size_t n)
{
	return xlbd__set_health(arg, changes, n);
}

/* The checks of the model's backends, seeded with their recorded states. */
static int start_checks(struct xlbd *d)
{
	int err;

	err = health_sync__new(&d->loop, set_health, d, &d->hs);
	if (err) {
		pr_warn("%s: health checks: %s\n", d->name, strerror(-err));
		return err;
	}
	/* a check that cannot start is logged and left out: not fatal */
	if (health_sync__update(d->hs, &d->state))
		pr_warn("%s: some health checks did not start\n", d->name);
	return 0;
}

static int start_http(struct xlbd *d)
{
	int err;

	if (!d->opt.http_len)
		return 0;
	err = xlb_http__open(&d->loop, (const struct sockaddr *)&d->opt.http_addr, d->opt.http_len,
			     &d->http);
	if (err && !d->opt.http_explicit) {
		pr_warn("%s: no HTTP endpoint (--http ADDR:PORT picks another address)\n", d->name);
		return 0;
	}
	if (!err)
		err = xlbd__http_routes(d);
	return err;
}

/* --access-log: the samples ring buffer becomes one more fd of the loop. */
static int start_access_log(struct xlbd *d)
{
	struct xlb_access_log_opts o = {
		.path = d->opt.access_log,
		.samples_fd = bpf_map__fd(d->skel->maps.samples),
		.model = &d->state,
		.lines = &d->counters.access_log_lines,
		.errors = &d->counters.access_log_errors,
	};

	if (!d->opt.access_log)
		return 0;
	return xlb_access_log__open(&d->alog, &d->loop, &o);
}

static int open_loop(struct xlbd *d)
{
	struct ctl_handler h = {.apply = xlbd__apply, .query = xlbd__query, .ctx = d};
	sigset_t set;
	int err;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	d->sig_fd = xlb_signalfd__open(&set);
	if (d->sig_fd < 0)
		return d->sig_fd;
	err = xlb_loop__add(&d->loop, d->sig_fd, EPOLLIN, on_signal, d);
	if (err)
		return err;
	d->timer_fd = xlb_timerfd__open();
	if (d->timer_fd < 0)
		return d->timer_fd;
	err = xlb_timerfd__arm(d->timer_fd, XLBD_TICK_NS, XLBD_TICK_NS);
	if (!err)
		err = xlb_loop__add(&d->loop, d->timer_fd, EPOLLIN, on_timer, d);
	if (!err)
		err = start_checks(d);
	if (!err)
		err = start_http(d);
	if (!err)
		err = start_access_log(d);
	if (err)
		return err;
	return ctl_server__open(&d->ctl, &d->loop, d->sock_path, d->opt.allow_uid, &h);
}

static const char *const attach_outcome[] = {"attached", "adopted the running program",
					     "replaced the running program (upgrade)"};

int xlbd__start(struct xlbd *d)
{
	struct rtnl_link link;
	struct xlb_state conf;
	unsigned int bad = 0;
	bool pinned;
	int err;

	err = state__init(&conf);
	if (err)
		return err;
	/* A bad config stops us before anything is touched. */
	if (d->opt.config) {
		err = config__load(d->opt.config, &conf, &bad);
		if (!err && bad) {
			pr_warn("%s: %u bad lines: not starting\n", d->opt.config, bad);
			err = -EINVAL;
		}
		if (err)
			goto cleanup;
	}
	err = xlb_bpffs__ensure();
	if (!err)
		err = sysctl__enable_forwarding();
	if (err)
		goto cleanup;
	err = rtnl__link_by_name(d->opt.dev, &link);
	if (err) {
		pr_warn("device %s: %s\n", d->opt.dev, strerror(-err));
		goto cleanup;
	}
	d->ifindex = link.ifindex;
	pinned = pins_exist(d->name);
	err = xlb_loader__load(&d->skel, d->name, d->opt.flow_entries);
	if (!err)
		err = xlb_maps__from_skel(&d->maps, d->skel);
	if (err)
		goto cleanup;
	err = xlb_loader__attach(d->skel, d->name, d->ifindex, d->mode);
	if (err < 0)
		goto cleanup;
	pr_info("%s: %s on %s (%s mode)\n", d->name, attach_outcome[err], d->opt.dev,
		mode_name(d->mode));
	d->attached = true;
	err = choose_model(d, pinned, &conf);
	if (!err)
		err = sync_all(d);
	/* after the maps, so a VIP is announced only once it forwards */
	if (!err)
		announce_sync(d);
	if (!err)
		err = open_loop(d);
	if (!err) {
		housekeeping(d, XLBD_NEXTHOPS_NONE);
		pr_info("%s: listening on %s\n", d->name, d->sock_path);
	}
cleanup:
	state__fini(&conf);
	return err;
}

int xlbd__run(struct xlbd *d)
{
	return xlb_loop__run(&d->loop);
}

void xlbd__fini(struct xlbd *d)
{
	ctl_server__close(d->ctl);
	d->ctl = NULL;
	xlb_http__close(d->http);
	d->http = NULL;
	xlbd__metrics_close(d);
	xlb_access_log__close(d->alog);
	d->alog = NULL;
	health_sync__free(d->hs);
	d->hs = NULL;
	xlb_loop__fini(&d->loop);
	if (d->sig_fd >= 0)
		close(d->sig_fd);
	if (d->timer_fd >= 0)
		close(d->timer_fd);
	/* Closes our fds only: the attached program and the pins stay. */
	xlb_bpf__destroy(d->skel);
	d->skel = NULL;
	state__fini(&d->state);
	announce__fini(&d->announce);
	free(d->rates);
	d->rates = NULL;
	if (d->lock_fd >= 0)
		close(d->lock_fd);
	d->lock_fd = d->sig_fd = d->timer_fd = -1;
}

int xlbd__commit(struct xlbd *d, struct xlb_state *next, struct xlb_ctl_err *e)
{
	struct xlb_errmsg em = {};
	unsigned int failed;
	int err, undo;

	if (!d->attached)
		return xlb_ctl_err__set(e, -ENOLINK, "program detached: `xlbctl attach` first");
	err = state_file__save(d->state_path, next);
	if (err)
		return xlb_ctl_err__set(e, err, "cannot save %s: %s", d->state_path,
					strerror(-err));
	/* Neighbours of new backends start resolving before rings name them;
	 * a failure here is retried by housekeeping, not fatal. */
	err = dataplane__ensure_nexthops(&d->maps, &d->state, next, &failed);
	d->nexthop_round.changed = true;
	if (err || failed)
		pr_warn("%s: next hops of %u new backends not ready: retried later\n", d->name,
			failed);
	err = dataplane__sync_counted(&d->maps, &d->state, next, d->counters.ring_swaps, &em);
	if (!err) {
		state__move(&d->state, next);
		/* checks follow the backends; one that cannot start is logged */
		if (d->hs && health_sync__update(d->hs, &d->state))
			pr_debug("%s: some health checks did not start\n", d->name);
		announce_sync(d);
		return 0;
	}
	pr_warn("%s: %s: %s; undoing\n", d->name, em.text, strerror(-err));
	undo = dataplane__sync_counted(&d->maps, next, &d->state, d->counters.ring_swaps, NULL);
	if (!undo)
		undo = state_file__save(d->state_path, &d->state);
	if (undo)
		pr_warn("%s: undo incomplete (%s): the next restart re-writes the maps\n", d->name,
			strerror(-undo));
	return xlb_ctl_err__set(e, err, "%s: %s", em.text, strerror(-err));
}

int xlbd__apply(void *ctx, const struct xlb_ctl_msg *msgs, size_t n, size_t *failed,
		struct xlb_ctl_err *e)
{
	struct xlbd *d = ctx;
	struct xlb_state work;
	size_t i;
	int err;

	*failed = n;
	err = state__clone(&work, &d->state);
	if (err)
		return xlb_ctl_err__set(e, err, "out of memory");
	for (i = 0; i < n; i++) {
		err = request__apply(&work, &msgs[i], e);
		if (err) {
			*failed = i;
			goto cleanup;
		}
	}
	err = xlbd__commit(d, &work, e);
	if (!err)
		d->counters.config_changes++;
cleanup:
	state__fini(&work);
	return err;
}

int xlbd__set_health(struct xlbd *d, const struct health_sync_change *changes, size_t n)
{
	struct xlb_ctl_err e = {};
	struct xlb_state work;
	bool changed = false;
	size_t i;
	int err = 0;

	/* detached: the model alone; attaching writes it into the maps */
	if (!d->attached) {
		for (i = 0; i < n && (err >= 0 || err == -ENOENT); i++)
			err = state__set_health(&d->state, changes[i].backend_id,
						changes[i].health);
		return err < 0 && err != -ENOENT ? err : 0;
	}
	err = state__clone(&work, &d->state);
	if (err)
		return err;
	/* every change in one commit: one state file write, one sync */
	for (i = 0; i < n; i++) {
		err = state__set_health(&work, changes[i].backend_id, changes[i].health);
		if (err == -ENOENT)
			continue;
		if (err < 0)
			goto cleanup;
		changed |= err > 0;
	}
	err = 0;
	if (changed) {
		err = xlbd__commit(d, &work, &e);
		if (!err)
			err = 1;
	}
cleanup:
	state__fini(&work);
	return err;
}

int xlbd__attach(struct xlbd *d, enum xlb_attach_mode mode, struct xlb_ctl_err *e)
{
	int err;

	if (d->attached) {
		if (mode != d->mode)
			return xlb_ctl_err__set(e, -EBUSY, "attached in %s mode: detach first",
						mode_name(d->mode));
		return 0;
	}
	err = xlb_maps__pin(d->skel, d->name);
	if (err)
		return xlb_ctl_err__set(e, err, "cannot pin the maps: %s", strerror(-err));
	err = xlb_loader__attach(d->skel, d->name, d->ifindex, mode);
	if (err < 0)
		return xlb_ctl_err__set(e, err, "cannot attach to %s: %s", d->opt.dev,
					strerror(-err));
	d->attached = true;
	d->mode = mode;
	pr_info("%s: %s on %s (%s mode)\n", d->name, attach_outcome[err], d->opt.dev,
		mode_name(mode));
	err = sync_all(d);
	if (err)
		return xlb_ctl_err__set(e, err, "attached, but the maps are incomplete: %s",
					strerror(-err));
	announce_sync(d);
	return 0;
}

/* Program, pins and state file: what makes the next xlbd start afresh. */
static int detach_all(int ifindex, const char *name, const char *state_path)
{
	int err;

	err = xlb_loader__detach(ifindex);
	if (!err)
		err = xlb_maps__unpin(name);
	if (!err)
		err = state_file__remove(state_path);
	return err;
}

int xlbd__detach(struct xlbd *d, struct xlb_ctl_err *e)
{
	int err;

	if (!d->attached)
		return 0;
	err = detach_all(d->ifindex, d->name, d->state_path);
	if (err)
		return xlb_ctl_err__set(e, err, "detach from %s: %s", d->opt.dev, strerror(-err));
	d->attached = false;
	pr_info("%s: detached from %s; pins and state removed\n", d->name, d->opt.dev);
	/* nothing forwards the VIPs here any more */
	announce_sync(d);
	return 0;
}

int xlbd__detach_offline(const struct xlbd_opts *o)
{
	struct rtnl_link link;
	struct xlbd d;
	int err;

	err = xlbd__init(&d, o);
	if (err == -EBUSY)
		pr_warn("use `xlbctl detach`, or stop that xlbd first\n");
	if (err)
		goto cleanup;
	err = rtnl__link_by_name(o->dev, &link);
	if (err) {
		pr_warn("device %s: %s\n", o->dev, strerror(-err));
		goto cleanup;
	}
	err = detach_all(link.ifindex, d.name, d.state_path);
	if (!err)
		pr_info("%s: detached from %s; pins and state removed\n", d.name, o->dev);
	/* with --announce-table, the routes of the program just removed */
	if (!err)
		err = announce__withdraw_all(&d.announce);
cleanup:
	xlbd__fini(&d);
	return err;
}
