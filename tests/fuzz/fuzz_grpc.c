// SPDX-License-Identifier: MIT
/*
 * libFuzzer target for the gRPC health response a backend sends back
 * (untrusted bytes off the network): xlb_grpc__decode_check either refuses
 * it with -EBADMSG and leaves the status alone, or accepts a whole frame
 * (uncompressed, its length the bytes after the header) and a status that
 * a canonical frame of its own decodes to again.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>

#include "grpc_codec.h"

#define STATUS_UNSET	    0xdeadbeefu /* no decoder writes this */
#define FIELD_STATUS_VARINT 0x08	/* field 1, wire type 0 */
#define VARINT_MORE	    0x80
#define VARINT_BITS	    0x7f
#define VARINT_SHIFT	    7
#define VARINT32_MAX_BYTES  5

static uint32_t get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* The frame a server sends for status: proto3 leaves a 0 out. */
static size_t canonical(uint32_t status, uint8_t *buf)
{
	size_t n = XLB_GRPC_FRAME_HDR;

	if (status) {
		buf[n++] = FIELD_STATUS_VARINT;
		while (status > VARINT_BITS) {
			buf[n++] = (uint8_t)(status & VARINT_BITS) | VARINT_MORE;
			status >>= VARINT_SHIFT;
		}
		buf[n++] = (uint8_t)status;
	}
	buf[0] = 0;
	buf[1] = 0;
	buf[2] = 0;
	buf[3] = 0;
	buf[4] = (uint8_t)(n - XLB_GRPC_FRAME_HDR);
	return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t again[XLB_GRPC_FRAME_HDR + 1 + VARINT32_MAX_BYTES];
	uint32_t status = STATUS_UNSET, status2 = STATUS_UNSET;
	uint8_t *copy;
	int err;

	/* An exact-size copy, so that ASan sees any read past the end. */
	copy = malloc(size ? size : 1);
	if (!copy)
		return 0;
	memcpy(copy, data, size);
	err = xlb_grpc__decode_check(copy, size, &status);
	if (err) {
		if (err != -EBADMSG || status != STATUS_UNSET)
			abort();
		goto cleanup;
	}
	if (size < XLB_GRPC_FRAME_HDR || copy[0] || get_be32(copy + 1) != size - XLB_GRPC_FRAME_HDR)
		abort(); /* accepted something other than one whole message */
	if (xlb_grpc__decode_check(again, canonical(status, again), &status2) || status2 != status)
		abort();
	xlb_grpc_serving__name(status);
cleanup:
	free(copy);
	return 0;
}
