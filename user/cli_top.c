// SPDX-License-Identifier: MIT
/* `xlbctl top`: the curses loop, its keys and signals, and the text mode. */
#include <curses.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "check_spec.h"
#include "cli_top.h"
#include <xlb/timeunit.h>
#include "top_view.h"

/* Longest wait for a key: how late a stop signal may be seen. */
#define KEY_POLL_MS	   100
#define KEY_QUIT	   'q'
#define KEY_QUIT_UPPER	   'Q'
#define KEY_DROPS	   'd'
#define KEY_REFRESH_NOW	   ' '
#define KEY_SCROLL_DOWN_VI 'j'
#define KEY_SCROLL_UP_VI   'k'

static volatile sig_atomic_t stop_requested;

static void on_stop(int sig)
{
	(void)sig;
	stop_requested = 1;
}

/* The signals that end the live view through its own exit path, so the
 * terminal is always restored. */
static const int stop_signals[] = {SIGINT, SIGTERM, SIGHUP};
#define NR_STOP_SIGNALS (sizeof(stop_signals) / sizeof(stop_signals[0]))

static void restore_signals(const struct sigaction *old, unsigned int n)
{
	unsigned int i;

	/* putting back a handler sigaction gave us cannot fail */
	for (i = 0; i < n; i++)
		(void)sigaction(stop_signals[i], &old[i], NULL);
}

/* Without SA_RESTART: a read from xlbd returns at once on a stop signal. */
static int catch_signals(struct sigaction *old, struct xlb_ctl_err *e)
{
	struct sigaction sa = {.sa_handler = on_stop};
	unsigned int i;
	int err;

	sigemptyset(&sa.sa_mask);
	for (i = 0; i < NR_STOP_SIGNALS; i++) {
		if (sigaction(stop_signals[i], &sa, &old[i])) {
			err = -errno;
			restore_signals(old, i);
			return xlb_ctl_err__set(e, err, "sigaction: %s", strerror(-err));
		}
	}
	return 0;
}

static __u64 mono_ns(void)
{
	struct timespec ts;

	/* CLOCK_MONOTONIC cannot fail with a valid pointer */
	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * XLB_NSEC_PER_SEC + (__u64)ts.tv_nsec;
}

/* Two snapshots, the current one and the one rates are computed against. */
struct top_state {
	struct xlb_top_snap snap[2];
	unsigned int cur;
	bool have_prev;
	struct xlb_top_lines lines;
	struct xlb_top_opts opts;
	size_t scroll; /* first row of the table shown */
};

static const struct xlb_top_snap *prev_snap(const struct top_state *t)
{
	return t->have_prev ? &t->snap[!t->cur] : NULL;
}

static void top_state__free(struct top_state *t)
{
	xlb_top_snap__free(&t->snap[0]);
	xlb_top_snap__free(&t->snap[1]);
	xlb_top_lines__free(&t->lines);
}

static int render(struct top_state *t, struct xlb_ctl_err *e)
{
	int err = xlb_top__render(prev_snap(t), &t->snap[t->cur], &t->opts, &t->lines);

	return err ? xlb_ctl_err__set(e, err, "out of memory") : 0;
}

/* Reads a new snapshot; the last one becomes the rates' base. */
static int fetch(struct xlb_ctl_client *c, const struct xlb_cli_cmd *cmd, struct top_state *t,
		 struct xlb_ctl_err *e)
{
	unsigned int next = t->have_prev || t->snap[t->cur].at_ns ? !t->cur : t->cur;
	int err;

	xlb_top_snap__free(&t->snap[next]);
	err = xlb_top_snap__fetch(c, &cmd->msg, &t->snap[next], e);
	if (err)
		return err;
	t->have_prev = next != t->cur;
	t->cur = next;
	return render(t, e);
}

/* The live view reads xlbd with a resize or suspend held back: their
 * curses handlers would interrupt a reply half read. They are delivered
 * once it is read, and getch() reports the resize. */
static int fetch_live(struct xlb_ctl_client *c, const struct xlb_cli_cmd *cmd, struct top_state *t,
		      struct xlb_ctl_err *e)
{
	sigset_t held, old;
	int err, err2;

