// SPDX-License-Identifier: MIT
/*
 * Script checks: the program runs with its arguments and no shell, in a
 * process group of its own, with every signal at its default and unblocked,
 * stdin on /dev/null, stdout and stderr into a pipe, and no other fd of
 * xlbd's. Its exit is an event of the loop (a pidfd), never a wait: exit 0 is
 * healthy. At the timeout the whole group gets SIGKILL; the killed leader is
 * reaped later, when its pidfd says it is gone.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/pidfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "health_int.h"
#include "log.h"

#define READ_CHUNK	1024
#define READS_PER_EVENT 16 /* then back to the loop, which calls again */
#define ENV_VAR_LEN	(XLB_ADDRSTRLEN + 32)
#define FIRST_UNUSED_FD 3

enum script_env {
	ENV_ADDR,
	ENV_PORT,
	ENV_CHECK_PORT,
	ENV_VIP,
	ENV__MAX,
};

static const char *const env_names[ENV__MAX] = {
	[ENV_ADDR] = "XLB_BACKEND_ADDR=",
	[ENV_PORT] = "XLB_BACKEND_PORT=",
	[ENV_CHECK_PORT] = "XLB_CHECK_PORT=",
	[ENV_VIP] = "XLB_VIP=",
};

struct xlb_script_probe {
	struct xlb_health_engine *h;
	struct xlb_health_target *t; /* NULL once killed at the timeout */
	pid_t pid;		     /* also the process group */
	int pidfd;
	int outfd;
	char out[XLB_CHECK_OUTPUT_LEN];
	size_t out_len;
	struct xlb_script_probe *next; /* among the engine's orphans */
};

static void close_output(struct xlb_script_probe *s)
{
	if (s->outfd < 0)
		return;
	xlb_loop__del(s->h->loop, s->outfd);
	close(s->outfd);
	s->outfd = -1;
}

static void script_free(struct xlb_script_probe *s)
{
	close_output(s);
	if (s->pidfd >= 0) {
		xlb_loop__del(s->h->loop, s->pidfd);
		close(s->pidfd);
	}
	free(s);
}

/* Keeps the first bytes of the output and reads the rest away. */
static void read_output(struct xlb_script_probe *s)
{
	char buf[READ_CHUNK];
	ssize_t n;
	int i;

	for (i = 0; i < READS_PER_EVENT && s->outfd >= 0; i++) {
		n = read(s->outfd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0) {
			close_output(s); /* end of output, or an error on it */
			return;
		}
		if (s->out_len < sizeof(s->out)) {
			size_t k = sizeof(s->out) - s->out_len;

			k = (size_t)n < k ? (size_t)n : k;
			memcpy(s->out + s->out_len, buf, k);
			s->out_len += k;
		}
	}
}

static void on_output(struct xlb_loop *loop, int fd, uint32_t events, void *arg)
{
	(void)loop;
	(void)fd;
	(void)events;
	read_output(arg);
}

static void unlink_orphan(struct xlb_script_probe *s)
{
	struct xlb_script_probe **link;

	for (link = &s->h->orphans; *link; link = &(*link)->next) {
		if (*link == s) {
			*link = s->next;
			return;
		}
	}
}

static void exit_result(const siginfo_t *si, struct xlb_check_result *r)
{
	const char *name;

	if (si->si_code == CLD_EXITED && si->si_status == 0) {
		xlb_check_result__set(r, XLB_CR_OK, 0, "ok");
	} else if (si->si_code == CLD_EXITED) {
		xlb_check_result__set(r, XLB_CR_EXIT, si->si_status, "exit %d", si->si_status);
	} else {
		name = sigabbrev_np(si->si_status);
		if (name)
			xlb_check_result__set(r, XLB_CR_SIGNAL, si->si_status, "signal %s", name);
		else
			xlb_check_result__set(r, XLB_CR_SIGNAL, si->si_status, "signal %d",
					      si->si_status);
	}
}

/* The pidfd is readable: the leader has exited and is a zombie until the
 * waitid below, which keeps its pid (the group's id) from being reused
 * while the rest of the group is killed. */
