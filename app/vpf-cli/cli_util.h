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

#include "vpf_pf.h"
#include "vpf_spec.h"

/** Most key=value options one argument list may carry. */
#define CLI_KV_MAX		12
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

/** Most VFs one VF list (cli_parse_vf_list()) may name. */
#define CLI_VF_LIST_MAX		256

/**
 * Parse a VF list: comma-separated items, each a VF number or a range
 * "<first>-<last>" (decimal, first <= last), e.g. "3", "1-8", "1,3,5",
 * "1-3,7". Every VF must be in 1..@p num_vfs and appear once; the order
 * given is kept (ranges ascending).
 * @param vfs receives up to @p max VF numbers.
 * @param err receives a sentence on failure (may be NULL).
 * @return the number of VFs (>= 1), or -EINVAL (malformed, out of range,
 *   duplicate) / -E2BIG (more than @p max).
 */
int cli_parse_vf_list(const char *s, uint16_t num_vfs, uint16_t *vfs,
		      unsigned int max, char *err, size_t errlen);

/** Write a VF list back in its shortest form ("1-4,7"). */
void cli_fmt_vf_list(const uint16_t *vfs, unsigned int n, char *buf,
		     size_t len);

/* ---- migration streams: a regular file or a FIFO ------------------------ */

/** Polled while a stream waits for its peer or for room: true stops the
 *  wait with -ECANCELED. */
typedef bool (*cli_cancel_t)(void *arg);

/** A migration stream being written or read (`mig save`, `mig load`). */
struct cli_stream {
	int fd;
	bool fifo;		/* a FIFO (else a regular file) */
	bool peer;		/* FIFO read: a writer was seen */
	bool atomic;		/* written through @c af */
	struct cli_atomic_file af;
	unsigned int wait_ms;	/* longest wait for the peer / progress */
	cli_cancel_t cancel;
	void *arg;
	uint64_t bytes;		/* moved so far */
	char why[128];		/* what a failure means, or "" */
};

/**
 * Open @p path to write a stream. A FIFO is opened without blocking,
 * retried until a reader has it open (at most @p wait_ms, -ETIMEDOUT;
 * @p cancel, -ECANCELED); anything else must be a regular file or nothing
 * and is written atomically (cli_atomic_open(): only a complete stream
 * ever appears under @p path). @p s->why explains a refusal.
 * @return 0 or a negative errno.
 */
int cli_stream_open_write(struct cli_stream *s, const char *path,
			  unsigned int wait_ms, cli_cancel_t cancel,
			  void *arg);

/**
 * Open @p path to read a stream: a regular file or a FIFO (opened without
 * blocking; the writer is waited for by cli_stream_read()).
 * @return 0, -ENOENT, -EISDIR, -EINVAL (another kind of file; @p s->why),
 *   or another negative errno.
 */
int cli_stream_open_read(struct cli_stream *s, const char *path,
			 unsigned int wait_ms, cli_cancel_t cancel, void *arg);

/**
 * Write all @p len bytes. For a FIFO, waits for room at most wait_ms
 * without progress (-ETIMEDOUT); -EPIPE when the reader went away;
 * -ECANCELED when @p s->cancel says so.
 * @return 0 or a negative errno.
 */
int cli_stream_write(struct cli_stream *s, const void *buf, size_t len);

/**
 * Read up to @p len bytes; *@p got 0 is the end of the stream (a regular
 * file's end, or the FIFO's writer closed it). For a FIFO, waits for a
 * writer and for data at most wait_ms without progress (-ETIMEDOUT).
 * @return 0 or a negative errno (-ECANCELED as above).
 */
int cli_stream_read(struct cli_stream *s, void *buf, size_t len, size_t *got);

/** Finish a written stream: a regular file is committed (fsync, rename),
 *  a FIFO closed (its reader sees the end). @return 0 or a negative errno. */
int cli_stream_commit(struct cli_stream *s);

/** Close a stream; a regular file being written is removed (the target is
 *  untouched). Safe after a failed open or a commit. */
void cli_stream_close(struct cli_stream *s);

/** Human form of a page size bitmap bit: 4096 -> "4K", 2 MiB -> "2M". */
void cli_fmt_size(uint64_t bytes, char *buf, size_t len);

/**
 * A software PF model as vpf-cli's and vpfd's --model SPEC and vpf-cli's
 * `pf attach model` describe it: name=<n>[,vfs=<n>][,vqs=<n>][,seed=<n>]
 * [,dialect=seed-2023|1.4][,bdf=<a>][,service_us=<n>][,concurrency=<n>]
 * [,act_us=<n>]. The last three are the timing model (vpf_model_params:
 * per-command service time, commands worked on at once, activation cost
 * per differing field), 0 (the default) for a synchronous model.
 */
struct cli_model_spec {
	const char *name;	/* points into the cli_kv it came from */
	uint16_t vfs;		/* 0: the model's default */
	uint16_t vqs;		/* 0: the model's default */
	uint64_t seed;
	const char *bdf;	/* NULL: a unique one */
	enum vpf_dialect dialect;
	uint32_t service_us;
	uint32_t concurrency;
	uint32_t act_us;
};

/** Parse a dialect name as `dialect=` takes it: "seed-2023" (the draft)
 *  or "1.4"; -EINVAL (not reported) otherwise. */
int cli_parse_dialect(const char *s, enum vpf_dialect *d);
/** The dialect's name as vpf-cli and vpfd print it: "seed-2023", "1.4". */
const char *cli_dialect_name(enum vpf_dialect d);

/** The first CPU this process may run on: the single lcore vpf-cli and
 *  vpfd give EAL when they choose its options. */
int cli_first_cpu(void);

/** The keys of a model SPEC, NULL-terminated. */
extern const char *const cli_model_keys[];

/**
 * Fill @p s from parsed options (cli_kv_parse() with cli_model_keys):
 * @p s->dialect is kept when the options have no dialect=, everything else
 * starts from the defaults (seed 1). @p need_name: name= is required.
 * @return 0, or -EINVAL with @p err saying which option is bad.
 */
int cli_model_spec_get(const struct cli_kv *kv, bool need_name,
		       struct cli_model_spec *s, char *err, size_t errlen);

struct vpf_model_params;
/** Set @p mp (initialised with vpf_model_params_init()) as @p s says; a
 *  service time or an activation cost makes the model threaded. */
void cli_model_params(const struct cli_model_spec *s,
		      struct vpf_model_params *mp);

#endif /* VPF_CLI_UTIL_H */
