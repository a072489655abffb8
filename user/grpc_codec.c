// SPDX-License-Identifier: MIT
/*
 * A hand-written protobuf reader for one tiny message: every length is
 * checked against the bytes left before it is used, a varint is at most ten
 * bytes, and any wire type this message cannot hold makes it malformed.
 */
#include <errno.h>
#include <string.h>

#include "grpc_codec.h"

#define VARINT_MAX_BYTES 10
#define VARINT_MORE	 0x80
#define VARINT_BITS	 0x7f
#define VARINT_SHIFT	 7
#define TAG_WIRE_BITS	 3
#define TAG_WIRE_MASK	 0x7

#define FIELD_SERVICE 1 /* HealthCheckRequest.service */
#define FIELD_STATUS  1 /* HealthCheckResponse.status */

enum wire_type {
	WIRE_VARINT = 0,
	WIRE_I64 = 1,
	WIRE_LEN = 2,
	WIRE_I32 = 5,
};

#define I64_BYTES 8
#define I32_BYTES 4

static const char *const serving_names[] = {
	[XLB_GRPC_UNKNOWN] = "UNKNOWN",
	[XLB_GRPC_SERVING] = "SERVING",
	[XLB_GRPC_NOT_SERVING] = "NOT_SERVING",
	[XLB_GRPC_SERVICE_UNKNOWN] = "SERVICE_UNKNOWN",
};

/* https://grpc.github.io/grpc/core/md_doc_statuscodes.html */
static const char *const status_names[] = {
	"OK",
	"CANCELLED",
	"UNKNOWN",
	"INVALID_ARGUMENT",
	"DEADLINE_EXCEEDED",
	"NOT_FOUND",
	"ALREADY_EXISTS",
	"PERMISSION_DENIED",
	"RESOURCE_EXHAUSTED",
	"FAILED_PRECONDITION",
	"ABORTED",
	"OUT_OF_RANGE",
	"UNIMPLEMENTED",
	"INTERNAL",
	"UNAVAILABLE",
	"DATA_LOSS",
	"UNAUTHENTICATED",
};

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

const char *xlb_grpc_serving__name(uint32_t status)
{
	return status < ARRAY_LEN(serving_names) ? serving_names[status] : NULL;
}

const char *xlb_grpc_status__name(long code)
{
	return code >= 0 && (size_t)code < ARRAY_LEN(status_names) ? status_names[code] : NULL;
}

static size_t put_varint(uint8_t *p, uint64_t v)
{
	size_t n = 0;

	while (v > VARINT_BITS) {
		p[n++] = (uint8_t)(v & VARINT_BITS) | VARINT_MORE;
		v >>= VARINT_SHIFT;
	}
	p[n++] = (uint8_t)v;
	return n;
}

static void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static uint32_t get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

int xlb_grpc__encode_check(const char *service, uint8_t *buf, size_t len)
{
	size_t slen = strlen(service), msg = 0;
	uint8_t tmp[VARINT_MAX_BYTES];

	if (slen) /* proto3 leaves an empty string out */
		msg = 1 + put_varint(tmp, slen) + slen;
	if (len < XLB_GRPC_FRAME_HDR + msg || msg > UINT32_MAX)
		return -ENOSPC;
	buf[0] = 0; /* not compressed */
	put_be32(buf + 1, (uint32_t)msg);
	if (slen) {
		uint8_t *p = buf + XLB_GRPC_FRAME_HDR;

		*p++ = FIELD_SERVICE << TAG_WIRE_BITS | WIRE_LEN;
		p += put_varint(p, slen);
		memcpy(p, service, slen);
	}
	return (int)(XLB_GRPC_FRAME_HDR + msg);
}

/* Reads a varint at *p (before end); 0 or -EBADMSG. */
static int get_varint(const uint8_t **p, const uint8_t *end, uint64_t *v)
{
	uint64_t r = 0;
	int i;

	for (i = 0; i < VARINT_MAX_BYTES; i++) {
		if (*p >= end)
			return -EBADMSG;
		r |= (uint64_t)(**p & VARINT_BITS) << (VARINT_SHIFT * i);
		if (!(*(*p)++ & VARINT_MORE)) {
			*v = r;
			return 0;
		}
	}
	return -EBADMSG;
}

/* Moves *p past n bytes if there are that many before end. */
static int skip(const uint8_t **p, const uint8_t *end, uint64_t n)
{
	if (n > (uint64_t)(end - *p))
		return -EBADMSG;
	*p += n;
	return 0;
}

int xlb_grpc__decode_check(const uint8_t *buf, size_t len, uint32_t *status)
{
	const uint8_t *p, *end;
	uint32_t found = XLB_GRPC_UNKNOWN;
	uint64_t key, v;

	if (len < XLB_GRPC_FRAME_HDR || buf[0] != 0)
		return -EBADMSG; /* short, or compressed though we accept no encoding */
	if (get_be32(buf + 1) != len - XLB_GRPC_FRAME_HDR)
		return -EBADMSG; /* a unary answer is exactly one message */
	p = buf + XLB_GRPC_FRAME_HDR;
	end = buf + len;
	while (p < end) {
		if (get_varint(&p, end, &key) || key >> TAG_WIRE_BITS == 0)
			return -EBADMSG;
		switch (key & TAG_WIRE_MASK) {
		case WIRE_VARINT:
			if (get_varint(&p, end, &v))
				return -EBADMSG;
			if (key >> TAG_WIRE_BITS == FIELD_STATUS)
				found = (uint32_t)v; /* the last one wins */
			break;
		case WIRE_I64:
			if (key >> TAG_WIRE_BITS == FIELD_STATUS || skip(&p, end, I64_BYTES))
				return -EBADMSG;
			break;
		case WIRE_LEN:
			if (key >> TAG_WIRE_BITS == FIELD_STATUS || get_varint(&p, end, &v) ||
			    skip(&p, end, v))
				return -EBADMSG;
			break;
		case WIRE_I32:
			if (key >> TAG_WIRE_BITS == FIELD_STATUS || skip(&p, end, I32_BYTES))
				return -EBADMSG;
			break;
		default:
			return -EBADMSG;
		}
	}
	*status = found;
	return 0;
}
