// SPDX-License-Identifier: MIT
/*
 * livegen: the end-to-end benchmark's traffic generator and sinks
 * (bench/e2e.sh runs them in the lab's namespaces).
 *
 *   livegen send DEV DST_MAC SRC DST DPORT PACKETS FLOWS
 *       PACKETS IPv4 TCP SYN frames of 64 bytes out of DEV toward DST_MAC,
 *       from SRC to DST:DPORT, source ports rotating over FLOWS, as fast as
 *       the CPU allows: BPF_PROG_TEST_RUN in live-frames mode (the way
 *       xdp-trafficgen works). Prints "sent PACKETS SECONDS".
 *   livegen sink DEV pass|drop SECONDS
 *       Attaches a counting XDP program (native) to DEV until SIGINT,
 *       SIGTERM or SECONDS, then detaches it and prints "sink PACKETS".
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <linux/if_ether.h>
#include <linux/if_link.h>
#include <linux/ip.h>
#include <linux/tcp.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "bench/livegen.skel.h"

#define FRAME_LEN   64
#define TTL	    64
#define IP_DF	    0x4000
#define TCP_DOFF    5
#define TCP_WINDOW  65535
#define PORT_BASE   1024
#define MAX_FLOWS   60000 /* ports PORT_BASE.. stay below 65536 */
#define NS_PER_SEC  1000000000.0
#define EXIT_USAGE  2
#define SEND_ARGS   9
#define SINK_ARGS   5
#define MAC_STR_LEN 17

static void usage(void)
{
	fprintf(stderr, "usage: livegen send DEV DST_MAC SRC DST DPORT PACKETS FLOWS\n"
			"       livegen sink DEV pass|drop SECONDS\n");
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / NS_PER_SEC;
}

static __u16 csum16(const void *p, size_t len)
{
	const __u8 *b = p;
	__u32 sum = 0;
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (__u32)(b[i] << 8 | b[i + 1]);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return htons((__u16)~sum);
}

static int dev_mac(const char *dev, __u8 mac[ETH_ALEN])
{
	struct ifreq ifr = {0};
	int fd, err = 0;

	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0)
		return -errno;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", dev);
	if (ioctl(fd, SIOCGIFHWADDR, &ifr))
		err = -errno;
	else
		memcpy(mac, ifr.ifr_hwaddr.sa_data, ETH_ALEN);
	close(fd);
	return err;
}

static int parse_mac(const char *s, __u8 mac[ETH_ALEN])
{
	unsigned int b[ETH_ALEN];
	int i;

	if (strlen(s) != MAC_STR_LEN ||
	    sscanf(s, "%x:%x:%x:%x:%x:%x", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5]) != ETH_ALEN)
		return -EINVAL;
	for (i = 0; i < ETH_ALEN; i++)
		mac[i] = (__u8)b[i];
	return 0;
}

/* An IPv4 TCP SYN of FRAME_LEN bytes; returns the source port's offset. */
static int frame_build(__u8 *f, const char *dev, const char *dmac, const char *src, const char *dst,
		       unsigned int dport)
{
	struct ethhdr *eth = (struct ethhdr *)f;
	struct iphdr *ip = (struct iphdr *)(eth + 1);
	struct tcphdr *th = (struct tcphdr *)(ip + 1);

	memset(f, 0, FRAME_LEN);
	if (parse_mac(dmac, eth->h_dest) || dev_mac(dev, eth->h_source) ||
	    inet_pton(AF_INET, src, &ip->saddr) != 1 || inet_pton(AF_INET, dst, &ip->daddr) != 1)
		return -EINVAL;
	eth->h_proto = htons(ETH_P_IP);
	ip->version = 4;
	ip->ihl = sizeof(*ip) / sizeof(__u32);
	ip->tot_len = htons(FRAME_LEN - sizeof(*eth));
	ip->frag_off = htons(IP_DF);
	ip->ttl = TTL;
	ip->protocol = IPPROTO_TCP;
	ip->check = csum16(ip, sizeof(*ip));
	th->source = htons(PORT_BASE);
	th->dest = htons((__u16)dport);
	th->doff = TCP_DOFF;
	th->syn = 1;
	th->window = htons(TCP_WINDOW);
	return (int)((__u8 *)&th->source - f);
}

