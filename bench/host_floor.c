// SPDX-License-Identifier: MIT
/*
 * host_floor: what one system call costs on this CPU right now, as a floor
 * for benchmarks whose figure is CPU time. On a VM that reports no steal
 * time, the host's own load is charged to whatever ran: the same work cost
 * a quarter more in some minutes than in others. A benchmark reads this
 * beside its figure to tell the two apart.
 *
 *   host_floor [CALLS]   (default 100000)
 *
 * Makes CALLS getppid system calls and prints the thread's CPU time per
 * call in ns (CPU time, so a process sharing the CPU does not count).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/syscall.h>

#include <xlb/timeunit.h>

#define DEFAULT_CALLS 100000L
#define MAX_CALLS     100000000L
#define DECIMAL	      10

static int cpu_time(double *ns)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts))
		return -errno;
	*ns = (double)ts.tv_sec * (double)XLB_NSEC_PER_SEC + (double)ts.tv_nsec;
	return 0;
}

int main(int argc, char **argv)
{
	long calls = DEFAULT_CALLS, i;
	double t0, t1;
	char *end;
	int err;

	if (argc > 2) {
		fprintf(stderr, "usage: host_floor [CALLS]\n");
		return 2;
	}
	if (argc == 2) {
		errno = 0;
		calls = strtol(argv[1], &end, DECIMAL);
		if (errno || *end || calls < 1 || calls > MAX_CALLS) {
			fprintf(stderr, "host_floor: bad CALLS %s (1 to %ld)\n", argv[1],
				MAX_CALLS);
			return 2;
		}
	}
	err = cpu_time(&t0);
	for (i = 0; i < calls && !err; i++)
		syscall(SYS_getppid); /* a call that cannot fail nor block */
	if (!err)
		err = cpu_time(&t1);
	if (err) {
		fprintf(stderr, "host_floor: clock_gettime: %s\n", strerror(-err));
		return 1;
	}
	printf("%.0f\n", (t1 - t0) / (double)calls);
	return 0;
}
