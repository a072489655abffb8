// SPDX-License-Identifier: MIT
/*
 * Weighted Maglev (Eisenbud et al., NSDI 2016).
 *
 * Each backend walks its own permutation of the ring, (offset + j * skip) mod
 * M, and claims the next free slot of it when its turn comes. The classic
 * algorithm gives every backend one turn per round; here turns come in order
 * of (claimed + 1) / weight, ties broken by the backends' sorted order. With
 * equal weights that is exactly the classic round robin; with weights every
 * backend ends with its weighted share to within one slot, and a min-heap
 * keeps the build O(M log N) whatever the weights.
 *
 * Nothing depends on the input order or on the ids: backends are sorted by
 * (family, address, port) and hashed from those bytes, read in network order
 * so hosts of any endianness build the same ring.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include <xlb/hash.h>

#include "log.h"
#include "maglev.h"

#define MAGLEV_M	   XLB_RING_SIZE
#define MAGLEV_OFFSET_SEED 0x6f666673u /* "offs" */
#define MAGLEV_SKIP_SEED   0x736b6970u /* "skip" */
#define FNV32_OFFSET	   0x811c9dc5u
#define FNV32_PRIME	   0x01000193u
#define IPV4_UNUSED_WORDS  3  /* xlb_addr words after a[0], zero for IPv4 */
#define FAMILY_SHIFT	   16 /* family above the port in the last hashed word */
#define BYTE_BITS	   8
#define WORD_BYTES	   4
#define ADDR_WORDS	   4
#define TAKEN_BITS	   64 /* slots per word of the taken-slot bitmap */
#define TAKEN_WORDS	   ((MAGLEV_M + TAKEN_BITS - 1) / TAKEN_BITS)
#define MAGLEV_ROUND_MAX   16384 /* turns in a round sorted, at most: see round_order */

/* One backend in the ring's build. */
struct maglev_state {
	__u32 id;
	__u32 weight;
	__u32 skip;
	__u32 cursor; /* next slot of its permutation to try */
	__u32 claimed;
};

static int backend_cmp(const void *pa, const void *pb)
{
	const struct maglev_backend *a = pa, *b = pb;
	int c;

	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	c = memcmp(&a->addr, &b->addr, sizeof(a->addr));
	if (c)
		return c;
	if (a->port != b->port)
		return ntohs(a->port) < ntohs(b->port) ? -1 : 1;
	return 0;
}

/* The backend's identity as words whose values do not depend on the host's
 * byte order. */
static void backend_words(const struct maglev_backend *b, __u32 w[ADDR_WORDS + 1])
{
	int i;

	for (i = 0; i < ADDR_WORDS; i++)
		w[i] = ntohl(b->addr.a[i]);
	w[ADDR_WORDS] = ((__u32)b->family << FAMILY_SHIFT) | ntohs(b->port);
}

/* First hash: MurmurHash3 (the flow hash's mix) with its own seed. */
static __u32 hash_offset(const __u32 w[ADDR_WORDS + 1])
{
	__u32 h = MAGLEV_OFFSET_SEED;
	int i;

	for (i = 0; i <= ADDR_WORDS; i++)
		h = xlb_hash_word(h, w[i]);
	return xlb_hash_final(h);
}

/* Second hash: a different function (FNV-1a over the bytes, then a
 * finaliser), so offset and skip are not correlated. */
static __u32 hash_skip(const __u32 w[ADDR_WORDS + 1])
{
	__u32 h = FNV32_OFFSET ^ MAGLEV_SKIP_SEED;
	int i, j;

	for (i = 0; i <= ADDR_WORDS; i++) {
		for (j = WORD_BYTES - 1; j >= 0; j--) {
			h ^= (w[i] >> (j * BYTE_BITS)) & 0xff;
			h *= FNV32_PRIME;
		}
	}
	return xlb_hash_final(h);
}

static int backend_valid(const struct maglev_backend *b)
{
	int i;

	if (!b->id) {
		pr_warn("maglev: backend id 0\n");
		return 0;
	}
	if (b->family == XLB_AF_INET6)
		return 1;
	if (b->family != XLB_AF_INET) {
		pr_warn("maglev: backend %u: bad family %u\n", b->id, b->family);
		return 0;
	}
	for (i = 1; i <= IPV4_UNUSED_WORDS; i++) {
		if (b->addr.a[i]) {
			pr_warn("maglev: backend %u: IPv4 address with non-zero padding\n", b->id);
			return 0;
		}
	}
	return 1;
}

/* Whose turn comes first: a's next claim at (claimed + 1) / weight, earlier
 * than b's, or at the same time and a sorts first. Products fit in 64 bits:
 * claimed <= M < 2^17 and weight < 2^32. */
static int turn_before(const struct maglev_state *s, __u32 a, __u32 b)
{
	__u64 ta = ((__u64)s[a].claimed + 1) * s[b].weight;
	__u64 tb = ((__u64)s[b].claimed + 1) * s[a].weight;

	return ta < tb || (ta == tb && a < b);
}

static void heap_sift_down(const struct maglev_state *s, __u32 *heap, size_t n, size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;
		__u32 t;

		if (l < n && turn_before(s, heap[l], heap[m]))
			m = l;
		if (r < n && turn_before(s, heap[r], heap[m]))
			m = r;
		if (m == i)
			return;
		t = heap[i];
		heap[i] = heap[m];
		heap[m] = t;
		i = m;
	}
}

/* Claims the next free slot of b's permutation. taken mirrors the ring in
 * an 8 KiB bitmap that stays in L1, where the ring is 256 KiB. */