static void on_exit_event(struct xlb_loop *loop, int fd, uint32_t events, void *arg)
{
	struct xlb_script_probe *s = arg;
	struct xlb_health_target *t = s->t;
	struct xlb_check_result r;
	siginfo_t si = {};

	(void)loop;
	(void)events;
	if (t)
		read_output(s);
	if (kill(-s->pid, SIGKILL) && errno != ESRCH)
		pr_warn("health: kill script group %d: %s\n", s->pid, strerror(errno));
	if (waitid((idtype_t)P_PIDFD, (id_t)fd, &si, WEXITED | WNOHANG)) {
		xlb_check_result__set(&r, XLB_CR_ERROR, errno, "internal: waitid: %s",
				      strerror(errno));
		pr_warn("health: waitid script %d: %s\n", s->pid, strerror(errno));
	} else if (!si.si_pid) {
		return; /* not gone yet */
	} else {
		exit_result(&si, &r);
	}
	if (!t) {
		unlink_orphan(s);
		script_free(s);
		return;
	}
	xlb_check_result__output(&r, s->out, s->out_len);
	t->probe = NULL;
	script_free(s);
	xlb_health__result(t, &r);
}

/* xlbd's environment without our variables, then ours. */
static char **make_env(const struct xlb_health_target *t, char vars[ENV__MAX][ENV_VAR_LEN])
{
	char addr[XLB_ADDRSTRLEN] = "";
	size_t n = 0, i, k;
	char **env;

	for (i = 0; environ && environ[i]; i++)
		;
	env = calloc(i + ENV__MAX + 1, sizeof(*env));
	if (!env)
		return NULL;
	for (i = 0; environ && environ[i]; i++) {
		for (k = 0; k < ENV__MAX; k++)
			if (!strncmp(environ[i], env_names[k], strlen(env_names[k])))
				break;
		if (k == ENV__MAX)
			env[n++] = environ[i];
	}
	if (xlb_addr__format(t->conf.family, &t->conf.addr, addr, sizeof(addr)))
		addr[0] = '\0';
	snprintf(vars[ENV_ADDR], ENV_VAR_LEN, "%s%s", env_names[ENV_ADDR], addr);
	snprintf(vars[ENV_PORT], ENV_VAR_LEN, "%s%u", env_names[ENV_PORT], t->conf.port);
	snprintf(vars[ENV_CHECK_PORT], ENV_VAR_LEN, "%s%u", env_names[ENV_CHECK_PORT],
		 xlb_health_target__check_port(t));
	snprintf(vars[ENV_VIP], ENV_VAR_LEN, "%s%s", env_names[ENV_VIP], t->conf.vip);
	for (k = 0; k < ENV__MAX; k++)
		env[n++] = vars[k];
	env[n] = NULL;
	return env;
}

/* Spawns the program with its output into wr; returns 0 or a positive
 * errno (posix_spawn's convention). */
static int spawn(struct xlb_health_target *t, int wr, pid_t *pid)
{
	char vars[ENV__MAX][ENV_VAR_LEN];
	char *argv[XLB_CHECK_MAX_ARGS + 2];
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	sigset_t none, all;
	char **env = NULL;
	int err;

	sigemptyset(&none);
	sigfillset(&all);
	xlb_check_spec__argv(&t->conf.spec, argv);
	err = posix_spawn_file_actions_init(&fa);
	if (err)
		return err;
	err = posix_spawnattr_init(&attr);
	if (err) {
		posix_spawn_file_actions_destroy(&fa);
		return err;
	}
	env = make_env(t, vars);
	if (!env) {
		err = ENOMEM;
		goto cleanup;
	}
	/* xlbd blocks signals for its signalfd and may ignore SIGPIPE: the
	 * script gets neither */
	err = err
		      ?: posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK |
								 POSIX_SPAWN_SETSIGDEF |
								 POSIX_SPAWN_SETPGROUP);
	err = err ?: posix_spawnattr_setsigmask(&attr, &none);
	err = err ?: posix_spawnattr_setsigdefault(&attr, &all);
	err = err ?: posix_spawnattr_setpgroup(&attr, 0);
	err = err ?: posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
	err = err ?: posix_spawn_file_actions_adddup2(&fa, wr, STDOUT_FILENO);
	err = err ?: posix_spawn_file_actions_adddup2(&fa, wr, STDERR_FILENO);
	/* fds a library opened without O_CLOEXEC do not leak either */
	err = err ?: posix_spawn_file_actions_addclosefrom_np(&fa, FIRST_UNUSED_FD);
	err = err ?: posix_spawn(pid, argv[0], &fa, &attr, argv, env);
