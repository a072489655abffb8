/* SPDX-License-Identifier: MIT */
/*
 * The few bytes of grpc.health.v1.Health/Check, encoded by hand: a gRPC
 * message frame (1 byte compressed flag, 4 byte big-endian length) around
 * HealthCheckRequest { string service = 1; } going out and
 * HealthCheckResponse { ServingStatus status = 1; } coming back.
 */
#ifndef XLB_GRPC_CODEC_H
#define XLB_GRPC_CODEC_H

#include <stddef.h>
#include <stdint.h>

#define XLB_GRPC_FRAME_HDR   5 /* flag + length */
#define XLB_GRPC_HEALTH_PATH "/grpc.health.v1.Health/Check"

/* HealthCheckResponse.ServingStatus */
enum xlb_grpc_serving {
	XLB_GRPC_UNKNOWN = 0,
	XLB_GRPC_SERVING = 1,
	XLB_GRPC_NOT_SERVING = 2,
	XLB_GRPC_SERVICE_UNKNOWN = 3,
};

#define XLB_GRPC_STATUS_OK 0 /* grpc-status of a successful call */

/* Writes the request frame for service ("" = the server as a whole) into
 * buf; returns its length or -ENOSPC. */
int xlb_grpc__encode_check(const char *service, uint8_t *buf, size_t len);

/* Reads the response frame: exactly one uncompressed message, well-formed
 * protobuf (unknown fields skipped), status absent meaning UNKNOWN. Sets
 * *status; 0 or -EBADMSG. */
int xlb_grpc__decode_check(const uint8_t *buf, size_t len, uint32_t *status);

/* "SERVING", "NOT_SERVING", ... or NULL for a value outside the enum. */
const char *xlb_grpc_serving__name(uint32_t status);
/* "NOT_FOUND", "UNIMPLEMENTED", ... (grpc-status codes) or NULL. */
const char *xlb_grpc_status__name(long code);

#endif /* XLB_GRPC_CODEC_H */