static void claim_slot(struct maglev_state *b, __u64 *taken, __u32 *ring)
{
	/* M is prime, so the permutation reaches every slot, and a free one
	 * exists while the ring is not full. */
	while (taken[b->cursor / TAKEN_BITS] & (1ull << (b->cursor % TAKEN_BITS))) {
		b->cursor += b->skip;
		if (b->cursor >= MAGLEV_M)
			b->cursor -= MAGLEV_M;
	}
	taken[b->cursor / TAKEN_BITS] |= 1ull << (b->cursor % TAKEN_BITS);
	ring[b->cursor] = b->id;
	b->claimed++;
}

/* One turn of a round: the k-th of backend idx (weight w), at k / w. */
struct maglev_turn {
	__u32 idx;
	__u32 k;
	__u32 w;
};

/* Turn order: earlier time first, ties by backend order, as turn_before. */
static int turn_cmp(const void *pa, const void *pb)
{
	const struct maglev_turn *a = pa, *b = pb;
	__u64 ta = (__u64)a->k * b->w, tb = (__u64)b->k * a->w;

	if (ta != tb)
		return ta < tb ? -1 : 1;
	return a->idx < b->idx ? -1 : a->idx > b->idx;
}

static __u32 gcd32(__u32 a, __u32 b)
{
	while (b) {
		__u32 t = a % b;

		a = b;
		b = t;
	}
	return a;
}

/*
 * With integer weights, backend i's turns fall at k / w_i: w_i of them in
 * every unit of time, at the same offsets in each. So one round's order,
 * sorted once, repeats until the ring is full: the heap's order without a
 * sift per slot (100 backends of weights 1-4: 5.1 -> 1.9 ms; equal weights,
 * a round is the backends in order: 4.6 -> 1.8 ms). Weights divided by
 * their gcd first. Returns the round in a malloc'ed array of *len turns, or
 * NULL when a round is too long to be worth sorting (or out of memory).
 */
static struct maglev_turn *round_order(const struct maglev_state *s, size_t n, size_t *len)
{
	struct maglev_turn *turns;
	__u32 g = 0, k;
	size_t i, t = 0;
	__u64 total = 0;

	for (i = 0; i < n; i++)
		g = gcd32(s[i].weight, g);
	for (i = 0; i < n; i++)
		total += s[i].weight / g;
	if (total > MAGLEV_ROUND_MAX)
		return NULL;
	turns = malloc(total * sizeof(*turns));
	if (!turns)
		return NULL;
	for (i = 0; i < n; i++) {
		for (k = 1; k <= s[i].weight / g; k++)
			turns[t++] =
				(struct maglev_turn){.idx = (__u32)i, .k = k, .w = s[i].weight / g};
	}
	qsort(turns, total, sizeof(*turns), turn_cmp);
	*len = total;
	return turns;
}

static void fill_ring(struct maglev_state *s, __u32 *heap, size_t n, __u32 *ring)
{
	__u64 taken[TAKEN_WORDS];
	struct maglev_turn *turns;
	size_t filled = 0, i, len;

	memset(taken, 0, sizeof(taken));
	turns = round_order(s, n, &len);
	if (turns) {
		for (i = 0; filled < MAGLEV_M; filled++) {
			claim_slot(&s[turns[i].idx], taken, ring);
			if (++i == len)
				i = 0;
		}
		free(turns);
		return;
	}
	/* Long rounds (large, coprime weights): a heap of next turns. With
	 * unequal weights the index order is not the turn order. */
	for (i = n; i-- > 0;)
		heap_sift_down(s, heap, n, i);

	for (filled = 0; filled < MAGLEV_M; filled++) {
		claim_slot(&s[heap[0]], taken, ring);
		heap_sift_down(s, heap, n, 0);
	}
}

int maglev__build(const struct maglev_backend *backends, size_t n, __u32 *ring)
{
	struct maglev_backend *sorted = NULL;
	struct maglev_state *state = NULL;
	__u32 *heap = NULL;
	size_t i, active = 0;
	int err = 0;

	if (!ring || (n && !backends)) {
		pr_warn("maglev: no ring or no backends array\n");
		return -EINVAL;
	}
	memset(ring, 0, sizeof(__u32) * MAGLEV_M);
	if (!n)
		return 0;

	sorted = malloc(n * sizeof(*sorted));
	state = calloc(n, sizeof(*state));
	heap = malloc(n * sizeof(*heap));
	if (!sorted || !state || !heap) {
		err = -ENOMEM;
		pr_warn("maglev: out of memory for %zu backends\n", n);
		goto cleanup;
	}
	memcpy(sorted, backends, n * sizeof(*sorted));
	for (i = 0; i < n; i++) {
		if (!backend_valid(&sorted[i])) {
			err = -EINVAL;
			goto cleanup;
		}
	}
	qsort(sorted, n, sizeof(*sorted), backend_cmp);

	for (i = 0; i < n; i++) {
		__u32 w[ADDR_WORDS + 1];
		struct maglev_state *s;

		if (i && !backend_cmp(&sorted[i - 1], &sorted[i])) {
			err = -EINVAL;
			pr_warn("maglev: backends %u and %u have the same address and port\n",
				sorted[i - 1].id, sorted[i].id);
			goto cleanup;
		}
		if (!sorted[i].weight)
			continue;
		backend_words(&sorted[i], w);
		s = &state[active];
		s->id = sorted[i].id;
		s->weight = sorted[i].weight;
		s->cursor = hash_offset(w) % MAGLEV_M;
		s->skip = hash_skip(w) % (MAGLEV_M - 1) + 1;
		heap[active] = active;
		active++;
	}
	if (active)
		fill_ring(state, heap, active, ring);

cleanup:
	free(heap);
	free(state);
	free(sorted);
	return err;
}
