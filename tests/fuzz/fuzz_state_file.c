// SPDX-License-Identifier: MIT
/*
 * libFuzzer target for the state file xlbd reads back after a restart (a
 * file it wrote, but a crash, a full disk or an operator can damage it):
 * state_file__load refuses a damaged file with -EINVAL and never crashes.
 * A file it accepts is saved, loaded and saved again: the two saves must
 * be the same bytes, since save writes the model in one canonical order
 * and load restores everything save writes.
 */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "state_file.h"

#define DIR_TEMPLATE "xlb-fuzz-state-XXXXXX"
#define SAVE_MAX     (1 << 20) /* far more than an input of -max_len saves to */

static char dir[PATH_MAX];
static char in_path[PATH_MAX], first_path[PATH_MAX], second_path[PATH_MAX];

static void remove_files(void)
{
	unlink(in_path);
	unlink(first_path);
	unlink(second_path);
	rmdir(dir);
}

static void path_in_dir(char *buf, const char *name)
{
	if (snprintf(buf, PATH_MAX, "%s/%s", dir, name) >= PATH_MAX)
		abort();
}

int LLVMFuzzerInitialize(int *argc, char ***argv);

/* One private directory for the process (TMPDIR, else /tmp), removed at exit. */
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *tmp = getenv("TMPDIR");

	(void)argc;
	(void)argv;
	if (snprintf(dir, sizeof(dir), "%s/%s", tmp && *tmp ? tmp : "/tmp", DIR_TEMPLATE) >=
		    (int)sizeof(dir) ||
	    !mkdtemp(dir))
		abort();
	path_in_dir(in_path, "in.state");
	path_in_dir(first_path, "first.state");
	path_in_dir(second_path, "second.state");
	if (atexit(remove_files))
		abort();
	return 0;
}

static void write_file(const char *path, const uint8_t *data, size_t size)
{
	FILE *f = fopen(path, "w");

	if (!f || fwrite(data, 1, size, f) != size || fclose(f))
		abort();
}

/* The file at path into buf; its length. */
static size_t read_file(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");
	size_t n;

	if (!f)
		abort();
	n = fread(buf, 1, len, f);
	if (ferror(f) || !feof(f))
		abort(); /* a read error, or more than SAVE_MAX */
	fclose(f);
	return n;
}

/* Saves s, loads that into a fresh model, saves it again: the same bytes. */
static void check_round_trip(const struct xlb_state *s)
{
	static char first[SAVE_MAX], second[SAVE_MAX];
	struct xlb_state again;
	size_t n1, n2;

	if (state_file__save(first_path, s) || state__init(&again))
		abort();
	if (state_file__load(first_path, &again))
		abort(); /* what save writes, load takes */
	if (state_file__save(second_path, &again))
		abort();
	state__fini(&again);
	n1 = read_file(first_path, first, sizeof(first));
	n2 = read_file(second_path, second, sizeof(second));
	if (n1 != n2 || memcmp(first, second, n1))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct xlb_state s;
	int err;

	write_file(in_path, data, size);
	if (state__init(&s))
		abort();
	err = state_file__load(in_path, &s);
	if (!err)
		check_round_trip(&s);
	else if (err != -EINVAL)
		abort(); /* damage is -EINVAL; the file is there */
	state__fini(&s);
	return 0;
}