cleanup:
	free(env);
	posix_spawnattr_destroy(&attr);
	posix_spawn_file_actions_destroy(&fa);
	return err;
}

static int script_start(struct xlb_health_target *t)
{
	struct xlb_script_probe *s;
	struct xlb_check_result r;
	int pipefd[2] = {-1, -1};
	bool at_once = false;
	int err;

	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->h = t->h;
	s->t = t;
	s->pid = -1;
	s->pidfd = -1;
	s->outfd = -1;
	if (pipe2(pipefd, O_CLOEXEC)) {
		err = -errno;
		pr_warn("health: pipe: %s\n", strerror(-err));
		goto cleanup;
	}
	s->outfd = pipefd[0];
	/* only our end is non-blocking: the script's writes must block */
	if (fcntl(s->outfd, F_SETFL, O_NONBLOCK)) {
		err = -errno;
		pr_warn("health: pipe: %s\n", strerror(-err));
		goto cleanup;
	}
	err = spawn(t, pipefd[1], &s->pid);
	if (err) {
		/* a missing or non-executable program is the check's result */
		xlb_check_result__set(&r, XLB_CR_SPAWN, err, "spawn: %s", strerror(err));
		at_once = true;
		err = 0;
		goto cleanup;
	}
	s->pidfd = pidfd_open(s->pid, 0);
	if (s->pidfd < 0) {
		err = -errno;
		pr_warn("health: pidfd_open: %s\n", strerror(-err));
		kill(-s->pid, SIGKILL);
		waitpid(s->pid, NULL, 0); /* just killed: returns at once */
		goto cleanup;
	}
	err = xlb_loop__add(t->h->loop, s->outfd, EPOLLIN, on_output, s);
	if (err)
		goto kill;
	err = xlb_loop__add(t->h->loop, s->pidfd, EPOLLIN, on_exit_event, s);
	if (err)
		goto kill;
	close(pipefd[1]);
	t->probe = s;
	return 0;
kill:
	/* the pidfd is not in the loop: leave the killed script to the orphans */
	kill(-s->pid, SIGKILL);
	close_output(s);
	s->t = NULL;
	if (!xlb_loop__add(t->h->loop, s->pidfd, EPOLLIN, on_exit_event, s)) {
		s->next = t->h->orphans;
		t->h->orphans = s;
		s = NULL;
	}
cleanup:
	if (pipefd[1] >= 0)
		close(pipefd[1]);
	if (s)
		script_free(s);
	if (at_once)
		xlb_health__result(t, &r);
	return err;
}

static void script_cancel(struct xlb_health_target *t, struct xlb_check_result *r)
{
	struct xlb_script_probe *s = t->probe;

	if (!s)
		return;
	if (r) {
		read_output(s);
		xlb_check_result__output(r, s->out, s->out_len);
	}
	if (kill(-s->pid, SIGKILL) && errno != ESRCH)
		pr_warn("health: kill script group %d: %s\n", s->pid, strerror(errno));
	close_output(s);
	s->t = NULL;
	s->next = t->h->orphans;
	t->h->orphans = s;
	t->probe = NULL;
}

void xlb_check_script__free_orphans(struct xlb_health_engine *h)
{
	siginfo_t si;

	while (h->orphans) {
		struct xlb_script_probe *s = h->orphans;

		h->orphans = s->next;
		kill(-s->pid, SIGKILL);
		/* reaped if already gone; else init reaps it when xlbd exits */
		if (waitid((idtype_t)P_PIDFD, (id_t)s->pidfd, &si, WEXITED | WNOHANG))
			pr_debug("health: waitid script %d: %s\n", s->pid, strerror(errno));
		script_free(s);
	}
}

const struct xlb_check_ops xlb_check_script_ops = {
	.start = script_start,
	.cancel = script_cancel,
};
