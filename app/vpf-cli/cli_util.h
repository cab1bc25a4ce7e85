/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 */

#ifndef VPF_CLI_UTIL_H
#define VPF_CLI_UTIL_H

/*
 * Helpers of vpf-cli that need neither EAL nor a device: number and option
 * parsing, errno names, whole-file reads and atomic file writes. Kept apart
 * so that test/cli tests them with cmocka.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vpf_spec.h"

/** Most key=value options one argument list may carry. */
#define CLI_KV_MAX		8
/** Longest key, value (bytes, NUL included). */
#define CLI_KV_KEY_LEN		16
#define CLI_KV_VAL_LEN		256

/** Parsed key=value options. */
struct cli_kv {
	unsigned int n;
	char key[CLI_KV_MAX][CLI_KV_KEY_LEN];
	char val[CLI_KV_MAX][CLI_KV_VAL_LEN];
};

/** "EINVAL" for EINVAL or -EINVAL; "E<n>" if glibc has no name. Never NULL. */
const char *cli_errno_name(int err);

/**
 * Parse an unsigned number: decimal, 0x hex, with an optional binary suffix
 * k/K (KiB), m/M (MiB), g/G (GiB) when @p suffix is true.
 * @return 0 or -EINVAL (empty, garbage, negative) / -ERANGE (overflow).
 */
int cli_parse_u64(const char *s, bool suffix, uint64_t *v);

/** As cli_parse_u64(), and check min <= v <= max (-ERANGE otherwise). */
int cli_parse_range(const char *s, bool suffix, uint64_t min, uint64_t max,
		    uint64_t *v);

/**
 * Split @p text into key=value items separated by any character of @p seps
 * (e.g. " \t" for command arguments, "," for --model). Every key must be in
 * the NULL-terminated list @p keys and appear at most once.
 * @param err receives a sentence on failure (may be NULL).
 * @return 0 or -EINVAL.
 */
int cli_kv_parse(const char *text, const char *seps, const char *const *keys,
		 struct cli_kv *kv, char *err, size_t errlen);

/** Value of @p key, or NULL when absent. */
const char *cli_kv_get(const struct cli_kv *kv, const char *key);

/**
 * Parse write-recording ranges "<addr>:<pages>[,<addr>:<pages>...]"
 * (numbers as cli_parse_u64() without suffix) into @p r (up to @p max).
 * @return number of ranges, or -EINVAL / -E2BIG (more than @p max).
 */
int cli_parse_ranges(const char *s, struct vpf_admin_wr_range *r,
		     unsigned int max, char *err, size_t errlen);

/**
 * Read a whole regular file (at most @p max bytes) into a malloc()ed buffer.
 * @return 0 or a negative errno (-EFBIG when larger than @p max).
 */
int cli_read_file(const char *path, size_t max, uint8_t **buf, size_t *len);

/**
 * Write @p len bytes to @p path atomically: a temporary file in the same
 * directory, fsync, rename over @p path, fsync of the directory. A crash or
 * an error at any point leaves either the old file or no file, never a
 * partial one (the temporary is removed on error).
 * @return 0 or a negative errno.
 */
int cli_write_file_atomic(const char *path, const void *buf, size_t len);

/** A file being written atomically (see cli_write_file_atomic()). */
struct cli_atomic_file {
	int fd;
	char path[4096];
	char tmp[4096];
	/** Why cli_atomic_open() refused the target ("a directory, not a
	 *  regular file"), or "" when the errno says it all. */
	char why[96];
};

/**
 * Start an atomic write of @p path: refuse a target that exists and is not
 * a regular file (-EISDIR for a directory, -EINVAL for a device node, FIFO
 * or socket, also through a symlink; @p f->why says which), then create the
 * temporary file, so that an unwritable path fails before anything else is
 * done.
 * @return 0 or a negative errno.
 */
int cli_atomic_open(struct cli_atomic_file *f, const char *path);
/** Append @p len bytes. @return 0 or a negative errno. */
int cli_atomic_write(struct cli_atomic_file *f, const void *buf, size_t len);
/** fsync, rename over the target, fsync the directory. On failure the
 *  temporary is removed. @return 0 or a negative errno. */
int cli_atomic_commit(struct cli_atomic_file *f);
/** Remove the temporary; the target is untouched. */
void cli_atomic_abort(struct cli_atomic_file *f);

/** Human form of a page size bitmap bit: 4096 -> "4K", 2 MiB -> "2M". */
void cli_fmt_size(uint64_t bytes, char *buf, size_t len);

#endif /* VPF_CLI_UTIL_H */
