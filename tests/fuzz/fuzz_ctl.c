// SPDX-License-Identifier: MIT
/*
 * libFuzzer target for the daemon's side of the control protocol: one
 * received record, split into messages and each decoded as a request (and
 * as a reply, the client's side). A message that decodes must encode again
 * and decode to the same struct: the two directions may not disagree.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ctl_msg.h"

static void check_round_trip(const struct xlb_ctl_msg *m, enum xlb_ctl_dir dir)
{
	static char buf[XLB_CTL_MSG_MAX];
	struct xlb_ctl_msg again, a = *m;
	struct xlb_ctl_err e;
	int len;

	len = xlb_ctl_msg__encode(m, buf, sizeof(buf));
	if (len < 0)
		abort();
	if (xlb_ctl_msg__decode((const struct nlmsghdr *)buf, dir, &again, &e))
		abort();
	if (memcmp(&a, &again, sizeof(a)))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct nlmsghdr *nlh;
	struct xlb_ctl_iter it;
	struct xlb_ctl_msg m;
	struct xlb_ctl_err e;
	void *rec;

	if (size > XLB_CTL_RECORD_MAX)
		return 0;
	/* The daemon reads records into an aligned buffer of this size. */
	rec = malloc(size ? size : 1);
	if (!rec)
		return 0;
	memcpy(rec, data, size);
	xlb_ctl_iter__init(&it, rec, size);
	while (xlb_ctl_iter__next(&it, &nlh, &e) > 0) {
		if (!xlb_ctl_msg__decode(nlh, XLB_CTL_REQUEST, &m, &e))
			check_round_trip(&m, XLB_CTL_REQUEST);
		else if (!e.msg[0] || e.err >= 0)
			abort(); /* every refusal says why */
		if (!xlb_ctl_msg__decode(nlh, XLB_CTL_REPLY, &m, &e))
			check_round_trip(&m, XLB_CTL_REPLY);
		if (nlh->nlmsg_type == NLMSG_ERROR)
			xlb_ctl__parse_error(nlh, NULL, &e);
	}
	free(rec);
	return 0;
}
