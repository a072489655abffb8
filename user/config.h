/* SPDX-License-Identifier: MIT */
/*
 * The config file: a batch of xlbctl command lines without the leading
 * `xlbctl` (what `xlbctl save` prints), parsed with xlbctl's own grammar and
 * applied in order to a model.
 */
#ifndef XLB_CONFIG_H
#define XLB_CONFIG_H

#include "ctl_msg.h"
#include "state.h"

/* Parses one line (split in place) and applies it to s; a blank or comment
 * line is fine. Returns 0 or -errno with e->msg one line. Public for the
 * fuzz target, which runs the loader's own per-line code. */
int config__line(struct xlb_state *s, char *line, struct xlb_ctl_err *e);

/* Applies every line of path to s. Each bad line (syntax, or a change the
 * model refuses) is reported as "PATH:LINE: why" and skipped; *bad is their
 * count. Returns 0 (see *bad) or -errno if the file cannot be read. */
int config__load(const char *path, struct xlb_state *s, unsigned int *bad);

#endif /* XLB_CONFIG_H */