	sigemptyset(&held);
	sigaddset(&held, SIGWINCH);
	sigaddset(&held, SIGTSTP);
	err = sigprocmask(SIG_BLOCK, &held, &old);
	if (err) {
		err = -errno;
		return xlb_ctl_err__set(e, err, "sigprocmask: %s", strerror(-err));
	}
	err = fetch(c, cmd, t, e);
	err2 = sigprocmask(SIG_SETMASK, &old, NULL);
	if (!err && err2) {
		err = -errno;
		xlb_ctl_err__set(e, err, "sigprocmask: %s", strerror(-err));
	}
	return err;
}

/* Draws one line, cut at the screen's width; the bottom-right cell is left
 * alone, since writing it would scroll the screen. A cut line is not an
 * error, so what curses says about it is not one either. */
static void put_line(int y, const char *s)
{
	int width = y == LINES - 1 ? COLS - 1 : COLS;

	if (width > 0)
		(void)mvaddnstr(y, 0, s, width);
}

static void paint(struct top_state *t)
{
	const struct xlb_top_lines *l = &t->lines;
	size_t rows = LINES > 0 ? (size_t)LINES : 0, body, nbody, i;
	char more[XLB_TOP_LINE_MAX];
	int y = 0;

	body = rows > l->fixed ? rows - l->fixed : 0;
	nbody = l->n - l->fixed;
	if (nbody <= body)
		t->scroll = 0;
	else if (t->scroll > nbody - body)
		t->scroll = nbody - body;
	erase();
	for (i = 0; i < l->fixed && (size_t)y < rows; i++)
		put_line(y++, l->text[i]);
	for (i = l->fixed + t->scroll; i < l->n && (size_t)y < rows; i++) {
		/* the last row says how many are hidden below */
		if ((size_t)y == rows - 1 && i < l->n - 1) {
			snprintf(more, sizeof(more), "  ... %zu more rows (arrows, PgDn)",
				 l->n - i);
			put_line(y++, more);
			break;
		}
		put_line(y++, l->text[i]);
	}
	/* a screen that cannot be updated shows the next refresh instead */
	(void)refresh();
}

/* What a key asks the loop to do. */
enum key_action {
	KEY_ACT_NONE,
	KEY_ACT_QUIT,
	KEY_ACT_FETCH,
	KEY_ACT_REPAINT,
	KEY_ACT_RENDER,
};

static enum key_action on_key(struct top_state *t, int ch)
{
	size_t page = LINES > (int)t->lines.fixed ? (size_t)LINES - t->lines.fixed : 1;

	switch (ch) {
	case KEY_QUIT:
	case KEY_QUIT_UPPER:
		return KEY_ACT_QUIT;
	case KEY_DROPS:
		t->opts.drops = !t->opts.drops;
		return KEY_ACT_RENDER;
	case KEY_REFRESH_NOW:
		return KEY_ACT_FETCH;
	case KEY_DOWN:
	case KEY_SCROLL_DOWN_VI:
		t->scroll++;
		return KEY_ACT_REPAINT;
	case KEY_UP:
	case KEY_SCROLL_UP_VI:
		t->scroll -= t->scroll > 0;
		return KEY_ACT_REPAINT;
	case KEY_NPAGE:
		t->scroll += page;
		return KEY_ACT_REPAINT;
	case KEY_PPAGE:
		t->scroll = t->scroll > page ? t->scroll - page : 0;
		return KEY_ACT_REPAINT;
	case KEY_HOME:
		t->scroll = 0;
		return KEY_ACT_REPAINT;
	case KEY_END:
		t->scroll = t->lines.n; /* paint() brings it back to the last page */
		return KEY_ACT_REPAINT;
	case KEY_RESIZE:
		return KEY_ACT_REPAINT;
	default:
		return KEY_ACT_NONE;
	}
}

/* Handles keys until the deadline, a key that asks for data, or a stop. */
static int wait_keys(struct top_state *t, __u64 deadline_ns, bool *quit, struct xlb_ctl_err *e)
{
	__u64 now, left_ms;
	int ch, err;

	for (;;) {
		if (stop_requested) {
			*quit = true;
			return 0;
		}
		now = mono_ns();
		if (now >= deadline_ns)
			return 0;
		left_ms = (deadline_ns - now + XLB_NSEC_PER_MSEC - 1) / XLB_NSEC_PER_MSEC;
		timeout(left_ms < KEY_POLL_MS ? (int)left_ms : KEY_POLL_MS);
		ch = getch();
		if (ch == ERR)
			continue;
		switch (on_key(t, ch)) {
		case KEY_ACT_QUIT:
			*quit = true;
			return 0;
		case KEY_ACT_FETCH:
			return 0;
		case KEY_ACT_RENDER:
			err = render(t, e);
			if (err)
				return err;
			paint(t);
			break;
		case KEY_ACT_REPAINT:
			paint(t);
			break;
		case KEY_ACT_NONE:
			break;
		}
	}
}