static int cmd_send(char **argv)
{
	unsigned long packets = strtoul(argv[7], NULL, 0), flows = strtoul(argv[8], NULL, 0);
	int ifindex = (int)if_nametoindex(argv[2]), off, err;
	struct livegen_bpf *skel;
	__u8 frame[FRAME_LEN];
	struct xdp_md ctx = {.data_end = FRAME_LEN};
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = frame, .data_size_in = FRAME_LEN,
		    .ctx_in = &ctx, .ctx_size_in = sizeof(ctx),
		    .flags = BPF_F_TEST_XDP_LIVE_FRAMES);
	double t;

	off = frame_build(frame, argv[2], argv[3], argv[4], argv[5],
			  (unsigned int)strtoul(argv[6], NULL, 0));
	if (!ifindex || off < 0 || !packets || packets > UINT32_MAX || !flows ||
	    flows > MAX_FLOWS) {
		usage();
		return EXIT_USAGE;
	}
	ctx.ingress_ifindex = (__u32)ifindex;
	skel = livegen_bpf__open_and_load();
	if (!skel) {
		fprintf(stderr, "livegen: load: %s\n", strerror(errno));
		return 1;
	}
	memcpy(skel->bss->frame, frame, FRAME_LEN);
	skel->bss->port_off = (__u32)off;
	skel->bss->nflows = (__u32)flows;
	skel->bss->port_base = PORT_BASE;
	opts.repeat = (__u32)packets;
	t = now_s();
	err = bpf_prog_test_run_opts(bpf_program__fd(skel->progs.gen), &opts);
	t = now_s() - t;
	livegen_bpf__destroy(skel);
	if (err) {
		fprintf(stderr, "livegen: run: %s\n", strerror(-err));
		return 1;
	}
	printf("sent %lu %.6f\n", packets, t);
	return 0;
}

static int cmd_sink(char **argv)
{
	int ifindex = (int)if_nametoindex(argv[2]), drop = !strcmp(argv[3], "drop"), sig, err;
	struct timespec limit = {.tv_sec = strtol(argv[4], NULL, 0)};
	struct livegen_bpf *skel;
	__u64 *per_cpu, total = 0;
	int ncpus = libbpf_num_possible_cpus(), i;
	__u32 zero = 0;
	sigset_t set;

	if (!ifindex || (!drop && strcmp(argv[3], "pass")) || limit.tv_sec <= 0 || ncpus <= 0) {
		usage();
		return EXIT_USAGE;
	}
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigprocmask(SIG_BLOCK, &set, NULL);
	skel = livegen_bpf__open_and_load();
	if (!skel) {
		fprintf(stderr, "livegen: load: %s\n", strerror(errno));
		return 1;
	}
	err = bpf_xdp_attach(ifindex,
			     bpf_program__fd(drop ? skel->progs.sink_drop : skel->progs.sink_pass),
			     XDP_FLAGS_DRV_MODE, NULL);
	if (err) {
		fprintf(stderr, "livegen: attach %s: %s\n", argv[2], strerror(-err));
		livegen_bpf__destroy(skel);
		return 1;
	}
	printf("attached\n");
	fflush(stdout);
	sig = sigtimedwait(&set, NULL, &limit);
	(void)sig;
	per_cpu = calloc((size_t)ncpus, sizeof(*per_cpu));
	err = per_cpu ? bpf_map_lookup_elem(bpf_map__fd(skel->maps.sink_count), &zero, per_cpu)
		      : -ENOMEM;
	for (i = 0; !err && i < ncpus; i++)
		total += per_cpu[i];
	if (bpf_xdp_detach(ifindex, XDP_FLAGS_DRV_MODE, NULL))
		fprintf(stderr, "livegen: detach %s failed\n", argv[2]);
	free(per_cpu);
	livegen_bpf__destroy(skel);
	if (err) {
		fprintf(stderr, "livegen: counter: %s\n", strerror(errno));
		return 1;
	}
	printf("sink %llu\n", (unsigned long long)total);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == SEND_ARGS && !strcmp(argv[1], "send"))
		return cmd_send(argv);
	if (argc == SINK_ARGS && !strcmp(argv[1], "sink"))
		return cmd_sink(argv);
	usage();
	return EXIT_USAGE;
}
