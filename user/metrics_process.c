// SPDX-License-Identifier: MIT
/*
 * /proc/self/stat's fields are counted after the command name's closing
 * parenthesis (the name itself may hold spaces and parentheses): there
 * utime and stime are fields 14 and 15 (clock ticks), starttime 22 (ticks
 * since boot), vsize 23 (bytes) and rss 24 (pages). Boot time is /proc/stat's
 * btime.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/resource.h>

#include "log.h"
#include "metrics.h"
#include "metrics_process.h"

#define PROC_STAT_MAX	1024
#define PROC_LINE_MAX	256
#define STAT_UTIME	14 /* field numbers of proc(5) */
#define STAT_STIME	15
#define STAT_STARTTIME	22
#define STAT_VSIZE	23
#define STAT_RSS	24
#define STAT_AFTER_COMM 3 /* the first field after "(comm)" */
#define DECIMAL		10

struct proc_stat {
	unsigned long long utime, stime, starttime, vsize, rss;
};

static int read_stat(struct proc_stat *ps)
{
	char buf[PROC_STAT_MAX], *p, *save = NULL;
	unsigned long long v;
	int field, err = 0;
	size_t n;
	FILE *f;

	f = fopen("/proc/self/stat", "re");
	if (!f)
		return -errno;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	if (ferror(f))
		err = -EIO;
	fclose(f);
	if (err)
		return err;
	buf[n] = '\0';
	p = strrchr(buf, ')');
	if (!p)
		return -EINVAL;
	memset(ps, 0, sizeof(*ps));
	field = STAT_AFTER_COMM;
	for (p = strtok_r(p + 1, " ", &save); p; p = strtok_r(NULL, " ", &save), field++) {
		v = strtoull(p, NULL, DECIMAL);
		if (field == STAT_UTIME)
			ps->utime = v;
		else if (field == STAT_STIME)
			ps->stime = v;
		else if (field == STAT_STARTTIME)
			ps->starttime = v;
		else if (field == STAT_VSIZE)
			ps->vsize = v;
		else if (field == STAT_RSS)
			ps->rss = v;
	}
	return field > STAT_RSS ? 0 : -EINVAL;
}

static int boot_time(unsigned long long *out)
{
	char line[PROC_LINE_MAX];
	int err = -ENOENT;
	FILE *f;

	f = fopen("/proc/stat", "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "btime %llu", out) == 1) {
			err = 0;
			break;
		}
	fclose(f);
	return err;
}

int metrics_process__start_time(double *out)
{
	long tck = sysconf(_SC_CLK_TCK);
	unsigned long long btime;
	struct proc_stat ps;
	int err;

	if (tck <= 0)
		return -EINVAL;
	err = read_stat(&ps);
	if (!err)
		err = boot_time(&btime);
	if (err) {
		pr_warn("metrics: process start time: %s\n", strerror(-err));
		return err;
	}
	*out = (double)btime + (double)ps.starttime / (double)tck;
	return 0;
}

/* Open fds, the directory's own aside. */
static int count_fds(unsigned long long *out)
{
	struct dirent *de;
	DIR *dir;

	dir = opendir("/proc/self/fd");
	if (!dir)
		return -errno;
	*out = 0;
	while ((de = readdir(dir)))
		if (de->d_name[0] != '.')
			(*out)++;
	closedir(dir);
	if (*out)
		(*out)--;
	return 0;
}

void metrics_process__write(struct xlb_http_reply *r, double start_time)
{
	long tck = sysconf(_SC_CLK_TCK), page = sysconf(_SC_PAGESIZE);
	unsigned long long fds = 0;
	struct proc_stat ps;
	struct rlimit rl;

	if (tck > 0 && page > 0 && !read_stat(&ps)) {
		xlb_metrics__family(r, "process_cpu_seconds_total", XLB_METRIC_COUNTER,
				    "Total user and system CPU time spent in seconds.");
		xlb_metrics__double(r, "process_cpu_seconds_total", NULL, 0,
				    (double)(ps.utime + ps.stime) / (double)tck);
		xlb_metrics__family(r, "process_resident_memory_bytes", XLB_METRIC_GAUGE,
				    "Resident memory size in bytes.");
		xlb_metrics__u64(r, "process_resident_memory_bytes", NULL, 0,
				 ps.rss * (unsigned long long)page);
		xlb_metrics__family(r, "process_virtual_memory_bytes", XLB_METRIC_GAUGE,
				    "Virtual memory size in bytes.");
		xlb_metrics__u64(r, "process_virtual_memory_bytes", NULL, 0, ps.vsize);
	}
	if (!count_fds(&fds)) {
		xlb_metrics__family(r, "process_open_fds", XLB_METRIC_GAUGE,
				    "Number of open file descriptors.");
		xlb_metrics__u64(r, "process_open_fds", NULL, 0, fds);
	}
	if (!getrlimit(RLIMIT_NOFILE, &rl)) {
		xlb_metrics__family(r, "process_max_fds", XLB_METRIC_GAUGE,
				    "Maximum number of open file descriptors.");
		xlb_metrics__u64(r, "process_max_fds", NULL, 0, rl.rlim_cur);
	}
	xlb_metrics__family(r, "process_start_time_seconds", XLB_METRIC_GAUGE,
			    "Start time of the process since unix epoch in seconds.");
	xlb_metrics__double(r, "process_start_time_seconds", NULL, 0, start_time);
}