static int run_live(struct xlb_ctl_client *c, const struct xlb_cli_cmd *cmd, struct top_state *t,
		    struct xlb_ctl_err *e)
{
	struct sigaction old[NR_STOP_SIGNALS];
	SCREEN *scr = NULL;
	bool quit = false;
	__u64 deadline;
	int err = 0;

	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO))
		return xlb_ctl_err__set(e, -ENOTTY,
					"top: %s is not a terminal (`top count N` prints text)",
					isatty(STDOUT_FILENO) ? "stdin" : "stdout");
	stop_requested = 0;
	err = catch_signals(old, e);
	if (err)
		return err;
	/* the first read before the screen: an unknown VIP or a daemon that
	 * refuses is said on a plain terminal */
	deadline = mono_ns() + t->opts.interval_ns;
	err = fetch_live(c, cmd, t, e);
	if (err)
		goto cleanup;
	/* newterm, not initscr: initscr exits the process on a bad TERM */
	scr = newterm(NULL, stdout, stdin);
	if (!scr) {
		err = xlb_ctl_err__set(e, -ENOTTY, "top: cannot drive the terminal (TERM=%s)",
				       getenv("TERM") ? getenv("TERM") : "");
		goto cleanup;
	}
	if (cbreak() == ERR || noecho() == ERR || keypad(stdscr, TRUE) == ERR) {
		err = xlb_ctl_err__set(e, -ENOTTY, "top: cannot set the terminal's modes");
		goto cleanup;
	}
	/* a terminal that cannot hide its cursor still shows the view */
	(void)curs_set(0);
	for (;;) {
		paint(t);
		err = wait_keys(t, deadline, &quit, e);
		if (err || quit || stop_requested)
			break;
		deadline = mono_ns() + t->opts.interval_ns;
		err = fetch_live(c, cmd, t, e);
		if (err)
			break;
	}
cleanup:
	if (scr) {
		/* the terminal's modes come back even if the screen fails */
		(void)endwin();
		delscreen(scr);
	}
	restore_signals(old, NR_STOP_SIGNALS);
	/* a read cut short by a stop signal is the stop, not a failure */
	return stop_requested ? 0 : err;
}

static int sleep_until(__u64 deadline_ns)
{
	struct timespec ts = {
		.tv_sec = (time_t)(deadline_ns / XLB_NSEC_PER_SEC),
		.tv_nsec = (long)(deadline_ns % XLB_NSEC_PER_SEC),
	};
	int err;

	do
		err = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
	while (err == EINTR);
	return -err;
}

/* count N: each refresh's lines on stdout, a blank line between two. */
static int run_text(struct xlb_ctl_client *c, const struct xlb_cli_cmd *cmd, struct top_state *t,
		    struct xlb_ctl_err *e)
{
	__u64 deadline = mono_ns();
	unsigned int i;
	size_t j;
	int err;

	for (i = 0; i < cmd->count; i++) {
		if (i) {
			err = sleep_until(deadline);
			if (err)
				return xlb_ctl_err__set(e, err, "clock_nanosleep: %s",
							strerror(-err));
			putchar('\n');
		}
		deadline = mono_ns() + t->opts.interval_ns;
		err = fetch(c, cmd, t, e);
		if (err)
			return err;
		for (j = 0; j < t->lines.n; j++)
			puts(t->lines.text[j]);
		if (fflush(stdout) == EOF) {
			err = -errno;
			return xlb_ctl_err__set(e, err, "writing the view: %s", strerror(-err));
		}
	}
	return 0;
}

int xlb_cli_top__run(struct xlb_ctl_client *c, const struct xlb_cli_cmd *cmd, struct xlb_ctl_err *e)
{
	struct top_state t = {
		.opts = {.interval_ns = cmd->interval_ns, .drops = true, .keys = !cmd->count},
	};
	int err;

	if (cmd->count)
		err = run_text(c, cmd, &t, e);
	else
		err = run_live(c, cmd, &t, e);
	top_state__free(&t);
	return err;
}
