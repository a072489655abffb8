/* SPDX-License-Identifier: MIT */
/*
 * The daemon's model on disk, for what the maps cannot hold: each backend's
 * VIP, weight, flags and health, the outer source prefixes, and the order of
 * the free ids; and the source ACL and rate limits, which the maps do hold,
 * so that the model restored after a crash has the changes the maps may have
 * missed. Written atomically (temporary file + rename) before every change
 * reaches the maps, so after a crash it is never behind them.
 */
#ifndef XLB_STATE_FILE_H
#define XLB_STATE_FILE_H

#include <stddef.h>

#include "state.h"

#define XLB_STATE_DIR	 "/run/xlb"
#define XLB_STATE_SUFFIX ".state"

/* XLB_STATE_DIR/<name>.state into buf. */
int state_file__path(char *buf, size_t len, const char *name);
int state_file__save(const char *path, const struct xlb_state *s);
/* Loads into s (initialised, empty). -ENOENT if there is no file; -EINVAL
 * (with the line logged) if it is damaged. */
int state_file__load(const char *path, struct xlb_state *s);
int state_file__remove(const char *path);

#endif /* XLB_STATE_FILE_H */
